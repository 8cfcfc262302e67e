"""Chapter 9, reinforcement learning: the Qt-free engines of the ``rl`` panel.

- :mod:`engines.rl.gridworld`: a deterministic grid world (walls, treasures), a Prim maze
  generator and the edits the panel's mouse makes.
- :mod:`engines.rl.dp`: dynamic programming on its tabular model (value iteration, policy
  evaluation): the exact answers the learners are checked against; :mod:`.dp_demo` animates it.
- :mod:`engines.rl.tabular`: tabular Q-learning and SARSA.
- :mod:`engines.rl.mcts`: Monte-Carlo tree search on the known maze model.
- :mod:`engines.rl.robot`: REINFORCE on the lecture's robot on a line.
- :mod:`engines.rl.control`: PPO, A2C and DQN on gymnasium's CartPole-v1 and Pendulum-v1.
- :mod:`engines.rl.counterexample` and :mod:`.a14_demo`: exercise A1.4, discounted values
  can prefer the worse policy.
Configs live in :mod:`engines.rl.configs` (no torch), so the registry stays light.
"""
from engines.rl.configs import (A14Config, ControlConfig, DPConfig, MCTSConfig, RobotConfig,
                                TabularQConfig)
from engines.spec import DemoSpec, Topic

DEMOS = (
    DemoSpec("gridworld", "Q-learning in a maze", TabularQConfig,
             "engines.rl.tabular:TabularQEngine"),
    DemoSpec("dp", "Dynamic programming (value / policy iteration)", DPConfig,
             "engines.rl.dp_demo:DPEngine"),
    DemoSpec("mcts", "Monte-Carlo tree search", MCTSConfig, "engines.rl.mcts:MCTSEngine"),
    DemoSpec("robot", "Policy gradient: robot on a line", RobotConfig,
             "engines.rl.robot:RobotEngine"),
    DemoSpec("control", "Deep RL: CartPole and Pendulum (PPO, A2C, DQN)", ControlConfig,
             "engines.rl.control:ControlEngine"),
    DemoSpec("a14", "Discounting can mislead (exercise A1.4)", A14Config,
             "engines.rl.a14_demo:A14Engine"),
)

TOPIC = Topic("rl", "Reinforcement learning", "9, A1.4", DEMOS,
              "panels.rl.panel:RLPanel")
