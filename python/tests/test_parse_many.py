"""overturn.parse_many: records in input order, error records, parallel without the GIL."""

import itertools
import time
from pathlib import Path

import pytest

import overturn
from conftest import COMPARED, DATA, SCANS
from test_parse import counting_while


def test_records_are_the_batch_clis_in_input_order(cli_records):
    inputs = COMPARED
    records = overturn.parse_many(inputs, jobs=2)
    assert records.total == len(inputs)
    got = list(records)
    assert [r["source"]["path"] for r in got] == [str(p) for p in inputs]
    assert got == [cli_records[str(p)] for p in inputs]


def test_a_file_that_fails_is_an_error_record_and_the_rest_go_on(tmp_path):
    web_page = tmp_path / "download.pdf"
    web_page.write_text("<html><body>Your session has expired.</body></html>")
    paths = [
        "fixtures/mn-ppo-letter/input.pdf",
        "fixtures/no-such-letter.pdf",
        DATA / "truncated.pdf",
        web_page,
        DATA / "encrypted.pdf",
        "fixtures/coding-eob/input.pdf",
    ]
    records = list(overturn.parse_many(paths, jobs=2))
    assert len(records) == len(paths)
    assert [r["source"]["path"] for r in records] == [str(p) for p in paths]
    errors = [r["error"]["kind"] if "error" in r else None for r in records]
    assert errors == [None, "not_found", "damaged_pdf", "not_a_pdf", "encrypted_pdf", None]
    missing = records[1]
    assert missing == {
        "source": {"path": "fixtures/no-such-letter.pdf"},
        "error": {"kind": "not_found", "message": "fixtures/no-such-letter.pdf: no such file"},
    }
    # The bytes were read: the record carries their hash, as batch's do.
    assert len(records[2]["source"]["sha256"]) == 64
    # The same message parse() raises.
    with pytest.raises(overturn.DamagedPdfError) as e:
        overturn.parse(DATA / "truncated.pdf")
    assert records[2]["error"]["message"] == str(e.value)
    assert overturn.ERRORS[records[2]["error"]["kind"]] is overturn.DamagedPdfError


def test_no_paths_no_records():
    assert list(overturn.parse_many([])) == []


def test_any_iterable_of_paths():
    paths = (Path(p) for p in ["fixtures/mn-ppo-letter/input.pdf"] * 3)
    assert len(list(overturn.parse_many(paths, jobs=1))) == 3


def test_wrong_arguments():
    with pytest.raises(TypeError):
        overturn.parse_many("fixtures/mn-ppo-letter/input.pdf")
    with pytest.raises(TypeError):
        overturn.parse_many([1, 2])
    with pytest.raises(ValueError):
        overturn.parse_many([], timeout=0)


def test_ocr_languages_reach_the_workers():
    scan = "fixtures/fax-coding-remit/input.tif"
    [record] = overturn.parse_many([scan], lang="zzz")
    assert record["error"]["kind"] == "no_text"
    assert "(zzz)" in record["error"]["message"]
    [record] = overturn.parse_many([scan], lang="eng+spa", timeout=None)
    assert record["text"]["method"] == "ocr"


def test_parse_many_releases_the_gil():
    counted = counting_while(lambda: list(overturn.parse_many(SCANS[:2], jobs=1)))
    assert counted > 100_000, counted


def native_threads():
    """The names of this process's threads that overturn started (Linux)."""
    names = (t.read_text().strip() for t in Path("/proc/self/task").glob("*/comm"))
    return sorted(n for n in names if n.startswith("overturn-"))


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_an_abandoned_iterator_stops_its_batch():
    # Take two records of many and drop the iterator: its batch stops after the documents in
    # progress instead of reading all of them.
    records = overturn.parse_many(["fixtures/mn-ppo-letter/input.pdf"] * 20_000, jobs=2)
    assert len(list(itertools.islice(records, 2))) == 2
    assert native_threads()  # the batch is running
    del records
    deadline = time.monotonic() + 5  # reading them all takes longer
    while native_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert native_threads() == []
