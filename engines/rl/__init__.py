"""Chapter 9, reinforcement learning: the Qt-free core of the RL panel.

- :mod:`engines.rl.gridworld`: a deterministic grid world (walls, treasures) and a Prim maze
  generator.
- :mod:`engines.rl.dp`: dynamic programming on its tabular model (value iteration, policy
  evaluation): the exact answers the learners are checked against.
- :mod:`engines.rl.tabular`: tabular Q-learning and SARSA, and the ``TabularQEngine``.
- :mod:`engines.rl.counterexample`: exercise A1.4, discounted values can be counter-intuitive.

No demo is registered yet: the panel is not built.
"""
