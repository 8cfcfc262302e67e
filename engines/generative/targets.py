"""2D target distributions with known densities, and the energies of "learn to sample".

numpy only (no torch): the panel uses these to draw the true density before a run.

Every sample-based target knows its density p(x) (exactly, or by a 1D quadrature for the
two moons), so the entropy H[p] = −∫ p ln p dx is known and is the floor that the
negative log-likelihood NLL = −⟨ln q_θ(x)⟩_{x~p} approaches:
    NLL = H[p] + D_KL(p‖q_θ) ≥ H[p].

The energies define p(x) = exp(−E(x)/T) / Z with Z = ∫ exp(−E/T) dx computed on a grid.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: Half width of the square shown (and integrated over) for the 2D targets.
BOX = 4.0
#: Half width of the square of the energy demos.
ENERGY_BOX = 5.0
#: Grid points per axis for entropies and partition functions.
FINE = 400
LOG_2PI = math.log(2.0 * math.pi)


def grid(box: float, n: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Cell centres of an n × n grid over [−box, box]²: (points (n², 2), axis, cell area).
    Row-major with y along rows: points.reshape(n, n, 2)[iy, ix]."""
    h = 2.0 * box / n
    axis = -box + h * (np.arange(n) + 0.5)
    xx, yy = np.meshgrid(axis, axis)
    return np.stack([xx.ravel(), yy.ravel()], axis=1), axis, h * h


def logsumexp(a: np.ndarray, axis: int = -1) -> np.ndarray:
    # Not scipy.special.logsumexp: the generative panel imports this module in the GUI
    # process, which otherwise never loads scipy (~0.13 s on opening the panel).
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(a - m), axis=axis))


def gauss_logpdf(x: np.ndarray, mean: np.ndarray, sigma: float) -> np.ndarray:
    """ln N(x; mean, σ² I) in 2D for every pair: (n, 2) × (m, 2) -> (n, m)."""
    d2 = ((x[:, None, :] - mean[None, :, :]) ** 2).sum(-1)
    return -0.5 * d2 / sigma ** 2 - LOG_2PI - 2.0 * math.log(sigma)


@dataclass
class Target2D:
    """A 2D distribution: sample(n, rng) and log_density(x)."""

    name: str
    title: str
    entropy_exact: float | None = None   # analytic H[p], where known in closed form
    _entropy: float | None = field(default=None, repr=False)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def log_density(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def density_grid(self, n: int = 96, box: float = BOX) -> np.ndarray:
        pts, _, _ = grid(box, n)
        return np.exp(self.log_density(pts)).reshape(n, n)

    def entropy(self) -> float:
        """H[p] = −∫ p ln p (closed form where known, else a fine grid)."""
        if self.entropy_exact is not None:
            return self.entropy_exact
        if self._entropy is None:
            pts, _, area = grid(BOX + 1.0, FINE)
            logp = self.log_density(pts)
            p = np.exp(logp)
            ok = p > 0
            self._entropy = float(-(p[ok] * logp[ok]).sum() * area)
        return self._entropy


class GaussianMixture(Target2D):
    """Σ_k w_k N(x; μ_k, Σ_k) with full covariances."""

    def __init__(self, name, title, weights, means, covs):
        super().__init__(name, title)
        self.w = np.asarray(weights, float) / np.sum(weights)
        self.mu = np.asarray(means, float)
        self.cov = np.asarray(covs, float)
        self.chol = np.linalg.cholesky(self.cov)
        self.inv = np.linalg.inv(self.cov)
        self.logdet = np.log(np.linalg.det(self.cov))

    def sample(self, n, rng):
        k = rng.choice(len(self.w), size=n, p=self.w)
        eps = rng.standard_normal((n, 2))
        return self.mu[k] + np.einsum("nij,nj->ni", self.chol[k], eps)

    def log_density(self, x):
        d = x[:, None, :] - self.mu[None]
        maha = np.einsum("nki,kij,nkj->nk", d, self.inv, d)
        comp = -0.5 * maha - LOG_2PI - 0.5 * self.logdet[None] + np.log(self.w)[None]
        return logsumexp(comp, axis=1)


class TwoMoons(Target2D):
    """Two interleaved half circles (sklearn's make_moons, scaled) blurred by N(0, σ²):
    p(x) = ½ Σ_moons (1/π) ∫_0^π N(x; c(t), σ²) dt (midpoint rule over 200 nodes per moon,
    node spacing 0.025 ≪ σ). Its entropy H[p] = 1.94754 nats was integrated once on a
    400 × 400 grid over [−5, 5]² (tests/engines/test_generative_targets.py checks it)."""

    SCALE, SIGMA = 1.6, 0.16
    NODES = 200
    ENTROPY = 1.94754

    def __init__(self):
        super().__init__("two_moons", "Two moons", entropy_exact=self.ENTROPY)
        t = (np.arange(self.NODES) + 0.5) * math.pi / self.NODES
        self.centres = np.concatenate([self._curve(t, 0), self._curve(t, 1)])

    def _curve(self, t, which):
        if which == 0:
            c = np.stack([np.cos(t), np.sin(t)], 1)
        else:
            c = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], 1)
        return (c - np.array([0.5, 0.25])) * self.SCALE

    def sample(self, n, rng):
        which = rng.integers(0, 2, size=n)
        t = rng.uniform(0.0, math.pi, size=n)
        c = np.where(which[:, None] == 0, self._curve(t, 0), self._curve(t, 1))
        return c + self.SIGMA * rng.standard_normal((n, 2))

    def log_density(self, x):
        out = np.empty(len(x))
        for i in range(0, len(x), 4096):   # chunks: (4096, 800) pairs at a time
            lp = gauss_logpdf(x[i:i + 4096], self.centres, self.SIGMA)
            out[i:i + 4096] = logsumexp(lp, axis=1) - math.log(len(self.centres))
        return out


class Rings(Target2D):
    """Two concentric rings: angle uniform, radius R_k + σ ε (k chosen with prob. ½):
    p(x) = Σ_k ½ N(|x|; R_k, σ²) / (2π|x|)."""

    RADII, SIGMA = (1.0, 2.5), 0.15

    def __init__(self):
        super().__init__("rings", "Two rings")

    def sample(self, n, rng):
        k = rng.integers(0, 2, size=n)
        r = np.abs(np.asarray(self.RADII)[k] + self.SIGMA * rng.standard_normal(n))
        phi = rng.uniform(0.0, 2.0 * math.pi, size=n)
        return np.stack([r * np.cos(phi), r * np.sin(phi)], 1)

    def log_density(self, x):
        r = np.maximum(np.hypot(x[:, 0], x[:, 1]), 1e-12)
        comps = []
        for radius in self.RADII:
            # |R + σε| folds the (negligible) r < 0 tail back: exact for the sampler
            comps.append(np.logaddexp(-0.5 * ((r - radius) / self.SIGMA) ** 2,
                                      -0.5 * ((r + radius) / self.SIGMA) ** 2)
                         - 0.5 * LOG_2PI - math.log(self.SIGMA))
        radial = np.logaddexp(comps[0], comps[1]) - math.log(2.0)
        return radial - math.log(2.0 * math.pi) - np.log(r)


class Checkerboard(Target2D):
    """Uniform on the 8 black squares of a 4 × 4 board over [−2, 2]²: p = 1/8 there.
    H[p] = ln 8 exactly."""

    def __init__(self):
        super().__init__("checkerboard", "Checkerboard", entropy_exact=math.log(8.0))
        cells = [(i, j) for i in range(4) for j in range(4) if (i + j) % 2 == 0]
        self.corners = np.array(cells, float) - 2.0

    def sample(self, n, rng):
        k = rng.integers(0, len(self.corners), size=n)
        return self.corners[k][:, ::-1] + rng.uniform(0.0, 1.0, size=(n, 2))

    def log_density(self, x):
        inside = (np.abs(x) < 2.0).all(axis=1)
        ix = np.floor(x[:, 0] + 2.0)
        iy = np.floor(x[:, 1] + 2.0)
        black = inside & ((ix + iy) % 2 == 0)
        return np.where(black, -math.log(8.0), -np.inf)


class Painted(Target2D):
    """The points painted with the mouse, each a Gaussian blob of width σ:
    p(x) = (1/N) Σ_c N(x; c, σ²)."""

    def __init__(self, points: np.ndarray, sigma: float):
        super().__init__("painted", "Painted target")
        self.points = np.asarray(points, float).reshape(-1, 2)
        self.sigma = float(sigma)
        if len(self.points) == 0:
            raise ValueError(EMPTY_PAINT_MESSAGE)

    def sample(self, n, rng):
        k = rng.integers(0, len(self.points), size=n)
        return self.points[k] + self.sigma * rng.standard_normal((n, 2))

    def log_density(self, x):
        out = np.empty(len(x))
        for i in range(0, len(x), 2048):
            lp = gauss_logpdf(x[i:i + 2048], self.points, self.sigma)
            out[i:i + 2048] = logsumexp(lp, axis=1) - math.log(len(self.points))
        return out

    def entropy(self) -> float:
        """H[p] = −⟨ln p(x)⟩_{x~p} from 4096 samples (seeded; error ≈ 0.02 nats): the grid
        integral over thousands of painted blobs would take seconds per stroke."""
        if self._entropy is None:
            x = self.sample(4096, np.random.default_rng(0))
            self._entropy = float(-self.log_density(x).mean())
        return self._entropy

    def density_grid(self, n: int = 96, box: float = BOX) -> np.ndarray:
        """The blobs on the display grid: a histogram of the points blurred by σ (fast for
        thousands of points; binning error below one grid cell)."""
        return painted_grid(self.points, self.sigma, n, box)


def painted_grid(points: np.ndarray, sigma: float, n: int = 64, box: float = BOX
                 ) -> np.ndarray:
    """(1/N) Σ_c N(x; c, σ²) on an n × n grid (rows along y), via histogram + blur."""
    from scipy.ndimage import gaussian_filter

    h = 2.0 * box / n
    counts, _, _ = np.histogram2d(points[:, 1], points[:, 0], bins=n,
                                  range=[[-box, box], [-box, box]])
    dens = gaussian_filter(counts, sigma=sigma / h, mode="constant", truncate=4.0)
    return dens / (max(len(points), 1) * h * h)


EMPTY_PAINT_MESSAGE = ("The painted target is empty: paint some points on the target plot "
                       "(click or drag with the left mouse button), then start again.")
#: Painted points are kept inside this square (the plotted one).
MAX_PAINTED = 2000


def gaussian_mixture() -> GaussianMixture:
    """The test target: three Gaussians of different shapes and weights."""
    return GaussianMixture(
        "gaussian_mixture", "Gaussian mixture", [0.5, 0.3, 0.2],
        [[-1.5, -1.0], [1.5, -0.5], [0.0, 1.8]],
        [[[0.5, 0.3], [0.3, 0.4]], [[0.25, -0.1], [-0.1, 0.6]], [[0.8, 0.0], [0.0, 0.1]]])


def make_target(name: str, painted: np.ndarray | None = None, sigma: float = 0.25
                ) -> Target2D:
    if name == "two_moons":
        return TwoMoons()
    if name == "rings":
        return Rings()
    if name == "checkerboard":
        return Checkerboard()
    if name == "gaussian_mixture":
        return gaussian_mixture()
    if name == "painted":
        return Painted(painted if painted is not None else np.empty((0, 2)), sigma)
    raise ValueError(f"unknown target {name!r}")


def clean_painted(points) -> np.ndarray:
    """Painted points as a float (n, 2) array inside the plotted square; raises
    ValueError with the user's message for an empty or malformed set."""
    try:
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
    except (TypeError, ValueError):
        raise ValueError("painted points must be (x, y) pairs") from None
    pts = pts[np.isfinite(pts).all(axis=1)]
    pts = pts[(np.abs(pts) <= BOX).all(axis=1)]
    if len(pts) == 0:
        raise ValueError(EMPTY_PAINT_MESSAGE)
    return pts[-MAX_PAINTED:]


# ---- GAN targets (sample-based; densities known as mixtures) ---------------------------------
def gan_target(name: str) -> Target2D:
    """ring: 8 Gaussians (σ = 0.08) on a circle of radius 2; grid: 5 × 5 Gaussians
    (σ = 0.08) at spacing 1; two_moons as for the flows."""
    if name == "ring":
        phi = 2 * math.pi * np.arange(8) / 8
        means = 2.0 * np.stack([np.cos(phi), np.sin(phi)], 1)
    elif name == "grid":
        g = np.arange(-2, 3, dtype=float)
        means = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    elif name == "two_moons":
        return TwoMoons()
    else:
        raise ValueError(f"unknown GAN target {name!r}")
    k = len(means)
    cov = np.tile(np.eye(2) * 0.08 ** 2, (k, 1, 1))
    mix = GaussianMixture(name, name, np.ones(k), means, cov)
    mix.modes = means          # type: ignore[attr-defined]
    mix.mode_sigma = 0.08      # type: ignore[attr-defined]
    return mix


# ---- energies: p(x) ∝ exp(−E(x)/T) ---------------------------------------------------------
def energy(name: str, x):
    """E(x) for (n, 2) arrays; works for numpy arrays and torch tensors alike.

    double_well: E = 4 (x1² − 1)² + x2²
    ring:        E = 4 (|x| − 2)²
    pair:        two particles at x1, x2 on a line in a harmonic trap,
                 E = U(|x1 − x2|) + (x1² + x2²),  U(d) = 4 ((d/2)² − 1)²
    """
    x1, x2 = x[:, 0], x[:, 1]
    if name == "double_well":
        return 4.0 * (x1 ** 2 - 1.0) ** 2 + x2 ** 2
    if name == "ring":
        r = (x1 ** 2 + x2 ** 2 + 1e-12) ** 0.5
        return 4.0 * (r - 2.0) ** 2
    if name == "pair":
        d2 = (x1 - x2) ** 2
        return 4.0 * (d2 / 4.0 - 1.0) ** 2 + (x1 ** 2 + x2 ** 2)
    raise ValueError(f"unknown energy {name!r}")


ENERGY_TITLES = {"double_well": "Double well", "ring": "Ring", "pair": "Pair potential"}


def log_partition(name: str, temperature: float, n: int = FINE, box: float = ENERGY_BOX
                  ) -> float:
    """ln Z(T) = ln ∫ exp(−E(x)/T) dx by the midpoint rule on an n × n grid."""
    pts, _, area = grid(box, n)
    a = -energy(name, pts) / temperature
    return float(logsumexp(a, axis=0) + math.log(area))


def boltzmann_grid(name: str, temperature: float, n: int = 96, box: float = ENERGY_BOX
                   ) -> np.ndarray:
    """p(x) = exp(−E/T)/Z on an n × n display grid (rows along x2)."""
    pts, _, _ = grid(box, n)
    ln_z = log_partition(name, temperature)
    return np.exp(-energy(name, pts) / temperature - ln_z).reshape(n, n)
