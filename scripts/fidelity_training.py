"""Measure the training-recipe choices where wsbook's first version and the authors' trainer differ, on the
`smoke` INR store: optimizer (adam | adamw) x standardisation (entry | layer) x MixUp (none | vanilla), plus no
standardisation and the in-batch MixUp partner, over seeds. Writes the recorded run results/<name>.json that the
fidelity notebook (nbs/11_fidelity.ipynb) renders.

    python scripts/fidelity_training.py [--scale smoke] [--model NAME] [--seeds 0,1,2] [--name fidelity-training-smoke]

Runs are cached in data/runs/fidelity/ by config: an interrupted measurement resumes with the same command.
"""
import argparse, time
from dataclasses import replace
from wsbook.experiments import get_scale, store_for, run_many, mean_std
from wsbook.records import record_run
from wsbook.train import TrainConfig

def arms():
    "(name, changes from the authors' defaults) of every arm measured."
    out = [(f"{o}/{s}/{m or 'none'}", dict(optimizer=o, standardize=s, mixup=m))
           for o in ("adam", "adamw") for s in ("entry", "layer") for m in (None, "vanilla")]
    out += [("adam/none/none", dict(optimizer="adam", standardize="none", mixup=None)),
            ("adam/entry/vanilla/batch-partner", dict(optimizer="adam", standardize="entry", mixup="vanilla", mixup_partner="batch"))]
    return out

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="smoke")
    ap.add_argument("--model", default=None, help="default: the scale's model")
    ap.add_argument("--seeds", default=None, help="comma-separated (default: the scale's seeds)")
    ap.add_argument("--epochs", type=int, default=None, help="default: the scale's MixUp epochs")
    ap.add_argument("--name", default=None, help="recorded run name (default: fidelity-training-<scale>)")
    ap.add_argument("--device", default="auto")
    a = ap.parse_args(argv)
    sc = get_scale(a.scale)
    store = store_for(sc, device=a.device)
    seeds = [int(s) for s in a.seeds.split(",")] if a.seeds else list(sc.seeds)
    base = TrainConfig(model=a.model or sc.model, epochs=a.epochs or sc.mixup.epochs, batch_size=sc.batch_size,
                       train_objects=sc.mixup.objects, test_curve=False, device=a.device, model_kwargs=sc.model_kwargs)
    todo = [(n, replace(base, seed=s, **kw)) for n, kw in arms() for s in seeds]
    t0 = time.time()
    done = run_many("fidelity", [c for _, c in todo], store)
    res = {}
    for (n, c), m in zip(todo, done):
        r = res.setdefault(n, {"test_acc": [], "val_acc": [], "best_epoch": [], "seeds": []})
        r["test_acc"].append(m["test_acc"])
        r["val_acc"].append(m["val_acc"])
        r["best_epoch"].append(m["best_epoch"])
        r["seeds"].append(c.seed)
    for n, r in res.items(): r["mean"], r["std"] = mean_std(r["test_acc"])
    params = {"store": store.name, "model": base.model, "model_kwargs": base.model_kwargs, "epochs": base.epochs,
              "batch_size": base.batch_size, "train_objects": base.train_objects, "seeds": seeds,
              "arms": {n: kw for n, kw in arms()}}
    p = record_run(a.name or f"fidelity-training-{a.scale}", "fidelity", a.scale, params, res, time.time() - t0, a.device, overwrite=True)
    for n, r in res.items(): print(f"{n:36s} {100 * r['mean']:5.1f} ± {100 * r['std']:.1f}   best epochs {r['best_epoch']}")
    print(p)

if __name__ == "__main__": main()
