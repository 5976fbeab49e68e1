"""Measure the optimizer-step budget a scale needs: train the no-augmentation baseline of each of its settings (model,
training objects) far past the budget the experiments use, score validation every few steps, and record where its
validation accuracy peaks. The experiments' step budgets (`sc.views.steps`, `sc.augmentations.steps`, ...) are chosen from
this file (results/smoke-budget.json for `smoke`); the scales notebook renders it. Writes the recorded run results/<name>.json.

    python scripts/step_budget.py [--scale smoke] [--steps 2400] [--seeds 0,1] [--name <scale>-budget]

With --contrastive, the same measurement for contrastive pre-training: the contrastive experiment's noise-only baseline
(its own run configuration, so the chosen budget's runs are the experiment's) pre-trained for each of --grid steps,
each probed on validation; the budget is the smallest of them whose mean probe validation accuracy is within 1 point
of the best (results/<scale>-contrastive-budget.json):

    python scripts/step_budget.py --scale medium --contrastive [--grid 500,1000,2000,4000,8000] [--seeds 0,1]

Runs are cached in data/runs/budget/ by config: an interrupted measurement resumes with the same command.
"""
import argparse, time
import numpy as np
from wsbook.experiments import get_scale, store_for, run_many, contrastive_runs, CONTRASTIVE_ARMS
from wsbook.records import record_run
from wsbook.train import TrainConfig, scored_curve, steps_per_epoch

def settings(sc):
    "(name, model, training objects, model kwargs) of every baseline a scale trains."
    every, tables = sc.counts["train"], sc.augmentations
    objs = {sc.views.objects or every, max(sc.scaling.objects, default=every)}
    # a table with a budget of its own is measured at its own size; on the scaling budget, the largest size measured covers it
    own = tables.steps != sc.scaling.steps
    if own: objs.add(tables.objects or every)
    out = [(f"{sc.model}/{n}", sc.model, n, sc.model_kwargs) for n in sorted(objs)]
    if sc.experiments is not None and not {"augmentations", "shapes3d"} & set(sc.experiments): return out   # no table trains the other models
    return out + [(f"{m}/{tables.objects or every}", m, tables.objects or every, {}) for m in tables.models if m != sc.model]

def budget_configs(sc, steps: int, every: int, seeds, device: str = "auto") -> list[tuple]:
    "(setting name, training objects, TrainConfig) of every baseline run of the measurement: `steps` long, scored about every `every`."
    todo = []
    for name, model, n, kw in settings(sc):
        per = steps_per_epoch(n, sc.batch_size)
        for s in seeds:
            todo.append((name, n, TrainConfig(model=model, steps=steps, eval_every=max(1, every // per), batch_size=sc.batch_size,
                                              train_objects=n, test_curve=False, seed=s, device=device, model_kwargs=kw)))
    return todo

BASELINE = next(iter(CONTRASTIVE_ARMS))          # the contrastive experiment's noise-only arm

def contrastive_configs(sc, grid, seeds, device: str = "auto") -> list[tuple]:
    "(pre-training steps, ContrastiveConfig) of the noise-only baseline at each step count of `grid`: the experiment's own runs."
    return [(n, contrastive_runs(sc, device, seeds=[s], steps=n, mixup=None)[BASELINE, s][0]) for n in grid for s in seeds]

def contrastive_budget(res: dict, tol: float = 0.01) -> int:
    "The smallest step count whose mean probe validation accuracy is within `tol` of the best: past it, more buys at most noise."
    mean = {int(n): float(np.mean(r["val_acc"])) for n, r in res.items()}
    best = max(mean.values())
    return min(n for n, v in mean.items() if v >= best - tol)

def measure_contrastive(a, sc, store, seeds):
    grid = [int(n) for n in a.grid.split(",")]
    todo = contrastive_configs(sc, grid, seeds, a.device)
    t0 = time.time()
    done = run_many("contrastive", [c for _, c in todo], store)
    res = {}
    for (n, c), m in zip(todo, done):
        r = res.setdefault(str(n), {"seeds": [], "val_acc": [], "test_acc": [], "optimizer_steps": [], "seconds": []})
        r["seeds"].append(c.seed)
        r["val_acc"].append(m["val_acc"])
        r["test_acc"].append(m["test_acc"])
        r["optimizer_steps"].append(m["optimizer_steps"])
        r["seconds"].append(m["seconds"])
    steps = contrastive_budget(res)
    per_step = sum(sum(r["seconds"]) for r in res.values()) / sum(sum(r["optimizer_steps"]) for r in res.values())
    params = {"store": store.name, "grid": grid, "seeds": seeds, "arm": BASELINE, "probe_objects": sc.contrastive.probe_objects,
              "batch_size": sc.batch_size, "rule": "smallest step count with mean probe validation within 1 point of the best"}
    results = {"steps": res, "budget": steps, "seconds_per_step": per_step}
    p = record_run(a.name or f"{a.scale}-contrastive-budget", "budget", a.scale, params, results, time.time() - t0, a.device,
                   overwrite=True)
    for n, r in res.items():
        print(f"{n:>6} steps: probe validation {100 * np.mean(r['val_acc']):.1f}% (seeds {r['seeds']}), {np.mean(r['seconds']):.0f} s a run")
    print(f"budget: {steps} pre-training steps ({per_step:.3f} s per step and run, probe included)")
    print(p)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="smoke")
    ap.add_argument("--steps", type=int, default=2400)
    ap.add_argument("--every", type=int, default=40, help="score validation about every this many steps")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--name", default=None)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--contrastive", action="store_true", help="measure the contrastive pre-training budget instead")
    ap.add_argument("--grid", default="500,1000,2000,4000,8000", help="pre-training step counts (--contrastive)")
    a = ap.parse_args(argv)
    sc = get_scale(a.scale)
    store = store_for(sc, device=a.device)
    seeds = [int(s) for s in a.seeds.split(",")]
    if a.contrastive: return measure_contrastive(a, sc, store, seeds)
    todo = budget_configs(sc, a.steps, a.every, seeds, a.device)
    t0 = time.time()
    done = run_many("budget", [c for *_, c in todo], store)
    res = {}
    for (name, n, c), m in zip(todo, done):
        steps, val = scored_curve(m)
        r = res.setdefault(name, {"objects": n, "seeds": [], "best_step": [], "best_val": [], "test_acc": [], "steps": steps, "val": []})
        r["seeds"].append(c.seed)
        r["best_step"].append(steps[int(np.argmax(val))])
        r["best_val"].append(float(max(val)))
        r["test_acc"].append(m["test_acc"])
        r["val"].append(val)
    for r in res.values():
        mv = np.mean(r["val"], 0)                  # mean validation curve over seeds
        r["mean_best_step"] = r["steps"][int(np.argmax(mv))]
        # the first step where the mean curve is within 1 point of its best: past it, more steps buy at most noise
        r["plateau_step"] = r["steps"][int(np.argmax(mv >= mv.max() - 0.01))]
    params = {"store": store.name, "steps": a.steps, "batch_size": sc.batch_size, "seeds": seeds,
              "settings": {n: {"model": m, "objects": k, "model_kwargs": kw} for n, m, k, kw in settings(sc)}}
    p = record_run(a.name or f"{a.scale}-budget", "budget", a.scale, params, res, time.time() - t0, a.device, overwrite=True)
    for n, r in res.items():
        print(f"{n:22s} best val {100 * np.mean(r['best_val']):.1f}% at steps {r['best_step']} (mean curve: best {r['mean_best_step']}, "
              f"within 1 point from {r['plateau_step']})")
    print(p)

if __name__ == "__main__": main()
