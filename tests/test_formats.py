"""The published INR datasets' formats (wsbook.formats): each layout is written here the way its authors'
files are laid out (real key names, shapes, folders, splits files with foreign absolute paths), with SIRENs
that wsbook fitted to real MNIST digits so that the PSNR check means something; then imported, every field
checked, exported and re-imported bit for bit, and fed every kind of bad input."""
import contextlib, io, json, os
from collections import OrderedDict
from pathlib import Path
import numpy as np
import pytest
import torch
from wsbook.data import load_source, load_store, write_idx, fit_store, SPLITS
from wsbook.fit import fit_inrs, inr_seeds
from wsbook.inr import Draw, RECIPES, make_grid, render, Recipe
from wsbook import formats as F
from wsbook.formats import import_dataset, export_store, check_store
from wsbook.cli import main

N = 12                      # INR k draws digit k; k < 8 train, 8-9 val, 10-11 test
ROLE = [("train", k) for k in range(8)] + [("val", 8), ("val", 9), ("test", 0), ("test", 1)]   # (split, file index)
FOREIGN = "/cortex/users/someone/datasets"   # the authors' machine, as in their splits files

@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    "12 SIRENs 2-32-32-1 fitted by wsbook (paper recipe: DWSNets' INR, xy grid, +0.5) to real 28x28 MNIST digits."
    d = load_source("mnist5k")
    pick = [(k % 10) * 500 + k // 10 for k in range(N)]             # mnist5k is sorted by class: one digit of each class, then 0, 1
    imgs, labels = d.images[pick], d.labels[pick]
    # DWSNets' INR (xy grid, +0.5 offset) with SIREN's init and lr 1e-3, which gets there in fewer steps than DWSNets' recipe
    fast = Recipe("test", init="siren", out_offset=0.5, lr=1e-3, last_init="sine", grid="xy")
    res = fit_inrs(make_grid(28, 28, indexing="xy"), imgs.flatten(2).transpose(1, 2), (2, 32, 32, 1), inr_seeds(0, range(N), [0] * N),
                   fast, 80, None, chunk=N, device="cpu")
    # the source images as idx files: 60,000 "training" images (the digits at 0..11), then "test" images (digits 10, 11 at 0, 1)
    root = tmp_path_factory.mktemp("images")
    train = np.zeros((60000, 28, 28), np.uint8)
    train[:N] = (imgs[:, 0] * 255).round().numpy()
    test = train[[10, 11]]
    write_idx(root / "train-images-idx3-ubyte", train)
    write_idx(root / "train-labels-idx1-ubyte", np.zeros(60000, np.uint8))
    write_idx(root / "t10k-images-idx3-ubyte", test)
    write_idx(root / "t10k-labels-idx1-ubyte", np.zeros(2, np.uint8))
    # the stored images are uint8: measure the fitted quality against them
    from wsbook.inr import render, psnr
    ws = res.ws
    return {"W": [w.clone() for w in ws.weights], "B": [b.clone() for b in ws.biases], "labels": labels.tolist(), "images": root,
            "psnr": psnr(render(ws, (28, 28), fast), torch.from_numpy(train[:N, None]).float() / 255)}

def _perm_view(W, B, seed):
    "Another view of the same INRs: a hidden-neuron permutation (the same function, other weights)."
    g = torch.Generator().manual_seed(seed)
    p0, p1 = torch.randperm(32, generator=g), torch.randperm(32, generator=g)
    return ([W[0][:, p0], W[1][:, p1][:, :, p0], W[2][:, :, p1]], [B[0][:, p0], B[1][:, p1], B[2]])

def _nfn_convention(W, B):
    "DWSNets' convention -> NFN's (ij grid: swap the inputs; output in [-1, 1] without offset: 2 * (y + 0.5) - 1)."
    return [W[0].flip(-1), W[1], W[2] * 2], [B[0], B[1], B[2] * 2]

def _dws_sd(W, B, k, label=None):
    sd = OrderedDict()
    for i in range(3):
        sd[f"seq.{i}.weight"] = W[i][k].clone()
        sd[f"seq.{i}.bias"] = B[i][k].clone()
    if label is not None: sd["label"] = label
    return sd

def write_fmnist_layout(root: Path, fx, multiview=False, views=2):
    "fmnist_inrs/{split}/model_<idx>.pth (+ <view>/ for the multi-view layout) and splits.json with foreign absolute paths."
    lists = {s: [] for s in SPLITS}
    for v in range(views if multiview else 1):
        W, B = _perm_view(fx["W"], fx["B"], v) if v else (fx["W"], fx["B"])
        for k, (s, idx) in enumerate(ROLE):
            rel = (Path(f"view_{v}") if multiview else Path()) / s / f"model_{idx}.pth"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            torch.save(_dws_sd(W, B, k, fx["labels"][k]), root / rel)
            lists[s].append(f"{FOREIGN}/{root.name}/{rel.as_posix()}")
    (root / "splits.json").write_text(json.dumps(lists))
    return root

def write_mnist_layout(root: Path, fx, splits_file=True):
    "mnist-inrs/mnist_png_<training|testing>_<label>_<id>/checkpoints/model_final.pth (+ DWSNets' mnist_splits.json beside it)."
    lists = {s: {"path": [], "label": []} for s in SPLITS}
    for k, (s, idx) in enumerate(ROLE):
        d = root / f"mnist_png_{'testing' if s == 'test' else 'training'}_{fx['labels'][k]}_{idx}" / "checkpoints"
        d.mkdir(parents=True)
        torch.save(_dws_sd(fx["W"], fx["B"], k), d / "model_final.pth")
        lists[s]["path"].append(f"{FOREIGN}/DWSNets/experiments/mnist/dataset/{root.name}/{d.parent.name}/checkpoints/model_final.pth")
        lists[s]["label"].append(str(fx["labels"][k]))
    if splits_file: (root.parent / "mnist_splits.json").write_text(json.dumps(lists))
    return root

def write_nfn_layout(root: Path, fx, aug=1):
    "siren_fashion_wts/randinit_smaller_<label>s/net<idx>.pth + randinit_smaller_aug<i>_<label>s/ views, NFN's keys and convention."
    for v in range(1 + aug):
        W, B = _nfn_convention(*(_perm_view(fx["W"], fx["B"], v) if v else (fx["W"], fx["B"])))
        for k in range(N):
            l = fx["labels"][k]
            d = root / (f"randinit_smaller_{l}s" if v == 0 else f"randinit_smaller_aug{v - 1}_{l}s")
            d.mkdir(parents=True, exist_ok=True)
            sd = OrderedDict([("net.0.linear.weight", W[0][k].clone()), ("net.0.linear.bias", B[0][k].clone()),
                              ("net.1.linear.weight", W[1][k].clone()), ("net.1.linear.bias", B[1][k].clone()),
                              ("net.2.weight", W[2][k].clone()), ("net.2.bias", B[2][k].clone())])
            torch.save(sd, d / f"net{k}.pth")
    (root / "randinit_test_0s").mkdir()          # another prefix's folder: not part of the dataset
    return root

LAYOUTS = {"dwsnets-mnist": ("mnist-inrs", write_mnist_layout, {}), "dwsnets-fmnist": ("fmnist_inrs", write_fmnist_layout, {}),
           "multiview": ("fmnist_multiview", lambda r, fx: write_fmnist_layout(r, fx, multiview=True), {}),
           "nfn": ("siren_fashion_wts", write_nfn_layout, {"split_points": (8, 10)})}

def _write(fmt, tmp, fx):
    name, writer, kw = LAYOUTS[fmt]
    root = tmp / "datasets" / name
    root.mkdir(parents=True)
    return writer(root, fx), kw

def _same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.ws.tensors + (a.label, a.object, a.view, a.split), b.ws.tensors + (b.label, b.object, b.view, b.split)))

@pytest.mark.parametrize("fmt", list(LAYOUTS))
def test_import_reads_every_field_and_the_inrs_draw_their_digits(fmt, tmp_path, fitted):
    src, kw = _write(fmt, tmp_path, fitted)
    ds = load_store(import_dataset(fmt, src, tmp_path / "store", images=fitted["images"], progress=False, **kw))
    views = 2 if fmt in ("multiview", "nfn") else 1
    assert len(ds) == N * views and ds.manifest["views"] == views
    split_of = [s for s, _ in ROLE]
    obj = [k if s != "test" else 60000 + i for k, (s, i) in enumerate(ROLE)] if fmt != "nfn" else list(range(N))
    for v in range(views):
        rows = (ds.view == v).nonzero().squeeze(1)
        order = np.argsort(obj, kind="stable")                         # the store orders INRs by view, then object
        assert ds.object[rows].tolist() == [obj[k] for k in order]
        assert ds.label[rows].tolist() == [fitted["labels"][k] for k in order]
        assert [SPLITS[s] for s in ds.split[rows].tolist()] == [split_of[k] for k in order]
        W, B = _perm_view(fitted["W"], fitted["B"], v) if v else (fitted["W"], fitted["B"])
        if fmt == "nfn": W, B = _nfn_convention(W, B)
        for t, ref in zip(ds.ws.weights + ds.ws.biases, W + B):       # the files' tensors, bit for bit
            assert torch.equal(t[rows], ref[torch.as_tensor(order)])
    m = ds.manifest
    assert m["splits"] == {"train": 8, "val": 2, "test": 2} and m["arch"]["sizes"] == [2, 32, 32, 1]
    assert (m["arch"]["grid"], m["arch"]["out_offset"], m["arch"]["pixel_range"], m["arch"]["omega0"]) == \
        (("ij", 0.0, [-1.0, 1.0], 30.0) if fmt == "nfn" else ("xy", 0.5, [0.0, 1.0], 30.0))
    assert m["source"] == ("mnist" if fmt == "dwsnets-mnist" else "fmnist") and m["imported"]["format"] == fmt
    assert m["imported"]["skipped_files"]["count"] == 0
    if fmt == "nfn": assert m["imported"]["ignored_folders"] == ["randinit_test_0s"]
    # each INR draws its own digit in its store's convention: the PSNR import measured equals the fitted quality
    by_obj = {o: k for k, o in enumerate(obj)}
    expect = torch.stack([fitted["psnr"][by_obj[int(o)]] for o in ds.object])
    torch.testing.assert_close(ds.psnr, expect, atol=2e-3, rtol=0)
    assert ds.psnr.min() > 15, ds.psnr
    rep = check_store(tmp_path / "store", images=fitted["images"], figure=False)
    assert rep["ok"] and rep["suspect"] is None and rep["psnr"]["measured"] == len(ds)
    assert rep["psnr"]["max_abs_diff_vs_manifest"] < 1e-4

@pytest.mark.parametrize("fmt", list(LAYOUTS))
def test_export_then_import_is_bit_for_bit(fmt, tmp_path, fitted):
    src, kw = _write(fmt, tmp_path, fitted)
    a = load_store(import_dataset(fmt, src, tmp_path / "a", images=False, progress=False, **kw))
    info = export_store(tmp_path / "a", fmt, tmp_path / "exported" / LAYOUTS[fmt][0], progress=False)
    b = load_store(import_dataset(fmt, info["out"], tmp_path / "b", images=False, progress=False))
    assert _same(a, b) and a.manifest["arch"] == b.manifest["arch"] and a.manifest["classes"] == b.manifest["classes"]
    out = Path(info["out"])
    # what the authors' loaders read: plain tensors under their key names, in weight, bias order
    f = next(p for p in out.rglob("*.pth") if p.name != "statistics.pth")
    sd = torch.load(f, weights_only=True)
    assert list(sd)[:2] == (["net.0.linear.weight", "net.0.linear.bias"] if fmt == "nfn" else ["seq.0.weight", "seq.0.bias"])
    assert all(isinstance(v, torch.Tensor) and v.is_contiguous() and v.untyped_storage().nbytes() == v.numel() * 4
               for k, v in sd.items() if k != "label")
    if fmt != "nfn":                      # DWSNets' statistics file: per-entry mean/std in their (in, out, 1) layout
        st = torch.load(out / "statistics.pth", weights_only=True)
        assert [tuple(t.shape) for t in st["weights"]["mean"]] == [(2, 32, 1), (32, 32, 1), (32, 1, 1)]
        tr = (a.split == 0) & (a.view < (1 if fmt.startswith("dwsnets") else 99))
        torch.testing.assert_close(st["biases"]["std"][0][:, 0], a.ws.biases[0][tr].std(0))
    if fmt in ("dwsnets-fmnist", "multiview"):
        assert isinstance(sd["label"], int)
        js = json.loads((out / "splits.json").read_text())
        for s in SPLITS:                  # the paper's INRDataset re-roots each path at the folder holding splits.json
            for p in js[s]:
                parts = Path(p).parts
                assert (out / Path(*parts[parts.index(out.name) + 1:])).is_file()
        if fmt == "multiview": assert sorted({Path(p).parts[-3] for p in js["train"]}) == ["view_0", "view_1"]
    if fmt == "dwsnets-mnist":
        js = json.loads((out / "mnist_splits.json").read_text())
        assert all(Path(p).is_file() for s in SPLITS for p in js[s]["path"]) and js["train"]["label"][0].isdigit()
    if fmt == "nfn":
        assert "split_points=[8,10]" in info["train_with"] and "extra_aug=1" in info["train_with"]
        # NFN's loader indexes net<idx>.pth over 0..N-1 of randinit_smaller_<label>s, labels from the folder name
        orig = sorted(int(f.stem[3:]) for f in out.glob("randinit_smaller_[0-9]s/*.pth"))
        assert orig == list(range(N)) and len(list(out.glob("randinit_smaller_aug0_[0-9]s/*.pth"))) == N

def test_a_recipe_and_a_format_draw_one_inr_alike(tmp_path):
    """How an INR draws has one home (`Draw`): a fitted store drawn through its recipe and through its manifest, and
    the same INRs exported to DWSNets' layout and imported again, give the very same images."""
    s = fit_store(load_source("digits"), tmp_path / "s", limit=12, steps=5, device="cpu", progress=False, chunk=12)
    ds = load_store(s)
    by_recipe, by_store = render(ds.ws, (8, 8), ds.recipe), render(ds.ws, (8, 8), ds.manifest)
    assert torch.equal(by_recipe, by_store) and torch.equal(by_recipe, render(ds.ws, (8, 8), "paper"))
    assert RECIPES["paper"].draw == F.get_format("dwsnets-fmnist").draw == Draw.of(ds.manifest)
    export_store(s, "dwsnets-fmnist", tmp_path / "out", progress=False)
    back = load_store(import_dataset("dwsnets-fmnist", tmp_path / "out", tmp_path / "back", images=False, progress=False))
    order = [int((back.object == o).nonzero()) for o in ds.object]
    assert torch.equal(render(back.ws[order], (8, 8), back.manifest), by_recipe)
    # a format that draws otherwise (NFN: rows first, outputs in [-1, 1]) is told apart, not silently drawn alike
    assert F.get_format("nfn").draw != RECIPES["paper"].draw
    assert not torch.allclose(render(ds.ws, (8, 8), F.get_format("nfn").draw), by_recipe)

def test_a_wsbook_store_goes_out_as_nfn_and_comes_back_exactly(tmp_path):
    s = fit_store(load_source("digits"), tmp_path / "s", views=2, limit=20, steps=5, device="cpu", progress=False, chunk=40)
    ref = load_store(s)
    export_store(s, "nfn", tmp_path / "siren_digits_wts", progress=False)
    n = load_store(import_dataset("nfn", tmp_path / "siren_digits_wts", tmp_path / "n", progress=False))
    assert n.manifest["arch"]["grid"] == "ij" and torch.equal(n.object, ref.object) and torch.equal(n.split, ref.split)
    assert n.manifest["classes"] == ref.manifest["classes"] and n.manifest["source"] == "digits"
    # NFN's convention renders the same images
    torch.testing.assert_close(render(n.ws, (8, 8), n.manifest), render(ref.ws, (8, 8), ref.manifest), atol=1e-5, rtol=0)
    export_store(tmp_path / "n", "multiview", tmp_path / "mv", progress=False)
    back = load_store(import_dataset("multiview", tmp_path / "mv", tmp_path / "back", progress=False))
    assert _same(back, ref)
    assert {k: back.manifest["arch"][k] for k in ref.manifest["arch"]} == ref.manifest["arch"]

def test_a_pickle_that_runs_code_is_refused_and_does_not_run(tmp_path, fitted):
    sentinel = tmp_path / "pwned"
    class Evil:
        def __reduce__(self): return (os.system, (f"touch {sentinel}",))
    src, _ = _write("dwsnets-fmnist", tmp_path, fitted)
    victim = src / "train" / "model_3.pth"
    sd = _dws_sd(fitted["W"], fitted["B"], 3, fitted["labels"][3])
    sd["extra"] = Evil()
    torch.save(sd, victim)
    with pytest.raises(ValueError, match=f"{victim}: refused .*posix.system"):
        import_dataset("dwsnets-fmnist", src, tmp_path / "s", images=False, progress=False)
    assert not sentinel.exists() and not (tmp_path / "s").exists()
    with pytest.warns(UserWarning, match="skipping .*model_3.pth"):
        ds = load_store(import_dataset("dwsnets-fmnist", src, tmp_path / "s", skip_bad=True, images=False, progress=False))
    assert not sentinel.exists() and len(ds) == N - 1 and 3 not in ds.object.tolist()
    sk = ds.manifest["imported"]["skipped_files"]
    assert sk["count"] == 1 and sk["files"][0]["file"] == str(victim) and "posix.system" in sk["files"][0]["reason"]

def _break(kind, src, fx):
    "Damage a dwsnets-fmnist folder one way; return the file (or splits file) the error must name, and a field."
    f = src / "train" / "model_5.pth"
    sd = torch.load(f, weights_only=True)
    if kind == "missing key":
        del sd["seq.2.bias"]
        torch.save(sd, f)
        return f, "seq.2.bias"
    if kind == "shape":
        sd["seq.1.weight"] = torch.zeros(32, 31)
        torch.save(sd, f)
        return f, "seq.1.weight"
    if kind == "mixed arch":
        sd = _dws_sd([torch.zeros(1, 16, 2), torch.zeros(1, 16, 16), torch.zeros(1, 1, 16)], [torch.zeros(1, 16), torch.zeros(1, 16), torch.zeros(1, 1)], 0, 1)
        torch.save(sd, f)
        return f, "mixed architectures"
    if kind == "label":
        sd["label"] = 10
        torch.save(sd, f)
        return f, "field 'label' is 10, outside the 10 classes"
    if kind == "missing file":
        f.unlink()
        return src / "splits.json", "field 'train' entry"
    if kind == "not a dict":
        torch.save([1, 2], f)
        return f, "expected a state dict"
    raise KeyError(kind)

@pytest.mark.parametrize("kind", ["missing key", "shape", "mixed arch", "label", "missing file", "not a dict"])
def test_bad_files_are_named_or_skipped(kind, tmp_path, fitted):
    src, _ = _write("dwsnets-fmnist", tmp_path, fitted)
    where, field = _break(kind, src, fitted)
    with pytest.raises(ValueError) as e: import_dataset("dwsnets-fmnist", src, tmp_path / "s", images=False, progress=False)
    assert str(where) in str(e.value) and field in str(e.value), str(e.value)
    assert not (tmp_path / "s").exists()
    with pytest.warns(UserWarning):
        ds = load_store(import_dataset("dwsnets-fmnist", src, tmp_path / "s", skip_bad=True, images=False, progress=False))
    assert len(ds) == N - 1 and ds.manifest["imported"]["skipped_files"]["count"] == 1
    assert field in ds.manifest["imported"]["skipped_files"]["files"][0]["reason"]

def test_views_of_one_object_must_agree_and_not_repeat(tmp_path, fitted):
    src, _ = _write("multiview", tmp_path, fitted)
    f = src / "view_1" / "train" / "model_2.pth"
    sd = torch.load(f, weights_only=True)
    sd["label"] = (sd["label"] + 1) % 10
    torch.save(sd, f)
    with pytest.raises(ValueError, match="object 2 is 'train' with label .*views of one object share split and label"):
        import_dataset("multiview", src, tmp_path / "s", images=False, progress=False)

def test_an_interrupted_import_leaves_no_store(tmp_path, fitted, monkeypatch):
    src, _ = _write("multiview", tmp_path, fitted)
    calls = []
    real = F.atomic_save_tensors
    def dies(*a, **k):
        calls.append(1)
        if len(calls) == 2: raise KeyboardInterrupt("killed")
        return real(*a, **k)
    monkeypatch.setattr(F, "atomic_save_tensors", dies)
    with pytest.raises(KeyboardInterrupt): import_dataset("multiview", src, tmp_path / "s", images=False, progress=False, shard_size=4)
    assert not (tmp_path / "s").exists() and not list(tmp_path.glob(".s.partial-*"))
    # a folder that a killed run left behind (kill -9: no clean-up) is not a store, and the next import replaces it
    (tmp_path / ".s.partial-99999" / "shards").mkdir(parents=True)
    monkeypatch.setattr(F, "atomic_save_tensors", real)
    assert len(load_store(import_dataset("multiview", src, tmp_path / "s", images=False, progress=False))) == 2 * N
    assert not list(tmp_path.glob(".s.partial-*"))
    with pytest.raises(FileExistsError, match="already exists"): import_dataset("multiview", src, tmp_path / "s", images=False, progress=False)

def test_nfn_aug_folders_are_views_and_split_points_split_by_index(tmp_path, fitted):
    src, _ = _write("nfn", tmp_path, fitted)
    ds = load_store(import_dataset("nfn", src, tmp_path / "s", split_points=(8, 10), images=False, progress=False))
    assert sorted(ds.view.tolist()) == [0] * N + [1] * N                      # not 12 INRs with aug files overwriting originals
    assert (ds.split[ds.object < 8] == 0).all() and (ds.split[(ds.object >= 8) & (ds.object < 10)] == 1).all() and (ds.split[ds.object >= 10] == 2).all()
    default = load_store(import_dataset("nfn", src, tmp_path / "d", images=False, progress=False))
    assert (default.split == 0).all()                                          # NFN's 45,000 / 50,000: all train here
    torch.save({}, src / f"randinit_smaller_{fitted['labels'][0]}s" / "net99.pth")      # no weight keys
    with pytest.raises(ValueError, match="net99.pth: keys do not match the nfn layout"):
        import_dataset("nfn", src, tmp_path / "e", images=False, progress=False)

def test_mnist_splits_file_and_folder_rules(tmp_path, fitted):
    root = tmp_path / "training_data" / "dataset" / "mnist-inrs"
    root.mkdir(parents=True)  # 'train' in a parent: no matter
    write_mnist_layout(root, fitted)
    ds = load_store(import_dataset("dwsnets-mnist", root, tmp_path / "s", images=False, progress=False))
    assert [SPLITS[s] for s in ds.split.tolist()] == ["train"] * 8 + ["val"] * 2 + ["test"] * 2
    assert ds.manifest["imported"]["splits_file"] == str(root.parent / "mnist_splits.json")
    (root.parent / "mnist_splits.json").unlink()
    ds = load_store(import_dataset("dwsnets-mnist", root, tmp_path / "t", images=False, progress=False))
    assert (ds.split == 2).sum() == 2 and (ds.split == 1).sum() == round(10 * 5000 / 60000) and "seed 0" in ds.manifest["imported"]["val"]
    js = {s: {"path": [f"{FOREIGN}/mnist-inrs/mnist_png_training_{fitted['labels'][0]}_77/checkpoints/model_final.pth"], "label": ["1"]} for s in SPLITS}
    (tmp_path / "bad.json").write_text(json.dumps(js))
    with pytest.raises(ValueError, match="bad.json: field 'train.path' entry 0 names .*_77/checkpoints/model_final.pth, which is not a file"):
        import_dataset("dwsnets-mnist", root, tmp_path / "u", splits=tmp_path / "bad.json", images=False, progress=False)

def test_check_catches_a_wrong_convention_and_a_corrupt_shard(tmp_path, fitted):
    src, kw = _write("nfn", tmp_path, fitted)
    store = import_dataset("nfn", src, tmp_path / "s", images=fitted["images"], progress=False, **kw)
    m = json.loads((store / "manifest.json").read_text())
    m["arch"]["grid"] = "xy"
    (store / "manifest.json").write_text(json.dumps(m))
    rep = check_store(store, images=fitted["images"], figure=True)
    assert not rep["ok"] and "grid ij, offset 0, range [-1, 1]" in rep["suspect"] and (store / "check.png").stat().st_size > 1000
    assert json.loads((store / "check.json").read_text())["suspect"] == rep["suspect"]
    shard = next((store / "shards").glob("*.safetensors"))
    raw = bytearray(shard.read_bytes())
    raw[-1] ^= 1
    shard.write_bytes(bytes(raw))
    with contextlib.redirect_stdout(io.StringIO()) as out: main(["info", str(store)])
    assert "not verified by info: `wsbook check" in out.getvalue()
    with contextlib.redirect_stdout(io.StringIO()) as out, pytest.raises(SystemExit) as e: main(["check", str(store), "--no-figure"])
    assert e.value.code == 1 and f"BAD        shards/{shard.name}: sha256 differs" in out.getvalue()

def test_cli_import_export_and_numeric_flag_ranges(tmp_path, fitted):
    src, _ = _write("dwsnets-fmnist", tmp_path, fitted)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        main(["import", "dwsnets-fmnist", str(src), "--out", str(tmp_path / "s"), "--images", str(fitted["images"])])
        main(["export", str(tmp_path / "s"), "--format", "nfn", "--out", str(tmp_path / "siren_x_wts")])
    assert "imported   dwsnets-fmnist" in out.getvalue() and "PSNR       mean" in out.getvalue() and "launch_classify_siren" in out.getvalue()
    with contextlib.redirect_stderr(io.StringIO()) as err, pytest.raises(SystemExit) as e:
        main(["import", "dwsnets-fmnist", str(src), "--out", str(tmp_path / "s")])
    assert e.value.code == 2 and "already exists" in err.getvalue()
    for argv, msg in ((["fit", "digits", "--out", "x", "--views", "-1"], "argument --views: must be >= 1, got -1"),
                      (["fit", "digits", "--out", "x", "--steps", "0"], "argument --steps: must be >= 1, got 0"),
                      (["train", "x", "--out", "y", "--batch-size", "0"], "argument --batch-size: must be >= 1, got 0"),
                      (["check", "x", "--limit", "0"], "argument --limit: must be >= 1, got 0"),
                      (["import", "nfn", "x", "--out", "y", "--split-points", "50,10"], "argument --split-points: expected 0 <= VAL <= TEST")):
        with contextlib.redirect_stderr(io.StringIO()) as err, pytest.raises(SystemExit) as e: main(argv)
        assert e.value.code == 2 and msg in err.getvalue(), err.getvalue()

def test_files_saved_from_real_modules_are_read(tmp_path, fitted):
    "What the authors' scripts save: a module's state_dict() (an OrderedDict with _metadata) or its nn.Parameters, plus the label."
    class INR(torch.nn.Module):                      # DWSNets' key structure: self.seq = nn.Sequential(...)
        def __init__(self):
            super().__init__()
            self.seq = torch.nn.Sequential(torch.nn.Linear(2, 32), torch.nn.Linear(32, 32), torch.nn.Linear(32, 1))
    src, _ = _write("dwsnets-fmnist", tmp_path, fitted)
    m = INR()
    sd = m.state_dict()
    sd["label"] = torch.tensor(fitted["labels"][0])
    torch.save(sd, src / "train" / "model_0.pth")
    params = dict(m.named_parameters())
    params["label"] = fitted["labels"][1]
    torch.save(params, src / "train" / "model_1.pth")
    ds = load_store(import_dataset("dwsnets-fmnist", src, tmp_path / "s", images=False, progress=False))
    for k in (0, 1):
        i = int((ds.object == k).nonzero())
        assert torch.equal(ds.ws.weights[1][i], m.seq[1].weight.detach()) and torch.equal(ds.ws.biases[2][i], m.seq[2].bias.detach())
    assert not any(t.requires_grad for t in ds.ws.tensors)
