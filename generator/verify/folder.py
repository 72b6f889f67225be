"""``attention-report verify REPORT_DIR``: re-check published reports from their downloads.

A report folder holds, per dataset, ``<slug>.findings.json`` and the data file as it
was read (``<slug>.data.<suffix>``), and for a build's output also the page
``<slug>.md``. Every findings file found is checked: the data's SHA-256 against the
one recorded, then each claim against the data, by the same stage the build runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .page import Verdict, verify_table
from .tensor import verify_tensor

FINDINGS_SUFFIX = ".findings.json"


@dataclass(frozen=True)
class Checked:
    """One report's verdicts, and the files they came from."""

    findings: Path
    data: Path | None
    verdicts: list[Verdict]

    @property
    def failed(self) -> int:
        return sum(not v.ok for v in self.verdicts)


def verify_folder(folder: Path) -> list[Checked]:
    """Every report under ``folder`` (sorted by path), each checked against its own data file."""
    return [verify_report(path) for path in sorted(Path(folder).rglob(f"*{FINDINGS_SUFFIX}"))]


def verify_report(findings_path: Path) -> Checked:
    slug = findings_path.name[: -len(FINDINGS_SUFFIX)]
    folder = findings_path.parent
    try:
        findings = json.loads(findings_path.read_text(encoding="utf-8"))
        kind = findings["dataset"]["kind"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Checked(findings_path, None, [Verdict("findings", "read", str(findings_path), False,
                                                     f"not a readable findings file: {exc}")])
    if kind == "corpus":  # its claims are about many prompt files, which a report folder does not hold
        return Checked(findings_path, None, [Verdict(
            "findings", "corpus", f"{len(findings.get('observations', []))} corpus claims", True,
            "not re-checked from downloads: the build re-derives corpus claims from every prompt file "
            "(generator/verify/corpus.py)", skipped=True)])
    data = sorted(p for p in folder.glob(f"{slug}.data.*") if p.is_file())
    if len(data) != 1:
        reason = "no data file" if not data else f"{len(data)} data files"
        return Checked(findings_path, None, [Verdict("data", "read", f"{slug}.data.*", False,
                                                     f"{reason} next to the findings")])
    page = folder / f"{slug}.md"
    markdown = page.read_text(encoding="utf-8") if page.is_file() else None
    raw = data[0].read_bytes()
    check = VERIFIERS.get(kind)
    if check is None:
        return Checked(findings_path, data[0], [Verdict("findings", "kind", kind, False,
                                                        f"no verify stage for datasets of kind {kind!r}")])
    return Checked(findings_path, data[0], check(raw, data[0].suffix, findings, markdown))


#: The verify function of each dataset kind (findings ``dataset.kind``).
VERIFIERS = {"numeric": verify_table, "categorical": verify_table, "tensor": verify_tensor}
