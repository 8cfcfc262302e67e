"""A deterministic grid world and a random Prim maze generator.

States are the flat cell indices s = row * W + col. The agent moves up / down / left / right;
a move into a wall or off the grid leaves it where it is (optionally with a bump penalty).
The reward of a transition is the reward of the cell it ends in (Sutton/Barto convention
r_{t+1} = r(s_t, a_t, s_{t+1})). With ``terminal_on_treasure`` every open cell with a
positive reward ends the episode; terminal states are absorbing with zero reward, so the
return after reaching them is zero and V(terminal) = 0.

With ``chests_vanish`` the treasures are chests that pay once and disappear; the episode
ends when all are collected. Where the agent stands no longer tells what it can still
earn, so the state must also say which chests are gone (the Markov property): with k
chests, s = mask * (H * W) + cell, mask the k-bit set of collected chests, 2^k "layers" of
the maze.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from engines.edits import Edit
from engines.rl.edits import MAZE_EDITS, SetWorld, ToggleWall

ACTIONS = ("up", "down", "left", "right")
#: (d_row, d_col) of each action, in the order of ACTIONS.
MOVES = np.array([[-1, 0], [1, 0], [0, -1], [0, 1]])
N_ACTIONS = len(ACTIONS)


@dataclass
class GridWorld:
    """Grid of open cells and walls with a reward per cell.

    walls: (H, W) bool; rewards: (H, W) float (treasures > 0); start: (row, col).
    """

    walls: np.ndarray
    rewards: np.ndarray
    start: tuple[int, int]
    terminal_on_treasure: bool = True
    bump_penalty: float = 0.0
    chests_vanish: bool = False

    #: With vanishing chests the state space has 2^k layers: k is kept small.
    MAX_CHESTS = 6

    def __post_init__(self) -> None:
        self.walls = np.array(self.walls, dtype=bool)
        self.rewards = np.array(self.rewards, dtype=float)
        if self.walls.ndim != 2 or self.walls.shape != self.rewards.shape:
            raise ValueError(f"walls {self.walls.shape} and rewards {self.rewards.shape} "
                             "must be 2D arrays of the same shape")
        self.start = (int(self.start[0]), int(self.start[1]))
        self._check_cell(self.start)
        if self.walls[self.start]:
            raise ValueError(f"the start cell {self.start} is a wall")

    # ---- geometry -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return self.walls.shape

    @property
    def n_cells(self) -> int:
        return self.walls.size

    def chest_cells(self) -> np.ndarray:
        """Flat indices of the vanishing chests (open cells with a positive reward)."""
        if not self.chests_vanish:
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero((self.rewards > 0) & ~self.walls)

    @property
    def n_layers(self) -> int:
        """1, or 2^k with k vanishing chests: one maze layer per set of collected chests."""
        return 2 ** len(self.chest_cells()) if self.chests_vanish else 1

    @property
    def n_states(self) -> int:
        return self.n_cells * self.n_layers

    def index(self, cell: tuple[int, int]) -> int:
        """State of a cell with no chest collected yet."""
        return int(cell[0]) * self.shape[1] + int(cell[1])

    def cell(self, s: int) -> tuple[int, int]:
        return divmod(int(s) % self.n_cells, self.shape[1])

    def layer(self, s: int) -> int:
        """The collected-chests mask of a state (0 without vanishing chests)."""
        return int(s) // self.n_cells

    def layer_states(self, layer: int) -> slice:
        """The states of one layer, in cell order (index with it to get an (H*W,) view)."""
        return slice(layer * self.n_cells, (layer + 1) * self.n_cells)

    @property
    def start_state(self) -> int:
        return self.index(self.start)

    def _check_cell(self, cell: tuple[int, int]) -> None:
        h, w = self.shape
        if not (0 <= cell[0] < h and 0 <= cell[1] < w):
            raise ValueError(f"cell {tuple(cell)} is outside the {h}x{w} grid")

    def terminal_mask(self) -> np.ndarray:
        """(S,) bool: states that end an episode: open treasure cells (if so configured),
        or with vanishing chests every cell of the all-collected layer."""
        if self.chests_vanish:
            done = np.zeros(self.n_states, dtype=bool)
            if len(self.chest_cells()):
                done[self.layer_states(self.n_layers - 1)] = True
            return done
        if not self.terminal_on_treasure:
            return np.zeros(self.n_states, dtype=bool)
        return ((self.rewards > 0) & ~self.walls).ravel()

    def open_states(self) -> np.ndarray:
        """(S,) bool: states on open cells that do not end the episode."""
        return np.tile(~self.walls.ravel(), self.n_layers) & ~self.terminal_mask()

    def reachable_states(self) -> np.ndarray:
        """(S,) bool: non-terminal states whose cell can be reached from the start."""
        return np.tile(self.reachable_mask().ravel(), self.n_layers) & ~self.terminal_mask()

    # ---- dynamics -------------------------------------------------------------------
    def step(self, states, actions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vectorised transition of many environments: (next states, rewards, done)."""
        states = np.asarray(states, dtype=np.int64)
        actions = np.asarray(actions, dtype=np.int64)
        h, w = self.shape
        cells, layers = states % self.n_cells, states // self.n_cells
        row, col = np.divmod(cells, w)
        new_row = row + MOVES[actions, 0]
        new_col = col + MOVES[actions, 1]
        inside = (new_row >= 0) & (new_row < h) & (new_col >= 0) & (new_col < w)
        new_row, new_col = np.clip(new_row, 0, h - 1), np.clip(new_col, 0, w - 1)
        blocked = ~inside | self.walls[new_row, new_col]
        nxt_cell = np.where(blocked, cells, new_row * w + new_col)
        reward = self.rewards.ravel()[nxt_cell]
        if self.chests_vanish:
            # a chest pays once: its bit in the layer mask says it is gone
            chest_bit = np.zeros(self.n_cells, dtype=np.int64)
            chests = self.chest_cells()
            chest_bit[chests] = 1 << np.arange(len(chests))
            bit = chest_bit[nxt_cell]
            reward = np.where((layers & bit) != 0, 0.0, reward)
            layers = layers | bit
        reward = reward - self.bump_penalty * blocked
        nxt = layers * self.n_cells + nxt_cell
        # Terminal states (and walls, which are never entered) are absorbing, reward 0.
        terminal = self.terminal_mask()
        stuck = terminal[states] | self.walls.ravel()[cells]
        nxt = np.where(stuck, states, nxt)
        reward = np.where(stuck, 0.0, reward)
        return nxt, reward, terminal[nxt]

    def transition(self, s: int, a: int) -> tuple[int, float, bool]:
        """Deterministic single transition s, a -> (s', r, done)."""
        nxt, reward, done = self.step(np.array([s]), np.array([a]))
        return int(nxt[0]), float(reward[0]), bool(done[0])

    def model(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Full tabular model for DP: P (S, 4) next-state indices, R (S, 4), terminal (S,)."""
        s = np.repeat(np.arange(self.n_states), N_ACTIONS)
        a = np.tile(np.arange(N_ACTIONS), self.n_states)
        nxt, reward, _ = self.step(s, a)
        shape = (self.n_states, N_ACTIONS)
        return nxt.reshape(shape), reward.reshape(shape), self.terminal_mask()

    # ---- reachability ---------------------------------------------------------------
    def reachable_mask(self) -> np.ndarray:
        """(H, W) bool: open cells reachable from the start (BFS; not through terminals)."""
        stop = None if self.chests_vanish else self.terminal_mask().reshape(self.shape)
        return bfs_distances(self.walls, self.start, stop=stop) >= 0

    def reachable_rewards(self) -> list[tuple[int, int]]:
        """Cells with a positive reward that the agent can reach from the start."""
        cells = np.argwhere(self.reachable_mask() & (self.rewards > 0))
        return [tuple(int(x) for x in c) for c in cells]

    def validate(self) -> None:
        """Raise ValueError when there is nothing to learn: no positive reward reachable
        (or, with vanishing chests, more chests than the state space can hold)."""
        if len(self.chest_cells()) > self.MAX_CHESTS:
            raise ValueError(f"at most {self.MAX_CHESTS} vanishing chests (each doubles the "
                             f"states), got {len(self.chest_cells())}")
        if not self.reachable_rewards():
            n = int(((self.rewards > 0) & ~self.walls).sum())
            raise ValueError(
                f"no reachable reward: none of the {n} open cells with a positive reward "
                f"can be reached from the start {self.start}; remove a wall or place a "
                "treasure in the start's region")

    # ---- editing --------------------------------------------------------------------
    def toggle_wall(self, cell: tuple[int, int]) -> bool:
        """Turn an open cell into a wall or back; returns the new wall flag."""
        cell = (int(cell[0]), int(cell[1]))
        self._check_cell(cell)
        if cell == self.start:
            raise ValueError(f"cannot put a wall on the start cell {cell}")
        self.walls[cell] = not self.walls[cell]
        return bool(self.walls[cell])

    def set_reward(self, cell: tuple[int, int], value: float) -> None:
        cell = (int(cell[0]), int(cell[1]))
        self._check_cell(cell)
        if self.walls[cell]:
            raise ValueError(f"cell {cell} is a wall; open it before giving it a reward")
        self.rewards[cell] = float(value)

    def copy(self) -> "GridWorld":
        return GridWorld(self.walls.copy(), self.rewards.copy(), self.start,
                         self.terminal_on_treasure, self.bump_penalty, self.chests_vanish)


def bfs_distances(walls: np.ndarray, start: tuple[int, int],
                  stop: np.ndarray | None = None) -> np.ndarray:
    """(H, W) int: steps from start to every open cell (-1 if unreachable).

    Cells flagged in ``stop`` are reached but not expanded (an episode ends there).
    """
    h, w = walls.shape
    dist = np.full((h, w), -1, dtype=np.int64)
    dist[start] = 0
    queue = deque([tuple(start)])
    while queue:
        r, c = queue.popleft()
        if stop is not None and stop[r, c] and (r, c) != tuple(start):
            continue
        for dr, dc in MOVES:
            nr, nc = r + dr, c + dc
            if 0 <= nr < h and 0 <= nc < w and not walls[nr, nc] and dist[nr, nc] < 0:
                dist[nr, nc] = dist[r, c] + 1
                queue.append((nr, nc))
    return dist


def prim_maze(h: int, w: int, seed: int) -> np.ndarray:
    """Random perfect maze by randomised Prim: (h, w) bool walls, h and w odd (>= 3).

    Rooms sit at odd (row, col); the border is all wall. Starting from room (1, 1), a
    random frontier room is joined to a random already-open neighbour room by opening the
    wall between them, until every room is open: the open cells form a tree, so they are
    all connected and every pair is joined by exactly one path.
    """
    if h < 3 or w < 3 or h % 2 == 0 or w % 2 == 0:
        raise ValueError(f"maze size must be odd and >= 3, got {h}x{w}")
    rng = np.random.default_rng(seed)
    walls = np.ones((h, w), dtype=bool)
    steps = ((-2, 0), (2, 0), (0, -2), (0, 2))

    def rooms_around(r, c):
        return [(r + dr, c + dc) for dr, dc in steps if 0 < r + dr < h and 0 < c + dc < w]

    walls[1, 1] = False
    frontier: list[tuple[int, int]] = []
    in_frontier: set[tuple[int, int]] = set()

    def add_frontier(r, c):
        for room in rooms_around(r, c):
            if walls[room] and room not in in_frontier:
                in_frontier.add(room)
                frontier.append(room)

    add_frontier(1, 1)
    while frontier:
        room = frontier.pop(int(rng.integers(len(frontier))))
        open_rooms = [n for n in rooms_around(*room) if not walls[n]]
        nr, nc = open_rooms[int(rng.integers(len(open_rooms)))]
        walls[room] = False
        walls[(room[0] + nr) // 2, (room[1] + nc) // 2] = False
        add_frontier(*room)
    return walls


def maze_world(h: int, w: int, seed: int, treasure: float = 1.0, treasures: int = 1,
               **kwargs) -> GridWorld:
    """A Prim maze with the start at (1, 1), one treasure at the farthest open cell and
    ``treasures − 1`` more in random dead ends (cells with one open neighbour)."""
    walls = prim_maze(h, w, seed)
    dist = bfs_distances(walls, (1, 1))
    far = np.unravel_index(int(np.argmax(dist)), dist.shape)   # first farthest: deterministic
    rewards = np.zeros((h, w))
    rewards[far] = treasure
    if treasures > 1:
        padded = np.pad(~walls, 1)
        neighbours = (padded[:-2, 1:-1].astype(int) + padded[2:, 1:-1] + padded[1:-1, :-2]
                      + padded[1:-1, 2:])
        dead_ends = np.argwhere(~walls & (neighbours == 1) & (dist >= 2) & (rewards == 0))
        rng = np.random.default_rng([seed, 7])
        for row, col in rng.permutation(dead_ends)[:treasures - 1]:
            rewards[row, col] = treasure
    return GridWorld(walls, rewards, (1, 1), **kwargs)


# ---- edits from the panel (mouse clicks), also mid-run ----------------------------------
def edit_world(env: GridWorld, change: Edit) -> None:
    """Apply one edit of engines.rl.edits: ToggleWall(cell), SetReward(cell, value) or
    SetWorld(walls, rewards) (a whole edited maze at once, e.g. carried over to a new run).

    Raises ValueError with a message for the panel, and leaves the world unchanged, when
    the edit is impossible (a wall on the start) or leaves nothing to learn (no reward
    reachable from the start any more).
    """
    if not isinstance(change, MAZE_EDITS):
        known = ", ".join(kind.__name__ for kind in MAZE_EDITS)
        raise ValueError(f"unknown edit {type(change).__name__}; known: {known}")
    walls, rewards = env.walls.copy(), env.rewards.copy()
    if isinstance(change, SetWorld):
        new_walls = np.asarray(change.walls, dtype=bool)
        new_rewards = np.asarray(change.rewards, dtype=float)
        if new_walls.shape != env.shape or new_rewards.shape != env.shape:
            raise ValueError(f"edit refused: the maze is {env.shape}, not {new_walls.shape}")
        if new_walls[env.start]:
            raise ValueError(f"edit refused: the start cell {env.start} is a wall")
        env.walls[...], env.rewards[...] = new_walls, np.where(new_walls, 0.0, new_rewards)
        _validate_or_revert(env, walls, rewards)
        return
    cell = tuple(int(x) for x in change.cell)
    if isinstance(change, ToggleWall):
        env.toggle_wall(cell)
        if env.walls[cell]:
            env.rewards[cell] = 0.0   # a wall holds no treasure
    else:
        env.set_reward(cell, float(change.value))
    _validate_or_revert(env, walls, rewards)


def _validate_or_revert(env: GridWorld, walls: np.ndarray, rewards: np.ndarray) -> None:
    try:
        env.validate()
    except ValueError as exc:
        env.walls[...], env.rewards[...] = walls, rewards
        raise ValueError(f"edit refused: {exc}") from None
