"""Application entry points used by the CLI: the GUI (launch) and offscreen screenshots."""
from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

GIL_SWITCH_INTERVAL = 0.0005  # seconds


def create_app():
    """The QApplication (created once), with the app's name and icon."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    import pyqtgraph as pg

    from workbench import APP_ID, APP_NAME
    from workbench.paths import ICON_SVG

    # The GUI thread releases the GIL on each Qt call and must win it back from a busy
    # engine thread; with Python's default 5 ms switch interval every such hand-back can
    # stall painting for 5 ms ("convoy effect"). 0.5 ms keeps drawing and input snappy.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(APP_ID)
    if ICON_SVG.exists():
        app.setWindowIcon(QIcon(str(ICON_SVG)))
    pg.setConfigOptions(antialias=True)
    return app


def _open_window(panel: str | None, demo: str | None, preset: str | None, settings=None,
                 device: str | None = None, prestart: bool = False,
                 lecture: str | None = None, step: int = 0, thumbnails: bool = False):
    """The main window on a panel, a lecture's step, or the course map (the start page
    on the first start and whenever the map was the last page shown). Returns the window
    and the panel shown (None on the course map)."""
    from engines.registry import COURSE
    from workbench.main_window import MainWindow

    window = MainWindow(settings, device=device, prestart=prestart, topics=COURSE.values(),
                        thumbnails=thumbnails)
    if lecture is not None:
        if window.open_lecture(lecture, step) is not None:
            return window, window.current_panel
    built = [t.id for t in COURSE.values() if t.built]
    remembered = window.settings.last_panel
    if panel is None and (remembered not in built
                          or window.settings.window.get("page") == "course-map"):
        window.show_course_map()
        return window, None
    target = panel or remembered
    target = target if target in built else built[0]
    page = window.show_panel(target)
    if demo:
        page.set_demo(demo)
    if preset:
        page.apply_preset(preset)
    return window, page


def launch(panel: str | None = None, demo: str | None = None, preset: str | None = None,
           fullscreen: bool = False, autostart: bool = False, lecture: str | None = None,
           step: int = 0) -> int:
    from workbench.logs import setup_logging
    from workbench.system_libs import xcb_problem

    problem = xcb_problem()       # Qt would abort naming only one of the libraries
    if problem:
        print(problem, file=sys.stderr)
        return 1
    log_file = setup_logging()
    app = create_app()
    window, page = _open_window(panel, demo, preset, prestart=True, lecture=lecture,
                                step=step, thumbnails=True)
    if fullscreen:
        window.showFullScreen()
        window.fullscreen_action.setChecked(True)
        window.update_lecture_keys()
    else:
        window.show()
    log.info("window shown; logging to %s", log_file)
    quit_on_signals(window)
    if autostart and page is not None:
        page.start()
    return app.exec()


def quit_on_signals(window) -> None:
    """SIGTERM (a logout, `kill`) and Ctrl+C in the terminal close the window like
    Ctrl+Q: engine hosts end and the settings are saved. Python runs signal handlers only
    between bytecodes, so a timer gives it a turn while Qt's event loop waits."""
    import signal

    from PySide6.QtCore import QTimer

    def close(signum, _frame) -> None:
        log.info("signal %s: closing the window", signum)
        QTimer.singleShot(0, window.close)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, close)
    window._signal_timer = QTimer(window)
    window._signal_timer.timeout.connect(lambda: None)
    window._signal_timer.start(200)


def screenshot(panel: str, demo: str | None, preset: str | None, steps: int,
               out: str | Path, size: tuple[int, int] = (1440, 900)) -> int:
    """Run ``steps`` steps offscreen, then save the panel as a PNG. Returns an exit code."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer

    from workbench.settings import Settings

    app = create_app()
    # A throwaway settings file: screenshots never change the user's remembered state.
    scratch = Path(tempfile.mkdtemp(prefix="mlwb-shot-")) / "settings.json"
    window, page = _open_window(panel, demo, preset, settings=Settings(scratch))
    window.resize(*size)
    window.show()
    page.form.set_config(page.form.config().replace(steps=steps))
    page.set_speed(0.0)  # a picture after N steps: no slow motion
    loop = QEventLoop()
    page.runner.finished.connect(loop.quit)
    outcome: list[str] = []
    page.runner.finished.connect(outcome.append)
    if not page.start():
        window.shutdown()
        return 1
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    guard.start(10 * 60 * 1000)
    loop.exec()
    for _ in range(3 + len(page.view.plots())):  # let the last snapshot be drawn
        app.processEvents()             # (plots paint one per event-loop turn)
    ok = outcome == ["completed"]
    if ok:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        ok = page.grab().save(str(out))
    else:
        print(f"error: the run did not complete: {page.message_label.text()}", file=sys.stderr)
    window.shutdown()
    window.close()
    return 0 if ok else 1
