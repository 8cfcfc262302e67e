"""Engine throughput inside the GUI vs the same engine driven headless (same config, steps)."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop  # noqa: E402

from engines.runtime import Control, drive  # noqa: E402
from workbench.app import _open_window, create_app  # noqa: E402
from workbench.presets import preset_config  # noqa: E402
from engines.registry import demo  # noqa: E402
from workbench.settings import Settings  # noqa: E402

CASES = [("function", 3000), ("landscape", 3000), ("image", 400)]


def headless(spec, cfg) -> float:
    engine = spec.engine_class()(cfg)
    final = None
    for final in drive(engine, Control()):
        pass
    return cfg.steps / final.elapsed


def in_gui(app, window, panel, spec, cfg) -> float:
    panel.set_demo(spec.name)
    panel.form.set_config(cfg)
    loop = QEventLoop()
    panel.runner.finished.connect(loop.quit)
    panel.start()
    loop.exec()
    panel.runner.finished.disconnect(loop.quit)
    return cfg.steps / panel.last_snapshot.elapsed


def main() -> None:
    app = create_app()
    window, panel = _open_window("nn-basics", None, None, prestart=True,
                                 settings=Settings(Path(tempfile.mkdtemp()) / "s.json"))
    window.resize(1280, 800)
    window.show()
    for name, steps in CASES:
        spec = demo("nn-basics", name)
        cfg = preset_config("nn-basics", spec, "quick").replace(steps=steps)
        headless(spec, cfg.replace(steps=max(50, steps // 10)))  # warm-up
        h1 = headless(spec, cfg)
        g = in_gui(app, window, panel, spec, cfg)
        h2 = headless(spec, cfg)
        h = (h1 + h2) / 2
        print(f"{name:10s}: headless {h:9.1f} steps/s (runs {h1:.0f}, {h2:.0f}); "
              f"in GUI {g:9.1f} steps/s; ratio {g / h:.3f}")
    window.shutdown()


if __name__ == "__main__":
    main()
