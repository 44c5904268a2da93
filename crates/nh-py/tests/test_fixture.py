"""Seeded episodes through the Python package equal the Rust episodes of fixtures/episodes.json.

The fixture is written and checked by episode_fixture.rs, which plays the same episodes with the
Rust crates directly; here the single and the vectorized environment replay them.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import nh_env

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "episodes.json").read_text())
CASES = FIXTURE["cases"]


def nonzero(obs):
    return [[int(i), float(obs[i])] for i in np.flatnonzero(obs)]


def row(infos, i):
    """Environment i's entries of a vector info dict (nested dicts included)."""
    return {k: row(v, i) if isinstance(v, dict) else v[i] for k, v in infos.items()}


def replay(step, obs, episode):
    """Plays the fixture's actions through `step(action) -> (obs, reward, info)`, comparing."""
    assert nonzero(obs) == episode["obs_nonzero"][0]
    n = len(episode["actions"])
    for t, action in enumerate(episode["actions"]):
        obs, reward, terminated, info = step(action)
        assert reward == episode["rewards"][t]
        assert bool(info["collided"]) == episode["collided"][t]
        assert int(info["load"]) == episode["loads"][t]
        assert int(info["bin"]) == action
        assert int(info["occupied_bins"]) == episode["occupied_bins"][t]
        assert nonzero(obs) == episode["obs_nonzero"][t + 1]
        assert bool(terminated) == (t + 1 == n)
    return info


def test_the_embedded_corpus_is_the_one_the_fixture_was_made_from():
    assert nh_env.Corpus.embedded().sha256 == FIXTURE["corpus_sha256"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_single_env_replays_the_rust_episodes(case):
    env = nh_env.HashTableEnv(**case["kwargs"])
    for episode in case["episodes"]:
        obs, _ = env.reset(seed=episode["seed"])
        assert env.episode_words() == episode["words"]

        def step(action):
            obs, reward, terminated, _, info = env.step(action)
            return obs, reward, terminated, info

        info = replay(step, obs, episode)
        assert info["episode_stats"] == episode["stats"]
        assert env.episode_stats() == episode["stats"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector_env_replays_the_rust_episodes_in_its_first_environment(case):
    envs = nh_env.VectorHashTableEnv(3, **case["kwargs"])
    for episode in case["episodes"]:
        obs, _ = envs.reset(seed=episode["seed"])
        assert envs.episode_words(0) == episode["words"]

        def step(action):
            # The other environments take other actions: they must not disturb environment 0.
            actions = np.array([action, 0, action + 1]) % envs.single_action_space.n
            obs, rewards, terminated, _, infos = envs.step(actions)
            return obs[0], rewards[0], terminated[0], row(infos, 0)

        info = replay(step, obs[0], episode)
        stats = {key: values.item() for key, values in info["episode_stats"].items()}
        assert stats == episode["stats"]


def test_a_changed_fixture_would_be_caught():
    """The replay is not vacuous: one altered reward in a copy of the fixture fails it."""
    case = json.loads(json.dumps(CASES[0]))
    episode = case["episodes"][0]
    episode["rewards"][3] = -episode["rewards"][3]
    env = nh_env.HashTableEnv(**case["kwargs"])
    obs, _ = env.reset(seed=episode["seed"])

    def step(action):
        obs, reward, terminated, _, info = env.step(action)
        return obs, reward, terminated, info

    with pytest.raises(AssertionError):
        replay(step, obs, episode)
