"""Graphs of the ``gnn`` demo: Zachary's karate club and random spring molecules, plus the
adjacency matrix and its powers.

Adjacency: A_ij = 1 if there is a link i ← j. (Aⁿ)_ij is the number of walks of length n
from j to i: a walk j → k → … → i of n links is one product A_{i·}…A_{·j} of ones in the
sum (Aⁿ)_ij = Σ_{k₁…k_{n−1}} A_{ik_{n−1}} ⋯ A_{k₁j}.

Spring molecules: atoms of three kinds in the plane, bonds between neighbours. A bond
between kinds a and b is a spring with stiffness k_ab and rest length ℓ_ab; the elastic
energy is E = Σ_bonds ½ k_ab (d_vw − ℓ_ab)². A message-passing net sees the kinds as node
features and the bond lengths d_vw as edge properties, and has to learn E for molecules
of every size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = 3
#: Stiffness k_ab and rest length ℓ_ab of a bond between atoms of kinds a and b.
STIFFNESS = np.array([[4.0, 2.5, 1.5],
                      [2.5, 3.0, 2.0],
                      [1.5, 2.0, 1.0]])
REST_LENGTH = np.array([[1.0, 1.2, 1.4],
                        [1.2, 1.1, 1.3],
                        [1.4, 1.3, 1.6]])
#: Relative spread of the bond lengths around the rest length when a molecule is grown.
STRAIN = 0.15
#: Atoms closer than this (× the rest length) get a bond too: rings close.
RING_REACH = 1.15


def adjacency(n: int, links: np.ndarray) -> np.ndarray:
    """A_ij = 1 for every link i ← j (links: (2, L) rows target, source)."""
    A = np.zeros((n, n))
    A[links[0], links[1]] = 1.0
    return A


def walk_counts(A: np.ndarray, n: int) -> np.ndarray:
    """(Aⁿ)_ij: the number of walks of length n from j to i (exact integers)."""
    return np.linalg.matrix_power(np.asarray(A).round().astype(np.int64), n).astype(float)


def both_directions(pairs: np.ndarray) -> np.ndarray:
    """Undirected edges (E, 2) as links v ← w in both directions: (2, 2E)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return np.concatenate([pairs.T, pairs[:, ::-1].T], axis=1)


# ---- Zachary's karate club ----------------------------------------------------------------
KARATE_N = 34


@dataclass
class Karate:
    links: np.ndarray        # (2, 156): the 78 friendships in both directions
    club: np.ndarray         # (34,): 0 = Mr. Hi's club, 1 = the officer's
    xy: np.ndarray           # (34, 2): a fixed drawing layout
    n: int = 34


def karate_club() -> Karate:
    """Zachary's karate club (34 members, 78 friendships, networkx's copy) with the club
    each member joined after the split and a spring layout (seeded: always the same)."""
    import networkx as nx

    g = nx.karate_club_graph()
    pairs = np.array(sorted((min(a, b), max(a, b)) for a, b in g.edges()))
    club = np.array([0 if g.nodes[v]["club"] == "Mr. Hi" else 1 for v in range(g.number_of_nodes())])
    pos = nx.spring_layout(g, seed=7, iterations=200)
    xy = np.array([pos[v] for v in range(g.number_of_nodes())], dtype=float)
    xy = (xy - xy.mean(axis=0)) / np.abs(xy).max()
    return Karate(both_directions(pairs), club, xy)


def gcn_weights(links: np.ndarray, n: int) -> np.ndarray:
    """Edge properties e_vw = 1/√(deg v · deg w) of every link v ← w, shape (L, 1)."""
    degree = np.bincount(links[0], minlength=n).astype(float)
    return (1.0 / np.sqrt(degree[links[0]] * degree[links[1]]))[:, None]


# ---- spring molecules ---------------------------------------------------------------------
@dataclass
class Molecule:
    kinds: np.ndarray        # (n,) atom kinds 0 … KINDS − 1
    xy: np.ndarray           # (n, 2) positions
    links: np.ndarray        # (2, L) bonds in both directions
    lengths: np.ndarray      # (L,) bond lengths d_vw
    energy: float            # E = Σ_bonds ½ k (d − ℓ)²
    atom_energy: np.ndarray  # (n,) half of each bond's energy to each of its atoms

    @property
    def n(self) -> int:
        return len(self.kinds)


def bond_energy(kind_v: np.ndarray, kind_w: np.ndarray, d: np.ndarray) -> np.ndarray:
    """½ k_ab (d − ℓ_ab)² of each bond."""
    return 0.5 * STIFFNESS[kind_v, kind_w] * (d - REST_LENGTH[kind_v, kind_w]) ** 2


def molecule(n: int, rng: np.random.Generator) -> Molecule:
    """Grow a molecule: each new atom bonds to a random earlier one at about the rest
    length in a random direction (not too close to the others); atoms that end up close
    get a bond too (rings)."""
    kinds = rng.integers(0, KINDS, n)
    xy = np.zeros((n, 2))
    pairs = []
    for i in range(1, n):
        for _ in range(20):                       # avoid atoms on top of each other
            parent = int(rng.integers(0, i))
            length = REST_LENGTH[kinds[i], kinds[parent]] * (1 + STRAIN * rng.standard_normal())
            angle = rng.uniform(0, 2 * np.pi)
            p = xy[parent] + max(length, 0.3) * np.array([np.cos(angle), np.sin(angle)])
            if np.min(np.linalg.norm(xy[:i] - p, axis=1)) > 0.6:
                break
        xy[i] = p
        pairs.append((parent, i))
    bonded = {tuple(sorted(p)) for p in pairs}
    for a in range(n):
        for b in range(a + 1, n):
            if (a, b) not in bonded and (np.linalg.norm(xy[a] - xy[b])
                                         < RING_REACH * REST_LENGTH[kinds[a], kinds[b]]):
                bonded.add((a, b))
    pairs_arr = np.array(sorted(bonded), dtype=np.int64)
    d = np.linalg.norm(xy[pairs_arr[:, 0]] - xy[pairs_arr[:, 1]], axis=1)
    e_bond = bond_energy(kinds[pairs_arr[:, 0]], kinds[pairs_arr[:, 1]], d)
    atom_energy = np.zeros(n)
    np.add.at(atom_energy, pairs_arr[:, 0], 0.5 * e_bond)
    np.add.at(atom_energy, pairs_arr[:, 1], 0.5 * e_bond)
    links = both_directions(pairs_arr)
    lengths = np.concatenate([d, d])
    return Molecule(kinds, xy - xy.mean(axis=0), links, lengths, float(e_bond.sum()),
                    atom_energy)


def molecules(count: int, min_atoms: int, max_atoms: int,
              rng: np.random.Generator) -> list[Molecule]:
    return [molecule(int(rng.integers(min_atoms, max_atoms + 1)), rng) for _ in range(count)]


def combine(mols: list[Molecule]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                           np.ndarray]:
    """One combined graph of a batch: (one-hot kinds (N, KINDS), links (2, L) with the node
    numbers shifted per molecule, bond lengths (L, 1), graph_of (N,), energies (B,))."""
    offsets = np.cumsum([0] + [m.n for m in mols[:-1]])
    kinds = np.concatenate([m.kinds for m in mols])
    links = np.concatenate([m.links + o for m, o in zip(mols, offsets)], axis=1)
    lengths = np.concatenate([m.lengths for m in mols])[:, None]
    graph_of = np.concatenate([np.full(m.n, i) for i, m in enumerate(mols)])
    energy = np.array([m.energy for m in mols])
    return np.eye(KINDS)[kinds], links, lengths, graph_of, energy
