"""What every findings file and report shares: the schema name and plain JSON.

The table and the tensor renderers both write findings; these helpers keep the
two byte-compatible (same schema name, same JSON layout, same number handling).
"""

from __future__ import annotations

import json

import numpy as np

FINDINGS_SCHEMA = "attention-report/findings/1"


def dump(data: dict) -> bytes:
    """The findings/spec JSON as written: UTF-8, one space indent, no NaN."""
    return (json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode("utf-8")


def one_line(value) -> str:
    return " ".join(str(value).split())


def jsonable(value):
    """Numbers stay numbers and labels stay as in the data; numpy scalars become Python ones."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


def placed(observations: list[dict], ranks, report, *, layer_kinds: frozenset = frozenset()) -> list[dict]:
    """Each observation's findings dict with its ``rank``, ``rank_score`` and ``section``.

    ``observations`` come best first (the analysis ranked them); the first
    ``report.max_key_observations`` whose score is above 0 and at least
    ``report.key_min_score_share`` of the top score are Key Observations (``section: "key"``);
    every other one goes to Detailed Analysis (``"detail"``). A score of 0 means it only
    restates higher-ranked ones. Kinds in ``layer_kinds`` (a tensor's per-head claims) are
    printed on the layer pages only (``"layer"``).
    """
    out = []
    floor = (ranks[0].score if ranks else 0.0) * report.key_min_score_share
    for o, r in zip(observations, ranks):
        key = r.rank <= report.max_key_observations and r.score > 0 and r.score >= floor
        section = "layer" if o["kind"] in layer_kinds else "key" if key else "detail"
        out.append({**o, "rank": r.rank, "rank_score": r.score, "section": section})
    return out


def readings(observations: list[dict], interpretation, implication) -> tuple[list[dict], list[dict]]:
    """The hypotheses on the Key Observations, one per distinct text, each naming every observation it reads.

    ``interpretation(o)`` and ``implication(o)`` return the reading of one observation, or an
    empty text when none fits. Two observations with the same reading get one hypothesis
    whose ``reads`` lists both ranks, instead of the same sentence twice.
    """
    sections = []
    for prefix, macro in (("H", interpretation), ("I", implication)):
        merged: dict[str, list[int]] = {}
        for o in observations:
            if o["section"] != "key":
                continue
            said = one_line(macro(o))
            if said:
                merged.setdefault(said, []).append(o["rank"])
        sections.append([{"id": f"{prefix}{i}", "reads": reads, "text": said}
                         for i, (said, reads) in enumerate(merged.items(), start=1)])
    return sections[0], sections[1]
