"""The benchmark runner (`bench/run.py`, run by `make bench`)."""

import importlib.util
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[4] / "bench" / "run.py"


@pytest.fixture(scope="module")
def runner():
    spec = importlib.util.spec_from_file_location("bench_run", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_check_line_accepts_only_name_value_unit(runner):
    assert runner.check_line('{"name": "scorecard_ms", "value": 52.5, "unit": "ms"}') == {
        "name": "scorecard_ms",
        "value": 52.5,
        "unit": "ms",
    }
    for bad in [
        "52.5 ms",
        '["scorecard_ms", 52.5]',
        '{"name": "scorecard_ms", "value": 52.5}',
        '{"name": "scorecard_ms", "value": "52.5", "unit": "ms"}',
        '{"name": "scorecard_ms", "value": true, "unit": "ms"}',
        '{"name": "", "value": 1, "unit": "ms"}',
        '{"name": "x", "value": 1, "unit": "ms", "extra": 1}',
    ]:
        with pytest.raises(ValueError):
            runner.check_line(bad)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('print(\'{"name": "a_ms", "value": 1, "unit": "ms"}\')', None),
        ("print('1 ms')", "bench_x.py: not JSON: '1 ms'"),
        ("pass", "bench_x.py printed no result"),
        ("raise SystemExit(3)", "bench_x.py exited with status 3"),
    ],
)
def test_run_reports_failures(runner, tmp_path, body, error):
    script = tmp_path / "bench_x.py"
    script.write_text(body + "\n")
    lines, problem = runner.run(script)
    assert problem == error
    if error is None:
        assert lines == ['{"name": "a_ms", "value": 1, "unit": "ms"}']


def test_every_benchmark_is_found(runner):
    names = sorted(p.name for p in (RUNNER.parent).glob("bench_*.py"))
    assert "bench_scorecard.py" in names
