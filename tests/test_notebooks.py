"""Every numbered notebook in nbs/ runs top to bottom through nbdev's own test runner (`nbdev.test.test_nb`,
what `nbdev-test` runs), with the project's skip flags (`slow`, `gpu`, `notest`), one pytest test per
notebook. Experiment notebooks are papermill notebooks and are run by the reproduction tests instead."""
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev import test as nbtest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith("_"))

@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook(nb):
    flags = get_config(ROOT).tst_flags.split()
    ok, secs = nbtest.test_nb(nb, skip_flags=flags, basepath=ROOT, cell_timeout=900)
    assert ok, f"{nb.name} failed (see the traceback above)"
