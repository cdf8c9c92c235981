"""The report's chart: what it says (from plain data, no pixels), its words for a screen reader,
and that the picture is a real PNG drawn without a display or a writable home."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import warnings
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image

from models.facilitators.chart import (
    ALT_TEXT_LIMIT,
    chart_data,
    chart_png,
    use_own_config_folder,
)
from models.facilitators.report import CohortReport, Fortnight
from models.people import Cohort

REPO = Path(__file__).resolve().parent.parent


def report(name: str, first: date, counts: list[tuple[int, int, int]], today: date) -> CohortReport:
    return CohortReport(
        cohort=Cohort(name=name, timezone="Europe/London"),
        today=today,
        module_code=None,
        pairs=[],
        unpaired=[],
        fortnights=[
            Fortnight(first + timedelta(days=14 * n), *found) for n, found in enumerate(counts)
        ],
    )


SPRING = report(
    "Spring 2027",
    date(2027, 1, 5),
    [(4, 1, 0), (0, 0, 0), (2, 0, 3), (5, 2, 1), (0, 0, 0), (1, 0, 0)],
    date(2027, 3, 29),
)


def test_the_chart_data_has_a_bar_per_fortnight_with_each_kind_counted() -> None:
    data = chart_data(SPRING)
    assert data.title == "Meetings per fortnight: Spring 2027"
    assert data.period == "5 Jan to 29 Mar 2027"
    assert [bar.label for bar in data.bars] == [
        "5 Jan",
        "19 Jan",
        "2 Feb",
        "16 Feb",
        "2 Mar",
        "16 Mar",
    ]
    assert data.counts("held") == [4, 0, 2, 5, 0, 1]
    assert data.counts("skipped") == [1, 0, 0, 2, 0, 0]
    assert data.counts("unconfirmed") == [0, 0, 3, 1, 0, 0]
    assert [bar.total for bar in data.bars] == [5, 0, 5, 8, 0, 1]
    assert [bar.so_far for bar in data.bars] == [False] * 5 + [True]


def test_the_alt_text_says_every_fortnight_in_words_the_quiet_ones_too() -> None:
    assert chart_data(SPRING).alt_text == (
        "Bar chart of meetings per fortnight for Spring 2027, 5 Jan to 29 Mar 2027, held, "
        "skipped and unconfirmed: 5 Jan: 4 held, 1 skipped; 19 Jan: no meetings; "
        "2 Feb: 2 held, 3 unconfirmed; 16 Feb: 5 held, 2 skipped, 1 unconfirmed; "
        "2 Mar: no meetings; 16 Mar (so far): 1 held."
    )


def test_a_chart_across_new_year_names_both_years_and_stays_within_slacks_limit() -> None:
    busy = report("N" * 120, date(2026, 12, 14), [(120, 40, 35)] * 12, date(2027, 5, 28))
    data = chart_data(busy)
    assert data.period == "14 Dec 2026 to 28 May 2027"
    assert len(data.alt_text) <= ALT_TEXT_LIMIT
    assert data.alt_text.count("120 held, 40 skipped, 35 unconfirmed") == 12


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    Image.open(io.BytesIO(png)).verify()  # every chunk and checksum is sound
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return image.size


def test_the_chart_is_a_png_of_a_readable_size() -> None:
    width, height = png_size(chart_png(chart_data(SPRING)))
    assert 1000 <= width <= 2000 and 500 <= height <= 1200 and width > height


def test_an_empty_chart_and_a_name_with_dollars_and_emoji_draw_without_warnings() -> None:
    quiet = report(
        "Cost $5 and $6 🧑🏽‍🏫 中文", date(2027, 1, 4), [(0, 0, 0)] * 12, date(2027, 6, 7)
    )
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        png = chart_png(chart_data(quiet))
    assert png_size(png)[0] > 0
    assert [str(w.message) for w in seen] == []


def test_the_web_process_starts_without_matplotlib() -> None:
    """Imported only when a chart is drawn: every listener loads without it."""
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bot.app, bot.web, bot.listeners, handlers.facilitators;"
            "print('matplotlib' in sys.modules)",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert found.stdout.strip() == "False"


def test_matplotlib_gets_a_folder_of_its_own_it_can_write(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("HOME", "/nonexistent")
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    use_own_config_folder()
    folder = Path(os.environ["MPLCONFIGDIR"])
    assert folder.parent == tmp_path and folder.name.startswith("buddy-matplotlib-")
    assert folder.is_dir() and os.access(folder, os.W_OK)
    use_own_config_folder()
    assert Path(os.environ["MPLCONFIGDIR"]) == folder  # the same folder every time


def test_a_folder_planted_in_the_temp_directory_is_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    use_own_config_folder()
    planted = Path(os.environ["MPLCONFIGDIR"])
    planted.rmdir()
    (tmp_path / "elsewhere").mkdir()
    planted.symlink_to(tmp_path / "elsewhere")
    monkeypatch.delenv("MPLCONFIGDIR")
    use_own_config_folder()
    used = Path(os.environ["MPLCONFIGDIR"])
    assert used != planted and not used.is_symlink() and used.is_dir()


def test_a_folder_named_by_the_environment_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLCONFIGDIR", "/srv/buddy/matplotlib")
    use_own_config_folder()
    assert os.environ["MPLCONFIGDIR"] == "/srv/buddy/matplotlib"
