"""The import modals: a file input, "checking…", and the result or the bad rows by line. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.slack.blocks import context_block, modal, section_block
from handlers.slack.text import escape, line_chunks

IMPORT_CALLBACK = "import_file"
FILE_BLOCK = "file"
KIND_TITLES = {"pairs": "Import pairs", "modules": "Import modules"}
KIND_COLUMNS = {
    "pairs": "buddy_1,buddy_2,buddy_3,slot (Slack ids or emails; buddy_3 and slot optional)",
    "modules": "code,title,insight_module,starts_on",
}


def build_import_modal(kind: str, cohort_name: str, metadata: str) -> dict[str, Any]:
    blocks = [
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
        context_block(f"Columns: `{KIND_COLUMNS[kind]}`. See README.md and samples/."),
    ]
    return modal(IMPORT_CALLBACK, KIND_TITLES[kind], blocks, submit="Import", metadata=metadata)


def build_checking(kind: str) -> dict[str, Any]:
    return modal(
        IMPORT_CALLBACK + "_checking",
        KIND_TITLES[kind],
        [section_block(":hourglass_flowing_sand: Checking every row of the file…")],
    )


def build_import_result(kind: str, summary: str, problems: Sequence[str]) -> dict[str, Any]:
    if not problems:
        blocks = [section_block(f":white_check_mark: {escape(summary)}")]
    else:
        blocks = [
            section_block(f":x: {escape(summary)}"),
            *(section_block(chunk) for chunk in line_chunks([escape(p) for p in problems])),
            context_block("Fix those lines and upload the file again."),
        ]
    return modal(IMPORT_CALLBACK + "_done", KIND_TITLES[kind], blocks[:50])
