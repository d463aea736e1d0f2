"""overturn.parse: reports equal the CLI's, bytes, OCR languages, errors as exceptions."""

import json
import re
import threading
import time
from pathlib import Path

import pytest

import overturn
from conftest import DATA, ROOT

from conftest import COMPARED, SCANS, TEXT_INPUTS


def test_the_version_is_the_crates():
    cargo = (ROOT / "python" / "Cargo.toml").read_text()
    assert f'version = "{overturn.__version__}"' in cargo


@pytest.mark.parametrize("path", COMPARED, ids=str)
def test_a_report_is_the_clis(path, cli_records):
    assert overturn.parse(path) == cli_records[str(path)]


@pytest.mark.parametrize("path", TEXT_INPUTS, ids=str)
def test_a_report_has_the_fixtures_fields(path):
    expected = json.loads((path.parent / "expected.json").read_text())
    report = overturn.parse(str(path))
    assert report["document_type"] == expected["document_type"]
    for section, field in [("denial", "category"), ("dates", "appeal_deadline"),
                           ("claim", "claim_number"), ("member", "member_id")]:
        want = (expected.get(section) or {}).get(field, "unchecked")
        if want != "unchecked" and expected.get(section) is not None:
            assert report[section][field] == want, f"{section}.{field}"


def test_bytes_are_read_by_content_and_named():
    path = Path("fixtures/mn-ppo-letter/input.pdf")
    from_bytes = overturn.parse(path.read_bytes(), name="upload-17")
    from_path = overturn.parse(path)
    assert from_bytes["source"]["path"] == "upload-17"
    from_bytes["source"]["path"] = str(path)
    assert from_bytes == from_path
    assert overturn.parse(bytearray(path.read_bytes()))["source"]["path"] == "<bytes>"


def test_a_scan_as_bytes_is_read_by_ocr():
    report = overturn.parse(SCANS[0].read_bytes(), name="scan.png")
    assert report["text"]["method"] == "ocr"
    assert report["document_type"] == "denial_letter"


def test_ocr_languages_are_per_call():
    with pytest.raises(overturn.NoTextError) as e:
        overturn.parse(SCANS[2], lang="zzz")  # no such language data
    assert "(zzz)" in str(e.value)
    # The next call, in the default language, reads the same scan.
    assert overturn.parse(SCANS[2])["text"]["method"] == "ocr"
    # Two languages (the setup installs English and Spanish).
    assert overturn.parse(SCANS[2], lang="eng+spa")["document_type"] == "denial_letter"


@pytest.mark.parametrize(
    "source, kind, cls",
    [
        ("fixtures/no-such-letter.pdf", "not_found", overturn.NotFoundError),
        (str(DATA / "encrypted.pdf"), "encrypted_pdf", overturn.EncryptedPdfError),
        (str(DATA / "truncated.pdf"), "damaged_pdf", overturn.DamagedPdfError),
        ("fixtures", "unsupported", overturn.UnsupportedError),  # a directory
    ],
)
def test_errors_are_exceptions_of_their_kind(source, kind, cls):
    with pytest.raises(cls) as e:
        overturn.parse(source)
    err = e.value
    assert isinstance(err, overturn.OverturnError)
    assert err.kind == kind == type(err).kind
    assert err.path == source
    assert str(err).startswith(source + ": ")


def test_a_pdf_that_holds_a_web_page_is_not_a_pdf(tmp_path):
    saved = tmp_path / "letter.pdf"
    saved.write_text("<!DOCTYPE html><html><body>Session expired. Please log in.</body></html>")
    with pytest.raises(overturn.NotAPdfError) as e:
        overturn.parse(saved)
    assert e.value.kind == "not_a_pdf"
    assert e.value.path == str(saved)


def test_bytes_named_pdf_must_hold_a_pdf():
    page = b"<!DOCTYPE html><html><body>Session expired. Please log in.</body></html>"
    with pytest.raises(overturn.NotAPdfError) as e:
        overturn.parse(page, name="s3://mail/2026-03/letter.pdf")
    assert e.value.path == "s3://mail/2026-03/letter.pdf"
    # Without a name, or under another, the bytes are the web page they are.
    assert overturn.parse(page)["source"]["media_type"] == "text/html"
    assert overturn.parse(page, name="page.html")["source"]["path"] == "page.html"


def test_errors_of_bytes_name_them():
    with pytest.raises(overturn.EmptyError) as e:
        overturn.parse(b"  \n", name="upload-3")
    assert (e.value.kind, e.value.path) == ("empty", "upload-3")
    with pytest.raises(overturn.UnsupportedError):
        overturn.parse(b"\x00\x01\x02\x03binary", name="blob")


def test_every_kind_has_its_exception():
    # The kinds batch records name (docs/batch.md) and Error::kind() gives.
    doc = (ROOT / "docs" / "batch.md").read_text()
    documented = doc.split("**Error kinds**:")[1].split("- **")[0]
    kinds = set(re.findall(r"`([a-z_]+)`", documented))
    kinds.add("rules")
    assert kinds == set(overturn.ERRORS)
    for kind, cls in overturn.ERRORS.items():
        assert issubclass(cls, overturn.OverturnError)
        assert cls.kind == kind
        assert getattr(overturn, cls.__name__) is cls


def test_wrong_arguments_are_type_errors():
    with pytest.raises(TypeError):
        overturn.parse(42)
    with pytest.raises(TypeError):
        overturn.parse("fixtures/mn-ppo-letter/input.pdf", name="x")


def counting_while(work):
    """How far a Python thread counts while `work()` runs in this thread. With the GIL held
    by `work` throughout, the count would not move."""
    count, done = [0], threading.Event()

    def counter():
        while not done.is_set():
            count[0] += 1

    t = threading.Thread(target=counter)
    t.start()
    try:
        time.sleep(0.05)
        before = count[0]
        work()
        return count[0] - before
    finally:
        done.set()
        t.join()


def test_parse_releases_the_gil():
    # Reading a scan takes OCR, about a second.
    counted = counting_while(lambda: overturn.parse(SCANS[0]))
    assert counted > 100_000, counted
