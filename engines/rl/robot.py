"""Lecture 9.2: the "simple example for policy gradient", trained with REINFORCE.

The environment. A robot lives on a ring of N sites (moving forward from site N−1 leads to
site 0, so moving always makes progress); a target sits on one site. At the start of each
episode the robot's position x and the target's position y are drawn uniformly and
independently (they may coincide). The robot does not see the positions, it only OBSERVES

    s = 1 if it is on the target (x = y),  s = 0 if it is off the target.

Actions: a = 0 stay, a = 1 move one site forward. The reward is r_{t+1} = 1 when the robot
is on the target after its action a_t, else 0; an episode has T actions, so the return
R = Σ_{t=1}^T r_t is the number of time steps spent on the target. The best policy is
obvious: move while off the target, stay once on it.

Policy gradient. With a policy π_θ(a|s) we maximise E_π(R) = Σ_τ R(τ) P_θ(τ) over the
trajectories τ = s_0, a_0, s_1, a_1, ..., s_T. The transitions P(s_{t+1}|s_t, a_t) do not
depend on θ, so
    ∂_θ ln P_θ(τ) = Σ_{t=0}^{T−1} ∂_θ ln π_θ(a_t|s_t)
and ("REINFORCE")
    ∂_θ E_θ(R) = E_π( R Σ_t ∂_θ ln π_θ(a_t|s_t) ).
For any X depending only on s_0 ... s_t (and earlier actions), E_π(∂_θ ln π_θ(a_t|s_t) X) = 0
because Σ_a π_θ(a|s) ∂_θ ln π_θ(a|s) = ∂_θ Σ_a π_θ(a|s) = 0. Hence the rewards collected
before time t can be dropped: ONLY THE FUTURE RETURN MATTERS,
    ∂_θ E_θ(R) = Σ_t E_π( R_{t+1} ∂_θ ln π_θ(a_t|s_t) ),   R_{t+1} = r_{t+1} + ... + r_T,
which fluctuates less than R. The lecture then uses the discounted future return
R^{(γ)}_{t+1} = Σ_{k≥t+1} γ^{k−t−1} r_k as an approximation, and a baseline B(s_t, t) may be
subtracted (for the same reason, it does not change the expectation) to reduce the
variance. The update with learning rate η is

    δθ = η Σ_{t=0}^{T−1} E_π[ (R^{(γ)}_{t+1} − B) ∂_θ ln π_θ(a_t|s_t) ],

the expectation replaced by the mean over a batch of episodes played with π_θ.

Here the policy depends on the observation only, so it is described by two numbers,
p_off = π(move|s=0) and p_on = π(move|s=1), and its expected return can be computed exactly
(:func:`expected_return`), which the engine shows next to the sampled returns.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from engines.rl.configs import POLICIES, RobotConfig
from engines.nn_basics.mlp import MLP
from engines.runtime import Engine, Snapshot

STAY, MOVE = 0, 1
OFF, ON = 0, 1
DTYPE = torch.float64


# ---- the environment ------------------------------------------------------------------------
@dataclass
class Episodes:
    """A batch of M episodes of T steps (all numpy).

    positions (M, T+1) robot sites x_0 ... x_T; targets (M,) the target sites;
    observations (M, T) s_0 ... s_{T−1}; actions (M, T) a_0 ... a_{T−1};
    rewards (M, T) r_1 ... r_T (column t holds r_{t+1}, the reward for action a_t).
    """

    positions: np.ndarray
    targets: np.ndarray
    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    @property
    def returns(self) -> np.ndarray:
        """R = Σ_t r_t of every episode (the number of steps on the target)."""
        return self.rewards.sum(axis=1)


def play_episodes(p_move: np.ndarray, n_sites: int, episode_length: int, n_episodes: int,
                  rng: np.random.Generator) -> Episodes:
    """Play ``n_episodes`` episodes at once with the stationary policy
    π(move|s) = p_move[s], drawing everything from ``rng``.

    Per step: s_t = [x_t = y], a_t = 1 with probability p_move[s_t] (one uniform draw per
    episode), x_{t+1} = (x_t + a_t) mod N, r_{t+1} = [x_{t+1} = y].
    """
    p_move = np.asarray(p_move, dtype=float)
    M, T, N = n_episodes, episode_length, n_sites
    positions = np.empty((M, T + 1), dtype=np.int64)
    positions[:, 0] = rng.integers(N, size=M)
    targets = rng.integers(N, size=M).astype(np.int64)
    observations = np.empty((M, T), dtype=np.int64)
    actions = np.empty((M, T), dtype=np.int64)
    for t in range(T):
        s = (positions[:, t] == targets).astype(np.int64)
        a = (rng.random(M) < p_move[s]).astype(np.int64)
        observations[:, t], actions[:, t] = s, a
        positions[:, t + 1] = (positions[:, t] + a) % N
    rewards = (positions[:, 1:] == targets[:, None]).astype(float)
    return Episodes(positions, targets, observations, actions, rewards)


def on_target_probabilities(p_off: float, p_on: float, n_sites: int,
                            episode_length: int) -> np.ndarray:
    """P(x_t = y) for t = 1 ... T under the stationary policy (p_off, p_on), exactly.

    Only the distance d = (y − x) mod N matters; it starts uniform on {0, ..., N−1}. Staying
    keeps d, moving turns d into d − 1 (and d = 0 into N − 1, leaving the target). So the
    distribution q_t(d) evolves by
        q_{t+1}(d) = (1 − p(d)) q_t(d) + p(d + 1) q_t(d + 1)    (indices mod N)
    with p(0) = p_on, p(d > 0) = p_off, and P(on target at t) = q_t(0).
    """
    N = n_sites
    p = np.full(N, float(p_off))
    p[0] = float(p_on)
    q = np.full(N, 1.0 / N)
    on = np.empty(episode_length)
    for t in range(episode_length):
        moved = q * p
        q = q - moved
        q[:-1] += moved[1:]                    # from d + 1 to d
        q[-1] += moved[0]                      # from the target (d = 0) to d = N − 1
        on[t] = q[0]
    return on


def expected_return(p_off: float, p_on: float, n_sites: int, episode_length: int,
                    gamma: float = 1.0) -> float:
    """E[Σ_{t=1}^T γ^{t−1} r_t] of the stationary policy (p_off, p_on), exactly.

    With γ = 1 (the default) this is E[R], the expected number of steps on the target.
    """
    on = on_target_probabilities(p_off, p_on, n_sites, episode_length)
    return float(np.sum(on * gamma ** np.arange(episode_length)))


def optimal_return(n_sites: int, episode_length: int) -> float:
    """E[R] of the optimal policy: move when off the target (p_off = 1), stay on it (p_on = 0)."""
    return expected_return(1.0, 0.0, n_sites, episode_length)


# ---- policies ---------------------------------------------------------------------------------
class TabularPolicy(nn.Module):
    """π_θ(a|s) = exp θ[s, a] / Σ_b exp θ[s, b]: a 2x2 table of logits."""

    def __init__(self, generator: torch.Generator, init_scale: float = 0.1):
        super().__init__()
        self.theta = nn.Parameter(init_scale * torch.randn(2, 2, generator=generator,
                                                            dtype=DTYPE))

    def logits(self, obs: torch.Tensor) -> torch.Tensor:
        return self.theta[obs]


class NetworkPolicy(nn.Module):
    """π_θ(a|s) = softmax of a small MLP's two outputs; input: the one-hot observation."""

    def __init__(self, hidden: int, generator: torch.Generator):
        super().__init__()
        self.net = MLP(2, 2, depth=1, width=hidden, activation="tanh",
                       generator=generator).to(DTYPE)

    def logits(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(nn.functional.one_hot(obs, 2).to(DTYPE))


def build_policy(kind: str, hidden: int, generator: torch.Generator) -> nn.Module:
    if kind == "tabular":
        return TabularPolicy(generator)
    if kind == "network":
        return NetworkPolicy(hidden, generator)
    raise ValueError(f"unknown policy {kind!r}; use one of {POLICIES}")


BOTH_OBS = torch.tensor([OFF, ON])


def move_probabilities(policy: nn.Module) -> np.ndarray:
    """[π(move|off), π(move|on)] as a float numpy array of shape (2,).

    For two actions the softmax is the logistic function of the logit difference:
    π(move|s) = σ(l_move(s) − l_stay(s)).
    """
    with torch.no_grad():
        logits = policy.logits(BOTH_OBS)
        return torch.sigmoid(logits[:, MOVE] - logits[:, STAY]).numpy().copy()


def score_vectors(policy: nn.Module) -> tuple[torch.Tensor, np.ndarray]:
    """J[2 s + a] = ∂_θ ln π_θ(a|s) for the four (s, a) pairs, flattened: shape (4, P), and
    [π(move|off), π(move|on)] from the same forward pass.

    The policy sees only s ∈ {0, 1}, so these four vectors are all the score functions
    there are; any gradient estimate is a weighted sum of them. With two actions and
    logits l_a(s), ln π(move|s) = l_1 − ln(e^{l_0} + e^{l_1}), so with Δ(s) = l_1(s) − l_0(s)
        ∂_θ ln π(a|s) = ([a = move] − π(move|s)) ∂_θ Δ(s):
    one backward pass per observation.
    """
    params = list(policy.parameters())
    logits = policy.logits(BOTH_OBS)
    delta = logits[:, MOVE] - logits[:, STAY]
    p_move = torch.sigmoid(delta).detach()
    rows = []
    for s in (OFF, ON):
        grads = torch.autograd.grad(delta[s], params, retain_graph=s == OFF)
        d_delta = torch.cat([g.reshape(-1) for g in grads])
        rows += [(0.0 - p_move[s]) * d_delta, (1.0 - p_move[s]) * d_delta]   # a = stay, move
    return torch.stack(rows), p_move.numpy().copy()


# ---- REINFORCE ---------------------------------------------------------------------------------
def returns_to_go(rewards: np.ndarray, gamma: float, reward_to_go: bool) -> np.ndarray:
    """The weight G_t of ∂ ln π(a_t|s_t) in each episode, shape (M, T).

    reward_to_go: G_t = R^{(γ)}_{t+1} = r_{t+1} + γ r_{t+2} + ... + γ^{T−t−1} r_T;
    otherwise the whole episode's return G_t = R^{(γ)}_1 for every t (= R for γ = 1).
    """
    G = np.zeros_like(rewards, dtype=float)
    running = np.zeros(rewards.shape[0])
    for t in range(rewards.shape[1] - 1, -1, -1):
        running = rewards[:, t] + gamma * running
        G[:, t] = running
    if not reward_to_go:
        G = np.repeat(G[:, :1], rewards.shape[1], axis=1)
    return G


def leave_one_out_baseline(G: np.ndarray) -> np.ndarray:
    """B_i(t) = mean of G_j(t) over the OTHER episodes j ≠ i of the batch.

    The mean return(-to-go) at the same time step estimates E[G_t], the simplest useful
    baseline. Leaving episode i out makes B_i independent of episode i's actions, so
    E[B_i ∂ ln π(a_t^i|s_t^i)] = 0 holds exactly and the estimate stays unbiased (a plain
    batch mean including episode i would shrink the gradient by a factor (M−1)/M).
    """
    M = G.shape[0]
    if M < 2:
        raise ValueError("a leave-one-out baseline needs at least 2 episodes")
    return (G.sum(axis=0, keepdims=True) - G) / (M - 1)


@dataclass
class GradientEstimate:
    """The REINFORCE estimate from one batch.

    per_sample (M, P): g_i = Σ_t (G_t − B_t) ∂_θ ln π_θ(a_t|s_t) of episode i;
    mean (P,): their average, the estimate of ∂_θ E(R) used for the update;
    variance: per-sample variance of g_i, averaged over the P parameters.
    """

    mean: torch.Tensor
    per_sample: np.ndarray
    variance: float


def reinforce_gradient(scores: torch.Tensor, episodes: Episodes, gamma: float = 1.0,
                       reward_to_go: bool = True, baseline: bool = True) -> GradientEstimate:
    """Σ_t (G_t − B_t) ∂_θ ln π_θ(a_t|s_t) per episode, and its batch mean.

    Since ∂ ln π(a|s) takes only four values, g_i = Σ_{s,a} W_i[s, a] J[s, a] with the
    weights W_i[s, a] = Σ_t (G_t − B_t) [s_t = s, a_t = a]: exact per-episode gradients
    whatever the batch size. ``scores`` is J of :func:`score_vectors` for the policy that
    played the episodes.
    """
    G = returns_to_go(episodes.rewards, gamma, reward_to_go)
    advantage = G - leave_one_out_baseline(G) if baseline else G
    pair = 2 * episodes.observations + episodes.actions          # index 2 s + a, (M, T)
    M = G.shape[0]
    W = np.zeros((M, 4))
    for k in range(4):
        W[:, k] = np.where(pair == k, advantage, 0.0).sum(axis=1)
    per_sample = W @ scores.numpy()
    # The spread of the single-episode estimates g_i (the batch mean's variance is this
    # divided by M): the number that a baseline and reward-to-go make smaller while the
    # mean stays the same. Averaged over the parameters so that one number summarises it.
    variance = float(per_sample.var(axis=0, ddof=1 if M > 1 else 0).mean())
    return GradientEstimate(torch.from_numpy(per_sample.mean(axis=0)), per_sample, variance)


# ---- the demo -----------------------------------------------------------------------------------
class RobotEngine(Engine):
    """REINFORCE on the robot ring.

    The engine always holds one batch played with the CURRENT policy θ_k and the gradient
    estimate from it, so every metric describes the same policy. train_step applies that
    estimate (θ_{k+1} = θ_k + η ĝ, or Adam) and plays the next batch with θ_{k+1}.

    Metrics: mean_return (the batch's average R, i.e. the batch the next update uses),
    expected_return (exact E[R] of θ_k), optimal_return, pi_move_off, pi_move_on, and
    grad_variance (the per-episode variance of the gradient estimate, parameter-averaged;
    see :func:`reinforce_gradient`). The history records all of them but optimal_return.
    """

    Config = RobotConfig
    divergence_advice = "Try a smaller learning rate."

    def __init__(self, cfg: RobotConfig, device: str | None = None):
        super().__init__(cfg, device)
        # The policy has a handful of parameters and the episodes are numpy: it stays on
        # the CPU, in float64, whatever device was picked.
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.rng = np.random.default_rng([cfg.seed, 1])
        self.policy = build_policy(cfg.policy, cfg.hidden, self.gen)
        opt = torch.optim.Adam if cfg.optimizer == "adam" else torch.optim.SGD
        self.optimizer = opt(self.policy.parameters(), lr=cfg.learning_rate, maximize=True)
        self.optimal = optimal_return(cfg.n_sites, cfg.episode_length)
        self._play()

    # ---- training ---------------------------------------------------------------------------
    def _play(self) -> None:
        """Play a batch with the current policy; keep its gradient estimate and one episode."""
        cfg = self.cfg
        scores, self.pi_move = score_vectors(self.policy)
        self.expected = expected_return(self.pi_move[OFF], self.pi_move[ON], cfg.n_sites,
                                        cfg.episode_length)
        episodes = play_episodes(self.pi_move, cfg.n_sites, cfg.episode_length,
                                 cfg.batch_episodes, self.rng)
        est = reinforce_gradient(scores, episodes, cfg.gamma, cfg.reward_to_go, cfg.baseline)
        self.grad = est.mean
        self.mean_return = float(episodes.returns.mean())
        self.grad_variance = est.variance
        self.sample = {"positions": episodes.positions[0].copy(),
                       "target": episodes.targets[:1].copy(),
                       "rewards": episodes.rewards[0].copy()}

    def train_step(self) -> None:
        offset = 0
        for p in self.policy.parameters():
            p.grad = self.grad[offset:offset + p.numel()].reshape(p.shape).clone()
            offset += p.numel()
        self.optimizer.step()        # maximize=True: gradient ASCENT on E(R)
        self._play()

    # ---- output -------------------------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        return {"mean_return": self.mean_return, "expected_return": self.expected,
                "pi_move_off": float(self.pi_move[OFF]), "pi_move_on": float(self.pi_move[ON]),
                "grad_variance": self.grad_variance}

    def snapshot(self, final: bool = False) -> Snapshot:
        metrics = self.history_metrics()
        metrics["optimal_return"] = self.optimal
        arrays = {"pi_move": self.pi_move.copy(),
                  "positions": self.sample["positions"].copy(),
                  "target": self.sample["target"].copy(),
                  "rewards": self.sample["rewards"].copy(),
                  "n_sites": np.array([self.cfg.n_sites], dtype=np.int64)}
        return Snapshot(step=self.step, epoch=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    # ---- persistence --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "policy": self.policy.state_dict(),
                "optimizer": self.optimizer.state_dict(), "gen": self.gen.get_state(),
                "rng": self.rng.bit_generator.state, "grad": self.grad.clone(),
                "mean_return": self.mean_return, "grad_variance": self.grad_variance,
                "sample": {k: torch.from_numpy(v.copy()) for k, v in self.sample.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        mine = {k: tuple(v.shape) for k, v in self.policy.state_dict().items()}
        saved = {k: tuple(v.shape) for k, v in state["policy"].items()}
        if mine != saved:
            raise ValueError(f"the saved policy {saved} does not fit this {self.cfg.policy} "
                             f"policy {mine}")
        self.load_base_state(state)
        self.policy.load_state_dict(state["policy"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.gen.set_state(state["gen"])
        self.rng.bit_generator.state = state["rng"]
        self.grad = state["grad"].to(DTYPE).clone()
        self.mean_return = float(state["mean_return"])
        self.grad_variance = float(state["grad_variance"])
        self.sample = {k: v.numpy().copy() for k, v in state["sample"].items()}
        self.pi_move = move_probabilities(self.policy)     # as _play computed it
        self.expected = expected_return(self.pi_move[OFF], self.pi_move[ON],
                                        self.cfg.n_sites, self.cfg.episode_length)
