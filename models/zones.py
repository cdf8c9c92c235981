"""Time zones as people name them: `London`, `new york`, `Europe/Paris`; and the common ones.

Teachers on an English NPQ think of a zone as a city (`tz London`), not as an IANA name, so a
zone is found by its full name or by its last part, case-insensitive, with spaces for
underscores. The common zones are the ones a person picks from in the slot form; anyone else
types their city. Nothing here knows Slack: the slot command and the slot form both read through
`find_zones`, and `models.grammar.parse_zone` words the refusals.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from zoneinfo import available_timezones

# Names people type that are not the last part of a zone: countries with one zone, cities the
# zone database files under another (Doha is Asia/Qatar), and UTC.
_OTHER_NAMES = {
    "uk": "Europe/London",
    "britain": "Europe/London",
    "great_britain": "Europe/London",
    "england": "Europe/London",
    "scotland": "Europe/London",
    "wales": "Europe/London",
    "northern_ireland": "Europe/London",
    "ireland": "Europe/Dublin",
    "doha": "Asia/Qatar",
    "abu_dhabi": "Asia/Dubai",
    "ho_chi_minh_city": "Asia/Ho_Chi_Minh",
    "new_delhi": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "utc": "Etc/UTC",
}
# Zones named by an offset or for systems, never a place someone lives (`Etc/GMT+5` is UTC-5).
_NOT_PLACES = ("Etc/", "SystemV/")

# (group, ((label, zone), ...)): where teachers on an English NPQ are likely to be, UK first.
COMMON_ZONES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "UK and Ireland",
        (("London (UK)", "Europe/London"), ("Dublin (Ireland)", "Europe/Dublin")),
    ),
    (
        "Europe",
        (
            ("Lisbon (Portugal)", "Europe/Lisbon"),
            ("Madrid (Spain)", "Europe/Madrid"),
            ("Gibraltar", "Europe/Gibraltar"),
            ("Paris (France)", "Europe/Paris"),
            ("Brussels (Belgium)", "Europe/Brussels"),
            ("Amsterdam (Netherlands)", "Europe/Amsterdam"),
            ("Luxembourg", "Europe/Luxembourg"),
            ("Berlin (Germany)", "Europe/Berlin"),
            ("Zurich (Switzerland)", "Europe/Zurich"),
            ("Rome (Italy)", "Europe/Rome"),
            ("Malta", "Europe/Malta"),
            ("Vienna (Austria)", "Europe/Vienna"),
            ("Prague (Czechia)", "Europe/Prague"),
            ("Warsaw (Poland)", "Europe/Warsaw"),
            ("Budapest (Hungary)", "Europe/Budapest"),
            ("Copenhagen (Denmark)", "Europe/Copenhagen"),
            ("Stockholm (Sweden)", "Europe/Stockholm"),
            ("Oslo (Norway)", "Europe/Oslo"),
            ("Helsinki (Finland)", "Europe/Helsinki"),
            ("Athens (Greece)", "Europe/Athens"),
            ("Bucharest (Romania)", "Europe/Bucharest"),
            ("Sofia (Bulgaria)", "Europe/Sofia"),
            ("Nicosia (Cyprus)", "Asia/Nicosia"),
            ("Istanbul (Türkiye)", "Europe/Istanbul"),
            ("Kyiv (Ukraine)", "Europe/Kyiv"),
        ),
    ),
    (
        "Middle East and Africa",
        (
            ("Dubai (UAE)", "Asia/Dubai"),
            ("Doha (Qatar)", "Asia/Qatar"),
            ("Riyadh (Saudi Arabia)", "Asia/Riyadh"),
            ("Kuwait", "Asia/Kuwait"),
            ("Bahrain", "Asia/Bahrain"),
            ("Muscat (Oman)", "Asia/Muscat"),
            ("Cairo (Egypt)", "Africa/Cairo"),
            ("Casablanca (Morocco)", "Africa/Casablanca"),
            ("Accra (Ghana)", "Africa/Accra"),
            ("Lagos (Nigeria)", "Africa/Lagos"),
            ("Nairobi (Kenya)", "Africa/Nairobi"),
            ("Johannesburg (South Africa)", "Africa/Johannesburg"),
        ),
    ),
    (
        "Asia and Pacific",
        (
            ("Karachi (Pakistan)", "Asia/Karachi"),
            ("Kolkata (India)", "Asia/Kolkata"),
            ("Dhaka (Bangladesh)", "Asia/Dhaka"),
            ("Bangkok (Thailand)", "Asia/Bangkok"),
            ("Ho Chi Minh City (Vietnam)", "Asia/Ho_Chi_Minh"),
            ("Jakarta (Indonesia)", "Asia/Jakarta"),
            ("Kuala Lumpur (Malaysia)", "Asia/Kuala_Lumpur"),
            ("Singapore", "Asia/Singapore"),
            ("Hong Kong", "Asia/Hong_Kong"),
            ("Shanghai (China)", "Asia/Shanghai"),
            ("Manila (Philippines)", "Asia/Manila"),
            ("Seoul (South Korea)", "Asia/Seoul"),
            ("Tokyo (Japan)", "Asia/Tokyo"),
            ("Perth (Australia)", "Australia/Perth"),
            ("Brisbane (Australia)", "Australia/Brisbane"),
            ("Sydney (Australia)", "Australia/Sydney"),
            ("Auckland (New Zealand)", "Pacific/Auckland"),
        ),
    ),
    (
        "Americas",
        (
            ("New York (US Eastern)", "America/New_York"),
            ("Toronto (Canada)", "America/Toronto"),
            ("Chicago (US Central)", "America/Chicago"),
            ("Denver (US Mountain)", "America/Denver"),
            ("Los Angeles (US Pacific)", "America/Los_Angeles"),
            ("Vancouver (Canada)", "America/Vancouver"),
            ("Mexico City (Mexico)", "America/Mexico_City"),
            ("Bogotá (Colombia)", "America/Bogota"),
            ("São Paulo (Brazil)", "America/Sao_Paulo"),
            ("Buenos Aires (Argentina)", "America/Argentina/Buenos_Aires"),
        ),
    ),
)


def common_zone_names() -> set[str]:
    return {zone for _group, options in COMMON_ZONES for _label, zone in options}


def _key(text: str) -> str:
    """How a typed name is compared: case-insensitive, spaces as underscores, accents dropped
    (`São Paulo` is America/Sao_Paulo)."""
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c)
    )
    return "_".join(plain.split()).lower()


@cache
def _zones() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Every zone by its full name (`europe/london`), and the places by their last part
    (`london`)."""
    full: dict[str, str] = {}
    by_place: dict[str, list[str]] = {}
    for name in sorted(available_timezones()):
        if "/" not in name:
            continue
        full[name.lower()] = name
        if name.startswith(_NOT_PLACES):
            continue
        by_place.setdefault(name.rsplit("/", 1)[1].lower(), []).append(name)
    return full, {place: tuple(names) for place, names in by_place.items()}


def find_zones(text: str) -> tuple[str, ...]:
    """The zones a name means: one for a full name (`europe/london`), a city (`London`, `new
    york`, `Doha`) or a country with one zone (`UK`); several when the name is in more than one
    place (`Central`: Canada or US); none for a name that is not a zone."""
    key = _key(text)
    full, by_place = _zones()
    if not key:
        return ()
    if key in full:
        return (full[key],)
    if key in _OTHER_NAMES:
        return (_OTHER_NAMES[key],)
    found = by_place.get(key, ())
    if len(found) <= 1:
        return found
    common = [zone for zone in found if zone in common_zone_names()]
    if len(common) == 1:
        return (common[0],)
    if len({zone.split("/", 1)[0] for zone in found}) == 1:
        # Old and new names of one place (`America/Buenos_Aires`): the longer is today's.
        return (max(found, key=len),)
    return found
