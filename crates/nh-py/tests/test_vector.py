"""The vectorized environment: environment i equals a single environment seeded seed + i, infos
follow Gymnasium's vector form, and the next step after termination resets (NEXT_STEP)."""

import numpy as np

import nh_env

KWARGS = dict(bins=30, words_per_episode=25, observation="word_and_occupancy")


def test_each_environment_is_the_single_environment_with_seed_plus_i():
    envs = nh_env.VectorHashTableEnv(4, **KWARGS)
    singles = [nh_env.HashTableEnv(**KWARGS) for _ in range(4)]
    obs, infos = envs.reset(seed=10)
    for i, env in enumerate(singles):
        single_obs, _ = env.reset(seed=10 + i)
        assert np.array_equal(obs[i], single_obs)
    rng = np.random.default_rng(1)
    for t in range(25):
        actions = rng.integers(30, size=4)
        obs, rewards, terminated, truncated, infos = envs.step(actions)
        assert obs.dtype == np.float32 and obs.shape == (4, envs.single_observation_space.shape[0])
        for i, env in enumerate(singles):
            single_obs, reward, single_terminated, _, info = env.step(actions[i])
            assert np.array_equal(obs[i], single_obs)
            assert rewards[i] == reward and terminated[i] == single_terminated
            assert infos["bin"][i] == info["bin"] and infos["collided"][i] == info["collided"]
    assert terminated.all() and not truncated.any()
    assert infos["_episode_stats"].all()
    for i, env in enumerate(singles):
        stats = env.episode_stats()
        assert {k: v[i].item() for k, v in infos["episode_stats"].items()} == stats


def test_the_step_after_termination_resets_all_environments():
    envs = nh_env.VectorHashTableEnv(2, bins=5, words_per_episode=3)
    envs.reset(seed=0)
    first = envs.episode_words(0)
    for _ in range(3):
        *_, terminated, _, _ = envs.step([0, 1])
    assert terminated.all()
    obs, rewards, terminated, truncated, infos = envs.step([4, 4])
    assert rewards.tolist() == [0.0, 0.0] and not terminated.any() and not truncated.any()
    assert infos["placed"].tolist() == [0, 0] and "bin" not in infos
    assert envs.episode_words(0) != first
    _, _, _, _, infos = envs.step([2, 2])
    assert infos["placed"].tolist() == [1, 1]


def test_make_vec_uses_the_rust_vector_env():
    import gymnasium as gym

    envs = gym.make_vec(nh_env.ENV_ID, num_envs=3, vectorization_mode="vector_entry_point", bins=10, words_per_episode=10)
    assert isinstance(envs.unwrapped, nh_env.VectorHashTableEnv)
    obs, _ = envs.reset(seed=2)
    assert obs.shape == (3, 24 * 27)
