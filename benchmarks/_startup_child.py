"""Child process for startup.py: start the app (or a bare window) and report when shown."""
import sys
import time

mode = sys.argv[1]
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402

if mode == "bare":
    app = QApplication([])
    window = QMainWindow()
else:
    import tempfile
    from pathlib import Path

    from workbench.app import _open_window, create_app
    from workbench.settings import Settings

    app = create_app()
    window, _ = _open_window("nn-basics", None, None,
                             settings=Settings(Path(tempfile.mkdtemp()) / "s.json"))
window.resize(1280, 800)
window.show()


def shown():
    # One event-loop turn after show(): the window has been laid out and painted.
    print(f"{time.time():.6f} {int('torch' in sys.modules)}", flush=True)
    app.quit()


QTimer.singleShot(0, shown)
app.exec()
