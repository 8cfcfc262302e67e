"""Demo "landscape-stats": critical points of random loss landscapes (lecture 2.5).

1. A periodic 2-d Gaussian random field with covariance C(r) = exp(−r²/2ℓ²) on a
   grid×grid torus, by spectral synthesis: white noise, Fourier transform, multiply by
   √S(k) with S(k) ∝ exp(−k²ℓ²/2), transform back.
2. Its critical points, found on the grid. Each pixel is a vertex of the triangulated
   torus (every square cut along its (1, 1) diagonal), so it has six neighbours in a
   ring. Going round the ring, count the sign changes c of f(neighbour) − f(pixel):
   c = 0 and all higher: minimum; all lower: maximum; c = 2: regular; c = 2k ≥ 4: a
   saddle of multiplicity k − 1 (k = 3: a "monkey saddle", counted twice). For this
   piecewise-linear landscape #min + #max − #saddle = χ(torus) = 0 holds exactly for
   every field. The smooth field's Hessian (spectral second derivatives) at each point
   classifies it independently: both agree almost always when ℓ spans several pixels.
   Over many fields min : max : saddle → 1/4 : 1/4 : 1/2.
3. In d dimensions, the Hessian of an isotropic Gaussian field at a point is
   H = G + ζ·1 (G a GOE matrix with Var G_ii = 2, Var G_ij = 1; ζ ~ N(0, 1)), independent of
   the gradient. Kac-Rice: critical points with Hessian H occur with weight |det H|,
   so the fraction of minima = E[|det H| 1(H > 0)] / E[|det H|], estimated by Monte
   Carlo. It is 1/2 for d = 1, 1/4 for d = 2 and falls exponentially with d.
4. Gradient descent x ← x − ηℓ² ∇f(x) from random starts on the current field, with
   the speed |∇f| along each path: it crawls near saddles before sliding off.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from engines.nn_basics.online import to_tensor
from engines.nn_basics.theory_configs import LandscapeStatsConfig
from engines.runtime import Engine, Snapshot

#: The six neighbours of a vertex in ring order (row, column offsets).
RING = ((1, 0), (1, 1), (0, 1), (-1, 0), (-1, -1), (0, -1))
KINDS = ("min", "max", "saddle")


def wave_numbers(n: int) -> tuple[np.ndarray, np.ndarray]:
    k = 2.0 * np.pi * np.fft.fftfreq(n)
    return k[:, None], k[None, :]      # (rows, 1), (1, columns)


def random_field(rng: np.random.Generator, n: int, corr_length: float) -> np.ndarray:
    """A periodic Gaussian random field of unit variance with C(r) = exp(−r²/2ℓ²)."""
    ky, kx = wave_numbers(n)
    spectrum = np.exp(-0.5 * (kx**2 + ky**2) * corr_length**2)
    amplitude = np.sqrt(spectrum / spectrum.mean())       # so that Var f = 1
    white = rng.standard_normal((n, n))
    return np.real(np.fft.ifft2(np.fft.fft2(white) * amplitude))


def spectral_derivatives(f: np.ndarray) -> dict[str, np.ndarray]:
    """∂f/∂row, ∂f/∂col and the three second derivatives, exactly for a periodic field."""
    ky, kx = wave_numbers(f.shape[0])
    F = np.fft.fft2(f)
    d = lambda m: np.real(np.fft.ifft2(F * m))          # noqa: E731
    return {"fy": d(1j * ky), "fx": d(1j * kx), "fyy": d(-ky * ky), "fxx": d(-kx * kx),
            "fxy": d(-kx * ky)}


def classify_critical_points(f: np.ndarray) -> dict[str, np.ndarray]:
    """Critical vertices of the piecewise-linear torus landscape.

    Returns boolean maps "min", "max" and the integer map "saddle" (multiplicity).
    Ties are broken by the flat pixel index, so every vertex has a definite type.
    """
    n0, n1 = f.shape
    index = np.arange(f.size).reshape(f.shape)
    higher = []
    for dr, dc in RING:
        fn = np.roll(f, (-dr, -dc), axis=(0, 1))         # f at (r + dr, c + dc)
        idx_n = np.roll(index, (-dr, -dc), axis=(0, 1))
        higher.append((fn > f) | ((fn == f) & (idx_n > index)))
    higher = np.stack(higher)                             # (6, n0, n1)
    changes = (higher != np.roll(higher, -1, axis=0)).sum(0)
    return {"min": higher.all(0), "max": ~higher.any(0),
            "saddle": np.where(changes >= 4, changes // 2 - 1, 0)}


def hessian_kind(d: dict[str, np.ndarray], rows, cols) -> np.ndarray:
    """0 min, 1 max, 2 saddle from the signs of the Hessian's eigenvalues at pixels."""
    a, b, c = d["fyy"][rows, cols], d["fxy"][rows, cols], d["fxx"][rows, cols]
    det, trace = a * c - b * b, a + c
    return np.where(det < 0, 2, np.where(trace > 0, 0, 1))


def sample_critical_hessians(rng: np.random.Generator, dim: int, count: int) -> np.ndarray:
    """(count, dim, dim) Hessians of an isotropic Gaussian field: G + ζ·1."""
    a = rng.standard_normal((count, dim, dim))
    g = (a + a.transpose(0, 2, 1)) / np.sqrt(2.0)      # GOE: Var G_ij = 1, Var G_ii = 2
    zeta = rng.standard_normal(count)
    return g + zeta[:, None, None] * np.eye(dim)


def kac_rice_weights(hessians: np.ndarray) -> np.ndarray:
    """Σ |det H| per index (number of negative eigenvalues) 0 … d."""
    eig = np.linalg.eigvalsh(hessians)
    weight = np.abs(np.prod(eig, axis=1))
    index = (eig < 0).sum(1)
    return np.bincount(index, weights=weight, minlength=hessians.shape[1] + 1)


def periodic_bilinear(grid: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    n0, n1 = grid.shape
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    fr, fc = rows - r0, cols - c0
    r0, c0 = r0 % n0, c0 % n1
    r1, c1 = (r0 + 1) % n0, (c0 + 1) % n1
    return ((1 - fr) * (1 - fc) * grid[r0, c0] + (1 - fr) * fc * grid[r0, c1]
            + fr * (1 - fc) * grid[r1, c0] + fr * fc * grid[r1, c1])


class LandscapeStatsEngine(Engine):
    Config = LandscapeStatsConfig
    divergence_advice = "Try a longer correlation length."

    def __init__(self, cfg: LandscapeStatsConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)
        self.counts = np.zeros(3, dtype=np.int64)            # min, max, saddle (all fields)
        self.n_fields = 0
        self.euler_max_abs = 0
        self.agree = np.zeros(2, dtype=np.int64)             # (Hessian agrees, checked)
        self.degenerate = 0                                  # monkey saddles and worse
        self.kac_rice = np.zeros((cfg.max_dim, cfg.max_dim + 1))   # [d−1, index]
        self._new_field()

    # ---- one field per step ------------------------------------------------------------
    def _new_field(self) -> None:
        cfg = self.cfg
        self.field = random_field(self.rng, cfg.grid, cfg.corr_length)
        crit = classify_critical_points(self.field)
        n_min, n_max = int(crit["min"].sum()), int(crit["max"].sum())
        n_saddle = int(crit["saddle"].sum())
        self.last_counts = np.array([n_min, n_max, n_saddle])
        self.counts += self.last_counts
        self.n_fields += 1
        self.euler_max_abs = max(self.euler_max_abs, abs(n_min + n_max - n_saddle))
        self.degenerate += int((crit["saddle"] > 1).sum())
        self.points = {k: np.argwhere(crit[k] > 0).astype(float) for k in KINDS}
        # The smooth Hessian's verdict at the same pixels.
        derivs = spectral_derivatives(self.field)
        agree = checked = 0
        for code, kind in enumerate(KINDS):
            p = self.points[kind].astype(int)
            if len(p):
                agree += int((hessian_kind(derivs, p[:, 0], p[:, 1]) == code).sum())
                checked += len(p)
        self.agree += (agree, checked)
        self._descend(derivs)
        # Hessian statistics at critical points in d = 1 … max_dim (Kac-Rice weights).
        for dim in range(1, cfg.max_dim + 1):
            h = sample_critical_hessians(self.rng, dim, cfg.hessians)
            self.kac_rice[dim - 1, :dim + 1] += kac_rice_weights(h)

    def _descend(self, derivs) -> None:
        """Gradient descent from random starts on the current field (positions in pixels)."""
        cfg = self.cfg
        k = cfg.gd_walkers
        pos = self.rng.uniform(0.0, cfg.grid, (k, 2))
        path = np.empty((k, cfg.gd_steps + 1, 2))
        speed = np.empty((k, cfg.gd_steps + 1))
        rate = cfg.gd_rate * cfg.corr_length**2
        for t in range(cfg.gd_steps + 1):
            gy = periodic_bilinear(derivs["fy"], pos[:, 0], pos[:, 1])
            gx = periodic_bilinear(derivs["fx"], pos[:, 0], pos[:, 1])
            path[:, t] = pos
            speed[:, t] = np.hypot(gy, gx)
            pos = pos - rate * np.stack([gy, gx], axis=1)
        self.gd_path = np.mod(path, cfg.grid)
        self.gd_speed = speed

    def train_step(self) -> None:
        self._new_field()

    # ---- output ----------------------------------------------------------------------------
    def fractions(self) -> np.ndarray:
        return self.counts / max(int(self.counts.sum()), 1)

    def frac_min_by_dim(self) -> np.ndarray:
        totals = self.kac_rice.sum(1)
        return self.kac_rice[:, 0] / np.where(totals > 0, totals, 1.0)

    def _metrics(self) -> dict[str, float]:
        frac = self.fractions()
        by_dim = self.frac_min_by_dim()
        m = {"frac_min": float(frac[0]), "frac_max": float(frac[1]),
             "frac_saddle": float(frac[2]), "fields": float(self.n_fields),
             "euler_last": float(self.last_counts[0] + self.last_counts[1] - self.last_counts[2]),
             "euler_max_abs": float(self.euler_max_abs),
             "critical_per_field": float(self.counts.sum() / self.n_fields),
             "hessian_agreement": float(self.agree[0] / max(self.agree[1], 1)),
             "degenerate_saddles": float(self.degenerate)}
        for dim in range(1, self.cfg.max_dim + 1):
            m[f"frac_min_d{dim}"] = float(by_dim[dim - 1])
        return m

    def history_metrics(self) -> dict[str, float]:
        m = self._metrics()
        return {k: m[k] for k in ("frac_min", "frac_max", "frac_saddle")}

    def snapshot(self, final: bool = False) -> Snapshot:
        cfg = self.cfg
        totals = self.kac_rice.sum(1, keepdims=True)
        index_frac = self.kac_rice / np.where(totals > 0, totals, 1.0)
        for dim in range(1, cfg.max_dim + 1):
            index_frac[dim - 1, dim + 1:] = np.nan
        arrays = {
            "field": self.field.astype(np.float32),
            "minima": self.points["min"].copy(), "maxima": self.points["max"].copy(),
            "saddles": self.points["saddle"].copy(),
            "last_counts": self.last_counts.astype(float),
            "fractions": self.fractions(),
            "dims": np.arange(1, cfg.max_dim + 1, dtype=float),
            "frac_min_by_dim": self.frac_min_by_dim(),
            "index_fraction_by_dim": index_frac,
            "gd_path": self.gd_path.copy(), "gd_speed": self.gd_speed.copy(),
        }
        return Snapshot(step=self.step, metrics=self._metrics(), arrays=arrays,
                        history=self.history.arrays(), final=final)

    # ---- persistence -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "rng": self.rng.bit_generator.state,
                "counts": to_tensor(self.counts), "n_fields": self.n_fields,
                "euler_max_abs": self.euler_max_abs, "agree": to_tensor(self.agree),
                "degenerate": self.degenerate, "kac_rice": to_tensor(self.kac_rice),
                "field": to_tensor(self.field), "last_counts": to_tensor(self.last_counts),
                "points": {k: to_tensor(v) for k, v in self.points.items()},
                "gd_path": to_tensor(self.gd_path), "gd_speed": to_tensor(self.gd_speed)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.rng.bit_generator.state = state["rng"]
        self.counts = np.asarray(state["counts"]).copy()
        self.agree = np.asarray(state["agree"]).copy()
        self.kac_rice = np.asarray(state["kac_rice"]).copy()
        self.n_fields, self.degenerate = int(state["n_fields"]), int(state["degenerate"])
        self.euler_max_abs = int(state["euler_max_abs"])
        self.field = np.asarray(state["field"]).copy()
        self.last_counts = np.asarray(state["last_counts"]).copy()
        self.points = {k: np.asarray(v).copy() for k, v in state["points"].items()}
        self.gd_path = np.asarray(state["gd_path"]).copy()
        self.gd_speed = np.asarray(state["gd_speed"]).copy()
