"""The mnist panel: runs overlaid by criterion, the drawing canvas, the dataset selector
with the full-MNIST download (loopback server), and clear messages for bad input."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from engines.mnist import data as mnist_data
from engines.mnist.configs import CRITERIA
from engines.runtime import Snapshot
from tests.engines.test_mnist_data import NAMES, Server, make_files
from tests.panels.helpers import make_window

pytestmark = pytest.mark.gui

TINY = dict(train_samples=256, test_samples=128, channels1=4, channels2=6, hidden=16,
            batch_size=32, epochs=2)


def mnist_panel(qtbot, tmp_path, demo="cnn", **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("mnist")
    panel.set_demo(demo)
    if changes:
        panel.form.set_config(panel.form.config().replace(**changes))
    return window, panel


def run_once(qtbot, panel, **changes):
    panel.form.set_config(panel.form.config().replace(**changes))
    with qtbot.waitSignal(panel.runner.finished, timeout=60000) as blocker:
        assert panel.start()
    assert blocker.args == ["completed"]


def fake_weights(criterion="a_cross_entropy", seed=0) -> dict[str, np.ndarray]:
    """Random CNN weights in the snapshot format (what the engine sends)."""
    rng = np.random.default_rng(seed)
    n_out = 10 if criterion[0] in "ab" else 1
    shapes = {"conv1_w": (4, 1, 3, 3), "conv1_b": (4,), "conv2_w": (6, 4, 3, 3),
              "conv2_b": (6,), "fc1_w": (16, 6 * 49), "fc1_b": (16,),
              "fc2_w": (n_out, 16), "fc2_b": (n_out,)}
    arrays = {f"w_{k}": (rng.normal(size=s) * 0.3).astype(np.float32)
              for k, s in shapes.items()}
    arrays["criterion"] = np.array(CRITERIA.index(criterion))
    arrays["output_affine"] = np.array([4.5, 4.5])
    return arrays


def draw_with_mouse(qtbot, canvas, points) -> None:
    """A real left-button stroke through widget-relative points (fractions of the size)."""
    pts = [QPoint(int(fx * canvas.width()), int(fy * canvas.height())) for fx, fy in points]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=pts[0])
    for p in pts[1:]:
        qtbot.mouseMove(canvas, p)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=pts[-1])


# ---- runs overlaid ------------------------------------------------------------------------------
def test_runs_of_different_criteria_overlay_as_labelled_ghosts(qtbot, tmp_path):
    window, panel = mnist_panel(qtbot, tmp_path, **TINY)
    view = panel.view
    run_once(qtbot, panel, criterion="a_cross_entropy")
    snap = panel.last_snapshot
    assert snap.final
    test_epochs = snap.history["step"][np.isfinite(snap.history["test_acc"])]
    assert test_epochs.tolist() == [0.0, 1.0, 2.0]
    # the live curves are drawn over epochs
    x, y = view.accuracy.curve("test_acc").getData()
    assert list(x) == [0.0, 1.0, 2.0] and len(y) == 3
    assert view.confusion.matrix.sum() == 128
    assert "epoch 2.00/2" in panel.progress_label.text()

    run_once(qtbot, panel, criterion="b_mse_onehot", lr=0.002)
    assert [g.label for g in view.accuracy.ghosts] == ["(a) CE"]   # the finished run
    ghost = view.accuracy.ghosts[0]
    assert set(ghost.items) == {"test_acc"}                    # one line per run
    gx, _ = ghost.items["test_acc"].getData()
    assert list(gx) == [0.0, 1.0, 2.0]
    # the canvas follows the current model: its weights came with the final snapshot
    assert view.weights is not None and view.criterion == "b_mse_onehot"
    assert view.probabilities is not None
    assert view.probabilities.sum() == pytest.approx(1.0)
    panel.reset()                                              # the last run joins it
    labels = ["(a) CE", "(b) MSE one-hot: lr 0.001→0.002"]    # labelled by criterion
    assert [g.label for g in view.accuracy.ghosts] == labels
    assert [g.label for g in view.loss.ghosts] == labels
    panel.ghost_check.setChecked(False)
    assert not view.accuracy.ghosts[0].items["test_acc"].isVisible()
    assert window.shutdown(2.0)


# ---- the canvas ---------------------------------------------------------------------------------
@pytest.mark.parametrize("criterion", ["a_cross_entropy", "c_mse_class_index"])
def test_drawing_on_the_canvas_gives_probabilities_that_sum_to_one(qtbot, tmp_path,
                                                                   criterion):
    window, panel = mnist_panel(qtbot, tmp_path)
    view = panel.view
    assert view.probabilities is None                          # no model yet
    assert "start a run" in view.bars.note.toPlainText()
    view.show_snapshot(Snapshot(step=1, arrays=fake_weights(criterion)))
    assert view.probabilities is not None                      # the sample digit
    view.canvas.clear()
    assert view.canvas.is_empty and view.probabilities is None
    draw_with_mouse(qtbot, view.canvas, [(0.3, 0.2), (0.7, 0.2), (0.45, 0.85)])
    assert not view.canvas.is_empty
    qtbot.waitUntil(lambda: view.probabilities is not None, timeout=2000)
    probs = view.probabilities
    assert probs.shape == (10,) and probs.sum() == pytest.approx(1.0)
    assert (probs >= 0).all()
    heights = view.bars.bars.opts["height"]
    np.testing.assert_allclose(heights, probs)
    image = view.canvas.image28()
    assert image.max() > 0.5 and image[:4].max() == 0.0       # centred, margins empty
    # right click clears
    qtbot.mouseClick(view.canvas, Qt.MouseButton.RightButton,
                     pos=QPoint(view.canvas.width() // 2, view.canvas.height() // 2))
    assert view.canvas.is_empty and view.probabilities is None
    assert window.shutdown(2.0)


def test_a_short_view_puts_the_answer_in_the_heading_and_gives_the_curves_room(qtbot,
                                                                                tmp_path):
    """Regression: at zoom 2 on 1280x720 the drawing column (caption, 84 px preview, two
    buttons, the bars) set the bottom row's height and left the loss and accuracy plots
    ~30 px of data area."""
    window, panel = mnist_panel(qtbot, tmp_path)
    window.resize(1280, 720)
    view = panel.view
    view.show_snapshot(Snapshot(step=1, arrays=fake_weights()))   # the sample digit's answer
    panel.set_scale(1.0)
    qtbot.waitUntil(lambda: view.bars.isVisible())
    assert "right click clears" in view.draw_heading.text()
    panel.set_scale(2.0)
    qtbot.waitUntil(lambda: not view.bars.isVisible(), timeout=3000)
    k = int(np.argmax(view.probabilities))
    assert f"→ {k}: " in view.draw_heading.text()                # "Draw a digit → 3: 97%"
    assert view.preview.width() == view.PREVIEW_COMPACT_PX
    qtbot.waitUntil(lambda: view.loss.plotItem.vb.height() >= 80, timeout=3000)
    assert window.isVisible() and view.rows.sizes()[0] >= 0.4 * sum(view.rows.sizes())
    panel.set_scale(1.0)                                          # all of it back
    qtbot.waitUntil(lambda: view.bars.isVisible(), timeout=3000)
    assert "right click clears" in view.draw_heading.text()
    assert view.preview.width() == view.PREVIEW_PX
    assert window.shutdown(2.0)


# ---- dataset selector and download -----------------------------------------------------------------
def test_dataset_selector_shows_which_data_and_how_many(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ML_WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    window, panel = mnist_panel(qtbot, tmp_path)
    box = panel.view.data_box
    text = box.label.text()
    assert "subset" in text and "8,000" in text and "2,000" in text
    assert box.download_button.isVisibleTo(panel)
    panel.form.editors["dataset"].setCurrentText("full")
    text = box.label.text()
    assert "full MNIST" in text and "60,000" in text and "10,000" in text
    assert "not downloaded" in text
    panel.form.editors["train_samples"].setValue(1000)
    assert "1,000" in box.label.text()
    assert window.shutdown(2.0)


@pytest.fixture
def local_mirror(tmp_path, monkeypatch):
    """Generated IDX files behind a 127.0.0.1 server, configured as the only mirror."""
    _, spec = make_files(tmp_path / "mirror")
    server = Server(tmp_path / "mirror", delay=0.0)
    monkeypatch.setattr(mnist_data, "FULL_FILES", spec)
    monkeypatch.setenv("ML_WORKBENCH_MNIST_MIRRORS", server.url)
    monkeypatch.setenv("ML_WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    yield server
    server.close()


def test_download_button_fetches_verifies_and_caches_full_mnist(qtbot, tmp_path,
                                                                 local_mirror):
    window, panel = mnist_panel(qtbot, tmp_path, dataset="full")
    box = panel.view.data_box
    assert not box.full_cached()
    with qtbot.waitSignal(box.downloaded, timeout=20000) as blocker:
        qtbot.mouseClick(box.download_button, Qt.MouseButton.LeftButton)
        assert box.progress.isVisibleTo(panel) and box.cancel_button.isVisibleTo(panel)
    ok, message = blocker.args
    assert ok and "verified" in message
    assert box.full_cached() and mnist_data.is_cached()
    assert box.progress.value() == 1000 and not box.progress.isVisibleTo(panel)
    assert not box.download_button.isVisibleTo(panel)
    assert "verified" in panel.message_label.text()
    assert len(local_mirror.requests) == 4
    assert window.shutdown(2.0)


def test_start_on_missing_full_mnist_downloads_first_and_can_be_cancelled(
        qtbot, tmp_path, monkeypatch):
    _, spec = make_files(tmp_path / "mirror", n_train=2000)     # ~1.6 MB: time to cancel
    server = Server(tmp_path / "mirror", delay=0.5)
    monkeypatch.setattr(mnist_data, "FULL_FILES", spec)
    monkeypatch.setenv("ML_WORKBENCH_MNIST_MIRRORS", server.url)
    monkeypatch.setenv("ML_WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    try:
        window, panel = mnist_panel(qtbot, tmp_path, dataset="full")
        box = panel.view.data_box
        assert not panel.start()                        # nothing to train on yet
        assert "downloading it first" in panel.message_label.text()
        assert box.downloading and panel.runner.state == "idle"
        with qtbot.waitSignal(box.downloaded, timeout=20000) as blocker:
            qtbot.mouseClick(box.cancel_button, Qt.MouseButton.LeftButton)
        assert blocker.args[0] is False and "cancelled" in blocker.args[1]
        assert "cancelled" in panel.message_label.text()
        assert panel.runner.state == "idle" and not box.downloading
        assert not any(p.name.endswith(".part") for p in (tmp_path / "data").rglob("*"))
        assert box.download_button.isVisibleTo(panel)
        assert window.shutdown(2.0)
    finally:
        server.close()


def test_a_damaged_cache_found_by_the_engine_is_fetched_again(qtbot, tmp_path,
                                                             local_mirror):
    window, panel = mnist_panel(qtbot, tmp_path, dataset="full")
    box = panel.view.data_box
    restarts = []
    panel.start = lambda single_step=False, paused=False: restarts.append(True) or True
    with qtbot.waitSignal(box.downloaded, timeout=20000) as blocker:
        # what the runner reports when load_full finds a wrong checksum in the host
        panel._on_failed("DataMissing", "Full MNIST is not downloaded (… corrupt)", "")
        assert "fetching it again" in panel.message_label.text()
    assert blocker.args[0] is True and box.full_cached()
    assert restarts == [True]                       # the run starts again by itself
    # a second failure of the same kind is reported, not fetched again (no loop)
    panel._on_failed("DataMissing", "still damaged", "")
    assert "still damaged" in panel.message_label.text() and not box.downloading
    assert window.shutdown(2.0)


# ---- bad input -------------------------------------------------------------------------------------
def test_batch_larger_than_the_data_gives_a_clear_message(qtbot, tmp_path):
    window, panel = mnist_panel(qtbot, tmp_path)
    panel.form.editors["batch_size"].setValue(9000)
    message = panel.message_label.text()
    assert "batch_size" in message and "8000" in message and "subset" in message
    assert not panel.start()
    assert panel.message_label.text().startswith("Cannot start: batch_size")
    assert panel.runner.state == "idle"
    panel.form.editors["dataset"].setCurrentText("full")      # 60,000 digits: fine now
    panel.form.config()
    assert window.shutdown(2.0)


def test_expected_labels_demo_previews_the_true_policy(qtbot, tmp_path):
    window, panel = mnist_panel(qtbot, tmp_path, demo="expected")
    view = panel.view
    x, y = view.policy.curve("p0").getData()
    assert len(x) > 100 and y.max() <= 1.0
    panel.form.editors["n_actions"].setValue(5)
    assert view.n_actions == 5
    assert all(view.policy.curves[f"p{a}"].enabled for a in range(5))
    assert window.shutdown(2.0)


def test_idx_names_match_the_downloader():
    assert set(NAMES) == set(mnist_data.FULL_FILES)
