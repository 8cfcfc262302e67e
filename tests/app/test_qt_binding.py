"""Guard against a Qt binding that leaks references to None/True/False.

PySide6 6.12.0 on Python 3.11 lowered None's reference count on every void method call,
so the app aborted ("deallocating None") after a few thousand widget updates. pyproject
pins a good version; this test fails loudly if a bad one gets installed again.
"""
from __future__ import annotations

import os
import subprocess
import sys

CHECK = """
import sys
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget()
counts = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
for _ in range(2000):
    w.setVisible(False)
    w.isVisible()
    w.isEnabled()
after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
print(*(b - a for a, b in zip(counts, after)))
"""


def test_qt_calls_do_not_leak_singleton_references():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    deltas = [int(x) for x in out.stdout.split()]
    assert all(abs(d) < 100 for d in deltas), f"refcount drift of None/True/False: {deltas}"
