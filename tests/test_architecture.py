"""The package's folders are its stages, and imports only go down (docs/architecture.md).

import-linter reads the layers contract from pyproject.toml; a module that imports
a later stage (analysis importing render, load importing analysis, verify seeing
analyse) breaks the contract and this test. It runs in its own process: the linter
reconfigures logging, which other tests read.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))")


def test_imports_only_go_down_the_stages():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", LINT, str(ROOT / "pyproject.toml")], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def test_every_stage_folder_is_a_package_with_a_docstring():
    for stage in ("load", "analyse", "verify", "render", "output", "site", "kinds", "bench"):
        init = ROOT / "generator" / stage / "__init__.py"
        assert init.is_file(), stage
        assert init.read_text(encoding="utf-8").lstrip().startswith('"""'), f"{stage}/__init__.py says what it is"
