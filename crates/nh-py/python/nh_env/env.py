"""HashTableEnv: a gymnasium.Env over the Rust environment nh_env._native.HashTableEnv.

This file only adapts conventions: it resolves the corpus and encoder arguments, builds
Gymnasium's spaces from the Rust environment's dimensions and bounds, and seeds np_random.
Episodes, rewards, statistics and every check come from the Rust crate nh-env.
"""

import os

import gymnasium
import numpy as np
from gymnasium import spaces

from nh_env import _native

# The paper's main setting (1,000 words into 1,000 bins, word-only observations, fresh words,
# +10 / -10, one-hot characters): the keyword arguments registered with NeuralHash-v0.
PAPER_SETTINGS = {
    "bins": 1000,
    "words_per_episode": 1000,
    "schedule": "sample",
    "observation": "word_only",
    "reward_empty": 10.0,
    "reward_collision": -10.0,
    "encoder": "one_hot",
    "max_len": _native.DEFAULT_MAX_LEN,
}


def native_kwargs(
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
):
    """The keyword arguments of the native constructors, from the Python ones.

    `words` (a list of distinct str) is the word list itself; otherwise `corpus` (None for the
    embedded list, a path, or a Corpus) supplies it by the schedule. `encoder` is "one_hot",
    "index" or an encoder object; by name, its alphabet is the corpus's (or the words') characters.
    """
    if words is not None:
        if corpus is not None:
            raise ValueError("give `words` or `corpus`, not both")
        words = list(words)
        source = words
    else:
        if corpus is None:
            corpus = _native.Corpus.embedded()
        elif isinstance(corpus, (str, os.PathLike)):
            corpus = _native.Corpus.from_path(os.fspath(corpus))
        source = corpus
    if isinstance(encoder, str):
        kinds = {"one_hot": _native.OneHotEncoder, "index": _native.IndexEncoder}
        if encoder not in kinds:
            raise ValueError(f'`encoder` = {encoder!r}: expected "one_hot", "index" or an encoder')
        encoder = kinds[encoder](source, max_len)
    return {
        "bins": int(bins),
        "words_per_episode": int(words_per_episode),
        "schedule": schedule,
        "observation": observation,
        "load_scale": None if load_scale is None else float(load_scale),
        "reward_empty": float(reward_empty),
        "reward_collision": float(reward_collision),
        "encoder": encoder,
        "corpus": None if words is not None else corpus,
        "words": words,
        "word_seed": int(word_seed),
        "pool_size": None if pool_size is None else int(pool_size),
    }


def observation_box(native):
    """The Box of one observation, from the native environment's bounds."""
    low, high = native.observation_bounds()
    return spaces.Box(low=low, high=high, dtype=np.float32)


class HashTableEnv(gymnasium.Env):
    """Place `words_per_episode` words into `bins` bins, one per step (nh-env's HashTableEnv).

    Actions: Discrete(bins). Observations: float32, the word's encoding (one-hot grid, or the
    index form's ids), then in the table-aware modes one value per bin ("word_and_occupancy": 1.0
    for an occupied bin; "word_and_load": its word count times `load_scale`, default
    1 / words_per_episode). Schedules: "sample" (fresh words each episode), "fixed" (the same
    words, in order), "pool" (draws from a pool of `pool_size` words, default 3 x
    words_per_episode), "batches" (the `pool_size` words as fixed batches of words_per_episode,
    cycled in order); "fixed", "pool" and "batches" choose their words from the corpus with
    `word_seed`.

    `reset(seed=s)` gives exactly the Rust episode of seed `s`; `reset()` continues the episode
    generator, which a first unseeded reset seeds from `np_random`. The info dict holds `placed`,
    `occupied_bins`, `next_word` (a word index, see `word()`), after a step `word`, `bin`,
    `collided`, `load`, and on the last step `episode_stats` (`total_reward`, `collisions`,
    `occupied_bins`, `max_load`, `max_collisions_in_bin`).
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(
        self,
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
        self.native = _native.HashTableEnv(
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
            )
        )
        self.action_space = spaces.Discrete(self.native.bins)
        self.observation_space = observation_box(self.native)
        # Gymnasium's make warns about a mode missing from metadata; Stable-Baselines3's
        # make_vec_env asks for "rgb_array", which renders nothing (render() returns None).
        self.render_mode = render_mode
        self._seeded = False

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        if options:
            raise ValueError(f"unknown reset options {sorted(options)}: this environment has none")
        if seed is None and not self._seeded:
            seed = int(self.np_random.integers(2**63))
        self._seeded = True
        return self.native.reset(seed)

    def step(self, action):
        return self.native.step(action)

    def render(self):
        """With render_mode="ansi": the episode so far and the words per bin, as text."""
        if self.render_mode != "ansi":
            return None
        stats = self.native.episode_stats()
        loads = " ".join(str(load) for load in self.native.bin_loads())
        return f"placed {stats['occupied_bins'] + stats['collisions']} words, {stats}\nloads: {loads}\n"

    def word(self, index):
        """The word at `index` of the list (info's `word` and `next_word` are indices)."""
        return self.native.word(index)

    def episode_words(self):
        """The current episode's words, in step order."""
        return self.native.episode_words()

    def episode_stats(self):
        """The current episode's statistics so far (final once it terminated)."""
        return self.native.episode_stats()

    def bin_loads(self):
        """Words per bin in the current episode."""
        return self.native.bin_loads()
