"""The run bar under a panel's plots: Start, Pause/Resume, Step, Stop, Reset, the Speed
selector, the progress line and the message line."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from workbench import runner as states
from workbench.elided_label import ElidedLabel
from workbench.theme import color

#: Choices of the slow-motion control: (label, steps per second; 0 = no limit).
SPEEDS: tuple[tuple[str, float], ...] = (
    ("as fast as possible", 0.0), ("1000 steps/s", 1000.0), ("300 steps/s", 300.0),
    ("100 steps/s", 100.0), ("30 steps/s", 30.0), ("10 steps/s", 10.0), ("3 steps/s", 3.0),
    ("1 step/s", 1.0))


def nearest_speed_index(steps_per_second: float) -> int:
    values = [value for _, value in SPEEDS]
    return min(range(len(values)), key=lambda i: abs(values[i] - steps_per_second))


class RunBar(QWidget):
    def __init__(self, speed_control: bool, parent: QWidget | None = None):
        super().__init__(parent)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.step_button = QPushButton("Step")
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset")
        tips = {self.start_button: "Start a run (Space)",
                self.pause_button: "Pause / resume (Space)",
                self.step_button: "Train one snapshot interval, then pause (N)",
                self.stop_button: "Stop the run (Esc)",
                self.reset_button: "Stop and clear the plots (R)"}
        for button, tip in tips.items():
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            bar.addWidget(button)
        self.sweep_button = QPushButton("Sweep…")
        self.sweep_button.setToolTip("Run this demo for a grid of settings and seeds, in "
                                     "parallel, and plot the final metric against them")
        self.sweep_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar.addWidget(self.sweep_button)
        self.speed_combo = QComboBox()
        for label, value in SPEEDS:
            self.speed_combo.addItem(label, value)
        self.speed_combo.setToolTip("Slow motion for the lecture, or full speed for training")
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_label = QLabel("Speed:")
        bar.addWidget(self.speed_label)
        bar.addWidget(self.speed_combo)
        self.speed_label.setVisible(speed_control)
        self.speed_combo.setVisible(speed_control)
        self.progress_label = ElidedLabel()
        # Long progress lines end in "…", never widen the window (full text as tooltip).
        self.progress_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                          QSizePolicy.Policy.Preferred)
        self.progress_label.setMinimumWidth(120)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.progress_label, 1)
        bar.addWidget(self.message_label, 1)

    def show_state(self, state: str, active: bool, restored: bool) -> None:
        running = state in (states.STARTING, states.RUNNING, states.PAUSED)
        self.start_button.setEnabled(not active)
        self.start_button.setText("Continue" if restored else "Start")
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Resume" if state == states.PAUSED else "Pause")
        self.step_button.setEnabled(state != states.STOPPING)
        self.stop_button.setEnabled(running)

    def show_progress(self, text: str) -> None:
        self.progress_label.setText(text)

    def show_message(self, text: str, error: bool, theme: str) -> None:
        role = "error" if error else "muted"
        self.message_label.setStyleSheet(f"color: {color(theme, role)};")
        self.message_label.setText(text)
        self.message_label.setToolTip(text)
