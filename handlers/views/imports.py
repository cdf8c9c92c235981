"""The import modals: a file input with the columns and an example file shown (a facilitator in
Slack cannot read README.md), when to welcome imported pairs, "checking…", and the result or the
bad rows by line. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from conversation.blocks import (
    FileInput,
    Form,
    Part,
    date_input,
    field_of,
    form,
    note,
    paragraph,
    radio,
)
from conversation.markup import escape, line_chunks
from models.calendar import csv_import as modules_csv
from models.facilitators import imports as pairs_csv

IMPORT_CALLBACK = "import_file"
FILE_BLOCK = "file"
WELCOME_BLOCK = "welcome"
WELCOME_DAY_BLOCK = "welcome_day"
CHOSE_NOW, CHOSE_DAY, CHOSE_NEVER = "now", "day", "never"
KIND_TITLES = {"pairs": "Import pairs", "modules": "Import modules"}
# What each kind of file holds: its parser's own header, the meaning of each column and an
# example file (the same as README.md's tables and the files in samples/).
KIND_HEADERS = {"pairs": pairs_csv.HEADER, "modules": modules_csv.HEADER}
KIND_MEANINGS = {"pairs": pairs_csv.COLUMN_MEANINGS, "modules": modules_csv.COLUMN_MEANINGS}
KIND_EXAMPLES = {"pairs": pairs_csv.EXAMPLE_ROWS, "modules": modules_csv.EXAMPLE_ROWS}
KIND_LINES = {"pairs": "one pair (or trio) a line", "modules": "one module a line"}
WELCOME_CHOICES = (
    (CHOSE_NOW, "Welcome them now"),
    (CHOSE_DAY, "Welcome them on the day below, at 09:00 their time"),
    (CHOSE_NEVER, "Don't welcome them: I'll tell them myself"),
)


def build_import_modal(kind: str, cohort_name: str, metadata: str) -> Form:
    blocks: list[Part] = [
        paragraph(
            f"Upload a CSV file to import into the *{escape(cohort_name)}* cohort. Every row is "
            "checked first: nothing is written unless all of them are good."
        ),
        field_of(FILE_BLOCK, "CSV file", FileInput(("csv", "txt"), 1)),
        *build_columns(kind),
    ]
    if kind == "pairs":
        blocks.extend(_welcome_inputs())
    return form(IMPORT_CALLBACK, KIND_TITLES[kind], blocks, submit="Import", payload=metadata)


def build_columns(kind: str) -> list[Part]:
    """The header row, an example file and what each column holds (UTF-8 CSV, as Excel's
    "CSV UTF-8" saves it)."""
    example = "\n".join((KIND_HEADERS[kind], *KIND_EXAMPLES[kind]))
    meanings = "\n".join(f"`{name}`: {what}" for name, what in KIND_MEANINGS[kind])
    return [
        paragraph(
            f"*The file:* UTF-8 CSV (in Excel, Save As → CSV UTF-8) with this header row and "
            f"{KIND_LINES[kind]}, for example:\n```{escape(example)}```"
        ),
        note(escape(meanings)),
    ]


def _welcome_inputs() -> list[Part]:
    choices = radio([(label, value) for value, label in WELCOME_CHOICES], WELCOME_CHOICES[0][0])
    return [
        field_of(
            WELCOME_BLOCK,
            "When should Buddy welcome them?",
            choices,
            hint=(
                "Each person gets a DM naming their buddies, with the buddy's four roles. "
                "Nothing else reaches a pair before its welcome; evenings and weekends wait "
                "for the morning."
            ),
        ),
        field_of(
            WELCOME_DAY_BLOCK,
            "The day to welcome them",
            date_input(None),
            optional=True,
        ),
    ]


def build_checking(kind: str) -> Form:
    return form(
        IMPORT_CALLBACK + "_checking",
        KIND_TITLES[kind],
        [paragraph(":hourglass_flowing_sand: Checking every row of the file…")],
    )


def build_import_result(
    kind: str, summary: str, problems: Sequence[str], *, refused: bool = False
) -> Form:
    """What was imported; or, refused, why, the bad rows by line, and the columns again."""
    if not refused and not problems:
        blocks = [paragraph(f":white_check_mark: {escape(summary)}")]
    else:
        blocks = [
            paragraph(f":x: {escape(summary)}"),
            *(paragraph(chunk) for chunk in line_chunks([escape(p) for p in problems])),
            note("Fix the file and upload it again."),
            *build_columns(kind),
        ]
    return form(IMPORT_CALLBACK + "_done", KIND_TITLES[kind], blocks[:50])
