"""Checks of the level kinds of ranked findings (a periodic rule with exceptions, swapped rows), read from
the printed sentence and recomputed from each cell's level under the printed rule.

Never imports ``generator.analyse``: the phase words are read by the same reader model as the
periodic claims (:func:`generator.verify.table._phase`).
"""

from __future__ import annotations

import re

import numpy as np

from .reading import Untrue, listing


def check_level_exception(claim, ev) -> None:
    from .table import _phase  # the reader's model of 'every odd-numbered position' and the like

    phase = (r"(?:odd|even)-numbered \w+|\w+ whose number is \d+ more than a multiple of \d+"
             r"|\d+(?:st|nd|rd|th) \w+ counting from the \d+(?:st|nd|rd|th)")
    m = re.fullmatch(rf"In (every \w+|.+?), every ({phase}) is (.+?) except (.+): (\d+) of (\d+) cells; "
                     r"no (?:(even|odd)-numbered|other) \w+ is (.+?)\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as a rule with exceptions")
    rows = list(range(len(ev.rows))) if m.group(1).startswith("every ") and len(ev.rows) > 1 \
        else ev.row_list(m.group(1))
    level = ev.level(m.group(3))
    if ev.level(m.group(8)) != level:
        raise Untrue("the sentence names two levels")
    on = _phase(m.group(2), ev)
    block = ev.codes[rows]
    misses = [(rows[i], int(j)) for i, j in np.argwhere(block[:, on] != level)]
    on_cols = np.flatnonzero(on)
    misses = [(r, int(on_cols[j])) for r, j in misses]
    if int(m.group(6)) != on.sum() * len(rows) or int(m.group(5)) != len(misses) or not misses:
        raise Untrue(f"{len(misses)} of {int(on.sum()) * len(rows)} on-phase cells break the rule")
    if np.any(block[:, ~on] == level):
        raise Untrue(f"{ev.names[level]} occurs off the phase too")

    def exception(text: str):
        x = re.fullmatch(r"(?:(.+) at )?\w+ (.+?) \((.+)\)", text)
        if not x:
            raise Untrue(f"cannot read the exception {text!r}")
        r = ev.row(x.group(1)) if x.group(1) else (rows[0] if len(rows) == 1 else None)
        if r is None:
            raise Untrue("an exception among several rows must name its row")
        c = ev.column(x.group(2))
        held = "missing" if ev.codes[r, c] < 0 else ev.names[ev.codes[r, c]]
        if x.group(3) != held and (x.group(3) == "missing" or ev.level(x.group(3)) != ev.codes[r, c]):
            raise Untrue(f"the cell holds {held}, not {x.group(3)}")
        return r, c

    named, more = listing(m.group(4), exception)
    if more or named != misses:
        raise Untrue("the exceptions named are not the cells that break the rule")


def check_swapped_rows(claim, ev) -> None:
    m = re.fullmatch(r"(.+) is (.+) with (.+) and (.+) swapped: they differ at (\d+) of their (\d+) \w+s, "
                     r"each time by that exchange\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as swapped rows")
    b, a = ev.row(m.group(1)), ev.row(m.group(2))
    x, y = ev.level(m.group(3)), ev.level(m.group(4))
    if x == y:
        raise Untrue("a swap needs two levels")
    if not np.array_equal(ev.present[a], ev.present[b]):
        raise Untrue("the rows have values at different columns")
    u, v = ev.codes[a], ev.codes[b]
    swapped = np.where(u == x, y, np.where(u == y, x, u))
    if not np.array_equal(np.where(ev.present[a], swapped, -1), np.where(ev.present[b], v, -1)):
        raise Untrue("the second row is not the first with the two levels exchanged")
    differ = ev.present[a] & (u != v)
    both_ways = np.any(differ & (u == x)) and np.any(differ & (u == y))
    if not both_ways:
        raise Untrue("only one direction of the exchange occurs: a replacement, not a swap")
    if int(differ.sum()) != int(m.group(5)) or int(ev.present[a].sum()) != int(m.group(6)):
        raise Untrue(f"they differ at {int(differ.sum())} of {int(ev.present[a].sum())}")


CHECKS = {"level_exception": check_level_exception, "swapped_rows": check_swapped_rows}
