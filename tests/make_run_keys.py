"""Write tests/data/run_keys.json: for every scale and every experiment it runs, what each of its training runs is -
the run's name in the run cache, the store it trains on (by the store's tag) and its whole configuration. The
run-cache key hashes the configuration, the store's folder name and the store's split hash, so an unchanged list
means every finished run is found again. tests/test_run_keys.py checks the experiments still plan exactly these runs.

    python tests/make_run_keys.py            # rewrite the fixture (only when a key change is intended)
    python tests/make_run_keys.py --check    # print the differences from the fixture, change nothing
"""
import json, sys
from dataclasses import asdict
from pathlib import Path
from wsbook import experiments as ex
from wsbook.train import ContrastiveConfig

FIXTURE = Path(__file__).parent / "data" / "run_keys.json"
BUDGETS = {"smoke": (2400, 40), "medium": (6000, 200), "large": (12000, 200)}   # scripts/step_budget.py --steps, --every

def planned(scale: str, exp: str) -> list[tuple]:
    "(config, store tag) of every run experiment `exp` trains at `scale`, from its registry entry (default parameters)."
    e, sc = ex.REGISTRY[exp], ex.get_scale(scale)
    tags = {k: spec.tag for k, spec in e.stores(sc).items()}
    return [(c, tags[st]) for c, st in e.plan(sc).values()]

def budget_runs(scale: str) -> list[tuple]:
    "(config, store tag) of every run `scripts/step_budget.py --scale SCALE` trains, with the --steps/--every it was run with."
    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    import step_budget
    sc = ex.get_scale(scale)
    steps, every = BUDGETS[scale]
    return [(c, ex.store_spec(sc).tag) for *_, c in step_budget.budget_configs(sc, steps, every, (0, 1), "auto")]

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
