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
    # $WSBOOK_TEST_TINY: a folder to run it in and keep (its INR stores and finished runs are reused, the notebooks rerun)
    root = Path(os.environ["WSBOOK_TEST_TINY"]) if os.environ.get("WSBOOK_TEST_TINY") else tmp_path_factory.mktemp("tiny")
    r = subprocess.run(wsbook_cmd() + ["reproduce", "--scale", "tiny", "--root", str(root), "--device", "cpu"],
                       capture_output=True, text=True, timeout=2400)
    assert r.returncode == 0, f"wsbook reproduce --scale tiny failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return root

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's `browser` is Debian's Chromium, launched as `wsbook site --check` launches it
    (`wsbook.browser.launch_args`): one browser client for every browser test, never a downloaded browser."""
    from wsbook.browser import find_chromium, launch_args
    if not find_chromium(): pytest.skip("chromium is not installed (`make browser`, or apt-get install chromium)")
    return {**browser_type_launch_args, **launch_args()}
