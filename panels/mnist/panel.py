"""Panel "CNN image classification (MNIST)": lecture 2.11, exercises A1.1 and A1.5.

Runs of the CNN demo are compared over epochs: every finished run stays in the loss and
accuracy charts as a faded curve labelled by its criterion ((a) … (d')), so the four runs
of exercise A1.1 overlay in one picture. Choosing the full dataset when it is not cached
yet downloads it first (panels.mnist.views.CNNView.before_start).

The canvas: the engine sends the weights of its (small) CNN with its snapshots about
twice a second and at the end of a run, and the view evaluates the drawing with a numpy
forward pass in the GUI process. Chosen over sending each drawing to the engine as an
edit because it answers at once on every stroke, needs no running engine (it works when
paused and after the run) and never slows the training down.
"""
from __future__ import annotations

from panels.mnist.views import CNNView, ExpectedView
from workbench.panel import Panel


class MNISTPanel(Panel):
    VIEWS = {"cnn": CNNView, "expected": ExpectedView}
