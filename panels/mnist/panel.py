"""Panel "CNN image classification (MNIST)": lecture 2.11, exercises A1.1 and A1.5.

Runs of the CNN demo are compared over epochs: every finished run stays in the loss and
accuracy charts as a faded curve labelled by its criterion ((a) … (d')), so the four runs
of exercise A1.1 overlay in one picture. Choosing the full dataset when it is not cached
yet downloads it first (cancellable progress bar, off the GUI thread) and then starts.

The canvas: the engine sends the weights of its (small) CNN with its snapshots about
twice a second and at the end of a run, and the view evaluates the drawing with a numpy
forward pass in the GUI process. Chosen over sending each drawing to the engine as an
edit because it answers at once on every stroke, needs no running engine (it works when
paused and after the run) and never slows the training down.
"""
from __future__ import annotations

from PySide6.QtCore import Slot

from engines.config import ConfigError
from engines.mnist.configs import CRITERION_SHORT
from engines.runtime import Snapshot
from panels.mnist.views import CNNView, ExpectedView
from workbench.panel import Panel


class MNISTPanel(Panel):
    PANEL_ID = "mnist"
    TITLE = "CNN classification (MNIST)"
    CHAPTER = "2.11, A1.1, A1.5"
    VIEWS = {"cnn": CNNView, "expected": ExpectedView}

    def __init__(self, *args, **kwargs):
        self._start_after_download = False
        self._refetch_tried = False      # a damaged cache is fetched again once per run
        super().__init__(*args, **kwargs)

    def view_of(self, name: str):
        created = name not in self.view_for
        view = super().view_of(name)
        if created and isinstance(view, CNNView):
            view.data_box.downloaded.connect(self._on_downloaded)
        return view

    # ---- full MNIST on demand ---------------------------------------------------------------
    def start(self, single_step: bool = False) -> bool:
        if (self.spec.name == "cnn" and not self.runner.is_active()
                and self.restored is None):
            try:
                cfg = self.form.config()
            except ConfigError:
                cfg = None   # the base class reports it
            box = self.view.data_box
            if cfg is not None and cfg.dataset == "full" and not box.full_cached():
                if not box.downloading:
                    box.start_download()
                self._start_after_download = True
                self.show_message("Full MNIST is not cached yet: downloading it first "
                                  "(Cancel stops). The run starts when it is verified.")
                return False
        return super().start(single_step)

    @Slot(bool, str)
    def _on_downloaded(self, ok: bool, message: str) -> None:
        self.show_message(message, error=not ok)
        start, self._start_after_download = self._start_after_download, False
        if ok and start and self.spec.name == "cnn":
            self.start()

    @Slot(str, str, str)
    def _on_failed(self, kind: str, message: str, details: str) -> None:
        """A cache that looked complete but fails its checksums: fetch it again, then
        start the run again."""
        if kind == "DataMissing" and self.spec.name == "cnn" and not self._refetch_tried:
            self._refetch_tried = True
            self.show_message("The cached full MNIST is incomplete or damaged: fetching it "
                              "again (Cancel stops); the run restarts when it is verified.",
                              error=True)
            self._start_after_download = True
            self.view.data_box.start_download()
            return
        super()._on_failed(kind, message, details)

    def shutdown(self, timeout: float = 2.0) -> bool:
        view = self.view_for.get("cnn")
        if view is not None:
            view.data_box.shutdown()
        return super().shutdown(timeout)

    # ---- progress and ghosts ----------------------------------------------------------------
    def _progress_text(self, snap: Snapshot) -> str:
        if "sizes" not in snap.arrays:
            return super()._progress_text(snap)
        _, _, per_epoch, total = (int(v) for v in snap.arrays["sizes"])
        m = snap.metrics
        parts = [f"epoch {m.get('epoch', 0.0):.2f}/{total / per_epoch:.4g}",
                 f"step {snap.step}/{total}"]
        if "test_acc" in m:
            parts.append(f"test acc. {100 * m['test_acc']:.1f} %")
        rate = self.runner.steps_per_second
        batch = getattr(self.run_cfg, "batch_size", 0)
        if rate > 0 and batch:
            parts.append(f"{rate * batch:,.0f} digits/s")
        return " · ".join(parts)

    @Slot(str)
    def _on_finished(self, outcome: str) -> None:
        super()._on_finished(outcome)
        if outcome != "failed":
            self._refetch_tried = False
        cfg = self.run_cfg
        if self.pending_ghost is not None and hasattr(cfg, "criterion"):
            history, _ = self.pending_ghost
            self.pending_ghost = (history, self.ghost_label(cfg))

    def ghost_label(self, cfg) -> str:
        """'(c) MSE index: lr 0.001→0.003': the criterion, then what else changed from
        the run before."""
        previous = self.previous_cfg.get(self.spec.name)
        others = {k: v for k, v in cfg.diff(previous).items() if k != "criterion"}
        change = ", ".join(f"{k} {_short(a)}→{_short(b)}" for k, (a, b) in others.items())
        return CRITERION_SHORT[cfg.criterion] + (f": {change}" if change else "")


def _short(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
