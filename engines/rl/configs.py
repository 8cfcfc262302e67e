"""Configs of the reinforcement-learning demos (chapter 9), in one torch-free module.

The registry (and so the GUI process) imports configs only; the engines that use them
import torch and live next to this module.
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, ConfigError, param
from engines.rl.dp import GAMMA_MESSAGE

ALGORITHMS = ("q_learning", "sarsa")
EXPLORATIONS = ("epsilon_greedy", "softmax")
DP_METHODS = ("value_iteration", "policy_iteration")
POLICIES = ("tabular", "network")      # robot: policy parameterisation
OPTIMIZERS = ("adam", "sgd")
CONTROL_ALGORITHMS = ("ppo", "a2c", "dqn")
#: gymnasium classic-control tasks of the control demo (engines.rl.envs knows them), and
#: those whose actions are continuous (no DQN there).
ENV_NAMES = ("CartPole-v1", "Pendulum-v1")
CONTINUOUS_ENVS = ("Pendulum-v1",)


def check_odd_maze(size: int) -> None:
    if size % 2 == 0:
        raise ConfigError("maze_size", f"{size} is even; the maze needs an odd size")


@dataclass(frozen=True)
class MazeConfig(ConfigBase):
    """The maze fields shared by the maze demos (engines build it with maze_world)."""

    maze_size: int = param(9, label="Maze size", min=5, max=41, group="Maze",
                           help="Rows = columns of the maze (odd: rooms and walls alternate).")
    treasures: int = param(1, label="Treasures", min=1, max=6, group="Maze",
                           help="The farthest cell holds one; more go into random dead ends.")
    chests_vanish: bool = param(False, label="Chests vanish once collected", group="Maze",
                                help="Each treasure pays once and disappears; the episode "
                                     "ends when all are collected. The state then includes "
                                     "which chests are gone (2^k maze layers).")
    bump_penalty: float = param(0.0, label="Bump penalty", min=0.0, max=10.0, group="Maze",
                                help="Reward −penalty for running into a wall.")

    def __post_init__(self) -> None:
        super().__post_init__()
        check_odd_maze(self.maze_size)


@dataclass(frozen=True)
class TabularQConfig(MazeConfig):
    """Tabular Q-learning / SARSA in a random maze."""

    algorithm: str = param("q_learning", label="Algorithm", choices=ALGORITHMS,
                           group="Learning",
                           help="Q-learning bootstraps on max_a' Q(s',a') (off-policy); "
                                "SARSA on the action actually taken next (on-policy).")
    exploration: str = param("epsilon_greedy", label="Exploration", choices=EXPLORATIONS,
                             group="Learning")
    epsilon: float = param(0.2, label="ε (random action prob.)", min=0.0, max=1.0,
                           group="Learning")
    temperature: float = param(0.1, label="Softmax temperature T", min=1e-3, max=10.0,
                               log=True, group="Learning")
    alpha: float = param(0.5, label="Learning rate α", min=1e-3, max=1.0, log=True,
                         group="Learning")
    gamma: float = param(0.9, label="Discount γ", min=0.0, max=1.0, group="Learning",
                         help="Weight of the next step's reward relative to now.")
    replay: bool = param(False, label="Experience replay", group="Learning",
                         help="Also replay random stored transitions (Q-learning only).")
    replay_updates: int = param(4, label="Replays per step", min=1, max=64, group="Learning",
                                advanced=True)
    exploring_starts: bool = param(False, label="Exploring starts", group="Learning",
                                   help="Begin each episode in a random reachable cell "
                                        "instead of the start, so every state gets visited.")
    max_episode_steps: int = param(200, label="Episode step cap", min=1, max=100_000,
                                   group="Run", help="An episode is cut off after this many "
                                                     "steps and restarts at the start.")
    steps: int = param(20_000, label="Steps", min=1, max=1_000_000, group="Run",
                       help="Environment transitions in one run.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run",
                      help="Chooses the maze and the agent's random actions.")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.replay and self.algorithm != "q_learning":
            raise ConfigError("replay", "experience replay needs an off-policy method: "
                                        "use q_learning")


@dataclass(frozen=True)
class DPConfig(MazeConfig):
    """Value iteration / policy iteration on a maze whose model is known."""

    maze_size: int = param(11, label="Maze size", min=5, max=41, group="Maze",
                           help="Rows = columns of the maze (odd: rooms and walls alternate).")
    method: str = param("value_iteration", label="Method", choices=DP_METHODS, group="Planning",
                        help="Value iteration backs up the best action; policy iteration "
                             "evaluates a policy to convergence, then improves it.")
    gamma: float = param(0.9, label="Discount γ", min=0.0, max=1.0, group="Planning")
    steps: int = param(300, label="Sweeps", min=1, max=100_000, group="Run",
                       help="Bellman sweeps over all states in one run.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run",
                      help="Chooses the maze.")


@dataclass(frozen=True)
class A14Config(ConfigBase):
    """Exercise A1.4: which loop does a discounted agent prefer?"""

    n: int = param(5, label="n (intermediate states)", min=1, max=50, group="Loops",
                   help="Both loops take n+1 steps back to the start state.")
    r: float = param(1.0, label="r (left, paid first)", min=1e-3, max=100.0, group="Loops")
    r_prime: float = param(2.0, label="r′ (right, paid last)", min=1e-3, max=100.0,
                           group="Loops", help="Must be larger than r.")
    gamma: float = param(0.8, label="Discount γ", min=0.0, max=1.0, group="Learning",
                         help="The task never ends, so γ must stay below 1.")
    alpha: float = param(0.5, label="Learning rate α", min=1e-3, max=1.0, log=True,
                         group="Learning")
    epsilon: float = param(0.2, label="ε at the start state", min=0.0, max=1.0,
                           group="Learning", help="Random choice of loop with probability ε.")
    steps: int = param(20_000, label="Steps", min=1, max=1_000_000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.gamma >= 1.0:
            raise ConfigError("gamma", f"{self.gamma:g}: {GAMMA_MESSAGE} (these loops never "
                                       "end)")
        if not self.r < self.r_prime:
            raise ConfigError("r_prime", f"{self.r_prime:g} must be larger than r = "
                                         f"{self.r:g} (the right loop pays more)")


@dataclass(frozen=True)
class RobotConfig(ConfigBase):
    """REINFORCE for a robot on a ring that only sees whether it is on the target."""

    n_sites: int = param(10, label="Sites N", min=2, max=200, group="Environment",
                         help="Sites on the ring; robot and target start on random sites.")
    episode_length: int = param(20, label="Episode length T", min=1, max=1000,
                                group="Environment",
                                help="Actions per episode; the return R counts the steps "
                                     "on the target.")
    policy: str = param("tabular", label="Policy", choices=POLICIES, group="Policy",
                        help="tabular: a 2x2 table of logits θ[s, a]; network: a small MLP "
                             "from the one-hot observation to the two logits.")
    hidden: int = param(16, label="Hidden neurons", min=1, max=256, group="Policy",
                        help="Width of the network policy's hidden layer (tanh).")
    optimizer: str = param("adam", label="Optimizer", choices=OPTIMIZERS, group="Learning",
                           help="sgd: plain gradient ascent δθ = η ĝ; adam: Adam on ĝ.")
    learning_rate: float = param(0.05, label="Learning rate η", min=1e-5, max=10.0,
                                 log=True, group="Learning")
    batch_episodes: int = param(32, label="Episodes per update", min=1, max=4096,
                                group="Learning",
                                help="Episodes whose average estimates E_π[...].")
    reward_to_go: bool = param(True, label="Reward to go", group="Learning",
                               help="Weight ∂ ln π(a_t|s_t) by the future return Rₜ₊₁ "
                                    "only (on) or by the whole episode's return (off).")
    baseline: bool = param(True, label="Baseline", group="Learning",
                           help="Subtract B_t = mean return-to-go at step t of the other "
                                "episodes in the batch (reduces the variance).")
    gamma: float = param(1.0, label="Discount γ", min=0.0, max=1.0, group="Learning",
                         help="Discount of the future return Rₜ₊₁ (discounted by γ); episodes are "
                              "finite, so γ = 1 is allowed.")
    steps: int = param(200, label="Updates", min=1, max=1_000_000, group="Run",
                       help="Number of updates, each from a fresh batch of episodes.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run",
                      help="Chooses the initial policy and all random episodes.")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.baseline and self.batch_episodes < 2:
            raise ConfigError("batch_episodes", "the baseline averages over the other "
                                                "episodes of a batch: use at least 2 "
                                                "episodes or switch the baseline off")


@dataclass(frozen=True)
class MCTSConfig(ConfigBase):
    """Monte-Carlo tree search with the known model of a random maze with one treasure."""

    maze_size: int = param(7, label="Maze size", min=5, max=41, group="Maze",
                           help="Rows = columns of the maze (odd: rooms and walls alternate).")
    simulations_per_move: int = param(
        1000, label="Simulations per move", min=1, max=100_000, group="Search",
        unit="simulations",
        help="Simulated episodes from the current state before each real move.")
    exploration_c: float = param(
        1.4, label="Exploration constant c", min=0.0, max=100.0, group="Search",
        help="UCT: a = argmax Q(s,a) + c·sqrt(ln N(s) / N(s,a)); larger c tries rarely "
             "visited actions more often.")
    rollout_depth: int = param(
        40, label="Rollout depth", min=0, max=10_000, group="Search", unit="steps",
        help="Random steps simulated off the tree after each new node (0: none, the new "
             "node is worth 0).")
    gamma: float = param(0.95, label="Discount γ", min=0.0, max=1.0, group="Search",
                         help="Weight of the next step's reward relative to now; γ < 1 "
                              "makes shorter paths to the treasure worth more.")
    max_episode_steps: int = param(200, label="Episode move cap", min=1, max=100_000,
                                   group="Run", unit="moves", advanced=True,
                                   help="An episode is cut off after this many "
                                        "real moves and restarts at the start.")
    steps: int = param(100_000, label="Simulations", min=1, max=10_000_000, group="Run",
                       unit="simulations",
                       help="Simulations in one run (one step = one simulation).")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run",
                      help="Chooses the maze and the random choices of the search.")

    def __post_init__(self) -> None:
        super().__post_init__()
        check_odd_maze(self.maze_size)


@dataclass(frozen=True)
class ControlConfig(ConfigBase):
    """PPO / A2C / DQN on CartPole-v1 or Pendulum-v1."""

    env: str = param("CartPole-v1", label="Environment", choices=ENV_NAMES,
                     group="Environment",
                     help="CartPole-v1: keep a pole upright with left/right pushes (return "
                          "500 = solved). Pendulum-v1: swing a pendulum up with a "
                          "continuous torque.")
    n_envs: int = param(8, label="Parallel environments", min=1, max=64, group="Environment",
                        unit="copies",
                        help="Independent copies stepped together; each step collects one "
                             "transition from every copy.")
    algorithm: str = param("ppo", label="Algorithm", choices=CONTROL_ALGORITHMS,
                           group="Algorithm",
                           help="ppo: clipped policy gradient (9.6); a2c: advantage "
                                "actor-critic (9.4); dqn: deep Q-learning with replay "
                                "(9.3, discrete actions only).")
    learning_rate: float = param(1e-3, label="Learning rate", min=1e-6, max=1e-1, log=True,
                                 group="Algorithm", help="Adam step size.")
    gamma: float = param(0.99, label="Discount γ", min=0.0, max=1.0, group="Algorithm",
                         help="Weight of the next step's value relative to now; must be "
                              "< 1.")
    hidden: int = param(64, label="Hidden width", min=4, max=512, group="Algorithm",
                        advanced=True, unit="neurons",
                        help="Neurons in each of the two tanh hidden layers of every "
                             "network.")
    gae_lambda: float = param(0.95, label="GAE λ", min=0.0, max=1.0, group="Algorithm",
                              when={"algorithm": ("ppo", "a2c")},
                              help="Mix of n-step advantages: 0 = one-step TD, 1 = the whole "
                                   "rest of the rollout (PPO, A2C).")
    rollout_steps: int = param(128, label="Rollout length", min=1, max=4096,
                               group="Algorithm", unit="steps per env",
                               when={"algorithm": ("ppo", "a2c")},
                               help="Steps per environment collected before each update "
                                    "(PPO, A2C).")
    entropy_coef: float = param(0.0, label="Entropy bonus c_e", min=0.0, max=1.0,
                                group="Algorithm", when={"algorithm": ("ppo", "a2c")},
                                help="Rewards a spread-out policy: keeps exploring (PPO, A2C).")
    value_coef: float = param(0.5, label="Value loss weight c_v", min=0.0, max=10.0,
                              group="Algorithm", advanced=True,
                              when={"algorithm": ("ppo", "a2c")},
                              help="Weight of the critic's loss ½ (V − R)² (PPO, A2C).")
    max_grad_norm: float = param(0.5, label="Gradient norm clip", min=0.01, max=100.0,
                                 log=True, group="Algorithm", advanced=True,
                                 when={"algorithm": ("ppo", "a2c")},
                                 help="The gradient is rescaled when its norm exceeds this "
                                      "(PPO, A2C).")
    update_epochs: int = param(10, label="Epochs per rollout", min=1, max=50, group="PPO",
                               unit="passes", when={"algorithm": ("ppo",)},
                               help="Passes over each rollout; the clipping makes reuse safe.")
    minibatches: int = param(4, label="Minibatches", min=1, max=256, group="PPO",
                             advanced=True, when={"algorithm": ("ppo",)},
                             help="Each epoch splits the shuffled rollout into this many "
                                  "gradient steps.")
    clip: float = param(0.2, label="Clip ε", min=0.01, max=1.0, group="PPO",
                        when={"algorithm": ("ppo",)},
                        help="Ratio π_new/π_old is clipped to [1 − ε, 1 + ε].")
    buffer_size: int = param(10_000, label="Replay buffer", min=100, max=1_000_000,
                             group="DQN", unit="transitions", when={"algorithm": ("dqn",)},
                             help="Transitions kept for experience replay.")
    batch_size: int = param(128, label="Batch size", min=1, max=4096, group="DQN",
                            unit="transitions", advanced=True, when={"algorithm": ("dqn",)},
                            help="Transitions replayed for each gradient update.")
    target_update: int = param(100, label="Target sync every", min=1, max=100_000,
                               group="DQN", unit="updates", when={"algorithm": ("dqn",)},
                               help="Gradient updates between copies of Q into the target "
                                    "network.")
    epsilon_start: float = param(1.0, label="ε start", min=0.0, max=1.0, group="DQN",
                                 advanced=True, when={"algorithm": ("dqn",)},
                                 help="Probability of a random action at the start.")
    epsilon_end: float = param(0.05, label="ε end", min=0.0, max=1.0, group="DQN",
                               when={"algorithm": ("dqn",)},
                               help="Probability of a random action after the decay.")
    exploration_steps: int = param(10_000, label="ε decay steps", min=1, max=10_000_000,
                                   group="DQN", unit="env steps",
                                   when={"algorithm": ("dqn",)},
                                   help="Environment steps over which ε falls linearly from "
                                        "start to end.")
    learning_starts: int = param(1000, label="Learning starts", min=0, max=1_000_000,
                                 group="DQN", unit="env steps", advanced=True,
                                 when={"algorithm": ("dqn",)},
                                 help="Random-ish steps collected before the first update.")
    steps: int = param(12_500, label="Steps", min=1, max=10_000_000, group="Run",
                       unit="vector steps",
                       help="Vector steps: each steps all parallel environments, so the run "
                            "sees steps × environments transitions (default: 100 000, about "
                            "twice what PPO needs to solve CartPole).")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run",
                      help="Chooses initial weights, actions and the environments' starts.")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.gamma >= 1.0:
            raise ConfigError("gamma", f"{self.gamma:g} must be < 1: the episodes of these "
                                       "tasks can be long and the returns would not be "
                                       "bounded")
        if self.algorithm == "dqn" and self.env in CONTINUOUS_ENVS:
            raise ConfigError("algorithm", f"dqn needs discrete actions (it takes a max over "
                                           f"actions); {self.env} has a continuous torque. "
                                           f"Use ppo or a2c.")
        if self.epsilon_end > self.epsilon_start:
            raise ConfigError("epsilon_end", "must not exceed ε start")
