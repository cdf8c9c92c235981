"""An Enterprise Grid org-wide install is stored, but Buddy keeps pairs, people and reminders
workspace by workspace (its clock finds a token per workspace), so such an install cannot send
what its commands would promise. Rather than answer "I'll check in with you that morning" and
never do, every request that comes through an org-wide install is answered with what to do
instead, and changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from frontends.slack.acks import empty_ack, ephemeral_ack
from frontends.slack.payloads import is_goodbye

logger = logging.getLogger(__name__)

ORG_WIDE = (
    "Buddy is installed for your whole Enterprise Grid organisation, but it keeps pairs and sends "
    "reminders one workspace at a time, so it can't work from an org-wide install. Please ask "
    "your Slack admin to install Buddy in this workspace itself (from the install link, choosing "
    "this workspace rather than the organisation), then try again."
)


def refuse_org_wide(
    body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse | None]
) -> BoltResponse | None:
    """A request through an org-wide install goes no further: a command is told why."""
    # Uninstalling still goes through: the installation is deleted as any other's.
    if not context.is_enterprise_install or is_goodbye(body):
        return next()
    logger.info("Refused a request through an org-wide install (%s)", context.enterprise_id)
    if "command" in body:
        return ephemeral_ack(ORG_WIDE)
    return empty_ack()
