"Tests of wsbook.shapes: generated shapes, OFF/ModelNet reading, occupancy sampling, IoU, marching cubes."
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("trimesh")
pytest.importorskip("skimage")
import trimesh
from wsbook import shapes as S
from wsbook.weights import WeightSpace

TET = "OFF\n# a tetrahedron\n4 4 6\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n"
CUBE_VERTS = "".join(f"{x} {y} {z}\n" for x in (0, 1) for y in (0, 1) for z in (0, 1))
CUBE_FACES = "4 0 1 3 2\n4 4 6 7 5\n4 0 4 5 1\n4 2 3 7 6\n4 0 2 6 4\n4 1 5 7 3\n"
CUBE = "OFF\n8 6 12\n" + CUBE_VERTS + CUBE_FACES
CUBE_GLUED = "OFF8 6 0\n" + CUBE_VERTS + CUBE_FACES


@pytest.fixture(scope="module")
def shapes():
    return S.shapes3d(36, seed=7)


# --- shapes3d
def test_every_class_watertight_in_box(shapes):
    meshes, labels = shapes
    assert len(S.SHAPE_CLASSES) >= 10
    assert set(labels.tolist()) == set(range(len(S.SHAPE_CLASSES)))
    for m, y in zip(meshes, labels):
        assert m.is_watertight, S.SHAPE_CLASSES[y]
        assert m.volume > 0, S.SHAPE_CLASSES[y]          # consistent outward winding
        assert np.abs(m.vertices).max() <= 0.9 + 1e-9, S.SHAPE_CLASSES[y]


def test_shapes_balanced_and_deterministic(shapes):
    meshes, labels = shapes
    assert labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [3] * len(S.SHAPE_CLASSES)
    assert np.ptp(np.bincount(S.shapes3d(17, seed=1)[1], minlength=12)) <= 1
    m2, l2 = S.shapes3d(36, seed=7)
    assert (l2 == labels).all()
    assert all(np.array_equal(a.vertices, b.vertices) and np.array_equal(a.faces, b.faces) for a, b in zip(meshes, m2))
    m3, l3 = S.shapes3d(36, seed=8)
    assert not (l3 == labels).all() or not np.allclose(m3[0].vertices.mean(0), meshes[0].vertices.mean(0))


def test_make_shape_unknown_label():
    with pytest.raises(IndexError):
        S.make_shape(len(S.SHAPE_CLASSES), np.random.default_rng(0))


# --- read_off
def _w(tmp_path, name, text):
    p = Path(tmp_path) / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_read_off_tetrahedron_roundtrip(tmp_path):
    v, f = S.read_off(_w(tmp_path, "tet.off", TET))
    assert v.shape == (4, 3) and f.shape == (4, 3)
    assert np.allclose(v, [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    m = trimesh.Trimesh(v, f)
    assert m.is_watertight and np.isclose(m.volume, 1 / 6)


@pytest.mark.parametrize("text", [CUBE, CUBE_GLUED], ids=["standard", "glued-header"])
def test_read_off_cube_quads(tmp_path, text):
    v, f = S.read_off(_w(tmp_path, "cube.off", text))
    assert v.shape == (8, 3) and f.shape == (12, 3)          # 6 quads -> 12 triangles
    m = trimesh.Trimesh(v, f)
    assert m.is_watertight and np.isclose(m.volume, 1.0)


def test_read_off_comments_and_colours(tmp_path):
    text = "# header comment\nOFF\n\n4 4 0  # counts\n" + "\n".join(TET.splitlines()[3:7]) + "\n" + \
           "\n".join(l + " 255 0 0" for l in TET.splitlines()[7:]) + "\n"
    v, f = S.read_off(_w(tmp_path, "c.off", text))
    assert f.shape == (4, 3)


@pytest.mark.parametrize("text,msg", [
    (TET[:40], "truncated vertex list"),
    (TET.rsplit("3 1 2 3", 1)[0], "truncated face list"),
    (TET.replace("4 4 6", "four 4 6"), "bad counts"),
    (TET.replace("1 0 0", "1 x 0"), "non-numeric vertex"),
    (TET.replace("3 1 2 3", "3 1 2 9"), "out of range"),
    ("PLY\n", "not an OFF file"),
])
def test_read_off_rejects_broken(tmp_path, text, msg):
    p = _w(tmp_path, "broken_mesh.off", text)
    with pytest.raises(ValueError) as e:
        S.read_off(p)
    assert "broken_mesh.off" in str(e.value) and msg in str(e.value)


# --- modelnet
def _modelnet_dir(tmp_path):
    root = Path(tmp_path) / "ModelNet2"
    _w(root, "chair/train/chair_0001.off", TET)
    _w(root, "chair/train/chair_0002.off", CUBE_GLUED)
    _w(root, "chair/test/chair_0003.off", CUBE)
    _w(root, "airplane/train/airplane_0001.off", CUBE)
    _w(root, "airplane/train/airplane_0002.off", TET[:40])      # broken
    _w(root, "airplane/test/airplane_0003.off", TET)
    return root


def test_modelnet_reads_layout_and_skips_broken(tmp_path):
    root = _modelnet_dir(tmp_path)
    with pytest.warns(UserWarning, match="airplane_0002.off"):
        ds = S.modelnet(root, split="train")
    assert ds.classes == ["airplane", "chair"]                    # sorted alphabetically
    assert ds.labels.tolist() == [0, 1, 1] and len(ds) == 3
    assert ds.n_skipped == 1 and ds.skipped[0].name == "airplane_0002.off"
    for m in ds.meshes:
        assert np.isclose(np.linalg.norm(m.vertices, axis=1).max(), 0.9)
        assert np.allclose(m.bounds.mean(0), 0, atol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        test = S.modelnet(root, split="test")
    assert test.labels.tolist() == [0, 1] and test.n_skipped == 0
    assert S.modelnet(root, classes=["chair"], split="train", limit=1).labels.tolist() == [0]


def test_modelnet_missing_root_explains(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        S.modelnet(Path(tmp_path) / "nowhere")
    msg = str(e.value)
    assert "ModelNet40.zip" in msg and "modelnet.cs.princeton.edu" in msg and "--root" in msg
    with pytest.raises(FileNotFoundError, match="no class folder"):
        S.modelnet(_modelnet_dir(tmp_path), classes=["sofa"])


# --- occupancy
def test_inside_sphere_matches_radius():
    r = 0.6
    sphere = trimesh.creation.icosphere(4, radius=r)
    pts, occ = S.sample_occupancy(sphere, 20000, rng=0)
    assert pts.dtype == np.float32 and occ.dtype == np.float32 and pts.shape == (20000, 3)
    assert np.abs(pts).max() <= 1 and set(np.unique(occ)) == {0.0, 1.0}
    d = np.linalg.norm(pts, axis=1)
    tol = 0.01 * r                                                 # icosphere(4) lies within 0.4% of the sphere
    band = np.abs(d - r) < tol
    assert ((occ == 1) == (d < r))[~band].all()
    assert band.mean() < 0.1
    assert 0.2 < occ.mean() < 0.8                                  # near-surface points balance the classes


def test_inside_non_watertight_majority():
    box = trimesh.creation.box((1, 1, 1))
    holed = trimesh.Trimesh(box.vertices, box.faces[1:])            # one triangle missing
    assert not holed.is_watertight
    p = np.random.default_rng(0).uniform(-1, 1, (5000, 3))
    truth = np.abs(p).max(1) < 0.5
    three, one = (S.inside(holed, p) == truth).mean(), (S.inside(holed, p, n_rays=1) == truth).mean()
    assert three > 0.98 and three > one                            # 1/12 of the surface is missing


def test_occupancy_deterministic_and_batched(shapes):
    meshes, _ = shapes
    a = S.sample_occupancy(meshes[0], 500, rng=3)
    b = S.sample_occupancy(meshes[0], 500, rng=3)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], S.sample_occupancy(meshes[0], 500, rng=4)[0])
    c, o = S.occupancy_batch(meshes[:3], 1000, seed=5)
    assert c.shape == (3, 1000, 3) and o.shape == (3, 1000, 1) and c.dtype == o.dtype == torch.float32
    c2, o2 = S.occupancy_batch(meshes[1:3], 1000, seed=5, start=1)
    assert torch.equal(c2, c[1:]) and torch.equal(o2, o[1:])
    u, _ = S.occupancy_batch(meshes[:1], 1000, seed=5, near_surface_frac=0)
    assert u.abs().max() <= 1


def test_iou():
    pred = torch.tensor([[0.9, 0.8, 0.1, 0.2], [0.1, 0.1, 0.1, 0.1]])
    occ = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])[..., None]
    assert torch.allclose(S.iou(pred, occ), torch.tensor([0.5, 1.0]))
    assert torch.allclose(S.iou(pred[..., None] - 0.5, occ, threshold=0.0), torch.tensor([0.5, 1.0]))


def test_inr_to_mesh_plane():
    lin = WeightSpace([torch.tensor([[[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]]])], [torch.tensor([[-0.2], [0.0]])])
    m = S.inr_to_mesh(lin, index=0, resolution=11, level=0.0, recipe="siren")     # z > 0.2
    assert m.is_watertight and np.isclose(m.volume, 2 * 2 * 0.8, atol=1e-4)
    m = S.inr_to_mesh(lin, index=1, resolution=11, level=0.0, recipe="siren")     # x > 0
    assert np.isclose(m.volume, 4.0, atol=1e-4)


def test_plot_meshes(shapes):
    import matplotlib
    matplotlib.use("Agg")
    fig = S.plot_meshes(shapes[0][:3], ["a", "b", "c"], ncols=2)
    assert len(fig.axes) == 3
