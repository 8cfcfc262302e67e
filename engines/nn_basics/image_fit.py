"""Demo "image": a picture as a function f(x, y) of pixel coordinates, fitted by a deep MLP.

The final snapshot also shows what each neuron of the last hidden layer adds to the
output, w_j h_j(x, y): the network's picture is a superposition of these "basis images".
"""
from __future__ import annotations

import numpy as np
import torch

from engines.nn_basics.configs import ImageFitConfig
from engines.nn_basics.mlp import MLP, MLPEngine, batch_indices, training_generator
from engines.nn_basics.optim import make_optimizer
from engines.nn_basics.targets import make_image, pixel_coordinates
from engines.runtime import MetricHistory, Snapshot

EVAL_EVERY = 10
#: At most this many neuron contributions go into a final snapshot.
MAX_CONTRIBUTIONS = 64


class ImageFitEngine(MLPEngine):
    Config = ImageFitConfig
    blowup_metric = "loss"
    divergence_advice = "Try a smaller learning rate or the adam optimizer."

    def __init__(self, cfg: ImageFitConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.history = MetricHistory(stride=EVAL_EVERY)
        dev = self.device
        self._target = make_image(cfg.image, cfg.resolution)
        self._target.flags.writeable = False
        x, y = pixel_coordinates(cfg.resolution)
        # Inputs (x, y) ∈ [-1, 1]², one row per pixel; targets the grey values.
        self.coords = torch.tensor(np.stack([x.ravel(), y.ravel()], axis=1),
                                   dtype=torch.float32, device=dev)
        self.values = torch.tensor(self._target.ravel(), device=dev)
        init_gen = torch.Generator().manual_seed(cfg.seed)
        self.model = MLP(2, 1, cfg.depth, cfg.width, cfg.activation, init_gen, dev)
        self.optimizer = make_optimizer(cfg.optimizer, self.model.parameters(), cfg.lr)
        self.gen = training_generator(cfg.seed, dev)
        self.n_pixels = self.values.numel()
        self.batch_size = min(cfg.batch_size, self.n_pixels)

    # ---- training -----------------------------------------------------------------
    def train_step(self) -> None:
        idx = batch_indices(self.n_pixels, self.batch_size, self.gen, self.device)
        x, y = (self.coords, self.values) if idx is None else (self.coords[idx], self.values[idx])
        self.model.train()
        # L = <(F_θ(x, y) − f(x, y))²>_batch of random pixels
        loss = ((self.model(x)[:, 0] - y) ** 2).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    @torch.no_grad()
    def _image(self) -> torch.Tensor:
        self.model.eval()
        return self.model(self.coords)[:, 0]

    @torch.no_grad()
    def history_metrics(self) -> dict[str, float]:
        return {"loss": self._loss().item()}

    def _loss(self, image: torch.Tensor | None = None) -> torch.Tensor:
        image = self._image() if image is None else image
        return ((image - self.values) ** 2).mean()

    # ---- output -------------------------------------------------------------------
    def snapshot(self, final: bool = False) -> Snapshot:
        res = self.cfg.resolution
        image = self._image()
        metrics = {"loss": self._loss(image).item()}
        arrays = {"target": self._target,
                  # clipped for display only; the loss above uses the raw output
                  "image": image.clamp(0.0, 1.0).reshape(res, res).cpu().numpy().copy()}
        if final:
            arrays.update(self._contributions())
            metrics["out_bias"] = self.model.biases[-1].item()
        return Snapshot(step=self.step, epoch=self.step * self.batch_size // self.n_pixels,
                        metrics=metrics, arrays=arrays, history=self.history.arrays(),
                        final=final)

    @torch.no_grad()
    def _contributions(self) -> dict[str, np.ndarray]:
        """Output = Σ_j w_j h_j(x, y) + b: the k most varied terms w_j h_j, as images."""
        self.model.eval()
        res = self.cfg.resolution
        h = self.model.hidden(self.coords)                 # (pixels, width)
        terms = h * self.model.weights[-1][0]              # w_j h_j per pixel and neuron
        order = torch.argsort(terms.var(dim=0), descending=True)[:MAX_CONTRIBUTIONS]
        images = terms[:, order].T.reshape(-1, res, res)
        return {"contributions": images.cpu().numpy().astype(np.float32),
                "contribution_ids": order.cpu().numpy().astype(np.int64)}
