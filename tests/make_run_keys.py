"""Write tests/data/run_keys.json: for every scale and every experiment it runs, what each of its training runs is -
the run's name in the run cache, the store it trains on (by the store's tag) and its whole configuration. The
run-cache key hashes the configuration, the store's folder name and the store's split hash, so an unchanged list
means every finished run is found again. tests/test_run_keys.py checks the experiments still plan exactly these runs.

    python tests/make_run_keys.py            # rewrite the fixture (only when a key change is intended)
    python tests/make_run_keys.py --check    # print the differences from the fixture, change nothing
"""
import json, math, sys
from dataclasses import asdict
from pathlib import Path
from wsbook import experiments as ex
from wsbook.train import ContrastiveConfig

FIXTURE = Path(__file__).parent / "data" / "run_keys.json"
BUDGETS = {"smoke": (2400, 40), "medium": (6000, 200), "large": (12000, 200)}   # scripts/step_budget.py --steps, --every

def store_tag(sc, recipe="paper", steps=None, counts=None, source=None, views=None, points=None) -> str:
    "The folder name `store_for` gives the store these settings describe (the part of the store a run key reads)."
    source, steps = source or sc.source, steps or sc.fit_steps
    counts, views = counts or sc.counts, views or sc.views
    return (f"{source}-{recipe}-s{steps}-v{views}-n{counts['train']}_{counts['val']}_{counts['test']}"
            + (f"-p{points}" if points else ""))

def planned(scale: str, exp: str) -> list[tuple]:
    "(config, store tag) of every run experiment `exp` trains at `scale`, as its notebook builds them (default parameters)."
    sc = ex.get_scale(scale); main = store_tag(sc); d = "auto"
    if exp == "views":
        seeds = list(sc.views_seeds or sc.seeds); steps = sc.train_steps
        counts = sorted({2 ** i for i in range(int(math.log2(sc.views)) + 1)} | {sc.views})
        return [(ex.views_config(sc, k, s, steps, d), main) for k in counts for s in seeds]
    if exp == "generalization":
        return [(ex.views_config(sc, 1, s, sc.train_steps, d), main) for s in list(sc.views_seeds or sc.seeds)]
    if exp == "augmentations":
        from wsbook.augment import AUGMENTATIONS
        seeds = list(sc.aug_seeds or sc.seeds); epochs = sc.aug_epochs or sc.epochs
        return [(ex.arm_config(sc, a, s, sc.aug_steps, objects=sc.aug_objects, model=m, epochs=epochs, device=d), main)
                for m in sc.aug_models for a in ["none"] + list(AUGMENTATIONS) for s in seeds]
    if exp == "mixup":
        epochs = sc.mixup_epochs or sc.epochs
        return [(ex.arm_config(sc, f"mixup_{v}" if v else "none", s, sc.mixup_steps, sc.train_objects, epochs=epochs, device=d), main)
                for v in [None, "vanilla", "perm", "align", "prealigned"] for s in sc.seeds]
    if exp == "scaling":
        return [(ex.arm_config(sc, a, s, sc.scaling_steps, objects=n, device=d), main)
                for n in sc.scaling_objects for a in sc.scaling_arms for s in sc.seeds]
    if exp == "contrastive":
        arms = [("gaussian_noise", None), (ContrastiveConfig().aug, None), (ContrastiveConfig().aug, "align")]
        return [(ContrastiveConfig(model=sc.model, aug=a, mixup=m, epochs=sc.contrastive_epochs, steps=sc.contrastive_steps,
                                   probe_objects=sc.probe_objects, batch_size=sc.batch_size, seed=s, device=d,
                                   model_kwargs=sc.model_kwargs), main) for a, m in arms for s in sc.seeds]
    if exp == "recipe":
        seeds = list(sc.recipe_seeds or sc.seeds)
        tags = [store_tag(sc, recipe=r, steps=st, counts=sc.recipe_counts, views=1) for r, st in sc.recipe_steps]
        return [(ex.arm_config(sc, "none", s, sc.train_steps, pool=sc.recipe_counts["train"], device=d), t) for t in tags for s in seeds]
    if exp == "shapes3d":
        seeds = list(sc.aug_seeds or sc.seeds); epochs = sc.aug_epochs or sc.epochs
        tag = store_tag(sc, source="shapes3d", steps=sc.shapes_steps, counts=sc.shapes_counts, views=1, points=sc.shapes_points)
        augs = ["none", "translate", "rotate", "scale", "siren_negation", "mixup_vanilla", "mixup_align"]
        return [(ex.arm_config(sc, a, s, sc.aug_steps, model=m, epochs=epochs, pool=sc.shapes_counts["train"], device=d), tag)
                for m in sc.aug_models for a in augs for s in seeds]
    raise ValueError(f"unknown experiment {exp!r}")

def budget_runs(scale: str) -> list[tuple]:
    "(config, store tag) of every run `scripts/step_budget.py --scale SCALE` trains, with the --steps/--every it was run with."
    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    import step_budget
    sc = ex.get_scale(scale); steps, every = BUDGETS[scale]
    return [(c, store_tag(sc)) for *_, c in step_budget.budget_configs(sc, steps, every, (0, 1), "auto")]

def describe(cfg, tag: str) -> dict:
    "What names a run: its cache name (the key hashed over a stand-in split hash), its store and its whole configuration."
    ssl = isinstance(cfg, ContrastiveConfig)
    d = asdict(cfg)
    for k in ex.MEASURES: d.pop(k, None)
    if d.get("steps") is not None: d.pop("epochs", None)     # as _run_key: a step budget sets the length
    return {"kind": "contrastive" if ssl else "train", "store": tag, "model": cfg.model, "trains": json.dumps(d, sort_keys=True),
            "measures": "".join(t for k, t in ex.MEASURES.items() if getattr(cfg, k, False))}

def snapshot() -> dict:
    out = {}
    for name, sc in ex.SCALES.items():
        for e in sc.experiments or ex.EXPERIMENTS: out[f"{name}/{e}"] = [describe(c, t) for c, t in planned(name, e)]
        if name in BUDGETS: out[f"{name}/budget"] = [describe(c, t) for c, t in budget_runs(name)]
    return out

if __name__ == "__main__":
    new = snapshot()
    if "--check" in sys.argv:
        old = json.loads(FIXTURE.read_text())
        bad = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        print("\n".join(bad) or "every run of the fixture is planned unchanged")
        sys.exit(1 if bad else 0)
    FIXTURE.write_text(json.dumps(new, indent=1) + "\n")
    print(f"{FIXTURE}: {sum(map(len, new.values()))} runs in {len(new)} (scale, experiment) pairs")
