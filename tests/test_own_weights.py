"""wsbook from a researcher's own code: a dataset and a store from in-memory weights, trained on end to end."""
import json, torch
from torch import nn
from wsbook.weights import WeightSpace
from wsbook.data import INRDataset, write_store, load_store, store_info
from wsbook.inr import Sine, render, make_grid
from wsbook.train import TrainConfig, train

def _sirens(n=24, seed=0):
    torch.manual_seed(seed)
    return [nn.Sequential(nn.Linear(2, 8), Sine(), nn.Linear(8, 8), Sine(), nn.Linear(8, 1)) for _ in range(n)]

def test_train_on_in_memory_weights(tmp_path):
    ws = WeightSpace.from_modules(_sirens())
    ds = INRDataset.from_weights(ws, torch.arange(24) % 3)
    cfg = TrainConfig(model="mlp", aug="translate,siren_negation", mixup="align", epochs=2, batch_size=8, device="cpu",
                      model_kwargs={"hidden": 16})
    m = train(ds, cfg, tmp_path / "run", progress=False)
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["data"]["recipe"] == "paper" and saved["data"]["train_inrs"] == len(ds.indices("train")) > 0
    assert saved["data"]["store"] == "memory" and 0 <= saved["test_acc"] <= 1 and m["finished"]

def test_write_store_round_trip_and_train(tmp_path):
    ws = WeightSpace.from_modules(_sirens(30, 1))
    obj = torch.arange(30) // 2                                  # 15 objects, two views each
    ds = INRDataset.from_weights(ws, obj % 5, classes=list("abcde"), objects=obj, seed=3, shape=(8, 8))
    back = load_store(write_store(ds, tmp_path / "store", shard_size=4))
    o = torch.argsort(ds.view, stable=True)                      # a store is ordered by view
    assert all(torch.equal(a, b) for a, b in zip(back.ws.tensors, ds.ws[o].tensors))
    for k in ("label", "object", "view", "split"): assert torch.equal(getattr(back, k), getattr(ds, k)[o]), k
    assert back.classes == list("abcde") and back.manifest["views"] == 2
    assert back.manifest["split_hash"] == ds.manifest["split_hash"]
    assert "images 8x8x1" in store_info(tmp_path / "store")
    m = train(tmp_path / "store", TrainConfig(model="mlp", epochs=1, batch_size=8, train_views=2, device="cpu",
                                              model_kwargs={"hidden": 16}), tmp_path / "run", progress=False)
    assert (tmp_path / "run" / "metrics.json").exists()
    assert m["data"]["train_inrs"] == 2 * back.manifest["splits"]["train"]

def test_splits_argument():
    ws = WeightSpace.from_modules(_sirens(20))
    assert INRDataset.from_weights(ws, torch.zeros(20)).manifest["splits"] == {"train": 16, "val": 2, "test": 2}
    counts = {"train": 10, "val": 5, "test": 5}
    assert INRDataset.from_weights(ws, torch.zeros(20), splits=counts).manifest["splits"] == counts
    part = INRDataset.from_weights(ws, torch.zeros(20), splits={"train": 6, "val": 2, "test": 2})
    assert (part.split == -1).sum() == 10 and len(part) == 20  # unused objects stay, never indexed
    own = ["train"] * 14 + ["val"] * 3 + ["test"] * 3
    assert INRDataset.from_weights(ws, torch.zeros(20), splits=own).split.tolist() == [0] * 14 + [1] * 3 + [2] * 3

def test_dataset_modules_render_like_render(tmp_path):
    "to_modules uses the store's own activation (sine, omega_0) and output offset: the same image as `render`."
    ws = WeightSpace.from_modules(_sirens(4))
    ds = load_store(write_store(ws, tmp_path / "s", labels=torch.arange(4), shape=(8, 8)))
    grid = make_grid(8, 8, indexing=ds.recipe.grid)
    imgs = torch.stack([net(grid).T.reshape(1, 8, 8) for net in ds.to_modules()])
    torch.testing.assert_close(imgs, render(ds.ws, (8, 8), ds.recipe))
    relu = torch.stack([net(grid).T.reshape(1, 8, 8) for net in ds.ws.to_modules(nn.ReLU)]) + 0.5
    assert not torch.allclose(relu, imgs, atol=1e-3)             # the activation matters: ReLU draws something else
