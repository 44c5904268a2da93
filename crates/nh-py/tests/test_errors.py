"""Errors cross into Python as exceptions carrying the Rust message; nothing panics."""

import pytest

import nh_env


def test_bad_configs_are_value_errors_naming_the_key():
    with pytest.raises(ValueError, match="`bins` = 0: a table needs at least one bin"):
        nh_env.HashTableEnv(bins=0)
    with pytest.raises(ValueError, match="words_per_episode"):
        nh_env.HashTableEnv(words_per_episode=0)
    with pytest.raises(ValueError, match="rewards.empty"):
        nh_env.HashTableEnv(reward_empty=float("nan"))
    with pytest.raises(ValueError, match='`schedule` = "random"'):
        nh_env.HashTableEnv(schedule="random")
    with pytest.raises(ValueError, match="`observation`"):
        nh_env.HashTableEnv(observation="table")
    with pytest.raises(ValueError, match="load_scale"):
        nh_env.HashTableEnv(load_scale=0.5)
    with pytest.raises(TypeError, match="encoder"):
        nh_env.HashTableEnv(encoder=object())
    with pytest.raises(ValueError, match="num_envs"):
        nh_env.VectorHashTableEnv(0)


def test_bad_word_lists_are_value_errors():
    with pytest.raises(ValueError, match='holds "a" twice'):
        nh_env.HashTableEnv(words=["a", "b", "a"], bins=3, words_per_episode=2)
    with pytest.raises(ValueError, match="must hold exactly"):
        nh_env.HashTableEnv(words=["a", "b", "c"], bins=3, words_per_episode=2, schedule="fixed")
    with pytest.raises(ValueError, match="has only 2"):
        nh_env.HashTableEnv(words=["a", "b"], bins=3, words_per_episode=3)
    with pytest.raises(ValueError, match="cannot take 500 distinct words"):
        nh_env.HashTableEnv(corpus=nh_env.Corpus.from_text("tiny", b"a\nb\n"), schedule="fixed", words_per_episode=500)


def test_misuse_of_step_is_refused_and_changes_nothing():
    env = nh_env.HashTableEnv(words=["x", "y"], bins=2, words_per_episode=2, schedule="fixed")
    with pytest.raises(RuntimeError, match="never reset"):
        env.step(0)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action 2 is out of range: the table has 2 bins"):
        env.step(2)
    with pytest.raises(ValueError, match="action -1 is out of range"):
        env.step(-1)
    assert env.episode_stats()["total_reward"] == 0.0
    env.step(0)
    env.step(0)
    with pytest.raises(RuntimeError, match="the episode is over \\(2 words placed\\)"):
        env.step(1)
    assert env.episode_stats()["collisions"] == 1


def test_vector_misuse_is_refused_before_any_environment_steps():
    envs = nh_env.VectorHashTableEnv(3, bins=4, words_per_episode=4)
    envs.reset(seed=1)
    with pytest.raises(ValueError, match="action 9 is out of range"):
        envs.step([0, 9, 1])
    with pytest.raises(ValueError, match="`actions` has length 2, expected 3"):
        envs.step([0, 1])
    assert envs.episode_stats()["total_reward"].tolist() == [0.0, 0.0, 0.0]


def test_bad_seeds_and_corpus_files():
    env = nh_env.HashTableEnv(bins=4, words_per_episode=4)
    with pytest.raises(ValueError, match="seed"):
        env.native.reset(-1)
    with pytest.raises(OSError, match="cannot read /nonexistent/words.txt"):
        nh_env.Corpus.from_path("/nonexistent/words.txt")
    with pytest.raises(ValueError, match="line 2"):
        nh_env.Corpus.from_text("bad", b"ok\n trailing\n")
