"""Monte-Carlo tree search (UCT) on the known model of a GridWorld, and the ``MCTSEngine``.

Model-based RL, "simulation-based search" (lecture 9.8): the agent knows the model
s' = P(s, a), r = R(s, a) (deterministic here, from :meth:`GridWorld.model`) and, before
every real move, simulates many episodes from its current state s_t with it. Monte-Carlo
tree search keeps the statistics of the states visited by these simulations in a tree
rooted at s_t and improves its simulation policy as it goes. One simulation has four parts:

1. Selection (on-tree policy). From the root, walk down the tree. In a node whose actions
   have all been tried, take the UCT action (upper confidence bound applied to trees)

       a = argmax_a [ Q(s, a) + c · sqrt( ln N(s) / N(s, a) ) ],

   N(s, a) the simulations that took a in this node, N(s) = Σ_a N(s, a). The first term
   exploits (greedy in Q, and Q improves as the tree grows), the second prefers actions
   that were tried less often. A node with untried actions takes one of them (uniformly).
2. Expansion. The untried action adds one new node (its successor) to the tree: one new
   node per simulation.
3. Rollout (off-tree policy). From the new node, play uniformly random actions in the
   model for at most ``rollout_depth`` steps (or until a terminal state) and take the
   discounted return  G_leaf = Σ_{k=0}^{K-1} γ^k r_{k+1}  (0 when the new node is terminal).
4. Backup. Going back up the path n_0 (root), a_0, n_1, ..., n_L (leaf),

       G_L = G_leaf,   G_j = R(s_j, a_j) + γ G_{j+1},

   every node on the path counts one more visit and adds G_j to its sum of returns, so
   V(n) = (Σ G) / N(n) is the running mean of the returns from n, and
   Q(n, a) = R(s_n, a) + γ V(child) the running mean of the returns after taking a in n
   (the reward is deterministic, so this equals the mean of R + γ G_child).

After the simulations of one move the agent takes the root action with the most visits
(the most robust choice: the value of a rarely tried action is a noisy mean), moves in the
real world, and the child becomes the new root: its subtree, and the statistics in it, are
kept. The tree is a tree of paths, not a graph of states: the same cell reached along two
paths (or by bumping into a wall, which leaves the agent in place) is two different nodes.
"""
from __future__ import annotations

import math
from array import array
from typing import Any

import numpy as np
import torch

from engines.rl.configs import MCTSConfig
from engines.rl.dp import check_gamma
from engines.rl.gridworld import N_ACTIONS, GridWorld, edit_world, maze_world
from engines.runtime import Engine, MetricHistory, Snapshot

#: Metric history is recorded every HISTORY_EVERY simulations (times the thinning).
HISTORY_EVERY = 10

#: Per-node arrays of the tree; int64 ones ('q') and the float64 sum of returns ('d').
_INT_FIELDS = ("state", "parent", "action", "visits", "ends", "children")


class SearchTree:
    """UCT search tree over the deterministic tabular model (P, R, terminal).

    Nodes live in flat typed Python arrays (``array.array``: cheap to append in the hot
    loop, copied into numpy with one memcpy for a snapshot). Node 0 is always the root.

    Per node i: ``state[i]`` (flat cell index), ``parent[i]`` (-1 at the root),
    ``action[i]`` (the parent's action that leads here, -1 at the root), ``visits[i]``
    (simulations through i), ``ends[i]`` (simulations that ended in i: its expansion with
    the rollout from it, or arriving in a terminal node), ``value_sum[i]`` (sum of the
    returns G from i) and ``children[4 i + a]`` (the node after action a, -1 if untried).
    Every simulation ends in exactly one node, hence for every node

        visits[i] = Σ_a visits[children[4 i + a]] + ends[i].
    """

    def __init__(self, P: np.ndarray, R: np.ndarray, terminal: np.ndarray, gamma: float,
                 exploration_c: float, rollout_depth: int, rng: np.random.Generator,
                 root_state: int):
        self.gamma = float(gamma)
        self.c = float(exploration_c)
        self.rollout_depth = int(rollout_depth)
        self.rng = rng
        self.set_model(P, R, terminal)
        self.reset(root_state)

    # ---- model and tree construction ----------------------------------------------------
    def set_model(self, P: np.ndarray, R: np.ndarray, terminal: np.ndarray) -> None:
        """Use a new model (after an edit). Python lists: fast lookups in the hot loop."""
        self.P = np.asarray(P, dtype=np.int64).tolist()
        self.R = np.asarray(R, dtype=float).tolist()
        self.terminal = np.asarray(terminal, dtype=bool).tolist()

    def reset(self, root_state: int) -> None:
        """Discard everything: a tree holding only the root (no visits yet)."""
        for name in _INT_FIELDS:
            setattr(self, name, array("q"))
        self.value_sum = array("d")
        self._add_node(int(root_state), -1, -1)

    def _add_node(self, state: int, parent: int, action: int) -> int:
        self.state.append(state)
        self.parent.append(parent)
        self.action.append(action)
        self.visits.append(0)
        self.ends.append(0)
        self.value_sum.append(0.0)
        self.children.extend((-1,) * N_ACTIONS)
        return len(self.state) - 1

    def __len__(self) -> int:
        return len(self.state)

    @property
    def root_state(self) -> int:
        return self.state[0]

    # ---- one simulation ------------------------------------------------------------------
    def simulate(self) -> None:
        """Selection, expansion, rollout and backup of one simulated episode.

        The random numbers of a simulation are drawn at once: u_0 picks the untried action
        to expand, u_1 ... u_depth the rollout's actions (a = floor(4 u)). The generator
        thus advances the same way whatever happens in the simulation.
        """
        P, terminal, children = self.P, self.terminal, self.children
        uniforms = self.rng.random(self.rollout_depth + 1).tolist()
        node = 0
        path = [0]
        g = 0.0
        while not terminal[self.state[node]]:       # a terminal node ends it with G = 0
            action, untried = self._select(node, uniforms[0])
            if untried:                              # expansion: one new node ...
                s = self.state[node]
                child = self._add_node(P[s][action], node, action)
                children[N_ACTIONS * node + action] = child
                path.append(child)
                node = child
                g = self.rollout(P[s][action], uniforms[1:])  # ... and a rollout from it
                break
            node = children[N_ACTIONS * node + action]
            path.append(node)
        self.ends[node] += 1
        self._backup(path, g)

    def _select(self, node: int, u: float) -> tuple[int, bool]:
        """(action, untried?): an untried action (picked by u in [0, 1)), else UCT's."""
        base = N_ACTIONS * node
        kids = self.children[base:base + N_ACTIONS]
        untried = [a for a in range(N_ACTIONS) if kids[a] < 0]
        if untried:
            return untried[int(u * len(untried))], True
        visits, value_sum, gamma = self.visits, self.value_sum, self.gamma
        rewards = self.R[self.state[node]]
        counts = [visits[k] for k in kids]
        c_log_n = self.c * self.c * math.log(sum(counts))
        best, best_a = -math.inf, 0
        for a in range(N_ACTIONS):
            n = counts[a]
            # Q(s, a) + c sqrt(ln N(s) / N(s, a)), with Q = R(s, a) + γ V(child)
            ucb = rewards[a] + gamma * value_sum[kids[a]] / n + math.sqrt(c_log_n / n)
            if ucb > best:                           # first maximum on ties
                best, best_a = ucb, a
        return best_a, False

    def rollout(self, s: int, uniforms: list[float]) -> float:
        """Discounted return Σ_k γ^k r_{k+1} of random actions a_k = floor(4 u_k) from s.

        The off-tree policy: uniform over the four actions, in the model, for at most
        len(uniforms) steps or until a terminal state.
        """
        if self.terminal[s]:
            return 0.0
        P, R, terminal, gamma = self.P, self.R, self.terminal, self.gamma
        g, discount = 0.0, 1.0
        for u in uniforms:
            a = int(u * N_ACTIONS)
            g += discount * R[s][a]
            s = P[s][a]
            if terminal[s]:
                break
            discount *= gamma
        return g

    def _backup(self, path: list[int], g: float) -> None:
        """G_j = R(s_j, a_j) + γ G_{j+1} up the path; N += 1 and Σ G += G_j per node."""
        for node in reversed(path):
            self.visits[node] += 1
            self.value_sum[node] += g
            parent = self.parent[node]
            if parent >= 0:
                g = self.R[self.state[parent]][self.action[node]] + self.gamma * g

    # ---- reading the root -------------------------------------------------------------
    def root_visits(self) -> np.ndarray:
        """(4,) N(root, a); 0 for untried actions."""
        return np.array([self.visits[c] if c >= 0 else 0 for c in self.children[:N_ACTIONS]],
                        dtype=float)

    def root_q(self) -> np.ndarray:
        """(4,) Q(root, a) = R(s, a) + γ V(child); NaN for untried actions."""
        s = self.state[0]
        q = np.full(N_ACTIONS, np.nan)
        for a, child in enumerate(self.children[:N_ACTIONS]):
            if child >= 0 and self.visits[child] > 0:
                q[a] = self.R[s][a] + self.gamma * self.value_sum[child] / self.visits[child]
        return q

    def root_value(self) -> float:
        """max_a Q(root, a) over the tried actions (0.0 before the first simulation)."""
        q = self.root_q()
        return float(np.nanmax(q)) if np.isfinite(q).any() else 0.0

    def best_action(self) -> int:
        """The root action with the most visits (ties: the higher Q, then the first)."""
        counts, q = self.root_visits(), self.root_q()
        if counts.max() <= 0:
            raise RuntimeError("no simulation has been run from the root yet")
        order = sorted(range(N_ACTIONS), key=lambda a: (-counts[a], -np.nan_to_num(q[a])))
        return order[0]

    # ---- re-rooting -----------------------------------------------------------------------
    def advance(self, action: int) -> None:
        """Make the child after ``action`` the root, keeping its subtree (renumbered)."""
        child = self.children[action] if 0 <= action < N_ACTIONS else -1
        if child < 0:                                # never tried: start afresh there
            self.reset(self.P[self.state[0]][action])
            return
        order, stack = [], [child]                   # preorder walk of the subtree
        while stack:
            node = stack.pop()
            order.append(node)
            base = N_ACTIONS * node
            stack.extend(c for c in reversed(self.children[base:base + N_ACTIONS]) if c >= 0)
        new_index = {old: new for new, old in enumerate(order)}
        new_index[-1] = -1
        old = {name: getattr(self, name) for name in (*_INT_FIELDS, "value_sum")}
        self.state = array("q", (old["state"][i] for i in order))
        self.parent = array("q", (new_index.get(old["parent"][i], -1) for i in order))
        self.action = array("q", (old["action"][i] for i in order))
        self.parent[0] = self.action[0] = -1
        self.visits = array("q", (old["visits"][i] for i in order))
        self.ends = array("q", (old["ends"][i] for i in order))
        self.value_sum = array("d", (old["value_sum"][i] for i in order))
        self.children = array("q", (new_index.get(old["children"][N_ACTIONS * i + a], -1)
                                    for i in order for a in range(N_ACTIONS)))

    # ---- numpy views for snapshots and persistence -------------------------------------
    def numpy(self, name: str) -> np.ndarray:
        """A numpy copy of one node array (``children`` comes as (n, 4))."""
        arr = getattr(self, name)
        out = np.frombuffer(arr, dtype=np.float64 if name == "value_sum" else np.int64).copy()
        return out.reshape(-1, N_ACTIONS) if name == "children" else out

    def state_dict(self) -> dict[str, Any]:
        return {name: torch.from_numpy(self.numpy(name).ravel())
                for name in (*_INT_FIELDS, "value_sum")}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in _INT_FIELDS:
            setattr(self, name, array("q", state[name].numpy().astype(np.int64).tobytes()))
        self.value_sum = array("d", state["value_sum"].numpy().astype(np.float64).tobytes())


def search(env: GridWorld, state: int, simulations: int, rng: np.random.Generator,
           gamma: float = 0.95, exploration_c: float = 1.4,
           rollout_depth: int = 40) -> SearchTree:
    """Run ``simulations`` UCT simulations from ``state``; returns the tree."""
    check_gamma(env, gamma)
    P, R, terminal = env.model()
    tree = SearchTree(P, R, terminal, gamma, exploration_c, rollout_depth, rng, state)
    for _ in range(simulations):
        tree.simulate()
    return tree


# ---- the demo ---------------------------------------------------------------------------
class MCTSEngine(Engine):
    """The agent plans each move with MCTS in the known model and moves in the maze.

    One ``train_step`` is one simulation from the current root. After
    ``simulations_per_move`` of them the agent takes the most visited root action in the
    real world (the same maze) and the tree is re-rooted at that child. Reaching the
    treasure or the move cap ends the episode: its (undiscounted) return is recorded, the
    agent goes back to the start and the tree is rebuilt from scratch.
    """

    Config = MCTSConfig
    divergence_advice = "Try a discount γ < 1 or a smaller rollout depth."

    def __init__(self, cfg: MCTSConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.history = MetricHistory(stride=HISTORY_EVERY)
        self.env = maze_world(cfg.maze_size, cfg.maze_size, cfg.seed)
        self.env.validate()
        check_gamma(self.env, cfg.gamma)       # γ = 1 needs terminal states (GAMMA_MESSAGE)
        # The maze uses default_rng(seed); the search its own stream from the same seed.
        self.rng = np.random.default_rng([cfg.seed, 1])
        self.P, self.R, self.terminal = self.env.model()
        self.tree = SearchTree(self.P, self.R, self.terminal, cfg.gamma, cfg.exploration_c,
                               cfg.rollout_depth, self.rng, self.env.start_state)
        self.agent = self.env.start_state
        self.trajectory = [self.agent]
        self.moves = 0                 # real moves in this episode
        self.sims_this_move = 0        # simulations since the last real move
        self.episode_return = 0.0      # undiscounted, of the running episode
        self.episodes = 0
        self.last_return = 0.0         # of the last finished episode
        self.last_length = 0
        self._start = np.array(self.env.start, dtype=np.int64)
        self._start.flags.writeable = False

    def _refresh_model(self) -> None:
        """Rebuild (P, R, terminal) from the (edited) maze, for the agent and the search."""
        self.P, self.R, self.terminal = self.env.model()
        self.tree.set_model(self.P, self.R, self.terminal)

    # ---- stepping ---------------------------------------------------------------------------
    def train_step(self) -> None:
        self.tree.simulate()
        self.sims_this_move += 1
        if self.sims_this_move >= self.cfg.simulations_per_move:
            self._move()

    def _move(self) -> None:
        """Take the most visited root action in the real world; re-root or end the episode."""
        action = self.tree.best_action()
        s = self.agent
        self.agent = int(self.P[s, action])
        self.episode_return += float(self.R[s, action])
        self.moves += 1
        self.sims_this_move = 0
        self.trajectory.append(self.agent)
        if self.terminal[self.agent] or self.moves >= self.cfg.max_episode_steps:
            self._end_episode()
        else:
            self.tree.advance(action)

    def _end_episode(self) -> None:
        self.episodes += 1
        self.last_return, self.last_length = self.episode_return, self.moves
        self.episode_return, self.moves, self.sims_this_move = 0.0, 0, 0
        self.agent = self.env.start_state
        self.trajectory = [self.agent]
        self.tree.reset(self.agent)

    # ---- mouse edits ------------------------------------------------------------------------
    def apply_edit(self, change: dict) -> None:
        """Apply a panel edit ({"kind": "toggle_wall" | "set_reward", "cell", "value"}).

        A refused edit raises ValueError from :func:`edit_world` and changes nothing.
        Otherwise the model (P, R, terminal) is rebuilt and the tree discarded: its
        statistics were collected in the old model. If the agent now stands in a wall (or on
        a new treasure, a terminal state) its episode ends and it restarts at the start.
        """
        edit_world(self.env, change)
        self._refresh_model()
        row, col = self.env.cell(self.agent)
        if self.env.walls[row, col] or self.terminal[self.agent]:
            self._end_episode()
        else:
            self.sims_this_move = 0
            self.tree.reset(self.agent)

    # ---- read-outs --------------------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        return {"episode_return": self.last_return, "episode_length": float(self.last_length),
                "tree_size": float(len(self.tree)), "root_value": self.tree.root_value()}

    def metrics(self) -> dict[str, float]:
        """All the numbers of a snapshot (finite floats)."""
        return {"simulations": float(self.tree.visits[0]), "tree_size": float(len(self.tree)),
                "root_value": self.tree.root_value(), "moves": float(self.moves),
                "episode_return": self.last_return,
                "episode_length": float(self.last_length), "episodes": float(self.episodes)}

    def snapshot(self, final: bool = False) -> Snapshot:
        """A pure read: numpy copies of the maze, the agent's path and the tree."""
        h, w = self.env.shape
        tree = self.tree
        states, visits = tree.numpy("state"), tree.numpy("visits").astype(float)
        parents = tree.numpy("parent")[1:]            # node 0 is the root: no edge into it
        edges = np.stack([*np.divmod(states[parents], w), *np.divmod(states[1:], w)], axis=1)
        arrays = {
            "walls": self.env.walls.copy(), "rewards": self.env.rewards.copy(),
            "start": self._start,
            "agent": np.array(self.env.cell(self.agent), dtype=np.int64),
            "trajectory": np.array([self.env.cell(s) for s in self.trajectory],
                                   dtype=np.int64).reshape(-1, 2),
            "visits": np.bincount(states, weights=visits, minlength=h * w).reshape(h, w),
            "root_visits": tree.root_visits(), "root_q": tree.root_q(),
            "edges": edges.astype(np.int64).reshape(-1, 4), "edge_visits": visits[1:],
        }
        return Snapshot(step=self.step, epoch=self.episodes, metrics=self.metrics(),
                        arrays=arrays, history=self.history.arrays(), final=final)

    # ---- persistence ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "tree": self.tree.state_dict(),
                "rng": self.rng.bit_generator.state, "agent": self.agent,
                "trajectory": list(self.trajectory), "moves": self.moves,
                "sims_this_move": self.sims_this_move, "episode_return": self.episode_return,
                "episodes": self.episodes, "last_return": self.last_return,
                "last_length": self.last_length,
                "walls": torch.from_numpy(self.env.walls.copy()),
                "rewards": torch.from_numpy(self.env.rewards.copy())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        walls, rewards = state["walls"].numpy(), state["rewards"].numpy()
        if walls.shape != self.env.shape:
            raise ValueError(f"saved maze {walls.shape} does not fit this maze "
                             f"{self.env.shape}")
        self.load_base_state(state)
        self.env.walls[...], self.env.rewards[...] = walls, rewards   # keeps the edits
        self._refresh_model()
        self.tree.load_state_dict(state["tree"])
        self.rng.bit_generator.state = state["rng"]
        self.agent = int(state["agent"])
        self.trajectory = [int(s) for s in state["trajectory"]]
        self.moves, self.sims_this_move = int(state["moves"]), int(state["sims_this_move"])
        self.episode_return = float(state["episode_return"])
        self.episodes = int(state["episodes"])
        self.last_return = float(state["last_return"])
        self.last_length = int(state["last_length"])
