"""MixUp's partner pool, measured. The authors' trainer keeps the first `--n-views` views of the training split in a
`torch.utils.data.Subset`, but their `INRDataset.__getitem__` draws each MixUp partner as a random index of the whole
dataset underneath it - every view of every training object. So when a store holds more views than a run trains on,
a MixUp arm sees INRs its no-augmentation baseline never sees. wsbook's `mixup_partner="all_views"` (the default,
as their code) does the same; `"batch"` mixes with another sample of the run's own batch, from the trained views only.

This trains the scaling experiment's runs at one training size with both pools, so the two gains can be read side by
side (at `large`, one view per object, the two pools hold the same INRs and no difference is possible).

    python scripts/partner_pool.py [--scale medium] [--objects 1600] [--arms mixup_vanilla,mixup_prealigned]
                                   [--device cpu] [--name <scale>-partner-pool]

Runs are cached like every experiment's (the `all_views` and `none` runs are the scaling experiment's own runs, found
again by `wsbook reproduce`); an interrupted measurement resumes with the same command. Writes results/<name>.json.
"""
import argparse, time
from dataclasses import replace
from wsbook.experiments import get_scale, store_for, run_many, arm_config
from wsbook.findings import diff_interval
from wsbook.records import record_run

POOLS = ("all_views", "batch")

def configs(sc, objects: int, arms, device: str) -> dict:
    "(arm, pool, seed) -> the run: the scaling experiment's configuration, its MixUp partner pool set."
    out = {}
    for s in sc.scaling.seeds:
        base = arm_config(sc, "none", s, sc.scaling.steps, objects=objects, epochs=sc.scaling.epochs, device=device)
        out["none", "-", s] = base
        for a in arms:
            c = arm_config(sc, a, s, sc.scaling.steps, objects=objects, epochs=sc.scaling.epochs, device=device)
            for p in POOLS: out[a, p, s] = replace(c, mixup_partner=p)
    return out

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="medium")
    ap.add_argument("--objects", type=int, default=1600, help="training objects (one view each)")
    ap.add_argument("--arms", default="mixup_vanilla,mixup_prealigned")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--name", default=None)
    a = ap.parse_args(argv)
    sc = get_scale(a.scale)
    arms = [x for x in a.arms.split(",") if x]
    if bad := [x for x in arms if not x.startswith("mixup_")]:
        ap.error(f"--arms: {', '.join(bad)} are not MixUp arms (mixup_<variant>)")
    store = store_for(sc, device=a.device)
    todo = configs(sc, a.objects, arms, a.device)
    t0 = time.time()
    done = dict(zip(todo, run_many("scaling", list(todo.values()), store)))
    seeds = list(sc.scaling.seeds)
    acc = {f"{arm}|{p}": [done[arm, p, s]["test_acc"] for s in seeds] for arm, p, _ in todo}
    gains = {}
    for key, xs in acc.items():
        if key == "none|-": continue
        est, lo, hi = diff_interval(xs, acc["none|-"])
        gains[key] = {"gain": est, "lo": lo, "hi": hi}     # points
        print(f"{key:28s} {100 * sum(xs) / len(xs):5.1f}%  gain over none {est:+5.1f} [{lo:+.1f}, {hi:+.1f}] points")
    params = {"store": store.name, "views_in_store": sc.fit_views, "objects": a.objects, "arms": arms, "pools": list(POOLS),
              "seeds": seeds, "steps": sc.scaling.steps, "model": sc.model, "model_kwargs": sc.model_kwargs}
    results = {"acc": acc, "gains": gains,
               "best_epoch": {f"{arm}|{p}|{s}": done[arm, p, s]["best_epoch"] for arm, p, s in todo},
               "train_seconds": round(sum(r["seconds"] for r in done.values()), 1)}     # the runs' own, cached or not
    print(record_run(a.name or f"{a.scale}-partner-pool", "partner_pool", a.scale, params, results, time.time() - t0,
                     a.device, overwrite=True))

if __name__ == "__main__": main()
