"""Demo "backprop": backpropagation step by step (lecture 2.6), in float64 numpy.

Network: y⁽⁰⁾ = x,  z⁽ⁿ⁾ = W⁽ⁿ⁾ y⁽ⁿ⁻¹⁾ + b⁽ⁿ⁾,  y⁽ⁿ⁾ = f(z⁽ⁿ⁾) (the output layer is
linear), loss L = Σ_k (y_k⁽ᴸ⁾ − y_k^true)².

One train_step is ONE layer:
* forward phases n = 1 … L: compute y⁽ⁿ⁾ and keep f′(z⁽ⁿ⁾) for later;
* backward phases n = L … 1: with the error signal Δ⁽ⁿ⁾ = ∂L/∂y⁽ⁿ⁾ (at the top
  Δ⁽ᴸ⁾ = 2(y⁽ᴸ⁾ − y^true)) and δ = Δ⁽ⁿ⁾ ⊙ f′(z⁽ⁿ⁾):
      ∂L/∂W⁽ⁿ⁾_kl = δ_k y_l⁽ⁿ⁻¹⁾,  ∂L/∂b⁽ⁿ⁾_k = δ_k   (accumulate the gradient)
      Δ⁽ⁿ⁻¹⁾ = W⁽ⁿ⁾ᵀ δ                               (pass the error signal down).
After the last backward phase the gradient is checked against torch autograd and central
finite differences, one SGD step θ ← θ − η ∂L/∂θ is taken and the next sample comes.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engines.nn_basics.online import to_tensor
from engines.nn_basics.theory_configs import BackpropConfig
from engines.runtime import Engine, Snapshot


def activation(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f(z), f′(z))."""
    if name == "tanh":
        y = np.tanh(z)
        return y, 1.0 - y * y
    if name == "sigmoid":
        y = 1.0 / (1.0 + np.exp(-z))
        return y, y * (1.0 - y)
    return np.maximum(z, 0.0), (z > 0).astype(float)


def torch_activation(name: str, z: torch.Tensor) -> torch.Tensor:
    return {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}[name](z)


def target_function(x: np.ndarray, n_out: int) -> np.ndarray:
    """y_k^true = sin(1.5 Σx + k): a smooth target for every output."""
    return np.sin(1.5 * x.sum(-1, keepdims=True) + np.arange(n_out))


class BackpropEngine(Engine):
    Config = BackpropConfig
    divergence_advice = "Try a smaller learning rate η."

    def __init__(self, cfg: BackpropConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.sizes = [cfg.n_in] + [cfg.width] * cfg.depth + [cfg.n_out]
        self.n_layers = len(self.sizes) - 1                # L
        rng = np.random.default_rng(cfg.seed)
        self.W = [rng.standard_normal((self.sizes[n + 1], self.sizes[n])) / np.sqrt(self.sizes[n])
                  for n in range(self.n_layers)]
        self.b = [0.1 * rng.standard_normal(self.sizes[n + 1]) for n in range(self.n_layers)]
        self.x_data = rng.uniform(-1.0, 1.0, (cfg.n_samples, cfg.n_in))
        self.y_data = target_function(self.x_data, cfg.n_out)
        self.sample = 0          # which training sample the current cycle uses
        self.cycle = 0           # completed forward+backward cycles
        self.phase = -1          # the last computed phase: 0…L−1 forward, L…2L−1 backward
        self._clear()
        # The check of the initial parameters, so the numbers exist from the first picture.
        loss, self.last_checked = self._full_pass()
        self.err_autograd, self.err_fd, self.loss_value = self._check(loss, self.last_checked)

    def _clear(self) -> None:
        L = self.n_layers
        self.y = [None] * (L + 1)        # node values y⁽ⁿ⁾
        self.fprime = [None] * (L + 1)   # f′(z⁽ⁿ⁾), stored in the forward pass
        self.dy = [None] * (L + 1)       # node gradients ∂L/∂y⁽ⁿ⁾
        self.dW = [None] * L
        self.db = [None] * L

    # ---- the two passes, one layer at a time --------------------------------------------
    def _forward_layer(self, n: int) -> None:
        """Layer n (1-based): y⁽ⁿ⁾ from y⁽ⁿ⁻¹⁾."""
        z = self.W[n - 1] @ self.y[n - 1] + self.b[n - 1]
        if n == self.n_layers:          # linear output
            self.y[n], self.fprime[n] = z, np.ones_like(z)
        else:
            self.y[n], self.fprime[n] = activation(self.cfg.activation, z)

    def _backward_layer(self, n: int) -> None:
        """Layer n: its weight gradients and the error signal of layer n−1."""
        if n == self.n_layers:          # the error signal at the top: ∂L/∂y⁽ᴸ⁾ = 2(y − y^true)
            self.dy[n] = 2.0 * (self.y[n] - self.y_data[self.sample])
        delta = self.dy[n] * self.fprime[n]               # ∂L/∂z⁽ⁿ⁾
        self.dW[n - 1] = np.outer(delta, self.y[n - 1])    # ∂L/∂W⁽ⁿ⁾_kl = δ_k y_l⁽ⁿ⁻¹⁾
        self.db[n - 1] = delta
        self.dy[n - 1] = self.W[n - 1].T @ delta           # Δ⁽ⁿ⁻¹⁾ = W⁽ⁿ⁾ᵀ δ

    def _full_pass(self) -> tuple[np.ndarray, np.ndarray]:
        """A complete forward + backward pass for the current sample: (loss, gradient)."""
        self._clear()
        self.y[0] = self.x_data[self.sample].copy()
        for n in range(1, self.n_layers + 1):
            self._forward_layer(n)
        for n in range(self.n_layers, 0, -1):
            self._backward_layer(n)
        loss = np.array(self.loss_of(self.flat_params()))
        grad = self.flat_grad()
        self._clear()
        return loss, grad

    # ---- flat parameter vectors (W⁽¹⁾ row-major, b⁽¹⁾, W⁽²⁾, …) ----------------------------
    def flat_params(self) -> np.ndarray:
        return np.concatenate([a.ravel() for n in range(self.n_layers) for a in (self.W[n], self.b[n])])

    def flat_grad(self) -> np.ndarray:
        return np.concatenate([a.ravel() for n in range(self.n_layers) for a in (self.dW[n], self.db[n])])

    def _unflatten(self, theta):
        out, i = [], 0
        for n in range(self.n_layers):
            shape = self.W[n].shape
            w = theta[i:i + shape[0] * shape[1]].reshape(shape)
            i += shape[0] * shape[1]
            out.append((w, theta[i:i + shape[0]]))
            i += shape[0]
        return out

    def loss_of(self, theta: np.ndarray) -> float:
        """L(θ) for the current sample, by a plain forward pass (for finite differences)."""
        y = self.x_data[self.sample]
        layers = self._unflatten(theta)
        for n, (w, b) in enumerate(layers):
            y = w @ y + b
            if n < self.n_layers - 1:
                y = activation(self.cfg.activation, y)[0]
        return float(((y - self.y_data[self.sample]) ** 2).sum())

    def autograd_gradient(self) -> np.ndarray:
        """∂L/∂θ from torch autograd (float64), for the current sample and parameters."""
        theta = torch.tensor(self.flat_params(), dtype=torch.float64, requires_grad=True)
        y = torch.tensor(self.x_data[self.sample], dtype=torch.float64)
        for n, (w, b) in enumerate(self._unflatten(theta)):
            y = w @ y + b
            if n < self.n_layers - 1:
                y = torch_activation(self.cfg.activation, y)
        loss = ((y - torch.tensor(self.y_data[self.sample], dtype=torch.float64)) ** 2).sum()
        (grad,) = torch.autograd.grad(loss, theta)
        return grad.numpy().copy()

    def finite_difference_gradient(self) -> np.ndarray:
        """Central differences (L(θ + h e_j) − L(θ − h e_j)) / 2h."""
        theta, h = self.flat_params(), self.cfg.fd_eps
        grad = np.empty_like(theta)
        for j in range(theta.size):
            up, down = theta.copy(), theta.copy()
            up[j] += h
            down[j] -= h
            grad[j] = (self.loss_of(up) - self.loss_of(down)) / (2 * h)
        return grad

    def _check(self, loss: np.ndarray, grad: np.ndarray) -> tuple[float, float, float]:
        self.grad_autograd = self.autograd_gradient()
        self.grad_fd = self.finite_difference_gradient()
        return (float(np.max(np.abs(grad - self.grad_autograd))),
                float(np.max(np.abs(grad - self.grad_fd))), float(loss))

    # ---- one step = one layer ------------------------------------------------------------
    def train_step(self) -> None:
        L = self.n_layers
        phase = (self.phase + 1) % (2 * L)
        if phase == 0:                         # a new cycle: clear the picture, load x
            self._clear()
            self.y[0] = self.x_data[self.sample].copy()
        if phase < L:
            self._forward_layer(phase + 1)
        else:
            self._backward_layer(2 * L - phase)
        self.phase = phase
        if phase == 2 * L - 1:                 # the backward pass is complete
            grad = self.flat_grad()
            self.last_checked = grad
            self.err_autograd, self.err_fd, self.loss_value = self._check(
                np.array(self.loss_of(self.flat_params())), grad)
            if self.cfg.lr > 0:                # θ ← θ − η ∂L/∂θ (the picture keeps the old θ)
                self.W_shown = [w.copy() for w in self.W]
                for n in range(L):
                    self.W[n] = self.W[n] - self.cfg.lr * self.dW[n]
                    self.b[n] = self.b[n] - self.cfg.lr * self.db[n]
            self.cycle += 1
            self.sample = self.cycle % self.cfg.n_samples

    # ---- output --------------------------------------------------------------------------
    def _padded_nodes(self, vectors) -> np.ndarray:
        out = np.full((self.n_layers + 1, max(self.sizes)), np.nan)
        for n, v in enumerate(vectors):
            if v is not None:
                out[n, :len(v)] = v
        return out

    def _padded_edges(self, mats) -> np.ndarray:
        w = max(self.sizes)
        out = np.full((self.n_layers, w, w), np.nan)
        for n, m in enumerate(mats):
            if m is not None:
                out[n, :m.shape[0], :m.shape[1]] = m
        return out

    def history_metrics(self) -> dict[str, float]:
        return {"loss": self.loss_value, "grad_err_autograd": self.err_autograd,
                "grad_err_fd": self.err_fd}

    def snapshot(self, final: bool = False) -> Snapshot:
        L = self.n_layers
        forward = self.phase < L
        layer = self.phase + 1 if forward else 2 * L - self.phase
        # After the update the weights drawn are those the gradients were computed for.
        weights = (self.W_shown if self.phase == 2 * L - 1 and self.cfg.lr > 0
                   else self.W)
        metrics = {
            "phase": float(self.phase), "layer": float(layer if self.phase >= 0 else 0),
            "backward": float(not forward and self.phase >= 0),
            "cycle": float(self.cycle), "sample": float(self.sample),
            "loss": self.loss_value, "grad_err_autograd": self.err_autograd,
            "grad_err_fd": self.err_fd,
        }
        arrays = {
            "layer_sizes": np.array(self.sizes, dtype=float),
            "values": self._padded_nodes(self.y),
            "node_grad": self._padded_nodes(self.dy),
            "edge_grad": self._padded_edges(self.dW),
            "bias_grad": self._padded_nodes([None] + list(self.db))[1:],
            "weights": self._padded_edges(weights),
            "target": self.y_data[self.sample if self.phase != 2 * L - 1
                                  else (self.cycle - 1) % self.cfg.n_samples].copy(),
            "grad_backprop": self.last_checked.copy(),
            "grad_autograd": self.grad_autograd.copy(),
            "grad_fd": self.grad_fd.copy(),
        }
        return Snapshot(step=self.step, epoch=self.cycle, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    # ---- persistence ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        def tensors(vs):
            return [None if v is None else to_tensor(v) for v in vs]
        return {**self.base_state(), "W": tensors(self.W), "b": tensors(self.b),
                "y": tensors(self.y), "fprime": tensors(self.fprime), "dy": tensors(self.dy),
                "dW": tensors(self.dW), "db": tensors(self.db),
                "W_shown": tensors(getattr(self, "W_shown", [])),
                "sample": self.sample, "cycle": self.cycle, "phase": self.phase,
                "checks": [self.err_autograd, self.err_fd, self.loss_value],
                "grads": tensors([self.last_checked, self.grad_autograd, self.grad_fd])}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        def arrays(vs):
            return [None if v is None else np.asarray(v).copy() for v in vs]
        self.load_base_state(state)
        for name in ("W", "b", "y", "fprime", "dy", "dW", "db"):
            setattr(self, name, arrays(state[name]))
        if state["W_shown"]:
            self.W_shown = arrays(state["W_shown"])
        self.sample, self.cycle, self.phase = int(state["sample"]), int(state["cycle"]), int(state["phase"])
        self.err_autograd, self.err_fd, self.loss_value = map(float, state["checks"])
        self.last_checked, self.grad_autograd, self.grad_fd = arrays(state["grads"])
