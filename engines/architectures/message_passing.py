"""Neural message passing on graphs (lecture 8.2), written out.

A graph has node vectors x_v and directed links v ← w with fixed edge properties e_vw.
One round t of message passing:
    m_v   = Σ_{w ∈ N(v)} M_t(x_v, x_w, e_vw)     (the same little network M on every link)
    x_v  ← U_t(x_v, m_v)                          (the same update network U on every node)
and for a property of the whole graph a readout that ignores the node labels:
    y = R({x_v}) = Σ_v r(x_v)    or    max_v r(x_v).
Nothing depends on how the nodes are numbered: relabelling the nodes permutes the node
outputs the same way (equivariance) and leaves the readout unchanged (invariance).

Batches are "one combined graph": the graphs of a batch are put side by side as one big
graph without links between them, and ``graph_of[v]`` says which graph node v belongs to.
"""
from __future__ import annotations

import torch
from torch import nn

from engines.architectures.seeded import mlp


class MessagePassingRound(nn.Module):
    """One round: messages along every link, summed per target node, then the update.

    ``kind="mlp"``: M and U are little networks, M(x_v, x_w, e_vw) = MLP([x_v, x_w, e_vw])
    and x_v ← x_v + MLP([x_v, m_v]) (a residual update, easier to train over rounds).
    ``kind="linear"``: M(x_v, x_w, e_vw) = e_vw W_M x_w and x_v ← tanh(W_U x_v + m_v),
    the graph-convolution special case (with e_vw = 1/√(deg v · deg w)); its smoothing
    suits few labels on a social network."""

    def __init__(self, width: int, edge_dim: int, hidden: int, kind: str = "mlp"):
        super().__init__()
        self.kind = kind
        if kind == "mlp":
            self.M = mlp(2 * width + edge_dim, hidden, width)
            self.U = mlp(2 * width, hidden, width)
        elif kind == "linear":
            self.M = nn.Linear(width, width)
            self.U = nn.Linear(width, width)
        else:
            raise ValueError(f"unknown message kind {kind!r}: use 'mlp' or 'linear'")

    def message(self, x_v: torch.Tensor, x_w: torch.Tensor, e_vw: torch.Tensor) -> torch.Tensor:
        """M(x_v, x_w, e_vw) for every link v ← w at once."""
        if self.kind == "mlp":
            return self.M(torch.cat([x_v, x_w, e_vw], dim=1))
        return e_vw * self.M(x_w)

    def update(self, x_v: torch.Tensor, m_v: torch.Tensor) -> torch.Tensor:
        """U(x_v, m_v) for every node at once."""
        if self.kind == "mlp":
            return x_v + self.U(torch.cat([x_v, m_v], dim=1))
        return torch.tanh(self.U(x_v) + m_v)

    def forward(self, x: torch.Tensor, links: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        """x: (nodes, width); links: (2, n_links) rows (target v, source w) for v ← w;
        e: (n_links, edge_dim). Returns the new node vectors."""
        v, w = links[0], links[1]
        messages = self.message(x[v], x[w], e)                   # M(x_v, x_w, e_vw)
        m = torch.zeros_like(x).index_add(0, v, messages)        # m_v = Σ_w M(x_v, x_w, e_vw)
        return self.update(x, m)                                 # x_v ← U(x_v, m_v)


class MessagePassingNet(nn.Module):
    """Embed the node features, T rounds of message passing, then per-node outputs
    (node classification) or a readout R over each graph (graph regression)."""

    def __init__(self, node_dim: int, edge_dim: int, width: int, hidden: int, rounds: int,
                 n_out: int, readout: str | None = None, kind: str = "mlp"):
        super().__init__()
        self.embed = nn.Linear(node_dim, width)
        self.rounds = nn.ModuleList(MessagePassingRound(width, edge_dim, hidden, kind)
                                    for _ in range(rounds))
        self.r = mlp(width, hidden, n_out) if kind == "mlp" else nn.Linear(width, n_out)
        self.readout = readout

    def node_vectors(self, features: torch.Tensor, links: torch.Tensor,
                     e: torch.Tensor) -> list[torch.Tensor]:
        """x_v after 0, 1, …, T rounds (for the pictures: rounds stepped one at a time)."""
        x = self.embed(features)
        every = [x]
        for round_t in self.rounds:
            x = round_t(x, links, e)
            every.append(x)
        return every

    def node_outputs(self, features, links, e) -> torch.Tensor:
        """r(x_v) per node after the last round: (nodes, n_out)."""
        return self.r(self.node_vectors(features, links, e)[-1])

    def forward(self, features, links, e, graph_of: torch.Tensor | None = None,
                n_graphs: int = 1) -> torch.Tensor:
        """Node outputs (nodes, n_out) without a readout; with one, (n_graphs, n_out)."""
        out = self.node_outputs(features, links, e)
        if self.readout is None:
            return out
        if graph_of is None:
            graph_of = torch.zeros(len(out), dtype=torch.long, device=out.device)
        return readout(out, graph_of, n_graphs, self.readout)


def readout(per_node: torch.Tensor, graph_of: torch.Tensor, n_graphs: int,
            kind: str = "sum") -> torch.Tensor:
    """R = Σ_{v ∈ graph} r(x_v) or max_{v ∈ graph} r(x_v), for every graph of a batch."""
    shape = (n_graphs, per_node.shape[1])
    if kind == "sum":
        return per_node.new_zeros(shape).index_add(0, graph_of, per_node)
    if kind == "max":
        index = graph_of[:, None].expand_as(per_node)
        return per_node.new_full(shape, float("-inf")).scatter_reduce(
            0, index, per_node, reduce="amax", include_self=True)
    raise ValueError(f"unknown readout {kind!r}: use 'sum' or 'max'")


def permute_graph(features: torch.Tensor, links: torch.Tensor, e: torch.Tensor,
                  perm: torch.Tensor):
    """The same graph with its nodes relabelled: new node i is old node perm[i]. Returns
    (features, links, e) in the new numbering (links keep their order)."""
    new_label = torch.empty_like(perm)
    new_label[perm] = torch.arange(len(perm), device=perm.device)
    return features[perm], new_label[links], e
