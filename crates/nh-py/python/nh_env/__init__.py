"""nh_env: the hash-table environment of "Neural Hash Functions" for Gymnasium, backed by Rust.

An agent places the words of an episode one per step into the bins of a hash table and earns
+10 for an empty bin, -10 for a collision. All of the environment's logic is the Rust crate
nh-env; this package is a thin layer over it (see crates/nh-py/src/lib.rs).

    import gymnasium as gym
    import nh_env  # registers NeuralHash-v0

    env = gym.make("NeuralHash-v0", bins=100, words_per_episode=100)
    obs, info = env.reset(seed=42)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())

Exports: HashTableEnv (a gymnasium.Env), VectorHashTableEnv (a gymnasium.vector.VectorEnv),
Corpus, OneHotEncoder, IndexEncoder, HashModel (a model folder saved by `nh train`, queried
without libtorch), ENV_ID and PAPER_SETTINGS (the registered defaults).
"""

import gymnasium

from nh_env._native import (
    DEFAULT_MAX_LEN,
    PAPER_SHA256,
    Corpus,
    HashModel,
    IndexEncoder,
    OneHotEncoder,
)
from nh_env.env import PAPER_SETTINGS, HashTableEnv
from nh_env.vector import VectorHashTableEnv

ENV_ID = "NeuralHash-v0"

if ENV_ID not in gymnasium.registry:
    gymnasium.register(
        id=ENV_ID,
        entry_point="nh_env.env:HashTableEnv",
        vector_entry_point="nh_env.vector:VectorHashTableEnv",
        kwargs=dict(PAPER_SETTINGS),
    )

__all__ = [
    "DEFAULT_MAX_LEN",
    "ENV_ID",
    "PAPER_SETTINGS",
    "PAPER_SHA256",
    "Corpus",
    "HashModel",
    "HashTableEnv",
    "IndexEncoder",
    "OneHotEncoder",
    "VectorHashTableEnv",
]
