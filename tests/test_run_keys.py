"""Every run-cache key stays what it was: each experiment still plans, at every scale it runs at, exactly the runs
listed in tests/data/run_keys.json, so every finished run under data/runs/ is found again. The fixture was written by
tests/make_run_keys.py before the experiments were split into scales / runs / stats / registry (commit a4b9427);
the split added only the pairs of the experiments `medium` gained for issue 26 (mixup, augmentations, contrastive),
every earlier entry unchanged. A change of budget that is meant (a measured budget replacing a provisional one,
before its runs) regenerates the fixture with `python tests/make_run_keys.py`, and the diff shows what moved."""
import json, sys
from pathlib import Path
import pytest
from wsbook import experiments as ex

sys.path.insert(0, str(Path(__file__).parent))
import make_run_keys as mk

FIXTURE = json.loads(mk.FIXTURE.read_text())
NOW = mk.snapshot()

@pytest.mark.parametrize("pair", sorted(FIXTURE))
def test_every_run_is_planned_unchanged(pair):
    assert pair in NOW, f"{pair}: no longer planned"
    old, new = FIXTURE[pair], NOW[pair]
    assert len(new) == len(old), f"{pair}: {len(old)} runs before, {len(new)} now"
    for i, (a, b) in enumerate(zip(old, new)):
        assert a == b, f"{pair}: run {i} changed:\n before {a}\n now    {b}"

def test_no_unlisted_runs():
    "A scale that starts to run another experiment is listed in the fixture first (tests/make_run_keys.py)."
    assert set(NOW) == set(FIXTURE)

def test_fixture_names_the_same_runs_as_the_cache():
    "The fixture's `trains` is what `_run_key` hashes: a field the key ignores changes no entry, one it reads does."
    from dataclasses import replace
    sc = ex.get_scale("smoke")
    c = ex.arm_config(sc, "none", 0, 800, objects=500)
    same = [replace(c, epochs=c.epochs + 1), replace(c, test_curve=not c.test_curve)]
    other = [replace(c, seed=1), replace(c, steps=801), replace(c, train_objects=None)]
    t = mk.describe(c, "s")["trains"]
    assert all(mk.describe(x, "s")["trains"] == t for x in same)
    assert all(mk.describe(x, "s")["trains"] != t for x in other)

def test_medium_mixup_runs_are_scaling_runs():
    "Issue 26: the MixUp runs that coincide with the scaling experiment's at 5,000 objects are the same TrainConfig."
    m = ex.get_scale("medium")
    scaling = [c for c, _ in ex.scaling_runs(m).values()]
    mix = ex.mixup_runs(m)
    shared = [mix[v, s][0] for v in (None, "vanilla", "prealigned") for s in m.mixup.seeds]
    assert all(c in scaling for c in shared)
    assert not any(mix[v, s][0] in scaling for v in ("perm", "align") for s in m.mixup.seeds)

def test_large_budget_and_store_unchanged():
    "The lead's `large` store (fitting now) and its step-budget runs: the same tag and configs as when they started."
    assert ex.store_spec("large").tag == "fmnist-paper-s500-v1-n16000_1000_2000"
    assert [r["trains"] for r in NOW["large/budget"]] == [r["trains"] for r in FIXTURE["large/budget"]]
