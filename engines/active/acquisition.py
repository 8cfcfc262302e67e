"""Acquisition scores of uncertainty sampling and of a committee (lecture 10.1), numpy only.

All scores are "larger = ask here first". ``p`` holds class probabilities P_θ(ℓ|x) along
the last axis; a committee's members are stacked along the first axis.

  entropy          H[P(·|x)] = −Σ_ℓ P(ℓ|x) ln P(ℓ|x)       (nats)
  least confident  1 − max_ℓ P(ℓ|x)
  margin           −(P₁ − P₂)    P₁ ≥ P₂ the two largest probabilities (small gap = unsure)
  vote entropy     H[v(·|x)],   v(ℓ|x) = (1/N) Σ_j [argmax P_j(·|x) = ℓ]
  committee KL     Σ_j KL(P̄ ‖ P_j),   P̄ = (1/N) Σ_j P_j      (the lecture's form)
Regression committee: (1/(N−1)) Σ_j (F_j(x) − F̄(x))².
"""
from __future__ import annotations

import numpy as np

#: Probabilities are clipped here before a logarithm (a softmax never gives exactly 0, but
#: float32 can round to it).
TINY = 1e-12


def entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, TINY, 1.0)
    return -(p * np.log(p)).sum(axis=-1)


def least_confident(p: np.ndarray) -> np.ndarray:
    return 1.0 - p.max(axis=-1)


def margin(p: np.ndarray) -> np.ndarray:
    top2 = np.sort(p, axis=-1)[..., -2:]
    return -(top2[..., 1] - top2[..., 0])


def vote_entropy(members: np.ndarray) -> np.ndarray:
    """members (N, ..., C): entropy of the vote fractions of the N members' argmax."""
    n, classes = members.shape[0], members.shape[-1]
    votes = np.eye(classes)[members.argmax(axis=-1)].sum(axis=0) / n
    return entropy(votes)


def committee_kl(members: np.ndarray) -> np.ndarray:
    """Σ_j KL(P̄ ‖ P_j) with P̄ the members' mean (nats)."""
    members = np.clip(members, TINY, 1.0)
    mean = members.mean(axis=0)
    return (mean[None] * (np.log(mean)[None] - np.log(members))).sum(axis=-1).sum(axis=0)


def regression_disagreement(predictions: np.ndarray) -> np.ndarray:
    """predictions (N, ...): the unbiased variance over the committee, (1/(N−1)) Σ_j (F_j − F̄)²."""
    mean = predictions.mean(axis=0)
    return ((predictions - mean) ** 2).sum(axis=0) / (predictions.shape[0] - 1)


def score(strategy: str, members: np.ndarray, committee_measure: str = "vote_entropy"
          ) -> np.ndarray:
    """Scores of one learner; members (N, ..., C) (N = 1 except for the committee)."""
    if strategy == "committee":
        if committee_measure == "kl":
            return committee_kl(members)
        return vote_entropy(members)
    p = members.mean(axis=0)
    if strategy == "entropy":
        return entropy(p)
    if strategy == "least_confident":
        return least_confident(p)
    if strategy == "margin":
        return margin(p)
    if strategy == "random":
        return np.zeros(p.shape[:-1])
    raise ValueError(f"unknown strategy {strategy!r}")
