"""Shared test data: the repository's fixtures, and the `overturn` CLI to compare with."""

import json
import os
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
DATA = ROOT / "tests" / "data"


def fixture_input(d: Path) -> Path:
    """A fixture's one input file (a fixture photographed page by page has none)."""
    found = sorted(d.glob("input.*"))
    return found[0] if found else None


def fixture_inputs() -> List[Path]:
    """Every fixture's input, relative to the repository root, sorted by fixture name."""
    dirs = sorted(d for d in FIXTURES.iterdir() if (d / "expected.json").is_file())
    return [fixture_input(d).relative_to(ROOT) for d in dirs if fixture_input(d)]


def is_scan(path: Path) -> bool:
    """Whether reading the fixture takes OCR (an image, or a scanned or mixed PDF)."""
    name = path.parent.name
    return path.suffix in (".png", ".jpg", ".tif") or name.startswith(("scan-", "fax-", "mixed-"))


TEXT_INPUTS = [p for p in fixture_inputs() if not is_scan(p)]
SCANS = [
    Path("fixtures/scan-pa-hmo-letter/input.png"),
    Path("fixtures/scan-timely-letter/input.jpg"),
    Path("fixtures/fax-referral-pos-letter/input.tif"),
]
# What the tests compare with the CLI's output: every text fixture and three scans (a PNG,
# a JPEG and a fax; the CLI that `cargo test` builds is unoptimised and slow at OCR).
COMPARED = TEXT_INPUTS + SCANS


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    """Paths are given relative to the repository root, as the CLI's tests give them."""
    monkeypatch.chdir(ROOT)


def cli() -> Path:
    """The `overturn` binary: $OVERTURN_BIN, else the one `cargo build`/`cargo test` made."""
    if os.environ.get("OVERTURN_BIN"):
        return Path(os.environ["OVERTURN_BIN"])
    for profile in ("debug", "release"):
        p = ROOT / "target" / profile / "overturn"
        if p.is_file():
            return p
    pytest.skip("no overturn binary: run `cargo build` or set OVERTURN_BIN")


@pytest.fixture(scope="session")
def cli_records() -> Dict[str, dict]:
    """`overturn batch` over the COMPARED inputs: its JSON Lines record of each, by path."""
    inputs = [str(p) for p in COMPARED]
    out = subprocess.run(
        [str(cli()), "batch", "--quiet", "--jobs", "2", *inputs],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    records = [json.loads(line) for line in out.decode().splitlines()]
    assert len(records) == len(inputs)
    return {r["source"]["path"]: r for r in records}
