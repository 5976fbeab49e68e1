"""WeightSpace round trips and validation, with hypothesis over depths and widths."""
import pytest, torch
from hypothesis import given, settings, strategies as st
from torch import nn
from wsbook.weights import WeightSpace, random_perms, invert_perms, n_params

def _ws(sizes, batch, seed=0):
    g = torch.Generator().manual_seed(seed)
    return WeightSpace([torch.randn(batch, o, i, generator=g) for i, o in zip(sizes[:-1], sizes[1:])],
                       [torch.randn(batch, o, generator=g) for o in sizes[1:]])

sizes_st = st.lists(st.integers(1, 9), min_size=2, max_size=6)

@settings(max_examples=25, deadline=None)
@given(sizes=sizes_st, batch=st.integers(1, 5), seed=st.integers(0, 1000))
def test_round_trips(sizes, batch, seed):
    ws = _ws(sizes, batch, seed)
    assert ws.sizes == tuple(sizes) and ws.flatten().shape == (batch, n_params(sizes))
    for other in (WeightSpace.from_flat(ws.flatten(), sizes), WeightSpace.from_dict(ws.to_dict()),
                  WeightSpace.from_modules(ws.to_modules()), WeightSpace.from_state_dicts(ws.to_state_dicts()),
                  WeightSpace.cat([ws[i] for i in range(batch)])):
        assert all(torch.equal(a, b) for a, b in zip(other.tensors, ws.tensors))

@settings(max_examples=25, deadline=None)
@given(sizes=sizes_st, seed=st.integers(0, 1000))
def test_permutation_keeps_function(sizes, seed):
    ws = _ws(sizes, 3, seed).to(torch.float64)
    perms = random_perms(ws.sizes, 3, torch.Generator().manual_seed(seed))
    x = torch.randn(11, sizes[0], dtype=torch.float64)
    for a, b in zip(ws.to_modules(nn.Tanh), ws.permute(perms).to_modules(nn.Tanh)):
        torch.testing.assert_close(a(x), b(x))
    back = ws.permute(perms).permute(invert_perms(perms))
    assert all(torch.equal(a, b) for a, b in zip(back.tensors, ws.tensors))

def test_validation_messages():
    ws = _ws((2, 4, 1), 3)
    with pytest.raises(ValueError, match=r"b1 must have shape \(3, 1\) to match W1, got \(3, 2\)"):
        WeightSpace(ws.weights, [ws.biases[0], torch.zeros(3, 2)])
    with pytest.raises(ValueError, match="W1 takes 4 inputs but layer 0 has 5 outputs"):
        WeightSpace([torch.zeros(3, 5, 2), torch.zeros(3, 1, 4)], [torch.zeros(3, 5), torch.zeros(3, 1)])
    with pytest.raises(ValueError, match="got 2 weights but 1 biases"):
        WeightSpace(ws.weights, ws.biases[:1])
    inf = ws.map(lambda t: t.clone())
    inf.biases[1][1, 0] = float("inf")
    with pytest.raises(ValueError, match=r"my.file: b1 .* first at batch index 1"):
        inf.validate("my.file")
    with pytest.raises(ValueError, match="cannot combine weight spaces of sizes"):
        ws + _ws((2, 5, 1), 3)

def test_methods_are_declared_in_the_class():
    "What a user calls is a real method of the class, with a docstring: what help() and an editor's static completion read."
    import ast, inspect, wsbook.weights as W
    tree = ast.parse(inspect.getsource(W))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "WeightSpace")
    declared = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    public = {"map", "zip", "cat", "to", "detach", "clone", "sq_dist", "validate", "flatten", "from_flat", "to_dict",
              "from_dict", "from_modules", "to_modules", "from_state_dicts", "to_state_dicts", "to_nfn", "from_nfn", "permute"}
    assert public <= declared, sorted(public - declared)
    for name in public: assert getattr(WeightSpace, name).__doc__, name
    # nothing is attached to the class from outside it any more
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "WeightSpace" for t in n.targets)]

def test_to_modules_defaults_to_siren_activation():
    ws = _ws((2, 5, 3, 1), 2)
    x = torch.rand(7, 2) * 2 - 1
    h = x
    for i, (w, b) in enumerate(zip(ws.weights, ws.biases)):
        h = h @ w[1].T + b[1]
        if i < ws.n_layers - 1: h = torch.sin(30 * h)
    torch.testing.assert_close(ws.to_modules()[1](x), h)

@settings(max_examples=15, deadline=None)
@given(sizes=sizes_st, batch=st.integers(1, 4), seed=st.integers(0, 1000))
def test_nfn_layout(sizes, batch, seed):
    "NFN's layout: round trip, and permuting commutes with the conversion."
    ws = _ws(sizes, batch, seed)
    w, b = ws.to_nfn()
    assert [tuple(t.shape) for t in w] == [(batch, 1, o, i) for i, o in zip(sizes[:-1], sizes[1:])]
    assert all(torch.equal(x, y) for x, y in zip(WeightSpace.from_nfn(w, b).tensors, ws.tensors))
    perms = random_perms(ws.sizes, batch, torch.Generator().manual_seed(seed))
    pw, pb = ws.permute(perms).to_nfn()
    again = WeightSpace.from_nfn(w, b).permute(perms)
    assert all(torch.equal(x, y) for x, y in zip(WeightSpace.from_nfn(pw, pb).tensors, again.tensors))
