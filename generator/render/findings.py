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
