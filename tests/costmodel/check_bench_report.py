#!/usr/bin/env python3
"""Runs `missive bench --json` on a few sizes and checks what scripts and readers rely on.

  check_bench_report.py MISSIVE OUT_DIR

- stdout is exactly {"results": [...]}, each row exactly {path, size, p50_ns, p99_ns, msgs_per_s},
  every path of the issue at every size, figures positive and p99 >= p50;
- latency.svg and throughput.svg are well-formed XML with the crossover group and at least one marker;
- report.md carries the model-vs-measured table.
"""
import json
import subprocess
import sys
import xml.dom.minidom

PATHS = ["shm-spin", "shm-block", "shm-view", "unix", "inproc", "raw-spin", "raw-socketpair", "raw-pipe", "zmq-ipc"]
SIZES = [64, 4096, 65536, 1048576]
KEYS = {"path", "size", "p50_ns", "p99_ns", "msgs_per_s"}


def fail(message):
    print("bench report check FAILED: " + message)
    sys.exit(1)


def main():
    missive, out_dir = sys.argv[1], sys.argv[2]
    sizes = ",".join(str(s) for s in SIZES)
    run = subprocess.run([missive, "bench", "--json", "--sizes", sizes, "--repetitions", "1", "--out", out_dir],
                         capture_output=True, text=True, timeout=240)
    if run.returncode != 0:
        fail("exit code %d\n%s" % (run.returncode, run.stderr))
    doc = json.loads(run.stdout)
    if set(doc) != {"results"}:
        fail("top-level keys %s" % sorted(doc))
    seen = set()
    for row in doc["results"]:
        if set(row) != KEYS:
            fail("row keys %s" % sorted(row))
        if row["path"] not in PATHS:
            fail("unknown path %r" % row["path"])
        if not (row["p50_ns"] > 0 and row["p99_ns"] >= row["p50_ns"] and row["msgs_per_s"] > 0):
            fail("implausible figures %s" % row)
        seen.add((row["path"], row["size"]))
    missing = [(p, s) for p in PATHS for s in SIZES if (p, s) not in seen]
    if missing:
        fail("missing (path, size): %s" % missing)
    for name in ("latency.svg", "throughput.svg"):
        svg = xml.dom.minidom.parse(out_dir + "/" + name)  # raises on malformed XML
        groups = [g for g in svg.getElementsByTagName("g") if g.getAttribute("id") == "crossover"]
        if len(groups) != 1:
            fail("%s: %d crossover groups" % (name, len(groups)))
        markers = [e for e in groups[0].childNodes if e.nodeType == e.ELEMENT_NODE
                   and e.getAttribute("class") == "crossover"]
        if not markers or "x*" not in "".join(t.toxml() for t in markers):
            fail("%s: no crossover marker" % name)
        series = [g.getAttribute("data-name") for g in svg.getElementsByTagName("g") if g.getAttribute("class") == "series"]
        if len(series) != len(PATHS):
            fail("%s: %d series" % (name, len(series)))
    report = open(out_dir + "/report.md").read()
    if "Predicted against measured" not in report or "| sigma |" not in report:
        fail("report.md lacks the model table")
    print("bench report ok: %d rows" % len(doc["results"]))


main()
