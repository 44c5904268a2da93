"""Steps per second of the environment from Python, against the Rust crate and against numpy.

Measures, at the paper's setting (embedded corpus, one-hot characters, N = M = 1,000 words into
bins, uniformly random actions), for word-only and table-aware observations:
  - nh_env.HashTableEnv.step, one call per step (the gymnasium.Env);
  - nh_env.VectorHashTableEnv.step with --num-envs environments (one Rust call per step of all);
  - NumpyHashTableEnv below: the same environment written with numpy, as a Python user would;
  - nh-env itself (examples/rust_steps.rs, built and run by this script): HashTableEnv::step and
    VecEnv::step_all with the same settings.
Prints a markdown table with the ratios. Run from the repository root with the wheel installed:

    python crates/nh-py/bench/steps_per_second.py --seconds 3 --num-envs 64
"""

import argparse
import json
import os
import platform
import subprocess
import time

import numpy as np

import nh_env

WORDS = BINS = 1000


class NumpyHashTableEnv:
    """The environment in plain Python + numpy: sample N distinct words, one-hot encode the
    current word, place it, reward +10 / -10, observation = encoding (+ occupancy)."""

    def __init__(self, words, alphabet, max_len, table_aware, seed):
        self.words = words
        self.slot = {ch: i for i, ch in enumerate(alphabet)}
        self.size = len(alphabet) + 1  # plus "other"
        self.max_len = max_len
        self.table_aware = table_aware
        self.rng = np.random.default_rng(seed)
        self.dim = max_len * self.size + (BINS if table_aware else 0)

    def _obs(self):
        obs = np.zeros(self.dim, dtype=np.float32)
        if self.t < WORDS:
            # Words longer than max_len are cut here (nh-encode keeps head and tail; same cost).
            for pos, ch in enumerate(self.words[self.episode[self.t]][: self.max_len]):
                obs[pos * self.size + self.slot.get(ch, self.size - 1)] = 1.0
        if self.table_aware:
            obs[self.max_len * self.size :] = self.loads > 0
        return obs

    def reset(self):
        self.episode = self.rng.choice(len(self.words), WORDS, replace=False)
        self.loads = np.zeros(BINS, dtype=np.int64)
        self.t = 0
        return self._obs(), {}

    def step(self, action):
        collided = self.loads[action] > 0
        self.loads[action] += 1
        self.t += 1
        reward = -10.0 if collided else 10.0
        return self._obs(), reward, self.t == WORDS, False, {"bin": action, "collided": collided}


def rate(run_episode, seconds, steps_per_episode):
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        run_episode()
        steps += steps_per_episode
    return steps / (time.perf_counter() - started)


def measure_python(observation, num_envs, seconds):
    kwargs = dict(bins=BINS, words_per_episode=WORDS, observation=observation)
    actions = np.random.default_rng(0).integers(BINS, size=(WORDS, num_envs))
    single_actions = [int(a) for a in actions[:, 0]]

    env = nh_env.HashTableEnv(**kwargs)
    env.reset(seed=0)

    def single_episode():
        env.reset()
        for a in single_actions:
            env.step(a)

    envs = nh_env.VectorHashTableEnv(num_envs, **kwargs)
    envs.reset(seed=0)

    def vector_episode():
        envs.reset()
        for row in actions:
            envs.step(row)

    corpus = nh_env.Corpus.embedded()
    encoder = nh_env.OneHotEncoder(corpus)
    plain = NumpyHashTableEnv(corpus.words, encoder.alphabet, encoder.max_len, observation != "word_only", 0)

    def numpy_episode():
        plain.reset()
        for a in single_actions:
            plain.step(a)

    return {
        "python_single": rate(single_episode, seconds, WORDS),
        "python_vector": rate(vector_episode, seconds, WORDS * num_envs),
        "numpy_single": rate(numpy_episode, seconds, WORDS),
    }


def measure_rust(observation, num_envs, seconds, root):
    command = ["cargo", "run", "--quiet", "--release", "-p", "nh-py", "--example", "rust_steps", "--"]
    out = subprocess.run(command + [observation, str(num_envs), str(seconds)], cwd=root, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout)
    return {"rust_single": result["single_steps_per_s"], "rust_vector": result["vector_steps_per_s"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--num-envs", type=int, default=64)
    parser.add_argument("--root", default=os.getcwd(), help="repository root (for cargo)")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; python {platform.python_version()}")
    print(f"settings: embedded corpus, one-hot, N = M = {WORDS}, {args.num_envs} vector envs, {args.seconds} s each\n")
    print("| observation | Rust step | Rust VecEnv | Python env.step | Python vector | numpy env | vector / Rust VecEnv | single / numpy | vector / numpy |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for observation in ["word_only", "word_and_occupancy"]:
        r = measure_rust(observation, args.num_envs, args.seconds, args.root)
        r.update(measure_python(observation, args.num_envs, args.seconds))
        print(
            f"| {observation} | {r['rust_single']:,.0f} | {r['rust_vector']:,.0f} | {r['python_single']:,.0f} | "
            f"{r['python_vector']:,.0f} | {r['numpy_single']:,.0f} | {r['python_vector'] / r['rust_vector']:.2f}x | "
            f"{r['python_single'] / r['numpy_single']:.1f}x | {r['python_vector'] / r['numpy_single']:.0f}x |",
            flush=True,
        )


if __name__ == "__main__":
    main()
