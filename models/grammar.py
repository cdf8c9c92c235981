"""How people write dates, times, weekdays and mentions in `/buddy`, read without ever raising.

Every parser returns either the value or a `ParseError` whose message says what was wrong and
whose example is a correct way to write it. Dates are day first (UK); a date without a year is
its next occurrence on or after today, or, for the module calendar and breaks (`nearest=True`),
its nearest occurrence within six months either side, since a facilitator may be recording one
that has begun; `thu` and `next thu` are the first Thursday after today.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, time, timedelta

from models.refusals import Refusal
from models.zones import find_zones

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Short forms people type that are not plain prefixes of the full name.
_EXTRA_WEEKDAYS = {"weds": 2, "thur": 3, "thurs": 3, "tues": 1}
_EXTRA_MONTHS = {"sept": 8}

DATE_EXAMPLE = "3/12"
TIME_EXAMPLE = "16:00"
WEEKDAY_EXAMPLE = "thu"
MENTION_EXAMPLE = "@Sam"
ZONE_EXAMPLE = "Europe/London"


# What was wrong with some text a person typed, and a correct way to write it: returned, not
# raised, by the readers below.
ParseError = Refusal


def parse_weekday(text: str) -> int | ParseError:
    """`thu`, `Thurs`, `Thursday` → 3 (Monday is 0)."""
    word = _clean(text).rstrip(".,").lower()
    if word in _EXTRA_WEEKDAYS:
        return _EXTRA_WEEKDAYS[word]
    if len(word) >= 3:
        for index, name in enumerate(WEEKDAY_NAMES):
            if name.lower().startswith(word):
                return index
    return ParseError(
        f"I couldn't read `{_show(text)}` as a day of the week.", f"{WEEKDAY_EXAMPLE} or Thursday"
    )


DAYS_EXAMPLE = "mon-fri"


def parse_weekdays(text: str) -> tuple[int, ...] | ParseError:
    """`mon-fri`, `sun-thu`, `mon tue wed thu fri sat` → the days (Monday 0), in the order given."""
    days: dict[int, None] = {}
    for part in re.split(r"[\s,]+", _clean(text)):
        if not part:
            continue
        first, dash, last = part.partition("-")
        start = parse_weekday(first)
        if isinstance(start, ParseError):
            return start
        if not dash:
            days[start] = None
            continue
        end = parse_weekday(last)
        if isinstance(end, ParseError):
            return end
        days.update(dict.fromkeys((start + step) % 7 for step in range((end - start) % 7 + 1)))
    if not days:
        return ParseError("Please name the working days.", DAYS_EXAMPLE)
    return tuple(days)


_TIME_24 = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_TIME_12 = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?m\.?$")


def parse_time(text: str) -> time | ParseError:
    """`16:00`, `16.00`, `4pm`, `4.30pm`, `4:30 pm`, `noon` → a wall-clock time."""
    word = _clean(text).lower()
    if word in ("noon", "midday"):
        return time(12, 0)
    bad = ParseError(
        f"I couldn't read `{_show(text)}` as a time.", f"{TIME_EXAMPLE}, 4pm or 4.30pm"
    )
    if match := _TIME_24.match(word):
        hour, minute = int(match[1]), int(match[2])
        if hour > 23 or minute > 59:
            return ParseError(f"`{_show(text)}` is not a time on a 24-hour clock.", TIME_EXAMPLE)
        return time(hour, minute)
    if match := _TIME_12.match(word):
        hour, minute = int(match[1]), int(match[2] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return ParseError(f"`{_show(text)}` is not a time on a 12-hour clock.", "4.30pm")
        hour = hour % 12 + (12 if match[3] == "p" else 0)
        return time(hour, minute)
    if word.isdigit():
        return ParseError(
            f"`{_show(text)}` could be morning or afternoon: please add am/pm or use 24 hours.",
            f"{TIME_EXAMPLE} or 4pm",
        )
    return bad


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
_WORDY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:\s+(\d{4}))?$")
_WORDY_MONTH_FIRST = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")


# A day and month always falls within this many days of today in one year or another (29 Feb
# aside): the nearest occurrence is within six months either side.
HALF_YEAR_DAYS = 184


def parse_date(text: str, today: date, *, nearest: bool = False) -> date | ParseError:
    """`3/12`, `3 Dec`, `Thu 3 Dec`, `2026-12-03`, `thu`, `next thu`, `today`, `tomorrow`.

    Without a year, the next occurrence from today; with `nearest`, the nearest one either side.
    """
    words = _clean(text).lower().replace(",", " ").split()
    if not words:
        return ParseError("I was expecting a date there.", DATE_EXAMPLE)
    phrase = " ".join(words)
    if phrase == "today":
        return today
    if phrase == "tomorrow":
        return today + timedelta(days=1)
    relative = words[1:] if words[0] == "next" and len(words) == 2 else words
    if len(relative) == 1 and not isinstance(weekday := parse_weekday(relative[0]), ParseError):
        return _next_weekday_after(today, weekday)

    # A leading weekday, as in the "Thu 3 Dec" Buddy echoes, must agree with the date.
    stated_weekday: int | None = None
    if len(words) > 1 and not isinstance(weekday := parse_weekday(words[0]), ParseError):
        stated_weekday = weekday
        phrase = " ".join(words[1:])
    found = _calendar_date(phrase, today, nearest)
    if isinstance(found, ParseError):
        return ParseError(found.message.replace("{text}", _show(text)), found.example)
    if stated_weekday is not None and found.weekday() != stated_weekday:
        return ParseError(
            f"{format_day(found, today)} is a {WEEKDAY_NAMES[found.weekday()]}, "
            f"not a {WEEKDAY_NAMES[stated_weekday]}.",
            format_day(found, today),
        )
    return found


def parse_date_with_year(text: str) -> date | ParseError | None:
    """`2026-12-03` or day-first `3/12/2026`: a date that names its year, as a file must.

    None when `text` is not written either way (`3/12`, `3 Dec`); a ParseError when it is but
    names no real date (`31/2/2027`).
    """
    phrase = _clean(text)
    if match := _ISO.match(phrase):
        return _make_date(int(match[1]), int(match[2]), int(match[3]))
    if (match := _NUMERIC.match(phrase)) and match[3] is not None and len(match[3]) == 4:
        return _make_date(int(match[3]), int(match[2]), int(match[1]))
    return None


def _calendar_date(phrase: str, today: date, nearest: bool = False) -> date | ParseError:
    not_a_date = ParseError(
        "I couldn't read `{text}` as a date. Dates are day first.", f"{DATE_EXAMPLE} or 3 Dec"
    )
    if match := _ISO.match(phrase):
        return _make_date(int(match[1]), int(match[2]), int(match[3]))
    if match := _NUMERIC.match(phrase):
        return _day_month(int(match[1]), int(match[2]), match[3], today, nearest)
    match = _WORDY.match(phrase)
    if match:
        day, month_word, year = int(match[1]), match[2], match[3]
    elif match := _WORDY_MONTH_FIRST.match(phrase):
        month_word, day, year = match[1], int(match[2]), match[3]
    else:
        return not_a_date
    month = _month_number(month_word)
    if month is None:
        return not_a_date
    return _day_month(day, month, year, today, nearest)


def _day_month(
    day: int, month: int, year_text: str | None, today: date, nearest: bool = False
) -> date | ParseError:
    if year_text is not None:
        year = int(year_text)
        return _make_date(year + 2000 if year < 100 else year, month, day)
    if not 1 <= month <= 12:
        return ParseError(f"There is no month {month}: dates are day first.", DATE_EXAMPLE)
    if nearest:
        return _nearest_day_month(day, month, today)
    # No year: the next time this day comes round, today included. 29 Feb waits for a leap year.
    for year in range(today.year, today.year + 9):
        candidate = _make_date(year, month, day)
        if isinstance(candidate, ParseError):
            if not (month == 2 and day == 29):
                return candidate
            continue
        if candidate >= today:
            return candidate
    return _make_date(today.year, month, day)


def _nearest_day_month(day: int, month: int, today: date) -> date | ParseError:
    """The occurrence of this day and month nearest today, within six months either side (the
    later one on a tie)."""
    found: list[date] = []
    for year in (today.year - 1, today.year, today.year + 1):
        candidate = _make_date(year, month, day)
        if isinstance(candidate, ParseError):
            if not (month == 2 and day == 29):
                return candidate
            continue
        if abs((candidate - today).days) <= HALF_YEAR_DAYS:
            found.append(candidate)
    if not found:
        leap = next(y for y in range(today.year, today.year + 9) if _is_leap(y))
        return ParseError(
            f"There is no {day} {MONTH_NAMES[month - 1]} within six months of today: "
            "please give the year.",
            f"{day}/{month}/{leap}",
        )
    return min(found, key=lambda d: (abs((d - today).days), d < today))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _make_date(year: int, month: int, day: int) -> date | ParseError:
    if not 1 <= month <= 12:
        return ParseError(f"There is no month {month}: dates are day first.", DATE_EXAMPLE)
    if not 1 <= year <= 9998:
        return ParseError(f"{year} is not a year I can use.", "3/12/2026")
    try:
        return date(year, month, day)
    except ValueError:
        return ParseError(
            f"There is no {day} {MONTH_NAMES[month - 1]} {year}.", f"{DATE_EXAMPLE} or 3 Dec"
        )


def _month_number(word: str) -> int | None:
    if word in _EXTRA_MONTHS:
        return _EXTRA_MONTHS[word]
    if len(word) < 3:
        return None
    for index, name in enumerate(MONTH_NAMES):
        if name.lower().startswith(word):
            return index + 1
    return None


def _next_weekday_after(today: date, weekday: int) -> date:
    """The first such day strictly after today: on a Thursday, `thu` means a week today."""
    ahead = (weekday - today.weekday() - 1) % 7 + 1
    return today + timedelta(days=ahead)


# A person in typed text, as each front end hands it over: Slack's `<@U123|sam>`, or Teams' @mention
# read as `<@entra-object-id>` (`frontends/teams/front.command_words`).
_MENTION = re.compile(r"<@([A-Za-z0-9][A-Za-z0-9_.:-]*)(?:\|[^>]*)?>")


def parse_mention(text: str) -> str | ParseError:
    """`<@U123|sam>` or `<@U123>` → `U123`."""
    match = _MENTION.fullmatch(_clean(text))
    if match:
        return match[1]
    return ParseError(
        f"I couldn't tell who `{_show(text)}` is. Please pick the person from the @ list so "
        "it turns into a mention.",
        MENTION_EXAMPLE,
    )


def find_mentions(text: str) -> tuple[list[str], str]:
    """The user ids mentioned in `text`, in order, and whatever text is left over."""
    ids = _MENTION.findall(text)
    rest = _MENTION.sub(" ", text)
    return ids, " ".join(rest.split())


def parse_zone(text: str) -> str | ParseError:
    """A zone as people name it (`London`, `new york`, `Europe/Paris`) → its IANA name."""
    found = find_zones(text)
    if len(found) == 1:
        return found[0]
    if found:
        names = " or ".join(found[:3])
        return ParseError(
            f"`{_show(text)}` could be {names}: please give the whole name.", found[0]
        )
    return ParseError(
        f"I don't know the time zone `{_show(text)}`. Please give a city, like London or "
        "Paris, or a zone name like Europe/London.",
        f"{ZONE_EXAMPLE} or America/New_York",
    )


def format_day(d: date, today: date | None = None) -> str:
    """`Thu 3 Dec`; given `today`, the year is added when it is not this year's or the date is
    more than six months away (`Sat 11 Dec 2027` on 2 Jan 2027), so no date is taken for a
    nearer one."""
    text = f"{WEEKDAY_NAMES[d.weekday()][:3]} {d.day} {MONTH_NAMES[d.month - 1][:3]}"
    if today is not None and (
        d.year != today.year or not _months_on(today, -6) <= d <= _months_on(today, 6)
    ):
        text += f" {d.year}"
    return text


def format_date(d: date) -> str:
    """`Thu 3 Dec 2026`: always with its year, for a date read without one."""
    return f"{format_day(d)} {d.year}"


def _months_on(d: date, months: int) -> date:
    """The same day `months` later (or earlier), the month's last day where it is shorter."""
    year, month = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(year, month + 1, min(d.day, monthrange(year, month + 1)[1]))


def month_first_reading(text: str, today: date) -> date | None:
    """The other way to read a numeric date (`11/5` as 5 November), when it names a real date
    that differs from the day-first one; None for dates written any other way."""
    match = _NUMERIC.match(_clean(text))
    if match is None:
        return None
    first, second = int(match[1]), int(match[2])
    if first == second or first > 12:
        return None
    found = _day_month(second, first, match[3], today)
    return None if isinstance(found, ParseError) else found


def format_time(t: time) -> str:
    """`16:00`: the 24-hour clock reads the same to everyone."""
    return f"{t.hour:02d}:{t.minute:02d}"


def format_clock(t: time) -> str:
    """`5pm`, `8.30am`: a time as said in a one-line note (`Moved to Fri 13 Nov, 5pm.`)."""
    hour = t.hour % 12 or 12
    minutes = f".{t.minute:02d}" if t.minute else ""
    return f"{hour}{minutes}{'am' if t.hour < 12 else 'pm'}"


def format_weekday(weekday: int) -> str:
    return WEEKDAY_NAMES[weekday]


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 pair`, `2 pairs`, `0 pairs`, `1 person`, `3 people`: a count whose noun agrees with
    it, for every figure a person reads ("1 meetings" reads as a bug, and makes a reader doubt
    the number)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def _show(text: str) -> str:
    """Echo what someone typed without letting it break Slack's formatting or run on."""
    shown = _clean(text).replace("`", "'")
    return shown if len(shown) <= 40 else shown[:39] + "…"


# -- whole subcommand arguments ------------------------------------------------------------------


@dataclass(frozen=True)
class SlotArgs:
    weekday: int
    at: time
    from_date: date | None
    zone: str | None


@dataclass(frozen=True)
class BackupArgs:
    weekday: int
    at: time


IN_PERSON = "in_person"
VIDEO = "video"


@dataclass(frozen=True)
class FormatArgs:
    kind: str  # IN_PERSON | VIDEO
    detail: str | None  # the place, or the video link


@dataclass(frozen=True)
class MoveArgs:
    which: date | None  # the meeting on this date, or the next one
    to_date: date
    at: time | None  # None keeps the meeting's usual time


@dataclass(frozen=True)
class SkipArgs:
    which: date | None
    reason: str | None


PAIR_EXAMPLE = "pair @Sam"
MATCH_EXAMPLE = "match @Sam @Alex"
SLOT_EXAMPLE = "slot thu 16:00"
BACKUP_EXAMPLE = "backup fri 8am"
FORMAT_EXAMPLE = "format video https://zoom.us/j/123"
MOVE_EXAMPLE = "move to 5/12 17:00"
SKIP_EXAMPLE = "skip 3/12 parents' evening"


def parse_people(text: str, fewest: int, most: int, example: str) -> list[str] | ParseError:
    """The mentioned user ids (each once), between `fewest` and `most` of them, and nothing else."""
    ids, rest = find_mentions(text)
    if rest:
        stray = parse_mention(rest.split()[0])
        if isinstance(stray, ParseError):
            return ParseError(stray.message, example)
    unique = list(dict.fromkeys(ids))
    if len(unique) < len(ids):
        return ParseError("You mentioned the same person twice.", example)
    if not unique:
        return ParseError("Please mention who you mean with @.", example)
    if len(unique) < fewest:
        return ParseError(f"Please mention {fewest} people.", example)
    if len(unique) > most:
        return ParseError(
            "A trio is the largest buddy group: please mention fewer people.", example
        )
    return unique


_KEYWORD_SPLIT = re.compile(r"\s+(?=(?:from|tz)\s)", re.IGNORECASE)


def parse_slot_args(text: str, today: date) -> SlotArgs | ParseError:
    """`<weekday> <time> [from <date>] [tz <city or Area/City>]`."""
    parts = _KEYWORD_SPLIT.split(" " + _clean(text))
    head = parts[0].strip()
    from_date: date | None = None
    zone: str | None = None
    for part in parts[1:]:
        keyword, _, value = part.strip().partition(" ")
        if keyword.lower() == "from":
            found = parse_date(value, today)
            if isinstance(found, ParseError):
                return ParseError(found.message, "slot thu 16:00 from 3/12")
            from_date = found
        else:
            named = parse_zone(value)
            if isinstance(named, ParseError):
                return ParseError(named.message, "slot thu 16:00 tz London")
            zone = named
    day_and_time = _weekday_and_time(head, SLOT_EXAMPLE)
    if isinstance(day_and_time, ParseError):
        return day_and_time
    return SlotArgs(day_and_time[0], day_and_time[1], from_date, zone)


def parse_backup_args(text: str) -> BackupArgs | ParseError:
    """`<weekday> <time>`."""
    day_and_time = _weekday_and_time(_clean(text), BACKUP_EXAMPLE)
    if isinstance(day_and_time, ParseError):
        return day_and_time
    return BackupArgs(*day_and_time)


def am_or_pm(text: str) -> tuple[str, str] | None:
    """`thursday at 4` could be morning or afternoon: the two readings as slot arguments
    (`thursday 4am`, `thursday 4pm`, any `from`/`tz` kept), for the person to choose; None when
    the time says which."""
    parts = _KEYWORD_SPLIT.split(" " + _clean(text))
    words = _without_at(parts[0].split())
    if len(words) != 2 or not words[1].isdigit() or not 1 <= int(words[1]) <= 12:
        return None
    if isinstance(parse_weekday(words[0]), ParseError):
        return None
    rest = " ".join(p.strip() for p in parts[1:])
    hour = int(words[1])
    return (
        f"{words[0]} {hour}am {rest}".strip(),
        f"{words[0]} {hour}pm {rest}".strip(),
    )


def _without_at(words: list[str]) -> list[str]:
    """`thu at 4pm` reads as `thu 4pm`."""
    return [words[0], *words[2:]] if len(words) > 2 and words[1].lower() == "at" else words


def _weekday_and_time(text: str, example: str) -> tuple[int, time] | ParseError:
    words = _without_at(text.split())
    if len(words) < 2:
        return ParseError("Please give a day of the week and a time.", example)
    weekday = parse_weekday(words[0])
    if isinstance(weekday, ParseError):
        return ParseError(weekday.message, example)
    at = parse_time(" ".join(words[1:]))
    if isinstance(at, ParseError):
        return ParseError(at.message, example)
    return weekday, at


_LINK = re.compile(r"^<?(https?://[^\s|>]+)(?:\|[^>]*)?>?$")


def parse_format_args(text: str) -> FormatArgs | ParseError:
    """`in-person [where]` or `video <link>` (Slack wraps links as `<https://…>`)."""
    kind, _, rest = _clean(text).partition(" ")
    kind = kind.lower().replace("_", "-")
    if kind in ("in-person", "inperson", "person", "in"):
        if kind == "in" and rest.lower().startswith("person"):
            rest = rest[len("person") :].strip()
        elif kind == "in":
            return ParseError("Please say `in-person` or `video`.", "format in-person the library")
        return FormatArgs(IN_PERSON, rest or None)
    if kind == "video":
        match = _LINK.match(rest)
        if not match:
            return ParseError(
                "For video, please add the meeting link (starting https://).", FORMAT_EXAMPLE
            )
        return FormatArgs(VIDEO, match[1])
    return ParseError(
        "Please say whether you meet `in-person` (and where) or by `video` (with the link).",
        "format in-person the library",
    )


_TO = re.compile(r"(?:^|\s)to(?:\s|$)", re.IGNORECASE)


def parse_move_args(text: str, today: date) -> MoveArgs | ParseError:
    """`[<date>] to <date> [<time>]`."""
    cleaned = _clean(text)
    pieces = _TO.split(cleaned, maxsplit=1)
    if len(pieces) != 2 or not pieces[1].strip():
        return ParseError("Please say which date to move the meeting to.", MOVE_EXAMPLE)
    before, after = pieces[0].strip(), pieces[1].strip()
    which: date | None = None
    if before:
        found = parse_date(before, today)
        if isinstance(found, ParseError):
            return ParseError(found.message, "move 3/12 to 5/12")
        which = found
    target = _date_then_optional_time(after, today)
    if isinstance(target, ParseError):
        return target
    return MoveArgs(which, target[0], target[1])


def _date_then_optional_time(text: str, today: date) -> tuple[date, time | None] | ParseError:
    words = text.split()
    # The time is the last word or two (`17:00`, `4 pm`); try the longest reading first.
    for time_words in (2, 1):
        if len(words) > time_words:
            at = parse_time(" ".join(words[-time_words:]))
            if not isinstance(at, ParseError):
                on = parse_date(" ".join(words[:-time_words]), today)
                if isinstance(on, ParseError):
                    return ParseError(on.message, MOVE_EXAMPLE)
                return on, at
    on = parse_date(text, today)
    if isinstance(on, ParseError):
        return ParseError(on.message, MOVE_EXAMPLE)
    return on, None


_DATE_LIKE = re.compile(r"^\d{1,4}[/\-]")


def parse_skip_args(text: str, today: date) -> SkipArgs | ParseError:
    """`[<date>] [reason]`: the longest opening that reads as a date is the date."""
    words = _clean(text).split()
    for count in range(min(4, len(words)), 0, -1):
        found = parse_date(" ".join(words[:count]), today)
        if not isinstance(found, ParseError):
            return SkipArgs(found, " ".join(words[count:]) or None)
    if words and _DATE_LIKE.match(words[0]):
        found = parse_date(words[0], today)
        if isinstance(found, ParseError):
            return ParseError(found.message, SKIP_EXAMPLE)
    return SkipArgs(None, " ".join(words) or None)
