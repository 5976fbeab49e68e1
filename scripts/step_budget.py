"""Measure the optimizer-step budget a scale needs: train the no-augmentation baseline of each of its settings (model,
training objects) far past the budget the experiments use, score validation every few steps, and record where its
validation accuracy peaks. The experiments' step budgets (`Scale.train_steps`, `Scale.aug_steps`) are chosen from
this file (results/smoke-budget.json for `smoke`); the experiments notebook renders it. Writes the recorded run results/<name>.json.

    python scripts/step_budget.py [--scale smoke] [--steps 2400] [--seeds 0,1] [--name <scale>-budget]

Runs are cached in data/runs/budget/ by config: an interrupted measurement resumes with the same command.
"""
import argparse, time
import numpy as np
from wsbook.experiments import get_scale, store_for, run_many
from wsbook.records import record_run
from wsbook.train import TrainConfig, scored_curve, steps_per_epoch

def settings(sc):
    "(name, model, training objects, model kwargs) of every baseline a scale trains."
    every = sc.counts["train"]
    objs = sorted({sc.train_objects or every, sc.aug_objects or every, max(sc.scaling_objects, default=every)})
    out = [(f"{sc.model}/{n}", sc.model, n, sc.model_kwargs) for n in objs]
    if sc.experiments is not None and not {"augmentations", "shapes3d"} & set(sc.experiments): return out   # no table trains the other models
    return out + [(f"{m}/{sc.aug_objects or every}", m, sc.aug_objects or every, {}) for m in sc.aug_models if m != sc.model]

def budget_configs(sc, steps: int, every: int, seeds, device: str = "auto") -> list[tuple]:
    "(setting name, training objects, TrainConfig) of every baseline run of the measurement: `steps` long, scored about every `every`."
    todo = []
    for name, model, n, kw in settings(sc):
        per = steps_per_epoch(n, sc.batch_size)
        for s in seeds:
            todo.append((name, n, TrainConfig(model=model, steps=steps, eval_every=max(1, every // per), batch_size=sc.batch_size,
                                              train_objects=n, test_curve=False, seed=s, device=device, model_kwargs=kw)))
    return todo

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="smoke"); ap.add_argument("--steps", type=int, default=2400)
    ap.add_argument("--every", type=int, default=40, help="score validation about every this many steps")
    ap.add_argument("--seeds", default="0,1"); ap.add_argument("--name", default=None)
    ap.add_argument("--device", default="auto"); a = ap.parse_args(argv)
    sc = get_scale(a.scale); store = store_for(sc, device=a.device); seeds = [int(s) for s in a.seeds.split(",")]
    todo = budget_configs(sc, a.steps, a.every, seeds, a.device)
    t0 = time.time()
    done = run_many("budget", [c for *_, c in todo], store)
    res = {}
    for (name, n, c), m in zip(todo, done):
        steps, val = scored_curve(m)
        r = res.setdefault(name, {"objects": n, "seeds": [], "best_step": [], "best_val": [], "test_acc": [], "steps": steps, "val": []})
        r["seeds"].append(c.seed); r["best_step"].append(steps[int(np.argmax(val))]); r["best_val"].append(float(max(val)))
        r["test_acc"].append(m["test_acc"]); r["val"].append(val)
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
