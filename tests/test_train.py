"""Training: the CLI end to end, checkpoints that are plain safetensors, and data-parallel training under
torchrun (2 CPU processes, gloo) that ends with identical weights on every process."""
import json, os, socket, subprocess, sys, textwrap
import pytest, torch
from safetensors.torch import load_file
from conftest import wsbook_cmd
from wsbook.data import fit_store, load_source

@pytest.fixture(scope="module")
def store(tmp_path_factory):
    p = tmp_path_factory.mktemp("train") / "digits"
    fit_store(load_source("digits"), p, views=2, limit=120, steps=30, device="cpu", progress=False)
    return p

def test_cli_train_writes_metrics_and_a_safetensors_checkpoint(store, tmp_path):
    r = subprocess.run(wsbook_cmd() + ["train", str(store), "--model", "mlp", "--aug", "translate,gaussian_noise", "--mixup", "vanilla",
                                       "--epochs", "3", "--batch-size", "32", "--device", "cpu", "--out", str(tmp_path / "run")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    # a person reads a summary: the test accuracy in %, the selected epoch, where the files are
    assert r.stdout.startswith(f"test accuracy {100 * m['test_acc']:.1f}% ") and f"at epoch {m['best_epoch'] + 1} of 3" in r.stdout, r.stdout
    assert f"{tmp_path / 'run'}: metrics.json" in r.stdout
    assert {"test_acc", "val_acc", "best_epoch", "config", "history"} <= m.keys() and len(m["history"]) == 3
    assert m["config"]["aug"] == "translate,gaussian_noise" and m["config"]["mixup"] == "vanilla"
    assert m["test_acc"] == m["history"][m["best_epoch"]]["test_acc"]
    ck = load_file(str(tmp_path / "run" / "checkpoint.safetensors"))          # safetensors: no code runs on load
    assert any(k.startswith("model.") for k in ck) and any(k.startswith("optim.") for k in ck)
    again = subprocess.run(wsbook_cmd() + ["train", str(store), "--model", "mlp", "--epochs", "3", "--device", "cpu", "--out", str(tmp_path / "run")],
                           capture_output=True, text=True)
    assert again.returncode == 2 and "pass --resume" in again.stderr
    js = subprocess.run(wsbook_cmd() + ["train", str(store), "--model", "mlp", "--epochs", "1", "--device", "cpu", "--out", str(tmp_path / "j"),
                                        "--json"], capture_output=True, text=True)
    assert js.returncode == 0, js.stderr[-2000:]
    line = json.loads(js.stdout.strip().splitlines()[-1])           # --json: one line a script parses
    assert line["test_acc"] == json.loads((tmp_path / "j" / "metrics.json").read_text())["test_acc"] and line["best_epoch"] == 0

def test_cli_train_rejects_unknown_names(store, tmp_path):
    r = subprocess.run(wsbook_cmd() + ["train", str(store), "--aug", "translate,warp", "--out", str(tmp_path / "x")], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown augmentation 'warp'; valid names:" in r.stderr and "siren_negation" in r.stderr
    r = subprocess.run(wsbook_cmd() + ["train", str(store), "--aug", "translate,siren_negaton", "--out", str(tmp_path / "x")], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown augmentation 'siren_negaton'; did you mean 'siren_negation'? valid names:" in r.stderr, r.stderr
    r = subprocess.run(wsbook_cmd() + ["train", str(store), "--model", "dsw", "--out", str(tmp_path / "x")], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown model 'dsw'; did you mean 'dws'? valid models: mlp, dws" in r.stderr, r.stderr

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def test_torchrun_two_cpu_processes_end_with_identical_weights(store, tmp_path):
    script = tmp_path / "ddp.py"
    script.write_text(textwrap.dedent(f"""
        import os, torch
        from safetensors.torch import save_file
        from wsbook.train import TrainConfig, train
        torch.set_num_threads(1)
        m = train({str(store)!r}, TrainConfig(model="mlp", aug="translate", epochs=2, batch_size=32, device="cpu", seed=1), progress=False)
        rank = int(os.environ["RANK"])
        save_file({{k: v.contiguous() for k, v in m["model"].state_dict().items()}}, {str(tmp_path)!r} + f"/rank{{rank}}.safetensors")
        """))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
                        "--master_port", str(_free_port()), str(script)], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    a, b = load_file(str(tmp_path / "rank0.safetensors")), load_file(str(tmp_path / "rank1.safetensors"))
    assert a.keys() == b.keys()
    for k in a: assert torch.equal(a[k], b[k]), k
    from wsbook.models import make_model
    torch.manual_seed(1)
    init = make_model("mlp", (2, 32, 32, 1), 10).state_dict()  # what train() starts from with seed 1
    assert any(not torch.equal(a[k], init[k]) for k in a)      # they trained, and identically
