"""The report's chart: the cohort's meetings per fortnight, held, skipped and unconfirmed, as a PNG.

What the chart says (its title, a label per fortnight, every count) is worked out first as plain
data, `chart_data`, so it is tested without pixels and the alt text says the same in words.
Drawing uses matplotlib's Agg renderer (no display needed), imported only when a chart is drawn:
the web process starts without it, and the drawing runs after Slack has had its answer.

The three kinds are told apart by colour from the Okabe-Ito palette (readable with any common
colour-vision deficiency) and, for unconfirmed meetings, by hatching too, so a grey print works.
"""

from __future__ import annotations

import getpass
import io
import os
import re
import stat
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from models.facilitators.report import CohortReport, Fortnight
from models.grammar import MONTH_NAMES

# (field of Fortnight, legend, colour, hatch), bottom to top of each bar.
KINDS: tuple[tuple[str, str, str, str | None], ...] = (
    ("held", "Held", "#0072B2", None),
    ("skipped", "Skipped", "#E69F00", None),
    ("unconfirmed", "Unconfirmed (no check-in answer)", "#CC79A7", "//"),
)
# Slack refuses a longer description of an image (`alt_txt_too_large`).
ALT_TEXT_LIMIT = 1000
# The picture: 1350 x 750 pixels, sharp on a laptop's screen and legible on a phone.
FIGURE_INCHES = (9.0, 5.0)
DOTS_PER_INCH = 150

_DRAWING = threading.Lock()


@dataclass(frozen=True)
class Bar:
    """One fortnight's bar: its label on the x axis and its meetings of each kind."""

    label: str  # "12 Jan"
    starts_on: date
    held: int
    skipped: int
    unconfirmed: int
    so_far: bool  # the fortnight under way: its count can still grow

    @property
    def total(self) -> int:
        return self.held + self.skipped + self.unconfirmed

    def count(self, kind: str) -> int:
        return {"held": self.held, "skipped": self.skipped, "unconfirmed": self.unconfirmed}[kind]

    @property
    def tick(self) -> str:
        return f"{self.label}\n(so far)" if self.so_far else self.label

    def in_words(self) -> str:
        """`12 Jan: 4 held, 1 skipped`, or `26 Jan: no meetings`."""
        said = [f"{self.count(kind)} {kind}" for kind, *_ in KINDS if self.count(kind)]
        when = f"{self.label} (so far)" if self.so_far else self.label
        return f"{when}: {', '.join(said) if said else 'no meetings'}"


@dataclass(frozen=True)
class ChartData:
    """Everything the chart shows, oldest fortnight first."""

    cohort: str
    period: str  # "5 Jan to 29 Mar 2027"
    bars: tuple[Bar, ...]

    @property
    def title(self) -> str:
        return f"Meetings per fortnight: {self.cohort}"

    def counts(self, kind: str) -> list[int]:
        return [bar.count(kind) for bar in self.bars]

    @property
    def alt_text(self) -> str:
        """The chart in words, every fortnight named (a quiet one too), within Slack's limit."""
        text = (
            f"Bar chart of meetings per fortnight for {self.cohort}, {self.period}, "
            "held, skipped and unconfirmed: " + "; ".join(b.in_words() for b in self.bars) + "."
        )
        return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


def day_label(day: date) -> str:
    """`12 Jan`: the day a fortnight starts, as its bar is labelled."""
    return f"{day.day} {MONTH_NAMES[day.month - 1][:3]}"


def period_text(first: date, last: date) -> str:
    """`5 Jan to 29 Mar 2027`, or `15 Dec 2026 to 29 Mar 2027` across a new year."""
    start = day_label(first) + ("" if first.year == last.year else f" {first.year}")
    return f"{start} to {day_label(last)} {last.year}"


def chart_data(report: CohortReport) -> ChartData:
    """What the chart of `report` shows: its fortnights up to the report's day."""
    fortnights: Sequence[Fortnight] = report.fortnights
    bars = tuple(
        Bar(
            label=day_label(f.starts_on),
            starts_on=f.starts_on,
            held=f.held,
            skipped=f.skipped,
            unconfirmed=f.unconfirmed,
            so_far=f.starts_on <= report.today <= f.ends_on,
        )
        for f in fortnights
    )
    first = fortnights[0].starts_on if fortnights else report.today
    return ChartData(report.cohort.name, period_text(first, report.today), bars)


def chart_png(data: ChartData) -> bytes:
    """The chart as a PNG: stacked bars with each count on them and each total above."""
    with _DRAWING:  # matplotlib keeps some state per process; one drawing at a time is plenty
        use_own_config_folder()
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        figure = Figure(figsize=FIGURE_INCHES, dpi=DOTS_PER_INCH, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        xs = list(range(len(data.bars)))
        totals = [bar.total for bar in data.bars]
        top = max(4.0, max(totals, default=0) * 1.2)
        bottoms = [0] * len(xs)
        for kind, legend, colour, hatch in KINDS:
            values = data.counts(kind)
            drawn = axes.bar(
                xs,
                values,
                width=0.7,
                bottom=bottoms,
                label=legend,
                color=colour,
                hatch=hatch,
                edgecolor="white",
                linewidth=0.8,
            )
            # A count goes inside its part of the bar when there is room for it.
            roomy = [str(v) if v and v >= top * 0.045 else "" for v in values]
            axes.bar_label(
                drawn,
                labels=roomy,
                label_type="center",
                fontsize=9,
                color="white" if kind == "held" else "black",
                bbox=None if hatch is None else {"boxstyle": "round,pad=0.15", "fc": "white"},
            )
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        for x, total in zip(xs, totals, strict=True):
            axes.annotate(
                str(total),
                (x, total),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=10,
                fontweight="bold",
            )
        axes.set_xticks(xs, [bar.tick for bar in data.bars], fontsize=9)
        axes.set_xlabel("Fortnight starting")
        axes.set_ylabel("Meetings")
        axes.set_ylim(0, top)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        axes.spines[["top", "right"]].set_visible(False)
        # A cohort's name is typed by a person: `$` in it must not start mathematical notation,
        # and a character the font lacks (most emoji) is left out rather than drawn as a box.
        title = _drawable(_fit(data.title, 70))
        axes.set_title(f"{title}\n{data.period}", fontsize=13, loc="left", parse_math=False)
        figure.legend(loc="outside lower center", fontsize=9, frameon=False, ncols=len(KINDS))
        out = io.BytesIO()
        figure.savefig(out, format="png", facecolor="white")
        return out.getvalue()


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _drawable(text: str) -> str:
    """`text` without the characters matplotlib's font has no glyph for (the words stay in the
    alt text and the file's title, which Slack draws with every font it has)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = FT2Font(font_manager.findfont(font_manager.FontProperties()))
    kept = "".join(c for c in text if c.isspace() or font.get_char_index(ord(c)))
    return " ".join(kept.split())


def use_own_config_folder() -> None:
    """Point matplotlib at a folder it may write, unless MPLCONFIGDIR names one already.

    Matplotlib keeps its list of fonts in that folder, else under $HOME, which a service account
    often cannot write: it would then warn and rebuild the list (seconds on a machine with many
    fonts) in every process. A folder of Buddy's own in the temp directory is made once and kept,
    so the list is built once per machine (`python -m models.facilitators.chart` builds it
    ahead, as `scripts/venv.sh` does after installing).
    """
    if os.environ.get("MPLCONFIGDIR"):
        return
    user = re.sub(r"[^A-Za-z0-9_.-]", "_", _user_name())
    folder = Path(tempfile.gettempdir()) / f"buddy-matplotlib-{user}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        found = folder.lstat()
        # Someone else's folder (or a link to one) in a shared temp directory is not used.
        ours = not hasattr(os, "getuid") or found.st_uid == os.getuid()
        usable = stat.S_ISDIR(found.st_mode) and ours and os.access(folder, os.W_OK)
    except OSError:
        usable = False
    if not usable:
        folder = Path(tempfile.mkdtemp(prefix="buddy-matplotlib-"))
    os.environ["MPLCONFIGDIR"] = str(folder)


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return str(os.getuid()) if hasattr(os, "getuid") else "buddy"


def build_font_cache() -> None:
    """Build matplotlib's font list now, so the first report drawn doesn't."""
    use_own_config_folder()
    import matplotlib.font_manager  # noqa: F401  (importing it builds and saves the list)


if __name__ == "__main__":
    build_font_cache()
