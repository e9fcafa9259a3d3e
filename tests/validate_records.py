#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks ganpublish's records against the installed JSON Schema (Draft 2020-12).

usage: validate_records.py SCHEMA FILE   (FILE: JSON Lines, or one JSON array)
Prints how many records are valid; exits 1 naming the first invalid one.
"""
import json
import sys

import jsonschema


def records(path):
    text = open(path, encoding="utf-8").read()
    if text.lstrip().startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    all_records = records(sys.argv[2])
    for i, record in enumerate(all_records):
        errors = sorted(validator.iter_errors(record), key=lambda e: list(e.path))
        if errors:
            print(f"record {i} is invalid: {errors[0].message} at {list(errors[0].path)}: {record}")
            return 1
    print(f"{len(all_records)} records valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
