#!/usr/bin/python3
"""Scores Verso's segmenter on Golden Rules files (JSONL: {"text", "sentences"}).

Starts a versod, sends every case to the `segment` op with the rules and with
plain ICU (`"rules": false`), and prints passed/total per language and each
failure. A case passes when the list of trimmed sentences matches exactly.

Then, unless --no-speed, runs bench/seg_bench (beside versod) for throughput:
MB/s of Verso's segmenter and of plain ICU on English and Chinese, in the same
run (its texts are synthetic: bench/seg_bench.c says how they are made).

Usage: bench/seg_eval.py [--versod PATH] [--quiet] [--no-speed] [FILE.jsonl ...]
Default files: ../shared/eval/segmentation/grs_*.jsonl beside the repository;
skips cleanly (exit 0) when that directory is absent. Exit status 1 when any
case fails with the rules.
"""
import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_versod(path):
    tmp = tempfile.mkdtemp(prefix="verso-segeval-")
    ready = os.path.join(tmp, "ready")
    proc = subprocess.Popen([path, "--bind", "tcp://127.0.0.1:*", "--data",
                             os.path.join(tmp, "data"), "--ready-file", ready,
                             "--log-level", "warn"])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if os.path.exists(ready):
            with open(ready) as f:
                line = f.read()
            if line.endswith("\n"):
                return proc, tmp, line.strip()
        if proc.poll() is not None:
            break
        time.sleep(0.02)  # polling interval while waiting for the ready file
    proc.kill()
    raise SystemExit("seg_eval: versod did not start")


class Client:
    def __init__(self, endpoint):
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.RCVTIMEO, 10000)
        self.sock.connect(endpoint)
        self.next_id = 1

    def segment(self, text, lang, rules):
        self.next_id += 1
        self.sock.send(msgpack.packb({"v": 1, "id": self.next_id, "op": "segment",
                                      "text": text, "lang": lang, "rules": rules}))
        rep = msgpack.unpackb(self.sock.recv(), raw=False)
        if not rep["ok"]:
            raise RuntimeError("%s: %s" % (rep["err"]["code"], rep["err"]["message"]))
        return [s["text"] for s in rep["res"]["segments"]]

    def close(self):
        self.sock.close()
        self.ctx.term()


def lang_of(path):
    base = os.path.basename(path)
    return base[4:-6] if base.startswith("grs_") else base.split(".")[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--versod", default=os.path.join(ROOT, "build", "release", "versod"))
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    files = args.files
    if not files:
        shared = os.path.join(os.path.dirname(ROOT), "shared", "eval", "segmentation")
        if not os.path.isdir(shared):
            print("seg_eval: %s absent; skipped" % shared)
            return 0
        files = sorted(glob.glob(os.path.join(shared, "grs_*.jsonl")))
    proc, tmp, endpoint = start_versod(args.versod)
    client = Client(endpoint)
    total_fail = 0
    try:
        print("%-6s %12s %12s" % ("lang", "verso", "plain ICU"))
        for path in files:
            lang = lang_of(path)
            cases = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
            ok = icu_ok = 0
            failures = []
            for i, case in enumerate(cases):
                want = [s.strip() for s in case["sentences"]]
                got = client.segment(case["text"], lang, True)
                icu = client.segment(case["text"], lang, False)
                icu_ok += icu == want
                if got == want:
                    ok += 1
                else:
                    failures.append((case.get("id", i + 1), want, got))
            total_fail += len(failures)
            print("%-6s %8d/%-3d %8d/%-3d" % (lang, ok, len(cases), icu_ok, len(cases)))
            for cid, want, got in failures if not args.quiet else []:
                print("   case %s\n     want %s\n     got  %s" % (cid, want, got))
    finally:
        client.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    bench = os.path.join(os.path.dirname(os.path.abspath(args.versod)), "bench", "seg_bench")
    if not args.no_speed and os.path.exists(bench):
        sys.stdout.flush()
        subprocess.run([bench], check=False)
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main())
