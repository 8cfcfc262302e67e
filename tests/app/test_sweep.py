"""Parameter sweeps (workbench.sweep, `ml-workbench sweep`): validation, equality with single
runs, failing runs in their rows, stop and resume, the Ray backend against the pool."""
from __future__ import annotations

import csv
import io
import json
import signal
import statistics
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engines.nn_basics.theory_configs import SGDNoiseConfig
from tests.fakes.engine import SPEC as FAKE, FakeConfig
from workbench import headless, sweep
from workbench.cli import main as cli_main
from workbench.headless import UsageError

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--set", "sweep=false", "--set", "walkers=40", "--steps", "300"]


def sgd_plan(grids, seeds=2):
    spec, base = headless.resolve("nn-basics", "sgd-noise")
    base = headless.build_config(base, ["sweep=false", "walkers=40"], steps=300)
    return sweep.make_plan("nn-basics", spec, base, grids, seeds)


def read_table(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ---- the plan ---------------------------------------------------------------------------
def test_plan_is_every_combination_times_every_seed():
    plan = sgd_plan(["eta=0.05,0.1,0.2", "batch=2,8"], seeds=3)
    assert [a.key for a in plan.axes] == ["eta", "batch"]
    assert len(plan.jobs) == 3 * 2 * 3 and plan.seeds == (0, 1, 2)
    points = {(dict(j.point)["eta"], dict(j.point)["batch"], j.seed) for j in plan.jobs}
    assert len(points) == 18
    job = plan.jobs[8]
    assert job.config == SGDNoiseConfig(sweep=False, walkers=40, steps=300, eta=0.1, batch=2,
                                        seed=2)
    assert job.run_id == "eta=0.1_batch=2_seed=2"
    assert len({j.run_id for j in plan.jobs}) == 18


@pytest.mark.parametrize("grids, seeds, message", [
    (["eta=5"], 1, "--grid eta=5: eta: 5 is out of range; allowed 0.001 … 1"),
    (["etax=1"], 1, "--grid etax=1: etax: unknown parameter; known: batch, eta,"),
    (["eta"], 1, "--grid eta: expected KEY=V1,V2,…"),
    (["eta=0.1,,0.2"], 1, "empty value"),
    (["eta=0.1,0.10"], 1, "0.1 is listed twice"),
    (["eta=0.1", "eta=0.2"], 1, "eta is swept twice"),
    (["seed=1,2"], 1, "seeds are swept with --seeds K"),
    (["batch=2,x"], 1, "batch: cannot read 'x' as int"),
    (["landscape=quadratic,cubic"], 1, "'cubic' is not allowed; one of: quadratic, lorentzian"),
    (["eta=0.1"], 0, "--seeds 0: allowed 1 … 1000"),
])
def test_bad_grids_are_refused_before_anything_runs(grids, seeds, message):
    with pytest.raises(UsageError) as info:
        sgd_plan(grids, seeds)
    assert message in str(info.value)


def test_cli_reports_bad_grid_with_exit_2(capsys):
    assert cli_main(["sweep", "nn-basics", "--demo", "sgd-noise", "--grid", "eta=0.1,7"]) == 2
    assert "error: --grid eta=0.1,7: eta: 7 is out of range" in capsys.readouterr().err
    assert cli_main(["sweep", "nn-basics", "--demo", "sgd-noise"]) == 2
    assert "at least one --grid" in capsys.readouterr().err


# ---- results equal the same runs done one by one ------------------------------------------
def test_pool_sweep_equals_single_runs(tmp_path):
    plan = sgd_plan(["eta=0.05,0.2"], seeds=2)
    outcome = sweep.run_sweep(plan, workers=2, out=tmp_path / "sw")
    assert [r.status for r in outcome.results] == ["ok"] * 4 and not outcome.stopped
    rows = {row["run_id"]: row for row in read_table(tmp_path / "sw" / "results.csv")}
    assert len(rows) == 4
    for job in plan.jobs:
        eta = dict(job.point)["eta"]
        out, hist = io.StringIO(), tmp_path / f"{job.run_id}.csv"
        code = headless.run("nn-basics", "sgd-noise", sets=["sweep=false", "walkers=40",
                                                           f"eta={eta}"],
                            steps=300, seed=job.seed, as_json=True, out=hist, stdout=out,
                            stderr=io.StringIO())
        assert code == 0
        single = json.loads(out.getvalue())["metrics"]
        row = rows[job.run_id]
        assert float(row["eta"]) == eta and int(row["seed"]) == job.seed
        assert int(row["steps"]) == 300 and float(row["wall_s"]) > 0
        for name, value in single.items():
            assert float(row[name]) == value, name          # the same numbers, exactly
        swept = (tmp_path / "sw" / "histories" / f"{job.run_id}.csv").read_text()
        assert swept == hist.read_text()
    # the in-process backend (the benchmark's baseline) gives the same numbers
    inline = sweep.run_sweep(plan, workers=0).results
    assert [r.metrics for r in inline] == [r.metrics for r in outcome.results]
    # different seeds do differ (the test could fail if seeds were ignored)
    assert rows["eta=0.05_seed=0"]["var_measured"] != rows["eta=0.05_seed=1"]["var_measured"]


# ---- failing and diverging runs ---------------------------------------------------------
def test_failing_and_diverging_runs_are_reported_in_their_rows(tmp_path):
    base = FakeConfig(steps=300, work=10)
    plan = sweep.make_plan("fake", FAKE, base, ["fail_at=-1,100", "nan_from=-1,50"], 1)
    outcome = sweep.run_sweep(plan, workers=2, out=tmp_path)
    by_id = {r.run_id: r for r in outcome.results}
    ok = by_id["fail_at=-1_nan_from=-1_seed=0"]
    assert ok.status == "ok" and ok.steps == 300 and 0 < ok.metrics["loss"] < 1
    failed = by_id["fail_at=100_nan_from=-1_seed=0"]
    assert failed.status == "failed" and "shape mismatch (simulated)" in failed.error
    assert failed.steps == 100
    diverged = by_id["fail_at=-1_nan_from=50_seed=0"]
    assert diverged.status == "diverged" and "loss is nan" in diverged.error
    # both: whichever the run met first (NaNs are noticed at the next snapshot)
    assert by_id["fail_at=100_nan_from=50_seed=0"].status in ("diverged", "failed")
    rows = {row["run_id"]: row for row in read_table(tmp_path / "results.csv")}
    assert rows["fail_at=100_nan_from=-1_seed=0"]["status"] == "failed"
    assert "shape mismatch" in rows["fail_at=100_nan_from=-1_seed=0"]["error"]
    assert float(rows["fail_at=-1_nan_from=-1_seed=0"]["loss"]) == ok.metrics["loss"]
    text = sweep.format_summary(outcome.results, plan.keys)
    assert "failed: fail_at=100_nan_from=-1_seed=0: RuntimeError: shape mismatch" in text


# ---- stop and resume --------------------------------------------------------------------
def test_stop_keeps_finished_runs_and_a_rerun_does_only_the_rest(tmp_path):
    base = FakeConfig(work=10)
    plan = sweep.make_plan("fake", FAKE, base, ["steps=200,1000000000"], 1)
    stop = threading.Event()
    seen = []

    def on_result(result):
        seen.append(result.status)
        stop.set()            # as soon as the short run is in: stop the endless one

    outcome = sweep.run_sweep(plan, workers=2, out=tmp_path, stop=stop, on_result=on_result)
    assert outcome.stopped and seen[0] == "ok"
    assert [r.status for r in outcome.results][0] == "ok"
    rows = read_table(tmp_path / "results.csv")
    assert [row["run_id"] for row in rows] == ["steps=200_seed=0"]
    # Again with a finite second run: only that one runs.
    plan2 = sweep.make_plan("fake", FAKE, base, ["steps=200,300"], 1)
    ran = []
    again = sweep.run_sweep(plan2, workers=0, out=tmp_path, on_result=ran.append)
    assert again.skipped == 1 and [r.run_id for r in ran] == ["steps=300_seed=0"]
    assert [row["run_id"] for row in read_table(tmp_path / "results.csv")] == [
        "steps=200_seed=0", "steps=300_seed=0"]
    assert again.results[0].metrics["loss"] == outcome.results[0].metrics["loss"]
    # A different fixed setup in the same folder is refused, not mixed in.
    other = sweep.make_plan("fake", FAKE, base.replace(work=11), ["steps=200"], 1)
    with pytest.raises(UsageError, match="holds a different sweep"):
        sweep.run_sweep(other, workers=0, out=tmp_path)


FAKE_MAIN = """
import sys
from engines import registry
from tests.fakes.engine import SPEC
registry.TOPICS["fake"] = (SPEC,)
from workbench.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery is POSIX-only")
def test_ctrl_c_stops_the_cli_cleanly_and_keeps_finished_runs(tmp_path):
    out = tmp_path / "sw"
    proc = subprocess.Popen(
        [sys.executable, "-c", FAKE_MAIN, "sweep", "fake", "--set", "work=10",
         "--grid", "steps=100,1000000000", "--workers", "2", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL)
    assert "2 runs" in proc.stderr.readline()
    # Wait until the short run's row is written, then press Ctrl+C.
    for line in proc.stderr:
        if line.startswith("[") and " 1/2 runs" in line:
            break
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "stopped: finished runs are kept" in stderr
    assert [r["run_id"] for r in read_table(out / "results.csv")] == ["steps=100_seed=0"]
    assert "1/1" in stdout and "0/1" in stdout   # the summary: one setting ok, one not


# ---- summary ----------------------------------------------------------------------------
def test_summary_mean_and_spread_over_seeds_skip_failed_runs():
    R = sweep.RunResult
    results = [R("a0", {"x": 1}, 0, "ok", metrics={"m": 1.0}),
               R("a1", {"x": 1}, 1, "ok", metrics={"m": 2.0}),
               R("a2", {"x": 1}, 2, "ok", metrics={"m": 4.5}),
               R("b0", {"x": 2}, 0, "ok", metrics={"m": 3.0}),
               R("b1", {"x": 2}, 1, "diverged", metrics={"m": 1e9})]
    groups = sweep.summarise(results, ["x"], ["m"])
    assert [(g.point["x"], g.ok, g.runs) for g in groups] == [(1, 3, 3), (2, 1, 2)]
    assert groups[0].mean["m"] == pytest.approx(statistics.mean([1, 2, 4.5]))
    assert groups[0].spread["m"] == pytest.approx(statistics.stdev([1, 2, 4.5]))
    assert groups[1].mean["m"] == 3.0 and groups[1].spread["m"] == 0.0


def test_sweep_presets_are_valid_plans():
    table = sweep.load_presets("nn-basics")
    assert set(table) >= {"sgd-noise", "landscape"}
    for demo, presets in table.items():
        for name in presets:
            plan, entry = sweep.preset_plan("nn-basics", demo, name)
            assert plan.jobs and plan.axes, (demo, name)
            assert len(plan.jobs) <= 60, "a ready-made sweep should take about a minute"
    plan, entry = sweep.preset_plan("nn-basics", "sgd-noise", "⟨θ²⟩ vs η")
    assert plan.keys == ["eta"] and entry["metric"] == "var_measured"


# ---- Ray --------------------------------------------------------------------------------
@pytest.mark.slow
def test_ray_backend_gives_the_same_table_as_the_pool(tmp_path):
    ray = pytest.importorskip("ray", reason="the cluster extra (ray) is not installed")
    plan = sgd_plan(["eta=0.05,0.2"], seeds=2)
    pool = sweep.run_sweep(plan, workers=2, out=tmp_path / "pool")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        on_ray = sweep.run_sweep(plan, workers=2, ray="auto", out=tmp_path / "ray")
    finally:
        ray.shutdown()
    assert [r.status for r in on_ray.results] == ["ok"] * 4

    def table(name):   # everything but the wall time
        return [{k: v for k, v in row.items() if k != "wall_s"}
                for row in read_table(tmp_path / name / "results.csv")]

    assert sorted(table("ray"), key=str) == sorted(table("pool"), key=str)


def test_ray_option_without_ray_installed_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)      # import ray -> ImportError
    code = cli_main(["sweep", "nn-basics", "--demo", "sgd-noise", "--grid", "eta=0.1",
                     "--ray", "auto"])
    assert code == 2
    assert "--ray needs Ray: pip install 'ml-workbench[cluster]'" in capsys.readouterr().err
