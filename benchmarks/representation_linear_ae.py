"""Linear autoencoder speed: the engine's steps/s against a plain torch loop of the same model
(same data, batch, optimizer, lr schedule), and the wall time its quick preset needs to bring
the largest principal angle to the PCA subspace under 2°. Also: the PCA slider's cost (a new M
on 10,000 MNIST digits: apply_edit + snapshot).

    ML_WORKBENCH_TORCH_THREADS=1 .venv/bin/python benchmarks/representation_linear_ae.py
"""
from __future__ import annotations

import time

import torch

from engines.representation import DEMOS
from engines.representation.configs import Components, PCAConfig
from engines.representation.linear import LinearAEEngine
from engines.representation.pca import PCAEngine
from engines.runtime import Control, drive
from workbench.presets import preset_config


def engine_rate(cfg, steps: int) -> float:
    engine = LinearAEEngine(cfg.replace(steps=steps))
    t = time.perf_counter()
    for _ in drive(engine, Control()):
        pass
    return steps / (time.perf_counter() - t)


def plain_rate(cfg, steps: int) -> float:
    engine = LinearAEEngine(cfg)            # the same data and init, then a bare loop
    model, x = engine.model, engine.xt
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    gen = torch.Generator().manual_seed(cfg.seed + 1)
    t = time.perf_counter()
    for s in range(steps):
        for g in opt.param_groups:
            g["lr"] = cfg.lr * (1.0 - s / steps)
        xb = x if cfg.batch_size >= len(x) else x[torch.randint(0, len(x), (cfg.batch_size,),
                                                               generator=gen)]
        loss = ((model(xb) - xb) ** 2).sum(dim=1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps / (time.perf_counter() - t)


def time_to_two_degrees(cfg) -> tuple[float, int]:
    engine = LinearAEEngine(cfg)
    t = time.perf_counter()
    for _ in drive(engine, Control(snapshot_hz=25.0)):
        if engine.measure()["subspace_angle_deg"] < 2.0:
            return time.perf_counter() - t, engine.step
    return float("nan"), engine.step


def pca_slider_ms() -> float:
    engine = PCAEngine(PCAConfig(data="mnist", batch=2000, max_samples=10000, steps=5))
    for _ in drive(engine, Control(snapshot_hz=0.1)):
        pass
    t = time.perf_counter()
    for m in range(1, 101):
        engine.apply_edit(Components(m=m))
        engine.snapshot()
    return (time.perf_counter() - t) / 100 * 1e3


def main() -> None:
    spec = next(s for s in DEMOS if s.name == "linear")
    quick = preset_config("representation", spec, "quick")
    for label, cfg in (("quick (full batch 2000)", quick),
                       ("defaults (batch 512)", spec.config())):
        plain = plain_rate(cfg, 200)
        eng = engine_rate(cfg, 200)
        print(f"{label}: engine {eng:.1f} steps/s, plain torch {plain:.1f} steps/s, "
              f"ratio {eng / plain:.3f}")
    secs, steps = time_to_two_degrees(quick)
    print(f"quick preset reaches 2° after {steps} steps, {secs:.1f} s")
    print(f"PCA slider (10,000 digits): {pca_slider_ms():.2f} ms per new M "
          f"(apply_edit + snapshot)")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
