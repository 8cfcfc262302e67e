"""Principal component analysis of a stream of samples (lecture 3.2).

Fluctuations δx = x − x̄ around the mean x̄ = ⟨x⟩ have the covariance matrix
    C_ij = ⟨δx_i δx_j⟩        (symmetric, positive semidefinite),
diagonalised by an orthonormal basis, C v⁽ᵏ⁾ = λ_k v⁽ᵏ⁾ with λ_k ≥ 0. The new coordinates
z_k = ⟨v⁽ᵏ⁾|x − x̄⟩ are uncorrelated, ⟨δz_i δz_j⟩ = λ_j δ_ij: λ_k is the variance along
v⁽ᵏ⁾. Keeping the M largest gives the successive reconstruction
    x ≈ x̄ + Σ_{k≤M} v⁽ᵏ⁾ ⟨v⁽ᵏ⁾|x − x̄⟩,
whose mean squared error is the unexplained variance Σ_{k>M} λ_k; the explained fraction
is Σ_{k≤M} λ_k / Σ_k λ_k.

The samples arrive batch by batch: the running sums Σx and Σx xᵀ give the estimate
C = Σ x xᵀ / N − x̄ x̄ᵀ (the lecture's 1/N average over the samples seen), re-diagonalised
after every batch, so one sees how many samples the features need. For a translation
invariant periodic field, C_kj = C(k − j): the eigenvectors are plane waves and the
eigenvalues the power spectrum λ(q) = Σ_l e^{−iql} C(l).

The reconstruction slider (edit ``Components(m=M)``) only changes M: the
chosen inputs' coefficients ⟨v⁽ᵏ⁾|x − x̄⟩ for k ≤ 100 are computed once per covariance
update, so a new M costs one (n × M) · (M × d) matrix product. In the 2-d cloud a click
adds a point (edit ``AddPoint(x, y)``).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from engines.edits import Edit
from engines.representation import data as rdata
from engines.representation.configs import MAX_COMPONENTS, AddPoint, Components, PCAConfig
from engines.runtime import Engine, Snapshot

#: Leading eigenvectors shown (eigen-digits, plane waves), chosen inputs reconstructed.
SHOWN_VECTORS, SHOWN_RECON = 16, 8
#: Samples shown in the (z1, z2) scatter and the 2-d cloud.
SHOWN_POINTS = 2000
#: Points that may be added by clicking.
MAX_ADDED = 5000
#: Clicks farther out than this are refused (numbers, not a place on the screen).
CLICK_RANGE = 1e3


def dominant_wavenumber(vectors: np.ndarray) -> np.ndarray:
    """For each row, the |q| = 2π m/d (m ≤ d/2) carrying most of its Fourier power, and
    the fraction of the power at ±q (1 for a plane wave)."""
    d = vectors.shape[1]
    power = np.abs(np.fft.fft(vectors, axis=1)) ** 2
    m = np.arange(d)
    folded = np.zeros((vectors.shape[0], d // 2 + 1))
    np.add.at(folded.T, np.minimum(m, d - m), power.T)
    best = folded.argmax(axis=1)
    frac = folded[np.arange(len(best)), best] / np.maximum(power.sum(axis=1), 1e-300)
    return 2 * math.pi * best / d, frac


class PCAEngine(Engine):
    Config = PCAConfig
    divergence_advice = "The covariance estimate became singular; add more samples."

    def __init__(self, cfg: PCAConfig, device: str | None = None):
        super().__init__(cfg, device)
        rng = np.random.default_rng(cfg.seed)
        self.labels = np.zeros(cfg.max_samples, dtype=np.int64)
        self.spectrum = np.empty(0)
        if cfg.data == "mnist":
            x, y = rdata.mnist_all()
            order = rng.permutation(len(y))[:cfg.max_samples]
            self.pool, self.labels = x[order], y[order]
        elif cfg.data == "gaussian2d":
            self.pool = rdata.gaussian2d(cfg.max_samples, cfg.sigma1, cfg.sigma2, cfg.angle,
                                         rng)
        else:
            self.spectrum = rdata.field_spectrum(cfg.sites, cfg.corr_length)
            self.pool = rdata.field_samples(cfg.max_samples, self.spectrum, rng)
        self.dim = self.pool.shape[1]
        self.max_m = min(MAX_COMPONENTS, self.dim)
        self.m = min(cfg.components, self.max_m)
        # Inputs whose reconstruction is shown: one digit of each class 0..7, or the first few.
        if cfg.data == "mnist":
            picks = [int(np.flatnonzero(self.labels == c)[0]) for c in range(10)
                     if np.any(self.labels == c)][:SHOWN_RECON]
        else:
            picks = list(range(min(SHOWN_RECON, len(self.pool))))
        self.recon_inputs = self.pool[picks].copy()
        self.used = 0                       # pool samples streamed in
        self.added: list[tuple[float, float]] = []
        self.n = 0
        self.s1 = np.zeros(self.dim)
        self.s2 = np.zeros((self.dim, self.dim))
        self._cache: dict[str, Any] = {}
        self._refresh()

    # ---- PCA --------------------------------------------------------------------------
    def _add(self, xb: np.ndarray) -> None:
        self.n += len(xb)
        self.s1 += xb.sum(axis=0)
        self.s2 += xb.T @ xb

    def _refresh(self) -> None:
        """Covariance estimate, its eigen-decomposition and the reconstruction basis."""
        if self.n == 0:
            self.mean = np.zeros(self.dim)
            self.cov = np.zeros((self.dim, self.dim))
        else:
            self.mean = self.s1 / self.n
            self.cov = self.s2 / self.n - np.outer(self.mean, self.mean)
            self.cov = 0.5 * (self.cov + self.cov.T)
        self.eigenvalues, self.eigenvectors = rdata.pca(self.cov)
        # ⟨v⁽ᵏ⁾|x − x̄⟩ of the shown inputs for every k ≤ 100: the slider's basis.
        self.basis = self.eigenvectors[:, :self.max_m]
        self.recon_coeffs = (self.recon_inputs - self.mean) @ self.basis
        self._cache.clear()

    def reconstruct(self, x: np.ndarray, m: int) -> np.ndarray:
        """x̄ + Σ_{k≤m} v⁽ᵏ⁾⟨v⁽ᵏ⁾|x − x̄⟩ (any m ≤ d, with the current estimate)."""
        v = self.eigenvectors[:, :m]
        return self.mean + ((x - self.mean) @ v) @ v.T

    def shown_reconstructions(self) -> np.ndarray:
        """The chosen inputs rebuilt from M components: one small matrix product."""
        m = self.m
        return self.mean + self.recon_coeffs[:, :m] @ self.basis[:, :m].T

    def samples_seen(self) -> np.ndarray:
        pts = self.pool[:self.used]
        if self.added:
            pts = np.concatenate([pts, np.asarray(self.added, dtype=float)])
        return pts

    def explained(self, m: int) -> float:
        total = float(self.eigenvalues.sum())
        return float(self.eigenvalues[:m].sum()) / total if total > 0 else 0.0

    # ---- engine contract ----------------------------------------------------------------
    def train_step(self) -> None:
        if self.used >= len(self.pool):
            return                           # the stream has run dry: nothing changes
        xb = self.pool[self.used:self.used + self.cfg.batch]
        self.used += len(xb)
        self._add(xb)
        self._refresh()

    def apply_edit(self, change: Edit) -> None:
        if isinstance(change, Components):
            try:
                m = int(change.m)
            except (TypeError, ValueError):
                raise ValueError("The number of components must be a whole number.") from None
            if not 1 <= m <= self.max_m:
                raise ValueError(f"M must lie between 1 and {self.max_m}.")
            self.m = m
            return
        if isinstance(change, AddPoint):
            if self.cfg.data != "gaussian2d":
                raise ValueError("Points can be added to the 2-d Gaussian cloud only.")
            try:
                x, y = float(change.x), float(change.y)
            except (TypeError, ValueError):
                raise ValueError("A point needs numbers x and y.") from None
            if not (math.isfinite(x) and math.isfinite(y)) or max(abs(x), abs(y)) > CLICK_RANGE:
                raise ValueError(f"A point must have finite coordinates within ±{CLICK_RANGE:g}.")
            if len(self.added) >= MAX_ADDED:
                raise ValueError(f"At most {MAX_ADDED} points can be added.")
            self.added.append((x, y))
            self._add(np.array([[x, y]]))
            self._refresh()
            return
        raise ValueError("This demo accepts the number of components M"
                         + (" and added points" if self.cfg.data == "gaussian2d" else "")
                         + f" only, not {type(change).__name__}.")

    def history_metrics(self) -> dict[str, float]:
        lam = self.eigenvalues
        return {"n_samples": float(self.n), "explained_variance": self.explained(self.m),
                "lambda1": float(lam[0]), "lambda2": float(lam[1]) if lam.size > 1 else 0.0,
                "total_variance": float(lam.sum())}

    def _fixed_arrays(self) -> dict[str, np.ndarray]:
        """Everything that changes with the data only (cached until the next update)."""
        if self._cache:
            return self._cache
        lam = self.eigenvalues
        total = lam.sum()
        shown = self.samples_seen()
        if len(shown) > SHOWN_POINTS:
            shown = shown[-SHOWN_POINTS:] if self.added else shown[:SHOWN_POINTS]
        n_pool_shown = min(self.used, SHOWN_POINTS)
        arrays = {
            "covariance": self.cov.astype(np.float32),
            "eigenvalues": lam.copy(),
            "explained_cumulative": np.cumsum(lam) / total if total > 0 else np.zeros_like(lam),
            "eigenvectors": self.eigenvectors[:, :SHOWN_VECTORS].T.copy(),
            "mean": self.mean.copy(),
            "recon_inputs": self.recon_inputs.copy(),
            "projection": ((self.pool[:n_pool_shown] - self.mean)
                           @ self.eigenvectors[:, :2]).copy(),
            "projection_labels": self.labels[:n_pool_shown].astype(np.float64),
            "image_side": np.array([float(rdata.SIDE if self.cfg.data == "mnist" else 0)]),
        }
        if self.cfg.data == "gaussian2d":
            arrays["points"] = shown.copy()
            arrays["added_points"] = np.asarray(self.added, dtype=float).reshape(-1, 2)
            arrays["true_covariance"] = rdata.gaussian2d_cov(self.cfg.sigma1, self.cfg.sigma2,
                                                             self.cfg.angle)
        if self.cfg.data == "random_field":
            d = self.dim
            m = np.arange(d)
            q = 2 * math.pi * np.minimum(m, d - m) / d
            arrays["sites"] = np.arange(d, dtype=np.float64)
            arrays["correlation_true"] = rdata.field_correlation(self.spectrum)
            arrays["spectrum_q"] = 2 * math.pi * np.arange(d // 2 + 1) / d
            arrays["spectrum_true"] = self.spectrum[:d // 2 + 1].copy()
            arrays["spectrum_true_sorted"] = np.sort(self.spectrum)[::-1].copy()
            # The estimate's own power spectrum: DFT of its translation-averaged C(l).
            c_est = np.array([np.mean(np.diag(np.roll(self.cov, -l, axis=1))) for l in m])
            arrays["spectrum_estimate"] = np.fft.fft(c_est).real[:d // 2 + 1]
            qv, frac = dominant_wavenumber(arrays["eigenvectors"])
            arrays["eigvec_wavenumber"], arrays["eigvec_planewave_fraction"] = qv, frac
            arrays["eigvec_wavenumber_true"] = q[np.argsort(-self.spectrum,
                                                            kind="stable")][:SHOWN_VECTORS]
        self._cache = arrays
        return arrays

    def snapshot(self, final: bool = False) -> Snapshot:
        lam = self.eigenvalues
        metrics = {**self.history_metrics(), "components": float(self.m),
                   "recon_mse": rdata.pca_floor(lam, self.m), "dim": float(self.dim)}
        arrays = dict(self._fixed_arrays())
        arrays["recon"] = self.shown_reconstructions()
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "used": self.used, "n": self.n, "m": self.m,
                "added": [list(p) for p in self.added],
                "s1": torch.from_numpy(self.s1.copy()), "s2": torch.from_numpy(self.s2.copy())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        s2 = state["s2"].numpy().astype(np.float64)
        if s2.shape != (self.dim, self.dim):
            raise ValueError(f"saved covariance of size {s2.shape[0]} does not fit data of "
                             f"dimension {self.dim}")
        self.load_base_state(state)
        self.used, self.n = int(state["used"]), int(state["n"])
        self.m = min(int(state["m"]), self.max_m)
        self.added = [(float(a), float(b)) for a, b in state["added"]]
        self.s1 = state["s1"].numpy().astype(np.float64).copy()
        self.s2 = s2.copy()
        self._refresh()
