"""Reads denial letters and EOBs with overturn on Spark and writes one Parquet row per document.

Spark's `binaryFile` source lists and reads the files (PDFs, scans, photos, text; any file
system Spark reads: local, HDFS, S3, ...); `mapInArrow` hands them to the `overturn` Python
package on the executors, a batch of rows at a time; the reports come back as rows: the
headline fields as columns, the claims nested (an array of structs with their service lines),
and the whole report as JSON. A document that cannot be read is a row too, with its error
kind and message: one bad file never fails the job.

    spark-submit examples/spark/job.py INPUT OUTPUT [--lang eng+spa] [--glob '*.pdf']

The executors need the `overturn` package installed in their Python (README: "Python and
Spark").
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys
from typing import Any, Dict, Iterator, List, Optional

import pyarrow as pa
from pyspark import cloudpickle
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DateType,
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
)

CODE = StructType(
    [
        StructField("system", StringType()),  # carc, rarc or payer
        StructField("group", StringType()),  # CO, PR, OA, PI (CARCs)
        StructField("code", StringType()),
        StructField("description", StringType()),
    ]
)

LINE = StructType(
    [
        StructField("service_date", DateType()),
        StructField("procedure_code", StringType()),
        StructField("description", StringType()),
        StructField("billed_amount", DoubleType()),
        StructField("allowed_amount", DoubleType()),
        StructField("paid_amount", DoubleType()),
        StructField("patient_responsibility", DoubleType()),
        StructField("denied", BooleanType()),
        StructField("codes", ArrayType(CODE)),
    ]
)

CLAIM = StructType(
    [
        StructField("claim_number", StringType()),
        StructField("provider", StringType()),
        StructField("service_date", DateType()),
        StructField("billed_amount", DoubleType()),
        StructField("allowed_amount", DoubleType()),
        StructField("paid_amount", DoubleType()),
        StructField("patient_responsibility", DoubleType()),
        StructField("status", StringType()),
        StructField("codes", ArrayType(CODE)),
        StructField("lines", ArrayType(LINE)),
    ]
)

# One row per document. The report's contract: docs/schema.md; an error row has `path`,
# `sha256` (when there were bytes), `error_kind` and `error_message`, the rest null.
SCHEMA = StructType(
    [
        StructField("path", StringType(), False),
        StructField("sha256", StringType()),
        StructField("error_kind", StringType()),
        StructField("error_message", StringType()),
        StructField("media_type", StringType()),
        StructField("pages", IntegerType()),
        StructField("text_method", StringType()),
        StructField("ocr_confidence", DoubleType()),
        StructField("document_type", StringType()),
        StructField("payer_name", StringType()),
        StructField("plan_type", StringType()),
        StructField("payer_phone", StringType()),
        StructField("member_name", StringType()),
        StructField("member_id", StringType()),
        StructField("group_number", StringType()),
        StructField("state", StringType()),
        StructField("claim_number", StringType()),
        StructField("reference_number", StringType()),
        StructField("service_date", DateType()),
        StructField("provider", StringType()),
        StructField("billed_amount", DoubleType()),
        StructField("patient_responsibility", DoubleType()),
        StructField("procedure_codes", ArrayType(StringType())),
        StructField("diagnosis_codes", ArrayType(StringType())),
        StructField("denial_category", StringType()),
        StructField("denial_confidence", DoubleType()),
        StructField("reason_text", StringType()),
        StructField("denial_codes", ArrayType(CODE)),
        StructField("letter_date", DateType()),
        StructField("appeal_deadline", DateType()),
        StructField("appeal_deadline_basis", StringType()),
        StructField("appeal_window", StringType()),
        StructField("next_action", StringType()),
        StructField("next_due", DateType()),
        StructField("warnings", ArrayType(StringType())),
        StructField("claims", ArrayType(CLAIM)),
        StructField("report_json", StringType()),
    ]
)

ARROW_SCHEMA = to_arrow_schema(SCHEMA)


def _date(value: Optional[str]) -> Optional[datetime.date]:
    """An ISO date of the report (`2025-10-11`) as a date; None stays None."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _codes(codes: Optional[List[Dict[str, Any]]]) -> List[Dict[str, Any]]:
    return [
        {k: c.get(k) for k in ("system", "group", "code", "description")} for c in codes or []
    ]


def _line(line: Dict[str, Any]) -> Dict[str, Any]:
    row = {k: line.get(k) for k in LINE.fieldNames()}
    row["service_date"] = _date(line.get("service_date"))
    row["codes"] = _codes(line.get("codes"))
    return row


def _claim(claim: Dict[str, Any]) -> Dict[str, Any]:
    row = {k: claim.get(k) for k in CLAIM.fieldNames()}
    row["service_date"] = _date(claim.get("service_date"))
    row["codes"] = _codes(claim.get("codes"))
    row["lines"] = [_line(x) for x in claim.get("lines") or []]
    return row


def report_row(report: Dict[str, Any]) -> Dict[str, Any]:
    """The row of a report (a dict as `overturn.parse` returns it)."""
    source, text = report["source"], report["text"]
    payer, member, claim = report["payer"], report["member"], report["claim"]
    denial = report.get("denial") or {}
    dates = report["dates"]
    first_step = (report.get("next_steps") or [{}])[0]
    return {
        "path": source["path"],
        "sha256": source["sha256"],
        "error_kind": None,
        "error_message": None,
        "media_type": source["media_type"],
        "pages": source["pages"],
        "text_method": text["method"],
        "ocr_confidence": text.get("ocr_confidence"),
        "document_type": report["document_type"],
        "payer_name": payer.get("name"),
        "plan_type": payer.get("plan_type"),
        "payer_phone": payer.get("phone"),
        "member_name": member.get("name"),
        "member_id": member.get("member_id"),
        "group_number": member.get("group_number"),
        "state": member.get("state"),
        "claim_number": claim.get("claim_number"),
        "reference_number": claim.get("reference_number"),
        "service_date": _date(claim.get("service_date")),
        "provider": claim.get("provider"),
        "billed_amount": claim.get("billed_amount"),
        "patient_responsibility": claim.get("patient_responsibility"),
        "procedure_codes": claim.get("procedure_codes") or [],
        "diagnosis_codes": claim.get("diagnosis_codes") or [],
        "denial_category": denial.get("category"),
        "denial_confidence": denial.get("confidence"),
        "reason_text": denial.get("reason_text"),
        "denial_codes": _codes(denial.get("codes")),
        "letter_date": _date(dates.get("letter_date")),
        "appeal_deadline": _date(dates.get("appeal_deadline")),
        "appeal_deadline_basis": dates.get("appeal_deadline_basis"),
        "appeal_window": dates.get("appeal_window"),
        "next_action": first_step.get("action"),
        "next_due": _date(first_step.get("due")),
        "warnings": report.get("warnings") or [],
        "claims": [_claim(c) for c in report.get("claims") or []],
        "report_json": json.dumps(report, ensure_ascii=False, separators=(",", ":")),
    }


def error_row(path: str, content: Optional[bytes], kind: str, message: str) -> Dict[str, Any]:
    """The row of a document that could not be read."""
    row: Dict[str, Any] = {name: None for name in SCHEMA.fieldNames()}
    row.update(
        path=path,
        sha256=hashlib.sha256(content).hexdigest() if content is not None else None,
        error_kind=kind,
        error_message=message,
    )
    return row


def document_row(path: str, content: Optional[bytes], lang: str) -> Dict[str, Any]:
    """Parses one document's bytes; a failure is an error row, never an exception."""
    import overturn  # on the executor

    if content is None:
        return error_row(path, None, "io", f"{path}: Spark read no content")
    try:
        return report_row(overturn.parse(content, lang, name=path))
    except overturn.OverturnError as e:
        return error_row(path, content, e.kind or "internal", str(e))
    except Exception as e:  # a bug must not fail the job; the message names no content
        return error_row(path, content, "internal", f"{path}: {type(e).__name__} in the job")


def parse_batches(batches: Iterator[pa.RecordBatch], lang: str) -> Iterator[pa.RecordBatch]:
    """mapInArrow's function: batches of (path, content) in, batches of SCHEMA rows out."""
    for batch in batches:
        paths = batch.column("path").to_pylist()
        contents = batch.column("content")
        rows = [document_row(p, contents[i].as_py(), lang) for i, p in enumerate(paths)]
        yield pa.RecordBatch.from_pylist(rows, schema=ARROW_SCHEMA)


def read_documents(spark: SparkSession, paths: List[str], glob: Optional[str]) -> DataFrame:
    """Every file under `paths` (recursively; Spark skips names starting with `_` or `.`),
    as (path, content); `glob` keeps only the file names it matches (`*.pdf`)."""
    reader = spark.read.format("binaryFile").option("recursiveFileLookup", "true")
    if glob:
        reader = reader.option("pathGlobFilter", glob)
    return reader.load(paths).select("path", "content")


def parse_documents(documents: DataFrame, lang: str = "eng") -> DataFrame:
    """One SCHEMA row per (path, content) row, parsed on the executors."""
    if __name__ != "__main__":
        # Imported (a notebook, a test): ship this module's code to the executors with the
        # function, rather than have them import a module they do not have.
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    return documents.mapInArrow(lambda batches: parse_batches(batches, lang), SCHEMA)


def _listed_path(uri: str) -> str:
    """A path from `DataFrame.inputFiles()` as the `path` column writes it (`file:///x` is
    `file:/x` there)."""
    return "file:/" + uri[len("file:///") :] if uri.startswith("file:///") else uri


def empty_file_rows(spark: SparkSession, documents: DataFrame) -> DataFrame:
    """Error rows for the files of zero bytes: Spark's file sources list them but skip them
    when reading, and overturn gives an empty file an `empty` error like any input."""
    listed = spark.createDataFrame(
        [(_listed_path(p),) for p in documents.inputFiles()], "path string"
    )
    empty = listed.join(documents.select("path"), "path", "left_anti").collect()
    rows = [error_row(r.path, None, "empty", f"{r.path}: file is empty") for r in empty]
    return spark.createDataFrame(rows, SCHEMA)


def configure(spark: SparkSession, docs_per_task: Optional[int]) -> None:
    """Arrow batches of a few documents, so an executor holds few files' bytes at once; and,
    when `docs_per_task` is given, about that many small files per task. Spark packs files
    into tasks by size, counting each as at least `spark.sql.files.openCostInBytes` (4 MB):
    by default up to 32 small files a task, fewer when there are few files for the cores.
    A task costs about a quarter of a second of its own, much more than a text PDF (a few
    milliseconds) and much less than a scan (most of a second): scans gain from fewer
    documents a task (spread over more cores), text PDFs from more (docs/performance.md)."""
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "8")
    if docs_per_task:
        open_cost = 4 * 1024 * 1024
        spark.conf.set("spark.sql.files.openCostInBytes", str(open_cost))
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(docs_per_task * open_cost))


def run(
    spark: SparkSession,
    inputs: List[str],
    output: str,
    lang: str = "eng",
    glob: Optional[str] = None,
    docs_per_task: Optional[int] = None,
) -> None:
    """Parses every document under `inputs` and writes the rows to `output` (Parquet)."""
    configure(spark, docs_per_task)
    documents = read_documents(spark, inputs, glob)
    rows = parse_documents(documents, lang).unionByName(empty_file_rows(spark, documents))
    rows.write.mode("overwrite").parquet(output)


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", help="files or directories (any Spark file system)")
    ap.add_argument("output", help="the Parquet directory to write (replaced)")
    ap.add_argument("--lang", default="eng", help="OCR languages, e.g. eng+spa")
    ap.add_argument("--glob", help="only file names matching this, e.g. '*.{pdf,png,jpg}'")
    ap.add_argument(
        "--docs-per-task", type=int, help="about this many small files a task (default: Spark's)"
    )
    args = ap.parse_args(argv)
    spark = SparkSession.builder.appName("overturn").getOrCreate()
    try:
        run(spark, args.inputs, args.output, args.lang, args.glob, args.docs_per_task)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
