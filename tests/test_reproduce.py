"""`wsbook reproduce --scale tiny` end to end: every experiment notebook runs under papermill with its
parameters, writes its figures and results, and the summary has a row per experiment; a rerun reuses
finished runs; a failing notebook stops the run with its error and keeps the finished results."""
import json
import nbformat, pytest
from wsbook import experiments as ex
from wsbook import reproduce as rp
from wsbook.data import SOURCES

def _expected():
    return [e for e in ex.EXPERIMENTS if e != "shapes3d" or "shapes3d" in SOURCES]

def test_every_experiment_ran_and_reported(tiny_reproduction):
    res = tiny_reproduction / "results"
    rows = json.loads((res / "summary.json").read_text())
    assert [r["experiment"] for r in rows] == _expected()
    for r in rows:
        assert r["ours"] and r["shows"] and r["paper"] and r["title"] == ex.TITLES[r["experiment"]]
        d = res / r["experiment"]
        assert list(d.glob("*.png")), f"{d}: no figure"
        nb = nbformat.read(d / f"{r['experiment']}.ipynb", as_version=4)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and "scale = \"tiny\"" in injected[0].source
        assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    md = (res / "summary.md").read_text()
    assert md.count("\n") == len(rows) + 2
    run = json.loads((res / "run.json").read_text())
    assert run["scale"] == "tiny" and "total_seconds" in run and run["wsbook"]

def test_rerun_reuses_finished_runs(tiny_reproduction):
    runs = sorted((tiny_reproduction / "runs" / "views").glob("*/metrics.json"))
    before = {p: p.stat().st_mtime_ns for p in runs}
    rp.reproduce("tiny", "cpu", tiny_reproduction, ["views"], progress=False)
    assert {p: p.stat().st_mtime_ns for p in runs} == before
    assert sorted((tiny_reproduction / "runs" / "views").glob("*/metrics.json")) == runs
    rows = json.loads((tiny_reproduction / "results" / "summary.json").read_text())
    assert [r["experiment"] for r in rows] == _expected(), "a partial rerun keeps every experiment in the summary"

def test_failing_notebook_stops_with_its_error_and_keeps_finished_results(tiny_reproduction, tmp_path, monkeypatch):
    import shutil
    root = tmp_path / "data"
    shutil.copytree(tiny_reproduction, root)  # leave the shared reproduction intact
    shutil.rmtree(root / "results")
    nbs, src = tmp_path / "nbs", ex.experiments_dir()
    nbs.mkdir()
    (nbs / "views.ipynb").write_text((src / "views.ipynb").read_text())
    bad = nbformat.read(ex.experiments_dir() / "generalization.ipynb", as_version=4)
    bad.cells.insert(3, nbformat.v4.new_code_cell("raise RuntimeError('deliberately broken notebook')"))
    nbformat.write(bad, nbs / "generalization.ipynb")
    monkeypatch.setattr(rp, "experiments_dir", lambda: nbs)
    with pytest.raises(RuntimeError, match="experiment generalization failed .*deliberately broken notebook"):
        rp.reproduce("tiny", "cpu", root, ["views", "generalization"], progress=False)
    assert (root / "results" / "views" / "results.json").exists()
    assert not (root / "results" / "generalization" / "results.json").exists()
    stopped = json.loads((root / "results" / "run.json").read_text())
    assert "finished" not in stopped and stopped["running"]["experiment"] == "generalization"
    # the same command, once the notebook is fixed, finishes the run and counts the first sitting's time
    (nbs / "generalization.ipynb").write_text((src / "generalization.ipynb").read_text())
    rp.reproduce("tiny", "cpu", root, ["generalization", "views"], progress=False)
    run = json.loads((root / "results" / "run.json").read_text())
    assert "finished" in run and len(run["pieces"]) == 1 and run["pieces"][0]["started"] == stopped["started"]
    assert run["pieces"][0]["wall_s"] >= stopped["seconds"]["views"] - 1       # the first sitting ran views, at least
    assert run["total_seconds"] > run["piece_wall_s"]
    assert run["seconds"]["views"] == round(run["pieces"][0]["seconds"]["views"] + run["piece_seconds"]["views"], 1)
    assert (root / "results" / "generalization" / "results.json").exists()

def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="valid scales: tiny, smoke, medium, large, paper"): ex.get_scale("huge")
    with pytest.raises(ValueError, match="unknown experiment 'nope'"): rp.reproduce("tiny", experiments=["nope"])

@pytest.mark.parametrize("name", list(ex.SCALES))
def test_every_scale_names_real_arms_and_experiments(name):
    "A typo in a scale's arms would only show hours into its run: every name must resolve now."
    sc = ex.get_scale(name)
    if sc.experiments is not None: assert set(sc.experiments) <= set(ex.EXPERIMENTS)
    for arm in sc.scaling.arms: ex.arm_config(sc, arm, 0, sc.scaling.steps).check()     # unknown names raise
    assert list(sc.scaling.objects) == sorted(sc.scaling.objects) and max(sc.scaling.objects, default=0) <= sc.counts["train"]
