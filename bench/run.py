"""Run every benchmark (`bench/bench_*.py`) and print their results, one JSON object per line.

Each benchmark runs in its own process with `DJANGO_SETTINGS_MODULE=xiangcun.config.settings.bench`
from the repository root, and prints lines `{"name": ..., "value": number, "unit": ...}` on stdout.
Names are stable across versions so results can be compared. Anything a benchmark writes to stderr
is passed through. Exits non-zero if a benchmark fails or prints a line that is not such an object.

Usage: `make bench`, or `.venv/bin/python bench/run.py [NAME_FILTER]`.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = "xiangcun.config.settings.bench"


def check_line(line: str) -> dict:
    """The result object of one output line, or ValueError saying what is wrong with it."""
    try:
        result = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {line!r}") from exc
    if not isinstance(result, dict) or set(result) != {"name", "value", "unit"}:
        raise ValueError(f"expected exactly name, value, unit: {line!r}")
    value = result["value"]
    if not isinstance(result["name"], str) or not result["name"] or not isinstance(result["unit"], str):
        raise ValueError(f"name and unit must be strings: {line!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"value must be a number: {line!r}")
    return result


def run(script: Path) -> tuple[list[str], str | None]:
    """(result lines, error or None) of one benchmark script."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0:
        return lines, f"{script.name} exited with status {proc.returncode}"
    if not lines:
        return lines, f"{script.name} printed no result"
    try:
        for line in lines:
            check_line(line)
    except ValueError as exc:
        return lines, f"{script.name}: {exc}"
    return lines, None


def main(argv: list[str]) -> int:
    scripts = sorted((ROOT / "bench").glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(a in s.name for a in argv)]
    failures = []
    for script in scripts:
        lines, error = run(script)
        if error is None:
            for line in lines:
                print(json.dumps(check_line(line), ensure_ascii=False), flush=True)
        else:
            failures.append(error)
            print(f"bench: {error}", file=sys.stderr, flush=True)
    if not scripts:
        print("bench: no benchmark matched", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
