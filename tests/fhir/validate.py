"""Validates overturn's FHIR output with an independent library, fhir.resources 6.4.0 (the
last release whose models are FHIR R4 4.0.1; 6.5.0 moved to R4B and 7.x to R5).

Input: files named on the command line, each holding one Bundle (pretty or compact) or
NDJSON (one Bundle or OperationOutcome per line). Every resource and every Bundle entry is
parsed by its R4 model, which checks element names, types, cardinalities and required
elements. Also checked: every reference to a urn:uuid resolves to an entry of the same
Bundle, fullUrls are unique. Prints one line per problem and exits 1 if there is any.

Installed by scripts/setup.sh into .venv/ (see tests/fhir/requirements.txt).
"""

import json
import sys

import fhir.resources
from fhir.resources import get_fhir_model_class
from pydantic import ValidationError

assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__


def references(value):
    """Every `reference` string inside a resource."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from references(v)
    elif isinstance(value, list):
        for v in value:
            yield from references(v)


def check(resource, where):
    problems = []
    kind = resource.get("resourceType")
    try:
        get_fhir_model_class(kind).parse_obj(resource)
    except (ValidationError, KeyError, ValueError) as e:
        return [f"{where}: {kind}: {e}".replace("\n", " ")]
    if kind != "Bundle":
        return problems
    urls = [e.get("fullUrl") for e in resource.get("entry", [])]
    if len(set(urls)) != len(urls):
        problems.append(f"{where}: duplicate fullUrl")
    for i, entry in enumerate(resource.get("entry", [])):
        inner = entry.get("resource", {})
        try:
            get_fhir_model_class(inner.get("resourceType")).parse_obj(inner)
        except (ValidationError, KeyError, ValueError) as e:
            problems.append(f"{where}: entry {i}: {e}".replace("\n", " "))
        for ref in references(inner):
            if ref.startswith("urn:uuid:") and ref not in urls:
                problems.append(f"{where}: entry {i}: unresolved reference {ref}")
    return problems


def documents(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        yield path, json.loads(text)
        return
    except json.JSONDecodeError:
        pass
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield f"{path}:{n}", json.loads(line)


def main(paths):
    problems, count = [], 0
    for path in paths:
        for where, doc in documents(path):
            count += 1
            problems.extend(check(doc, where))
    for p in problems:
        print(p)
    print(f"validate.py: {count} resources, {len(problems)} problems")
    return 1 if problems or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
