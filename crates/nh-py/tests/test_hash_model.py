"""A saved model hashes alike in Python and Rust: nh_env.HashModel opens the model folders of
fixtures/models (written by model_fixture.rs through nh-hash) and gives the bins recorded in
fixtures/models.json; broken folders are refused with the file named."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import nh_env

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "models.json").read_text())
WORDS = EXPECTED["words"]


@pytest.mark.parametrize("name", ["network", "sharded"])
def test_bins_equal_the_rust_crate(name):
    expected = EXPECTED["models"][name]
    model = nh_env.HashModel(FIXTURES / "models" / name)
    assert model.bins == expected["bins"]
    assert model.shards == (3 if name == "sharded" else 1)
    bins = model.hash_words(WORDS)
    assert bins.dtype == np.int64
    assert bins.tolist() == expected["hashes"]
    assert [model.hash(w) for w in WORDS] == expected["hashes"]
    assert model.collisions(WORDS) == expected["collisions"]
    assert all(0 <= b < model.bins for b in bins.tolist())


def test_any_text_hashes_into_the_bins():
    model = nh_env.HashModel(FIXTURES / "models" / "sharded")
    for word in ["", "zzz", "ünïcödé", "a" * 100, "tab\tinside"]:
        assert 0 <= model.hash(word) < model.bins
    assert model.hash_words([]).tolist() == []
    assert model.collisions(["abc", "abc"]) == 1


def test_missing_and_edited_models_are_refused(tmp_path):
    with pytest.raises(OSError, match="metadata.json"):
        nh_env.HashModel(tmp_path / "absent")
    edited = tmp_path / "edited"
    shutil.copytree(FIXTURES / "models" / "network", edited)
    weights = edited / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01
    weights.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="model.safetensors"):
        nh_env.HashModel(edited)
    with pytest.raises(TypeError):
        nh_env.HashModel(FIXTURES / "models" / "network").hash_words("not a list")
