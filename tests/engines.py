"""The three site engines the example site must build with: MkDocs 1.6, ProperDocs, Zensical.

MkDocs is the main environment's. ProperDocs and Zensical each get their own virtual
environment under ``.engines/`` in the checkout, made on first use from the
requirements in pyproject.toml's ``properdocs`` and ``zensical`` extras, so neither
can change the ``mkdocs`` the rest of the suite imports. ProperDocs' environment
sees the main site-packages (Material, and this package through PYTHONPATH or the
editable install); Zensical's is isolated, since it runs no plugins anyway.

``python3 tests/engines.py`` makes both up front (tests/run does).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / ".engines"
ENGINES = ("mkdocs", "properdocs", "zensical")
TOOLS = ("properdocs", "zensical", "jupyterlab")
"""What gets an environment of its own under .engines/ (JupyterLab too: see pyproject.toml)."""


class EngineUnavailable(Exception):
    pass


def requirements(extra: str) -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"]["optional-dependencies"][extra])


def executable(engine: str) -> list[str]:
    """The command that runs ``engine``, making its environment first if needed."""
    if engine == "mkdocs":
        return [sys.executable, "-m", "mkdocs"]
    venv = HOME / engine
    program = venv / "bin" / ("jupyter-lab" if engine == "jupyterlab" else engine)
    HOME.mkdir(exist_ok=True)
    with open(HOME / f".{engine}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test processes must not build one venv at once
        if not program.is_file():
            _make(venv, engine)
    return [str(program)]


def _make(venv: Path, engine: str) -> None:
    args = [sys.executable, "-m", "venv", str(venv)]
    if engine in ("properdocs", "jupyterlab"):  # they run this package's code: see the main site-packages
        args.insert(3, "--system-site-packages")
    try:
        subprocess.run(args, check=True, capture_output=True, text=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                        *requirements(engine)], check=True, capture_output=True, text=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        raise EngineUnavailable(f"could not install {engine} into {venv}: {detail.strip()[-500:]}") from None


def env() -> dict[str, str]:
    """The environment for an engine's process: this checkout first on the path, no MkDocs 2 banner."""
    path = os.pathsep.join(p for p in [str(ROOT), os.environ.get("PYTHONPATH", "")] if p)
    return {**os.environ, "PYTHONPATH": path, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def build_site(engine: str, config_file: Path, site_dir: Path) -> Path:
    """Build the project of ``config_file`` with ``engine``, strict, into ``site_dir``.

    MkDocs and ProperDocs run the plugin. Zensical runs no plugins, so the reports
    are first written into the docs folder by ``attention-report site --config``,
    the nav fragment it writes replaces the ``Reports: reports/index.md`` entry
    of an explicit nav, and ``check-site`` then confirms every page arrived.
    """
    import yaml

    from generator.publish.assets import ASSET_URI, CSS_URI

    config_file = Path(config_file)
    if engine in ("mkdocs", "properdocs"):
        _run([*executable(engine), "build", "--strict", "-f", str(config_file), "-d", str(site_dir)], config_file)
        return site_dir
    _run([sys.executable, "-m", "generator.cli", "site", "--config", str(config_file)], config_file)
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    docs = config_file.parent / config.get("docs_dir", "docs")
    fragment = yaml.safe_load((docs / "reports" / "nav.yml").read_text(encoding="utf-8"))
    if "nav" in config:
        config["nav"] = [fragment[0] if item == {"Reports": "reports/index.md"} else item for item in config["nav"]]
    for key, uri in (("extra_javascript", ASSET_URI), ("extra_css", CSS_URI)):  # as `site` says to
        if uri not in (config.get(key) or []):
            config[key] = [*(config.get(key) or []), uri]
    config["site_dir"] = str(site_dir)
    config_file.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    _run([*executable("zensical"), "build", "--strict", "-f", str(config_file)], config_file)
    _run([sys.executable, "-m", "generator.cli", "check-site", str(site_dir)], config_file)
    return site_dir


def _run(args: list[str], config_file: Path) -> None:
    result = subprocess.run(args, cwd=config_file.parent, env=env(), capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args[:3])} failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
                             f"{result.stderr[-3000:]}")


if __name__ == "__main__":
    for name in TOOLS:
        print(name, " ".join(executable(name)))
