"""Written-out LSTM (and GRU, RNN) against torch's nn.LSTM (nn.GRU, nn.RNN): training steps
per second on the same task, batch and weights, measured in the same run.

Two tasks, those of the architectures panel: the adding problem of ``memory`` (T steps, 2
inputs, H = 32, batch 64, loss at the end) and the character model of ``char-model``
(windows of 64 letters, 27 one-hot inputs, H = 128, batch 32, loss at every step). Each
step is forward, backward and an Adam update through
``engines.architectures.cells.Recurrent`` with implementation "written" or "torch" (the
configs' ``implementation`` switch). Prints steps/s of both and the ratio torch / written
(> 1: torch's module is faster), best of 3 rounds.

    ML_WORKBENCH_TORCH_THREADS=1 .venv/bin/python benchmarks/lstm_cells.py [--steps 30]
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from engines.architectures.cells import Recurrent, seeded_linear
from engines.runtime import cpu_threads


def rate(kind: str, implementation: str, task: str, steps: int) -> float:
    gen = torch.Generator().manual_seed(0)
    if task == "adding":
        T, B, n_in, H, n_out = 100, 64, 2, 32, 1
    else:
        T, B, n_in, H, n_out = 64, 32, 27, 128, 27
    model = Recurrent(kind, n_in, H, gen, implementation)
    readout = seeded_linear(H, n_out, gen)
    params = list(model.parameters()) + list(readout.parameters())
    opt = torch.optim.Adam(params, lr=3e-3)
    if task == "adding":
        x = torch.rand(T, B, n_in, generator=gen)
        y = torch.rand(B, generator=gen)
    else:
        codes = torch.randint(0, 27, (T + 1, B), generator=gen)
        x = F.one_hot(codes[:-1], 27).float()

    def step() -> None:
        out, _ = model(x)
        if task == "adding":
            loss = torch.mean((readout(out[-1])[:, 0] - y) ** 2)
        else:
            loss = F.cross_entropy(readout(out).reshape(-1, 27), codes[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    for _ in range(3):
        step()                                  # warm-up
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(steps):
            step()
        best = max(best, steps / (time.perf_counter() - t))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="steps per round")
    args = parser.parse_args()
    torch.set_num_threads(cpu_threads())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    print(f"{'task':<24}{'cell':<6}{'written /s':>12}{'torch /s':>12}{'torch/written':>15}")
    for task, label in (("adding", "adding T=100 H=32 B=64"),
                        ("chars", "chars L=64 H=128 B=32")):
        for kind in ("lstm", "gru", "rnn"):
            written = rate(kind, "written", task, args.steps)
            fast = rate(kind, "torch", task, args.steps)
            print(f"{label:<24}{kind:<6}{written:>12.1f}{fast:>12.1f}{fast / written:>15.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
