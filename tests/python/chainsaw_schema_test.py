#!/usr/bin/python3
"""Every Chainsaw test in scenarios/ (and docs/scenarios.md's example) is valid against
Chainsaw's published JSON schema for Test (tests/data/chainsaw), and the schema check itself
rejects what Chainsaw rejects. Usage: chainsaw_schema_test.py SOURCE_DIR"""
import json
import pathlib
import re
import sys

import jsonschema
import yaml

source = pathlib.Path(sys.argv[1])
schema = json.loads((source / "tests/data/chainsaw/test-chainsaw-v1alpha1.json").read_text())
validator = jsonschema.Draft7Validator(schema)


def problems(document):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


failures = []
files = sorted(source.glob("scenarios/**/chainsaw-test.yaml"))
if len(files) < 16:
    failures.append(f"expected the scenario catalogue, found {len(files)} files")
documents = [(f, d) for f in files for d in yaml.safe_load_all(f.read_text()) if d]
# The docs page's example test, from its heredoc.
page = (source / "docs/scenarios.md").read_text()
example = re.search(r"<<'EOF'\n(.*?)\nEOF\n", page, re.S)
if not example:
    failures.append("docs/scenarios.md: no example test found")
else:
    documents.append(("docs/scenarios.md", yaml.safe_load(example.group(1))))
for name, document in documents:
    for p in problems(document):
        failures.append(f"{name}: {p}")

# The check can fail: an unknown field, an operation with two actions, another apiVersion.
broken = [
    {"apiVersion": "chainsaw.kyverno.io/v1alpha1", "kind": "Test", "metadata": {"name": "x"},
     "spec": {"steps": [{"try": [{"sleep": {"duration": "1s"}, "retries": 3}]}]}},
    {"apiVersion": "chainsaw.kyverno.io/v1alpha1", "kind": "Test", "metadata": {"name": "x"},
     "spec": {"steps": [{"try": [{"sleep": {"duration": "1s"}, "script": {"content": "true"}}]}]}},
    {"apiVersion": "chainsaw.kyverno.io/v2", "kind": "Test", "metadata": {"name": "x"},
     "spec": {"steps": [{"try": [{"sleep": {"duration": "1s"}}]}]}},
]
for i, document in enumerate(broken):
    if not problems(document):
        failures.append(f"broken document {i} passed the schema check")

for f in failures:
    print(f)
print(f"{len(documents)} documents checked, {len(failures)} problems")
sys.exit(1 if failures else 0)
