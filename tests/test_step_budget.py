"""scripts/step_budget.py: the runs it measures are the experiments' own runs (so the chosen budget's runs are reused),
and its contrastive rule picks the smallest step count within a point of the best."""
import sys
from pathlib import Path
from wsbook import experiments as ex

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
import step_budget as sb

def test_contrastive_rule_picks_the_smallest_step_count_near_the_best():
    res = {"500": {"val_acc": [0.30, 0.32]}, "1000": {"val_acc": [0.36, 0.36]}, "2000": {"val_acc": [0.37, 0.365]},
           "4000": {"val_acc": [0.36, 0.35]}}
    assert sb.contrastive_budget(res) == 1000            # 36.0 is within 1 point of the best, 36.75
    assert sb.contrastive_budget(res, tol=0.001) == 2000

def test_contrastive_measurement_runs_are_the_experiments_baseline():
    sc = ex.get_scale("medium")
    runs = dict(((n, c.seed), c) for n, c in sb.contrastive_configs(sc, [500, sc.contrastive.steps], [0, 1]))
    base = ex.contrastive_runs(sc)
    for s in (0, 1): assert runs[sc.contrastive.steps, s] == base[sb.BASELINE, s][0]
    assert runs[500, 0].aug == "gaussian_noise" and runs[500, 0].probe_objects == 1000

def test_budget_settings_of_large_and_medium():
    "large: its baseline at 16,000 objects only; medium: 5,000 only (the augmentation table runs on the scaling budget)."
    assert [n for n, *_ in sb.settings(ex.get_scale("large"))] == ["dws_wsbook/16000"]
    assert [n for n, *_ in sb.settings(ex.get_scale("medium"))] == ["dws_wsbook/5000"]
    assert [n for n, *_ in sb.settings(ex.get_scale("smoke"))] == ["dws_wsbook/250", "dws_wsbook/500"]
