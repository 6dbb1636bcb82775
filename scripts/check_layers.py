#!/usr/bin/env python3
"""Checks the include lines of the C sources against the folder map.

The map (docs/ARCHITECTURE.md, "Folders and layers"): each folder is a layer
and may include its own headers and those of the folders listed for it, never
a higher one. Some library headers are allowed in a few places only: lmdb.h in
the store, zmq.h in the broker and the client, msgpack in the ops and the
envelopes. Header include cycles are reported too.

Usage: scripts/check_layers.py [--root DIR]   (default: the repository)
Prints every violation as file:line: reason, and exits 1 when there is one.
"""
import argparse
import os
import re
import sys

# folder -> the folders it may include from (its own always)
LAYERS = {
    "include/verso": [],
    "common": ["include/verso"],
    "server/text": ["common", "include/verso"],
    "server/align": ["server/text", "common", "include/verso"],
    "server/tm": ["server/text", "common", "include/verso"],
    "server/core": ["server/tm", "server/text", "common", "include/verso"],
    "server/ops": ["server/core", "server/tm", "server/align", "server/text", "common",
                   "include/verso"],
    "server/http": ["server/ops", "server/core", "server/tm", "server/align", "server/text",
                    "common", "include/verso"],
    "server": ["server/http", "server/ops", "server/core", "server/tm", "server/align", "server/text",
               "common", "include/verso"],
    "client": ["common", "include/verso"],
}

# <library header> -> the files (folder/ or exact path) that may include it
LIBRARIES = {
    "lmdb.h": ["server/tm/store.c"],
    # The broker's sockets, the client's, and Z85 keys (curve key files).
    "zmq.h": ["server/core/", "client/client.c", "common/keyfile.c"],
    # The ops build replies; the HTTP front door builds requests from JSON;
    # proto decodes requests and packs envelopes;
    # common holds the msgpack helpers that both sides use; the CLI prints.
    "msgpack.h": ["server/ops/", "server/http/", "server/core/proto.h", "server/core/proto.c", "common/",
                  "client/", "include/verso/envelope.h"],
}
# Our own headers that carry msgpack with them: including one is including msgpack.h.
MSGPACK_HEADERS = {"mp.h", "pack.h", "proto.h"}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def folder_of(root, path):
    rel = os.path.relpath(path, root)
    d = os.path.dirname(rel)
    return d if d in LAYERS else None


def sources(root):
    for folder in LAYERS:
        full = os.path.join(root, folder)
        if not os.path.isdir(full):
            continue
        for name in sorted(os.listdir(full)):
            if name.endswith((".c", ".h")):
                yield folder, os.path.join(full, name)


def allowed(patterns, rel):
    return any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in patterns)


def check(root):
    headers = {}  # header name -> folder (names are unique across the tree)
    problems = []
    for folder, path in sources(root):
        name = os.path.basename(path)
        if name.endswith(".h"):
            key = "verso/" + name if folder == "include/verso" else name
            if key in headers:
                problems.append(f"{os.path.relpath(path, root)}: header name also in "
                                f"{headers[key]}/ (names must be unique)")
            headers[key] = folder
    graph = {}
    for folder, path in sources(root):
        rel = os.path.relpath(path, root)
        deps = graph.setdefault(os.path.basename(path), set())
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, inc = m.groups()
                if kind == "<":
                    if inc in LIBRARIES and not allowed(LIBRARIES[inc], rel):
                        problems.append(f"{rel}:{lineno}: <{inc}> is allowed only in "
                                        f"{', '.join(LIBRARIES[inc])}")
                    continue
                if inc not in headers:
                    problems.append(f"{rel}:{lineno}: \"{inc}\" is no header of the tree")
                    continue
                owner = headers[inc]
                if owner != folder and owner not in LAYERS[folder]:
                    problems.append(f"{rel}:{lineno}: {folder}/ may not include {owner}/"
                                    f"{os.path.basename(inc)} (a higher or a side layer)")
                if inc in MSGPACK_HEADERS and not allowed(LIBRARIES["msgpack.h"], rel):
                    problems.append(f"{rel}:{lineno}: \"{inc}\" brings msgpack, allowed only in "
                                    f"{', '.join(LIBRARIES['msgpack.h'])}")
                if inc.endswith(".h"):
                    deps.add(os.path.basename(inc))
    problems += cycles(graph)
    return problems


def cycles(graph):
    """Include cycles among the tree's files, each reported once."""
    found, state, stack = [], {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for d in sorted(graph.get(n, ())):
            if state.get(d) == 1:
                found.append("include cycle: " + " -> ".join(stack[stack.index(d):] + [d]))
            elif d in graph and not state.get(d):
                visit(d)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if not state.get(n):
            visit(n)
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = ap.parse_args()
    problems = check(args.root)
    for p in problems:
        print(p)
    n = sum(1 for _ in sources(args.root))
    print(f"check_layers: {n} files, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
