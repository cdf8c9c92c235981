"""Zones as people name them: a city, a country with one zone, or the full IANA name."""

from __future__ import annotations

from zoneinfo import available_timezones

import pytest

from models.grammar import ParseError, parse_zone
from models.zones import COMMON_ZONES, find_zones


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("London", "Europe/London"),
        ("london", "Europe/London"),
        ("Paris", "Europe/Paris"),
        ("new york", "America/New_York"),
        ("  Hong   Kong ", "Asia/Hong_Kong"),
        ("kuala_lumpur", "Asia/Kuala_Lumpur"),
        ("Europe/Paris", "Europe/Paris"),
        ("europe/london", "Europe/London"),
        ("UK", "Europe/London"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Istanbul", "Europe/Istanbul"),
        ("Etc/UTC", "Etc/UTC"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Doha", "Asia/Qatar"),
    ],
)
def test_a_city_or_a_zone_name_is_read(typed: str, zone: str) -> None:
    assert find_zones(typed) == (zone,)
    assert parse_zone(typed) == zone


@pytest.mark.parametrize("typed", ["Lodnon", "Mars/Olympus", "../../etc/passwd", "", "GMT+5"])
def test_an_unknown_zone_is_refused_with_a_city_example(typed: str) -> None:
    refused = parse_zone(typed)
    assert isinstance(refused, ParseError)
    assert "Please give a city, like London or Paris" in refused.message


def test_a_city_in_two_places_asks_which() -> None:
    refused = parse_zone("Central")
    assert isinstance(refused, ParseError)
    assert "could be Canada/Central or US/Central" in refused.message


def test_the_common_zones_are_real_and_listed_once_uk_first() -> None:
    zones = [zone for _group, options in COMMON_ZONES for _label, zone in options]
    assert set(zones) <= available_timezones()
    assert len(zones) == len(set(zones)) <= 100
    assert COMMON_ZONES[0][0] == "UK and Ireland" and zones[0] == "Europe/London"
    # Each label's city is found again: what the form shows, the command accepts.
    for _group, options in COMMON_ZONES:
        for label, zone in options:
            assert find_zones(label.split(" (")[0]) == (zone,), label
