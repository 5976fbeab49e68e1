"""Fault injection: `wsbook fit`, `train`, `import`, `export` (and, slow, a `tiny` reproduction) are killed with SIGKILL
at seeded points across the run - one of them while a shard is being written - and the same command (plus --resume
where the command has one) finishes the job. The result must equal an uninterrupted run bit for bit, and no
half-written file may ever be visible under a final name. A resume with any store-deciding flag changed is refused
and leaves every file of the store as it was. Plus one test per reproduction of issue 30."""
import hashlib, json, os, random, signal, subprocess, time
from pathlib import Path
import pytest, torch
from safetensors.torch import load_file
from conftest import wsbook_cmd

FIT = ["--limit", "120", "--steps", "15", "--shard-size", "16", "--chunk", "16", "--device", "cpu"]

def run(*args, check=True) -> subprocess.CompletedProcess:
    r = subprocess.run(wsbook_cmd() + [str(a) for a in args], capture_output=True, text=True, timeout=600)
    if check: assert r.returncode == 0, f"wsbook {' '.join(map(str, args))} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    return r

def kill_when(args, ready, timeout=300.0) -> bool:
    "Start `wsbook args`, SIGKILL it as soon as `ready()` holds; False if it finished first."
    p = subprocess.Popen(wsbook_cmd() + [str(a) for a in args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while p.poll() is None and time.time() - t0 < timeout:
        if ready():
            p.send_signal(signal.SIGKILL)
            p.wait()
            return True
        time.sleep(0.002)
    p.wait()
    return False

def final_files_are_whole(d: Path):
    "Every file under a final name parses: safetensors load, JSON parses, .pth loads without pickle."
    for f in d.rglob("*"):
        if not f.is_file() or ".partial-" in str(f) or f.name.endswith(".tmp"): continue
        if f.suffix == ".safetensors": load_file(str(f))
        elif f.suffix == ".json": json.loads(f.read_text())
        elif f.suffix == ".pth": torch.load(f, weights_only=True)

def tensors_of(d: Path) -> dict:
    "Every tensor under `d` (safetensors and weights-only .pth files), by relative path."
    out = {}
    for f in sorted(d.rglob("*")):
        if f.suffix == ".safetensors": out |= {(str(f.relative_to(d)), k): v for k, v in load_file(str(f)).items()}
        elif f.suffix == ".pth": out |= {(str(f.relative_to(d)), k): v for k, v in torch.load(f, weights_only=True).items()}
    return out

def assert_same_tensors(a: Path, b: Path):
    ta, tb = tensors_of(a), tensors_of(b)
    assert ta.keys() == tb.keys() and ta
    for k in ta: torch.testing.assert_close(ta[k], tb[k], rtol=0, atol=0, equal_nan=True, msg=str(k))   # bit for bit

TIMING = {"seconds", "created", "time", "sha256", "versions", "started", "file"}

def strip(x):
    "JSON without timings, dates and byte hashes (safetensors orders its metadata differently per process)."
    if isinstance(x, dict): return {k: strip(v) for k, v in x.items() if k not in TIMING}
    if isinstance(x, list): return [strip(v) for v in x]
    return x

def digest(d: Path) -> dict:
    return {str(f.relative_to(d)): hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(d.rglob("*")) if f.is_file()}

@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    "An uninterrupted reference fit (8 shards)."
    s = tmp_path_factory.mktemp("ref") / "S"
    run("fit", "digits", "--out", s, *FIT)
    return s

def test_fit_killed_anywhere_resumes_to_the_same_store(store, tmp_path):
    rng = random.Random(30)
    s, shards = tmp_path / "S", tmp_path / "S" / "shards"
    done = lambda: len(list(shards.glob("*.safetensors")))
    points = [lambda: any(shards.glob("*.safetensors.tmp")),                          # mid-shard-write
              *(lambda k=k: done() >= k for k in sorted(rng.sample(range(1, 8), 2)))]   # after seeded shard counts
    args = ["fit", "digits", "--out", s, *FIT]
    for ready in points:
        kill_when(args + (["--resume"] if s.exists() else []), ready)
        final_files_are_whole(s)
    run(*args, "--resume")
    final_files_are_whole(s)
    assert_same_tensors(store / "shards", s / "shards")
    assert strip(json.loads((s / "manifest.json").read_text())) == strip(json.loads((store / "manifest.json").read_text()))
    assert run("check", s, "--no-figure").returncode == 0

@pytest.mark.parametrize("flag,value", [("--shard-size", "32"), ("--steps", "16"), ("--seed", "1"), ("--limit", "100"),
                                        ("--hidden", "16"), ("--recipe", "siren"), ("--chunk", "8"), ("--views", "0")])
def test_resume_with_a_store_deciding_flag_changed_is_refused_and_writes_nothing(store, flag, value):
    before = digest(store)
    args = ["fit", "digits", "--out", store, *FIT, "--resume"]
    i = args.index(flag) if flag in args else None
    if i is not None: args[i + 1] = value
    else: args += [flag, value]
    r = run(*args, check=False)
    assert r.returncode == 2
    shown = " ".join(value.split()) if flag != "--views" else value
    assert flag in r.stderr and (f"{flag} {shown} (job.json:" in r.stderr or "must be >= 1" in r.stderr), r.stderr
    assert digest(store) == before

def test_issue_repro_1_resume_without_shard_size_keeps_the_store(tmp_path):
    s = tmp_path / "S"
    run("fit", "digits", "--out", s, "--limit", "80", "--steps", "5", "--shard-size", "32", "--device", "cpu")
    run("check", s, "--no-figure")                       # (check keeps its report, check.json, in the store)
    before = digest(s)
    run("fit", "digits", "--out", s, "--limit", "80", "--steps", "5", "--resume", "--device", "cpu")   # --shard-size left out
    run("fit", "--resume", "--out", s)                                                                 # every flag left out
    assert digest(s) == before
    assert "result     ok" in run("check", s, "--no-figure").stdout
    r = run("fit", "digits", "--out", s, "--limit", "80", "--steps", "5", "--resume", "--shard-size", "1024", check=False)
    assert r.returncode == 2 and "--shard-size 1024 (job.json: 32)" in r.stderr and digest(s) == before

def test_issue_repro_2_and_3_bad_numbers_are_refused_with_the_flag(store, tmp_path):
    for flag, v, want in (("--lr", "inf", "must be a finite number, got inf"), ("--aug-p", "nan", "must be a finite number, got nan"),
                          ("--lr", "1e6", "must be in (0, 1], got 1000000.0"),
                          ("--model-kwargs", "{hidden: 8}", "not valid JSON")):
        r = run("train", store, "--out", tmp_path / "r", "--model", "mlp", "--epochs", "2", flag, v, check=False)
        assert r.returncode == 2 and r.stderr.startswith("usage: wsbook train") and f"argument {flag}: {want}" in r.stderr, r.stderr
        assert not (tmp_path / "r").exists()
    r = run("train", store, "--out", tmp_path / "r", "--model", "mlp", "--model-kwargs", '{"hiden": 8}', check=False)
    assert "model 'mlp' takes: hidden, depth, dropout" in r.stderr

def test_issue_repro_4_mixup_integer_labels_and_from_modules():
    from wsbook.augment import MixUp
    from wsbook.weights import WeightSpace
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    ws = WeightSpace.from_modules([net] * 6)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match="integer class labels of shape \\(6,\\): pass n_classes"): MixUp()(ws, y)
    _, m = MixUp(n_classes=3)(ws, y, torch.Generator().manual_seed(0))
    assert m.shape == (6, 3) and torch.allclose(m.sum(1), torch.ones(6))
    assert len(WeightSpace.from_modules(net)) == 1
    with pytest.raises(ValueError, match="has no bias"): WeightSpace.from_modules(torch.nn.Linear(2, 3, bias=False))
    with pytest.raises(ValueError, match="empty list"): WeightSpace.from_modules([])
    with pytest.raises(ValueError, match="same architecture"):
        WeightSpace.from_modules([net, torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Linear(4, 1))])

TRAIN = ["--model", "mlp", "--epochs", "6", "--batch-size", "16", "--device", "cpu"]

def test_train_killed_anywhere_resumes_to_the_same_run(store, tmp_path):
    run("train", store, "--out", tmp_path / "ref", *TRAIN)
    rng, r = random.Random(31), tmp_path / "r"
    ck = r / "checkpoint.safetensors"
    for delay in sorted(rng.uniform(0.0, 1.5) for _ in range(2)):
        seen = {}
        def ready():
            if ck.exists(): seen.setdefault("t", time.time())
            return "t" in seen and time.time() - seen["t"] >= delay
        kill_when(["train", store, "--out", r, *TRAIN, "--resume"], ready)
        final_files_are_whole(r)
    run("train", store, "--out", r, *TRAIN, "--resume")
    final_files_are_whole(r)
    a, b = (json.loads((d / "metrics.json").read_text()) for d in (tmp_path / "ref", r))
    assert strip(a) == strip(b)
    ta, tb = load_file(str(tmp_path / "ref" / "best.safetensors")), load_file(str(r / "best.safetensors"))
    assert ta.keys() == tb.keys() and all(torch.equal(ta[k], tb[k]) for k in ta)

def test_train_resume_with_another_flag_names_the_field(store, tmp_path):
    run("train", store, "--out", tmp_path / "r", "--model", "mlp", "--epochs", "1", "--device", "cpu")
    before = digest(tmp_path / "r")
    e = run("train", store, "--out", tmp_path / "r", "--model", "mlp", "--epochs", "1", "--lr", "0.01", "--device", "cpu", "--resume",
            check=False)
    assert e.returncode == 2 and "lr: 0.01 (metrics.json: 0.001)" in e.stderr, e.stderr
    assert digest(tmp_path / "r") == before

def test_export_and_import_killed_anywhere_rerun_to_the_same_files(store, tmp_path):
    run("export", store, "--format", "nfn", "--out", tmp_path / "ref" / "siren_digits_wts")
    run("import", "nfn", tmp_path / "ref" / "siren_digits_wts", "--out", tmp_path / "ref-store", "--dataset", "mnist", "--no-psnr")
    rng = random.Random(32)
    out, imp = tmp_path / "e" / "siren_digits_wts", tmp_path / "imp"
    for delay in sorted(rng.uniform(0.2, 3.0) for _ in range(2)):
        t0 = time.time()
        kill_when(["export", store, "--format", "nfn", "--out", out], lambda: time.time() - t0 > delay)
        if out.exists(): break                   # published whole (checked below) or not at all
    if not out.exists(): run("export", store, "--format", "nfn", "--out", out)
    final_files_are_whole(out)
    assert_same_tensors(tmp_path / "ref" / "siren_digits_wts", out)
    for delay in sorted(rng.uniform(0.2, 3.0) for _ in range(2)):
        t0 = time.time()
        kill_when(["import", "nfn", out, "--out", imp, "--dataset", "mnist", "--no-psnr"], lambda: time.time() - t0 > delay)
        if imp.exists(): break
    if not imp.exists(): run("import", "nfn", out, "--out", imp, "--dataset", "mnist", "--no-psnr")
    final_files_are_whole(imp)
    assert_same_tensors(tmp_path / "ref-store" / "shards", imp / "shards")

def test_ctrl_c_prints_one_line_with_the_resume_command(tmp_path):
    s = tmp_path / "S"
    longer = ["--limit", "400", "--steps", "100", "--shard-size", "16", "--chunk", "16", "--device", "cpu"]   # still running at the 1st shard
    p = subprocess.Popen(wsbook_cmd() + ["fit", "digits", "--out", str(s), *longer], stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))   # a shell's `cmd &` ignores it
    t0 = time.time()
    while not list((s / "shards").glob("*.safetensors")) and time.time() - t0 < 120: time.sleep(0.01)
    p.send_signal(signal.SIGINT)
    err = p.communicate(timeout=60)[1]
    assert p.returncode == 130 and "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("wsbook fit: interrupted;") and f"go on with: wsbook fit --resume --out {s} --device cpu" in last, last
    run(*last.split("go on with: wsbook ")[1].split())
    assert "result     ok" in run("check", s, "--no-figure").stdout

slow = pytest.mark.skipif(not os.environ.get("WSBOOK_SLOW"), reason="slow: set WSBOOK_SLOW=1")

@pytest.mark.slow
@slow
def test_tiny_reproduction_twice_from_nothing_gives_the_same_numbers(tiny_reproduction, tmp_path):
    "Issue 30's fifth reproduction: a second `reproduce --scale tiny` in a fresh data folder gives identical numbers."
    run("reproduce", "--scale", "tiny", "--root", tmp_path / "again", "--device", "cpu")
    a, b = tiny_reproduction / "results", tmp_path / "again" / "results"
    assert strip(json.loads((a / "summary.json").read_text())) == strip(json.loads((b / "summary.json").read_text()))
    files = sorted(p.relative_to(a) for p in a.glob("*/results.json"))
    assert files and files == sorted(p.relative_to(b) for p in b.glob("*/results.json"))
    for f in files: assert strip(json.loads((a / f).read_text())) == strip(json.loads((b / f).read_text())), f

@pytest.mark.slow
@slow
def test_tiny_reproduction_killed_resumes_to_the_same_numbers(tiny_reproduction, tmp_path):
    root, rng = tmp_path / "k", random.Random(33)
    args = ["reproduce", "--scale", "tiny", "--root", root, "--device", "cpu"]
    for k in sorted(rng.sample(range(1, 6), 2)):     # after k finished runs (fits, training runs) of any experiment
        kill_when(args, lambda: len(list(root.glob("runs/*/*/metrics.json"))) + len(list(root.glob("inrs/*/manifest.json"))) >= k)
        final_files_are_whole(root)
    run(*args)
    a, b = tiny_reproduction / "results", root / "results"
    for f in sorted(p.relative_to(a) for p in a.glob("*/results.json")):
        assert strip(json.loads((a / f).read_text())) == strip(json.loads((b / f).read_text())), f
