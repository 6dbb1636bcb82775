#!/usr/bin/env python3
"""TMX goes round trip whole (docs/TMX.md): `verso import` then `verso export` gives the same
XML up to formatting (C14N 2.0, white space around text stripped, comments and DOCTYPE
aside), for a file that uses every TMX 1.4b element and attribute (tests/data/tmx/full.tmx)
and for files a real tool (translate-toolkit's po2tmx) makes from this system's gettext
catalogs. What an entry's fields hold stays theirs: string tuids, several notes, props and
notes of a tuv, context (OmegaT's prev/next props), entries that differ only in their tags.

usage: test_tmx.py /path/to/versod /path/to/verso [unittest args]
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

import zmq

import test_protocol as tp
from test_protocol import pack, unpack

VERSO = None
HERE = os.path.dirname(os.path.abspath(__file__))
FULL = os.path.join(HERE, "..", "data", "tmx", "full.tmx")


def canonical(path):
    return ET.canonicalize(from_file=path, strip_text=True)


def distinct_units(path):
    """The file's units in canonical form, a repeated one once (an exact duplicate is
    stored once: `add` with keep_both), and the number of repeats."""
    seen, units, repeats = set(), [], 0
    for tu in ET.parse(path).getroot().iter("tu"):
        c = ET.canonicalize(ET.tostring(tu, encoding="unicode"), strip_text=True)
        key = tuple(ET.canonicalize(ET.tostring(t.find("seg"), encoding="unicode"),
                                    strip_text=True) for t in tu.findall("tuv"))
        if key in seen:
            repeats += 1
            continue
        seen.add(key)
        units.append(c)
    return units, repeats


class TmxTest(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="verso-tmx-")
        self.proc, self.log, self.endpoint = tp.start_versod(
            self.workdir, os.path.join(self.workdir, "data"), "tmx", 16 << 20)
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(self.endpoint)

    def tearDown(self):
        self.sock.close(linger=0)
        self.ctx.destroy(linger=0)
        tp.stop_versod(self.proc, self.log)
        shutil.rmtree(self.workdir, True)

    def cli(self, *args):
        out = subprocess.run([VERSO, "--endpoint", self.endpoint, *args], capture_output=True,
                             text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def call(self, op, **fields):
        self.sock.send(pack(dict(v=1, id=1, op=op, **fields)))
        self.assertTrue(self.sock.poll(10000), "no reply")
        reply = unpack(self.sock.recv_multipart()[-1])
        self.assertTrue(reply["ok"], reply)
        return reply["res"]

    def round_trip(self, path, tm):
        self.call("tm_create", tm=tm)
        self.cli("import", path, "--tm", tm)
        out = os.path.join(self.workdir, tm + ".tmx")
        self.cli("export", "--tm", tm, "-o", out)
        return out

    def entries(self, tm):
        return self.call("export", tm=tm, limit=1000)["entries"]

    def test_full_feature_file(self):
        out = self.round_trip(FULL, "full")
        self.assertEqual(canonical(out), canonical(FULL))
        by_src = {e["src"]: e for e in self.entries("full")}
        # several notes stay several; context comes from OmegaT's prev/next props
        first = [e for e in by_src.values() if "quay" in e["src"]][0]
        self.assertEqual(first["note"], "First note of the unit.\n"
                         "Second note: it must not merge with the first.")
        ctx = [e for e in by_src.values() if e["src"].startswith("See ")][0]
        self.assertEqual((ctx["prev"], ctx["next"]),
                         ("The north quay reopens soon.", "Ferries resume on Monday."))
        self.assertEqual(ctx["props"], [["file", "docs/harbour.html"]])
        # two units that differ only in what their tags hold are two entries
        warnings = [e for e in self.entries("full") if "Warning" in e["src"]]
        self.assertEqual(len(warnings), 2)
        self.assertNotEqual(warnings[0]["src_tags"], warnings[1]["src_tags"])

    def test_changed_fields_win_over_kept_xml(self):
        """An entry updated after its import exports its new note, with the TU's other
        attributes (its string tuid) as they were."""
        self.round_trip(FULL, "upd")
        e = [e for e in self.entries("upd") if "quay" in e["src"]][0]
        self.call("update", entry_id=e["id"], note="Checked again.")
        out = os.path.join(self.workdir, "upd2.tmx")
        self.cli("export", "--tm", "upd", "-o", out)
        tu = [t for t in ET.parse(out).getroot().iter("tu")
              if t.get("tuid") == "ACDetectionCheckFailedAction0_s02"][0]
        self.assertEqual([n.text for n in tu.findall("note")], ["Checked again."])
        self.assertEqual(tu.get("lastusagedate"), "20240506T070809Z")
        self.assertEqual(tu.find("tuv").get("lastusagedate"), "20240507T080910Z")

    def test_files_of_a_real_tool(self):
        """po2tmx (translate-toolkit) output for the system's own catalogs."""
        if not shutil.which("po2tmx") or not shutil.which("msgunfmt"):
            self.skipTest("po2tmx or msgunfmt missing (scripts/setup.sh installs them)")
        catalogs = sorted(glob.glob("/usr/share/locale/de/LC_MESSAGES/*.mo"))[:8]
        self.assertTrue(catalogs, "no German catalogs on this system")
        for i, mo in enumerate(catalogs):
            with self.subTest(catalog=os.path.basename(mo)):
                po = os.path.join(self.workdir, "c%d.po" % i)
                tmx = os.path.join(self.workdir, "c%d.tmx" % i)
                subprocess.run(["msgunfmt", mo, "-o", po], check=True, capture_output=True)
                subprocess.run(["po2tmx", "-l", "de", po, "-o", tmx], check=True,
                               capture_output=True)
                units, repeats = distinct_units(tmx)
                out = self.round_trip(tmx, "cat%d" % i)
                got, again = distinct_units(out)
                self.assertEqual(again, 0)
                self.assertEqual(got, units)
                # the header, and the whole file when it repeats no unit
                self.assertEqual(ET.canonicalize(ET.tostring(ET.parse(out).find("header"),
                                                             encoding="unicode")),
                                 ET.canonicalize(ET.tostring(ET.parse(tmx).find("header"),
                                                             encoding="unicode")))
                if not repeats:
                    self.assertEqual(canonical(out), canonical(tmx))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: test_tmx.py /path/to/versod /path/to/verso [unittest args]")
    tp.VERSOD = os.path.abspath(sys.argv.pop(1))
    VERSO = os.path.abspath(sys.argv.pop(1))
    unittest.main()
