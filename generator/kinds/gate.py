"""The verify gate every kind's render step goes through: print only what the verify stage confirms.

The page is rendered, then :mod:`generator.verify` re-reads the data file's bytes
and checks every claim *as printed*. A failed observation is taken out of the
analysis (counted in the findings' ``rejected``) and the page rendered again, so
its numbering and hypotheses follow; under ``verify.strict`` the build fails
instead, naming the claim. A failed page-level claim (the data hash, the level
rule, the Overview's counts) cannot be left out, so it always fails the build.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Callable

from generator.errors import InputError, Problem
from generator.render.findings import jsonable


class VerifyError(InputError):
    """A printed claim failed its independent check: the build stops, naming the claim."""


def verified(draw: Callable[[Any], Any], check: Callable[[Any], list], analysis, *, strict: bool, source: str):
    """``draw(analysis)`` with every claim that ``check(rendered)`` refutes left out (or the build stopped).

    ``check(rendered)`` returns the verdicts and the findings they were read from.
    """
    rendered = draw(analysis)
    for _ in range(3):  # leaving a claim out renumbers the rest; a second pass confirms the page as printed
        verdicts, findings = check(rendered)
        failed = [v for v in verdicts if not v.ok]
        if not failed:
            return rendered
        page_level = [v for v in failed if v.observation is None]
        if strict or page_level:
            raise VerifyError([Problem(source, f"verify, {v.where}", f"{v.reason}: {v.text!r}")
                               for v in (page_level or failed)])
        for v in failed:  # the reader of the build log learns what was left out, and why
            logging.getLogger("attention_report.verify").warning("%s: left out %s: %s: %r", source, v.where,
                                                                 v.reason, v.text)
        printed = findings["observations"]
        refuted = [printed[v.observation] for v in failed]
        out = [o for o in analysis.observations if _matches(o, refuted)]
        analysis = replace(analysis, observations=[o for o in analysis.observations if o not in out],
                           rejected=[*analysis.rejected, *out])
        rendered = draw(analysis)
    raise VerifyError(Problem(source, "verify", "claims keep failing after the refuted ones were left out"))


def _matches(observation, refuted: list[dict]) -> bool:
    """Is this analysis observation one of the printed ones that failed (same kind and fields)?"""
    fields = jsonable(observation.fields())
    return any(all(printed.get(k) == v for k, v in fields.items()) for printed in refuted)
