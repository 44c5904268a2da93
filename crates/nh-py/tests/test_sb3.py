"""Stable-Baselines3 (a client we did not write) trains PPO on the environment through its own
make_vec_env, and the episode statistics it logs agree with the environment's own."""

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env

import nh_env

WORDS = BINS = 100


class EpisodeStatsRecorder(BaseCallback):
    """Keeps, for every finished episode, Monitor's record and the environment's statistics."""

    def __init__(self):
        super().__init__()
        self.pairs = []

    def _on_step(self):
        for info in self.locals["infos"]:
            if "episode_stats" in info:
                self.pairs.append((info["episode"], info["episode_stats"]))
        return True


def test_ppo_trains_and_its_logged_episodes_match_the_environment():
    torch.set_num_threads(1)
    envs = make_vec_env(
        nh_env.ENV_ID,
        n_envs=4,
        seed=0,
        env_kwargs=dict(bins=BINS, words_per_episode=WORDS, observation="word_and_occupancy"),
    )
    model = PPO("MlpPolicy", envs, n_steps=256, batch_size=256, n_epochs=4, seed=0, device="cpu", verbose=0)
    recorder = EpisodeStatsRecorder()
    model.learn(total_timesteps=4 * 4 * 256, callback=recorder)

    assert model.num_timesteps == 4096
    # 1,024 steps per environment: 10 whole 100-word episodes each, seen by Monitor and by us.
    assert len(recorder.pairs) == 4 * (1024 // WORDS)
    for monitor, stats in recorder.pairs:
        assert monitor["l"] == WORDS
        assert monitor["r"] == stats["total_reward"]
        assert stats["total_reward"] == 10 * (stats["occupied_bins"] - stats["collisions"])
    # What SB3 logs as rollout/ep_rew_mean is the mean of Monitor's records, hence of ours.
    logged = [info["r"] for info in model.ep_info_buffer]
    ours = [stats["total_reward"] for _, stats in recorder.pairs][-len(logged):]
    assert np.isclose(np.mean(logged), np.mean(ours))

    # The trained policy still plays valid episodes of the Rust environment.
    env = nh_env.HashTableEnv(bins=BINS, words_per_episode=WORDS, observation="word_and_occupancy")
    obs, _ = env.reset(seed=123)
    terminated = False
    while not terminated:
        action, _ = model.predict(obs, deterministic=True)
        obs, _, terminated, _, info = env.step(action)
    assert info["episode_stats"]["occupied_bins"] + info["episode_stats"]["collisions"] == WORDS
