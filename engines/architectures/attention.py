"""Soft attention (lecture 8.3) and multi-head self-attention (8.4), written out.

Objects j = 1 … n have keys k_j ∈ R^{d_k} and values v_j ∈ R^{d_v}. A query q
1. scores every key, e_j = a(q, k_j)               (dot, cosine or scaled dot product),
2. turns the scores into weights, w_j = exp(β e_j) / Σ_j' exp(β e_j'),
3. returns the weighted sum of the values, v_out = Σ_j w_j v_j.
In matrix form, for the rows of Q, K, V: Attention(Q, K, V) = softmax(QKᵀ/√d_k) V.

Multi-head attention projects the data D ∈ R^{n×d_model} once per head i,
Q⁽ⁱ⁾ = D W^{Q(i)}, K⁽ⁱ⁾ = D W^{K(i)}, V⁽ⁱ⁾ = D W^{V(i)}, attends in each head and
concatenates: MultiHead(D) = Concat(V'⁽¹⁾, …, V'⁽ʰ⁾) W^O. torch's
``nn.functional.scaled_dot_product_attention`` and ``nn.MultiheadAttention`` compute the
same; the tests check it, and the transformer can use them instead (faster).
"""
from __future__ import annotations

import math

import torch
from torch import nn


# ---- step 1: scores e_j = a(q, k_j) ----------------------------------------------------
def dot_scores(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """e_j = q · k_j for queries q (..., m, d) and keys k (..., n, d): (..., m, n)."""
    return q @ k.transpose(-2, -1)


def cosine_scores(q: torch.Tensor, k: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """e_j = q · k_j / (|q| |k_j|), the cosine of the angle between query and key."""
    q_len = q.norm(dim=-1, keepdim=True).clamp_min(eps)
    k_len = k.norm(dim=-1, keepdim=True).clamp_min(eps)
    return dot_scores(q / q_len, k / k_len)


def scaled_scores(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """e_j = q · k_j / √d_k: O(1) for random q, k with unit-variance components."""
    return dot_scores(q, k) / math.sqrt(q.shape[-1])


SCORE_FUNCTIONS = {"dot": dot_scores, "cosine": cosine_scores, "scaled": scaled_scores}


# ---- step 2: weights w_j = softmax(β e_j) -----------------------------------------------
def attention_weights(scores: torch.Tensor, beta: float = 1.0,
                      mask: torch.Tensor | None = None) -> torch.Tensor:
    """w_j = exp(β e_j) / Σ_j' exp(β e_j') over the last axis. ``mask`` (True = may
    attend) sets the weight of every other key to exactly zero."""
    scores = beta * scores
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    scores = scores - scores.amax(dim=-1, keepdim=True)   # same softmax, no overflow
    unnormalised = torch.exp(scores)
    return unnormalised / unnormalised.sum(dim=-1, keepdim=True)


# ---- step 3: v_out = Σ_j w_j v_j ---------------------------------------------------------
def soft_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, score: str = "dot",
                   beta: float = 1.0, mask: torch.Tensor | None = None
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """(v_out, w): the three steps above for queries (..., m, d_k), keys (..., n, d_k)
    and values (..., n, d_v)."""
    e = SCORE_FUNCTIONS[score](q, k)
    w = attention_weights(e, beta, mask)
    return w @ v, w


def scaled_dot_product_attention(Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor,
                                 mask: torch.Tensor | None = None
                                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention(Q, K, V) = softmax(QKᵀ / √d_k) V and the weights w_{j←j'}."""
    return soft_attention(Q, K, V, score="scaled", mask=mask)


def causal_mask(n: int, device=None) -> torch.Tensor:
    """(n, n) booleans: query j may attend to key j' only if j' ≤ j."""
    return torch.ones(n, n, dtype=torch.bool, device=device).tril()


# ---- multi-head self-attention -----------------------------------------------------------
class MultiHeadSelfAttention(nn.Module):
    """MultiHead(D) = Concat(V'⁽¹⁾, …, V'⁽ʰ⁾) W^O with V'⁽ⁱ⁾ = Attention(DW^{Q(i)},
    DW^{K(i)}, DW^{V(i)}). The h matrices W^{Q(i)} (d_model × d_k each) sit side by side
    in one d_model × h·d_k layer, likewise for K and V; d_k = d_v = d_model / h."""

    def __init__(self, d_model: int, heads: int):
        super().__init__()
        if d_model % heads:
            raise ValueError(f"d_model {d_model} is not divisible by {heads} heads")
        self.heads, self.d_k = heads, d_model // heads
        self.W_Q = nn.Linear(d_model, d_model)
        self.W_K = nn.Linear(d_model, d_model)
        self.W_V = nn.Linear(d_model, d_model)
        self.W_O = nn.Linear(d_model, d_model)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, n, h·d_k) -> (batch, h, n, d_k)."""
        batch, n, _ = x.shape
        return x.view(batch, n, self.heads, self.d_k).transpose(1, 2)

    def forward(self, D: torch.Tensor, mask: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """D: (batch, n, d_model) -> (new values (batch, n, d_model), weights
        (batch, h, n, n))."""
        Q = self.split_heads(self.W_Q(D))               # Q⁽ⁱ⁾ = D W^{Q(i)}
        K = self.split_heads(self.W_K(D))               # K⁽ⁱ⁾ = D W^{K(i)}
        V = self.split_heads(self.W_V(D))               # V⁽ⁱ⁾ = D W^{V(i)}
        V_new, weights = scaled_dot_product_attention(Q, K, V, mask)
        batch, _, n, _ = V_new.shape
        concat = V_new.transpose(1, 2).reshape(batch, n, self.heads * self.d_k)
        return self.W_O(concat), weights


class LayerNorm(nn.Module):
    """[LayerNorm(x)]_l = γ_l (x_l − x̄) / √(σ² + ε) + b_l over the d vector components
    of each object (x̄ and σ² their mean and variance)."""

    def __init__(self, d: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=-1, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
        return self.weight * (x - mean) / torch.sqrt(var + self.eps) + self.bias


class TorchSelfAttention(nn.Module):
    """The same block from torch's nn.MultiheadAttention (the fast switch); weights per
    head are only computed when asked for."""

    def __init__(self, d_model: int, heads: int):
        super().__init__()
        self.heads = heads
        self.mha = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.want_weights = False

    def forward(self, D: torch.Tensor, mask: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        blocked = None if mask is None else ~mask       # torch: True = may NOT attend
        out, weights = self.mha(D, D, D, attn_mask=blocked, need_weights=self.want_weights,
                                average_attn_weights=False)
        return out, weights


def copy_into_torch(mine: MultiHeadSelfAttention, mha: nn.MultiheadAttention) -> None:
    """Load this module's W^Q, W^K, W^V, W^O into an nn.MultiheadAttention."""
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([mine.W_Q.weight, mine.W_K.weight,
                                            mine.W_V.weight]))
        mha.in_proj_bias.copy_(torch.cat([mine.W_Q.bias, mine.W_K.bias, mine.W_V.bias]))
        mha.out_proj.weight.copy_(mine.W_O.weight)
        mha.out_proj.bias.copy_(mine.W_O.bias)
