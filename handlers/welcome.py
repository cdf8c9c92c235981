"""The welcome DM on a person's first contact, sent once the command has its ack.

An import's welcomes go through the clock instead (`scheduler/welcome.py`), at the moment the
facilitator chose; whichever comes first, the person's first command or that moment, welcomes
them, once."""

from __future__ import annotations

import logging

from conversation.outlet import Outlet, OutletError
from conversation.requests import Command
from handlers.views.welcome import build_welcome_message
from models.grammar import find_mentions
from models.welcome import to_welcome

logger = logging.getLogger(__name__)


def greet(outlet: Outlet, command: Command) -> None:
    """Welcome the caller, and anyone the command just paired, if Buddy never has before."""
    named, _ = find_mentions(command.args)
    deps = command.deps
    with deps.session() as session:
        greetings = to_welcome(
            session, command.team_id, command.user_id, named, command.now, deps.facilitators
        )
    for greeting in greetings:
        message = build_welcome_message(greeting)
        try:
            outlet.post(greeting.user_id, message)
        except OutletError:
            logger.exception("Could not welcome %s", greeting.user_id)
