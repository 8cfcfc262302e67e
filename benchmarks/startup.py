"""Time from process start to a shown main window, vs a bare PySide6 window; and from the
shown window to the first picture of a run started at once."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).with_name("_startup_child.py")
REPEATS = 5


def measure(mode: str) -> tuple[float, bool]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    start = time.time()
    proc = subprocess.run([sys.executable, str(CHILD), mode], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"{mode} start-up failed ({proc.returncode}):\n{proc.stderr}")
    out = proc.stdout.split()
    return float(out[0]) - start, out[1] == "1"


def measure_picture() -> tuple[float, float]:
    """(process start → window shown, window shown → first picture) with Start pressed
    at once: the engine host loads torch and builds the model meanwhile."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    start = time.time()
    proc = subprocess.run([sys.executable, str(CHILD), "picture"], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    if proc.returncode != 0:
        raise SystemExit(f"first-picture run failed ({proc.returncode}):\n{proc.stderr}")
    lines = proc.stdout.split("\n")
    shown, picture = float(lines[0].split()[0]), float(lines[1])
    return shown - start, picture - shown


def main() -> None:
    measure("app")  # warm the OS file cache once; not counted
    bare = [measure("bare")[0] for _ in range(REPEATS)]
    runs = [measure("app") for _ in range(REPEATS)]
    app = [t for t, _ in runs]
    torch_loaded = any(flag for _, flag in runs)
    b, a = statistics.median(bare), statistics.median(app)
    print(f"bare PySide6 window : median {b:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in bare)})")
    print(f"ML Workbench window : median {a:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in app)})")
    print(f"ratio app / bare    : {a / b:.2f}")
    print(f"torch imported before the window was shown: {torch_loaded}")
    print(f"goal < 1.5 s: {'met' if a < 1.5 else 'NOT met'}")
    pictures = [measure_picture()[1] for _ in range(REPEATS)]
    p = statistics.median(pictures)
    print(f"window shown → first picture (Start pressed at once, nn-basics): median {p:.3f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in pictures)}); goal < 2 s: "
          f"{'met' if p < 2.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
