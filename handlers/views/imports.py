"""The import modals: a file input with the columns and an example file shown (a facilitator in
Slack cannot read README.md), when to welcome imported pairs, "checking…", and the result or the
bad rows by line. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.slack.blocks import (
    context_block,
    datepicker,
    input_block,
    modal,
    plain,
    section_block,
)
from handlers.slack.text import escape, line_chunks
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


def build_import_modal(kind: str, cohort_name: str, metadata: str) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        section_block(
            f"Upload a CSV file to import into the *{escape(cohort_name)}* cohort. Every row is "
            "checked first: nothing is written unless all of them are good."
        ),
        {
            "type": "input",
            "block_id": FILE_BLOCK,
            "label": {"type": "plain_text", "text": "CSV file"},
            "element": {
                "type": "file_input",
                "action_id": FILE_BLOCK,
                "filetypes": ["csv", "txt"],
                "max_files": 1,
            },
        },
        *build_columns(kind),
    ]
    if kind == "pairs":
        blocks.extend(_welcome_inputs())
    return modal(IMPORT_CALLBACK, KIND_TITLES[kind], blocks, submit="Import", metadata=metadata)


def build_columns(kind: str) -> list[dict[str, Any]]:
    """The header row, an example file and what each column holds (UTF-8 CSV, as Excel's
    "CSV UTF-8" saves it)."""
    example = "\n".join((KIND_HEADERS[kind], *KIND_EXAMPLES[kind]))
    meanings = "\n".join(f"`{name}`: {what}" for name, what in KIND_MEANINGS[kind])
    return [
        section_block(
            f"*The file:* UTF-8 CSV (in Excel, Save As → CSV UTF-8) with this header row and "
            f"{KIND_LINES[kind]}, for example:\n```{escape(example)}```"
        ),
        context_block(escape(meanings)),
    ]


def _welcome_inputs() -> list[dict[str, Any]]:
    options = [{"text": plain(label, 75), "value": value} for value, label in WELCOME_CHOICES]
    return [
        input_block(
            WELCOME_BLOCK,
            "When should Buddy welcome them?",
            {"type": "radio_buttons", "options": options, "initial_option": options[0]},
        )
        | {
            "hint": plain(
                "Each person gets a DM naming their buddies, with the buddy's four roles. "
                "Nothing else reaches a pair before its welcome; evenings and weekends wait "
                "for the morning.",
                2000,
            )
        },
        input_block(
            WELCOME_DAY_BLOCK,
            "The day to welcome them",
            datepicker(WELCOME_DAY_BLOCK, None),
            optional=True,
        ),
    ]


def build_checking(kind: str) -> dict[str, Any]:
    return modal(
        IMPORT_CALLBACK + "_checking",
        KIND_TITLES[kind],
        [section_block(":hourglass_flowing_sand: Checking every row of the file…")],
    )


def build_import_result(
    kind: str, summary: str, problems: Sequence[str], *, refused: bool = False
) -> dict[str, Any]:
    """What was imported; or, refused, why, the bad rows by line, and the columns again."""
    if not refused and not problems:
        blocks = [section_block(f":white_check_mark: {escape(summary)}")]
    else:
        blocks = [
            section_block(f":x: {escape(summary)}"),
            *(section_block(chunk) for chunk in line_chunks([escape(p) for p in problems])),
            context_block("Fix the file and upload it again."),
            *build_columns(kind),
        ]
    return modal(IMPORT_CALLBACK + "_done", KIND_TITLES[kind], blocks[:50])
