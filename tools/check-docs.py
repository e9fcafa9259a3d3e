#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks that the docs a newcomer reads name what the tree holds (CI runs it):
  - every core header (models/gan/*.h) has exactly one row in models/README.md's header table;
  - every row of that table names a header that exists;
  - every test suite (tests/*_test.cpp) has a row in docs/ARCHITECTURE.md's test table, and
    every row names a suite that exists;
  - every file that README.md, docs/ARCHITECTURE.md and models/README.md link to exists.
Prints each drift and exits 1 if there is any."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def table_rows(text, first_cell):
    """The first cells (backquoted paths) of the markdown table rows matching first_cell."""
    return re.findall(r"^\| `(" + first_cell + r")` \|", text, flags=re.M)


def main():
    problems = []
    models_readme = (ROOT / "models/README.md").read_text(encoding="utf-8")
    headers = sorted(p.name for p in (ROOT / "models/gan").glob("*.h"))
    rows = [r[len("gan/"):] for r in table_rows(models_readme, r"gan/[a-z0-9_]+\.h")]
    for h in headers:
        n = rows.count(h)
        if n != 1:
            problems.append(f"models/README.md: core header gan/{h} has {n} rows in the header "
                            "table (want 1)")
    for r in sorted(set(rows) - set(headers)):
        problems.append(f"models/README.md: the header table names gan/{r}, which does not exist")

    architecture = (ROOT / "docs/ARCHITECTURE.md").read_text(encoding="utf-8")
    suites = sorted(p.name for p in (ROOT / "tests").glob("*_test.cpp"))
    named = re.findall(r"^\|[^|\n]*\| `tests/([a-z0-9_]+_test\.cpp)` \|", architecture, flags=re.M)
    for s in suites:
        if s not in named:
            problems.append(f"docs/ARCHITECTURE.md: test suite tests/{s} is not in the test table")
    for s in sorted(set(named) - set(suites)):
        problems.append(f"docs/ARCHITECTURE.md: names tests/{s}, which does not exist")

    for doc in ("README.md", "docs/ARCHITECTURE.md", "models/README.md"):
        path = ROOT / doc
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            if not (path.parent / target).exists():
                problems.append(f"{doc}: links to {target}, which does not exist")

    for p in problems:
        print(p)
    print(f"check-docs: {len(headers)} core headers, {len(suites)} test suites, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
