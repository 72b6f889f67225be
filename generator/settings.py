"""Every threshold, colour and rule the generator uses, in one object that travels with the output.

A report is only reproducible if a reader knows the exact settings that made it,
so :class:`Settings` is written into every findings file and can be rebuilt from
that dictionary (``Settings.from_dict(findings["settings"])``). Users override
any field from a sidecar (``settings:`` key), the CLI (``--set key=value``) or the
MkDocs plugin config; unknown keys are errors, not silently ignored.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from generator.errors import InputError

#: Default colours of the levels: blue and vermilion (told apart with any colour vision), each at
#: least 3:1 against Material's light and dark page; Neutral is the page itself (white, or the dark
#: scheme's background: the charts swap it).
DEFAULT_COLOURS = {
    "High": "#3b82c4",
    "Low": "#d55e00",
    "Neutral": "#ffffff",
    "Positive": "#3b82c4",
    "Negative": "#d55e00",
}


LEVEL_RULES = ("thirds", "thresholds", "quantiles")


def _src(text: str) -> dict:
    return {"source": text}


@dataclass(frozen=True)
class HeadThresholds:
    """Every cut-off used to name a head; the ``source`` metadata cites each default."""

    positional_min: float = field(default=0.5, metadata=_src(
        "Clark et al. 2019, What Does BERT Look At? (positional heads: >= 50% on the previous/next token)"))
    sink_min: float = field(default=0.3, metadata=_src(
        "Gu et al. 2025, When Attention Sink Emerges in Language Models (sink head: importance_0 > 0.3)"))
    special_min: float = field(default=0.6, metadata=_src(
        "Clark et al. 2019 (heads putting >= 60% on [CLS]/[SEP])"))
    special_tokens: tuple[str, ...] = field(default=(
        "[CLS]", "[SEP]", "<s>", "</s>", "<bos>", "<eos>", "<|endoftext|>", "<|begin_of_text|>",
    ), metadata=_src("Clark et al. 2019 ([CLS], [SEP]); Xiao et al. 2023, StreamingLLM (first token)"))
    causal_skip_rows: int = field(default=1, metadata=_src(
        "Gu et al. 2025 code: on causal maps skip the first row(s), where A[0, 0] = 1 by construction"))
    sink_min_rows: float = field(default=0.5, metadata=_src(
        "ours: a key seen by fewer than this share of query rows (late keys of a causal map) cannot be a sink"))
    sink_min_top_rows: float = field(default=0.5, metadata=_src(
        "ours: a sink's key must also be the top (largest) key of at least this share of the query rows that see it "
        "(for the special-token route, a special token must be the top key), so that a sink head parks most of "
        "its queries there; a half keeps every example sink head whose key is top in most rows (MiniLM's [CLS] "
        "heads, the planted <bos> sinks, all at 0.5-1.0) and drops the split heads of issue 10 (top key of 10 "
        "of 46 rows)"))
    broad_min: float = field(default=0.7, metadata=_src(
        "Clark et al. 2019 (broad heads ~3.8 nats on <= 128 tokens, i.e. ~0.78 of ln 128); "
        "ours: rounded down to 0.7 of ln(T)"))
    entropy_smoothing: float = field(default=1e-4, metadata=_src(
        "Clark et al. 2019 notebook: entropy of 0.9999 * A + 0.0001 / T"))
    block_min: float = field(default=0.7, metadata=_src(
        "ours: Kovaleva et al. 2019 name 'block' maps but publish no threshold"))
    block_lift: float = field(default=0.3, metadata=_src(
        "ours: block mass must beat uniform attention over visible keys by this much"))
    segment_delimiters: tuple[str, ...] = field(default=(
        "[SEP]", "</s>", ".", "!", "?", "。",
    ), metadata=_src("Clark et al. 2019 and Kovaleva et al. 2019 (segments and sentences)"))
    duplicate_min: float = field(default=0.5, metadata=_src(
        "ours; scored as in TransformerLens head_detector, sum(A*P)/sum(A) (no threshold published)"))
    induction_min: float = field(default=0.5, metadata=_src(
        "ours; Olsson et al. 2022 pattern, scored as in TransformerLens head_detector"))
    repeat_min_rows: int = field(default=8, metadata=_src(
        "ours: fewer query rows with an earlier occurrence than this and no duplicate/induction claim is made"))
    map_diagonal_min: float = field(default=0.3, metadata=_src(
        "ours: Kovaleva et al. 2019 map types have no numeric rule; diagonal share for a 'diagonal' map"))
    similar_max_distance: float = field(default=0.3, metadata=_src(
        "ours: Clark et al. 2019 compare heads by Jensen-Shannon divergence without a cut-off; "
        "on MiniLM the closest broad heads sit at 0.27-0.30"))
    causal_tolerance: float = field(default=1e-6, metadata=_src(
        "ours: a map is causal when every entry above the diagonal is at most this"))
    partial_min_rows: int = field(default=8, metadata=_src(
        "ours: a positional pattern held only over part of the queries is reported when it holds on at least "
        "this many consecutive query rows (and a quarter of them), each at >= positional_min"))
    partial_max_share: float = field(default=0.9, metadata=_src(
        "ours: ... and on at most this share of the rows (else it holds over the whole sequence)"))


@dataclass(frozen=True)
class LevelRule:
    """How numeric cells become named levels (categorical data keeps its own).

    ``thirds`` (default): split the value range into thirds. Unsigned data gets
    Low / Neutral / High; signed data (both signs present) is split around zero by
    a third of the largest magnitude into Negative / Neutral / Positive.
    ``thresholds``: cells >= ``high`` are High, cells <= ``low`` are Low.
    ``quantiles``: like thresholds, with ``high`` and ``low`` read as quantiles
    of the finite values (e.g. 0.8 and 0.2).
    """

    rule: str = "thirds"
    high: float | None = None
    low: float | None = None
    names: tuple[str, ...] = ()
    """Three level names (high, middle, low) instead of High/Neutral/Low (or Positive/Neutral/Negative),
    e.g. ``[retrieval, mixed, streaming]`` for DuoAttention gates: the sentences then use them."""


@dataclass(frozen=True)
class AnalysisSettings:
    """Thresholds for the observations; each is named in the report where it is used."""

    similar_min: float = 0.9
    """Rows are *similar* at Pearson r (numeric) or level agreement (categorical) >= this."""
    similar_max_pairs: int = 10
    periodic_max_period: int = 12
    periodic_exclusive_only: bool = True
    """Report a period only when the level occurs on that period and nowhere else in the rows:
    a level that merely includes every k-th column is too often chance."""
    periodic_min_support: int = 3
    """A periodic pattern must cover at least this many columns to be reported."""
    gaps_max_share: float = 0.5
    """Axis gaps are reported only if at most this share of the progression is missing."""
    level_runs_max_rows: int = 20
    """Above this many distinct rows, per-row level runs are left out of Key Observations."""
    max_listed_cells: int = 50
    """Longer lists (missing cells, extreme cells) are cut in the text, never in the findings."""
    rare_max_share: float = 0.2
    """A level held by at most this share of the cells with a value is *rare*: its cells are listed."""
    region_min_cells: int = 2
    """A region (connected block of a strong level) needs at least this many cells."""
    max_regions: int = 5
    profile_max_share: float = 0.5
    """A row's (or column's) strong cells form a *profile* when they are at most this share of it."""
    trend_min_rho: float = 0.9
    """A trend needs Spearman's |rho| of value against position at least this (each side of a turn)."""
    max_profiles: int = 20
    trend_min_points: int = 6
    """A monotone trend needs this many points; a rise-then-fall needs half as many (at least 4) on each side."""
    max_trends: int = 10
    concentration_share: float = 0.5
    """Concentration: the fewest largest-|value| cells holding at least this share of the total |value| ..."""
    concentration_max_cells_share: float = 0.2
    """... are reported when they are at most this share of the cells."""
    exception_max_cells: int = 3
    """A periodic rule broken by at most this many cells is reported with its exceptions."""
    exception_max_share: float = 0.1
    """... and by at most this share of the rule's cells."""


@dataclass(frozen=True)
class ReportSettings:
    """How much of what was found goes where on the page."""

    max_key_observations: int = 8
    """Key Observations lists at most this many, the highest-ranked; the rest go to Detailed Analysis."""
    key_min_score_share: float = 0.15
    """An observation scoring below this share of the top score goes to Detailed Analysis, even within the cap."""


@dataclass(frozen=True)
class ChartSettings:
    """Heatmap appearance and the size limits that keep a page small."""

    colours: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COLOURS))
    """Level colours. Numeric data is drawn on a scale through them: the colour of High (or
    Positive / Negative) at its cut point, pale tints for Neutral cells."""
    missing_colour: str = "#767676"
    """A neutral grey, unlike every level colour and tint, 3:1 against both page schemes."""
    max_chart_cells: int = 40_000
    """Above this many cells the interactive chart shows block averages (stated on the page)."""
    canvas_above_cells: int = 5_000
    """Above this many cells the chart renders to canvas instead of SVG (faster, smaller DOM)."""
    static_image: bool = True
    static_max_cells: int = 2_500
    """Above this many cells the static image shows block means coarser than the chart's (the page
    says so). The image is the page's overview, not its reading instrument (the chart and the data
    table are): a 40,000-cell image takes seconds to draw, a 10,000-cell one half a second (its
    hundred labels on each axis cost as much as its cells), a 2,500-cell one (an SVG) 0.2 s."""


@dataclass(frozen=True)
class InputSettings:
    """How tables are read, and the limit that stops a huge file before it exhausts memory."""

    row_column: str = "row"
    column_column: str = "column"
    value_column: str = "value"
    max_cells: int = 5_000_000
    max_label_chars: int = 80
    """Labels longer than this are cut in sentences (the page and the findings' ``text``);
    the label fields of the findings keep them whole."""


#: Colours of the head patterns in a tensor's overview chart.
PATTERN_COLOURS = {
    "previous_token": "#3b82c4",
    "next_token": "#2a9d8f",
    "self": "#8a63d2",
    "sink": "#d55e00",
    "broad": "#ffffff",
    "block": "#009e73",
    "duplicate_token": "#9a7b00",
    "induction": "#cc79a7",
    "heterogeneous": "#808080",
}


@dataclass(frozen=True)
class TensorSettings:
    """How attention tensors are read and drawn; head thresholds live in ``heads``."""

    row_sum_tolerance: float = 1e-3
    """Each attention row must sum to 1 within this (unless the sidecar says values: effect/other)."""
    max_elements: int = 50_000_000
    """Refuse tensors with more elements than this before loading them (50 M float32 = 200 MB)."""
    max_chart_tokens: int = 48
    """Per-head interactive heatmaps show at most this many positions a side (block means beyond)."""
    similar_max_pairs: int = 10
    pattern_colours: dict[str, str] = field(default_factory=lambda: dict(PATTERN_COLOURS))
    full_image: bool = True
    """Write a full-resolution PNG of each layer's heads (linked from the page, not loaded by it)."""
    explorer: bool = True
    """Give each layer page a head explorer: one head at full token resolution, its data (uint8,
    one small file per head) loaded only when the reader chooses that head."""


@dataclass(frozen=True)
class CorpusSettings:
    """When a head's role across a corpus of prompts counts as consistent, prompt-dependent, or tied to a factor."""

    consistent_min: float = 0.9
    """A head holds a role consistently when it meets the rule on at least this share of prompts."""
    dependent_min: float = 0.1
    """Below ``consistent_min`` but on at least this share of prompts, a focused role is prompt-dependent."""
    interval: float = 0.9
    """The central share of prompts whose score range is reported (0.9: the 5th to 95th percentile)."""
    repeated_min_share: float = 0.25
    """A prompt repeats itself when at least this share of its positions continue a bigram seen earlier in it."""
    factor_min_difference: float = 0.5
    """Repetition explains a head when the share of prompts meeting its rule differs by this much between
    repeated and other prompts."""
    length_min_correlation: float = 0.5
    """Length explains a head when |Spearman correlation| of its score with prompt length is at least this."""
    length_min_prompts: int = 8
    """Fewer prompts defining the score than this and no length claim is made."""


@dataclass(frozen=True)
class VerifySettings:
    """What the verify stage does with a printed claim that fails its independent check."""

    strict: bool = False
    """Off: the claim is left out and counted in the findings' ``rejected``. On: the build fails,
    naming the claim. The test suite turns it on (environment variable ``ATTENTION_REPORT_VERIFY_STRICT=1``)."""


#: The environment variable that turns ``verify.strict`` on for every build of a process (the tests set it).
STRICT_ENVIRONMENT = "ATTENTION_REPORT_VERIFY_STRICT"


@dataclass(frozen=True)
class Settings:
    levels: LevelRule = field(default_factory=LevelRule)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    chart: ChartSettings = field(default_factory=ChartSettings)
    input: InputSettings = field(default_factory=InputSettings)
    tensor: TensorSettings = field(default_factory=TensorSettings)
    heads: HeadThresholds = field(default_factory=HeadThresholds)
    report: ReportSettings = field(default_factory=ReportSettings)
    corpus: CorpusSettings = field(default_factory=CorpusSettings)
    verify: VerifySettings = field(default_factory=VerifySettings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, *, source: str = "settings") -> "Settings":
        return cls().with_overrides(data or {}, source=source)

    def with_overrides(self, overrides: dict[str, Any], *, source: str = "settings") -> "Settings":
        """Return a copy with ``overrides`` (a nested dict) applied, checking every key and type."""
        merged = _merge(self, overrides, source, prefix="")
        names = merged.levels.names
        if names and (len(names) != 3 or len(set(names)) != 3 or not all(n.strip() for n in names)):
            raise InputError.at(source, "key 'levels.names'", f"expected three different names, got {list(names)!r}")
        if merged.levels.rule not in LEVEL_RULES:
            raise InputError.at(source, "key 'levels.rule'",
                                f"unknown rule {merged.levels.rule!r}; use {', '.join(LEVEL_RULES)}")
        return merged


def parse_assignment(text: str) -> dict[str, Any]:
    """Turn ``analysis.similar_min=0.8`` (the CLI's ``--set``) into a nested override dict."""
    import yaml

    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise InputError.at("--set", text, "expected KEY=VALUE, e.g. analysis.similar_min=0.8")
    if raw.strip().startswith("#"):
        value: Any = raw.strip()  # a colour such as #805ad5, not a YAML comment
    else:
        value = yaml.safe_load(raw) if raw.strip() else None
    nested: dict[str, Any] = {}
    cursor = nested
    parts = key.strip().split(".")
    for part in parts[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[parts[-1]] = value
    return nested


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge nested override dicts; later sources win key by key."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _merge(obj: Any, overrides: dict[str, Any], source: str, prefix: str) -> Any:
    if not isinstance(overrides, dict):
        raise InputError.at(source, f"key '{prefix.rstrip('.') or 'settings'}'", "expected a mapping")
    known = {f.name: f for f in fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        place = f"key '{prefix}{key}'"
        if key not in known:
            raise InputError.at(source, place, f"unknown setting; known: {', '.join(sorted(known))}")
        current = getattr(obj, key)
        if hasattr(current, "__dataclass_fields__"):
            changes[key] = _merge(current, value, source, prefix=f"{prefix}{key}.")
        else:
            changes[key] = _coerce(current, value, source, place)
    return replace(obj, **changes)


#: Settings whose value must be at least this: 0 or less would divide by zero, loop or mean nothing.
MINIMUM = {
    "max_cells": 1, "max_label_chars": 2, "max_chart_cells": 1, "static_max_cells": 1, "canvas_above_cells": 0,
    "similar_max_pairs": 0, "periodic_max_period": 2, "periodic_min_support": 1, "level_runs_max_rows": 0,
    "max_listed_cells": 1, "region_min_cells": 1, "max_regions": 0, "trend_min_points": 4, "exception_max_cells": 0, "max_profiles": 0, "max_trends": 0, "partial_min_rows": 2,
    "max_key_observations": 1,
}
#: Settings that are shares or correlations, so lie between 0 and 1.
UNIT_INTERVAL = {"similar_min", "gaps_max_share", "rare_max_share", "profile_max_share", "trend_min_rho",
                 "concentration_share", "concentration_max_cells_share", "exception_max_share",
                 "key_min_score_share", "partial_max_share"}


def _coerce(current: Any, value: Any, source: str, place: str) -> Any:
    """A value of the field's type and range, or an error naming the setting."""
    value = _coerce_type(current, value, source, place)
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError.at(source, place, f"expected a finite number, got {value!r}")
    name = place.rstrip("'").rsplit(".", 1)[-1].rsplit("'", 1)[-1]
    if name in MINIMUM and value < MINIMUM[name]:
        raise InputError.at(source, place, f"must be at least {MINIMUM[name]}, got {value!r}")
    if name in UNIT_INTERVAL and not 0 <= value <= 1:
        raise InputError.at(source, place, f"must lie between 0 and 1, got {value!r}")
    return value


def _coerce_type(current: Any, value: Any, source: str, place: str) -> Any:
    """Accept a value of the field's type (ints for floats too); refuse anything else."""
    if isinstance(current, bool) or isinstance(value, bool):
        if isinstance(current, bool) and isinstance(value, bool):
            return value
    elif isinstance(current, float) or (current is None and isinstance(value, (int, float))):
        if isinstance(value, (int, float)):
            return float(value)
    elif isinstance(current, int):
        if isinstance(value, int):
            return value
    elif isinstance(current, str):
        if isinstance(value, str):
            return value
    elif isinstance(current, tuple):
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
    elif isinstance(current, dict):
        if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            return {**current, **value}
    if current is None and value is None:
        return None
    expected = "a number" if current is None else type(current).__name__
    raise InputError.at(source, place, f"expected {expected}, got {value!r}")


def base_settings(environ: dict[str, str] | None = None) -> Settings:
    """The defaults every build starts from: :class:`Settings`, with ``verify.strict`` on when the
    environment asks (``ATTENTION_REPORT_VERIFY_STRICT=1``). The value used is recorded in the findings."""
    import os

    environ = os.environ if environ is None else environ
    if environ.get(STRICT_ENVIRONMENT, "") not in ("", "0"):
        return Settings(verify=VerifySettings(strict=True))
    return Settings()
