"""Condense a schemathesis JUnit report for scripts/clients.sh.

    python3 st_failures.py REPORT.xml            # one line per failure
    python3 st_failures.py REPORT.xml --summary  # one line in all

Each failure line: operation | check | HTTP status | the answer's `detail`
(REST problem) or first error message (GraphQL) | the curl to reproduce.
The summary counts failures by check and by the answer's status/code, so a
one-line reason says what kind of refusal it was.
"""

import collections
import re
import sys
import xml.etree.ElementTree as ET


def failures(path):
    for case in ET.parse(path).iter("testcase"):
        for failure in case.findall("failure"):
            text = failure.text or ""
            # One <failure> can hold several numbered test cases.
            for block in re.split(r"\n(?=\d+\. Test Case ID:)", text):
                check = re.search(r"- (ST\d+) ([^\n]+)", block)
                if not check:
                    continue
                status = re.search(r"\n\[(\d{3})\] ", block)
                detail = re.search(r'"detail":"((?:[^"\\]|\\.)*)"', block) or re.search(
                    r'"message":"((?:[^"\\]|\\.)*)"', block
                )
                code = re.search(r'"code":\s*"([A-Za-z_]+)"', block)
                curl = re.search(r"\n\s*(curl [^\n]+)", block)
                yield {
                    "operation": case.get("name"),
                    "check": f"{check.group(1)} {check.group(2).strip()}",
                    "status": status.group(1) if status else "?",
                    "code": code.group(1) if code else "",
                    "detail": (detail.group(1) if detail else "")[:160],
                    "curl": (curl.group(1) if curl else "")[:400],
                }


def main():
    path = sys.argv[1]
    found = list(failures(path))
    if "--summary" in sys.argv:
        by_check = collections.Counter(f["check"].split()[0] for f in found)
        by_answer = collections.Counter(f"{f['status']} {f['code']}".strip() for f in found)
        print(
            f"{len(found)} failing cases: "
            + ", ".join(f"{k}×{v}" for k, v in by_check.most_common())
            + "; answers "
            + ", ".join(f"{k}×{v}" for k, v in by_answer.most_common(6))
        )
        return
    for f in found:
        print(f"{f['operation']} | {f['check']} | {f['status']} {f['code']} | {f['detail']} | {f['curl']}")


if __name__ == "__main__":
    main()
