"""Lecture chapter 3, Representation learning I: the Qt-free engines of the
``representation`` panel (numpy / torch).

- :mod:`engines.representation.pca`: principal components of a stream of samples (MNIST,
  a 2-d Gaussian cloud that takes clicked points, a periodic Gaussian random field), with
  the successive reconstruction for a slider M.
- :mod:`engines.representation.autoencoder`: a basic autoencoder (a curve in 2-d through a
  1-d code, MNIST through k numbers) next to PCA's floor.
- :mod:`engines.representation.linear`: a linear autoencoder learns the PCA subspace.
- :mod:`engines.representation.denoising`: the denoising autoencoder and the small-ε
  expansion with the Jacobian of the whole network.
- :mod:`engines.representation.contractive`: the contractive autoencoder (sigmoid encoder,
  analytic encoder Jacobian).
Shared: :mod:`.data` (data sets, PCA), :mod:`.common` (torch helpers). Configs live in
:mod:`engines.representation.configs`, so the registry stays light.
"""
from engines.representation.configs import (AutoencoderConfig, ContractiveConfig,
                                            DenoisingConfig, LinearAEConfig, PCAConfig)
from engines.spec import DemoSpec, Topic

DEMOS = (
    DemoSpec("pca", "Principal component analysis", PCAConfig,
             "engines.representation.pca:PCAEngine",
             summary="Covariance, eigenvalues, eigen-digits and reconstructions, live."),
    DemoSpec("autoencoder", "Basic autoencoder", AutoencoderConfig,
             "engines.representation.autoencoder:AutoencoderEngine",
             summary="x → z → x' through a bottleneck, next to PCA's floor."),
    DemoSpec("linear", "A linear autoencoder is PCA", LinearAEConfig,
             "engines.representation.linear:LinearAEEngine",
             summary="Principal angles to the PCA subspace → 0, loss → Σ_{l>k} λ_l."),
    DemoSpec("denoising", "Denoising autoencoder", DenoisingConfig,
             "engines.representation.denoising:DenoisingEngine",
             summary="Noisy input, clean target; the loss punishes ‖J_F‖²."),
    DemoSpec("contractive", "Contractive autoencoder", ContractiveConfig,
             "engines.representation.contractive:ContractiveEngine",
             summary="MSE + λ‖J_E‖²: saturated units, a sparse code."),
)

TOPIC = Topic("representation", "Representation learning", "3", DEMOS,
              "panels.representation.panel:RepresentationPanel")
