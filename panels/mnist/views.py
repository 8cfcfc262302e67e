"""Views of the mnist panel: the CNN of lecture 2.11 with exercise A1.1, and A1.5.

Views only draw; they never import an engine (engines import torch). The drawing canvas
evaluates the current model with the numpy forward pass of engines.mnist.numpy_cnn on the
weights the engine puts into its snapshots (about every 0.5 s and at the end of a run), so
the probabilities follow the drawing at once, while training, paused or after the run.
"""
from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from engines.mnist import data as mnist_data
from engines.mnist import numpy_cnn
from engines.mnist.configs import (CRITERIA, CRITERION_SHORT, CRITERION_TITLES,
                                   DATASET_TITLES, DATASETS, S_RANGE, ExpectedLabelsConfig, MNISTConfig, architecture,
                                   n_outputs, parameter_count, test_size, training_size)
from engines.mnist.labels import conditional_entropy, true_policy
from engines.runtime import Snapshot
from panels.mnist.canvas import DigitCanvas
from panels.mnist.download import DownloadThread
from workbench.demo_view import DemoView, fill, splitter
from workbench.run_history import short
from workbench.plots import FG, PALETTE, CurvePlot, ImagePlot, resolve_color

#: History columns that previous runs keep as ghost curves (the test curves: one line per
#: run keeps the comparison of several runs readable).
GHOST_KEYS = ("test_loss", "test_acc")
GALLERY_COLS = 6
GALLERY_ROWS = 4




def blues_colormap() -> pg.ColorMap:
    return pg.ColorMap([0.0, 0.5, 1.0], [(255, 255, 255), (107, 174, 214), (8, 48, 107)],
                       name="blues")


# ---- plots ------------------------------------------------------------------------------------
class EpochPlot(CurvePlot):
    """Train and test values per epoch, the running train average inside the epoch."""

    def __init__(self, title: str, y_label: str, key: str, log_y: bool = False,
                 y_range=None, legend: str = "top-right"):
        super().__init__(title, "epoch", y_label, log_y=log_y, y_range=y_range, legend=legend)
        self.add_curve(f"train_{key}_running", "", PALETTE[0], width=1.4, alpha=120, z=-1,
                       legend=False)
        self.add_curve(f"train_{key}", "train", PALETTE[0], width=2.6,
                       symbol="o", symbol_size=7)
        self.add_curve(f"test_{key}", "test", PALETTE[1], width=2.6, symbol="s",
                       symbol_size=7, z=1)
        if self.legend is not None:
            self.legend.setColumnCount(2)

    def _style_ghost(self, g) -> None:
        """Previous runs: a clearly visible dashed line each (the A1.1 comparison)."""
        col = resolve_color(g.color, self._theme, 225)
        for item in g.items.values():
            pen = pg.mkPen(col, width=max(1.5, 2.2 * self._scale))
            pen.setCosmetic(True)
            pen.setDashPattern([5, 2.5])
            item.setPen(pen)


class ConfusionPlot(ImagePlot):
    """Counts of (true class, predicted class) on the test set; colour = share of the row
    (square root, so that a few per cent of errors already show)."""

    def __init__(self):
        super().__init__("Confusion matrix", "predicted class", "true class",
                         colormap=blues_colormap(), levels=(0.0, 1.0), lock_aspect=False)
        pi = self.plotItem
        pi.invertY(True)
        pi.setMouseEnabled(x=False, y=False)
        ticks = [[(i + 0.5, str(i)) for i in range(10)]]
        for name in ("left", "bottom"):
            pi.getAxis(name).setTicks(ticks)
        self.cells: list[pg.TextItem] = []
        for r in range(10):
            for c in range(10):
                item = pg.TextItem("", anchor=(0.5, 0.5))
                item.setPos(c + 0.5, r + 0.5)
                item.setZValue(20)
                pi.addItem(item, ignoreBounds=True)
                self.cells.append(item)
        self.hint = self._add_text("the test set is evaluated\nbefore the first step and "
                                   "after every epoch", base_pt=12.0)
        self.hint.setPos(5, 5)
        pi.setRange(xRange=(0, 10), yRange=(0, 10), padding=0.02)
        self.matrix: np.ndarray | None = None
        self._style_cells()

    def set_confusion(self, matrix: np.ndarray) -> None:
        m = np.asarray(matrix, dtype=np.int64)
        self.matrix = m
        share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
        shade = np.sqrt(share)
        self.set_image(shade, levels=(0.0, 1.0), rect=(0, 0, 10, 10))
        self.plotItem.enableAutoRange()   # refit to the image whenever the size changes
        for i, item in enumerate(self.cells):
            r, c = divmod(i, 10)
            item.setText(str(m[r, c]) if m[r, c] else "")
            item.setColor("#FFFFFF" if shade[r, c] > 0.55 else "#1A1A1A")
        self.hint.setVisible(False)

    def set_axis_note(self, note: str) -> None:
        """'predicted (epoch 3)': when the matrix was measured."""
        self._x_label = f"predicted ({note})" if note else "predicted class"
        self._restyle()

    def reset(self) -> None:
        super().reset()
        self.matrix = None
        for item in self.cells:
            item.setText("")
        self.hint.setVisible(True)

    def _style_cells(self) -> None:
        font = pg.QtGui.QFont()
        font.setPointSizeF(self._pt(9.0))
        for item in getattr(self, "cells", []):
            item.setFont(font)

    def _restyle_items(self) -> None:
        super()._restyle_items()
        self._style_cells()


class GalleryPlot(ImagePlot):
    """Misclassified test digits (black ink on white) with 'true→predicted' captions."""

    TILE = 28
    GAP_X = 6
    GAP_Y = 13   # room for the caption under each digit

    def __init__(self):
        super().__init__("Misclassified digits", picture=True,
                         levels=(0, 255))
        self.captions: list[pg.TextItem] = []
        for _ in range(GALLERY_COLS * GALLERY_ROWS):
            item = pg.TextItem("", anchor=(0.5, 0.0), color="#C0392B")
            item.setZValue(30)
            self.plotItem.addItem(item, ignoreBounds=True)
            self.captions.append(item)
        self.hint = self._add_text("no errors to show yet", base_pt=12.0)
        w, h = self._size()
        self.hint.setPos(w / 2, h / 2)
        self.plotItem.setRange(xRange=(0, w), yRange=(0, h), padding=0.0)
        self.count = 0
        self._style_captions()

    def _size(self) -> tuple[int, int]:
        return (GALLERY_COLS * (self.TILE + self.GAP_X) - self.GAP_X,
                GALLERY_ROWS * (self.TILE + self.GAP_Y))

    def set_digits(self, images: np.ndarray, true: np.ndarray, pred: np.ndarray) -> None:
        w, h = self._size()
        mosaic = np.full((h, w), 255, np.uint8)
        k = min(len(images), GALLERY_COLS * GALLERY_ROWS)
        for i in range(k):
            r, c = divmod(i, GALLERY_COLS)
            y0, x0 = r * (self.TILE + self.GAP_Y), c * (self.TILE + self.GAP_X)
            mosaic[y0:y0 + self.TILE, x0:x0 + self.TILE] = 255 - images[i]
            self.captions[i].setText(f"{int(true[i])}→{int(pred[i])}")
            self.captions[i].setPos(x0 + self.TILE / 2, y0 + self.TILE - 0.5)
            self.captions[i].setVisible(True)
        for item in self.captions[k:]:
            item.setVisible(False)
        self.set_image(mosaic, levels=(0, 255), rect=(0, 0, w, h))
        self.plotItem.enableAutoRange()
        self.count = k
        self.hint.setText("no misclassified test digits" if k == 0 else "")
        self.hint.setVisible(k == 0)

    def reset(self) -> None:
        super().reset()
        self.count = 0
        for item in self.captions:
            item.setVisible(False)
        self.hint.setText("no errors to show yet")
        self.hint.setVisible(True)

    def _style_captions(self) -> None:
        font = pg.QtGui.QFont()
        font.setPointSizeF(self._pt(9.5))
        font.setBold(True)
        for item in getattr(self, "captions", []):
            item.setFont(font)

    def _restyle_items(self) -> None:
        super()._restyle_items()
        self._style_captions()


class ProbabilityPlot(CurvePlot):
    """Ten bars: what the current model says about the drawing."""

    def __init__(self):
        super().__init__("Model's answer", "digit", "", legend=None, y_range=(0.0, 1.55))
        pi = self.plotItem
        pi.setMouseEnabled(x=False, y=False)
        pi.setXRange(-0.6, 9.6, padding=0)
        pi.enableAutoRange(axis="x", enable=False)
        pi.getAxis("bottom").setTicks([[(i, str(i)) for i in range(10)]])
        pi.getAxis("left").setTicks([[(0.0, "0"), (0.5, "0.5"), (1.0, "1")]])
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.75)
        pi.addItem(self.bars)
        # The answer and its kind on one line inside the plot (a changing title would
        # resize the plot; a label over the bar and a second line ran into each other in
        # the ~120 px tall plot at 1280x720). The answer's bar is drawn in the hot colour.
        self.detail = self._add_text("", base_pt=11.0, color="foreground", anchor=(0.0, 0.0))
        self.detail.setPos(-0.5, 1.54)
        self.note = self._add_text("start a run: the model's answer\nto your drawing "
                                   "appears here", base_pt=11.0)
        self.note.setPos(4.5, 0.6)
        self.probs: np.ndarray | None = None
        self._paint_bars(np.zeros(10))

    def set_probabilities(self, probs: np.ndarray | None, note: str = "",
                          detail: str = "", show_best: bool = True) -> None:
        self.probs = None if probs is None else np.asarray(probs, dtype=float)
        if self.probs is None:
            self._paint_bars(np.zeros(10))
            self.detail.setText(detail)
        else:
            self._paint_bars(self.probs)
            k = int(np.argmax(self.probs))
            best = f"{k}: {self.probs[k]:.0%}" if show_best else ""
            self.detail.setText(f"{best} ({detail})" if best and detail else best or detail)
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def answer_text(self) -> str:
        """The answer on one line ("3: 100% (softmax)"), "" while there is none."""
        return self.detail.toPlainText() if self.probs is not None else ""

    def _paint_bars(self, probs: np.ndarray) -> None:
        k = int(np.argmax(probs)) if probs.max() > 0 else -1
        base = resolve_color(PALETTE[0], self._theme)
        hot = resolve_color(PALETTE[1], self._theme)
        brushes = [pg.mkBrush(hot if i == k else base) for i in range(10)]
        self.bars.setOpts(height=probs, brushes=brushes, pens=[pg.mkPen(None)] * 10)

    def _restyle_items(self) -> None:
        super()._restyle_items()
        if getattr(self, "bars", None) is not None:
            self._paint_bars(self.probs if self.probs is not None else np.zeros(10))


# ---- the data box ----------------------------------------------------------------------------
def dataset_text(cfg: MNISTConfig) -> str:
    n_train, n_test = training_size(cfg), test_size(cfg)
    return (f"{DATASET_TITLES[cfg.dataset]}: <b>{n_train:,}</b> training / "
            f"<b>{n_test:,}</b> test digits")


class DataBox(QWidget):
    """Which dataset is in use and its size; downloads full MNIST (cancellable)."""

    downloaded = Signal(bool, str)   # ok, message

    def __init__(self, parent=None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setObjectName("datasetLabel")
        size_mb = sum(s for _, s in mnist_data.FULL_FILES.values()) / 1e6
        self.download_button = QPushButton(f"Download full MNIST ({size_mb:.0f} MB)")
        self.download_button.setToolTip("Fetch the 60,000 + 10,000 digits once from the "
                                        "usual mirrors, check their MD5 sums and cache them")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("%p %")
        self.progress.setMinimumWidth(120)
        self.cancel_button = QPushButton("Cancel")
        row.addWidget(self.label, 1)
        row.addWidget(self.download_button)
        row.addWidget(self.progress)
        row.addWidget(self.cancel_button)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button.clicked.connect(self.cancel_download)
        self.thread: DownloadThread | None = None
        self.cfg: MNISTConfig | None = None
        self.in_use: tuple[str, int, int] | None = None
        self._set_downloading(False)

    def _set_downloading(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)
        self.download_button.setVisible(not on and not self.full_cached())

    @staticmethod
    def full_cached() -> bool:
        return mnist_data.cached_quickly()

    @property
    def downloading(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def show_config(self, cfg: MNISTConfig) -> None:
        self.cfg = cfg
        self._refresh()

    def show_in_use(self, name: str, n_train: int, n_test: int) -> None:
        in_use = (name, int(n_train), int(n_test))
        if in_use != self.in_use:
            self.in_use = in_use
            self._refresh()

    def clear_in_use(self) -> None:
        self.in_use = None
        self._refresh()

    def _refresh(self) -> None:
        lines = []
        if self.in_use is not None:
            name, n_train, n_test = self.in_use
            lines.append(f"<b>In use:</b> {DATASET_TITLES.get(name, name)}, "
                         f"<b>{n_train:,}</b> training / <b>{n_test:,}</b> test digits")
        if self.cfg is not None:
            if self.in_use is None:
                lines.append(f"<b>Dataset:</b> {dataset_text(self.cfg)}")
            elif self.in_use != (self.cfg.dataset, training_size(self.cfg),
                                 test_size(self.cfg)):
                lines.append(f"<b>Next run:</b> {dataset_text(self.cfg)}")
        cached = self.full_cached()
        if self.downloading:
            lines.append("Downloading full MNIST…")
        elif cached:
            self.label.setToolTip(f"Full MNIST is cached in {mnist_data.mnist_dir()}")
        elif self.cfg is not None and self.cfg.dataset == "full":
            lines.append("<span style='color:#B42318'>Full MNIST is not downloaded yet: "
                         "Start downloads it first.</span>")
        self.label.setText(" &nbsp;·&nbsp; ".join(lines))
        if not self.downloading:
            self.download_button.setVisible(not cached)

    # ---- download ----------------------------------------------------------------------------
    def start_download(self) -> bool:
        if self.downloading:
            return False
        self.thread = DownloadThread(self)
        self.thread.progress.connect(self._on_progress)
        self.thread.done.connect(self._on_done)
        self.progress.setValue(0)
        self._set_downloading(True)
        self.thread.start()
        self._refresh()
        return True

    def cancel_download(self) -> None:
        if self.thread is not None:
            self.thread.cancel()

    def _on_progress(self, done: int, total: int, name: str) -> None:
        self.progress.setValue(int(1000 * done / total) if total > 0 else 0)
        self.progress.setToolTip(f"{name}: {done / 1e6:.1f} of {total / 1e6:.1f} MB")

    def _on_done(self, ok: bool, message: str) -> None:
        thread, self.thread = self.thread, None
        if thread is not None:
            thread.wait(2000)
            thread.deleteLater()
        self._set_downloading(False)
        self._refresh()
        self.downloaded.emit(ok, message)

    def shutdown(self, timeout_ms: int = 3000) -> None:
        if self.thread is not None:
            self.thread.cancel()
            self.thread.wait(timeout_ms)


# ---- the CNN demo ----------------------------------------------------------------------------
DRAW_HEADING = "<b>Draw a digit</b> (right click clears)"


class CNNView(DemoView):
    """Loss and accuracy per epoch (previous runs overlaid), confusion matrix, misclassified
    digits, a canvas evaluated by the current model, the architecture and the dataset."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.confusion", "arrays.criterion", "arrays.dataset", "arrays.output_affine",
             "arrays.sizes", "arrays.wrong_images", "arrays.wrong_pred", "arrays.wrong_true",
             "history.step", "history.test_acc", "history.test_loss", "history.train_acc_running",
             "history.train_loss_running")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.loss = EpochPlot("Loss per epoch", "loss", "loss", log_y=True)
        self.accuracy = EpochPlot("Accuracy per epoch", "accuracy", "acc",
                                  y_range=(0.0, 1.02), legend=None)
        self.accuracy.add_curve("chance", "chance (10 %)", FG, width=1.2, style="dash",
                                z=-3, legend=False)
        self.confusion = ConfusionPlot()
        self.gallery = GalleryPlot()
        self.bars = ProbabilityPlot()
        self.canvas = DigitCanvas()
        self.canvas.changed.connect(self.update_prediction)
        self.preview = ImagePlot("", picture=True, levels=(0.0, 1.0))
        self.preview.setToolTip("What the network sees: your drawing at 28 × 28, centred "
                                "like the MNIST digits")
        self.preview.setFixedSize(self.PREVIEW_PX, self.PREVIEW_PX)
        self.clear_button = QPushButton("Clear")
        self.sample_button = QPushButton("Test digit")
        self.sample_button.setToolTip("Put a random digit of the bundled test set on the canvas")
        self.clear_button.clicked.connect(self.canvas.clear)
        self.sample_button.clicked.connect(self.show_test_digit)
        self.architecture = QLabel()
        self.architecture.setTextFormat(Qt.TextFormat.RichText)
        self.architecture.setWordWrap(True)
        self.architecture.setObjectName("architecture")
        self.data_box = DataBox()

        draw = QWidget()
        dl = QVBoxLayout(draw)
        dl.setContentsMargins(4, 0, 0, 0)
        self.draw_heading = QLabel(DRAW_HEADING)
        dl.addWidget(self.draw_heading)
        row = QHBoxLayout()
        row.addWidget(self.canvas, 1)
        side = QVBoxLayout()
        self.preview_caption = QLabel("network input")
        side.addWidget(self.preview_caption)
        side.addWidget(self.preview)
        side.addWidget(self.clear_button)
        side.addWidget(self.sample_button)
        side.addStretch(1)
        row.addLayout(side)
        dl.addLayout(row, 1)

        self.info = info = QWidget()
        il = QVBoxLayout(info)
        il.setContentsMargins(2, 0, 2, 2)
        il.setSpacing(2)
        il.addWidget(self.architecture)
        il.addWidget(self.data_box)
        top = splitter(Qt.Orientation.Horizontal, self.loss, self.accuracy, stretch=[1, 1])
        right = splitter(Qt.Orientation.Vertical, draw, self.bars, stretch=[3, 2])
        bottom = splitter(Qt.Orientation.Horizontal, self.confusion, self.gallery, right,
                           stretch=[1, 1, 1])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(info)
        self.rows = splitter(Qt.Orientation.Vertical, top, bottom, stretch=[1, 1])
        self._rows_before_compact: list[int] | None = None
        lay.addWidget(self.rows, 1)

        self.weights: dict[str, np.ndarray] | None = None
        self.criterion = CRITERIA[0]
        self.affine = (1.0, 0.0)
        self.probabilities: np.ndarray | None = None
        self.cfg: MNISTConfig | None = None
        self._sample_rng = np.random.default_rng(0)
        self._test_digits = None
        self.show_test_digit(index=0)

    def plots(self) -> list:
        return [self.loss, self.accuracy, self.bars, self.confusion, self.gallery]

    # ---- fitting a short view (zoom 2 on 1280x720) ------------------------------------------
    #: The architecture line steps aside where it would take more than this share of the
    #: view's height: its four lines at zoom 2 on 1280x720 left the loss and accuracy plots
    #: 50 px. Its table is then the tooltip of the data line below.
    ARCHITECTURE_MAX_SHARE = 0.12
    #: The network-input preview's side (pixels), and in a view shorter than
    #: COMPACT_LINES lines of text (zoom 2 on 1280x720), where the drawing column
    #: (caption, preview, two buttons, the bars below) set the bottom row's minimum
    #: height and left the loss and accuracy plots ~30 px of data area: a smaller
    #: preview without its caption, and the answer in the heading instead of the bars.
    PREVIEW_PX = 84
    PREVIEW_COMPACT_PX = 56
    COMPACT_LINES = 22

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_to_height()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API (font changes: zoom)
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._fit_to_height()

    def _fit_to_height(self) -> None:
        height = max(1, self.height())
        need = self.architecture.heightForWidth(max(1, self.width() - 4))
        self.architecture.setVisible(need <= self.ARCHITECTURE_MAX_SHARE * height)
        compact = height < self.COMPACT_LINES * self.fontMetrics().height()
        self.preview_caption.setVisible(not compact)   # the preview's tooltip says it
        side = self.PREVIEW_COMPACT_PX if compact else self.PREVIEW_PX
        if self.preview.width() != side:
            self.preview.setFixedSize(side, side)
        if self.bars.isHidden() != compact:
            self.bars.setVisible(not compact)
            self._show_answer()
            # A splitter keeps the sizes it had: compact, the rows share the height again
            # (the bottom row a little more, for the confusion matrix's square); back to
            # normal, they get the sizes they had before.
            if compact:
                self._rows_before_compact = self.rows.sizes()
                height = self.rows.height()
                self.rows.setSizes([int(0.45 * height), height - int(0.45 * height)])
            elif self._rows_before_compact is not None:
                self.rows.setSizes(self._rows_before_compact)

    def _show_answer(self) -> None:
        """With the bars hidden (compact), the answer follows the heading."""
        answer = self.bars.answer_text() if self.bars.isHidden() else ""
        self.draw_heading.setText(f"<b>Draw a digit</b> → {html.escape(answer)}" if answer
                                  else DRAW_HEADING)

    # ---- config preview ------------------------------------------------------------------------
    def config_changed(self, cfg: MNISTConfig) -> None:
        self.cfg = cfg
        self.data_box.show_config(cfg)
        self.architecture.setText(architecture_line(cfg))
        self.architecture.setToolTip(architecture_html(cfg))
        self.info.setToolTip(architecture_html(cfg))   # also where the line stepped aside
        self._fit_to_height()
        self.accuracy.set_curve("chance", [0, cfg.epochs], [0.1, 0.1])

    # ---- snapshots ---------------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        a = snap.arrays
        self.loss.show_history(snap.history)
        self.accuracy.show_history(snap.history)
        if "confusion" in a:
            if self.confusion.matrix is None or not np.array_equal(self.confusion.matrix,
                                                                   a["confusion"]):
                self.confusion.set_confusion(a["confusion"])
                self.gallery.set_digits(a["wrong_images"], a["wrong_true"], a["wrong_pred"])
                epoch = float(a.get("eval_epoch", np.array(0.0)))
                self.confusion.set_axis_note(f"epoch {epoch:.3g}")
        if "sizes" in a and "dataset" in a:
            self.data_box.show_in_use(DATASETS[int(a["dataset"])], *a["sizes"][:2])
        if "w_conv1_w" in a:
            self.weights = {k[2:]: v for k, v in a.items() if k.startswith("w_")}
            self.criterion = CRITERIA[int(a["criterion"])]
            alpha, beta = (float(v) for v in a["output_affine"])
            self.affine = (alpha, beta)
            self.update_prediction()

    def reset(self) -> None:
        super().reset()
        self.data_box.clear_in_use()
        self.confusion.set_axis_note("")

    def add_ghost(self, history: dict[str, np.ndarray], label: str) -> None:
        kept = {k: v for k, v in history.items() if k == "step" or k in GHOST_KEYS}
        for plot in (self.loss, self.accuracy):
            plot.add_ghost(kept, label)

    # ---- the canvas --------------------------------------------------------------------------
    def show_test_digit(self, checked: bool = False, index: int | None = None) -> None:
        if self._test_digits is None:
            try:
                subset = mnist_data.load_subset()
                self._test_digits = (subset.x_test, subset.y_test)
            except (OSError, KeyError, ValueError):
                return
        images, _ = self._test_digits
        i = int(self._sample_rng.integers(len(images))) if index is None else index
        self.canvas.set_image28(images[i])

    def update_prediction(self) -> None:
        x = self.canvas.image28()
        self.preview.set_image(1.0 - x, levels=(0.0, 1.0))
        if self.weights is None:
            self.probabilities = None
            self.bars.set_probabilities(None, "start a run: the model's answer\nto your "
                                              "drawing appears here")
            self._show_answer()
            return
        if self.canvas.is_empty:
            self.probabilities = None
            self.bars.set_probabilities(None, "draw a digit")
            self._show_answer()
            return
        try:
            out = numpy_cnn.forward(self.weights, x)
        except (KeyError, ValueError) as exc:   # weights of an unexpected shape
            self.bars.set_probabilities(None, f"cannot evaluate: {exc}")
            self._show_answer()
            return
        probs = numpy_cnn.class_probabilities(out, self.criterion, *self.affine)[0]
        self.probabilities = probs
        if self.criterion == "a_cross_entropy":
            detail = "softmax"
        elif self.criterion == "b_mse_onehot":
            detail = "f ≥ 0, normalised"
        else:
            f = float(numpy_cnn.regression_value(out, self.criterion, *self.affine)[0])
            detail = f"output f = {f:.2f} → {int(np.argmax(probs))}"
        self.bars.set_probabilities(probs, "", detail, show_best=self.criterion in (
            "a_cross_entropy", "b_mse_onehot"))
        self._show_answer()

    # ---- hooks: full MNIST on demand, progress, ghosts -------------------------------------
    def attach(self, ctx) -> None:
        super().attach(ctx)
        self._start_after_download = False
        self._refetch_tried = False      # a damaged cache is fetched again once per run
        self.data_box.downloaded.connect(self._on_downloaded)

    def before_start(self, cfg):
        """Choosing the full dataset when it is not cached yet downloads it first
        (cancellable, off the GUI thread); the run starts when it is verified."""
        box = self.data_box
        if cfg.dataset == "full" and not box.full_cached():
            if not box.downloading:
                box.start_download()
            self._start_after_download = True
            self.ctx.message("Full MNIST is not cached yet: downloading it first "
                             "(Cancel stops). The run starts when it is verified.")
            return False
        return None

    def _on_downloaded(self, ok: bool, message: str) -> None:
        self.ctx.message(message, error=not ok)
        start, self._start_after_download = self._start_after_download, False
        if ok and start:
            self.ctx.start()

    def run_failed(self, kind: str, message: str) -> bool:
        """A cache that looked complete but fails its checksums: fetch it again, then
        start the run again."""
        if kind == "DataMissing" and not self._refetch_tried:
            self._refetch_tried = True
            self.ctx.message("The cached full MNIST is incomplete or damaged: fetching it "
                             "again (Cancel stops); the run restarts when it is verified.",
                             error=True)
            self._start_after_download = True
            self.data_box.start_download()
            return True
        return False

    def run_finished(self, outcome: str) -> None:
        if outcome != "failed":
            self._refetch_tried = False

    def shutdown(self) -> None:
        self.data_box.shutdown()

    def progress_text(self, snap: Snapshot) -> str | None:
        if "sizes" not in snap.arrays:
            return None
        _, _, per_epoch, total = (int(v) for v in snap.arrays["sizes"])
        m = snap.metrics
        parts = [f"epoch {m.get('epoch', 0.0):.2f}/{total / per_epoch:.4g}",
                 f"step {snap.step}/{total}"]
        if "test_acc" in m:
            parts.append(f"test acc. {100 * m['test_acc']:.1f} %")
        rate = self.ctx.steps_per_second
        batch = getattr(self.ctx.run_config, "batch_size", 0)
        if rate > 0 and batch:
            parts.append(f"{rate * batch:,.0f} digits/s")
        return " · ".join(parts)

    def ghost_label(self, cfg, previous) -> str:
        """'(c) MSE index: lr 0.001→0.003': the criterion, then what else changed from
        the run before, so the four runs of exercise A1.1 overlay labelled."""
        others = {k: v for k, v in cfg.diff(previous).items() if k != "criterion"}
        change = ", ".join(f"{k} {short(a)}→{short(b)}" for k, (a, b) in others.items())
        return CRITERION_SHORT[cfg.criterion] + (f": {change}" if change else "")


def architecture_line(cfg: MNISTConfig) -> str:
    """The network as one line: input → conv → pool → … → output, with its size."""
    k, c1, c2 = cfg.kernel, cfg.channels1, cfg.channels2
    steps = ["1×28×28", f"conv {k}×{k}, {c1} ch + ReLU", f"max-pool → {c1}×14×14",
             f"conv {k}×{k}, {c2} ch + ReLU", f"max-pool → {c2}×7×7",
             f"dense {cfg.hidden} + ReLU", f"dense {n_outputs(cfg.criterion)}"]
    if cfg.criterion == "d_scaled_output":
        steps.append(f"{cfg.alpha:g}·f + {cfg.beta:g}")
    return (f"<b>Network:</b> {' → '.join(html.escape(x) for x in steps)} &nbsp;·&nbsp; "
            f"<b>{parameter_count(cfg):,}</b> parameters &nbsp;·&nbsp; "
            f"<b>{html.escape(CRITERION_TITLES[cfg.criterion])}</b>")


def architecture_html(cfg: MNISTConfig) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(layer)}</td><td align='right'>&nbsp;{html.escape(shape)}</td>"
        f"<td align='right'>&nbsp;{params:,}</td></tr>"
        for layer, shape, params in architecture(cfg))
    return ("<b>Architecture</b> · " + html.escape(CRITERION_TITLES[cfg.criterion])
            + "<table cellspacing='0' cellpadding='1'>"
            "<tr><td><i>layer</i></td><td align='right'><i>output</i></td>"
            "<td align='right'><i>parameters</i></td></tr>" + rows
            + f"<tr><td><b>total</b></td><td></td><td align='right'>"
              f"<b>{parameter_count(cfg):,}</b></td></tr></table>")


# ---- exercise A1.5 ---------------------------------------------------------------------------
class ExpectedView(DemoView):
    """π_θ(a|s) against the true p(a|s) and the label frequencies; KL and loss vs. steps."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.bin_centres", "arrays.freq", "arrays.p_true", "arrays.pi", "arrays.s",
             "history.floor", "history.kl", "history.loss", "history.step", "history.train_nll")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.policy = CurvePlot("Network π<sub>θ</sub>(a|s) and truth p(a|s)", "state s",
                                "probability", y_range=(0.0, 1.3), legend="top-right")
        self.policy.add_curve("legend_true", "true p(a|s)", FG, width=1.8, style="dash")
        self.policy.add_curve("legend_freq", "label frequency", FG, width=0, symbol="o",
                              symbol_size=6, alpha=170)
        self.policy.legend.setColumnCount(2)
        self.policy.plotItem.setXRange(*S_RANGE, padding=0.02)
        self.policy.plotItem.enableAutoRange(axis="x", enable=False)
        self.kl = CurvePlot("KL divergence", "step",
                            "E<sub>s</sub> D<sub>KL</sub>(p ‖ π<sub>θ</sub>)", log_y=True,
                            legend=None)
        self.kl.add_curve("kl", "E_s KL(p(·|s) ‖ π_θ(·|s))", PALETTE[2], width=2.6)
        self.loss = CurvePlot("Loss near its floor H(A|S)", "step", "nats",
                              legend="top-right")
        self.loss.add_curve("train_nll", "loss on the training labels", PALETTE[0],
                            width=2.0, alpha=170)
        self.loss.add_curve("loss", "L[θ] = H + E KL", PALETTE[1], width=2.6)
        self.loss.add_curve("floor", "floor H(A|S)", FG, width=1.6, style="dash")
        self.n_actions = 0
        self._floor: float | None = None
        right = splitter(Qt.Orientation.Vertical, self.kl, self.loss)
        fill(self, splitter(Qt.Orientation.Horizontal, self.policy, right, stretch=[3, 2]))

    def plots(self) -> list:
        return [self.policy, self.kl, self.loss]

    def _ensure_actions(self, n: int) -> None:
        if n == self.n_actions:
            return
        for key in list(self.policy.curves):
            if not key.startswith("legend"):
                self.policy.set_curve_enabled(key, False)
        for a in range(n):
            color = PALETTE[a % len(PALETTE)]
            for key, kwargs in ((f"pi{a}", dict(label=f"π<sub>θ</sub>(a={a}|s)", width=3.0)),
                                (f"p{a}", dict(label="", width=1.8, style="dash",
                                               legend=False)),
                                (f"f{a}", dict(label="", width=0, symbol="o",
                                               symbol_size=6, alpha=170, legend=False))):
                if key not in self.policy.curves:
                    label = kwargs.pop("label")
                    self.policy.add_curve(key, label, color, **kwargs)
                self.policy.set_curve_enabled(key, True)
        self.n_actions = n

    def _zoom_loss(self, floor: float) -> None:
        """The loss's interesting part is near the floor: below it means memorising."""
        self.loss.plotItem.setYRange(0.8 * floor, floor + max(0.25, 0.6 * floor), padding=0)
        self.loss.plotItem.enableAutoRange(axis="y", enable=False)

    def config_changed(self, cfg: ExpectedLabelsConfig) -> None:
        self._ensure_actions(cfg.n_actions)
        self._zoom_loss(conditional_entropy(cfg.n_actions, cfg.sharpness))
        s = np.linspace(*S_RANGE, 161)
        p = true_policy(s, cfg.n_actions, cfg.sharpness)
        for a in range(cfg.n_actions):
            self.policy.set_curve(f"p{a}", s, p[:, a])

    def show_snapshot(self, snap: Snapshot) -> None:
        a = snap.arrays
        if "pi" in a:
            n = a["pi"].shape[0]
            self._ensure_actions(n)
            for k in range(n):
                self.policy.set_curve(f"pi{k}", a["s"], a["pi"][k])
                self.policy.set_curve(f"p{k}", a["s"], a["p_true"][k])
                self.policy.set_curve(f"f{k}", a["bin_centres"], a["freq"][k])
        self.kl.show_history(snap.history)
        self.loss.show_history(snap.history)
        floor = snap.metrics.get("floor")
        if floor is not None and floor != self._floor:
            self._floor = floor
            self._zoom_loss(floor)

    def reset(self) -> None:
        for key in list(self.policy.curves):
            if key.startswith(("pi", "f")):
                self.policy.set_curve(key, [], [])
        self.kl.reset()
        self.loss.reset()

