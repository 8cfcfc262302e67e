"""The course map: every chapter with its panels and demos, each with its one-line
description and a small picture, and a search box. A start page and a page of the main
window (View ▸ Course map); a click on a demo opens it.

Pictures are rendered offscreen once, in a background process at low priority (the
window never waits for them), and cached in the user cache directory under the app's
version, so a new version renders them again. Until a picture is there a card shows its
chapter number instead. ``python -m workbench.course_map --thumbnails DIR panel/demo …``
is that background process.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QScrollArea, QSizePolicy, QVBoxLayout, QWidget)

from workbench import APP_ID, __version__
from workbench.course_index import Entry, build_index, search

THUMB_W, THUMB_H = 128, 80
CARD_W = 316
RENDER_SECONDS = 2.5     # training per picture in the background process


# ---- the cache --------------------------------------------------------------------------------
def thumbnail_root() -> Path:
    override = os.environ.get("ML_WORKBENCH_CACHE_DIR")
    if override:
        return Path(override) / "thumbnails"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_ID)) / "thumbnails"


def thumbnail_dir(version: str = __version__) -> Path:
    return thumbnail_root() / version


def thumbnail_path(panel: str, demo: str, directory: Path | None = None) -> Path:
    return (directory or thumbnail_dir()) / f"{panel}--{demo}.png"


def drop_old_versions(keep: str = __version__) -> None:
    root = thumbnail_root()
    if root.is_dir():
        for child in root.iterdir():
            if child.is_dir() and child.name != keep:
                shutil.rmtree(child, ignore_errors=True)


def chapter_label(chapter: str) -> str:
    """'ch. 9, A1.4' for lecture chapters; other names ('seminar') as they are."""
    return f"ch. {chapter}" if chapter[:1].isdigit() else chapter


# ---- widgets ---------------------------------------------------------------------------------
class DemoCard(QFrame):
    clicked = Signal(str, str)

    def __init__(self, entry: Entry, parent: QWidget | None = None):
        super().__init__(parent)
        self.entry = entry
        self.setObjectName("demoCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(CARD_W)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 6, 6, 6)
        self.picture = QLabel(chapter_label(entry.chapter.split(',')[0]))
        self.picture.setFixedSize(THUMB_W, THUMB_H)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setStyleSheet("background: rgba(127,127,127,40); color: #8a8f98;")
        row.addWidget(self.picture)
        words = QVBoxLayout()
        self.title = QLabel(f"<b>{entry.title}</b>")
        self.title.setWordWrap(True)
        self.summary = QLabel(entry.describe() if entry.built else "planned")
        self.summary.setWordWrap(True)
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.summary.setFont(small)
        words.addWidget(self.title)
        words.addWidget(self.summary)
        words.addStretch(1)
        row.addLayout(words, 1)
        if entry.built:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.setToolTip(f"Open {entry.key}")
        else:
            self.setEnabled(False)

    def set_picture(self, path: Path) -> bool:
        pixmap = QPixmap(str(path))
        if pixmap.isNull():
            return False
        self.picture.setPixmap(pixmap.scaled(THUMB_W, THUMB_H,
                                             Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
        return True

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.entry.built and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.entry.panel, self.entry.demo)
        super().mouseReleaseEvent(event)


class CourseMap(QWidget):
    """Chapters, panels and demos; ``demo_chosen(panel, demo)`` when one is clicked."""

    demo_chosen = Signal(str, str)

    def __init__(self, entries: list[Entry] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.entries = entries if entries is not None else build_index()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        heading = QLabel("<h2>Course map</h2>Every chapter with its demos: click one to "
                         "open it, or search (also Ctrl+K anywhere).")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search demos: PCA, Huffman, PPO, chapter 5, …")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self.filter)
        self.search_box.returnPressed.connect(self._open_first)
        layout.addWidget(self.search_box)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        self.body = QVBoxLayout(inner)
        self.scroll.setWidget(inner)
        self.scroll.viewport().installEventFilter(self)
        layout.addWidget(self.scroll, 1)
        self.cards: dict[str, DemoCard] = {}
        self.shown_keys = {e.key for e in self.entries}
        self.sections: list[tuple[QLabel, QWidget, QGridLayout, list[DemoCard]]] = []
        self._columns = 0
        current = None
        for entry in self.entries:
            if entry.panel != current:
                current = entry.panel
                label = QLabel(f"<h3>{chapter_label(entry.chapter)} · {entry.topic_title}</h3>")
                grid_host = QWidget()
                grid = QGridLayout(grid_host)
                grid.setContentsMargins(0, 0, 0, 0)
                grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                self.body.addWidget(label)
                self.body.addWidget(grid_host)
                self.sections.append((label, grid_host, grid, []))
            card = DemoCard(entry)
            card.clicked.connect(self.demo_chosen)
            self.cards[entry.key] = card
            self.sections[-1][3].append(card)
        self.body.addStretch(1)
        self._layout_cards()
        self.process: QProcess | None = None
        self.poll = QTimer(self)
        self.poll.setInterval(1500)
        self.poll.timeout.connect(self.load_pictures)
        self.load_pictures()

    # ---- layout and search -----------------------------------------------------------------
    def _layout_cards(self) -> None:
        columns = max(1, (self.scroll.viewport().width() - 10) // (CARD_W + 8))
        if columns == self._columns:
            return
        self._relayout_visible()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        from PySide6.QtCore import QEvent

        if obj is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._layout_cards()
        return super().eventFilter(obj, event)

    def filter(self, text: str) -> list[Entry]:
        found = search(text, self.entries)
        keys = {e.key for e in found}
        self.shown_keys = keys
        for label, host, grid, cards in self.sections:
            shown = [c for c in cards if c.entry.key in keys]
            for card in cards:
                card.setVisible(card.entry.key in keys)
            label.setVisible(bool(shown))
            host.setVisible(bool(shown))
        self._columns = 0
        self._relayout_visible()
        return found

    def _relayout_visible(self) -> None:
        columns = max(1, (self.scroll.viewport().width() - 10) // (CARD_W + 8))
        self._columns = columns
        for _, _, grid, cards in self.sections:
            for card in cards:
                grid.removeWidget(card)
            for i, card in enumerate(c for c in cards if c.entry.key in self.shown_keys):
                grid.addWidget(card, i // columns, i % columns)

    def _open_first(self) -> None:
        found = [e for e in search(self.search_box.text(), self.entries) if e.built]
        if found:
            self.demo_chosen.emit(found[0].panel, found[0].demo)

    # ---- pictures --------------------------------------------------------------------------------
    def missing(self) -> list[Entry]:
        directory = thumbnail_dir()
        return [e for e in self.entries if e.built
                and not thumbnail_path(e.panel, e.demo, directory).exists()
                and not thumbnail_path(e.panel, e.demo, directory).with_suffix(".failed").exists()]

    def load_pictures(self) -> None:
        directory = thumbnail_dir()
        for key, card in self.cards.items():
            if card.entry.built and card.picture.pixmap().isNull():
                path = thumbnail_path(card.entry.panel, card.entry.demo, directory)
                if path.exists():
                    card.set_picture(path)
        if self.process is not None and self.process.state() == QProcess.ProcessState.NotRunning:
            self.poll.stop()
            self.process = None

    def render_missing(self) -> bool:
        """Start the background process for the pictures not yet cached (once)."""
        if self.process is not None:
            return True
        todo = self.missing()
        if not todo:
            return False
        drop_old_versions()
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedErrorChannel)
        self.process.start(sys.executable, ["-m", "workbench.course_map", "--thumbnails",
                                            str(thumbnail_dir()), *[e.key for e in todo]])
        self.poll.start()
        return True

    def stop_rendering(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.waitForFinished(2000)
            self.process = None
        self.poll.stop()


# ---- the background renderer ------------------------------------------------------------------
def render_thumbnails(directory: Path, keys: list[str]) -> int:
    """Train each demo (quick preset) for a moment offscreen and save a small picture."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        os.nice(10)
    except (AttributeError, OSError):
        pass
    import tempfile
    import time

    from PySide6.QtWidgets import QApplication

    from engines import registry
    from engines.runtime import Control, drive
    from workbench.presets import PresetError, preset_config
    from workbench.settings import Settings

    import torch

    torch.set_num_threads(1)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    directory.mkdir(parents=True, exist_ok=True)
    scratch = Settings(Path(tempfile.mkdtemp(prefix="mlwb-thumbs-")) / "settings.json")
    panels = {}
    for key in keys:
        panel_id, _, demo = key.partition("/")
        target = thumbnail_path(panel_id, demo, directory)
        if target.exists():
            continue
        try:
            spec = registry.demo(panel_id, demo)
            try:
                cfg = preset_config(panel_id, spec, "quick")
            except PresetError:
                cfg = spec.config()
            if panel_id not in panels:
                topic = registry.topic(panel_id)
                panels[panel_id] = topic.panel_class()(topic, scratch)
            panel = panels[panel_id]
            panel.resize(960, 600)
            panel.set_demo(demo)
            panel.form.set_config(cfg)
            view = panel.view
            engine = spec.engine_class()(cfg)
            ctl = Control(snapshot_hz=4.0)
            started, last = time.monotonic(), None
            for snap in drive(engine, ctl):
                last = snap
                if time.monotonic() - started > RENDER_SECONDS:
                    ctl.cancel()
            if last is not None:
                view.show_snapshot(last)
            view.resize(960, 600)
            for _ in range(4 + len(view.plots())):
                app.processEvents()
            plots = [p for p in view.plots() if p.width() > 100 and p.height() > 80]
            # the demo's main plot (its first) reads better small than the whole view
            widget = plots[0] if plots else view
            picture = widget.grab().scaled(THUMB_W * 2, THUMB_H * 2,
                                         Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation)
            tmp = target.with_suffix(".tmp.png")
            if picture.save(str(tmp)):
                os.replace(tmp, target)
        except Exception as exc:  # noqa: BLE001 - one bad demo must not stop the others
            target.with_suffix(".failed").write_text(f"{type(exc).__name__}: {exc}\n")
    for panel in panels.values():
        panel.shutdown()
    del app
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--thumbnails":
        sys.exit(render_thumbnails(Path(sys.argv[2]), sys.argv[3:]))
    print("usage: python -m workbench.course_map --thumbnails DIR panel/demo …",
          file=sys.stderr)
    sys.exit(2)
