"""A message Buddy posts on its own initiative: fallback text plus Block Kit blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
