"""Nothing lost, nothing written astray, the same bytes every time.

* no name, label or setting makes the generator write outside its output folder,
  and datasets whose slugs collide get distinct pages;
* a build killed with SIGKILL mid-write leaves the previous output byte-for-byte,
  and the next build recovers;
* two builds of the same inputs, in separate processes with different hash seeds,
  give identical bytes in every file (static SVG and PNG included).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import EXAMPLES, REPO

from generator import __version__
from generator.output.bundle import ReportBundle
from generator.output.writer import OutputError, write_output

GOOD = "component,1,2,3\nMLP,High,Low,High\nATT,High,Low,High\n"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- paths ------------------------------------------------------------------------------


def test_no_name_label_or_setting_writes_outside_the_output_folder(run_cli, tmp_path):
    data = tmp_path / "deep" / "data"
    (data / "sub").mkdir(parents=True)
    (data / "..%2F..%2Fx.csv").write_text(GOOD)
    (data / "..csv").write_text(GOOD)
    (data / "-rf .csv").write_text(GOOD)
    (data / "con.csv").write_text(GOOD)
    (data / "labels.csv").write_text("c,../../x,/etc/passwd,..\\..\\y\n../up,High,Low,High\n/abs,Low,High,Low\n")
    (data / "sub" / "title.csv").write_text(GOOD)
    (data / "sub" / "title.yml").write_text("title: ../../../escaped\naxes: {rows: ../r, columns: /c}\n")
    out = tmp_path / "deep" / "out"
    before = _tree(tmp_path)
    # names starting with a dot are skipped when a folder is expanded, so every file is named
    files = sorted(p for p in data.rglob("*.csv"))
    result = run_cli("build", *files, "--out", out, "--templates", tmp_path / "deep")
    assert result.code == 0, result.err
    after = _tree(tmp_path)
    added = sorted(set(after) - set(before))
    assert added and all(name.startswith("deep/out/") and name.count("/") == 2 for name in added), added
    assert {k: after[k] for k in before} == before
    manifest = json.loads((out / ".attention-report.json").read_text())
    assert len(manifest["reports"]) == 6
    assert len({r["slug"] for r in manifest["reports"]}) == 6


def test_colliding_slugs_get_distinct_pages(run_cli, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    for path in (one / "a b.csv", one / "a-b.csv", one / "A_B.csv", one / "same.csv", two / "same.csv", one / "a-b-2.csv"):
        path.write_text(GOOD.replace("MLP", path.stem))
    out = tmp_path / "out"
    result = run_cli("build", one, two, "--out", out)
    assert result.code == 0, result.err
    reports = json.loads((out / ".attention-report.json").read_text())["reports"]
    slugs = [r["slug"] for r in reports]
    assert len(reports) == 6 and len(set(slugs)) == 6
    for report in reports:  # each page is its own dataset's
        findings = json.loads((out / f"{report['slug']}.findings.json").read_text())
        assert findings["dataset"]["source"] == report["source"]
        assert findings["rows"][0] == Path(report["source"]).stem


def test_bundles_and_the_writer_refuse_names_with_folders(tmp_path):
    for name in ("../x.md", "a/b.md", "..", "/etc/x"):
        with pytest.raises(ValueError):
            ReportBundle(slug="x", title="x", source="x", files={name: b""})
    bundle = ReportBundle(slug="x", title="x", source="x", files={"x.md": b"1"})
    object.__setattr__(bundle, "files", {"../escaped.md": b"1"})  # past the constructor's check
    with pytest.raises(OutputError):
        write_output(tmp_path / "out", [bundle])
    assert not (tmp_path / "escaped.md").exists() and not (tmp_path / "out").exists()


# --- atomic output ----------------------------------------------------------------------


def _small_datasets(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    for i in range(count):
        rows = ["c," + ",".join(str(c) for c in range(24))]
        rows += [f"r{r}," + ",".join(f"{v:.3f}" for v in rng.random(24)) for r in range(12)]
        (folder / f"d{i:03d}.csv").write_text("\n".join(rows) + "\n")


def _cli(*args: str, **env: str) -> list[str]:
    return [sys.executable, "-m", "generator.cli", *args]


def test_a_build_killed_mid_write_leaves_the_previous_output_intact(tmp_path):
    out = tmp_path / "out"
    previous = tmp_path / "previous"
    previous.mkdir()
    for name in ("a", "b", "c"):
        (previous / f"{name}.csv").write_text(GOOD.replace("MLP", name))
    subprocess.run(_cli("build", str(previous), "--out", str(out)), check=True, capture_output=True)
    before = _tree(out)
    data = tmp_path / "many"
    _small_datasets(data, 200)
    killed = False
    for _ in range(5):  # the write phase is short; retry if the build outran the poll
        proc = subprocess.Popen(_cli("build", str(data), "--out", str(out)), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        while proc.poll() is None:
            if any(p.name.startswith(".out.tmp-") for p in tmp_path.iterdir()):
                os.kill(proc.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.0005)
        proc.wait()
        if killed:
            break
        # it finished: that output is now "the previous one"; rebuild the old one and go again
        subprocess.run(_cli("build", str(previous), "--out", str(out)), check=True, capture_output=True)
    assert killed, "never caught the build while it was writing"
    assert _tree(out) == before  # complete, byte for byte
    assert any(p.name.startswith(".out.tmp-") for p in tmp_path.iterdir())  # the kill left its staging folder
    result = subprocess.run(_cli("build", str(data), "--out", str(out)), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many", "out", "previous"]  # stale staging removed
    assert len(json.loads((out / ".attention-report.json").read_text())["reports"]) == 200


def test_a_kill_between_the_two_renames_is_recovered_even_by_a_failing_build(run_cli, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", _write(tmp_path, "good.csv", GOOD), "--out", out).code == 0
    before = _tree(out)
    os.rename(out, tmp_path / ".out.old")  # the state after the first rename
    (tmp_path / ".out.tmp-stale").mkdir()
    (tmp_path / ".out.tmp-stale" / "half.md").write_text("half")
    result = run_cli("build", _write(tmp_path, "bad.csv", ""), "--out", out)
    assert result.code == 2
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "good.csv", "out"]


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


# --- reproducible ------------------------------------------------------------------------


def _reproducible_inputs(folder: Path) -> list[Path]:
    shutil.copytree(EXAMPLES, folder / "examples")
    rng = np.random.default_rng(7)
    big = folder / "big.csv"  # past canvas_above_cells: a PNG, not an SVG
    big.write_text("q," + ",".join(map(str, range(90))) + "\n" + "".join(
        f"t{r}," + ",".join(f"{v:.4f}" for v in rng.random(90)) + "\n" for r in range(90)))
    return [folder / "examples", big]


def test_two_processes_build_the_same_bytes(tmp_path):
    inputs = _reproducible_inputs(tmp_path / "in")
    runs = []
    for seed, epoch in (("1", "0"), ("4242", "1700000000")):
        out = tmp_path / f"out-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": epoch}
        runs.append((subprocess.Popen(_cli("build", *map(str, inputs), "--out", str(out)), env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path), out))
    trees = []
    for proc, out in runs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()
        trees.append(_tree(out))
    first, second = trees
    assert sorted(first) == sorted(second)
    assert any(n.endswith(".png") for n in first) and any(n.endswith(".svg") for n in first)
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_findings_record_input_hash_version_and_every_setting(run_cli, tmp_path):
    from generator.settings import Settings

    data = _write(tmp_path, "m.csv", GOOD)
    out = tmp_path / "out"
    assert run_cli("build", data, "--out", out, "--set", "analysis.similar_min=0.8").code == 0
    findings = json.loads((out / "m.findings.json").read_text())
    assert findings["dataset"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert findings["generator"] == {"name": "attention-report", "version": __version__}
    recorded = findings["settings"]
    rebuilt = json.loads(json.dumps(Settings.from_dict(recorded).to_dict()))
    assert rebuilt == recorded  # every setting, and enough to rebuild them
    assert set(recorded) == set(Settings().to_dict())
    assert recorded["analysis"]["similar_min"] == 0.8
    manifest = json.loads((out / ".attention-report.json").read_text())
    assert manifest["generator"]["version"] == __version__


def test_nothing_in_the_generator_reads_the_clock():
    """So SOURCE_DATE_EPOCH has nothing to override: no output embeds a time."""
    offenders = []
    for path in (REPO / "generator").rglob("*.py"):
        if path.name == "benchmark.py":
            continue  # measures wall time; writes no output
        source = path.read_text()
        for needle in ("datetime.now", "time.time(", "date.today", "time.strftime", "uuid."):
            if needle in source:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


def test_an_image_does_not_depend_on_what_the_process_drew_before(tmp_path):
    """vl-convert numbers SVG gradient ids per process; the generator renumbers them per image."""
    from generator.pipeline import build_bundles
    from generator.render.table_charts import stable_ids

    path = _write(tmp_path, "m.csv", "q,1,2,3\na,0.1,0.5,0.9\nb,0.3,0.2,0.7\n")
    first = build_bundles([path])[0].files["m.svg"]
    for _ in range(3):
        build_bundles([path])
    assert build_bundles([path])[0].files["m.svg"] == first
    assert b'id="gradient_0"' in first and b"url(#gradient_0)" in first
    svg = '<g id="clip_7"><path clip-path="url(#clip_7)"/><b id="gradient_9" href="#gradient_9"/></g>'
    assert stable_ids(svg) == '<g id="clip_0"><path clip-path="url(#clip_0)"/><b id="gradient_0" href="#gradient_0"/></g>'


def test_two_builds_into_one_folder_take_turns(tmp_path):
    """Concurrent builds into the same --out both finish, and the folder holds one whole output."""
    import subprocess
    import sys

    data = tmp_path / "data"
    data.mkdir()
    for i in range(30):
        (data / f"d{i}.csv").write_text("r,1,2,3\na,0.1,0.5,0.9\nb,0.3,0.2,0.1\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator.cli", "build", str(data), "--out", str(out)]
    procs = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
    assert len(list(out.glob("*.md"))) == 30
    assert not list(tmp_path.glob(".out.tmp-*")) and not (tmp_path / ".out.old").exists()
