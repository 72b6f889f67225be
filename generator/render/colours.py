"""Colour arithmetic for the charts: WCAG contrast, mixing, and each scheme's page colours.

The charts promise that a level's colour stands out from the page (WCAG 1.4.11:
at least 3:1 against the background) in Material's light *and* dark scheme, and
that a cell the text calls Neutral is drawn pale. Both are checked from the spec
with these functions, in Python, so the promise is tested without a browser.
"""

from __future__ import annotations

LIGHT_BACKGROUND = "#ffffff"
"""Material's ``default`` scheme page background."""
DARK_BACKGROUND = "#1e2129"
"""Material's ``slate`` scheme page background: hsl(225, 15%, 14%)."""
MIN_CONTRAST = 3.0
"""WCAG 1.4.11 (non-text contrast): what a level's colour needs against the page."""


def rgb(colour: str) -> tuple[int, int, int]:
    """Any CSS colour a sidecar may give (``#2b6cb0``, ``steelblue``, ``rgb(43, 108, 176)``) as 0–255 channels."""
    from PIL import ImageColor

    return ImageColor.getrgb(colour.strip())[:3]


def hex_colour(channels) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in channels)


def luminance(colour: str) -> float:
    """WCAG relative luminance."""
    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(a: str, b: str, share_of_a: float) -> str:
    """``a`` and ``b`` mixed in sRGB (as Vega's ``rgb`` interpolation does)."""
    t = max(0.0, min(1.0, share_of_a))
    return hex_colour(x * t + y * (1 - t) for x, y in zip(rgb(a), rgb(b)))


def interpolate(domain: list[float], colours: list[str], value: float) -> str:
    """The colour a piecewise-linear Vega scale (``interpolate: rgb``, clamped) gives ``value``."""
    if value <= domain[0]:
        return colours[0]
    for (d0, c0), (d1, c1) in zip(zip(domain, colours), zip(domain[1:], colours[1:])):
        if value <= d1:
            return mix(c1, c0, (value - d0) / (d1 - d0) if d1 > d0 else 1.0)
    return colours[-1]


def dark_variant(colour: str) -> str:
    """What a light-scheme chart colour becomes in the dark scheme.

    The light page background becomes the dark one (a white Neutral stays "the
    background"); a colour that already clears 3:1 on the dark page stays as it
    is, so a level keeps its colour across schemes; anything darker is lightened
    towards white until it clears 3:1 (or is as light as white gets).
    """
    colour = hex_colour(rgb(colour))
    if colour == LIGHT_BACKGROUND:
        return DARK_BACKGROUND
    if contrast(colour, DARK_BACKGROUND) >= MIN_CONTRAST:
        return colour
    for step in range(1, 21):
        lighter = mix("#ffffff", colour, step / 20)
        if contrast(lighter, DARK_BACKGROUND) >= MIN_CONTRAST:
            return lighter
    return "#ffffff"


def dark_map(colours) -> dict[str, str]:
    """``{light: dark}`` for the colours that change, as the page's init script expects."""
    out = {}
    for c in colours:
        d = dark_variant(c)
        if d != hex_colour(rgb(c)):
            out[c.lower()] = d
    return out
