"""Simulations per second of the MCTS engine, against plain random rollouts (and old code).

One MCTS simulation walks down the tree with UCT, adds one node, plays a random rollout of
up to ``rollout_depth`` steps in the model and backs the return up the path. The baseline
measured in the same run is the rollout alone, written as plainly as possible: the same
number of uniformly random steps in the same maze model (Python lists, ``random.Random``),
no tree at all. "vs rollouts" is then the engine's simulations/s divided by the rollouts/s
of that loop: the fraction of a tree-less Monte-Carlo evaluation's speed the search keeps.

``--against PATH`` also times another implementation of ``engines/rl/mcts.py`` (e.g. a
copy of an older version saved outside the repo) on the same config in the same run and
prints the ratio new / old. The engines are driven with ``train_step`` on the default
MCTSConfig (7x7 maze, 1000 simulations per move), so moves, re-rooting and episode
restarts are included; interleaved repeats, the best of each is reported.

    .venv/bin/python benchmarks/mcts_speed.py [--against /tmp/mcts_old.py] [--sims 20000]
"""
from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engines.rl import mcts  # noqa: E402
from engines.rl.configs import MCTSConfig  # noqa: E402

REPEATS = 5


def load_module(path: str):
    """Import a file as a module of its own (an old copy of mcts.py, say)."""
    spec = importlib.util.spec_from_file_location("mcts_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def engine_rate(module, cfg: MCTSConfig, sims: int) -> float:
    """Simulations/s of ``module.MCTSEngine`` over ``sims`` steps from a fresh engine."""
    engine = module.MCTSEngine(cfg)
    t0 = time.perf_counter()
    for _ in range(sims):
        engine.train_step()
        engine.step += 1
    return sims / (time.perf_counter() - t0)


def rollout_rate(cfg: MCTSConfig, rollouts: int) -> float:
    """Rollouts/s of the plain loop: rollout_depth random model steps from the start."""
    env = mcts.maze_world(cfg.maze_size, cfg.maze_size, cfg.seed)
    P, R, terminal = (x.tolist() for x in env.model())
    start, gamma, depth = env.start_state, cfg.gamma, cfg.rollout_depth
    rng = random.Random(cfg.seed)
    total = 0.0
    t0 = time.perf_counter()
    for _ in range(rollouts):
        s, g, discount = start, 0.0, 1.0
        for _ in range(depth):
            a = int(rng.random() * 4)
            g += discount * R[s][a]
            s = P[s][a]
            if terminal[s]:
                break
            discount *= gamma
        total += g
    return rollouts / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="path of another mcts.py to compare with")
    parser.add_argument("--sims", type=int, default=20_000, help="simulations per repeat")
    args = parser.parse_args()
    cfg = MCTSConfig()
    impls = [("engines/rl/mcts.py", mcts)]
    if args.against:
        impls.append((args.against, load_module(args.against)))
    best = {label: 0.0 for label, _ in impls}
    baseline = 0.0
    for _ in range(REPEATS):                      # interleaved: drifts hit all alike
        baseline = max(baseline, rollout_rate(cfg, args.sims))
        for label, module in impls:
            best[label] = max(best[label], engine_rate(module, cfg, args.sims))
    print(f"default MCTSConfig: {cfg.maze_size}x{cfg.maze_size} maze, "
          f"{cfg.simulations_per_move} simulations per move, rollout depth "
          f"{cfg.rollout_depth}; best of {REPEATS} x {args.sims} simulations\n")
    print(f"{'implementation':<40}{'sims/s':>10}{'vs rollouts':>13}")
    print(f"{'plain random rollouts (baseline)':<40}{baseline:>10,.0f}{1.0:>13.2f}")
    for label, _ in impls:
        print(f"{label:<40}{best[label]:>10,.0f}{best[label] / baseline:>13.2f}")
    if args.against:
        ratio = best["engines/rl/mcts.py"] / best[args.against]
        print(f"\nnew / old = {ratio:.2f}  (goal: at least 0.5)")


if __name__ == "__main__":
    main()
