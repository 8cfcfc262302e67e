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

import gc
import math
from operator import attrgetter
from typing import Any

import numpy as np
import torch

from engines.edits import Edit
from engines.rl.configs import MCTSConfig
from engines.rl.dp import check_gamma
from engines.rl.gridworld import N_ACTIONS, GridWorld, edit_world, maze_world
from engines.runtime import Engine, MetricHistory, Snapshot

#: Metric history is recorded every HISTORY_EVERY simulations (times the thinning).
HISTORY_EVERY = 10

#: The per-node fields of :meth:`SearchTree.numpy` and of the saved state.
_FIELDS = ("state", "parent", "action", "visits", "ends", "value_sum", "children")


class Node:
    """One node of the search tree: the state reached by one path of actions from the root.

    ``visits`` is N(n), the simulations through n; ``value_sum`` is Σ G, the sum of their
    returns from n, so V(n) = value_sum / visits; ``ends`` counts the simulations that
    ended in n (its expansion with the rollout from it, or arriving in a terminal node);
    ``children[a]`` is the node after action a, None while a is untried. Every simulation
    ends in exactly one node, hence  visits = Σ_a children[a].visits + ends.

    ``index`` is the node's position in :attr:`SearchTree.nodes` and ``parent`` the
    parent's index there (-1 at the root): numbers, not references, so the tree has no
    reference cycles and a discarded subtree is freed at once.
    """

    __slots__ = ("state", "parent", "action", "children", "visits", "ends", "value_sum",
                 "index")

    def __init__(self, state: int, parent: int = -1, action: int = -1, index: int = 0):
        self.state = state          # flat cell index s of this node
        self.parent = parent        # index of the parent node, -1 at the root
        self.action = action        # the parent's action that leads here (-1 at the root)
        self.children: list[Node | None] = [None] * N_ACTIONS
        self.visits = 0             # N(n)
        self.ends = 0
        self.value_sum = 0.0        # Σ G over the simulations through n
        self.index = index          # position in SearchTree.nodes (for arrays)


class SearchTree:
    """UCT search tree over the deterministic tabular model (P, R, terminal).

    ``root`` is the node of the current state; ``nodes`` lists every node in the order it
    was added (``nodes[0]`` is the root), which numbers them for the snapshot's arrays.
    The model is held as Python lists: fast lookups in the hot loop.
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
        """Use a new model (after an edit): s' = P[s][a], r = R[s][a], terminal[s]."""
        self.P = np.asarray(P, dtype=np.int64).tolist()
        self.R = np.asarray(R, dtype=float).tolist()
        self.terminal = np.asarray(terminal, dtype=bool).tolist()

    def reset(self, root_state: int) -> None:
        """Discard everything: a tree holding only the root (no visits yet)."""
        self.root = Node(int(root_state))
        self.nodes = [self.root]

    def expand(self, node: Node, action: int) -> Node:
        """Add the successor of (node, action) as a new leaf."""
        child = Node(self.P[node.state][action], node.index, action, len(self.nodes))
        node.children[action] = child
        self.nodes.append(child)
        return child

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def root_state(self) -> int:
        return self.root.state

    # ---- one simulation ------------------------------------------------------------------
    def simulate(self) -> None:
        """Selection, expansion, rollout and backup of one simulated episode.

        The random numbers of a simulation are drawn at once: u_0 picks the untried action
        to expand, u_1 ... u_depth the rollout's actions (a = floor(4 u)). The generator
        thus advances the same way whatever happens in the simulation.
        """
        terminal = self.terminal
        uniforms = self.rng.random(self.rollout_depth + 1).tolist()
        node = self.root
        path = [node]
        g = 0.0
        while not terminal[node.state]:         # a terminal node ends it with G = 0
            action, untried = self.select(node, uniforms[0])
            if untried:                          # 2. expansion: one new node ...
                node = self.expand(node, action)
                path.append(node)
                g = self.rollout(node.state, uniforms[1:])   # 3. ... and a rollout from it
                break
            node = node.children[action]         # 1. selection: down the tree by UCT
            path.append(node)
        node.ends += 1
        self.backup(path, g)                     # 4. backup

    def select(self, node: Node, u: float) -> tuple[int, bool]:
        """(action, untried?): an untried action (picked by u in [0, 1)), else UCT's."""
        children = node.children
        untried = [a for a in range(N_ACTIONS) if children[a] is None]
        if untried:
            return untried[int(u * len(untried))], True
        return self.uct_action(node), False

    def uct_action(self, node: Node) -> int:
        """a = argmax_a [ Q(s, a) + c · sqrt( ln N(s) / N(s, a) ) ]; all actions tried.

        Q(s, a) = R(s, a) + γ V(child) is the mean return after a; N(s, a) = N(child);
        N(s) = Σ_a N(s, a). The first maximum wins a tie.
        """
        gamma, c = self.gamma, self.c
        rewards = self.R[node.state]                          # R(s, ·)
        children = node.children
        log_n = math.log(sum(child.visits for child in children))   # ln N(s)
        best, best_a = -math.inf, 0
        for a in range(N_ACTIONS):
            child = children[a]
            n_sa = child.visits                                     # N(s, a)
            q = rewards[a] + gamma * child.value_sum / n_sa         # Q(s, a)
            ucb = q + c * math.sqrt(log_n / n_sa)
            if ucb > best:
                best, best_a = ucb, a
        return best_a

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

    def backup(self, path: list[Node], g: float) -> None:
        """G_j = R(s_j, a_j) + γ G_{j+1} up the path n_0 (root), ..., n_L, G_L = the
        rollout's return; every node on it gets N += 1 and Σ G += G_j."""
        R, gamma = self.R, self.gamma
        for j in range(len(path) - 1, -1, -1):
            node = path[j]
            node.visits += 1
            node.value_sum += g
            if j:                                    # a_{j-1} led from n_{j-1} to n_j
                g = R[path[j - 1].state][node.action] + gamma * g

    # ---- reading the root -------------------------------------------------------------
    def root_visits(self) -> np.ndarray:
        """(4,) N(root, a); 0 for untried actions."""
        return np.array([child.visits if child is not None else 0
                         for child in self.root.children], dtype=float)

    def root_q(self) -> np.ndarray:
        """(4,) Q(root, a) = R(s, a) + γ V(child); NaN for untried actions."""
        rewards = self.R[self.root.state]
        q = np.full(N_ACTIONS, np.nan)
        for a, child in enumerate(self.root.children):
            if child is not None and child.visits > 0:
                q[a] = rewards[a] + self.gamma * child.value_sum / child.visits
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
        child = self.root.children[action] if 0 <= action < N_ACTIONS else None
        if child is None:                              # never tried: start afresh there
            self.reset(self.P[self.root.state][action])
            return
        child.action = -1
        self.root = child
        self.nodes = []                                # preorder walk of the subtree
        stack = [(child, -1)]                          # (node, its parent's new index)
        while stack:
            node, node.parent = stack.pop()
            node.index = len(self.nodes)
            self.nodes.append(node)
            stack.extend((c, node.index) for c in reversed(node.children) if c is not None)

    # ---- numpy views for snapshots and persistence -------------------------------------
    def numpy(self, name: str) -> np.ndarray:
        """One field of every node, in node order, as a new numpy array.

        ``parent`` gives the parent's index (-1 at the root); ``children`` an (n, 4) array
        of child indices (-1: untried), rebuilt from the parent and action links.
        """
        nodes = self.nodes
        if name == "children":
            parent, action = self.numpy("parent"), self.numpy("action")
            out = np.full((len(nodes), N_ACTIONS), -1, dtype=np.int64)
            out[parent[1:], action[1:]] = np.arange(1, len(nodes))
            return out
        dtype = np.float64 if name == "value_sum" else np.int64
        return np.fromiter(map(attrgetter(name), nodes), dtype, len(nodes))

    def state_dict(self) -> dict[str, Any]:
        return {name: torch.from_numpy(self.numpy(name).ravel()) for name in _FIELDS}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Rebuild the nodes; a parent always comes before its children in node order."""
        nodes: list[Node] = []
        columns = [state[name].tolist() for name in _FIELDS[:-1]]
        # Creating many objects at once would trigger full garbage collections of the
        # whole (torch-sized) heap, which cost far more than the build itself; the tree
        # has no reference cycles, so nothing is lost by pausing the collector.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for i, (s, p, a, visits, ends, value_sum) in enumerate(zip(*columns)):
                node = Node(s, p, a, i)
                node.visits, node.ends, node.value_sum = visits, ends, value_sum
                if p >= 0:
                    nodes[p].children[a] = node
                nodes.append(node)
        finally:
            if collecting:
                gc.enable()
        self.nodes, self.root = nodes, nodes[0]


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
    def apply_edit(self, change: Edit) -> None:
        """Apply a panel edit (engines.rl.edits: ToggleWall, SetReward, SetWorld).

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
        return {"simulations": float(self.tree.root.visits), "tree_size": float(len(self.tree)),
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
