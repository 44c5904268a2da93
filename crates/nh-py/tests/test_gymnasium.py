"""Gymnasium's own checker and conventions: check_env for every mode, schedule and encoder,
registration, spaces, seeding."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import nh_env

OBSERVATIONS = ["word_only", "word_and_occupancy", "word_and_load"]
SCHEDULES = ["sample", "fixed", "pool", "batches"]


@pytest.mark.parametrize("observation", OBSERVATIONS)
@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("encoder", ["one_hot", "index"])
def test_check_env_passes(observation, schedule, encoder):
    env = gym.make(
        nh_env.ENV_ID,
        bins=20,
        words_per_episode=15,
        observation=observation,
        schedule=schedule,
        encoder=encoder,
    )
    check_env(env.unwrapped, skip_render_check=True)


def test_registered_defaults_are_the_papers_setting():
    env = gym.make(nh_env.ENV_ID)
    assert env.spec.kwargs == nh_env.PAPER_SETTINGS
    assert env.action_space == gym.spaces.Discrete(1000)
    # 24 positions x (26 letters + "other") for the embedded corpus.
    assert env.observation_space.shape == (24 * 27,)
    obs, info = env.reset(seed=1)
    assert obs in env.observation_space
    assert info["placed"] == 0 and info["occupied_bins"] == 0


def test_table_aware_observations_show_the_table():
    env = nh_env.HashTableEnv(bins=10, words_per_episode=10, observation="word_and_occupancy")
    obs, _ = env.reset(seed=3)
    word_dim = obs.shape[0] - 10
    obs, *_ = env.step(4)
    assert obs[word_dim:].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    env = nh_env.HashTableEnv(bins=4, words_per_episode=4, observation="word_and_load")
    env.reset(seed=3)
    env.step(1)
    obs, *_ = env.step(1)
    assert obs[-4:].tolist() == [0.0, 0.5, 0.0, 0.0]  # 2 words x the default scale 1/4
    assert env.observation_space.high[-1] == 1.0


def test_seeds_fix_episodes_and_unseeded_first_resets_differ():
    env = nh_env.HashTableEnv(bins=50, words_per_episode=50)
    env.reset(seed=9)
    words = env.episode_words()
    env.reset()
    assert env.episode_words() != words
    env.reset(seed=9)
    assert env.episode_words() == words
    a, b = nh_env.HashTableEnv(bins=50, words_per_episode=50), nh_env.HashTableEnv(bins=50, words_per_episode=50)
    a.reset()
    b.reset()
    assert a.episode_words() != b.episode_words()


def test_episode_stats_agree_with_the_rewards():
    env = nh_env.HashTableEnv(bins=100, words_per_episode=100)
    env.reset(seed=5)
    rng = np.random.default_rng(0)
    total, terminated = 0.0, False
    while not terminated:
        _, reward, terminated, truncated, info = env.step(int(rng.integers(100)))
        assert not truncated
        total += reward
    stats = info["episode_stats"]
    assert stats["total_reward"] == total
    assert stats["collisions"] == 100 - stats["occupied_bins"]
    assert stats["max_collisions_in_bin"] == stats["max_load"] - 1
    assert int(env.bin_loads().sum()) == 100
    assert 20 < stats["collisions"] < 55  # 36.6 expected for a uniform random policy


def test_batches_cycle_through_fixed_batches_in_order():
    env = nh_env.HashTableEnv(bins=10, words_per_episode=10, schedule="batches", pool_size=30)
    episodes = []
    for seed in [4, None, None, None]:
        env.reset(seed=seed)
        episodes.append(list(env.episode_words()))
    assert episodes[0] != episodes[1] != episodes[2]
    assert episodes[3] == episodes[0]
    assert sorted(sum(episodes[:3], [])) == sorted(set(sum(episodes[:3], [])))
