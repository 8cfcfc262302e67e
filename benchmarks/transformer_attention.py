"""Transformer training speed: the written-out attention and LayerNorm
(engines.architectures.attention) against the same model built from nn.MultiheadAttention
and nn.LayerNorm (``attention="torch"``), on the same task, batches and initial weights,
measured in the same run (interleaved rounds, so a load change hits both alike).

    ML_WORKBENCH_TORCH_THREADS=1 .venv/bin/python benchmarks/transformer_attention.py
    .venv/bin/python benchmarks/transformer_attention.py --steps 40 --rounds 3 --length 8

Prints steps/s of both and the ratio written / torch (1.0 = as fast).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from engines.architectures.structure_specs import TransformerConfig  # noqa: E402
from engines.architectures.transformer import TransformerEngine  # noqa: E402


def rate(engine: TransformerEngine, steps: int) -> float:
    t = time.perf_counter()
    for _ in range(steps):
        engine.train_step()
        engine.step += 1
    return steps / (time.perf_counter() - t)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="training steps per round")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds")
    parser.add_argument("--task", default="sort")
    parser.add_argument("--length", type=int, default=6)
    parser.add_argument("--causal", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("ML_WORKBENCH_TORCH_THREADS", "1")))
    base = TransformerConfig(task=args.task, length=args.length, causal=args.causal)
    engines = {impl: TransformerEngine(base.replace(attention=impl), "cpu")
               for impl in ("written", "torch")}
    rates: dict[str, list[float]] = {impl: [] for impl in engines}
    for impl, engine in engines.items():         # warm-up
        rate(engine, 3)
    for _ in range(args.rounds):
        for impl, engine in engines.items():
            rates[impl].append(rate(engine, args.steps))
    best = {impl: max(r) for impl, r in rates.items()}
    result = {"config": {"task": base.task, "length": base.length, "layers": base.layers,
                         "heads": base.heads, "d_model": base.d_model,
                         "batch_size": base.batch_size, "causal": base.causal},
              "threads": torch.get_num_threads(),
              "steps_per_s_written": round(best["written"], 2),
              "steps_per_s_torch": round(best["torch"], 2),
              "ratio_written_over_torch": round(best["written"] / best["torch"], 3)}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
