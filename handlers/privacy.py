"""`/buddy export me` and `/buddy forget me` (or `forget @x`, for facilitators acting on a
written request): a person's own data, sent to them or erased after a confirmation."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from conversation.commands import Subcommand
from conversation.deps import Deps
from conversation.outlet import Outlet, OutletError, SentFile
from conversation.replies import Reply, ephemeral, problem_text
from conversation.requests import Answer, Command, Handlers, Press
from handlers.views.privacy import (
    EXPORT_JSON,
    EXPORT_TEXT,
    FORGET_CANCEL,
    FORGET_CONFIRM,
    build_buddy_notice,
    build_export_comment,
    build_facilitator_notice,
    build_forget_confirm,
    build_forgotten_answer,
    build_removed_message,
)
from models.base import platform_name
from models.deliveries import remember_direct_post
from models.grammar import ParseError, parse_mention
from models.lifecycle import facilitators_of
from models.pairs import members_of, pair_of
from models.people import Participant, find_participant, is_facilitator
from models.privacy import Forgotten, export_data, export_json, export_summary, forget
from models.refusals import Refusal

logger = logging.getLogger(__name__)

GROUP = "Your own data and time off"
FORGET_EXAMPLE = "forget me"
EXPORT_EXAMPLE = "export me"


def export(command: Command) -> Answer:
    if command.args.strip().lower() != "me":
        raise Refusal("Buddy sends you your own data: say `me`.", EXPORT_EXAMPLE)
    with command.deps.session() as session:
        caller = command.caller(session)
        data = export_data(session, caller)
        as_json = export_json(data, command.user_id, command.now)
        as_text = export_summary(data, command.team_id, command.user_id, command.now)
        caller_id = caller.id

    def send(outlet: Outlet) -> Reply:
        with command.deps.session() as session:
            participant = session.get(Participant, caller_id)
            assert participant is not None
            channel = outlet.person_conversation(session, participant)
        try:
            file_ids = outlet.send_files(
                channel,
                [
                    SentFile(EXPORT_JSON, as_json, "Your Buddy data"),
                    SentFile(EXPORT_TEXT, as_text, "Your Buddy data"),
                ],
                build_export_comment(),
            )
            # The files hold everything they typed: erasing them deletes the files too.
            _remember_files(command.deps, command.team_id, command.user_id, channel, file_ids)
        except OutletError:
            logger.exception("Could not upload the export for %s", command.user_id)
            return ephemeral(
                problem_text(
                    "I couldn't send your data just now. Please try again in a minute.",
                    EXPORT_EXAMPLE,
                )
            )
        return ephemeral(":card_index_dividers: I've sent your data to our direct messages.")

    return Answer(then=send)


def _remember_files(
    deps: Deps, team_id: str, user_id: str, channel: str, file_ids: Sequence[str]
) -> None:
    """Record the files as being about their owner, so erasing them deletes the files. Best
    effort: the files are sent, so a failure here is only logged."""
    for file_id in file_ids:
        try:
            with deps.session() as session:
                remember_direct_post(session, team_id, [user_id], channel, file_id=file_id)
        except SQLAlchemyError:
            logger.exception("Could not record where a message in %s went", channel)


def _target(command: Command) -> str:
    words = command.args.strip()
    if words.lower() == "me":
        return command.user_id
    found = parse_mention(words)
    if isinstance(found, ParseError):
        raise Refusal("Say `me`, or (facilitators) mention the person.", FORGET_EXAMPLE)
    return found


def ask_to_forget(command: Command) -> Reply:
    target = _target(command)
    own = target == command.user_id
    with command.deps.session() as session:
        if not own and not is_facilitator(
            session, command.deps.facilitators, command.team_id, command.user_id
        ):
            raise Refusal(
                "Only facilitators can erase someone else's data. To erase your own:",
                FORGET_EXAMPLE,
            )
        person = find_participant(session, command.team_id, target)
        if person is None:
            if own:
                return ephemeral("Buddy holds no data about you, so there is nothing to erase.")
            raise Refusal("Buddy holds no data about {0}.", people=[target])
        current = pair_of(session, person)
        buddies = (
            [m.user_id for m in members_of(session, current) if m.id != person.id]
            if current is not None
            else []
        )
    return ephemeral(
        "Erase data from Buddy?",
        build_forget_confirm(target, own, buddies, target, platform_name(command.team_id)),
    )


def confirm_forget(press: Press) -> Answer:
    target = press.value
    own = target == press.user_id
    with press.deps.session() as session:
        if not own and not is_facilitator(
            session, press.deps.facilitators, press.team_id, press.user_id
        ):
            raise Refusal("Only facilitators can erase someone else's data.")
        person = find_participant(session, press.team_id, target)
        if person is None:
            raise Refusal("That data has already been erased, so nothing more changed.")
        done = forget(session, person, press.now, by_facilitator=not own)
        # A trio that loses one carries on as a pair.
        goes_on = done.unpaired is not None and not done.unpaired.dissolved
        everyone = facilitators_of(session, press.deps.facilitators, press.team_id)
        facilitators = [f for f in everyone if f != target]

    def tell(outlet: Outlet) -> Reply:
        deleted = 0
        for channel, ts in done.cards:
            try:
                outlet.delete(channel, ts)
                deleted += 1
            except OutletError:
                logger.exception("Could not delete a problem card in %s", channel)
        cleared, refused = clear_messages(outlet, done)
        if done.buddies:
            outlet.tell_people(done.buddies, build_buddy_notice(goes_on))
        outlet.tell_people(facilitators, build_facilitator_notice(done.buddies, goes_on))
        answer = build_forgotten_answer(
            own, target, deleted, done.buddies, cleared, refused, platform_name(press.team_id)
        )
        return {"replace_original": True, **ephemeral(answer)}

    return Answer(then=tell)


# Slack's answers when what was to be cleared is already gone: nothing is left to show.
GONE = frozenset({"message_not_found", "file_not_found", "file_deleted", "channel_not_found"})


def clear_messages(outlet: Outlet, done: Forgotten) -> tuple[int, int]:
    """Draw the neutral line over each of Buddy's messages about them or quoting their words,
    and delete the files uploaded for them: how many were cleared, and how many Slack refused
    (logged; the records that found them are gone, so there is no second try)."""
    removed = build_removed_message()
    cleared = refused = 0
    for channel, ts in done.messages:
        try:
            outlet.update(channel, ts, removed)
            cleared += 1
        except OutletError as error:
            if error.reason not in GONE:
                logger.exception("Could not clear a message in %s", channel)
                refused += 1
    for file_id in done.files:
        try:
            outlet.delete_file(file_id)
        except OutletError as error:
            if error.reason not in GONE:
                logger.exception("Could not delete the file %s", file_id)
                refused += 1
    return cleared, refused


def cancel_forget(press: Press) -> Reply:
    return {"replace_original": True, **ephemeral("No change: nothing was erased.")}


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="export",
        usage=f"/buddy {EXPORT_EXAMPLE}",
        summary="everything Buddy holds about you, as files by DM",
        group=GROUP,
        handle=export,
    ),
    Subcommand(
        name="forget",
        usage="/buddy forget me | @someone",
        summary="erase your data (asks first; facilitators can erase someone's on request)",
        group=GROUP,
        handle=ask_to_forget,
    ),
]


HANDLERS = Handlers(buttons={FORGET_CONFIRM: confirm_forget, FORGET_CANCEL: cancel_forget})
