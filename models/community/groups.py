"""The rules of a channel's community group: who is in it, their birthdays, the owners' order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from models.community.chairs import Birthday, Member, parse_birthday
from models.community.protocol import FEWEST, MOST
from models.community.tables import CommunityGroup, CommunityMember, CommunitySession
from models.grammar import ParseError, find_mentions, parse_mention
from models.people import Participant, cohort_of, ensure_participant
from models.refusals import Refusal

GROUP_EXAMPLE = "community group @Sam @Alex @Kim @Jo"
ORDER_EXAMPLE = "community order @Sam @Alex @Kim"
FORGET = "forget"


def set_birthday(session: Session, caller: Participant, text: str) -> Birthday | None:
    """Keep the caller's birthday (day and month), or forget it; None when forgotten."""
    if text.strip().lower() == FORGET:
        caller.birthday_day = caller.birthday_month = None
        return None
    parsed = parse_birthday(text)
    if isinstance(parsed, ParseError):
        raise parsed
    caller.birthday_day, caller.birthday_month = parsed.day, parsed.month
    return parsed


def birthday_of(participant: Participant) -> Birthday | None:
    if participant.birthday_day is None or participant.birthday_month is None:
        return None
    return Birthday(participant.birthday_day, participant.birthday_month)


def split_suggestion(count: int) -> str:
    """`4 + 3` for seven: as few groups of 3 to 6 as will do, as even as can be."""
    groups = -(-count // MOST)
    base, extra = divmod(count, groups)
    return " + ".join(str(base + 1 if n < extra else base) for n in range(groups))


def parse_people(text: str, example: str) -> list[str]:
    """The Slack ids mentioned, each once, and nothing else."""
    ids, rest = find_mentions(text)
    if rest:
        stray = parse_mention(rest.split()[0])
        if isinstance(stray, ParseError):
            raise Refusal(stray.message, example)
    if len(set(ids)) < len(ids):
        raise Refusal("You mentioned the same person twice.", example)
    return ids


def parse_group(text: str) -> list[str]:
    ids = parse_people(text, GROUP_EXAMPLE)
    if len(ids) < FEWEST:
        raise Refusal(
            f"A community group has {FEWEST} to {MOST} members: please mention {FEWEST} or more "
            f"(you named {len(ids)}). Include yourself if you are in it.",
            GROUP_EXAMPLE,
        )
    if len(ids) > MOST:
        raise Refusal(
            f"A community group has {FEWEST} to {MOST} members, and you named {len(ids)}. "
            f"Please split them into groups of {split_suggestion(len(ids))}, one channel each.",
            GROUP_EXAMPLE,
        )
    return ids


def group_in(session: Session, team_id: str, channel_id: str) -> CommunityGroup | None:
    return session.scalar(
        select(CommunityGroup).where(
            CommunityGroup.team_id == team_id, CommunityGroup.channel_id == channel_id
        )
    )


def require_group(session: Session, team_id: str, channel_id: str) -> CommunityGroup:
    group = group_in(session, team_id, channel_id)
    if group is None:
        raise Refusal("This channel has no community group yet.", GROUP_EXAMPLE)
    return group


def check_channel(channel_id: str) -> None:
    if not channel_id or channel_id.startswith("D"):
        raise Refusal(
            "Community groups meet in a channel: please run this in the group's channel.",
            GROUP_EXAMPLE,
        )


@dataclass(frozen=True)
class GroupMember:
    participant: Participant
    position: int
    owner_position: int | None

    @property
    def user_id(self) -> str:
        return self.participant.user_id


def members_of(session: Session, group: CommunityGroup) -> list[GroupMember]:
    """In the order the group was named."""
    rows = session.execute(
        select(CommunityMember, Participant)
        .join(Participant, Participant.id == CommunityMember.participant_id)
        .where(CommunityMember.group_id == group.id)
        .order_by(CommunityMember.position)
    ).all()
    return [GroupMember(p, m.position, m.owner_position) for m, p in rows]


def owner_order(members: Sequence[GroupMember]) -> list[GroupMember]:
    """The chair's order where set, then the rest in the group's order."""
    return sorted(
        members,
        key=lambda m: (m.owner_position is None, m.owner_position or 0, m.position),
    )


def rotation_members(members: Sequence[GroupMember]) -> list[Member]:
    return [Member(m.participant.id, birthday_of(m.participant)) for m in members]


def is_member(members: Sequence[GroupMember], user_id: str) -> bool:
    return any(m.user_id == user_id for m in members)


def set_group(
    session: Session,
    team_id: str,
    channel_id: str,
    caller: Participant,
    user_ids: Sequence[str],
    caller_is_facilitator: bool,
    now: datetime,
) -> CommunityGroup:
    """The channel's group, new or replaced (by one of its members or a facilitator)."""
    check_channel(channel_id)
    group = group_in(session, team_id, channel_id)
    if group is not None:
        if not caller_is_facilitator and not is_member(members_of(session, group), caller.user_id):
            raise Refusal(
                "This channel already has a community group: only one of its members or a "
                "facilitator can replace it.",
                "community",
            )
        session.execute(delete(CommunityMember).where(CommunityMember.group_id == group.id))
    else:
        group = CommunityGroup(
            team_id=team_id,
            channel_id=channel_id,
            timezone=cohort_of(session, caller, now).timezone,
            fortnightly=False,
            created_by=caller.user_id,
            created_at=now,
        )
        session.add(group)
        session.flush()
    kept: list[int] = []
    for position, user_id in enumerate(user_ids):
        person = ensure_participant(session, team_id, user_id, now)
        session.flush()
        session.add(CommunityMember(group_id=group.id, participant_id=person.id, position=position))
        kept.append(person.id)
    # A chair appointed for a session to come must be in the group (`chairs.chairs` keeps an
    # appointment of someone no longer in it as history): the rotation picks instead.
    session.execute(
        update(CommunitySession)
        .where(
            CommunitySession.group_id == group.id,
            CommunitySession.starts_at > now,
            CommunitySession.appointed_chair_id.not_in(kept),
        )
        .values(appointed_chair_id=None)
    )
    if group.next_chair_id not in kept:
        group.next_chair_id = None
    session.flush()
    return group


def set_order(
    session: Session, group: CommunityGroup, user_ids: Sequence[str]
) -> list[GroupMember]:
    """The owners' order: those named first, as named, then the rest in the group's order."""
    members = members_of(session, group)
    by_user = {m.user_id: m for m in members}
    strangers = [u for u in user_ids if u not in by_user]
    if strangers:
        raise Refusal(
            "{0} is not in this channel's community group.", ORDER_EXAMPLE, people=strangers[:1]
        )
    rows = {
        row.participant_id: row
        for row in session.scalars(
            select(CommunityMember).where(CommunityMember.group_id == group.id)
        )
    }
    for row in rows.values():
        row.owner_position = None
    for position, user_id in enumerate(user_ids):
        rows[by_user[user_id].participant.id].owner_position = position
    session.flush()
    return owner_order(members_of(session, group))
