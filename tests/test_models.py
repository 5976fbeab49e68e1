"Weight-space models: invariance, equivariance of each layer, gradients, a few training steps."
import pytest, torch
import torch.nn.functional as F
from wsbook.weights import WeightSpace, random_perms
from wsbook.inr import init_siren
from wsbook.models import MODELS, make_model
from wsbook.bench import bench_train
from wsbook.equivariant import (DWSLayer, WsbookDWSLayer, EquivariantMap, PairMap, NPLayer, WeightToWeight, WeightToBias,
                                BiasToWeight, BiasToBias)
from wsbook.gnn import RTLayer, _offsets

@pytest.fixture(autouse=True)
def one_thread():
    "Tiny models on shared CPUs: one thread avoids OpenMP spin-waiting, which made these tests 5x slower."
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

INVARIANT, PLAIN = ("dws", "dws_wsbook", "nfn", "gnn"), ("mlp", "transformer")
DEPTHS = [(2, 8, 1), (2, 16, 16, 1), (3, 6, 7, 8, 3), (1, 5, 5, 5, 5, 2)]
# dws: 8 channels - with 4, a SAB's relu(fc_o(O)) can be dead on a whole test batch (no gradient for fc_o)
SMALL = dict(dws=dict(hidden=8), dws_wsbook=dict(hidden=4), nfn=dict(hidden=8), gnn=dict(hidden=16, d_edge=8, d_attn=16), mlp=dict(hidden=32),
             transformer=dict(hidden=16, depth=2))

def _batch(sizes, n=6, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return init_siren(sizes, n, "paper", g, dtype=dtype)

def _perms(sizes, n, seed=1): return random_perms(sizes, n, torch.Generator().manual_seed(seed))

@pytest.mark.parametrize("sizes", DEPTHS)
@pytest.mark.parametrize("name", INVARIANT)
def test_invariant_models(name, sizes):
    torch.manual_seed(0)
    m = make_model(name, sizes, 3, **SMALL[name]).double().eval()
    x = _batch(sizes)
    with torch.no_grad(): torch.testing.assert_close(m(x.permute(_perms(sizes, 6))), m(x), atol=1e-4, rtol=0)

@pytest.mark.parametrize("name", PLAIN)
def test_plain_models_are_not_invariant(name):
    sizes = (2, 16, 16, 1)
    m = make_model(name, sizes, 3, **SMALL[name]).double().eval()
    x = _batch(sizes)
    with torch.no_grad(): assert (m(x.permute(_perms(sizes, 6))) - m(x)).abs().max() > 1e-4

def _with_channels(ws, c):
    return ws.map(lambda t: t.unsqueeze(1).expand(t.shape[0], c, *t.shape[1:]) * 30 + torch.randn(t.shape[0], c, *t.shape[1:], dtype=t.dtype))

def _assert_ws_close(a: WeightSpace, b: WeightSpace):
    for s, t in zip(a.tensors, b.tensors): torch.testing.assert_close(s, t, atol=1e-9, rtol=1e-7)

@pytest.mark.parametrize("sizes", DEPTHS)
def test_equivariant_layers(sizes):
    torch.manual_seed(0)
    x, p = _with_channels(_batch(sizes, 4), 2), _perms(sizes, 4)
    layers = [DWSLayer(sizes, 2, 3), DWSLayer(sizes, 2, 3, set_layer="ds", reduction="mean"),
              WsbookDWSLayer(sizes, 2, 3), WsbookDWSLayer(sizes, 2, 3, set_layer="linear", reduction="mean"),
              NPLayer(sizes, 2, 3, "NP"), NPLayer(sizes, 2, 3, "HNP")]
    layers += [blk(sizes, 2, 3, set_layer=sl) for blk in (WeightToWeight, WeightToBias, BiasToWeight, BiasToBias)
               for sl in ("sab", "ds")]
    layers += [EquivariantMap(sizes, 2, 3, src, dst, set_layer=sl) for src in (("w",), ("b",)) for dst in (("w",), ("b",))
               for sl in ("linear", "sab")]
    for f in layers:
        f = f.double()
        _assert_ws_close(f(x).permute(p), f(x.permute(p)))

@pytest.mark.parametrize("sizes", [(2, 8, 8, 1), (3, 6, 7, 8, 3)])
def test_dws_layer_is_sum_of_blocks(sizes):
    "The authors' layer averages its blocks (divides by the 2L tensors), the fused one sums them."
    x = _with_channels(_batch(sizes, 3), 2)
    for lay, n in ((DWSLayer(sizes, 2, 3), 2 * (len(sizes) - 1)), (WsbookDWSLayer(sizes, 2, 3), 1)):
        lay = lay.double()
        parts = [lay.weight_to_weight(x), lay.weight_to_bias(x), lay.bias_to_weight(x), lay.bias_to_bias(x)]
        _assert_ws_close(lay(x), (parts[0] + parts[1] + parts[2] + parts[3]).map(lambda t: t / n))

def test_dws_average_and_init():
    "`average=False` multiplies the authors' layer by 2L; their init: tiny biases, Xavier-normal x sqrt(2 fan_in/fan_out)."
    sizes, x = (2, 8, 8, 1), _with_channels(_batch((2, 8, 8, 1), 3), 2)
    torch.manual_seed(0)
    a = DWSLayer(sizes, 2, 3).double()
    torch.manual_seed(0)
    b = DWSLayer(sizes, 2, 3, average=False).double()
    _assert_ws_close(b(x), a(x).map(lambda t: t * 6))
    lay = DWSLayer(sizes, 16, 16)
    biases = torch.cat([p.flatten() for n, p in lay.named_parameters() if n.endswith("bias")])
    assert biases.abs().max() <= 1e-4
    w = torch.cat([m.lin_all.weight.flatten() for m in [lay.weight_to_weight.maps["1_1"]]] +
                  [lay.weight_to_weight.maps[k].set.o.weight.flatten() for k in ("0_1", "1_2", "2_1")])   # 16 -> 16 maps
    assert 0.8 < w.std().item() / (2 / 32) ** 0.5 / 2 ** 0.5 < 1.2
    torch_biases = torch.cat([p.flatten() for n, p in DWSLayer(sizes, 16, 16, init="torch").named_parameters() if n.endswith("bias")])
    assert torch_biases.abs().max() > 1e-2
    with pytest.raises(ValueError, match="authors, torch"): DWSLayer(sizes, 2, 3, init="xavier")

def test_dws_shared_output_maps():
    "Two of the authors' maps into the last weight give one value per channel for all output neurons (their flags)."
    sizes = (2, 8, 8, 8, 3)
    x = torch.randn(2, 8, 8, 5)                                     # W_2 in their layout (B, d_2, d_3, C)
    assert PairMap(sizes, ("w", 2), ("w", 3), 5, 4)(x).shape == (2, 8, 1, 4)
    assert PairMap(sizes, ("b", 0), ("w", 3), 5, 4)(torch.randn(2, 8, 5)).shape == (2, 1, 1, 4)
    assert PairMap(sizes, ("b", 2), ("w", 3), 5, 4)(torch.randn(2, 8, 5)).shape == (2, 8, 3, 4)   # folded, as theirs

def test_dws_parameter_counts():
    "The authors' model for SIRENs 2-32-32-1 at their defaults: 76,970 parameters with SAB, 42,890 with DeepSets."
    sizes = (2, 32, 32, 1)
    assert make_model("dws", sizes, 10).n_params == 76_970
    assert make_model("dws", sizes, 10, set_layer="ds").n_params == 42_890
    assert make_model("dws_wsbook", sizes, 10).n_params == 97_754
    assert make_model("dws_wsbook", sizes, 10, set_layer="linear").n_params == 45_626
    heads = [lay.weight_to_weight.maps["0_0"].set.heads for lay in make_model("dws", sizes, 10).layers]
    assert heads == [8, 8, 1]                                       # their last DWS layer has one attention head

def test_dws_respects_io_neurons():
    "Input and output neurons are not permutable: swapping two inputs must change the output."
    sizes = (2, 8, 8, 2)
    x = _with_channels(_batch(sizes, 3), 2)
    swapped = WeightSpace([x.weights[0].flip(-1), *x.weights[1:]], x.biases)
    for lay in (DWSLayer(sizes, 2, 3).double(), WsbookDWSLayer(sizes, 2, 3).double()):
        assert (lay(swapped).weights[1] - lay(x).weights[1]).abs().max() > 1e-6

def _permute_graph(x, edges, perms, sizes):
    off, x, edges = _offsets(sizes), x.clone(), list(edges)
    for k, p in enumerate(perms, start=1):
        x[:, off[k]:off[k + 1]] = x[:, off[k]:off[k + 1]].gather(1, p[..., None].expand(-1, -1, x.shape[-1]))
        # edges are channels first, (B, C, n_{j+1}, n_j): rows of block k-1 and columns of block k are layer k's neurons
        e = edges[k - 1]
        edges[k - 1] = e.gather(2, p[:, None, :, None].expand(e.shape[0], e.shape[1], -1, e.shape[3]))
        e = edges[k]
        edges[k] = e.gather(3, p[:, None, None, :].expand(*e.shape[:3], -1))
    return x, edges

@pytest.mark.parametrize("sizes", DEPTHS)
def test_gnn_layer_equivariant(sizes):
    torch.manual_seed(0)
    layer = RTLayer(sizes, 16, 8, 16, 4, 16, 8).double().eval()
    x = torch.randn(3, sum(sizes), 16, dtype=torch.float64)
    es = [torch.randn(3, 8, o, i, dtype=torch.float64) for i, o in zip(sizes[:-1], sizes[1:])]
    p = _perms(sizes, 3)
    y, ye = _permute_graph(*layer(x, es), p, sizes)
    z, ze = layer(*_permute_graph(x, es, p, sizes))
    torch.testing.assert_close(y, z)
    for a, b in zip(ye, ze): torch.testing.assert_close(a, b)

@pytest.mark.parametrize("name", list(MODELS))
def test_every_parameter_gets_a_gradient(name):
    sizes = (2, 8, 8, 1)
    torch.manual_seed(0)
    m = make_model(name, sizes, 3, **SMALL[name])
    x = init_siren(sizes, 8, "siren", torch.Generator().manual_seed(0))   # non-zero biases, or bias maps get no gradient
    F.cross_entropy(m(x * 30), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])).backward()
    missing = [n for n, p in m.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, f"{name}: no gradient for {missing}"

@pytest.mark.parametrize("name", list(MODELS))
def test_training_reduces_loss(name):
    "64 random SIRENs labelled by the norm of W0 (a permutation-invariant property) above/below the median."
    sizes = (2, 16, 16, 1)
    g = torch.Generator().manual_seed(0)
    x = init_siren(sizes, 64, "paper", g)
    x = x.map(lambda t: t * torch.exp(torch.randn(64, *([1] * (t.ndim - 1)), generator=g)))  # spread the norms
    norm = x.weights[0].flatten(1).norm(dim=1)
    y = (norm > norm.median()).long()
    torch.manual_seed(0)
    m = make_model(name, sizes, 2, **SMALL[name])
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    losses = []
    for _ in range(20):
        loss = F.cross_entropy(m(x * 30), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert min(losses[-5:]) < 0.8 * losses[0], f"{name}: {losses[0]:.3f} -> {losses[-5:]}"

def test_errors():
    with pytest.raises(ValueError, match="valid models: mlp, dws, dws_wsbook, nfn, gnn, transformer"): make_model("cnn", (2, 8, 1), 2)
    with pytest.raises(ValueError, match="sab, ds"): make_model("dws", (2, 8, 8, 1), 2, set_layer="linear")
    m = make_model("dws", (2, 8, 8, 1), 2, hidden=4)
    with pytest.raises(ValueError, match=r"\(2, 8, 8, 1\).*\(2, 8, 9, 1\)"): m(init_siren((2, 8, 9, 1), 2))
    with pytest.raises(ValueError, match="knob"): make_model("dws", (2, 8, 1), 2, hiden=3)

def test_bench_format():
    r = next(bench_train(quick=True, batch=16, models=["mlp"]))
    assert {"bench", "case", "value", "unit", "params"} <= set(r) and r["bench"] == "train" and r["unit"] == "samples/s"

@pytest.mark.parametrize("kw", [dict(), dict(hidden=8, set_layer="ds"), dict(hidden=8, depth=3, reduction="mean")])
def test_dws_fast_path_is_the_reference(kw):
    "`dws`'s fast layers give the reference's logits and every parameter's gradient, in float64."
    from wsbook.equivariant import reference_path
    torch.manual_seed(0)
    m = make_model("dws", (2, 32, 32, 1), 10, **kw).double()
    g = torch.Generator().manual_seed(1)
    ws = init_siren((2, 32, 32, 1), 6, generator=g, dtype=torch.float64).map(lambda t: t * 30)
    y = torch.randint(0, 10, (6,), generator=g)
    def run():
        m.zero_grad()
        out = m(ws)
        torch.nn.functional.cross_entropy(out, y).backward()
        return out.detach(), [p.grad.clone() for p in m.parameters()]
    fast = run()
    with reference_path(m): ref = run()
    assert not any(lay.reference for lay in m.layers)
    torch.testing.assert_close(fast[0], ref[0], rtol=1e-10, atol=1e-12)
    assert all(g is not None for g in ref[1])
    for a, b in zip(fast[1], ref[1]): torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)

def test_attention_kernel_builds_where_a_compiler_is():
    "Where g++ is, wsbook's compiled attention kernel builds and matches torch's attention (so `dws` is not silently slow)."
    import shutil
    from wsbook.kernels import kernel, SetAttention
    if shutil.which("g++") is None: pytest.skip("no C++ compiler here")
    assert kernel() is not None, "the kernel did not build on a machine with g++ (see the line printed above)"
    qkv = torch.randn(7, 32, 3 * 8 * 2, dtype=torch.float64, requires_grad=True)
    q, k, v = qkv.view(7, 32, 3, 8, 2).permute(2, 0, 3, 1, 4).unbind(0)
    want = (q + torch.softmax(0.5 * q @ k.mT, -1) @ v).transpose(1, 2).reshape(7, 32, 16)
    torch.testing.assert_close(SetAttention.apply(qkv, 8, 0.5), want)
