"""The Spark job in local mode (`local[2]`) over the fixtures (those read without OCR, and three
scans) and some files that cannot be read: one Parquet row per input, an error row for each
bad file, reports equal to `overturn.parse`'s, the claims nested."""

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import job  # noqa: E402
import overturn  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    # The executors' Python is this one, where overturn is installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("overturn-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


# Scans read by OCR, most of the job's time: a PNG, a JPEG and a fax's TIFF of them.
SCANS = ["scan-pa-hmo-letter", "scan-timely-letter", "fax-referral-pos-letter"]


def fixture_inputs():
    """The input of every fixture read without OCR, and of the SCANS."""
    dirs = sorted(d for d in (ROOT / "fixtures").iterdir() if (d / "expected.json").is_file())
    inputs = [f for d in dirs for f in sorted(d.glob("input.*"))[:1]]
    scanned = ("scan-", "fax-", "mixed-")
    return [f for f in inputs if not f.parent.name.startswith(scanned) or f.parent.name in SCANS]


@pytest.fixture(scope="module")
def run(spark, tmp_path_factory):
    """The job over a folder of every fixture input plus four bad files; returns
    (the rows by file name, the inputs by file name)."""
    base = tmp_path_factory.mktemp("spark")
    inputs = base / "inputs"
    inputs.mkdir()
    for f in fixture_inputs():
        shutil.copy(f, inputs / f"{f.parent.name}{f.suffix}")
    truncated = (ROOT / "tests/data/truncated.pdf").read_bytes()
    (inputs / "bad-truncated.pdf").write_bytes(truncated)
    (inputs / "bad-download.pdf").write_text("<html><body>Session expired</body></html>")
    (inputs / "bad-empty.txt").write_bytes(b"")
    (inputs / "bad-binary.dat").write_bytes(bytes(range(256)) * 4)
    (inputs / "sub").mkdir()
    shutil.copy(ROOT / "fixtures/mn-ppo-letter/input.pdf", inputs / "sub" / "nested.pdf")
    output = base / "out.parquet"
    job.run(spark, [str(inputs)], str(output), docs_per_task=4)
    rows = spark.read.parquet(str(output)).collect()
    files = {p.name: p for p in inputs.rglob("*") if p.is_file()}
    return {Path(r.path).name: r for r in rows}, files, len(rows)


def test_one_row_per_input(run):
    rows, files, count = run
    assert count == len(files) == len(fixture_inputs()) + 5
    assert set(rows) == set(files)


def test_files_that_cannot_be_read_are_error_rows(run):
    rows, files, _ = run
    kinds = {n: r.error_kind for n, r in rows.items() if r.error_kind}
    assert kinds == {
        "bad-truncated.pdf": "damaged_pdf",
        "bad-download.pdf": "not_a_pdf",
        "bad-empty.txt": "empty",
        "bad-binary.dat": "unsupported",
    }
    bad = rows["bad-truncated.pdf"]
    assert bad.error_message.startswith(bad.path + ": damaged PDF")
    assert bad.document_type is None and bad.report_json is None and bad.claims is None
    assert len(bad.sha256) == 64


def test_rows_hold_the_reports_of_overturn_parse(run):
    rows, files, _ = run
    for name in ["mn-ppo-letter.pdf", "multi-claim-ppo-eob.pdf", "scan-pa-hmo-letter.png"]:
        row = rows[name]
        report = overturn.parse(files[name].read_bytes(), name=row.path)
        assert json.loads(row.report_json) == report
        assert row.error_kind is None
        assert row.document_type == report["document_type"]
        assert row.claim_number == report["claim"]["claim_number"]
        assert row.denial_category == (report["denial"] or {}).get("category")
        deadline = report["dates"]["appeal_deadline"]
        assert (row.appeal_deadline and row.appeal_deadline.isoformat()) == deadline
        assert len(row.claims) == len(report["claims"])


def test_every_fixture_has_its_document_type(run):
    rows, _, _ = run
    for f in fixture_inputs():
        expected = json.loads((f.parent / "expected.json").read_text())
        row = rows[f"{f.parent.name}{f.suffix}"]
        assert row.document_type == expected["document_type"], f.parent.name


def test_claims_are_nested_with_their_lines(run):
    rows, _, _ = run
    eob = rows["multi-claim-ppo-eob.pdf"]
    report = json.loads(eob.report_json)
    assert len(eob.claims) >= 2
    for claim, want in zip(eob.claims, report["claims"]):
        assert claim.claim_number == want["claim_number"]
        assert claim.status == want["status"]
        assert [line.procedure_code for line in claim.lines] == [
            line["procedure_code"] for line in want["lines"]
        ]
        assert [c.code for c in claim.codes] == [c["code"] for c in want["codes"]]
