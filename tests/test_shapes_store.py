"""3D INR stores: `wsbook fit shapes3d|modelnet40` round trips, skipped broken files in the manifest,
held-out IoU as the quality field, splits by object, a sane fit on a simple shape, rendering store rows,
and exact 3D input-space augmentations on fitted occupancy INRs."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("trimesh")
pytest.importorskip("skimage")
import trimesh
from wsbook import shapes as S
from wsbook.augment import Rotate, Scale, Translate, rotation_matrices
from wsbook.cli import main
from wsbook.data import fit_store, load_source, load_store, store_info
from wsbook.shapes import ShapeSource, render_shape, shape_iou, shape_points, write_off
from wsbook.fit import fit_inrs, inr_seeds
from wsbook.inr import siren_forward

CPU = ["--device", "cpu"]


def _run(capsys, *args):
    "Run `wsbook ARGS` in this process (the console script's code path); its stdout."
    main([str(a) for a in args])
    return capsys.readouterr().out


def test_cli_shapes3d_round_trip(tmp_path, capsys):
    out = _run(capsys, "fit", "shapes3d", "--out", tmp_path / "s", "--limit", 24, "--views", 2, "--steps", 15, "--points", 256,
               "--held-out", 512, "--chunk", 24, "--shard-size", 10, *CPU)
    assert "3D shapes, occupancy" in out and "IoU        held-out (512 points)" in out
    ds = load_store(tmp_path / "s")
    m = ds.manifest
    assert len(ds) == 48 and ds.ws.sizes == (3, 32, 32, 1) and ds.quality_metric == "iou"
    assert m["kind"] == "shape" and m["fit"]["loss"] == "mse" and m["fit"]["level"] == 0.5
    assert m["fit"]["points"] == 256 and m["fit"]["held_out"] == 512 and m["skipped_files"]["count"] == 0
    assert m["splits"] == {"train": 20, "val": 2, "test": 2} and m["classes"] == S.SHAPE_CLASSES
    assert ((0 <= ds.quality) & (ds.quality <= 1)).all() and abs(m["iou"]["mean"] - float(ds.quality.mean())) < 1e-6
    with pytest.raises(AttributeError, match="use .quality"): ds.psnr
    # labels are the generated shapes' labels; views share a split and differ in init
    np.testing.assert_array_equal(ds.label.numpy(), S.shapes3d(24, seed=0)[1][ds.object.numpy()])
    for o in ds.object.unique():
        rows = ds.object == o
        assert len(ds.split[rows].unique()) == 1 and sorted(ds.view[rows].tolist()) == [0, 1]
        w = ds.ws.weights[0][rows].flatten(1)
        assert not torch.allclose(w[0], w[1])


def test_view_points_and_resume(tmp_path):
    "Adding a view later keeps view 0 bit for bit; the stored IoU is the held-out IoU recomputed from the points."
    src = load_source("shapes3d", limit=12)
    kw = dict(steps=10, points=128, held_out=256, chunk=6, shard_size=6, device="cpu", progress=False)
    fit_store(src, tmp_path / "a", views=1, **kw)
    v0 = load_store(tmp_path / "a")
    with pytest.raises(FileExistsError, match="pass --resume"): fit_store(src, tmp_path / "a", views=2, **kw)
    fit_store(src, tmp_path / "a", views=2, resume=True, **kw)
    both = load_store(tmp_path / "a")
    first = both.view == 0
    torch.testing.assert_close(both.ws[first].flatten(), v0.ws.flatten(), rtol=0, atol=0)
    hc, ho = shape_points(src, both.object[first].numpy(), 256, seed=0, kinds=(1,))[0]
    torch.testing.assert_close(shape_iou(both.ws[first], hc, ho), both.quality[first])


def _modelnet_folder(root: Path) -> Path:
    "Two classes in ModelNet's layout; the crates have the glued `OFF8 12 0` header, one ball file is broken."
    for c, make in (("ball", lambda: trimesh.creation.icosphere(1)), ("crate", lambda: trimesh.creation.box((1, 0.6, 0.4)))):
        for pool, k in (("train", 4), ("test", 2)):
            for j in range(k):
                m = make()
                write_off(root / c / pool / f"{c}_{pool}_{j:04d}.off", m.vertices, m.faces, glued=(c == "crate"))
    (root / "ball/train/ball_broken.off").write_text("OFF\n8 2 0\n0 0 0\n1 0 0\n")       # truncated vertex list
    return root


def test_modelnet_layout_glued_header_and_broken_file(tmp_path, capsys):
    root = _modelnet_folder(tmp_path / "ModelNet40")
    assert (root / "crate/train/crate_train_0000.off").read_text().startswith("OFF8 12 0\n")
    with pytest.warns(UserWarning, match="skipping broken mesh ball/train/ball_broken.off"):   # the warning names the file
        out = _run(capsys, "fit", "modelnet40", "--root", root, "--out", tmp_path / "s", "--steps", 10, "--points", 128,
                   "--held-out", 128, "--chunk", 8, *CPU)
    assert "skipped    1 broken file(s): ball/train/ball_broken.off" in out
    ds = load_store(tmp_path / "s")
    m = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert m["skipped_files"] == {"count": 1, "files": ["ball/train/ball_broken.off"]}
    assert m["classes"] == ["ball", "crate"] and m["splits"] == {"train": 8, "val": 0, "test": 4} and len(ds) == 12
    assert ds.quality_metric == "iou" and sorted(ds.label.tolist()) == [0] * 6 + [1] * 6
    # ModelNet's own test files are the test split
    src = load_source("modelnet40", root)
    assert (src.pool[ds.object[ds.split == 2].numpy()] == "test").all()
    with pytest.raises(FileNotFoundError, match="no class folder"): load_source("modelnet10", root)


def test_missing_root_is_explained(tmp_path, capsys):
    with pytest.raises(SystemExit) as e: main(["fit", "modelnet40", "--out", str(tmp_path / "x")])
    assert e.value.code == 2 and "needs --root DIR" in capsys.readouterr().err


@pytest.fixture(scope="module")
def sphere_inr():
    "One occupancy INR of an off-centre sphere (1,024 points, 150 steps)."
    mesh = trimesh.creation.icosphere(3, radius=0.5)
    mesh.apply_translation((0.2, -0.1, 0.1))
    src = ShapeSource("ball", torch.tensor([0]), ["ball"], np.array(["train"]), lambda i: mesh)
    (c, o), (hc, ho) = shape_points(src, [0], 1024, seed=0, kinds=(0, 1))
    res = fit_inrs(c, o, (3, 32, 32, 1), inr_seeds(0, [0], [0]), "paper", 150, float("inf"), device="cpu", chunk=1)
    return mesh, res.ws, hc, ho


def test_fitted_sphere_has_high_held_out_iou(sphere_inr):
    mesh, ws, hc, ho = sphere_inr
    q = shape_iou(ws, hc, ho)
    assert q.item() > 0.8, q                                               # measured: 0.88
    uc, uo = S.occupancy_batch([mesh], 20000, seed=5, near_surface_frac=0)
    assert shape_iou(ws, uc, uo).item() > 0.85                             # uniform points: 0.94


def test_render_shape_of_a_store_row(tmp_path, sphere_inr):
    mesh, ws, _, _ = sphere_inr
    src = ShapeSource("ball", torch.tensor([0]), ["ball"], np.array(["train"]), lambda i: mesh)
    fit_store(src, tmp_path / "b", counts={"train": 1, "val": 0, "test": 0}, steps=150, points=1024, chunk=1, device="cpu",
              progress=False)
    ds = load_store(tmp_path / "b")
    torch.testing.assert_close(ds.ws.flatten(), ws.flatten())             # the store fits exactly what fit_inrs does
    m = render_shape(ds, 0, resolution=40)
    assert len(m.faces) > 100 and abs(m.volume / mesh.volume - 1) < 0.15
    # the biggest piece is the sphere (a fitted SIREN may add small stray pieces in the box's sparsely sampled corners)
    big = max(m.split(only_watertight=False), key=lambda p: p.area)
    np.testing.assert_allclose(big.bounds.mean(0), (0.2, -0.1, 0.1), atol=0.05)
    img = load_source("digits")
    fit_store(img, tmp_path / "d", limit=10, steps=2, device="cpu", chunk=8, progress=False)
    with pytest.raises(ValueError, match="needs a store of shape INRs"): render_shape(load_store(tmp_path / "d"), 0)
    assert "PSNR" in store_info(tmp_path / "d") and len(load_store(tmp_path / "d").psnr) == 10


# --- 3D augmentations on fitted occupancy INRs: exact changes of the input coordinates
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_3d_input_augmentations_are_exact_on_fitted_inrs(sphere_inr, seed):
    _, ws, hc, _ = sphere_inr
    ws = ws[torch.zeros(4, dtype=torch.long)]                             # one fitted INR, four random augmentations
    x = hc[0, :2000]
    f = lambda w, pts: siren_forward(w, pts, out_offset=0.5)
    g = lambda: torch.Generator().manual_seed(seed)
    t = Translate().sample(g(), ws)
    torch.testing.assert_close(f(Translate()(ws, None, g())[0], x), f(ws, x + t[:, None]), atol=2e-4, rtol=0)
    s = Scale().sample(g(), ws)
    torch.testing.assert_close(f(Scale()(ws, None, g())[0], x), f(ws, x * s[:, None, None]), atol=2e-4, rtol=0)
    R = Rotate(degrees=180).sample(g(), ws)
    assert R.shape == (4, 3, 3) and not torch.allclose(R[0], R[1])       # a different random 3D rotation per sample
    torch.testing.assert_close(R @ R.transpose(1, 2), torch.eye(3).expand(4, 3, 3), atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.linalg.det(R), torch.ones(4), atol=1e-5, rtol=0)
    torch.testing.assert_close(f(Rotate(degrees=180)(ws, None, g())[0], x), f(ws, x @ R.transpose(1, 2)), atol=2e-4, rtol=0)


def test_rotated_inr_encodes_the_rotated_shape(sphere_inr):
    "aug(x) = inr(R x): the augmented INR is the shape rotated by R^T - checked against the rotated mesh."
    mesh, ws, _, _ = sphere_inr
    R = rotation_matrices(torch.tensor([np.pi / 2]), torch.tensor([[0.0, 0.0, 1.0]]))    # 90 degrees about z
    aug = Rotate.transform(ws, R)
    moved = mesh.copy()
    T = np.eye(4)
    T[:3, :3] = R[0].double().numpy().T
    moved.apply_transform(T)
    assert np.abs(moved.bounds.mean(0) - mesh.bounds.mean(0)).max() > 0.1  # the off-centre sphere really moved
    c, o = S.occupancy_batch([moved], 20000, seed=9)
    assert shape_iou(aug, c, o).item() > 0.8
    assert shape_iou(ws, c, o).item() < 0.7                                # the unrotated INR does not fit it
