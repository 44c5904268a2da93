"""Stable-Baselines3 baselines on the nh_env environment (issue #19): PPO and A2C with their
default hyper-parameters, on the table-aware 100/100 and 1,000/1,000 settings and on word-only
1,000/1,000, each for a fixed budget of environment steps.

Reports, per run, the collisions per episode of the last 10 training episodes (mean) and of one
greedy evaluation episode (seed 10_000), beside a uniformly random policy's expectation. Needs the
nh_env wheel (`pip install ./crates/nh-py`) and the pinned crates/nh-py/requirements-test.txt.

    python experiments/python/sb3_baselines.py --steps-small 50000 --steps-large 50000 --seeds 0
"""

import argparse
import time

import numpy as np
import torch
from stable_baselines3 import A2C, PPO
from stable_baselines3.common.env_util import make_vec_env

import nh_env

SETTINGS = [
    ("table-aware 100/100", 100, "word_and_occupancy"),
    ("table-aware 1000/1000", 1000, "word_and_occupancy"),
    ("word-only 1000/1000", 1000, "word_only"),
]
ALGORITHMS = {"PPO": PPO, "A2C": A2C}


def random_collisions(n):
    """Expected collisions of n words placed uniformly into n bins: n - n (1 - (1 - 1/n)^n)."""
    return n - n * (1 - (1 - 1 / n) ** n)


def run(algorithm, n, observation, steps, seed, n_envs):
    kwargs = dict(bins=n, words_per_episode=n, observation=observation)
    envs = make_vec_env(nh_env.ENV_ID, n_envs=n_envs, seed=seed, env_kwargs=kwargs)
    model = ALGORITHMS[algorithm]("MlpPolicy", envs, seed=seed, device="cpu", verbose=0)
    started = time.perf_counter()
    model.learn(total_timesteps=steps)
    seconds = time.perf_counter() - started
    # Monitor's reward r = 10 (occupied - collisions) = 10 (n - 2 collisions).
    last = [(n - info["r"] / 10) / 2 for info in list(model.ep_info_buffer)[-10:]]
    env = nh_env.HashTableEnv(**kwargs)
    obs, _ = env.reset(seed=10_000)
    terminated = False
    while not terminated:
        action, _ = model.predict(obs, deterministic=True)
        obs, _, terminated, _, info = env.step(action)
    return {
        "train_last10_collisions": float(np.mean(last)),
        "greedy_collisions": info["episode_stats"]["collisions"],
        "seconds": seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps-small", type=int, default=50_000, help="budget for 100/100")
    parser.add_argument("--steps-large", type=int, default=50_000, help="budget for 1000/1000")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--n-envs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", default="", help="run only the settings whose name contains this")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print("| setting | algorithm | steps | seed | collisions, last 10 training episodes | greedy episode | random policy | wall s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, n, observation in [s for s in SETTINGS if args.only in s[0]]:
        steps = args.steps_small if n == 100 else args.steps_large
        for algorithm in ALGORITHMS:
            for seed in args.seeds:
                r = run(algorithm, n, observation, steps, seed, args.n_envs)
                print(
                    f"| {name} | {algorithm} | {steps:,} | {seed} | {r['train_last10_collisions']:.1f} | "
                    f"{r['greedy_collisions']} | {random_collisions(n):.1f} | {r['seconds']:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
