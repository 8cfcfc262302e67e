"""Panel "Representation learning" (lecture chapter 3): PCA and autoencoders, live."""
from __future__ import annotations

from panels.representation.views import (AutoencoderView, ContractiveView, DenoisingView,
                                         LinearView, PCAView)
from workbench.panel import Panel


class RepresentationPanel(Panel):
    VIEWS = {"pca": PCAView, "autoencoder": AutoencoderView, "linear": LinearView,
             "denoising": DenoisingView, "contractive": ContractiveView}
    SPEED_CONTROL = True
    # PCA streams batches: slow enough to watch the eigen-digits form; the autoencoders
    # train at full speed (their default budgets are sized for 20-60 s).
    DEFAULT_SPEEDS = {"pca": 10.0, "autoencoder": 0.0, "linear": 0.0, "denoising": 0.0,
                      "contractive": 0.0}
