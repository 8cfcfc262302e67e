"""Symbolic regression with expression trees (lecture 11.1): Occam's razor in bits.

Search: exhaustive bottom-up enumeration of trees by node count (1, 2, 3, … nodes), each
new tree built from smaller ones (a unary function of a tree of k−1 nodes, or a binary
operator of trees of i and k−1−i nodes). Trees that give the same values on the data as
an earlier (never larger) one are dropped ("observational equivalence"), which keeps the
search small enough for pure numpy. Every tree f is also tried with fitted constants,
f + c, c·f, c·f + c (least squares in closed form).

Two things are optimised at once, as in the lecture: the error (mean squared error) and
the complexity −log₂ P(expression) in bits under the prior of :mod:`.expressions`. The
Pareto front holds, for each complexity, the best error that no simpler expression beats.
The "best" expression on the front minimises a two-part code length (MDL):
    L = (n/2) log₂ MSE + complexity,
so an extra node must buy its bits back in fit.

One engine step ("generation") processes one batch of candidate trees.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from engines.complexity import expressions as ex
from engines.complexity.configs import SymbolicConfig
from engines.runtime import Engine, Snapshot

BATCH = 20_000              # candidate trees per step
EXACT = 1e-20               # relative MSE floor: "exact" fits tie, and the simpler wins
VARIANTS = ("f", "f + c", "c·f", "c·f + c")
PLOT_POINTS = 400

# name: (formula of x [, y], variables, x range, y range, sympy text, description)
TARGETS = {
    "lecture": (lambda x, y: x * (3 + y) + math.pi / x, ("x", "y"), (0.5, 3.0), (-2.0, 2.0),
                "x*(3 + y) + pi/x", "x·(3+y) + π/x"),
    "kepler": (lambda x, y: x ** 1.5, ("x",), (0.3, 5.0), None, "x**(3/2)",
               "Kepler: T = a^(3/2)  (x = a)"),
    "pendulum": (lambda x, y: 2 * math.pi * np.sqrt(x / y), ("x", "y"), (0.1, 2.0), (1.0, 20.0),
                 "2*pi*sqrt(x/y)", "pendulum: T = 2π√(L/g)  (x = L, y = g)"),
    "coulomb": (lambda x, y: x / y ** 2, ("x", "y"), (0.5, 3.0), (0.5, 3.0), "x/y**2",
                "Coulomb: F = Q/r²  (x = Q = q₁q₂, y = r, k = 1)"),
    "relativistic": (lambda x, y: x / np.sqrt(1 - y ** 2), ("x", "y"), (0.5, 3.0), (0.0, 0.9),
                     "x/sqrt(1 - y**2)", "relativistic energy: E = m/√(1−v²)  (x = m, y = v, c = 1)"),
}


def load_csv(path: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Columns x[, y], target from a CSV file; ValueError naming the line and the fault."""
    if not path.strip():
        raise ValueError("choose a CSV file (columns x, target or x, y, target)")
    file = Path(path).expanduser()
    if not file.is_file():
        raise ValueError(f"CSV file {path!r} does not exist")
    try:
        lines = file.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read {path!r}: {err}") from None
    rows, width = [], None
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        cells = [c.strip() for c in text.replace(";", ",").split(",")]
        try:
            values = [float(c) for c in cells]
        except ValueError:
            if not rows and width is None:      # a header line
                width = len(cells)
                continue
            bad = next(c for c in cells if not _is_number(c))
            raise ValueError(f"line {number}: {bad!r} is not a number") from None
        if width is None:
            width = len(values)
        if width not in (2, 3):
            raise ValueError(f"line {number}: {width} columns; expected 2 (x, target) "
                             f"or 3 (x, y, target)")
        if len(values) != width:
            raise ValueError(f"line {number}: {len(values)} values, but the file has "
                             f"{width} columns")
        if not all(math.isfinite(v) and abs(v) < 1e8 for v in values):
            raise ValueError(f"line {number}: values must be finite and below 1e8 in size")
        rows.append(values)
    if len(rows) < 5:
        raise ValueError(f"{path!r} has {len(rows)} data lines; at least 5 are needed")
    if len(rows) > 2000:
        raise ValueError(f"{path!r} has {len(rows)} data lines; at most 2000")
    table = np.asarray(rows, dtype=float)
    names = ("x",) if width == 2 else ("x", "y")
    data = {n: table[:, i].copy() for i, n in enumerate(names)}
    if np.ptp(table[:, -1]) == 0:
        raise ValueError("the target column is constant: there is nothing to fit")
    return data, table[:, -1].copy()


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def make_data(cfg: SymbolicConfig, rng: np.random.Generator):
    """(inputs, noisy target, noise-free target or None, sympy text of the truth or None)."""
    if cfg.target == "csv":
        data, target = load_csv(cfg.csv_path)
        clean, truth = None, None
    else:
        fn, names, xr, yr, truth, _ = TARGETS[cfg.target]
        data = {"x": rng.uniform(*xr, cfg.n_points)}
        if "y" in names:
            data["y"] = rng.uniform(*yr, cfg.n_points)
        clean = fn(data["x"], data.get("y"))
        target = clean.copy()
    if cfg.noise > 0:
        target = target + cfg.noise * target.std() * rng.standard_normal(target.size)
    return data, target, clean, truth


def fit_variants(values: np.ndarray, t: np.ndarray):
    """MSE and constants of f, f + c, c·f, c·f + c for every row of ``values``."""
    n = t.size
    with np.errstate(all="ignore"):
        mse_f = np.mean((values - t) ** 2, axis=1)
        off = np.mean(t) - values.mean(axis=1)
        mse_off = np.mean((values + off[:, None] - t) ** 2, axis=1)
        vv = np.einsum("ij,ij->i", values, values)
        vt = values @ t
        scale = np.where(vv > 0, vt / np.where(vv > 0, vv, 1.0), 0.0)
        mse_scale = np.maximum(np.mean(t * t) - scale * vt / n, 0.0)
        vc = values - values.mean(axis=1, keepdims=True)
        tc = t - t.mean()
        var_v = np.einsum("ij,ij->i", vc, vc)
        slope = np.where(var_v > 1e-300, (vc @ tc) / np.where(var_v > 1e-300, var_v, 1.0), 0.0)
        inter = t.mean() - slope * values.mean(axis=1)
        mse_aff = np.maximum(np.mean(tc * tc) - slope * (vc @ tc) / n, 0.0)
    # The closed forms lose digits near an exact fit: recompute those directly.
    mse_scale = _direct(mse_scale, values * scale[:, None], t)
    mse_aff = _direct(mse_aff, values * slope[:, None] + inter[:, None], t)
    return ((mse_f, None, None), (mse_off, None, off), (mse_scale, scale, None),
            (mse_aff, slope, inter))


def _direct(mse, pred, t):
    small = mse < 1e-6 * max(float(np.mean(t * t)), 1e-300)
    if small.any():
        mse = mse.copy()
        mse[small] = np.mean((pred[small] - t) ** 2, axis=1)
    return mse


class SymbolicEngine(Engine):
    Config = SymbolicConfig
    divergence_advice = "Please report this: the search keeps only finite errors."

    def __init__(self, cfg: SymbolicConfig, device: str | None = None):
        super().__init__(cfg, device)
        rng = np.random.default_rng(cfg.seed)
        self.data, self.target, self.clean, self.truth = make_data(cfg, rng)
        self.names = tuple(self.data)
        self.bits = ex.symbol_bits(self.names)
        self.var_t = float(self.target.var())
        # the library: per node count, trees, their values (rows) and complexities
        self.trees: dict[int, list] = {}
        self.values: dict[int, np.ndarray] = {}
        self.cost: dict[int, np.ndarray] = {}
        self.pending: dict[int, list] = {}
        self.seen: set[bytes] = set()
        # memory: at most ~10⁷ stored values per node count
        self.library_cap = max(1000, min(150_000, 10_000_000 // self.target.size))
        self.bins: dict[int, tuple] = {}          # half-bit bin -> (mse, bits, tree, variant, a, b)
        self.level = 1
        self.jobs: list = []
        self.cursor = 0
        self.n_candidates = 0
        self.done = False
        self._sympy: dict = {}
        leaves = [n for n in self.names] + list(ex.CONSTANTS)
        self.add_block(1, leaves, np.stack([ex.evaluate(t, self.data) for t in leaves]),
                       np.array([self.bits[t] for t in leaves]))
        self.open_level(2)

    # ---- enumeration ----------------------------------------------------------------------
    def open_level(self, k: int) -> None:
        """List the jobs that build the trees of k nodes from smaller ones."""
        self.close_level(k - 1)
        self.level, self.cursor, self.jobs = k, 0, []
        if k > self.cfg.max_nodes:
            self.done = True
            return
        if k - 1 in self.trees:
            self.jobs += [("u", op) for op in ex.UNARY]
        for i in range(1, k - 1):
            j = k - 1 - i
            if i not in self.trees or j not in self.trees:
                continue
            for op in ex.BINARY:
                if op in "+*" and i > j:
                    continue        # a + b and b + a give the same values
                self.jobs += [("b", op, i, a) for a in range(len(self.trees[i]))]

    def run_job(self, job) -> int:
        k = self.level
        if job[0] == "u":
            op = job[1]
            vals = ex.apply_unary(op, self.values[k - 1])
            trees = [(op, t) for t in self.trees[k - 1]]
            cost = self.cost[k - 1] + self.bits[op]
        else:
            _, op, i, a = job
            j = k - 1 - i
            start = a if (op in "+*" and i == j) else 0
            vals = ex.apply_binary(op, self.values[i][a][None, :], self.values[j][start:])
            left = self.trees[i][a]
            trees = [(op, left, t) for t in self.trees[j][start:]]
            cost = self.cost[i][a] + self.bits[op] + self.cost[j][start:]
        if len(trees):
            self.add_block(k, trees, vals, cost)
        return len(trees)

    def add_block(self, k: int, trees, vals: np.ndarray, cost: np.ndarray) -> None:
        """Keep the trees with finite, new values; fit them and update the front."""
        self.n_candidates += len(trees)
        ok = np.all(np.isfinite(vals) & (np.abs(vals) < ex.LIMIT), axis=1)
        keys = np.where(ok[:, None], vals, 0.0).astype(np.float32)
        keep = []
        for r in np.flatnonzero(ok):
            key = keys[r].tobytes()
            if key not in self.seen:
                self.seen.add(key)
                keep.append(r)
        if not keep:
            return
        keep = np.asarray(keep)
        vals, cost = vals[keep], cost[keep]
        trees = [trees[r] for r in keep]
        if len(self.trees.get(k, ())) < self.library_cap:
            # blocks are joined when the level is complete (no quadratic re-copying)
            self.trees.setdefault(k, []).extend(trees)
            self.pending.setdefault(k, []).append((vals, cost))
        const = self.bits["c"] + ex.CONST_BITS
        extra = (0.0, self.bits["+"] + const, self.bits["*"] + const,
                 self.bits["+"] + self.bits["*"] + 2 * const)
        for v, ((mse, a, b), add) in enumerate(zip(fit_variants(vals, self.target), extra)):
            bits = cost + add
            bins = np.floor(bits * 2).astype(int)
            mse = np.where(np.isfinite(mse), mse, np.inf)
            order = np.lexsort((bits, mse, bins))    # per bin: best error, then fewer bits
            _, first = np.unique(bins[order], return_index=True)
            for r in order[first]:
                bin_ = int(bins[r])
                old = self.bins.get(bin_)
                if np.isfinite(mse[r]) and (old is None or (mse[r], bits[r]) < old[:2]):
                    self.bins[bin_] = (float(mse[r]), float(bits[r]), trees[r], VARIANTS[v],
                                       None if a is None else float(a[r]),
                                       None if b is None else float(b[r]))

    def close_level(self, k: int) -> None:
        blocks = self.pending.pop(k, [])
        if blocks:
            self.values[k] = np.vstack([b[0] for b in blocks])
            self.cost[k] = np.concatenate([b[1] for b in blocks])

    def run(self, ctl):
        """Engine.run, ending when every tree up to max_nodes is tried (no idle units)."""
        if self.step == 0 and len(self.history) == 0:
            self.history.record(0, self.history_metrics())
        while self.step < self.cfg.steps and not self.done:
            ctl.checkpoint()
            self.train_step()
            self.step += 1
            if self.history.wants(self.step):
                self.history.record(self.step, self.history_metrics())
            if ctl.due():
                yield self.snapshot()
        yield self.snapshot(final=True)

    def train_step(self) -> None:
        work = 0
        while not self.done and work < BATCH:
            if self.cursor >= len(self.jobs):
                self.open_level(self.level + 1)
                continue
            work += self.run_job(self.jobs[self.cursor])
            self.cursor += 1

    # ---- the front -----------------------------------------------------------------------
    def front(self) -> list[tuple]:
        """Non-dominated entries, by complexity: each has a smaller error than all simpler."""
        out, best = [], math.inf
        floor = EXACT * max(self.var_t, 1e-300)     # below this, errors are rounding only
        for _, entry in sorted(self.bins.items()):
            err = max(entry[0], floor)
            if err < best * (1 - 1e-9):
                out.append(entry)
                best = err
        return out

    def mdl(self, entry) -> float:
        floor = EXACT * max(self.var_t, 1e-300)
        return 0.5 * self.target.size * math.log2(max(entry[0], floor)) + entry[1]

    def best(self):
        front = self.front()
        return min(front, key=lambda e: (self.mdl(e), e[1])) if front else None

    def predict(self, entry, data) -> np.ndarray:
        mse, bits, tree, variant, a, b = entry
        f = ex.evaluate(tree, data)
        return f * (1.0 if a is None else a) + (0.0 if b is None else b)

    def sympy_of(self, entry, exact: bool):
        key = (ex.prefix(entry[2]), entry[3], entry[4], entry[5], exact)
        if key not in self._sympy:
            self._sympy[key] = ex.to_sympy(entry[2], entry[4], entry[5], exact=exact)
        return self._sympy[key]

    def recovered(self, entry) -> bool:
        """The best expression, constants guessed exactly, simplifies to the truth."""
        if entry is None or self.truth is None:
            return False
        import sympy as sp

        key = ("recovered", ex.prefix(entry[2]), entry[3], entry[4], entry[5])
        if key not in self._sympy:
            x, y = sp.symbols("x y", positive=True)
            found = self.sympy_of(entry, exact=True).subs({sp.Symbol("x"): x,
                                                           sp.Symbol("y"): y})
            truth = sp.sympify(self.truth, locals={"x": x, "y": y})
            try:
                self._sympy[key] = sp.simplify(found - truth) == 0
            except Exception:          # sympy may give up on exotic trees
                self._sympy[key] = False
        return bool(self._sympy[key])

    # ---- engine contract -----------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        best = self.best()
        return {"best_mse": best[0] if best else float(self.var_t),
                "best_complexity_bits": best[1] if best else 0.0,
                "level": float(min(self.level, self.cfg.max_nodes)),
                "n_expressions": float(len(self.seen)),
                "n_candidates": float(self.n_candidates)}

    def snapshot(self, final: bool = False) -> Snapshot:
        import sympy as sp

        front, best = self.front(), self.best()
        metrics = {**self.history_metrics(), "recovered": float(self.recovered(best)),
                   "has_truth": float(self.truth is not None), "finished": float(self.done),
                   "target_variance": self.var_t}
        x = self.data["x"]
        order = np.argsort(x)[:PLOT_POINTS]
        cloud = sorted(self.bins.values(), key=lambda e: e[1])
        arrays = {
            "front_bits": np.array([e[1] for e in front]),
            "front_mse": np.array([e[0] for e in front]),
            "front_exprs": np.array([sp.sstr(self.sympy_of(e, False)) for e in front], dtype=str),
            "front_latex": np.array([sp.latex(self.sympy_of(e, False)) for e in front], dtype=str),
            "front_trees": np.array([ex.infix(e[2]) + ("" if e[3] == "f" else f"  [{e[3]}]")
                                     for e in front], dtype=str),
            "cloud_bits": np.array([e[1] for e in cloud]),
            "cloud_mse": np.array([e[0] for e in cloud]),
            "best_expr": np.array([sp.sstr(self.sympy_of(best, False)) if best else ""],
                                  dtype=str),
            "best_latex": np.array([sp.latex(self.sympy_of(best, False)) if best else ""],
                                   dtype=str),
            "truth_expr": np.array([self.truth or ""], dtype=str),
            "x": x[order].copy(),
            "y": self.data["y"][order].copy() if "y" in self.data else np.empty(0),
            "target": self.target[order].copy(),
            "fit": (self.predict(best, {k: v[order] for k, v in self.data.items()})
                    if best else np.zeros(order.size)),
        }
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        # The search is deterministic: its position is enough, restore replays it.
        return {**self.base_state(), "level": self.level, "cursor": self.cursor,
                "done": self.done}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        level, cursor, done = int(state["level"]), int(state["cursor"]), bool(state["done"])
        fresh = SymbolicEngine(self.cfg)
        while not (fresh.level == level and fresh.cursor == cursor) and not fresh.done:
            if fresh.cursor >= len(fresh.jobs):
                fresh.open_level(fresh.level + 1)
                continue
            fresh.run_job(fresh.jobs[fresh.cursor])
            fresh.cursor += 1
        if (fresh.level, fresh.cursor, fresh.done) != (level, cursor, done):
            raise ValueError("the saved search position does not fit this config")
        history = self.history
        self.__dict__.update(fresh.__dict__)
        self.history = history
        self.load_base_state(state)
