"""Documents per minute per core of the Spark job (examples/spark/job.py) in local mode, beside
overturn.parse_many in one process, on the same corpora (see docs/performance.md):

  1. scans: every scanned fixture twice (30 documents: images, faxes, scanner and mixed PDFs),
     the corpus of benches/batch.sh's scan benchmark;
  2. text PDFs: 240 documents (the text fixtures' PDFs, copied under distinct names).

With the CLI built (`cargo build --release`), `overturn batch --jobs N` runs on them too.
Each is timed with 1 and 2 cores (`local[1]`, `local[2]`; `jobs=1`, `jobs=2`), after a warm-up
run that starts Spark's Python workers; Spark's own start (the JVM, about 10 s) is not counted.
The machine should be otherwise idle: the load average is printed before and after.
Needs the package built optimised into .venv/:

    . .venv/bin/activate && maturin develop --release -m python/Cargo.toml
    python benches/spark.py [RUNS]      (default 2 runs each; the best is kept)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The CLI, for `overturn batch` on the same corpora when it is built (`cargo build --release`).
CLI = Path(os.environ.get("OVERTURN_BIN", ROOT / "target" / "release" / "overturn"))
sys.path.insert(0, str(ROOT / "examples" / "spark"))

import job  # noqa: E402
import overturn  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402


def scans(into: Path) -> int:
    """Every scanned fixture (those made from a text version, `from.txt`) twice."""
    into.mkdir()
    n = 0
    for d in sorted((ROOT / "fixtures").iterdir()):
        inputs = sorted(d.glob("input.*"))
        if not (d / "from.txt").is_file() or not inputs:
            continue
        for copy in ("a", "b"):
            shutil.copy(inputs[0], into / f"{d.name}-{copy}{inputs[0].suffix}")
            n += 1
    return n


def text_pdfs(into: Path, n: int) -> int:
    """`n` text PDFs: the text fixtures' PDFs, copied under distinct names."""
    into.mkdir()
    pdfs = [
        f
        for f in sorted((ROOT / "fixtures").glob("*/input.pdf"))
        if not (f.parent / "from.txt").is_file()
    ]
    for i in range(n):
        shutil.copy(pdfs[i % len(pdfs)], into / f"doc-{i:04d}.pdf")
    return n


def best_of(runs: int, work) -> float:
    """Wall-clock seconds of the fastest of `runs` runs of `work`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    os.environ["PYSPARK_PYTHON"] = sys.executable
    work = Path(tempfile.mkdtemp())
    try:
        # (folder, documents, the job's --docs-per-task): scans spread over the cores, text
        # PDFs packed as Spark packs small files by default.
        corpora = {
            "scans": (work / "scans", scans(work / "scans"), 2),
            "text PDFs": (work / "text", text_pdfs(work / "text", 240), 32),
        }
        print(f"load average before: {os.getloadavg()}")
        print()
        print("| corpus | documents | runner | cores | seconds | documents/min | per core |")
        print("|---|---:|---|---:|---:|---:|---:|")
        for cores in (1, 2):
            spark = (
                SparkSession.builder.master(f"local[{cores}]")
                .appName("overturn-bench")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .getOrCreate()
            )
            spark.sparkContext.setLogLevel("ERROR")
            for name, (folder, n, per_task) in corpora.items():
                files = sorted(str(p) for p in folder.iterdir())
                out = str(work / "out.parquet")

                def spark_job():
                    job.run(spark, [str(folder)], out, docs_per_task=per_task)

                spark_job()  # warm-up: Python workers, JIT
                results = [
                    ("Spark job", best_of(runs, spark_job)),
                    (
                        "parse_many",
                        best_of(runs, lambda: list(overturn.parse_many(files, jobs=cores))),
                    ),
                ]
                if CLI.is_file():
                    batch = [str(CLI), "batch", "--quiet", "--jobs", str(cores), "-o", "/dev/null"]
                    run_cli = lambda: subprocess.run([*batch, str(folder)], check=True)  # noqa: E731
                    results.append(("overturn batch", best_of(runs, run_cli)))
                rows = spark.read.parquet(out).count()
                assert rows == n, (rows, n)
                for runner, secs in results:
                    per_min = n / secs * 60
                    print(
                        f"| {name} | {n} | {runner} | {cores} | {secs:.2f} | {per_min:.1f} "
                        f"| {per_min / cores:.1f} |"
                    )
            spark.stop()
        print()
        print(f"load average after: {os.getloadavg()}")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
