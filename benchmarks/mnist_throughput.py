"""Training throughput of the mnist engine vs a plain PyTorch loop and a DataLoader loop.

    .venv/bin/python benchmarks/mnist_throughput.py                 # bundled subset, CPU
    .venv/bin/python benchmarks/mnist_throughput.py --device cuda   # + full-size epoch time
    ML_WORKBENCH_TORCH_THREADS=2 .venv/bin/python benchmarks/mnist_throughput.py

All three train the same CNN (the engine's default: conv 3×3 16 and 32 channels, dense 128,
cross-entropy, RMSProp η = 1e-3, same seed) with the same batch size on the same device,
measured in the same run in short interleaved blocks (engine, plain, DataLoader, engine,
…; totals over ``--blocks`` blocks), so that load from other processes hits all alike:

- engine: engines.mnist.classifier.MNISTEngine driven by engines.runtime.drive exactly as
  the GUI's engine host drives it (checkpoints, history rows, snapshots at 25 Hz with the
  weights for the canvas every 0.5 s, the per-epoch sums of loss and accuracy). The test
  evaluation is excluded by evaluating a single test digit (``test_samples=1``): the
  figure is training samples per second.
- plain: the shortest correct loop with the data already on the device: randperm on the
  device, index, forward, loss, backward, step. No metrics at all. Measured with the
  engine's memory format (channels-last on the CPU), which isolates the engine's own
  overhead, and, on the CPU, also as usually written (NCHW).
- dataloader: the conventional loop, ``TensorDataset`` + ``DataLoader(shuffle=True)`` on
  CPU tensors (NCHW), each batch moved to the device.

Goals: engine / plain ≥ 0.95; engine / dataloader clearly > 1. With ``--device cuda`` (or a
GPU found automatically) it also times whole epochs on full-size data (60,000 digits; the
real full MNIST when cached, else random digits of the same size: the timing is the same),
goal < 2 s per epoch. Never asserts; prints a table.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from engines.mnist.cnn import build_cnn, images_to_tensor  # noqa: E402
from engines.mnist.classifier import MNISTEngine  # noqa: E402
from engines.mnist.configs import MNISTConfig  # noqa: E402
from engines.mnist.data import Dataset, cached_quickly, load_full, load_subset  # noqa: E402
from engines.nn_basics.optim import make_optimizer  # noqa: E402
from engines.runtime import Control, drive, pick_device  # noqa: E402


def sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def engine_format(device):
    """The engine's memory format: channels-last on the CPU (see classifier.py)."""
    return torch.channels_last if device.type == "cpu" else torch.contiguous_format


def fresh_model(cfg: MNISTConfig, device, memory_format=torch.contiguous_format):
    model = build_cnn(cfg.channels1, cfg.channels2, cfg.kernel, cfg.hidden, 10,
                      torch.Generator().manual_seed(cfg.seed)).to(device)
    model = model.to(memory_format=memory_format)
    return model, make_optimizer(cfg.optimizer, model.parameters(), cfg.lr)


class EngineLoop:
    """MNISTEngine driven by engines.runtime.drive, as the GUI's engine host drives it."""

    def __init__(self, cfg: MNISTConfig, data: Dataset, device: str):
        self.engine = MNISTEngine(cfg.replace(test_samples=1), device, data=data)
        self.run_ = drive(self.engine, Control())

    def train(self, k: int) -> tuple[int, float]:
        """At least k steps (the generator yields at snapshots, ~25 per second)."""
        engine = self.engine
        sync(engine.device)
        start, first = time.perf_counter(), engine.step
        while engine.step < first + k:
            next(self.run_)
        sync(engine.device)
        return engine.step - first, time.perf_counter() - start


class PlainLoop:
    """The shortest correct loop with the data on the device."""

    def __init__(self, cfg: MNISTConfig, data: Dataset, device,
                 memory_format=torch.contiguous_format):
        self.device = device
        self.x = images_to_tensor(data.x_train, device, memory_format)
        self.y = torch.as_tensor(data.y_train, dtype=torch.long, device=device)
        self.model, self.opt = fresh_model(cfg, device, memory_format)
        self.gen = torch.Generator(device=device).manual_seed(1)
        self.bs = cfg.batch_size
        self.per_epoch = -(-len(self.y) // self.bs)
        self.i = 0
        self.perm = None

    def train(self, k: int) -> tuple[int, float]:
        sync(self.device)
        start = time.perf_counter()
        for _ in range(k):
            pos = self.i % self.per_epoch
            if pos == 0:
                self.perm = torch.randperm(len(self.y), generator=self.gen,
                                           device=self.device)
            idx = self.perm[pos * self.bs:(pos + 1) * self.bs]
            loss = F.cross_entropy(self.model(self.x[idx]), self.y[idx])
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.i += 1
        sync(self.device)
        return k, time.perf_counter() - start


class LoaderLoop:
    """The conventional loop: TensorDataset + DataLoader(shuffle=True) on CPU tensors."""

    def __init__(self, cfg: MNISTConfig, data: Dataset, device):
        from torch.utils.data import DataLoader, TensorDataset

        self.device = device
        x = images_to_tensor(data.x_train, "cpu")
        y = torch.as_tensor(data.y_train, dtype=torch.long)
        self.loader = DataLoader(TensorDataset(x, y), batch_size=cfg.batch_size,
                                 shuffle=True, generator=torch.Generator().manual_seed(1),
                                 pin_memory=device.type == "cuda")
        self.it = iter(self.loader)
        self.model, self.opt = fresh_model(cfg, device)

    def train(self, k: int) -> tuple[int, float]:
        sync(self.device)
        start = time.perf_counter()
        for _ in range(k):
            try:
                xb, yb = next(self.it)
            except StopIteration:
                self.it = iter(self.loader)
                xb, yb = next(self.it)
            xb = xb.to(self.device, non_blocking=True)
            yb = yb.to(self.device, non_blocking=True)
            loss = F.cross_entropy(self.model(xb), yb)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
        sync(self.device)
        return k, time.perf_counter() - start


def full_size_data() -> tuple[Dataset, str]:
    if cached_quickly():
        return load_full(), "full MNIST"
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, 60000).astype(np.uint8)
    xt = rng.integers(0, 256, (10000, 28, 28), dtype=np.uint8)
    yt = rng.integers(0, 10, 10000).astype(np.uint8)
    return Dataset("full", x, y, xt, yt), "random digits of full-MNIST size"


def epoch_times(cfg: MNISTConfig, device: str, epochs: int = 3) -> None:
    """Wall time per epoch (training + the per-epoch test evaluation) on 60k digits."""
    data, what = full_size_data()
    engine = MNISTEngine(cfg.replace(epochs=epochs, dataset="full"), device, data=data)
    steps, times = [], []
    for _ in drive(engine, Control(snapshot_hz=100)):
        sync(engine.device)
        steps.append(engine.step)
        times.append(time.perf_counter())
    # the clock at every epoch end, interpolated between snapshots (100 per second)
    ends = [k * engine.steps_per_epoch for k in range(1, epochs + 1)]
    at = np.interp(ends, steps, times)
    start = np.interp(1, steps, times)       # after the epoch-0 evaluation and first step
    durations = np.diff(np.concatenate([[start], at]))
    print(f"full-size epochs ({what}, {engine.n_train} digits, batch {cfg.batch_size}, "
          f"{'bf16 autocast' if engine.amp else 'fp32'}, with the per-epoch test "
          f"evaluation): " + ", ".join(f"{t:.2f} s" for t in durations) + " (goal < 2 s)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: best)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per block (default: 25 on CPU, 200 on GPU)")
    parser.add_argument("--blocks", type=int, default=16,
                        help="interleaved blocks per loop (engine, plain, DataLoader, …)")
    parser.add_argument("--mixed-precision", action="store_true")
    parser.add_argument("--no-epochs", action="store_true",
                        help="skip the full-size epoch timing on a GPU")
    parser.add_argument("--epoch-timing", type=int, default=None, metavar="N",
                        help="time N full-size epochs on any device (default: 3, GPU only)")
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    steps = args.steps or (25 if device.type == "cpu" else 200)
    cfg = MNISTConfig(batch_size=args.batch_size, mixed_precision=args.mixed_precision,
                      epochs=200)
    data = load_subset()
    threads = torch.get_num_threads()
    print(f"device {device} ({threads} CPU thread{'s' * (threads > 1)}), subset "
          f"{len(data.y_train)} digits, batch {cfg.batch_size}, {args.blocks} interleaved "
          f"blocks of {steps} steps per loop")
    same = engine_format(device)
    loops = {"engine": EngineLoop(cfg, data, str(device)),
             "plain": PlainLoop(cfg, data, device, same),
             "dataloader": LoaderLoop(cfg, data, device)}
    if same != torch.contiguous_format:
        loops["plain_nchw"] = PlainLoop(cfg, data, device)
    for loop in loops.values():          # warm-up: allocator, oneDNN / cuDNN kernels
        loop.train(5)
    totals = {name: [0, 0.0] for name in loops}
    per_block = {name: [] for name in loops}
    for _ in range(args.blocks):         # short interleaved blocks: load drift cancels
        for name, loop in loops.items():
            n, t = loop.train(steps)
            totals[name][0] += n
            totals[name][1] += t
            per_block[name].append(n / t)
    rate = {name: n * cfg.batch_size / t for name, (n, t) in totals.items()}

    def ratio(a: str, b: str) -> str:
        """Ratio of the totals, and the median of the per-block ratios (robust to bursts
        of load from other processes)."""
        blocks = np.median(np.array(per_block[a]) / np.array(per_block[b]))
        return f"{rate[a] / rate[b]:.3f} (median over blocks {blocks:.3f})"

    print("training samples/s: " + " · ".join(f"{k} {v:,.0f}" for k, v in rate.items()))
    print(f"ratio engine / plain loop (same model, same memory format): "
          f"{ratio('engine', 'plain')}; goal >= 0.95")
    if "plain_nchw" in rate:
        print(f"ratio engine / plain loop written the usual way (NCHW): "
              f"{ratio('engine', 'plain_nchw')}")
    print(f"ratio engine / TensorDataset+DataLoader loop: "
          f"{ratio('engine', 'dataloader')}; goal: clearly > 1")
    if args.epoch_timing or (device.type == "cuda" and not args.no_epochs):
        epoch_times(cfg, str(device), args.epoch_timing or 3)


if __name__ == "__main__":
    main()
