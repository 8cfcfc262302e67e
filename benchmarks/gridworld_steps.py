"""Grid-world environment steps per second: vectorised GridWorld.step vs a plain Python loop.

The vectorised step moves N environments at once with numpy (one call per time step for
all of them); the baseline is what a student would write: one environment, walls in a set,
the position a (row, col) tuple, one Python iteration per step. Both take uniformly random
actions in the same 21x21 Prim maze and restart at the start when they find the treasure.
For reference, the tabular Q-learning engine (one environment step + one TD update per
engine step) and the MCTS engine (one simulation per step) are driven headless.

    .venv/bin/python benchmarks/gridworld_steps.py
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engines.rl.gridworld import MOVES, GridWorld, maze_world  # noqa: E402
from engines.runtime import Control, drive  # noqa: E402

ENV_COUNTS = (1, 64, 1024, 16384)
#: Seconds each measurement should roughly last (best of REPEATS is reported).
TARGET_SECONDS = 0.5
REPEATS = 3


def python_loop(env: GridWorld, steps: int, seed: int = 0) -> float:
    """Env-steps/s of one environment in plain Python (set of walls, tuple position)."""
    h, w = env.shape
    walls = {(int(r), int(c)) for r, c in np.argwhere(env.walls)}
    rewards = {(int(r), int(c)): float(env.rewards[r, c]) for r, c in np.argwhere(env.rewards)}
    moves = [(int(dr), int(dc)) for dr, dc in MOVES]
    start = env.start
    rng = random.Random(seed)
    pos, total = start, 0.0
    t0 = time.perf_counter()
    for _ in range(steps):
        dr, dc = moves[rng.randrange(4)]
        row, col = pos[0] + dr, pos[1] + dc
        if 0 <= row < h and 0 <= col < w and (row, col) not in walls:
            pos = (row, col)
        reward = rewards.get(pos, 0.0)
        total += reward
        if reward > 0:                   # the treasure ends the episode
            pos = start
    return steps / (time.perf_counter() - t0)


def vectorised(env: GridWorld, n_envs: int, steps: int, seed: int = 0) -> float:
    """Env-steps/s of n_envs environments moved together by GridWorld.step."""
    rng = np.random.default_rng(seed)
    states = np.full(n_envs, env.start_state, dtype=np.int64)
    t0 = time.perf_counter()
    for _ in range(steps):
        actions = rng.integers(0, 4, size=n_envs)
        states, _, done = env.step(states, actions)
        states[done] = env.start_state
    return n_envs * steps / (time.perf_counter() - t0)


def best_rate(measure, envs_per_step: int = 1) -> float:
    """Calibrate the step count to about TARGET_SECONDS, then the best of REPEATS runs.

    ``measure(steps)`` returns env-steps/s of ``steps`` time steps of ``envs_per_step``
    environments each.
    """
    rate = measure(max(2, 20_000 // envs_per_step))                # short probe run
    steps = max(2, int(rate * TARGET_SECONDS / envs_per_step))
    return max(measure(steps) for _ in range(REPEATS))


def engine_rate(engine) -> float:
    """Engine steps/s driven headless to the end (elapsed excludes construction)."""
    final = None
    for final in drive(engine, Control()):
        pass
    return engine.cfg.steps / final.elapsed


def main() -> None:
    env = maze_world(21, 21, 0)
    print(f"maze 21x21 (seed 0), {int((~env.walls).sum())} open cells; "
          f"best of {REPEATS} runs of ~{TARGET_SECONDS:g} s each\n")
    loop = best_rate(lambda steps: python_loop(env, steps))
    print(f"{'method':<28}{'env-steps/s':>14}{'vs loop':>10}")
    print(f"{'python loop, 1 env':<28}{loop:>14,.0f}{1.0:>10.2f}")
    for n in ENV_COUNTS:
        rate = best_rate(lambda steps: vectorised(env, n, steps), n)
        label = f"GridWorld.step, {n} env{'s' if n > 1 else ''}"
        print(f"{label:<28}{rate:>14,.0f}{rate / loop:>10.2f}")

    from engines.rl.mcts import MCTSConfig, MCTSEngine
    from engines.rl.tabular import TabularQConfig, TabularQEngine

    print(f"\n{'engine (headless drive)':<40}{'steps/s':>12}")
    for label, engine in (
            ("TabularQEngine, default (9x9)", TabularQEngine(TabularQConfig(steps=50_000))),
            ("TabularQEngine, 21x21", TabularQEngine(TabularQConfig(maze_size=21,
                                                                    steps=50_000))),
            ("TabularQEngine, 21x21 + replay", TabularQEngine(TabularQConfig(
                maze_size=21, replay=True, steps=20_000))),
            ("MCTSEngine, default (9x9), sims", MCTSEngine(MCTSConfig(steps=20_000)))):
        print(f"{label:<40}{engine_rate(engine):>12,.0f}")


if __name__ == "__main__":
    main()
