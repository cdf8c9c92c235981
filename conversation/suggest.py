"""A mistyped `/buddy` word: the known one it is closest to, if any is close enough."""

from __future__ import annotations

from collections.abc import Mapping

BUTTON_VALUE_LIMIT = 2000


def distance(a: str, b: str) -> int:
    """Edits from `a` to `b`: insert, delete, substitute, or swap two neighbours (`stauts`)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[len(a)][len(b)]


def closest(word: str, known: Mapping[str, str]) -> str | None:
    """The command (`known` maps each name and alias to it) within one edit of `word` (two for
    words of six letters or more), else None; None too when two commands are equally close."""
    if len(word) < 3:
        return None
    allowed = 2 if len(word) >= 6 else 1
    scored = sorted((distance(word, name), command) for name, command in known.items() if name)
    if not scored or scored[0][0] > allowed:
        return None
    best = {command for score, command in scored if score == scored[0][0]}
    return scored[0][1] if len(best) == 1 else None
