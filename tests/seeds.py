"""The programme's seed documents, which Buddy quotes word for word.

Locally a checkout without `../shared/seeds` skips the comparisons; in CI (`CI` set) a missing seed
fails the run, so a quote can never drift unchecked.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_000 = SEEDS / "000_a69df7d230be28ba.txt"
SEED_001 = SEEDS / "001_21b9880ce65ffb97.txt"
SEED_003 = SEEDS / "003_0e4cd910654bc63e.txt"


def seed_text(path: Path) -> str:
    if not path.exists():
        message = f"the seed {path.name} is not at {path.parent}, so nothing can be compared"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path.read_text(encoding="utf-8")
