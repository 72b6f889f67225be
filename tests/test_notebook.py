"""Reports and charts in notebooks, with no network: the display bundle, and a real nbconvert run.

The nbconvert test executes a notebook in a fresh network namespace (``unshare -n``,
loopback only, which the kernel's own sockets need), so a chart that reached for a
CDN, or a renderer that needed one, would fail or show in the outputs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import report

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "docs/datasets/seed-mlp-att.csv"
TENSOR = REPO / "docs/datasets/minilm/two-sentences.npz"
VEGALITE = "application/vnd.vegalite.v6+json"
CDN = re.compile(r"(?i)cdn\.|jsdelivr|unpkg|cdnjs|googleapis|<script")
# The only URLs a displayed chart may name: XML namespaces and the spec's $schema (never fetched).
ALLOWED_URL = re.compile(r"^https?://(www\.w3\.org/|vega\.github\.io/schema/)")


def _urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>)\\]+", text)


def test_a_chart_displays_as_vega_lite_plus_a_static_image_and_names_no_cdn():
    r = report(SEED)
    import altair as alt

    assert isinstance(r.chart, alt.Chart)  # still the Altair chart users expect
    bundle = r.chart._repr_mimebundle_()
    assert bundle[VEGALITE]["datasets"], "the spec carries its data"
    assert bundle["image/svg+xml"].lstrip().startswith("<svg")
    assert "MLP" in bundle["image/svg+xml"]
    dumped = json.dumps(bundle)
    assert not CDN.search(dumped)
    assert all(ALLOWED_URL.match(u) for u in _urls(dumped)), _urls(dumped)
    assert alt.renderers.active == "default"  # nothing global was switched


def test_a_tensor_chart_displays_too():
    bundle = report(TENSOR).chart._repr_mimebundle_()
    assert VEGALITE in bundle and ("image/svg+xml" in bundle or "image/png" in bundle)


def test_displaying_a_report_shows_the_report_not_its_front_matter():
    r = report(SEED)
    text = r._repr_mimebundle_()["text/markdown"]
    assert text.startswith("# Attention Distribution Across MLP and ATT Layers")
    assert "title:" not in text.split("\n", 1)[0] and not text.startswith("---")
    for section in ("## Overview", "## Key Observations", "## Interpretation", "## Technical Implications"):
        assert section in text
    assert "ar-spec" not in text and "ar-chart" not in text and "Downloads:" not in text
    assert r.markdown.startswith("---\n")  # the page itself is unchanged


def _network_namespace_works() -> bool:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    probe = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True)
    return probe.returncode == 0


def test_a_notebook_executes_offline_with_nbconvert_and_its_outputs_hold_the_chart(tmp_path):
    nbformat = pytest.importorskip("nbformat") if os.environ.get("CI") != "true" else __import__("nbformat")
    if not _network_namespace_works():
        message = "needs `unshare -n` (root, util-linux) to run the kernel with no network"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell(f"from generator import report\nr = report({str(SEED)!r})\nr"),
        nbformat.v4.new_code_cell("r.chart"),
    ]
    source = tmp_path / "offline.ipynb"
    nbformat.write(notebook, source)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "IPYTHONDIR": str(tmp_path / "ipython")}
    command = (f"ip link set lo up && exec {sys.executable} -m jupyter nbconvert --to notebook --execute "
               f"--ExecutePreprocessor.timeout=300 --output executed.ipynb {source}")
    result = subprocess.run(["unshare", "-n", "sh", "-c", command], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    executed = json.loads((tmp_path / "executed.ipynb").read_text(encoding="utf-8"))
    first, second = (cell["outputs"] for cell in executed["cells"])
    assert not [o for cell in executed["cells"] for o in cell["outputs"] if o["output_type"] == "error"]
    chart_outputs = [o for o in first + second if VEGALITE in o.get("data", {})]
    assert len(chart_outputs) == 2, "r and r.chart each display the chart"
    for output in chart_outputs:
        svg = "".join(output["data"]["image/svg+xml"])
        assert svg.lstrip().startswith("<svg") and "MLP" in svg
    markdown = "".join("".join(o["data"]["text/markdown"]) for o in first if "text/markdown" in o.get("data", {}))
    assert markdown.startswith("# Attention Distribution") and "## Key Observations" in markdown
    dumped = json.dumps([cell["outputs"] for cell in executed["cells"]])
    assert not CDN.search(dumped), CDN.search(dumped)
    assert all(ALLOWED_URL.match(u) for u in _urls(dumped)), [u for u in _urls(dumped) if not ALLOWED_URL.match(u)]
