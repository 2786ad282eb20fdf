#!/usr/bin/env python3
"""Helper of scripts/bench (standard library only): samples the stacks and turns the raw files of
the runs into the benchmark report.

    benchlib.py watch-paths API_URL OUT        poll MediaMTX's paths until SIGTERM (readyTime of in/out)
    benchlib.py containers OUT                 CPU, memory and peak RSS of the dubmedia/dubsts containers
    benchlib.py collect-media BASE_URL PREFIX DIR   media-service /health, /metrics and the worker JSON
    benchlib.py fetch URL OUT                  one GET into a file
    benchlib.py meta OUT KEY=VALUE...          the run's metadata plus this machine's (CPU, memory, kernel)
    benchlib.py report WORK_DIR OUT_DIR        table on stdout, OUT_DIR/<stamp>.json and OUT_DIR/latest.json
    benchlib.py streams-scenario K VARIANT OUT the scenario of K simultaneous streams (benchkit/streams.py VARIANTS)
    benchlib.py streams-variant VARIANT        its Whisper model, each STS's ASR_CPU_THREADS, the ports of the other STS

The report reads WORK_DIR/meta.json and WORK_DIR/run-<i>/ (layout written by scripts/bench):
steps.jsonl, provision_*.log, pipeline/, echo/, soak/, streams/, sts_bench/. The parts live in benchkit/ beside
this file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from benchkit import streams
from benchkit.report import report
from benchkit.sampling import collect_media, containers, fetch, meta, watch_paths


def main(argv: list[str]) -> int:
    usage = __doc__ or ""
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(usage)
        return 0 if len(argv) >= 2 else 2
    cmd, args = argv[1], argv[2:]
    expected = {
        "watch-paths": 2,
        "containers": 1,
        "collect-media": 3,
        "fetch": 2,
        "report": 2,
        "streams-scenario": 3,
        "streams-variant": 1,
    }
    if cmd == "meta" and args:
        return meta(Path(args[0]), args[1:])
    if cmd not in expected or len(args) != expected[cmd]:
        print(f"benchlib: bad usage: {' '.join(argv[1:])}\n{usage}", file=sys.stderr)
        return 2
    if cmd == "watch-paths":
        return watch_paths(args[0], Path(args[1]))
    if cmd == "containers":
        return containers(Path(args[0]))
    if cmd == "collect-media":
        return collect_media(args[0], args[1], Path(args[2]))
    if cmd == "streams-scenario":
        if not args[0].isdigit() or int(args[0]) < 1 or args[1] not in streams.VARIANTS:
            variants = ", ".join(streams.VARIANTS)
            print(f"benchlib: streams-scenario K VARIANT OUT: K >= 1, VARIANT one of {variants}", file=sys.stderr)
            return 2
        Path(args[2]).write_text(streams.variant_scenario(int(args[0]), args[1]))
        return 0
    if cmd == "streams-variant":
        if args[0] not in streams.VARIANTS:
            print(f"benchlib: streams-variant: no variant {args[0]!r}", file=sys.stderr)
            return 2
        model, extra_sts = streams.VARIANTS[args[0]]
        print(" ".join([model, str(streams.asr_threads(extra_sts)), *map(str, extra_sts)]))
        return 0
    if cmd == "fetch":
        return fetch(args[0], Path(args[1]))
    return report(Path(args[0]), Path(args[1]))


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main(sys.argv))
