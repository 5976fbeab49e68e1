import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture(scope="session")
def root(): return ROOT

def wsbook_cmd():
    "The `wsbook` console script of the interpreter running the tests."
    exe = Path(sys.executable).with_name("wsbook")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "wsbook.cli"]

@pytest.fixture(scope="session")
def tiny_reproduction(tmp_path_factory):
    "A whole `wsbook reproduce --scale tiny` run (data, runs, results), shared by the tests that read it."
    import subprocess
    root = tmp_path_factory.mktemp("tiny")
    r = subprocess.run(wsbook_cmd() + ["reproduce", "--scale", "tiny", "--root", str(root), "--device", "cpu"],
                       capture_output=True, text=True, timeout=2400)
    assert r.returncode == 0, f"wsbook reproduce --scale tiny failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return root
