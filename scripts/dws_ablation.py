"""Ablation of the two DWS models: the authors' `dws`, wsbook's `dws_wsbook`, and variants that change one part.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python scripts/dws_ablation.py STORE [--epochs 80 | --steps 400] [--seeds 0 1 2] [--jobs 2] [--out results/NAME.json]

Trains every variant with TrainConfig's defaults (today the authors' trainer: Adam with L2 weight decay 5e-4, lr 1e-3,
per-entry standardisation; no augmentation, model selected on validation accuracy) on `--objects` training objects of
STORE, and writes the recorded run --out (default results/dws_ablation.json: provenance, parameters, per-seed
numbers; the trainer's settings are written into it, so a record made with an older trainer says which). Finished runs are cached under
data/runs/dws_ablation/ and reused; an interrupted run resumes from its checkpoint.
"""
from __future__ import annotations
import argparse, json, sys, time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (name, model, model_kwargs, what the variant changes); the authors' `dws` first, wsbook's model last
VARIANTS = [
    ("dws", "dws", {}, "the authors' CannibalModelForClassification (SAB)"),
    ("dws init=torch", "dws", {"init": "torch"}, "PyTorch's default init instead of their scaled Xavier"),
    ("dws average=False", "dws", {"average": False}, "blocks summed, not divided by the number of tensors"),
    ("dws init=torch average=False", "dws", {"init": "torch", "average": False}, "both of the above"),
    ("dws last_heads=8", "dws", {"last_heads": 8}, "8 attention heads in the last DWS layer too"),
    ("dws set_layer=ds", "dws", {"set_layer": "ds"}, "their DeepSets set layer"),
    ("dws set_layer=ds init=torch", "dws", {"set_layer": "ds", "init": "torch"}, "their DeepSets set layer, PyTorch's init"),
    ("dws_wsbook", "dws_wsbook", {}, "wsbook's fused model (SAB)"),
    ("dws_wsbook set_layer=linear", "dws_wsbook", {"set_layer": "linear"}, "wsbook's fused model, linear set layer (smoke)"),
]

def _run(args):
    name, model, kw, store, seed, epochs, steps, objects, batch, out = args
    import torch
    torch.set_num_threads(1)
    from wsbook.train import TrainConfig, train
    out = Path(out)
    if (out / "metrics.json").exists(): m = json.loads((out / "metrics.json").read_text())
    else:
        cfg = TrainConfig(model=model, model_kwargs=kw, epochs=epochs, steps=steps, batch_size=batch, train_objects=objects, seed=seed,
                          device="cpu", test_curve=False)
        m = train(store, cfg, out=out, resume=True, progress=False)              # writes out/metrics.json
    return {"variant": name, "seed": seed, "test_acc": m["test_acc"], "val_acc": m["val_acc"], "best_epoch": m["best_epoch"],
            "n_params": m["n_params"], "train_seconds": round(sum(h["seconds"] for h in m["history"]), 1)}

def _trainer() -> dict:
    "The TrainConfig defaults every variant trains with (the optimizer, standardisation, lr, ...)."
    from dataclasses import asdict
    from wsbook.train import TrainConfig
    d = asdict(TrainConfig())
    return {k: d[k] for k in ("optimizer", "standardize", "lr", "weight_decay", "warmup_steps", "select")} | {"test_curve": False}

def _trainer_tag() -> str:
    "Cached runs are per trainer: a run trained with older defaults is not reused under newer ones."
    t = _trainer()
    return f"{t['optimizer']}-{t['standardize']}"

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("store")
    p.add_argument("--epochs", type=int, default=80)
    p.add_argument("--steps", type=int, default=None, help="an optimizer-step budget instead of --epochs")
    p.add_argument("--objects", type=int, default=250)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--variants", nargs="*", default=None)
    p.add_argument("--runs", nargs="*", default=None, help="VARIANT:SEED in the order to run them (default: every variant x seed)")
    p.add_argument("--cached-only", action="store_true", help="train nothing: write the results of the finished runs")
    p.add_argument("--out", default=str(ROOT / "results" / "dws_ablation.json"))
    a = p.parse_args(argv)
    variants = [v for v in VARIANTS if a.variants is None or v[0] in a.variants]
    runs = ROOT / "data" / "runs" / "dws_ablation"
    by_name = {v[0]: v for v in VARIANTS}
    order = [(r.rsplit(":", 1)[0], int(r.rsplit(":", 1)[1])) for r in a.runs] if a.runs else [(v[0], s) for s in a.seeds for v in variants]
    bad = [n for n, _ in order if n not in by_name]
    if bad: raise SystemExit(f"unknown variant(s) {bad}; valid: {list(by_name)}")
    variants = [v for v in VARIANTS if v[0] in {n for n, _ in order}]
    budget = f"t{a.steps}" if a.steps else f"e{a.epochs}"
    jobs = [(n, by_name[n][1], by_name[n][2], a.store, s, a.epochs, a.steps, a.objects, a.batch,
             str(runs / f"{n.replace(' ', '_').replace('=', '-')}-{budget}-n{a.objects}-b{a.batch}-s{s}-{_trainer_tag()}")) for n, s in order]
    if a.cached_only: jobs = [j for j in jobs if (Path(j[-1]) / "metrics.json").exists()]
    t0 = time.time()
    with ProcessPoolExecutor(a.jobs, mp_context=get_context("spawn")) as ex: rows = list(ex.map(_run, jobs))
    from wsbook.records import record_run
    man = json.loads((Path(a.store) / "manifest.json").read_text())   # provenance only: an older store format is fine here
    params = {"epochs": None if a.steps else a.epochs, "steps": a.steps, "train_objects": a.objects, "batch_size": a.batch, "seeds_requested": sorted({s for _, s in order}),
              "jobs": a.jobs, "trainer": _trainer(), "augmentation": "none",
              "store": {"path": str(Path(a.store)), "format_version": man.get("format_version"), "source": man.get("source"), "splits": man.get("splits"), "fit": man.get("fit"), "arch": man.get("arch")}}
    note = ("this invocation trained nothing: it collects the finished runs under data/runs/dws_ablation/, trained by earlier "
            "invocations of this script with the same epochs / objects / batch (each run one process, one thread, up to --jobs "
            "at a time, on a shared CPU); wall_s is the sum of the runs' epoch wall times") if a.cached_only else \
           "wall_s is the sum of the runs' epoch wall times (runs in parallel, --jobs at a time, on a shared CPU)"
    out = Path(a.out)
    record_run(out.stem, "dws_ablation", "trial", params, rows, sum(r["train_seconds"] for r in rows), device="cpu",
               root=out.parent, overwrite=True,
               what="the authors' DWS model vs wsbook's, one part changed at a time, one trainer for all",
               command="python scripts/dws_ablation.py " + " ".join(argv if argv is not None else sys.argv[1:]),
               invocation_wall_s=round(time.time() - t0, 1), cached_only=a.cached_only, note=note,
               variants=[{"variant": n, "model": m, "model_kwargs": kw, "change": why} for n, m, kw, why in variants])
    print(json.dumps(rows))

if __name__ == "__main__":
    main()
