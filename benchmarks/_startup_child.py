"""Child process for startup.py: start the app (or a bare window) and report when shown.

Prints "<unix time when shown> <1 if torch was imported>"; mode "picture" presses Start at
once and prints a second line, the unix time its first picture was drawn. Guarded by __main__ because
the app spawns its engine host process, which re-imports this module.
"""
import sys
import time


def main(mode: str) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    if mode == "bare":
        app = QApplication([])
        window = QMainWindow()
    else:
        import tempfile
        from pathlib import Path

        from workbench.app import _open_window, create_app
        from workbench.settings import Settings

        app = create_app()
        # As `ml-workbench` starts: the engine host is spawned too (it loads torch itself).
        window, panel = _open_window("nn-basics", None, None, prestart=True,
                                 settings=Settings(Path(tempfile.mkdtemp()) / "s.json"))
    window.resize(1280, 800)
    window.show()

    def shown():
        # One event-loop turn after show(): the window has been laid out and painted.
        print(f"{time.time():.6f} {int('torch' in sys.modules)}", flush=True)
        if mode == "picture":
            return        # wait for the first picture (first_picture)
        if mode != "bare":
            window.shutdown()
        app.quit()

    def first_picture(_snap):
        # The panel has the engine's first snapshot; one more turn paints it.
        def painted():
            print(f"{time.time():.6f}", flush=True)
            window.shutdown()
            app.quit()
        QTimer.singleShot(0, painted)

    if mode == "picture":
        # As a lecturer who presses Start (Space) the moment the window is there.
        panel.runner.snapshot.connect(first_picture)
        QTimer.singleShot(0, panel.start)
    QTimer.singleShot(0, shown)
    app.exec()


if __name__ == "__main__":
    main(sys.argv[1])
