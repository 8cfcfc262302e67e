"""DigitCanvas: draw a digit with the mouse; it is turned into an MNIST-like 28 × 28 image.

Left button draws thick round strokes (black ink on white paper), the right button clears.
The drawing lives in a 280 × 280 grey image; :meth:`DigitCanvas.image28` prepares it the
way MNIST prepared its digits (bounding box scaled to 20 × 20 pixels, centre of mass in
the middle of 28 × 28, ink = 1), see engines.mnist.numpy_cnn.center_like_mnist.
``changed`` fires (at most ~30 times a second) while the user draws.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engines.mnist.numpy_cnn import center_like_mnist

SIZE = 280          # drawing resolution (10 × MNIST)
PEN_WIDTH = 24.0    # stroke width in drawing pixels, about MNIST's stroke at 28 × 28
THROTTLE_MS = 30


class DigitCanvas(QWidget):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(140, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit with the left mouse button; right click clears")
        self.paper = QImage(SIZE, SIZE, QImage.Format.Format_Grayscale8)
        self.paper.fill(255)
        self._last: QPointF | None = None
        self._empty = True
        self.hint = "draw a digit here"
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(THROTTLE_MS)
        self._timer.timeout.connect(self.changed)

    # ---- geometry ----------------------------------------------------------------------
    def _square(self) -> QRectF:
        side = min(self.width(), self.height()) - 2
        x0 = (self.width() - side) / 2
        y0 = (self.height() - side) / 2
        return QRectF(x0, y0, side, side)

    def to_paper(self, pos: QPointF) -> QPointF:
        """Widget coordinates → drawing pixels (0..280)."""
        r = self._square()
        return QPointF((pos.x() - r.x()) * SIZE / r.width(), (pos.y() - r.y()) * SIZE / r.height())

    # ---- drawing ----------------------------------------------------------------------
    def _stroke(self, a: QPointF, b: QPointF) -> None:
        painter = QPainter(self.paper)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(0, 0, 0), PEN_WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawLine(a, b)
        painter.end()
        self._empty = False
        self.update()
        if not self._timer.isActive():
            self._timer.start()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.RightButton:
            self.clear()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            p = self.to_paper(event.position())
            self._last = p
            self._stroke(p, p)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._last is not None and event.buttons() & Qt.MouseButton.LeftButton:
            p = self.to_paper(event.position())
            self._stroke(self._last, p)
            self._last = p

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._last is not None:
            self._last = None
            self._timer.stop()
            self.changed.emit()

    def draw_polyline(self, points) -> None:
        """Draw a stroke through drawing-pixel points (for scripts and tests)."""
        pts = [QPointF(float(x), float(y)) for x, y in points]
        for a, b in zip(pts[:1] + pts[:-1], pts):
            self._stroke(a, b)
        self._timer.stop()
        self.changed.emit()

    def clear(self) -> None:
        self.paper.fill(255)
        self._empty = True
        self.update()
        self.changed.emit()

    def set_image28(self, image: np.ndarray) -> None:
        """Show a 28 × 28 image (ink in [0, 1] or 0..255), e.g. a test digit, enlarged."""
        img = np.asarray(image, dtype=np.float64)
        if img.max() > 1.0:
            img = img / 255.0
        grey = (255 - np.clip(img, 0, 1) * 255).astype(np.uint8)
        big = np.kron(grey, np.ones((SIZE // 28, SIZE // 28), np.uint8))
        big = np.ascontiguousarray(big)
        qimg = QImage(big.data, SIZE, SIZE, SIZE, QImage.Format.Format_Grayscale8)
        self.paper = qimg.copy()
        self._empty = not (img > 0.05).any()
        self.update()
        self.changed.emit()

    # ---- reading -----------------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        return self._empty

    def ink(self) -> np.ndarray:
        """The drawing as ink (280, 280) in [0, 1] (1 = black)."""
        ptr = self.paper.constBits()
        stride = self.paper.bytesPerLine()
        arr = np.frombuffer(ptr, np.uint8, count=stride * SIZE).reshape(SIZE, stride)[:, :SIZE]
        return 1.0 - arr.astype(np.float64) / 255.0

    def image28(self) -> np.ndarray:
        """The drawing as the network sees it: 28 × 28 float32 in [0, 1], MNIST-centred."""
        return center_like_mnist(self.ink())

    # ---- painting ----------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        r = self._square()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(r, self.paper)
        painter.setPen(QPen(QColor("#808080"), 1.5))
        painter.drawRect(r)
        if self._empty:
            painter.setPen(QColor("#9A9A9A"))
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 1.1)
            painter.setFont(font)
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, self.hint)
        painter.end()
