"""The foundation's promises: fitted INRs render their images, fitting is deterministic, an
interrupted (kill -9) job resumes to exactly what an uninterrupted one makes, views never cross
splits, and a store round-trips through disk."""
import os, signal, subprocess, time
from pathlib import Path
import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from conftest import wsbook_cmd
from wsbook.data import load_source, fit_store, load_store, assign_splits, default_counts
from wsbook.fit import fit_inrs, inr_seeds
from wsbook.inr import render, psnr, make_grid, get_recipe

def _fit_digits(n=6, recipe="siren", steps=400, target=None, seed=0, chunk=None):
    src = load_source("digits")
    imgs = src.images[:n]
    return imgs, fit_inrs(make_grid(8, 8, indexing=get_recipe(recipe).grid), imgs.flatten(2).transpose(1, 2), (2, 32, 32, 1), inr_seeds(seed, range(n), [0] * n),
                          recipe, steps, target, device="cpu", chunk=chunk)

def test_fitted_inr_renders_its_image_above_target():
    imgs, res = _fit_digits(recipe="siren", steps=400)
    rendered = psnr(render(res.ws, (8, 8), "siren"), imgs)
    assert (rendered >= 40).all(), rendered
    assert (res.steps < 400).all()                      # it stopped early because it got there
    torch.testing.assert_close(rendered, res.quality, atol=1e-3, rtol=0)

def test_fitting_is_deterministic_and_seed_dependent():
    _, a = _fit_digits(recipe="paper", steps=30)
    _, b = _fit_digits(recipe="paper", steps=30)
    _, c = _fit_digits(recipe="paper", steps=30, seed=1)
    assert torch.equal(a.ws.flatten(), b.ws.flatten())
    assert not torch.allclose(a.ws.flatten(), c.ws.flatten())

def test_views_never_cross_splits_and_use_distinct_inits(tmp_path):
    fit_store(load_source("digits"), tmp_path / "s", views=3, limit=30, steps=5, shard_size=7, device="cpu", progress=False)
    ds = load_store(tmp_path / "s")
    assert len(ds) == 90
    for o in ds.object.unique():
        rows = ds.object == o
        assert len(ds.split[rows].unique()) == 1 and sorted(ds.view[rows].tolist()) == [0, 1, 2]
        w = ds.ws.weights[0][rows].flatten(1)
        assert not torch.allclose(w[0], w[1])           # a view is another init, not a copy
    assert ds.manifest["views"] == 3 and ds.manifest["splits"] == {"train": 24, "val": 3, "test": 3}

def test_split_counts_follow_the_paper_for_fmnist_pools():
    pool = np.array(["train"] * 60000 + ["test"] * 10000)
    assert default_counts(pool) == {"train": 55000, "val": 5000, "test": 10000}
    split = assign_splits(pool, default_counts(pool))
    assert (split[60000:] == "test").all() and (split[:60000] != "test").all()

def _tensors(store):
    out = {}
    for f in sorted((Path(store) / "shards").glob("*.safetensors")): out.update({f"{f.name}:{k}": v for k, v in load_file(f).items()})
    return out

def test_resume_after_kill_9_equals_uninterrupted_run(tmp_path):
    args = ["fit", "digits", "--limit", "48", "--views", "2", "--steps", "300", "--shard-size", "8", "--chunk", "8", "--device", "cpu", "--seed", "3"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run(wsbook_cmd() + args + ["--out", str(tmp_path / "full")], check=True, env=env, capture_output=True)
    p = subprocess.Popen(wsbook_cmd() + args + ["--out", str(tmp_path / "cut")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shards = tmp_path / "cut" / "shards"
    t0 = time.time()
    while time.time() - t0 < 120 and len(list(shards.glob("*.safetensors"))) < 3: time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    n_done = len(list(shards.glob("*.safetensors")))
    assert 3 <= n_done < 12, f"the job should have been cut in the middle, had {n_done} of 12 shards"
    assert not (tmp_path / "cut" / "manifest.json").exists()
    with pytest.raises(FileNotFoundError, match="interrupted job"): load_store(tmp_path / "cut")
    again = subprocess.run(wsbook_cmd() + args + ["--out", str(tmp_path / "cut")], env=env, capture_output=True, text=True)
    assert again.returncode == 2 and "pass --resume" in again.stderr
    subprocess.run(wsbook_cmd() + args + ["--out", str(tmp_path / "cut"), "--resume"], check=True, env=env, capture_output=True)
    a, b = _tensors(tmp_path / "full"), _tensors(tmp_path / "cut")
    assert a.keys() == b.keys()
    for k in a: assert torch.equal(a[k], b[k]), k
    assert not list((tmp_path / "cut").rglob("*.tmp"))

def test_adding_views_later_keeps_existing_ones(tmp_path):
    src = load_source("digits")
    fit_store(src, tmp_path / "s", views=1, limit=20, steps=10, shard_size=8, device="cpu", progress=False)
    one = load_store(tmp_path / "s")
    fit_store(src, tmp_path / "s", views=2, limit=20, steps=10, shard_size=8, device="cpu", progress=False, resume=True)
    two = load_store(tmp_path / "s")
    assert len(two) == 2 * len(one)
    v0 = two.view == 0
    assert torch.equal(two.ws.flatten()[v0], one.ws.flatten()) and torch.equal(two.object[v0], one.object)

def test_settings_mismatch_is_refused(tmp_path):
    src = load_source("digits")
    fit_store(src, tmp_path / "s", limit=20, steps=5, device="cpu", progress=False)
    with pytest.raises(ValueError, match=r"other settings - fit.steps: 6 \(job.json: 5\)"):
        fit_store(src, tmp_path / "s", limit=20, steps=6, device="cpu", progress=False, resume=True)

def test_cli_info_and_missing_store(tmp_path):
    r = subprocess.run(wsbook_cmd() + ["info", str(tmp_path / "nothing")], capture_output=True, text=True)
    assert r.returncode == 2 and "manifest.json: not found" in r.stderr
    r = subprocess.run(wsbook_cmd() + ["fit", "fmnist", "--root", str(tmp_path / "nofmnist"), "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert r.returncode == 2 and "dataset-fashion-mnist" in r.stderr
