"""`/buddy facilitator add|remove`, `facilitators`, `report`, `digest off|on`, `nudge @x`, and the
Nudge and CSV export buttons: what a facilitator does to see and help their cohort.

Every facilitator-only handler asks the domain first (`require_facilitator`), which refuses
anyone else, naming the facilitators, before anything is changed.
"""

from __future__ import annotations

import logging

from conversation.commands import Subcommand
from conversation.deps import Deps
from conversation.markup import mention
from conversation.outlet import Outlet, OutletError, SentFile
from conversation.replies import Reply, ephemeral, problem_text
from conversation.requests import (
    Answer,
    Command,
    Handlers,
    Press,
    Request,
    SlowWork,
    accepted,
    local_today,
)
from handlers.views.facilitators import (
    EXPORT,
    NUDGE,
    build_facilitator_list,
    build_nudge_message,
    build_nudge_sent,
    build_report_reply,
)
from models.cohorts import cohort_here
from models.facilitators.chart import chart_data, chart_png
from models.facilitators.export import report_csv, report_filename
from models.facilitators.nudges import (
    NUDGE_EXAMPLE,
    claim_nudge,
    mark_nudge,
    pair_to_nudge,
)
from models.facilitators.report import CohortReport, cohort_report, with_names
from models.facilitators.roles import (
    ADD_EXAMPLE,
    REMOVE_EXAMPLE,
    facilitators_of,
    grant,
    require_facilitator,
    revoke,
    set_digest,
)
from models.grammar import parse_people
from models.pairs import Pair, members_of, remember_profiles
from models.people import Cohort, Participant, find_participant
from models.refusals import Refusal

logger = logging.getLogger(__name__)
GROUP = "Facilitators"
DIGEST_EXAMPLE = "digest off"


# -- roles -------------------------------------------------------------------------------------


def facilitator(command: Command) -> Reply:
    """`/buddy facilitator add @x` / `remove @x`."""
    verb, _, rest = command.args.partition(" ")
    verb = verb.lower()
    if verb not in ("add", "remove"):
        raise Refusal("`/buddy facilitator` can `add` or `remove` someone.", ADD_EXAMPLE)
    example = ADD_EXAMPLE if verb == "add" else REMOVE_EXAMPLE
    deps = command.deps
    with deps.session() as session:
        require_facilitator(
            session, deps.facilitators, command.team_id, command.user_id, f"{verb} facilitators"
        )
        people = accepted(parse_people(rest, 1, 1, example))
        if verb == "add":
            changed = grant(
                session, deps.facilitators, command.team_id, command.user_id, people[0], command.now
            )
            said = "is now a facilitator" if changed else "was already a facilitator"
        else:
            changed = revoke(
                session, deps.facilitators, command.team_id, command.user_id, people[0]
            )
            said = "is no longer a facilitator" if changed else "wasn't a facilitator"
    return ephemeral(f":white_check_mark: {mention(people[0])} {said}.")


def facilitators(command: Command) -> Reply:
    with command.deps.session() as session:
        people = facilitators_of(session, command.deps.facilitators, command.team_id)
    return build_facilitator_list(people)


# -- the report and its files --------------------------------------------------------------------


def report(command: Command) -> Answer:
    """The figures at once; the CSV and the chart by DM after the ack."""
    with command.deps.session() as session:
        require_facilitator(
            session, command.deps.facilitators, command.team_id, command.user_id, "see reports"
        )
        caller = command.caller(session)
        cohort = cohort_here(session, caller, command.channel_id, command.now)
        figures = cohort_report(
            session, cohort, command.now, bootstrapped=command.deps.facilitators
        )
        cohort_id, caller_id = cohort.id, caller.id
    reply = build_report_reply(figures)
    return Answer(reply=reply, then=send_files(command, cohort_id, caller_id, figures))


def send_files(
    request: Request, cohort_id: int, caller_id: int, figures: CohortReport | None = None
) -> SlowWork:
    """Upload the cohort's CSV and chart to the facilitator's DM: the `figures` the answer
    showed (the report is computed once per request), else read here (the export button)."""

    def read() -> CohortReport:
        if figures is not None:
            return figures
        with request.deps.session() as session:
            cohort = session.get(Cohort, cohort_id)
            assert cohort is not None
            return cohort_report(
                session, cohort, request.now, bootstrapped=request.deps.facilitators
            )

    def send(outlet: Outlet) -> Reply | None:
        deps = request.deps
        found = read()
        # Names Slack gave for people Buddy had none for fill in the figures already computed.
        found = with_names(found, _remember_names(outlet, deps, found, request))
        with deps.session() as session:
            participant = session.get(Participant, caller_id)
            assert participant is not None
            channel = outlet.person_conversation(session, participant)
        name = report_filename(found.cohort.name, found.today)
        chart = chart_data(found)
        try:
            outlet.send_files(
                channel,
                [
                    SentFile(
                        f"{name}.csv",
                        report_csv(found),
                        f"{found.cohort.name}: a row per pair, and per person not in a pair",
                    ),
                    SentFile(
                        f"{name}-meetings.png",
                        chart_png(chart),
                        f"{chart.title}, {chart.period}",
                        alt_text=chart.alt_text,
                    ),
                ],
                f":bar_chart: The {found.cohort.name} cohort: a row per pair and per person "
                "not in a pair (opens in Excel), and meetings per fortnight, held, skipped "
                "and unconfirmed.",
            )
        except OutletError:
            logger.exception("Could not upload the report for %s", request.user_id)
            return ephemeral(
                problem_text(
                    "I couldn't send the report files just now. Please try again.", "report"
                )
            )
        return None

    return send


def _remember_names(
    outlet: Outlet, deps: Deps, figures: CohortReport, request: Request
) -> dict[str, str]:
    """Look up and keep the names Buddy doesn't have yet (people paired before names were
    kept); the names found, by user id."""
    missing = [m.user_id for p in figures.pairs for m in p.members if not m.name][:100]
    if not missing:
        return {}
    try:
        profiles = outlet.profiles(missing)
    except (OutletError, Refusal):
        logger.warning("Could not look up names for the report", exc_info=True)
        return {}
    with deps.session() as session:
        remember_profiles(session, request.team_id, profiles, request.now)
    return {p.user_id: p.name[:200] for p in profiles if p.name}


def export(press: Press) -> Answer:
    """The CSV export button (App Home, the digest)."""
    with press.deps.session() as session:
        require_facilitator(
            session, press.deps.facilitators, press.team_id, press.user_id, "export the cohort"
        )
        caller = press.caller(session)
        cohort = session.get(Cohort, int(press.value)) if press.value.isdigit() else None
        if cohort is None or cohort.team_id != press.team_id:
            cohort = cohort_here(session, caller, "", press.now)
        cohort_id, caller_id = cohort.id, caller.id
    send = send_files(press, cohort_id, caller_id)

    def then(outlet: Outlet) -> Reply | None:
        failed = send(outlet)
        return failed or ephemeral(":bar_chart: I've sent the CSV and the chart to our DMs.")

    return Answer(then=then)


# -- the digest ---------------------------------------------------------------------------------


def digest(command: Command) -> Reply:
    word = command.args.strip().lower()
    if word not in ("on", "off"):
        raise Refusal("Please say `on` or `off`.", DIGEST_EXAMPLE)
    with command.deps.session() as session:
        set_digest(
            session,
            command.deps.facilitators,
            command.team_id,
            command.user_id,
            word == "on",
            command.now,
        )
    if word == "on":
        return ephemeral(":newspaper: Your weekly digest arrives on Mondays at 08:00.")
    return ephemeral(":zipper_mouth_face: No more weekly digest. `/buddy digest on` restarts it.")


# -- nudging a pair -----------------------------------------------------------------------------


def _nudge(request: Request, user_id: str) -> Answer:
    deps = request.deps
    with deps.session() as session:
        require_facilitator(
            session, deps.facilitators, request.team_id, request.user_id, "nudge a pair"
        )
        pair = pair_to_nudge(session, request.team_id, user_id, request.now)
        caller = find_participant(session, request.team_id, request.user_id)
        today = local_today(caller, request.now) if caller is not None else request.now.date()
        delivery = claim_nudge(session, pair, request.user_id, today, request.now)
        delivery_id, pair_id = delivery.id, pair.id
        user_ids = [m.user_id for m in members_of(session, pair)]

    def send(outlet: Outlet) -> Reply:
        message = build_nudge_message(request.user_id, user_ids)
        channel = ts = None
        try:
            with deps.session() as session:
                found = session.get(Pair, pair_id)
                assert found is not None
                channel = outlet.pair_conversation(session, found)
            ts = outlet.post(channel, message).message_id
        except OutletError:
            logger.exception("Could not nudge pair %s", pair_id)
        with deps.session() as session:
            mark_nudge(session, delivery_id, channel, ts)
        if ts is None:
            return ephemeral("I couldn't reach that pair just now. Please try again in a minute.")
        return ephemeral(build_nudge_sent(user_ids))

    return Answer(then=send)


def nudge(command: Command) -> Answer:
    with command.deps.session() as session:
        require_facilitator(
            session, command.deps.facilitators, command.team_id, command.user_id, "nudge a pair"
        )
    people = accepted(parse_people(command.args, 1, 1, NUDGE_EXAMPLE))
    return _nudge(command, people[0])


def nudge_button(press: Press) -> Answer:
    if not press.value:
        raise Refusal("This button is out of date, so nothing was changed.")
    return _nudge(press, press.value)


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="facilitator",
        usage="/buddy facilitator add|remove @someone",
        summary="grant or remove the facilitator role",
        group=GROUP,
        handle=facilitator,
    ),
    Subcommand(
        name="facilitators",
        usage="/buddy facilitators",
        summary="who the facilitators are",
        group=GROUP,
        handle=facilitators,
    ),
    Subcommand(
        name="report",
        usage="/buddy report",
        summary="the cohort's figures, with a CSV and a chart by DM",
        group=GROUP,
        handle=report,
    ),
    Subcommand(
        name="digest",
        usage="/buddy digest off|on",
        summary="your weekly Monday digest (facilitators)",
        group=GROUP,
        handle=digest,
    ),
    Subcommand(
        name="nudge",
        usage="/buddy nudge @someone",
        summary="a friendly nudge to a slipping pair, once a day",
        group=GROUP,
        handle=nudge,
    ),
]


HANDLERS = Handlers(buttons={NUDGE: nudge_button, EXPORT: export})
