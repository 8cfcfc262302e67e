"""Parameter sweeps: a 16-run sweep on 2 local workers against the same runs in sequence,
and the start-up overhead of the pool and of the Ray backend.

    .venv/bin/python benchmarks/sweep_parallel.py [--steps 40000] [--walkers 2000] [--no-ray]

The runs are the sgd-noise demo (4 learning rates × 4 seeds). "sequence" runs them one by
one in this process (torch already imported, so it pays no start-up at all); "pool" is
`ml-workbench sweep --workers 2` (spawned workers, each importing torch once). The goal is
a speed-up of at least 1.8× on 2 free cores. The load average is printed before and after:
on a machine shared with other jobs the speed-up is bounded by the idle cores. The Ray
lines give ray.init() of a local 2-CPU Ray and a 2-run sweep on it, against the same 2 runs
on the pool. Every backend's numbers are checked to be the same.
"""
from __future__ import annotations

import argparse
import os
import time


def plan(steps: int, walkers: int, etas=(0.05, 0.1, 0.2, 0.4), seeds: int = 4):
    from workbench import headless, sweep

    spec, base = headless.resolve("nn-basics", "sgd-noise")
    base = headless.build_config(base, ["sweep=false", f"walkers={walkers}"], steps=steps)
    return sweep.make_plan("nn-basics", spec, base,
                           [("eta", [str(e) for e in etas])], seeds)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def timed(fn):
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40000)
    parser.add_argument("--walkers", type=int, default=2000)
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    from workbench import sweep

    sweep.one_thread()
    p = plan(args.steps, args.walkers)
    print(f"{len(p.jobs)} runs of sgd-noise ({args.steps} steps, {args.walkers} walkers)")
    print("before:", load())
    t_seq, seq = timed(lambda: sweep.run_sweep(p, workers=0))
    t_pool, pool = timed(lambda: sweep.run_sweep(p, workers=2))
    print("after: ", load())
    assert [r.metrics for r in seq.results] == [r.metrics for r in pool.results]
    busy = sum(r.wall_s for r in seq.results)
    print(f"sequence, in process:  {t_seq:7.2f} s  ({busy / len(seq.results):.2f} s per run)")
    print(f"pool, 2 workers:       {t_pool:7.2f} s  speed-up {t_seq / t_pool:.2f}x "
          f"(goal >= 1.8x on 2 free cores)")
    per_pool = sum(r.wall_s for r in pool.results) / len(pool.results)
    print(f"  a run took {per_pool:.2f} s in the pool vs {busy / len(seq.results):.2f} s alone: "
          f"the 2 workers got about {2 * busy / len(seq.results) / per_pool:.2f} cores' worth "
          f"(the rest went to other processes); ideal speed-up with that share "
          f"{busy / (per_pool * len(pool.results) / 2):.2f}x")

    tiny = plan(1, 10, etas=(0.1,), seeds=2)
    t_start, _ = timed(lambda: sweep.run_sweep(tiny, workers=2))
    print(f"pool start-up (2 one-step runs, spawn + torch import): {t_start:.2f} s")
    if args.no_ray:
        return
    try:
        import ray
    except ImportError:
        print("Ray: not installed (pip install 'ml-workbench[cluster]'), skipped")
        return
    t_init, _ = timed(lambda: ray.init(num_cpus=2, include_dashboard=False,
                                       log_to_driver=False))
    try:
        t_ray, on_ray = timed(lambda: sweep.run_sweep(tiny, workers=2, ray="auto"))
        short = plan(args.steps, args.walkers, etas=(0.1,), seeds=2)
        t_ray_real, ray_real = timed(lambda: sweep.run_sweep(short, workers=2, ray="auto"))
    finally:
        ray.shutdown()
    t_pool_real, pool_real = timed(lambda: sweep.run_sweep(short, workers=2))
    assert [r.metrics for r in ray_real.results] == [r.metrics for r in pool_real.results]
    print(f"Ray: ray.init (local, 2 CPUs) {t_init:.2f} s; first 2 one-step runs {t_ray:.2f} s "
          f"(workers start, import torch); start-up in all {t_init + t_ray:.2f} s "
          f"vs {t_start:.2f} s for the pool")
    print(f"Ray, 2 real runs on the warm Ray: {t_ray_real:.2f} s; the same on a fresh pool: "
          f"{t_pool_real:.2f} s")
    print("end:   ", load())


if __name__ == "__main__":
    main()
