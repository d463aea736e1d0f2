"""Type stubs of the Python package `overturn` (the native module built from python/src/lib.rs).

A report is the JSON object `overturn parse` prints, as a dict (its contract: docs/schema.md,
docs/schema.json). A record of `parse_many` is a report, or an error record
`{"source": {"path": str, "sha256": str}, "error": {"kind": str, "message": str}}`.
"""

import os
from typing import Any, Dict, Iterable, Iterator, Optional, Type, Union

__version__: str

Report = Dict[str, Any]
Record = Dict[str, Any]
StrPath = Union[str, "os.PathLike[str]"]

def parse(
    source: Union[StrPath, bytes, bytearray],
    lang: str = "eng",
    *,
    name: Optional[StrPath] = None,
) -> Report:
    """Reads one document (a path, or its bytes) into its report.

    Bytes are read by their content; `name` is the file name they came from: the report's
    `source.path` and the name in error messages (default `<bytes>`), and as for a file a name
    ending `.pdf` must hold a PDF (`NotAPdfError`). `lang`: OCR languages joined by `+`.
    Raises an `OverturnError` subclass when the document cannot be read. Releases the GIL.
    """

def parse_many(
    paths: Iterable[StrPath],
    jobs: int = 0,
    lang: str = "eng",
    timeout: Optional[float] = 120.0,
) -> Records:
    """Reads many files in parallel (jobs threads, 0: one per core); yields one record per
    input, in input order: the report, or an error record for a file that failed (never an
    exception). `timeout`: most seconds per document (None: no limit)."""

class Records(Iterator[Record]):
    """The records of `parse_many`, in input order; read without the GIL."""

    @property
    def total(self) -> int:
        """How many inputs (records) the batch has in all."""

    def __iter__(self) -> Records: ...
    def __next__(self) -> Record: ...

class OverturnError(Exception):
    """A document could not be read: `kind` names why, `path` the input (None for a rule
    error); str(error) names the input and the reason, never document content."""

    kind: Optional[str]
    path: Optional[str]

class NotFoundError(OverturnError):
    """`not_found`: the input path does not exist."""

class IoError(OverturnError):
    """`io`: the input could not be read (permissions, a directory, a disk error)."""

class EmptyError(OverturnError):
    """`empty`: the input holds no bytes (or only whitespace)."""

class TooLargeError(OverturnError):
    """`too_large`: the input is larger than overturn reads."""

class UnsupportedError(OverturnError):
    """`unsupported`: the bytes are not a kind of document overturn reads."""

class NoTextError(OverturnError):
    """`no_text`: no text could be read, not even by OCR."""

class BadImageError(OverturnError):
    """`bad_image`: the image cannot be decoded or is beyond the limits."""

class DamagedPdfError(OverturnError):
    """`damaged_pdf`: the PDF is truncated or malformed."""

class NotAPdfError(OverturnError):
    """`not_a_pdf`: a file named .pdf holds something else (a web page, text)."""

class EncryptedPdfError(OverturnError):
    """`encrypted_pdf`: the PDF needs a password to open."""

class InvalidReportError(OverturnError):
    """`invalid_report`: a JSON input is not an overturn report."""

class InternalError(OverturnError):
    """`internal`: a bug in overturn met this document."""

class PanicError(OverturnError):
    """`panic`: a bug in overturn met this document (a panic, caught)."""

class ParseTimeoutError(OverturnError):
    """`timeout`: the document took longer than parse_many's time limit (records only)."""

class RulesError(OverturnError):
    """`rules`: a bundled rule file is invalid (a broken build)."""

ERRORS: Dict[str, Type[OverturnError]]
"""The exception class of each error kind."""
