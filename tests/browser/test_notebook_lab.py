"""A report in JupyterLab, run by a person's keystrokes in Chromium, with nothing fetched from outside.

JupyterLab (the ``jupyterlab`` extra, in its own environment: tests/engines.py) is started on loopback with no token, in a
throw-away Jupyter home; the notebook's two cells display ``r`` and ``r.chart``.
The chart must show (JupyterLab 4.6 has no Vega-Lite 6 renderer, so it shows the
SVG fallback), the report must show as a report (its headings, not its front
matter), and the ``recorder`` fixture fails the test on any request off loopback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "docs/datasets/seed-mlp-att.csv"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path, chromium_ready):
    import nbformat

    sys.path.insert(0, str(REPO / "tests"))
    from engines import EngineUnavailable, executable

    try:
        lab = executable("jupyterlab")
    except EngineUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(str(error))
        pytest.skip(str(error))
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(f"from generator import report\nr = report({str(SEED)!r})\nr"),
                      nbformat.v4.new_code_cell("r.chart")]
    nbformat.write(notebook, tmp_path / "report.ipynb")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "IPYTHONDIR": str(tmp_path / "ipython")}
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(
        [*lab, "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root",
         "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         f"--ServerApp.root_dir={tmp_path}"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text()[-3000:])
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/lab/tree/report.ipynb"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_a_report_and_its_chart_display_in_jupyterlab_offline(jupyterlab, new_page, recorder):
    page = new_page()
    page.goto(jupyterlab, wait_until="load")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=90_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    outputs = page.locator(".jp-OutputArea-output")
    try:
        page.wait_for_function(
            "() => document.querySelectorAll('.jp-RenderedSVG img, .jp-RenderedSVG svg').length >= 2", timeout=120_000)
    except Exception:
        page.screenshot(path=str(Path(os.environ.get("AR_LAB_SHOT", "/tmp")) / "jupyterlab-failure.png"))
        raise
    markdown = page.locator(".jp-RenderedMarkdown").first
    assert markdown.locator("h1").first.inner_text().startswith("Attention Distribution")
    assert markdown.locator("h2", has_text="Key Observations").count() == 1
    assert "title:" not in markdown.inner_text()
    assert outputs.locator("text=Error loading").count() == 0
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert recorder.dialogs == []
