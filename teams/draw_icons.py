"""Draws Buddy's two Teams icons, so that they can be made again rather than kept as mystery files.

Teams asks for a full-colour 192×192 PNG (`color.png`) and a 32×32 PNG that is white on
transparent (`outline.png`), both at the app package's root. Both show the same picture, a buddy
pair: two people side by side, the one in front cut out of the one behind by a thin gap. It is
drawn 8 times larger and shrunk, so the edges are smooth; the outline's shrunken edges are
white pixels that are partly transparent, never grey ones. The colour icon's background is the
manifest's `accentColor` (the Slack app's background colour too).

Run `.venv/bin/python teams/draw_icons.py` to write both files beside this script; the tests
draw them again and compare pixels with the committed files.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
ACCENT = "#2c5f2d"
COLOR_SIZE = 192
OUTLINE_SIZE = 32
SCALE = 8  # drawn this many times larger, then shrunk: smooth edges
WHITE = (255, 255, 255)


def _person(draw: ImageDraw.ImageDraw, size: int, cx: float, grow: float, fill: int) -> None:
    """One person (a head over rounded shoulders) centred on `cx`, in fractions of `size`.

    `grow` widens the shape on every side: drawn transparent, it cuts the gap between the two."""
    head = 0.13 + grow
    head_y = 0.35
    draw.ellipse(
        [(cx - head) * size, (head_y - head) * size, (cx + head) * size, (head_y + head) * size],
        fill=fill,
    )
    half_width = 0.21 + grow
    top = 0.54 - grow
    bottom = 0.84 + grow
    draw.rounded_rectangle(
        [(cx - half_width) * size, top * size, (cx + half_width) * size, bottom * size],
        radius=(0.17 + grow) * size,
        fill=fill,
        corners=(True, True, False, False),
    )


def pair_mask(size: int, margin: float) -> Image.Image:
    """The buddy pair as an alpha mask (255 where the picture is), `size` pixels square.

    `margin` (a fraction of the size) is left empty on each side: none for the outline, which
    Teams shows small, and some for the colour icon, where the pair sits on its background."""
    big = size * SCALE
    mask = Image.new("L", (big, big), 0)
    inner = round(big * (1 - 2 * margin))
    drawing = Image.new("L", (inner, inner), 0)
    draw = ImageDraw.Draw(drawing)
    _person(draw, inner, 0.36, 0.0, 255)  # behind
    _person(draw, inner, 0.64, 0.045, 0)  # the gap around the one in front
    _person(draw, inner, 0.64, 0.0, 255)  # in front
    offset = (big - inner) // 2
    mask.paste(drawing, (offset, offset))
    return mask.resize((size, size), Image.Resampling.LANCZOS)


def draw_color() -> Image.Image:
    """192×192, the white pair on the accent colour, every pixel opaque."""
    icon = Image.new("RGB", (COLOR_SIZE, COLOR_SIZE), ACCENT)
    icon.paste(Image.new("RGB", icon.size, WHITE), (0, 0), pair_mask(COLOR_SIZE, 0.12))
    return icon


def draw_outline() -> Image.Image:
    """32×32, white only: the picture is in the alpha channel, the rest is transparent."""
    icon = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (*WHITE, 0))
    icon.putalpha(pair_mask(OUTLINE_SIZE, 0.0))
    return icon


def main() -> None:
    for name, icon in (("color.png", draw_color()), ("outline.png", draw_outline())):
        icon.save(HERE / name, optimize=True)
        print(f"Wrote {HERE / name}")


if __name__ == "__main__":
    main()
