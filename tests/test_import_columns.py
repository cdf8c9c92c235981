"""The columns of an import file are said in one place: the parser's header, the Slack modal,
README.md's tables and the sample files all agree, and the modal's example imports cleanly."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from handlers.views.imports import KIND_EXAMPLES, KIND_HEADERS, KIND_MEANINGS
from models.calendar import csv_import as modules_csv
from models.facilitators import imports as pairs_csv

REPO = Path(__file__).resolve().parent.parent
SECTIONS = {"pairs": "## Importing pairs", "modules": "## Importing a module calendar"}
SAMPLES = {"pairs": "pairs.csv", "modules": "modules.csv"}


def readme_table(kind: str) -> list[tuple[str, str]]:
    """The (column, meaning) rows of the README section's table."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTIONS[kind], 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_0-9]+)` \| (.*?) \|", section, flags=re.MULTILINE)
    return [(name, meaning.strip()) for name, meaning in rows]


@pytest.mark.parametrize("kind", ["pairs", "modules"])
def test_the_modal_readme_and_sample_say_what_the_parser_reads(kind: str) -> None:
    parser = {"pairs": pairs_csv, "modules": modules_csv}[kind]
    assert KIND_HEADERS[kind] == parser.HEADER == ",".join(parser.COLUMNS)
    assert KIND_MEANINGS[kind] == parser.COLUMN_MEANINGS
    assert readme_table(kind) == list(parser.COLUMN_MEANINGS)
    sample = (REPO / "samples" / SAMPLES[kind]).read_text(encoding="utf-8").splitlines()
    assert sample[0] == parser.HEADER
    assert set(KIND_EXAMPLES[kind]) <= set(sample[1:])


def test_the_pairs_example_imports_cleanly() -> None:
    text = "\n".join((pairs_csv.HEADER, *pairs_csv.EXAMPLE_ROWS)) + "\n"
    drafts, problems = pairs_csv.parse_pairs_csv(text, date(2026, 11, 24))
    assert problems == [] and len(drafts) == len(pairs_csv.EXAMPLE_ROWS)


def test_the_modules_example_imports_cleanly() -> None:
    text = "\n".join((modules_csv.HEADER, *modules_csv.EXAMPLE_ROWS)) + "\n"
    rows, problems = modules_csv.parse_module_csv(text)
    assert problems == [] and len(rows) == len(modules_csv.EXAMPLE_ROWS)
