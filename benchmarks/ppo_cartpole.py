"""Our PPO on CartPole-v1 against Stable-Baselines3's PPO: steps and seconds to solve.

"Solved" = mean return of the last 20 finished episodes >= 475. For each seed the script
(1) runs ``ControlEngine`` with the default ``ControlConfig`` (PPO) until solved or until
its step budget / --max-steps environment steps, and (2) if stable_baselines3 imports,
runs ``PPO("MlpPolicy", "CartPole-v1", seed=s, device="cpu")`` with SB3's defaults and a
callback stopping at the same criterion or at --max-steps, then prints the wall-clock
ratio SB3 / ours. torch runs on 1 thread for both. Wall-clock includes building the model
and environments, after a warm-up that pays one-time import costs. Timings are only
comparable on an otherwise idle machine.

    .venv/bin/python benchmarks/ppo_cartpole.py [--seeds 0,1,2,3,4] [--max-steps 300000]

SB3 is a benchmark-only extra: ``pip install -e .[bench]``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engines.rl.control import RECENT, SOLVED_AT, ControlConfig, ControlEngine  # noqa: E402

TARGET = SOLVED_AT["CartPole-v1"]


def run_ours(seed: int, max_steps: int) -> dict:
    """Steps of the default PPO until solved; env steps are vector steps × n_envs."""
    start = time.perf_counter()
    cfg = ControlConfig(seed=seed)
    engine = ControlEngine(cfg)
    limit = min(cfg.steps, -(-max_steps // cfg.n_envs))
    while engine.step < limit and not engine.solved():
        engine.train_step()
        engine.step += 1
    return {"solved": engine.solved(), "env_steps": engine.step * cfg.n_envs,
            "seconds": time.perf_counter() - start, "mean20": engine.mean_recent_return(),
            "budget": cfg.steps * cfg.n_envs}


def run_sb3(seed: int, max_steps: int) -> dict:
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback

    class StopWhenSolved(BaseCallback):
        def __init__(self):
            super().__init__()
            self.returns: list[float] = []
            self.solved_at: int | None = None

        def _on_step(self) -> bool:
            for info in self.locals.get("infos", []):
                if "episode" in info:                    # added by SB3's Monitor wrapper
                    self.returns.append(float(info["episode"]["r"]))
            if len(self.returns) >= RECENT and np.mean(self.returns[-RECENT:]) >= TARGET:
                self.solved_at = self.num_timesteps
                return False
            return True

    start = time.perf_counter()
    model = PPO("MlpPolicy", "CartPole-v1", seed=seed, device="cpu")
    callback = StopWhenSolved()
    model.learn(total_timesteps=max_steps, callback=callback)
    recent = callback.returns[-RECENT:]
    return {"solved": callback.solved_at is not None,
            "env_steps": callback.solved_at or model.num_timesteps,
            "seconds": time.perf_counter() - start,
            "mean20": float(np.mean(recent)) if recent else 0.0}


def warm_up(with_sb3: bool) -> None:
    """Pay one-time costs (imports, first gym.make, torch's first kernels) before timing."""
    engine = ControlEngine(ControlConfig())
    for _ in range(ControlConfig().rollout_steps + 1):     # one rollout and one update
        engine.train_step()
    if with_sb3:
        from stable_baselines3 import PPO

        PPO("MlpPolicy", "CartPole-v1", seed=0, device="cpu")


def describe(result: dict) -> str:
    what = "solved" if result["solved"] else "NOT solved"
    return (f"{what} at {result['env_steps']:7d} env steps, {result['seconds']:6.1f} s "
            f"(mean last {RECENT}: {result['mean20']:.1f})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2,3,4",
                        help="comma-separated seeds (default 0,1,2,3,4)")
    parser.add_argument("--max-steps", type=int, default=300_000,
                        help="environment-step cap per run (default 300000)")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    torch.set_num_threads(1)

    try:
        import stable_baselines3
    except ImportError:
        stable_baselines3 = None
    warm_up(stable_baselines3 is not None)

    cfg = ControlConfig()
    print(f"Solved = mean return of the last {RECENT} episodes >= {TARGET:g}; torch threads "
          f"{torch.get_num_threads()}; cap {args.max_steps} env steps.")
    print(f"ours: PPO n_envs={cfg.n_envs} rollout={cfg.rollout_steps} "
          f"epochs={cfg.update_epochs} minibatches={cfg.minibatches} lr={cfg.learning_rate:g} "
          f"hidden={cfg.hidden}; default budget {cfg.steps * cfg.n_envs} env steps")
    ours = {}
    for seed in seeds:
        ours[seed] = run_ours(seed, args.max_steps)
        print(f"  ours seed {seed}: {describe(ours[seed])}", flush=True)
    solved = [r for r in ours.values() if r["solved"]]
    print(f"ours: {len(solved)}/{len(seeds)} seeds solved"
          + (f"; median {np.median([r['env_steps'] for r in solved]):.0f} env steps, "
             f"median {np.median([r['seconds'] for r in solved]):.1f} s" if solved else ""))

    if stable_baselines3 is None:
        print("SB3 comparison skipped: stable_baselines3 is not installed "
              "(pip install -e .[bench]).")
        return
    print(f"sb3 {stable_baselines3.__version__}: PPO('MlpPolicy', 'CartPole-v1') with its "
          f"defaults")
    ratios = []
    for seed in seeds:
        theirs = run_sb3(seed, args.max_steps)
        ratio = theirs["seconds"] / ours[seed]["seconds"]
        ratios.append(ratio)
        note = "" if theirs["solved"] and ours[seed]["solved"] else " (not both solved)"
        print(f"  sb3  seed {seed}: {describe(theirs)}; wall-clock SB3/ours = {ratio:.2f}"
              f"{note}", flush=True)
    print(f"wall-clock ratio SB3/ours: median {np.median(ratios):.2f}, "
          f"min {min(ratios):.2f}, max {max(ratios):.2f}")


if __name__ == "__main__":
    main()
