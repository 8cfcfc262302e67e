"""A tiny Qt-free engine for runner/panel tests: fast, deterministic, scriptable failures."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from engines.config import ConfigBase, param
from engines.runtime import Engine, Snapshot
from engines.spec import DemoSpec


@dataclass(frozen=True)
class FakeConfig(ConfigBase):
    steps: int = param(200, label="Steps", min=1, max=10**9)
    fail_at: int = param(-1, label="Raise RuntimeError at step", min=-1, max=10**9)
    nan_from: int = param(-1, label="Report NaN from this step on", min=-1, max=10**9)
    work: int = param(2000, label="Busy-work per step", min=0, max=10**7)
    hang_at: int = param(-1, label="Step that never returns (a stuck engine)", min=-1,
                         max=10**9)
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)


class FakeEngine(Engine):
    Config = FakeConfig

    def __init__(self, cfg: FakeConfig, device=None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)
        self.value = 1.0

    def run(self, ctl):
        while self.step < self.cfg.steps:
            ctl.checkpoint()
            np.sum(np.arange(self.cfg.work))  # stands in for a batch of work
            if self.step == self.cfg.hang_at:
                while True:                     # stuck inside one step, deaf to Stop
                    time.sleep(0.01)
            self.value *= 0.99 + 0.001 * self.rng.random()
            self.step += 1
            if self.step == self.cfg.fail_at:
                raise RuntimeError("shape mismatch (simulated)")
            if self.history.wants(self.step):
                self.history.record(self.step, {"loss": self.loss()})
            if ctl.due():
                yield self.snapshot()
        yield self.snapshot(final=True)

    def loss(self) -> float:
        nan = 0 <= self.cfg.nan_from <= self.step
        return float("nan") if nan else self.value

    def snapshot(self, final: bool = False) -> Snapshot:
        return Snapshot(step=self.step, metrics={"loss": self.loss()},
                        arrays={"x": np.arange(3.0)}, history=self.history.arrays(),
                        final=final)

    def state_dict(self):
        return {**self.base_state(), "value": self.value, "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state):
        self.load_base_state(state)
        self.value = state["value"]
        self.rng.bit_generator.state = state["rng"]


SPEC = DemoSpec("fake", "Fake demo", FakeConfig, "tests.fakes.engine:FakeEngine")
