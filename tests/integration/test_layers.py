#!/usr/bin/env python3
"""scripts/check_layers.py: the real tree passes, and each kind of broken rule
in a small made-up tree fails with its reason (so the CI check can fail)."""
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "check_layers.py")


def run(root):
    p = subprocess.run([sys.executable, SCRIPT, "--root", root], capture_output=True, text=True)
    return p.returncode, p.stdout


def tree(files):
    d = tempfile.mkdtemp(prefix="verso-layers-")
    for path, text in files.items():
        full = os.path.join(d, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return d


# A clean miniature: ops on core on tm on text, each including the one below.
CLEAN = {
    "common/buf.h": "#include <stddef.h>\n",
    "server/text/text.h": '#include "buf.h"\n',
    "server/tm/store.c": '#include <lmdb.h>\n#include "text.h"\n',
    "server/tm/store.h": '#include "text.h"\n',
    "server/core/server.c": '#include <zmq.h>\n#include "store.h"\n',
    "server/core/proto.h": "#include <msgpack.h>\n",
    "server/ops/ops.c": '#include "proto.h"\n#include "store.h"\n#include "mp.h"\n',
    "common/mp.h": "#include <msgpack.h>\n",
    "server/align/align.h": '#include "text.h"\n',
    "server/ops/ops.h": '#include "store.h"\n',
    "server/text/lang.h": '#include "text.h"\n',
}


class LayersTest(unittest.TestCase):
    def test_real_tree_passes(self):
        code, out = run(ROOT)
        self.assertEqual(code, 0, out)
        self.assertIn("0 problem(s)", out)

    def test_clean_miniature_passes(self):
        code, out = run(tree(CLEAN))
        self.assertEqual(code, 0, out)

    def broken(self, path, text, reason):
        files = dict(CLEAN)
        files[path] = files.get(path, "") + text
        code, out = run(tree(files))
        self.assertEqual(code, 1, out)
        self.assertIn(reason, out)

    def test_upward_include_fails(self):
        self.broken("server/text/text.c", '#include "store.h"\n',
                    "server/text/ may not include server/tm/store.h")

    def test_side_include_fails(self):
        self.broken("server/align/align.c", '#include "store.h"\n',
                    "server/align/ may not include server/tm/store.h")

    def test_core_includes_no_op(self):
        self.broken("server/core/worker.c", '#include "ops.h"\n',
                    "server/core/ may not include server/ops/ops.h")

    def test_lmdb_outside_the_store_fails(self):
        self.broken("server/tm/tm.c", "#include <lmdb.h>\n", "<lmdb.h> is allowed only in")

    def test_zmq_in_the_ops_fails(self):
        self.broken("server/ops/ops.c", "#include <zmq.h>\n", "<zmq.h> is allowed only in")

    def test_msgpack_in_the_broker_fails(self):
        self.broken("server/core/server.c", '#include "mp.h"\n', '"mp.h" brings msgpack')

    def test_cycle_fails(self):
        # lang.h includes text.h: text.h including lang.h closes a loop
        self.broken("server/text/text.h", '#include "lang.h"\n', "include cycle")


if __name__ == "__main__":
    unittest.main()
