"""The device-dependent paths, checked on a CPU.

A GPU runs the code paths that a CPU skips (`device.type != "cpu"` branches). torch's `meta` device runs
them too: a meta tensor has a shape, a dtype and a device but no data, so every operation that would
silently create a tensor on the CPU (a missing `device=`) fails with a device mismatch, and every
CPU-only shortcut (numpy, scipy) is skipped exactly as on a GPU. The bfloat16 path of training is run on
the CPU through `torch.autocast("cpu")`."""
import re, subprocess, sys
from pathlib import Path
import pytest, torch
import torch.nn.functional as F
from wsbook.augment import AUGMENTATIONS, get_augmentation, make_pipeline, one_hot
from wsbook.bench import bench_networks
from wsbook.models import MODELS, make_model
from wsbook.device import amp_autocast

ROOT = Path(__file__).resolve().parents[1]
ON_DEVICE = [n for n in AUGMENTATIONS if n != "mixup_align"]   # alignment solves its assignments on the CPU, by design

def _batch(n=8, device="meta"):
    ws = bench_networks(n, torch.Generator().manual_seed(0))
    y = one_hot(torch.randint(0, 10, (n,), generator=torch.Generator().manual_seed(1)), 10)
    return ws.to(device), y.to(device)

def test_no_cuda_literals():
    "Device is a parameter everywhere: no `.cuda()` in the package, the notebooks or the scripts."
    files = [*ROOT.glob("wsbook/*.py"), *ROOT.glob("nbs/**/*.ipynb"), *ROOT.glob("scripts/*")]
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in files for i, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
            if re.search(r"\.cuda\(", line)]
    assert len(files) > 20 and not hits, hits

@pytest.mark.parametrize("name", ON_DEVICE)
@pytest.mark.parametrize("p", [1.0, 0.5])
def test_augmentation_stays_on_the_batch_device(name, p):
    ws, y = _batch()
    w2, y2 = get_augmentation(name)(ws, y, None, p)
    assert {t.device.type for t in w2.tensors} == {"meta"} and y2.device.type == "meta"
    assert w2.sizes == ws.sizes and [t.shape for t in w2.tensors] == [t.shape for t in ws.tensors] and y2.shape == y.shape

def test_pipeline_stays_on_the_batch_device():
    ws, y = _batch()
    w2, y2 = make_pipeline("translate,rotate,gaussian_noise,dropout,siren_negation,mixup_perm", p=0.5)(ws, y, None)
    assert {t.device.type for t in w2.tensors} == {"meta"} and y2.device.type == "meta"

@pytest.mark.parametrize("name", list(MODELS))
def test_model_forward_stays_on_the_batch_device(name):
    ws, _ = _batch()
    out = make_model(name, ws.sizes, 10).to("meta")(ws)
    assert out.device.type == "meta" and out.shape == (8, 10)

@pytest.mark.parametrize("name", list(MODELS))
def test_model_trains_under_bfloat16_autocast(name):
    "The step `train` takes on a GPU (bf16 autocast forward, float32 loss), here on the CPU's autocast."
    ws, y = _batch(16, "cpu")
    torch.manual_seed(0)
    m = make_model(name, ws.sizes, 10).train()
    with amp_autocast("cpu", on=("cpu",)): logits = m(ws)
    assert logits.dtype == torch.bfloat16
    loss = F.cross_entropy(logits.float(), y.argmax(1))
    loss.backward()
    assert torch.isfinite(loss)
    grads = [p.grad for p in m.parameters() if p.requires_grad]
    assert grads and all(g is not None and g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)

def test_whole_store_moves_to_the_device():
    from wsbook.data import INRDataset
    ws, _ = _batch(6, "cpu")
    n = len(ws)
    ds = INRDataset(ws, torch.arange(n) % 3, torch.arange(n), torch.zeros(n, dtype=torch.long), torch.zeros(n, dtype=torch.int8),
                    torch.rand(n), {"views": 1, "classes": ["a", "b", "c"]})
    on = ds.to("meta")
    tensors = [*on.ws.tensors, on.label, on.object, on.view, on.split, on.quality]
    assert len(tensors) == 2 * ws.n_layers + 5 and {t.device.type for t in tensors} == {"meta"}
    assert on.manifest is ds.manifest and ds.label.device.type == "cpu"

def test_module_entry_point_runs():
    "`torchrun ... -m wsbook.cli train ...` needs `python -m wsbook.cli` to run the command."
    r = subprocess.run([sys.executable, "-m", "wsbook.cli", "--version"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("wsbook "), (r.stdout, r.stderr[-1000:])

def test_one_process_per_gpu_in_the_experiment_runner(monkeypatch):
    "On a GPU the experiment runner starts one process (they would share the device); on a CPU one per core."
    from unittest import mock
    from wsbook.experiments import default_workers
    monkeypatch.setenv("WSBOOK_WORKERS", "2")
    with mock.patch.object(torch.cuda, "is_available", return_value=True):
        for d in ("auto", "cuda", "cuda:1"): assert default_workers(8, d) == 1, d
    with mock.patch.object(torch.cuda, "is_available", return_value=False):
        assert default_workers(8, "auto") == 2 and default_workers(8, "cpu") == 2 and default_workers(1, "cpu") == 1
