"""`scripts/gpu-check.sh`, dry-run on the CPU with tiny sizes: the same script and the same code a GPU run
uses, on small Fashion-MNIST-format files the test writes, checked by the JSON lines it leaves."""
import gzip, json, os, struct, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from wsbook.records import load_run

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gpu-check.sh"

def _idx(path: Path, a: np.ndarray):
    with gzip.open(path, "wb") as f: f.write(bytes([0, 0, 8, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape) + a.tobytes())

@pytest.fixture(scope="module")
def fmnist(tmp_path_factory):
    "Fashion-MNIST's four idx files, small: 100 training and 30 test images of 28x28, 10 classes."
    d = tmp_path_factory.mktemp("fmnist")
    rng = np.random.default_rng(0)
    for pre, n in (("train", 100), ("t10k", 30)):
        y = (np.arange(n) % 10).astype(np.uint8)
        x = (rng.random((n, 28, 28)) * 64 + y[:, None, None] * 19).astype(np.uint8)   # a class-dependent brightness
        _idx(d / f"{pre}-images-idx3-ubyte.gz", x)
        _idx(d / f"{pre}-labels-idx1-ubyte.gz", y)
    return d

def _run(*args, env=None, timeout=300):
    return subprocess.run(["bash", str(SCRIPT), "--python", sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=ROOT)

def test_cpu_dry_run_writes_every_line(fmnist, tmp_path):
    r = _run("--no-install", "--fmnist", str(fmnist), "--out", str(tmp_path / "out"), "--limit-s", "240",
             "--tiny", "--device", "cpu", "--record", "dry-run", "--results-dir", str(tmp_path / "results"), "--commit", "0" * 40,
             "--work", str(tmp_path / "work"),
             env={"OMP_NUM_THREADS": "1"})   # one thread: on a shared 2-core machine, more threads spin against each other
    assert r.returncode == 0, r.stderr[-3000:]
    path = tmp_path / "out" / "gpu-check.jsonl"
    assert path.exists() and not path.with_name("gpu-check.jsonl.part").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["gpu-check.jsonl"] and (tmp_path / "work" / "store" / "manifest.json").exists()
    lines = [json.loads(l) for l in path.read_text().splitlines()]
    env = lines[0]
    assert env["bench"] == "env" and env["device"] == "cpu" and env["gpu"] is None and env["torch"] and "cuda_version" in env
    assert env["sizes"]["objects"] == 24 and env["sizes"]["model"] == "dws"
    benches = {l["bench"] for l in lines}
    assert {"fit", "augment", "train", "gpu-check"} <= benches
    assert all(l["value"] > 0 for l in lines if l["bench"] in ("fit", "augment", "train"))
    by = {l["case"]: l for l in lines if l["bench"] == "gpu-check"}
    assert list(by) == ["fit_slice", "store_to_device", "train_dws_none", "train_dws_vanilla", "train_dws_align", "total"]
    fit = by["fit_slice"]
    assert fit["n_inrs"] == 48 and fit["steps_budget"] == 10 and fit["value"] > 0 and fit["unit"] == "INR-steps/s"
    assert abs(fit["s_per_inr_step"] * fit["value"] - 1) < 1e-3 and fit["paper_fit_s_estimate"] > 0
    for m in ("none", "vanilla", "align"):
        t = by[f"train_dws_{m}"]
        assert t["unit"] == "s/epoch" and t["value"] > 0 and t["train_inrs"] > 0 and t["paper_epoch_s_estimate"] > 0
    assert by["store_to_device"]["n_inrs"] == 48
    assert by["total"]["value"] > 0
    rec = load_run(tmp_path / "results" / "dry-run.json")
    assert rec["experiment"] == "gpu-check" and rec["device"] == "cpu" and rec["commit"] == "0" * 40
    assert rec["results"] == lines and rec["params"]["objects"] == 24 and rec["machine"]["torch"] == env["torch"]

def test_missing_packages_are_named(tmp_path):
    r = _run("--out", str(tmp_path), "--wheels", str(tmp_path / "none"), env={"GPU_CHECK_NEEDS": "numpy surely_absent_pkg_xyz"})
    assert r.returncode == 3 and "missing python packages: surely_absent_pkg_xyz" in r.stderr and "--prepare" in r.stderr

def test_missing_fashion_mnist_is_named(tmp_path):
    r = _run("--no-install", "--fmnist", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"), "--device", "cpu", "--tiny")
    assert r.returncode == 2 and f"{tmp_path / 'nowhere'}: Fashion-MNIST folder not found" in r.stderr

def test_prepare_needs_the_fashion_mnist_files(tmp_path):
    r = _run("--prepare", str(tmp_path / "carry"), "--fmnist", str(tmp_path))
    assert r.returncode == 2 and "train-images-idx3-ubyte.gz missing" in r.stderr
