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
