#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""One closing line over every test case in meson's JUnit logs (GoogleTest cases one by one):
"N passed, N failed, N skipped". Usage: test-summary.py BUILD_DIR..."""
import os
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for build in sys.argv[1:]:
    log = os.path.join(build, "meson-logs", "testlog.junit.xml")
    if not os.path.exists(log):
        print(f"test-summary: no {log}", file=sys.stderr)
        failed += 1
        continue
    for case in ET.parse(log).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
