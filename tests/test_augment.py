"Property tests of wsbook.augment and wsbook.align: exactness of the symmetries and input-space maps, alignment, MixUp, reproducibility."
import pytest
import torch
from hypothesis import given, settings, strategies as st, HealthCheck

from wsbook.weights import WeightSpace, random_perms, invert_perms
from wsbook.inr import init_siren, siren_forward, make_grid
from wsbook.align import weight_matching, align_dataset, align_to, fast_permute
from wsbook.augment import (AUGMENTATIONS, MixUp, Rotate, Scale, Translate, get_augmentation, make_pipeline,
                            one_hot, row_quantile)
from wsbook.bench import bench_augment

NAMES = ["translate", "rotate", "scale", "gaussian_noise", "dropout", "quantile", "label_smoothing", "permutation",
         "siren_negation", "siren_bias", "mixup_vanilla", "mixup_perm", "mixup_align"]
SETTINGS = dict(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fitted_like(sizes, batch, seed, dtype=torch.float32):
    "SIRENs resembling fitted ones: standard init, non-zero biases, perturbed weights."
    g = torch.Generator().manual_seed(seed)
    ws = init_siren(sizes, batch, "siren", g, dtype=dtype)
    return ws + ws.map(lambda t: 0.3 * (t.std() + 0.01) * torch.randn(t.shape, generator=g, dtype=dtype))


def grid_for(d):
    return make_grid(*([12] * d)) if d == 2 else make_grid(*([5] * d))


arch = st.tuples(st.integers(2, 5), st.integers(1, 3), st.sampled_from([2, 3]), st.integers(0, 10_000)).map(
    lambda a: ((a[2],) + tuple(8 + 4 * (i % 3) for i in range(a[0] - 1)) + (a[1],), a[3]))


# --- weight-space symmetries leave the function unchanged
@settings(**SETTINGS)
@given(arch, st.sampled_from(["permutation", "siren_negation", "siren_bias"]))
def test_symmetries_preserve_function(a, name):
    sizes, seed = a
    ws = fitted_like(sizes, 6, seed)
    aug, _ = get_augmentation(name)(ws, None, torch.Generator().manual_seed(seed + 1))
    x = grid_for(sizes[0])
    assert (aug.sq_dist(ws) > 0).any()  # it really changed the weights
    torch.testing.assert_close(siren_forward(aug, x), siren_forward(ws, x), atol=1e-4, rtol=0)


def test_symmetries_are_not_vacuous():
    "A broken symmetry (negating incoming weights only) must be caught by the same check."
    ws = fitted_like((2, 16, 16, 1), 4, 0)
    bad = WeightSpace([-ws.weights[0]] + list(ws.weights[1:]), ws.biases)
    x = grid_for(2)
    assert (siren_forward(bad, x) - siren_forward(ws, x)).abs().max() > 1e-2


# --- input-space augmentations are exact changes of coordinates
@settings(**SETTINGS)
@given(st.sampled_from([2, 3]), st.integers(2, 4), st.integers(0, 10_000))
def test_input_space_exact(d, depth, seed):
    sizes = (d,) + (16,) * (depth - 1) + (1,)
    ws = fitted_like(sizes, 5, seed)
    x = grid_for(d)
    g = lambda: torch.Generator().manual_seed(seed)
    t = Translate().sample(g(), ws)
    torch.testing.assert_close(siren_forward(Translate()(ws, None, g())[0], x), siren_forward(ws, x + t[:, None]), atol=1e-4, rtol=0)
    R = Rotate().sample(g(), ws)
    torch.testing.assert_close(torch.linalg.det(R), torch.ones(5), atol=1e-5, rtol=0)
    torch.testing.assert_close(siren_forward(Rotate()(ws, None, g())[0], x), siren_forward(ws, x @ R.transpose(1, 2)), atol=1e-4, rtol=0)
    s = Scale().sample(g(), ws)
    torch.testing.assert_close(siren_forward(Scale()(ws, None, g())[0], x), siren_forward(ws, x * s[:, None, None]), atol=1e-4, rtol=0)


def test_translate_direction():
    "aug(x) = inr(x + t), not inr(x - t)."
    ws = fitted_like((2, 16, 16, 1), 4, 3)
    x = grid_for(2)
    t = torch.full((4, 2), 0.2)
    out = siren_forward(Translate.transform(ws, t), x)
    torch.testing.assert_close(out, siren_forward(ws, x + 0.2), atol=1e-4, rtol=0)
    assert (out - siren_forward(ws, x - 0.2)).abs().max() > 1e-2


def test_rotate_rejects_other_dims():
    with pytest.raises(ValueError, match="2 or 3 inputs"): Rotate()(init_siren((4, 8, 1), 2), None, torch.Generator())


# --- alignment
@pytest.mark.parametrize("sizes", [(2, 32, 1), (2, 32, 32, 1), (2, 16, 24, 16, 2), (3, 32, 32, 32, 32, 3)])
@pytest.mark.parametrize("seed", [0, 1])
def test_alignment_recovers_permuted_copy(sizes, seed):
    g = torch.Generator().manual_seed(seed)
    ws = init_siren(sizes, 8, "siren", g)
    hidden = random_perms(sizes, 8, g)
    m = weight_matching(ws, ws.permute(hidden), g)
    torch.testing.assert_close(m.aligned.sq_dist(ws), torch.zeros(8), atol=1e-9, rtol=0)
    for p, q in zip(m.perms, invert_perms(hidden)): assert torch.equal(p, q)


@settings(**SETTINGS)
@given(arch)
def test_alignment_properties(a):
    sizes, seed = a
    A, B = fitted_like(sizes, 6, seed), fitted_like(sizes, 6, seed + 7)
    m = weight_matching(A, B, torch.Generator().manual_seed(seed))
    assert len(m.perms) == len(sizes) - 2
    for p, n in zip(m.perms, sizes[1:-1]):       # true permutations
        assert torch.equal(p.sort(1).values, torch.arange(n).expand(6, n))
    assert torch.equal(m.aligned.flatten(), B.permute(m.perms).flatten())
    assert (m.aligned.sq_dist(A) <= B.sq_dist(A) * (1 + 1e-6) + 1e-9).all()   # never farther
    x = grid_for(sizes[0])
    torch.testing.assert_close(siren_forward(m.aligned, x), siren_forward(B, x), atol=1e-4, rtol=0)
    assert (m.sweeps >= 1).all() and (m.sweeps <= 100).all()


def test_alignment_improves_on_average():
    A, B = fitted_like((2, 32, 32, 1), 32, 0), fitted_like((2, 32, 32, 1), 32, 1)
    m = weight_matching(A, B)
    assert (m.aligned.sq_dist(A) < B.sq_dist(A)).float().mean() > 0.9


def test_align_dataset_and_anchor():
    g = torch.Generator().manual_seed(0)
    ws = init_siren((2, 16, 16, 1), 20, "siren", g)
    data = ws[[0] * 20].permute(random_perms(ws.sizes, 20, g))   # 20 permuted copies of one network
    m = align_dataset(data, 3, rounds=2, generator=g)            # anchor: the 4th copy
    torch.testing.assert_close(m.aligned.flatten(), data[[3] * 20].flatten(), atol=1e-6, rtol=0)
    assert torch.equal(data.permute(m.perms).flatten(), m.aligned.flatten())
    m2 = align_to(data, ws[0], g, chunk=7)
    torch.testing.assert_close(m2.aligned.flatten(), ws[[0] * 20].flatten(), atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match="batch of one"): align_to(data, ws[:2])


def test_fast_permute_matches_permute():
    ws = fitted_like((2, 8, 6, 5, 3), 7, 0)
    p = random_perms(ws.sizes, 7, torch.Generator().manual_seed(1))
    for a, b in zip(fast_permute(ws, p).tensors, ws.permute(p).tensors): assert torch.equal(a, b)
    src = torch.tensor([6, 0, 0, 3, 2, 5, 1])
    for a, b in zip(fast_permute(ws, p, src).tensors, ws[src].permute(p).tensors): assert torch.equal(a, b)
    assert torch.equal(MixUp("perm")(ws, None, torch.Generator().manual_seed(2))[0].flatten(),
                       MixUp("perm")(ws, None, torch.Generator().manual_seed(2))[0].flatten())


# --- MixUp
def mix_setup(n=10, seed=0):
    ws = fitted_like((2, 16, 16, 1), n, seed)
    return ws, one_hot(torch.arange(n), n)   # each sample its own class: labels reveal partner and lambda


@pytest.mark.parametrize("mode", ["vanilla", "perm", "align"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mixup_weights_and_labels_share_lambda(mode, seed):
    ws, y = mix_setup(seed=seed)
    mixed, my = MixUp(mode)(ws, y, torch.Generator().manual_seed(seed))
    torch.testing.assert_close(my.sum(1), torch.ones(len(ws)))
    x = grid_for(2)
    checked = 0
    for i in range(len(ws)):
        lam = my[i, i].item()
        others = [j for j in range(len(ws)) if j != i and my[i, j] > 0]
        if not others or not 0.05 < lam < 0.95: continue
        j = others[0]
        torch.testing.assert_close(my[i, j].item(), 1 - lam)
        rest = (mixed[i] - lam * ws[i]) / (1 - lam)     # the partner's contribution, as the labels say
        if mode == "vanilla": torch.testing.assert_close(rest.flatten(), ws[j].flatten(), atol=1e-4, rtol=1e-4)
        else:   # a permutation of the partner: same function, and a permutation of its first-layer rows
            torch.testing.assert_close(siren_forward(rest, x), siren_forward(ws[j], x), atol=1e-3, rtol=0)
        checked += 1
    assert checked >= 3


def test_mixup_lambda_one_returns_first_and_hard_labels():
    ws, y = mix_setup()
    for mode in ("vanilla", "perm", "align"):
        out, oy = MixUp(mode, low=1.0, high=1.0)(ws, y, torch.Generator().manual_seed(0))
        torch.testing.assert_close(out.flatten(), ws.flatten())
        assert torch.equal(oy, y)
    _, hy = MixUp(labels="hard")(ws, y, torch.Generator().manual_seed(3))
    assert ((hy == 0) | (hy == 1)).all() and torch.equal(hy.sum(1), torch.ones(len(ws)))
    _, sy = MixUp()(ws, y, torch.Generator().manual_seed(3))
    assert torch.equal(hy.argmax(1), torch.where(sy.diagonal() >= 0.5, torch.arange(len(ws)), (sy - torch.diag(sy.diagonal())).argmax(1)))


def test_mixup_prealigned_is_vanilla():
    ws, y = mix_setup()
    a = MixUp("align", prealigned=True)(ws, y, torch.Generator().manual_seed(0))
    b = MixUp("vanilla")(ws, y, torch.Generator().manual_seed(0))
    assert torch.equal(a[0].flatten(), b[0].flatten()) and torch.equal(a[1], b[1])


# --- every augmentation: shapes, dtype, device, reproducibility
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("p", [1.0, 0.5])
def test_every_augmentation_keeps_layout_and_is_reproducible(name, dtype, p):
    ws = fitted_like((2, 16, 16, 1), 12, 0, dtype)
    y = one_hot(torch.arange(12) % 5, 5, dtype)
    pipe = make_pipeline(name, p=p)
    run = lambda seed: pipe(ws, y, torch.Generator().manual_seed(seed))
    (a, ya), (b, yb), (c, yc) = run(0), run(0), run(1)
    assert a.sizes == ws.sizes and len(a) == len(ws) and a.dtype == dtype and a.device == ws.device
    assert all(t.shape == u.shape and t.dtype == dtype for t, u in zip(a.tensors, ws.tensors))
    assert ya.shape == y.shape and ya.dtype == dtype
    assert torch.equal(a.flatten(), b.flatten()) and torch.equal(ya, yb)
    if name != "label_smoothing" or p < 1:
        assert not (torch.equal(a.flatten(), c.flatten()) and torch.equal(ya, yc))
    torch.testing.assert_close(ya.sum(1), torch.ones(12, dtype=dtype))


def test_probability_zero_and_one():
    ws = fitted_like((2, 16, 16, 1), 12, 0)
    a, _ = make_pipeline("gaussian_noise", p=0.0)(ws, None, torch.Generator().manual_seed(0))
    assert torch.equal(a.flatten(), ws.flatten())
    a, _ = make_pipeline("gaussian_noise", p=0.5)(ws, None, torch.Generator().manual_seed(0))
    changed = (a.flatten() != ws.flatten()).any(1)
    assert 0 < changed.sum() < 12


def test_data_agnostic_statistics():
    ws = fitted_like((2, 32, 32, 1), 64, 0)
    g = torch.Generator().manual_seed(0)
    d, _ = get_augmentation("dropout")(ws, None, g)
    assert 0.09 < (d.flatten() == 0).float().mean() < 0.11
    q, _ = get_augmentation("quantile")(ws, None, g)
    frac = (q.flatten() == 0).float().mean(1)
    assert (frac <= 0.1 + 2e-3).all() and 0.03 < frac.mean() < 0.07
    x = torch.randn(6, 333)
    qs = torch.tensor([0., .01, .05, .1, .5, 1.])
    torch.testing.assert_close(row_quantile(x, qs), torch.stack([torch.quantile(x[i], qs[i]) for i in range(6)]))
    n, _ = get_augmentation("gaussian_noise")(ws, None, g)
    r = (n.weights[1] - ws.weights[1]).flatten(1).std(1) / ws.weights[1].flatten(1).std(1)
    assert (r - 0.32).abs().max() < 0.03
    _, ys = get_augmentation("label_smoothing")(ws, one_hot(torch.zeros(64), 10), g)
    torch.testing.assert_close(ys[0, 0].item(), 0.91)
    torch.testing.assert_close(ys[0, 1].item(), 0.01)


# --- registry
def test_registry_and_unknown_name():
    assert list(AUGMENTATIONS) == NAMES
    with pytest.raises(ValueError) as e: make_pipeline("translate,flip")
    assert "flip" in str(e.value) and all(n in str(e.value) for n in NAMES)
    pipe = make_pipeline(["translate", "mixup_align"], p={"translate": 0.3}, mixup_align=dict(prealigned=True))
    assert pipe.p == [0.3, 1.0] and pipe.augs[1].prealigned and pipe.names == ["translate", "mixup_align"]
    assert len(make_pipeline("")) == 0 and len(make_pipeline("none")) == 0


def test_bench_quick_format():
    lines = list(bench_augment(quick=True, batch=32))
    cases = [d["case"] for d in lines]
    assert cases == NAMES + ["mixup_align_prealigned", "align_pair"]
    for d in lines:
        assert d["bench"] == "augment" and d["value"] > 0 and d["unit"] in ("samples/s", "pairs/s")
    assert "baseline" in lines[-2] and "ratio" in lines[-2]
