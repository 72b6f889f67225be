"""A real dask.distributed cluster: the same corpus built on it and on the local scheduler gives the same findings.

The test starts ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 itself and stops them
afterwards. Under CI=true it fails, rather than skips, when the cluster cannot start.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.bench.corpus_data import write_planted_corpus
from generator.cli import main

START_TIMEOUT = 60


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"dask cluster unavailable under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(address, processes): a scheduler and two single-threaded workers, stopped at the end."""
    dask = shutil.which("dask") or None
    command = [dask] if dask else [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    if dask is None:
        _unavailable("the `dask` command is not installed (pip install distributed)")
    folder = tmp_path_factory.mktemp("cluster")
    scheduler_file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                       os.environ.get("PYTHONPATH", "")])}
    log = (folder / "scheduler.log").open("wb")
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(scheduler_file)], env=env, stdout=log, stderr=log)]
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not scheduler_file.is_file() and time.monotonic() < deadline and procs[0].poll() is None:
            time.sleep(0.1)
        if not scheduler_file.is_file():
            _unavailable(f"the scheduler did not start: {(folder / 'scheduler.log').read_text(errors='replace')[-500:]}")
        address = json.loads(scheduler_file.read_text())["address"]
        for n in range(2):
            wlog = (folder / f"worker-{n}.log").open("wb")
            procs.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                           "--no-dashboard", "--host", "127.0.0.1", "--memory-limit", "2GB",
                                           "--name", f"test-worker-{n}"], env=env, stdout=wlog, stderr=wlog))
        from distributed import Client

        with Client(address, timeout=START_TIMEOUT) as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT)
            assert len(client.scheduler_info()["workers"]) == 2
        yield address, procs
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _findings(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.findings.json").read_text(encoding="utf-8"))


def test_the_cluster_and_the_local_scheduler_give_identical_findings(cluster, tmp_path, capsys):
    address, procs = cluster
    corpus = write_planted_corpus(tmp_path / "planted", prompts=24, seed=3)
    assert main(["build", str(corpus), "--out", str(tmp_path / "local")]) == 0
    assert main(["build", str(corpus), "--out", str(tmp_path / "cluster"), "--scheduler", address]) == 0
    local, remote = _findings(tmp_path / "local", "planted"), _findings(tmp_path / "cluster", "planted")
    assert local == remote
    assert any(o["kind"] == "corpus_head_role" for o in local["observations"])
    # byte-identical outputs, Parquet table included
    for name in ("planted.md", "planted.findings.json", "planted.prompts.parquet"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "cluster" / name).read_bytes(), name
    # the work really ran on the cluster's workers
    from distributed import Client

    with Client(address) as client:
        logs = client.get_worker_logs()
        processed = client.run(lambda dask_worker: len(dask_worker.data) + len(dask_worker.state.log))
    assert len(logs) == 2 and all(n > 0 for n in processed.values())
    assert all(p.poll() is None for p in procs), "a cluster process died during the build"


def test_the_environment_variable_selects_the_cluster(cluster, tmp_path, monkeypatch):
    address, _ = cluster
    corpus = write_planted_corpus(tmp_path / "planted", prompts=8, seed=4)
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
    import dask

    dask.config.refresh()
    try:
        assert main(["build", str(corpus), "--out", str(tmp_path / "env")]) == 0
    finally:
        monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
        dask.config.refresh()
    assert main(["build", str(corpus), "--out", str(tmp_path / "local")]) == 0
    assert _findings(tmp_path / "env", "planted") == _findings(tmp_path / "local", "planted")


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys):
    corpus = write_planted_corpus(tmp_path / "planted", prompts=2, seed=5)
    assert main(["build", str(corpus), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Dask scheduler" in err[0] and "tcp://127.0.0.1:9" in err[0]
    assert not (tmp_path / "out").exists()
