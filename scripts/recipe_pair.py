"""The `recipe` experiment's key pair at a scale, recorded: the same objects fitted with the authors' INR (`paper`) and
with wsbook's first recipe (`wsbook`), the same classifier trained on each store - what the last layer's init alone does.

    python scripts/recipe_pair.py [--scale smoke] [--recipes paper,wsbook] [--name recipe-pair-smoke]

Fits the stores it lacks (resumable), caches runs in data/runs/recipe/ (the recipe experiment's own cache: the
same configurations) and writes the recorded run results/<name>.json.
"""
import argparse, time
from wsbook.experiments import get_scale, store_for, run_many, mean_std
from wsbook.data import read_manifest
from wsbook.records import record_run
from wsbook.train import TrainConfig

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="smoke")
    ap.add_argument("--recipes", default="paper,wsbook")
    ap.add_argument("--name", default=None)
    ap.add_argument("--device", default="auto")
    a = ap.parse_args(argv)
    sc = get_scale(a.scale)
    t0 = time.time()
    steps = dict((r, s) for r, s in reversed(sc.recipe.stores))       # the full-budget store of each recipe
    stores = {r: store_for(sc, recipe=r, steps=steps[r], counts=sc.recipe.counts, views=1, device=a.device) for r in a.recipes.split(",")}
    cfg = lambda s: TrainConfig(test_curve=False, model=sc.model, epochs=sc.epochs, batch_size=sc.batch_size, seed=s,
                                device=a.device, model_kwargs=sc.model_kwargs)   # exactly the recipe notebook's runs
    keys = [(r, s) for r in stores for s in sc.seeds]
    done = dict(zip(keys, run_many("recipe", [cfg(s) for _, s in keys], [stores[r] for r, _ in keys])))
    res = {}
    for r, st in stores.items():
        acc = [done[r, s]["test_acc"] for s in sc.seeds]
        m, sd = mean_std(acc)
        res[r] = {"store": st.name, "psnr": read_manifest(st)["psnr"], "test_acc": acc, "mean": m, "std": sd,
                  "best_epoch": [done[r, s]["best_epoch"] for s in sc.seeds]}
        print(f"{r:8s} {res[r]['psnr']['mean']:.2f} dB -> {100 * m:.1f} ± {100 * sd:.1f}%  best epochs {res[r]['best_epoch']}")
    params = {"model": sc.model, "model_kwargs": sc.model_kwargs, "epochs": sc.epochs, "batch_size": sc.batch_size,
              "seeds": list(sc.seeds), "counts": sc.recipe.counts, "fit_steps": {r: steps[r] for r in stores}}
    print(record_run(a.name or f"recipe-pair-{a.scale}", "recipe", a.scale, params, res, time.time() - t0, a.device, overwrite=True))

if __name__ == "__main__": main()
