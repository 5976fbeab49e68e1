"""scripts/partner_pool.py: its `none` and `all_views` runs are the scaling experiment's own runs (found again by
`wsbook reproduce`), and its `batch` runs differ from them in the MixUp partner pool alone."""
import sys
from dataclasses import replace
from pathlib import Path
from wsbook import experiments as ex

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
import partner_pool as pp

def test_partner_pool_runs_are_the_scaling_experiments_own():
    sc = ex.get_scale("medium")
    arms = ["mixup_vanilla", "mixup_prealigned"]
    runs = pp.configs(sc, 1600, arms, "auto")
    plan = {k: c for k, (c, _) in ex.REGISTRY["scaling"].plan(sc).items()}
    assert len(runs) == len(sc.scaling.seeds) * (1 + 2 * len(arms))
    for s in sc.scaling.seeds:
        assert runs["none", "-", s] == plan[1600, "none", s]
        for a in arms:
            assert runs[a, "all_views", s] == plan[1600, a, s]
            assert runs[a, "batch", s] == replace(plan[1600, a, s], mixup_partner="batch") != plan[1600, a, s]
