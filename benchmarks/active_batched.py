"""Pool demo: training all learners' networks at once vs one network at a time.

The pool demo of the ``active`` panel trains every (strategy, seed, committee member)
network after each label: 40 small nets on the default config (5 strategies x 5 seeds,
committees of 4). engines.active.batched.BatchedNet stacks them along a model axis, so one
batched matmul serves all. The baseline, measured in the same run, is the same nets as 40
separate one-model BatchedNets trained in a Python loop (the same maths, the same Adam).
Prints seconds per label for both and the speed-up (best of 3). Never asserts a timing.

    ML_WORKBENCH_TORCH_THREADS=1 .venv/bin/python benchmarks/active_batched.py [--models 40]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from engines.active.batched import BatchedNet  # noqa: E402
from engines.active.configs import PoolConfig  # noqa: E402
from engines.active.datasets import make_pool  # noqa: E402
from engines.runtime import cpu_threads  # noqa: E402


def loss_for(x, target, mask):
    def loss_fn(net):
        logits = net.forward(x)
        ce = torch.nn.functional.cross_entropy(logits.transpose(1, 2), target[:net.n_models],
                                               reduction="none")
        return ((ce * mask[:net.n_models]).sum(1) / mask[:net.n_models].sum(1)).sum()
    return loss_fn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=40)
    parser.add_argument("--iters", type=int, default=PoolConfig().train_iters)
    args = parser.parse_args()
    torch.set_num_threads(cpu_threads())
    cfg = PoolConfig()
    data = make_pool(cfg)
    x = torch.tensor(data.x_pool)
    rng = np.random.default_rng(0)
    labelled = rng.random((args.models, len(data.y_pool))) < 0.1
    target = torch.tensor(np.tile(data.y_pool, (args.models, 1)))
    mask = torch.tensor(labelled.astype(float))
    keys = [(0, m, 0) for m in range(args.models)]
    best = {"batched": np.inf, "loop": np.inf}
    for _ in range(3):
        net = BatchedNet(keys, 2, cfg.hidden, data.classes, cfg.lr)
        t = time.perf_counter()
        net.fit(loss_for(x, target, mask), args.iters)
        best["batched"] = min(best["batched"], time.perf_counter() - t)
        nets = [BatchedNet([k], 2, cfg.hidden, data.classes, cfg.lr) for k in keys]
        t = time.perf_counter()
        for m, single in enumerate(nets):
            single.fit(loss_for(x, target[m:m + 1], mask[m:m + 1]), args.iters)
        best["loop"] = min(best["loop"], time.perf_counter() - t)
    print(f"{args.models} nets, {args.iters} Adam steps per label, pool of {len(data.y_pool)}")
    print(f"batched : {best['batched'] * 1e3:8.1f} ms per label")
    print(f"loop    : {best['loop'] * 1e3:8.1f} ms per label")
    print(f"speed-up: {best['loop'] / best['batched']:.1f}x")


if __name__ == "__main__":
    main()
