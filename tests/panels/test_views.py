"""Plot kit (workbench.plots) and the chapter-2 views, fed with hand-made Snapshots."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402

from engines.nn_basics import DEMOS  # noqa: E402
from engines.nn_basics.configs import FunctionFitConfig, LandscapeConfig  # noqa: E402
from engines.runtime import Snapshot  # noqa: E402
from panels.nn_basics.views import (OPTIMIZERS, FunctionFitView, ImageFitView,  # noqa: E402
                                    LandscapeView)
from workbench.plots import (MAX_GHOSTS, PALETTE, CurvePlot, ImagePlot,  # noqa: E402
                             MosaicPlot)

SPECS = {s.name: s for s in DEMOS}
RNG = np.random.default_rng(1)


# ---- helpers ------------------------------------------------------------------------
def raw(item):
    """The data given to a PlotDataItem (getData() returns log10 values in log mode)."""
    x, y = item.xData, item.yData
    return (np.asarray([] if x is None else x, dtype=float),
            np.asarray([] if y is None else y, dtype=float))


def history(n=50, **cols):
    h = {"step": np.arange(n, dtype=float) * 10}
    for k, f in cols.items():
        h[k] = np.asarray(f(np.arange(n)), dtype=float)
    return h


def loss_hist(n=50, scale=1.0):
    return history(n, train_loss=lambda s: scale * np.exp(-s / 20) + 0.01,
                   test_loss=lambda s: scale * np.exp(-s / 25) + 0.02,
                   sparsity=lambda s: 0.5 * (1 - np.exp(-s / 10)))


def function_snapshot(n=50, final=False):
    x = np.linspace(-3, 3, 200)
    xt = RNG.uniform(-3, 3, 32)
    xs = RNG.uniform(-3, 3, 100)
    return Snapshot(step=n * 10, metrics={"train_loss": 0.02, "test_loss": 0.03, "sparsity": 0.4},
                    arrays=dict(x_grid=x, y_target=np.sin(2 * x), y_pred=0.9 * np.sin(2 * x),
                                x_train=xt, y_train=np.sin(2 * xt), x_test=xs,
                                y_test=np.sin(2 * xs)),
                    history=loss_hist(n), final=final)


def landscape_snapshot(names=("sgd", "momentum", "rmsprop", "adam"), with_dist=False):
    th0 = np.linspace(-0.5, 3.0, 36)
    th1 = np.linspace(-3.0, 3.0, 48)
    T0, T1 = np.meshgrid(th0, th1)                       # shape (n1, n0)
    land = np.log10((T0 - 1.0) ** 2 + 3 * (T1 - 0.5) ** 2 + 0.01)
    arrays = dict(landscape=land, theta0_axis=th0, theta1_axis=th1,
                  theta_true=np.array([1.0, 0.5]))
    cols = {}
    for i, n in enumerate(names):
        arrays[f"path_{n}"] = np.column_stack([np.linspace(0.2, 1.0, 20),
                                               np.linspace(-1.2, 0.5 + 0.01 * i, 20)])
        cols[f"loss_{n}"] = lambda s, i=i: np.exp(-s / (5 + i)) + 0.01
        if with_dist:
            cols[f"dist_{n}"] = lambda s: np.exp(-s / 7)
    return Snapshot(step=20, metrics={f"loss_{n}": 0.1 for n in names}, arrays=arrays,
                    history=history(20, **cols))


def pen_width(item):
    return item.opts["pen"].widthF()


@pytest.fixture
def curve_plot(qtbot):
    p = CurvePlot("Loss", "step", "L", log_y=True)
    qtbot.addWidget(p)
    p.resize(600, 400)
    p.add_curve("train_loss", "train")
    p.add_curve("test_loss", "test")
    return p


# ---- CurvePlot ------------------------------------------------------------------------
def test_set_curve_and_show_history(curve_plot):
    h = loss_hist()
    curve_plot.show_history(h)
    x, y = raw(curve_plot.curve("train_loss"))
    np.testing.assert_allclose(x, h["step"])
    np.testing.assert_allclose(y, h["train_loss"])
    curve_plot.set_curve("test_loss", [0, 1, 2], [3, 2, 1])
    np.testing.assert_allclose(raw(curve_plot.curve("test_loss"))[1], [3, 2, 1])


def test_log_y_drops_non_positive_and_non_finite(curve_plot):
    curve_plot.set_curve("train_loss", [0, 1, 2, 3, 4, 5], [1.0, 0.0, -2.0, 0.5, np.nan, 0.1])
    x, y = raw(curve_plot.curve("train_loss"))
    np.testing.assert_allclose(x, [0, 3, 5])
    np.testing.assert_allclose(y, [1.0, 0.5, 0.1])


def test_linear_plot_keeps_zero_and_negative(qtbot):
    p = CurvePlot("Fit", "x", "y")
    qtbot.addWidget(p)
    p.add_curve("y", "y")
    p.set_curve("y", [0, 1, 2], [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(raw(p.curve("y"))[1], [-1.0, 0.0, 1.0])


def test_duplicate_curve_key_rejected(curve_plot):
    with pytest.raises(ValueError):
        curve_plot.add_curve("train_loss", "again")


def test_ghosts_add_hide_clear(curve_plot):
    curve_plot.show_history(loss_hist())
    curve_plot.add_ghost(loss_hist(scale=2.0), "run 1: lr 0.003→0.1")
    assert len(curve_plot.ghosts) == 1
    ghost = curve_plot.ghosts[0]
    assert set(ghost.items) == {"train_loss", "test_loss"}
    np.testing.assert_allclose(raw(ghost.items["train_loss"])[1], loss_hist(scale=2.0)["train_loss"])
    labels = [label.text for _, label in curve_plot.legend.items]
    assert "run 1: lr 0.003→0.1" in labels
    # faded and thinner than the live curve, dashed
    live_pen = curve_plot.curve("train_loss").opts["pen"]
    gpen = ghost.items["train_loss"].opts["pen"]
    assert gpen.widthF() < live_pen.widthF()
    assert gpen.color().alpha() < 255
    assert gpen.dashPattern()

    curve_plot.set_ghosts_visible(False)
    assert not any(it.isVisible() for it in ghost.items.values())
    assert "run 1: lr 0.003→0.1" not in [l.text for _, l in curve_plot.legend.items]
    curve_plot.set_ghosts_visible(True)
    assert all(it.isVisible() for it in ghost.items.values())
    assert "run 1: lr 0.003→0.1" in [l.text for _, l in curve_plot.legend.items]

    # reset forgets the live run but keeps ghosts
    curve_plot.reset()
    assert len(raw(curve_plot.curve("train_loss"))[0]) == 0
    assert len(curve_plot.ghosts) == 1

    curve_plot.clear_ghosts()
    assert curve_plot.ghosts == []
    assert [l.text for _, l in curve_plot.legend.items] == ["train", "test"]
    assert all(it.scene() is None for it in ghost.items.values())


def test_ghosts_are_capped_and_get_distinct_colours(curve_plot):
    for i in range(MAX_GHOSTS + 3):
        curve_plot.add_ghost(loss_hist(scale=1 + i), f"run {i}")
    assert len(curve_plot.ghosts) == MAX_GHOSTS
    assert curve_plot.ghosts[0].label == "run 3"          # oldest dropped
    colours = {g.color for g in curve_plot.ghosts}
    assert len(colours) == MAX_GHOSTS


def test_ghost_of_history_without_matching_columns_is_ignored(curve_plot):
    curve_plot.add_ghost(history(10, other=lambda s: s + 1.0), "nothing")
    curve_plot.add_ghost({}, "empty")
    assert curve_plot.ghosts == []


def test_theme_and_line_scale(curve_plot):
    curve_plot.add_ghost(loss_hist(), "run 1")
    w_live = pen_width(curve_plot.curve("train_loss"))
    w_ghost = pen_width(curve_plot.ghosts[0].items["train_loss"])
    tick_pt = curve_plot.plotItem.getAxis("left").style["tickFont"].pointSizeF()
    curve_plot.set_line_scale(2.0)
    assert pen_width(curve_plot.curve("train_loss")) == pytest.approx(2 * w_live)
    assert pen_width(curve_plot.ghosts[0].items["train_loss"]) > w_ghost
    assert curve_plot.plotItem.getAxis("left").style["tickFont"].pointSizeF() > tick_pt
    curve_plot.apply_theme("dark")
    assert curve_plot.theme == "dark"
    assert curve_plot.backgroundBrush().color().lightness() < 80
    # scale survives a theme change
    assert pen_width(curve_plot.curve("train_loss")) == pytest.approx(2 * w_live)
    curve_plot.apply_theme("light")
    assert curve_plot.backgroundBrush().color().lightness() > 200
    curve_plot.set_line_scale(100)           # clamped, no crash
    assert curve_plot.line_scale <= 4


def test_dark_theme_lightens_dark_colours(qtbot):
    p = CurvePlot()
    qtbot.addWidget(p)
    p.add_curve("a", "a", PALETTE[0])
    light = p.curve("a").opts["pen"].color().lightness()
    p.apply_theme("dark")
    assert p.curve("a").opts["pen"].color().lightness() > light


def test_curve_enabled_toggles_legend(curve_plot):
    curve_plot.set_curve_enabled("test_loss", False)
    assert not curve_plot.curve("test_loss").isVisible()
    assert [l.text for _, l in curve_plot.legend.items] == ["train"]
    curve_plot.set_curve_enabled("test_loss", True)
    assert [l.text for _, l in curve_plot.legend.items] == ["train", "test"]


def test_export_png_svg(curve_plot, tmp_path):
    curve_plot.show_history(loss_hist())
    curve_plot.add_ghost(loss_hist(scale=2), "run 1")
    png = curve_plot.export(tmp_path / "loss.png")
    svg = curve_plot.export(tmp_path / "loss.svg")
    assert png.stat().st_size > 1000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.stat().st_size > 1000
    assert b"<svg" in svg.read_bytes()[:2000]
    with pytest.raises(ValueError):
        curve_plot.export(tmp_path / "loss.jpg")


# ---- ImagePlot / MosaicPlot -------------------------------------------------------
def test_image_plot_fixed_levels_rect_and_overlays(qtbot, tmp_path):
    p = ImagePlot("L", "θ0", "θ1", colormap="viridis", colorbar=True, colorbar_label="log L")
    qtbot.addWidget(p)
    arr = np.arange(12, dtype=float).reshape(3, 4)
    p.set_image(arr, levels=(0, 5), rect=(-1, -2, 4, 6))
    assert p.image_item.levels is not None
    assert tuple(p.image_item.levels) == (0, 5)
    p.set_image(arr * 10)                    # levels stay fixed
    assert tuple(p.image_item.levels) == (0, 5)
    np.testing.assert_allclose(p.image(), arr * 10)
    # row-major: 4 columns along x, 3 rows along y
    assert p.image_item.width() == 4 and p.image_item.height() == 3
    r = p.image_item.mapRectToParent(p.image_item.boundingRect())
    assert (r.left(), r.top(), r.width(), r.height()) == pytest.approx((-1, -2, 4, 6))

    p.add_path("sgd", "SGD", PALETTE[1])
    xy = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    p.set_path("sgd", xy)
    np.testing.assert_allclose(raw(p.paths["sgd"].line)[1], xy[:, 1])
    hx, hy = p.paths["sgd"].head.getData()
    assert (hx[0], hy[0]) == (2.0, 0.5)
    p.add_marker("true", 1.0, 0.5, "star", label="θ*", text="θ*")
    p.add_marker("true", 1.5, 0.25)          # moves
    mx, my = p.markers["true"][0].getData()
    assert (mx[0], my[0]) == (1.5, 0.25)
    tag = p.markers["true"][1]["tag"]
    assert (tag.pos().x(), tag.pos().y()) == (1.5, 0.25)

    w = p.paths["sgd"].line.opts["pen"].widthF()
    p.set_line_scale(2)
    assert p.paths["sgd"].line.opts["pen"].widthF() == pytest.approx(2 * w)
    p.apply_theme("dark")
    assert p.export(tmp_path / "img.png").stat().st_size > 1000
    assert p.export(tmp_path / "img.svg").stat().st_size > 1000
    p.reset()
    assert p.image() is None
    assert len(p.paths["sgd"].head.getData()[0]) == 0


def test_mosaic_tiles_and_symmetric_normalisation():
    stack = np.zeros((5, 6, 8))
    stack[0, 0, 0] = 2.0        # max of tile 0 → red end
    stack[0, 0, 1] = -1.0       # half way to blue
    stack[1] = -3.0             # all negative → blue end
    img, corners, gap = MosaicPlot.tile(stack)
    assert img.dtype == np.uint8 and img.shape[2] == 4
    # 5 tiles → 3 columns, 2 rows with gaps
    assert img.shape[:2] == (2 * 6 + gap, 3 * 8 + 2 * gap)
    assert len(corners) == 5
    assert tuple(img[3, 3, :3]) == (247, 247, 247)           # zero → neutral white-grey
    assert img[0, 0, 0] > img[0, 0, 2]                       # positive → red
    x1 = int(corners[1][0])
    assert img[0, x1, 2] > img[0, x1, 0]                     # negative → blue
    assert img[0, 8, 3] == 0                                 # gap is transparent


def test_mosaic_hint_and_reset(qtbot):
    m = MosaicPlot("c", hint="shown when the run ends")
    qtbot.addWidget(m)
    assert m.hint.isVisible()
    m.set_tiles(RNG.normal(size=(4, 5, 5)), ["#1", "#2", "#3", "#4"])
    assert m.hint.isVisible() is False
    assert m.tile_count == 4
    m.set_tiles(RNG.normal(size=(9, 5, 5)))          # a bigger mosaic gets a bigger rect
    r = m.image_item.mapRectToParent(m.image_item.boundingRect())
    assert r.width() == m.image().shape[1] and r.height() == m.image().shape[0]
    m.reset()
    assert m.hint.isVisible()
    assert m.tile_count == 0 and m.image() is None


# ---- views ------------------------------------------------------------------------------
def test_function_view(qtbot, tmp_path):
    v = FunctionFitView(SPECS["function"])
    qtbot.addWidget(v)
    v.resize(1000, 700)
    assert [type(p) for p in v.plots()] == [CurvePlot, CurvePlot, CurvePlot]
    snap = function_snapshot()
    v.show_snapshot(snap)
    np.testing.assert_allclose(raw(v.fit.curve("y_pred"))[1], snap.arrays["y_pred"])
    np.testing.assert_allclose(raw(v.fit.curve("y_target"))[1], snap.arrays["y_target"])
    np.testing.assert_allclose(raw(v.fit.curve("train"))[0], snap.arrays["x_train"])
    np.testing.assert_allclose(raw(v.fit.curve("test"))[1], snap.arrays["y_test"])
    np.testing.assert_allclose(raw(v.loss.curve("test_loss"))[1], snap.history["test_loss"])
    np.testing.assert_allclose(raw(v.sparsity.curve("sparsity"))[1], snap.history["sparsity"])

    v.add_ghost(snap.history, "run 1: λ₁ 0→0.01")
    assert len(v.loss.ghosts) == 1 and len(v.sparsity.ghosts) == 1
    assert v.fit.ghosts == []                       # no history columns in the fit plot
    v.set_ghosts_visible(False)
    assert not v.loss.ghosts_visible
    v.reset()
    assert len(raw(v.loss.curve("train_loss"))[0]) == 0
    assert len(v.loss.ghosts) == 1
    v.clear_ghosts()
    assert v.loss.ghosts == [] and v.sparsity.ghosts == []

    v.set_test_points_visible(False)
    assert not v.fit.curve("test").isVisible()

    v.config_changed(FunctionFitConfig(target="abs", l1=0.01))
    x, y = raw(v.fit.curve("y_target"))
    np.testing.assert_allclose(y, np.abs(x) / 3.0)
    assert "λ" in v.fit._title

    for p in v.plots():
        p.apply_theme("dark")
        p.set_line_scale(1.5)
    v.show_snapshot(function_snapshot(final=True))
    for i, p in enumerate(v.plots()):
        assert p.export(tmp_path / f"f{i}.png").stat().st_size > 0
        assert p.export(tmp_path / f"f{i}.svg").stat().st_size > 0


def test_image_view(qtbot):
    v = ImageFitView(SPECS["image"])
    qtbot.addWidget(v)
    target = RNG.random((16, 16))
    image = RNG.random((16, 16))
    h = history(30, loss=lambda s: np.exp(-s / 10))
    v.show_snapshot(Snapshot(step=300, metrics={"loss": 0.1},
                             arrays={"target": target, "image": image}, history=h))
    np.testing.assert_allclose(v.target.image(), target)
    np.testing.assert_allclose(v.image.image(), image)
    assert tuple(v.image.image_item.levels) == (0.0, 1.0)
    np.testing.assert_allclose(raw(v.loss.curve("loss"))[1], h["loss"])
    assert v.mosaic.tile_count == 0 and v.mosaic.hint.isVisible()

    contributions = RNG.normal(size=(9, 16, 16))
    v.show_snapshot(Snapshot(step=300, arrays={"target": target, "image": image,
                                               "contributions": contributions,
                                               "contribution_ids": np.arange(9) * 2},
                             history=h, final=True))
    assert v.mosaic.tile_count == 9 and v.mosaic.hint.isVisible() is False
    assert v.mosaic._captions[8].toPlainText() == "#16"

    v.add_ghost(h, "run 1")
    assert len(v.loss.ghosts) == 1
    v.reset()
    assert v.image.image() is None and v.mosaic.tile_count == 0
    assert len(v.loss.ghosts) == 1
    for p in v.plots():
        p.apply_theme("dark")
        p.set_line_scale(0.5)


def test_landscape_view_orientation_paths_and_losses(qtbot, tmp_path):
    v = LandscapeView(SPECS["landscape"])
    qtbot.addWidget(v)
    snap = landscape_snapshot()
    v.show_snapshot(snap)
    land = snap.arrays["landscape"]
    th0, th1 = snap.arrays["theta0_axis"], snap.arrays["theta1_axis"]
    item = v.land.image_item
    # rows over θ1 → y, columns over θ0 → x
    assert item.width() == len(th0) and item.height() == len(th1)
    np.testing.assert_allclose(v.land.image(), land)
    r = item.mapRectToParent(item.boundingRect())
    d0, d1 = th0[1] - th0[0], th1[1] - th1[0]
    assert r.left() == pytest.approx(th0[0] - d0 / 2)
    assert r.right() == pytest.approx(th0[-1] + d0 / 2)
    assert r.top() == pytest.approx(th1[0] - d1 / 2)
    assert r.bottom() == pytest.approx(th1[-1] + d1 / 2)
    # the pixel at (θ0*, θ1*) is the minimum
    i1, i0 = np.unravel_index(np.argmin(land), land.shape)
    p = item.mapToParent(QPointF(i0 + 0.5, i1 + 0.5))     # centre of that pixel
    assert (p.x(), p.y()) == pytest.approx((th0[i0], th1[i1]))
    assert (th0[i0], th1[i1]) == pytest.approx((1.0, 0.5), abs=0.1)
    assert tuple(item.levels) == pytest.approx((land.min(), land.max()))
    assert any(iso.data is not None for iso in v.contours)

    for name, _, color in OPTIMIZERS:
        np.testing.assert_allclose(raw(v.land.paths[name].line)[0], snap.arrays[f"path_{name}"][:, 0])
        np.testing.assert_allclose(raw(v.loss.curve(f"loss_{name}"))[1], snap.history[f"loss_{name}"])
        # same colour in both plots
        assert (v.land.paths[name].line.opts["pen"].color().name()
                == v.loss.curve(f"loss_{name}").opts["pen"].color().name())
    mx, my = v.land.markers["theta_true"][0].getData()
    assert (mx[0], my[0]) == (1.0, 0.5)
    assert v.dist.isHidden()

    # disabled optimizers disappear from both plots and legends
    v.show_snapshot(landscape_snapshot(names=("sgd", "adam"), with_dist=True))
    assert not v.land.paths["momentum"].line.isVisible()
    assert not v.loss.curve("loss_rmsprop").isVisible()
    assert "RMSProp" not in [l.text for _, l in v.loss.legend.items]
    assert "RMSProp" not in [l.text for _, l in v.land.legend.items]
    assert not v.dist.isHidden()
    np.testing.assert_allclose(raw(v.dist.curve("dist_adam"))[1], np.exp(-np.arange(20) / 7))

    v.add_ghost(snap.history, "run 1: batch 8→256")
    assert len(v.loss.ghosts) == 1
    v.reset()
    assert len(raw(v.land.paths["sgd"].line)[0]) == 0
    assert len(v.loss.ghosts) == 1

    v.config_changed(LandscapeConfig(theta0_true=2.0, theta1_true=-1.0, rmsprop=False))
    mx, my = v.land.markers["theta_true"][0].getData()
    assert (mx[0], my[0]) == (2.0, -1.0)
    assert v.land.paths["momentum"].enabled and not v.land.paths["rmsprop"].enabled

    for i, p in enumerate(v.plots()):
        p.apply_theme("dark")
        p.set_line_scale(2)
        assert p.export(tmp_path / f"l{i}.png").stat().st_size > 0
        assert p.export(tmp_path / f"l{i}.svg").stat().st_size > 0


def test_views_do_not_import_torch():
    import subprocess
    import sys
    code = ("import os; os.environ['QT_QPA_PLATFORM']='offscreen'; import sys; "
            "import panels.nn_basics.views; print('torch' in sys.modules)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=root, env={**os.environ, "PYTHONPATH": root}, timeout=60)
    assert out.stdout.strip().endswith("False"), out.stderr


def test_theme_object_with_name_attribute(qtbot):
    class T:
        name = "dark"
    p = CurvePlot()
    qtbot.addWidget(p)
    p.apply_theme(T())
    assert p.theme == "dark"
    assert QColor(p.backgroundBrush().color()).lightness() < 80


def test_an_axis_renamed_by_a_view_keeps_its_name_through_theme_and_zoom(qtbot):
    from workbench.plots import CurvePlot

    plot = CurvePlot("Angles", "q", "p")
    qtbot.addWidget(plot)
    plot.plotItem.setLabel("bottom", "θ₁")
    plot.plotItem.setLabel("left", "θ₂")
    plot.apply_theme("dark")
    plot.set_line_scale(2.0)
    assert plot.plotItem.getAxis("bottom").labelText == "θ₁"
    assert plot.plotItem.getAxis("left").labelText == "θ₂"
