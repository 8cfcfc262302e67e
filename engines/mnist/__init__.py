"""Lecture 2.11 (convolutional networks) and exercises A1.1 and A1.5: the ``mnist`` panel.

- :mod:`engines.mnist.configs`: the configs (no torch) and the architecture table.
- :mod:`engines.mnist.data`: the bundled real-MNIST subset, the IDX format, and the
  downloader of full MNIST (mirrors, checksums, cache, progress, cancel), torch-free.
- :mod:`engines.mnist.cnn`: the CNN (two conv + ReLU + max-pool blocks, two dense layers)
  and the criteria (a)-(d) of A1.1 with the bonus (d').
- :mod:`engines.mnist.numpy_cnn`: the same forward pass in numpy, for the GUI's canvas.
- :mod:`engines.mnist.classifier`: demo "cnn", training on MNIST per epoch.
- :mod:`engines.mnist.expected`: demo "expected" (A1.5), the softmax output converges to
  the label distribution p(a|s).
"""
from engines.mnist.configs import ExpectedLabelsConfig, MNISTConfig
from engines.spec import DemoSpec, Topic

DEMOS = (
    DemoSpec("cnn", "CNN on MNIST (A1.1)", MNISTConfig,
             "engines.mnist.classifier:MNISTEngine"),
    DemoSpec("expected", "Expected labels (A1.5)", ExpectedLabelsConfig,
             "engines.mnist.expected:ExpectedLabelsEngine"),
)

TOPIC = Topic("mnist", "CNN image classification (MNIST)", "2.11, A1.1, A1.5", DEMOS,
              "panels.mnist.panel:MNISTPanel")
