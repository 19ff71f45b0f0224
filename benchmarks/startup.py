"""CPU time (user + system) of newsloom's quick commands: --version, --help, stories and show, each in a fresh process.

    .venv/bin/python benchmarks/startup.py                       # this tree's src/
    .venv/bin/python benchmarks/startup.py --src /tmp/old/src    # another tree, e.g. a commit's:
                                                                 # git archive COMMIT src | tar -x -C /tmp/old

The store is the demo corpus, ingested once into a temporary folder first (not counted). Prints a Markdown table
of the median and range of --runs runs, and the modules ``import newsloom.cli`` loads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo" / "articles.jsonl"
HEAVY = ("spacy", "onnxruntime", "datasketch", "scipy", "fastapi", "numpy", "httpx", "rapidfuzz", "rich")


def cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    """The user + system seconds of one run of ``command`` (it must succeed)."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    return usage.ru_utime + usage.ru_stime


def row(name: str, runs: list[float]) -> str:
    return f"| {name} | {statistics.median(runs):.2f} | {min(runs):.2f} - {max(runs):.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the source tree to run (default: src/)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    options = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(options.src.resolve())}
    env = {k: v for k, v in env.items() if not k.startswith("NEWSLOOM_")}
    newsloom = [sys.executable, "-m", "newsloom"]
    with tempfile.TemporaryDirectory(prefix="newsloom-startup-") as folder:
        db = ["--db", str(Path(folder) / "newsloom.db")]
        subprocess.run([*newsloom, *db, "ingest", str(DEMO)], env=env, check=True, capture_output=True)
        listed = subprocess.run([*newsloom, *db, "stories", "--json"], env=env, check=True, capture_output=True)
        story = json.loads(listed.stdout.splitlines()[0])["id"]
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, source {options.src}, {options.runs} runs each")
        print()
        print("| command | CPU seconds (median) | fastest - slowest |")
        print("|---|---:|---:|")
        for args in (["--version"], ["--help"], ["stories"], ["show", story]):
            runs = [cpu_seconds([*newsloom, *db, *args], env) for _ in range(options.runs)]
            print(row(f"`newsloom {' '.join(args)}`", runs))
        bare = [cpu_seconds([sys.executable, "-c", "pass"], env) for _ in range(options.runs)]
        print(row("`python -c pass` (the interpreter alone)", bare))
    probe = f"import sys, newsloom.cli; print(len(sys.modules), [m for m in {HEAVY!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True)
    count, heavy = loaded.stdout.split(" ", 1)
    print()
    print(f"`import newsloom.cli` loads {count} modules; of the heavy ones: {heavy.strip()}")


if __name__ == "__main__":
    main()
