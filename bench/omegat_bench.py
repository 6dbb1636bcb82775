#!/usr/bin/python3
"""The OmegaT plugin's cost per segment, as OmegaT's Machine Translation pane sees it.

Against a running server (scripts/serve.sh: its sample corpus in TM default), takes N
English sources of the TM's en->fr entries, drops a word from every other one (fuzzy
matches), builds the plugin, and runs bench/OmegaTBench.java: getTranslation for an
en-US -> fr-FR project over those N segments, p50/p99/max in ms.

Usage: bench/omegat_bench.py [--endpoint E] [--tm NAME] [-n N]
Needs the Java packages of scripts/setup.sh.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "client", "python"))
import verso  # noqa: E402

OMEGAT_JAR = "/usr/share/omegat/OmegaT.jar"


def queries(endpoint, tm, n):
    """n sources of the TM's en->fr entries, every other one with a word dropped."""
    rng = random.Random(7)
    srcs = []
    with verso.Client(endpoint, timeout=60) as c:
        for e in c.export_all(tm=tm):
            if e["src_lang"] == "en" and e["tgt_lang"] == "fr" and 20 < len(e["src"]) < 120 \
                    and "\n" not in e["src"]:
                srcs.append(e["src"])
            if len(srcs) >= 20 * n:
                break
    rng.shuffle(srcs)
    out = []
    for i, s in enumerate(srcs[:n]):
        words = s.split()
        if i % 2 and len(words) > 3:
            del words[rng.randrange(len(words))]
        out.append(" ".join(words))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", default="tcp://127.0.0.1:5555")
    ap.add_argument("--tm", default="default")
    ap.add_argument("-n", type=int, default=1000)
    args = ap.parse_args()
    qs = queries(args.endpoint, args.tm, args.n)
    if not qs:
        sys.exit("no en->fr entries in TM %s (run scripts/serve.sh first)" % args.tm)
    tmp = tempfile.mkdtemp(prefix="verso-omegat-bench-")
    try:
        with open(os.path.join(tmp, "queries.txt"), "w") as f:
            f.write("\n".join(qs) + "\n")
        subprocess.run([os.path.join(ROOT, "client", "omegat", "build.sh"),
                        os.path.join(tmp, "cfg", "plugins")], check=True, stdout=subprocess.DEVNULL)
        test = os.path.join(ROOT, "client", "omegat", "test")
        sources = [os.path.join(test, f) for f in ("Check.java", "PluginTest.java")]
        subprocess.run(["javac", "-Xlint:-path", "-encoding", "UTF-8", "-d", tmp, "-cp",
                        OMEGAT_JAR, *sources, os.path.join(ROOT, "bench", "OmegaTBench.java")],
                       check=True)
        subprocess.run(["java", "-Djava.awt.headless=true", "-cp", OMEGAT_JAR + ":" + tmp,
                        "OmegaTBench", os.path.join(tmp, "cfg"), args.endpoint, args.tm,
                        os.path.join(tmp, "queries.txt")], check=True, stderr=subprocess.DEVNULL,
                       cwd=tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
