"""The corpus and the encoders as Python objects: the same provenance and encodings as in Rust."""

import hashlib

import numpy as np

import nh_env


def test_a_file_corpus_has_the_sha256_of_its_bytes(tmp_path):
    data = b"cat\r\ndog\n\nemu\ncat\n"
    path = tmp_path / "pets.txt"
    path.write_bytes(data)
    corpus = nh_env.Corpus.from_path(str(path))
    assert corpus.words == ["cat", "dog", "emu"]
    assert corpus.sha256 == hashlib.sha256(data).hexdigest()
    prov = corpus.provenance
    assert (prov["lines_read"], prov["empty_lines_skipped"], prov["duplicates_removed"]) == (5, 1, 1)
    assert prov["source_name"] == "pets.txt" and not prov["is_paper_corpus"]
    assert corpus.sample(2, 7) == corpus.sample(2, 7)
    assert len(corpus) == 3


def test_the_embedded_corpus_hashes_its_text():
    corpus = nh_env.Corpus.embedded()
    assert len(corpus) == 178_187
    text = "".join(word + "\n" for word in corpus.words).encode()
    assert corpus.sha256 == hashlib.sha256(text).hexdigest()
    assert corpus.provenance["origin"] == "embedded"


def test_one_hot_and_index_forms_agree():
    one_hot = nh_env.OneHotEncoder(None, 6)
    index = one_hot.index_encoder()
    assert (one_hot.dim, one_hot.alphabet_size, index.vocab_size) == (6 * 27, 27, 6 * 27 + 1)
    for word in ["hash", "", "Zebra!", "characteristically"]:
        grid = one_hot.encode(word)
        ids = index.ids(word)
        assert grid.dtype == np.float32 and ids.dtype == np.int64
        assert sorted(np.flatnonzero(grid).tolist()) == [i for i in ids.tolist() if i != index.pad_id]
    batch = one_hot.encode_batch(["ab", "c"])
    assert batch.shape == (2, one_hot.dim) and batch.sum() == 3.0
    assert index.ids_batch(["ab", "c"]).shape == (2, 6)


def test_an_index_env_observes_the_ids():
    corpus = nh_env.Corpus.from_text("two", b"ab\nba\n")
    env = nh_env.HashTableEnv(corpus=corpus, bins=2, words_per_episode=2, schedule="fixed", word_seed=0, encoder="index", max_len=3)
    obs, _ = env.reset(seed=0)
    index = nh_env.IndexEncoder(corpus, 3)
    assert obs.tolist() == index.ids(env.episode_words()[0]).tolist()
