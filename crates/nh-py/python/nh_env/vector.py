"""VectorHashTableEnv: a gymnasium.vector.VectorEnv stepping all environments in one Rust call.

Environment i is seeded `seed + i` (as nh-env's VecEnv and Gymnasium's own vector environments
do). Every environment places the same number of words, so all of them terminate on the same
step; the next `step` resets them all (Gymnasium's NEXT_STEP autoreset: its actions are ignored,
its rewards are 0). Infos are dicts of arrays with `_key` masks, keyed as HashTableEnv's.
"""

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from nh_env import _native
from nh_env.env import PAPER_SETTINGS, native_kwargs, observation_box


class VectorHashTableEnv(VectorEnv):
    """`num_envs` copies of HashTableEnv (same keyword arguments), stepped together in Rust."""

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(
        self,
        num_envs,
        bins=PAPER_SETTINGS["bins"],
        words_per_episode=PAPER_SETTINGS["words_per_episode"],
        schedule=PAPER_SETTINGS["schedule"],
        observation=PAPER_SETTINGS["observation"],
        load_scale=None,
        reward_empty=PAPER_SETTINGS["reward_empty"],
        reward_collision=PAPER_SETTINGS["reward_collision"],
        encoder=PAPER_SETTINGS["encoder"],
        max_len=PAPER_SETTINGS["max_len"],
        corpus=None,
        words=None,
        word_seed=0,
        pool_size=None,
        render_mode=None,
    ):
        self.native = _native.VecHashTableEnv(
            num_envs=int(num_envs),
            **native_kwargs(
                bins,
                words_per_episode,
                schedule,
                observation,
                load_scale,
                reward_empty,
                reward_collision,
                encoder,
                max_len,
                corpus,
                words,
                word_seed,
                pool_size,
            ),
        )
        self.num_envs = self.native.num_envs
        self.single_action_space = spaces.Discrete(self.native.bins)
        self.single_observation_space = observation_box(self.native)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.render_mode = render_mode  # nothing is rendered
        self._needs_reset = False
        self._seeded = False

    def reset(self, *, seed=None, options=None):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed={seed!r}: pass one int (environment i gets seed + i) or None")
        super().reset(seed=seed)
        if options:
            raise ValueError(f"unknown reset options {sorted(options)}: this environment has none")
        if seed is None and not self._seeded:
            seed = int(self.np_random.integers(2**63))
        self._seeded = True
        self._needs_reset = False
        return self.native.reset(seed)

    def step(self, actions):
        if self._needs_reset:
            self._needs_reset = False
            obs, infos = self.native.reset(None)
            done = np.zeros(self.num_envs, dtype=np.bool_)
            return obs, np.zeros(self.num_envs), done, done.copy(), infos
        actions = np.asarray(actions, dtype=np.int64)
        obs, rewards, terminated, truncated, infos = self.native.step(actions)
        self._needs_reset = bool(terminated.all())
        return obs, rewards, terminated, truncated, infos

    def episode_words(self, index):
        """The words of environment `index`'s current episode, in step order."""
        return self.native.episode_words(index)

    def episode_stats(self):
        """Statistics of every environment's current episode, one array per key."""
        return self.native.episode_stats()
