#!/usr/bin/env python3
"""The OmegaT plugin (client/omegat) against a real versod, headless: the jar built by
client/omegat/build.sh and loaded by OmegaT's own plugin loader gives stored, fuzzy, near,
context and reversed matches with their labels, tags and errors (PluginTest.java), plain
and with CurveZMQ keys; and an OmegaT project filled by `verso export --omegat` loads its
TMX with OmegaT's own reader (TmxTest.java).

Needs Debian's default-jdk-headless, omegat, libjna-java and libmsgpack-java, which
scripts/setup.sh installs; without them it says what is missing and exits 77 (ctest:
skipped).

usage: test_omegat.py /path/to/versod /path/to/verso [unittest args]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
PLUGIN = os.path.join(ROOT, "client", "omegat")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "client", "python"))
import test_protocol  # noqa: E402  (start_versod, stop_versod)
import verso  # noqa: E402

OMEGAT_JAR = "/usr/share/omegat/OmegaT.jar"
NEEDED = {OMEGAT_JAR: "omegat", "/usr/share/java/jna.jar": "libjna-java",
          "/usr/share/java/msgpack-core.jar": "libmsgpack-java"}
VERSOD = VERSO = None
CLASSES = None  # the compiled Java tests


def missing_packages():
    missing = [pkg for path, pkg in NEEDED.items() if not os.path.exists(path)]
    if shutil.which("javac") is None or shutil.which("java") is None:
        missing.append("default-jdk-headless")
    return missing


def java(*args, wrapper=None, quiet=False):
    """Runs a Java test class, headless unless under a wrapper (xvfb-run: a display); fails
    the test with its output unless it passes."""
    display = ["-Djava.awt.headless=true"] if wrapper is None else []
    proc = subprocess.run([*(wrapper or []), "java", *display, "-cp",
                           OMEGAT_JAR + ":" + CLASSES, *args],
                          capture_output=True, text=True, timeout=180, cwd=CLASSES)
    if not quiet:
        print(proc.stdout, end="")
    if proc.returncode != 0:
        raise AssertionError("java %s exited %d\n%s%s" % (" ".join(args), proc.returncode,
                                                         proc.stdout, proc.stderr))
    return proc.stdout


def config_dir(tmp, name):
    """An OmegaT configuration directory with the freshly built plugin in plugins/."""
    cfg = os.path.join(tmp, name)
    build = subprocess.run([os.path.join(PLUGIN, "build.sh"), os.path.join(cfg, "plugins")],
                           capture_output=True, text=True)
    if build.returncode != 0:
        raise AssertionError("client/omegat/build.sh failed:\n" + build.stderr)
    return cfg


def fill(c):
    """The entries PluginTest.java and TmxTest.java look for, in TM "omegat"."""
    c.tm_create("omegat")
    tag_b = '<bpt i="1">&lt;b&gt;</bpt>'
    tag_e = '<ept i="1">&lt;/b&gt;</ept>'
    tag_i, tag_ie = '<bpt i="2">&lt;i&gt;</bpt>', '<ept i="2">&lt;/i&gt;</ept>'
    tag_k, tag_ke = '<bpt i="1">&lt;kbd&gt;</bpt>', '<ept i="1">&lt;/kbd&gt;</ept>'
    ph_br, ph_img, ph_hr = ('<ph x="1">&lt;br/&gt;</ph>', '<ph x="2">&lt;img/&gt;</ph>',
                            '<ph x="3">&lt;hr/&gt;</ph>')
    ids = c.add([{"src": "Save the file.", "tgt": "Datei speichern."},
           {"src": "Save the file before closing the window.",
            "tgt": "Speichern Sie die Datei, bevor Sie das Fenster schließen."},
           {"src": "Page 3 of 10", "tgt": "Seite 3 von 10"},
           {"src": "Close the window.", "tgt": "Fenster schließen."},
           {"src": "Open the \U000F0000window\U000F0001.", "src_tags": [tag_b, tag_e],
            "tgt": "\U000F0000Fenster\U000F0001 öffnen.", "tgt_tags": [tag_b, tag_e]},
           # tags in another order in the target
           {"src": "Click \U000F0000Save\U000F0001 in \U000F0002File\U000F0003.",
            "src_tags": [tag_b, tag_e, tag_i, tag_ie],
            "tgt": "Klicken Sie in \U000F0000Datei\U000F0001 auf \U000F0002Speichern\U000F0003.",
            "tgt_tags": [tag_i, tag_ie, tag_b, tag_e]},
           # a target tag whose XML is not the source's: it takes the query's tag of its number
           {"src": "Press \U000F0000Enter\U000F0001 now.", "src_tags": [tag_k, tag_ke],
            "tgt": "Drücken Sie jetzt \U000F0000Enter\U000F0001.",
            "tgt_tags": ['<bpt i="1">&lt;kbd class="key"&gt;</bpt>', tag_ke]},
           # the target's first tag is none of the source's, its second is the first's
           {"src": "Line\U000F0000break and \U000F0001 image.", "src_tags": [ph_br, ph_img],
            "tgt": "Zeilen\U000F0000umbruch und \U000F0001 Bild.", "tgt_tags": [ph_hr, ph_br]},
           # older than "Drucken.", so that only its context makes it the best match
           {"src": "Print.", "tgt": "Ausdrucken.", "prev": "Open the report.",
            "next": "Close the report.", "created": 1700000000, "changed": 1700000000},
           {"src": "Print.", "tgt": "Drucken."}], "en", "de", tm="omegat")
    c.add([{"src": "Close the window.", "tgt": "Fenster schließen (US)."}], "en-US", "de-DE",
          tm="omegat")
    c.add([{"src": "Datei öffnen.", "tgt": "Open file."}], "de", "en", tm="omegat")
    return ids["ids"][0]  # "Save the file."


def catalog_paragraphs(lang, limit=120):
    """Translated messages of this machine's gettext catalogs in lang (real text, as
    packages ship it) that hold two sentences or more, one paragraph each."""
    import gettext
    out = []
    base = os.path.join("/usr/share/locale", lang, "LC_MESSAGES")
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        try:
            with open(os.path.join(base, name), "rb") as f:
                catalog = gettext.GNUTranslations(f)._catalog
        except (OSError, UnicodeDecodeError, gettext.error):
            continue
        for key in sorted(catalog, key=str):
            text = " ".join(str(catalog[key]).split())
            if sum(text.count(t) for t in ".!?。！？") >= 2 and text not in out:
                out.append(text)
            if len(out) >= limit:
                return out
    return out


def license_paragraphs():
    """The GPL 3 (/usr/share/common-licenses), one paragraph per block of lines."""
    with open("/usr/share/common-licenses/GPL-3", encoding="utf-8") as f:
        blocks = f.read().split("\n\n")
    return [" ".join(b.split()) for b in blocks if b.strip()]


class SrxTest(unittest.TestCase):
    """Verso's SRX engine with OmegaT's own default rules (defaultRules.srx, read from
    OmegaT.jar) cuts real text exactly where OmegaT's segmenter does."""

    LANGS = [("en", None), ("de", "de"), ("fr", "fr"), ("es", "es"), ("it", "it"),
             ("nl", "nl"), ("pl", "pl"), ("ru", "ru"), ("sv", "sv"), ("fi", "fi"),
             ("ca", "ca"), ("ja", "ja"), ("zh-CN", "zh_CN")]

    def test_same_cuts_as_omegat(self):
        import zipfile
        tmp = tempfile.mkdtemp(prefix="verso-srx-")
        self.addCleanup(shutil.rmtree, tmp, True)
        srx = os.path.join(tmp, "defaultRules.srx")
        with zipfile.ZipFile(OMEGAT_JAR) as jar, open(srx, "wb") as f:
            f.write(jar.read("org/omegat/core/segmentation/defaultRules.srx"))
        proc, log, endpoint = test_protocol.start_versod(
            tmp, os.path.join(tmp, "data"), "srx", extra=("--srx", srx))
        self.addCleanup(lambda: self.assertEqual(test_protocol.stop_versod(proc, log), 0))
        compared = 0
        with verso.Client(endpoint) as c:
            for lang, locale in self.LANGS:
                paras = license_paragraphs() if locale is None else catalog_paragraphs(locale)
                if not paras:
                    continue
                path = os.path.join(tmp, "in." + lang)
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(paras) + "\n")
                cuts = java("SrxCuts", lang, path, quiet=True)
                theirs = [p.split("\n") for p in cuts.split("\n\n")]
                theirs = [p for p in theirs if p != [""]]
                res = c.segment("\n".join(paras), lang, paragraphs="line", rules="defaultRules")
                self.assertTrue(res["rules"].startswith("defaultRules:"), res["rules"])
                ours = {}
                for s in res["segments"]:
                    ours.setdefault(s["para"], []).append(s["text"])
                ours = [ours[k] for k in sorted(ours)]
                self.assertEqual(len(ours), len(theirs), lang)
                for mine, other in zip(ours, theirs):
                    self.assertEqual(mine, other, lang)
                compared += sum(len(p) for p in ours)
        print("SRX: %d segments cut as OmegaT cuts them" % compared)
        self.assertGreater(compared, 500)


class OmegaTPluginTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="verso-omegat-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def start(self, tag, extra=()):
        proc, log, endpoint = test_protocol.start_versod(
            self.tmp, os.path.join(self.tmp, tag + "-data"), tag, extra=extra)
        self.addCleanup(lambda: self.assertEqual(test_protocol.stop_versod(proc, log), 0))
        return endpoint

    def test_plugin_and_export(self):
        endpoint = self.start("plain")
        with verso.Client(endpoint) as c:
            fill(c)
            entries = c.tm_list()["omegat"]
        java("PluginTest", config_dir(self.tmp, "cfg"), "plain", endpoint)
        project = os.path.join(self.tmp, "project")
        java("TmxTest", os.path.join(self.tmp, "cfg"), "create", project)
        subprocess.run([VERSO, "--endpoint", endpoint, "export", "--tm", "omegat",
                        "--omegat", project], check=True, capture_output=True)
        java("TmxTest", os.path.join(self.tmp, "cfg"), "check", project, "verso-omegat.tmx",
             str(entries))

    def test_mymemory_tmx_read_by_omegat(self):
        """versod's MyMemory route with of=tmx (docs/HTTP.md) gives a TMX document that
        OmegaT's own TMX reader loads as a tm/ file."""
        tmp = os.path.join(self.tmp, "mm")
        os.makedirs(tmp)
        proc, log, _ = test_protocol.start_versod(tmp, os.path.join(tmp, "data"), "mm",
                                                  extra=("--http", "127.0.0.1:0"))
        self.addCleanup(lambda: self.assertEqual(test_protocol.stop_versod(proc, log), 0))
        with open(os.path.join(tmp, "mm.ready")) as f:
            base = f.read().split("\n")[1]
        import urllib.parse
        import urllib.request
        q = urllib.parse.quote
        urllib.request.urlopen(base + "mymemory/set?seg=%s&tra=%s&langpair=en-US|de-DE" % (
            q("Close the <b>open</b> file & exit."), q("Schließen Sie die Datei & beenden."))).read()
        body = urllib.request.urlopen(base + "mymemory/get?q=%s&langpair=en-US|de-DE&of=tmx" % (
            q("Close the <b>open</b> file & exit."))).read()
        project = os.path.join(self.tmp, "mm-project")
        cfg = os.path.join(self.tmp, "cfg-mm")
        os.makedirs(cfg)
        java("TmxTest", cfg, "create", project)
        with open(os.path.join(project, "tm", "mymemory.tmx"), "wb") as f:
            f.write(body)
        java("TmxTest", cfg, "accept", project, "mymemory.tmx",
             "Close the <b>open</b> file & exit.", "Schließen Sie die Datei & beenden.")

    def test_omegat_window(self):
        if shutil.which("xvfb-run") is None:
            self.skipTest("no xvfb-run (apt-get install xvfb)")
        endpoint = self.start("window")
        with verso.Client(endpoint) as c:
            save_id = fill(c)
        cfg = config_dir(self.tmp, "cfg-window")
        project = os.path.join(self.tmp, "window-project")
        java("TmxTest", cfg, "create", project)
        with open(os.path.join(project, "source", "doc.html"), "w") as f:
            f.write("<html><body><p>Save the file.</p>\n"
                    "<p>Save the files before closing the window!</p>\n"
                    "<p>Open the <b>window</b>.</p></body></html>\n")
        subprocess.run([VERSO, "--endpoint", endpoint, "export", "--tm", "omegat",
                        "--omegat", project], check=True, capture_output=True)
        java("GuiTest", cfg, project, endpoint, wrapper=["xvfb-run", "-a"])
        # what the plugin stored: the third segment's translation, edited once; the use
        # of the first segment's match
        with verso.Client(endpoint) as c:
            matches = c.lookup("en-US", "de-DE", ["Open the \U000F0000window\U000F0001."],
                               tm="omegat", max_results=10)[0]["matches"]
            save = c.get(save_id)
        stored = matches[0]
        self.assertEqual(stored["tgt"], "\U000F0000Fenster\U000F0001 sofort öffnen.")
        self.assertEqual([m["tgt"] for m in matches if "jetzt" in m["tgt"]], [])
        self.assertEqual(save["usage"], 1)
        self.assertEqual(stored["tgt_tags"], ['<bpt i="1">&lt;b0&gt;</bpt>',
                                              '<ept i="1">&lt;/b0&gt;</ept>'])
        self.assertEqual(stored["src_tags"], stored["tgt_tags"])
        self.assertEqual((stored["src_lang"], stored["tgt_lang"], stored["origin"]),
                         ("en-US", "de-DE", "doc.html"))

    def test_plugin_with_keys(self):
        for name in ("server", "admin", "reader", "stranger"):
            subprocess.run([VERSOD, "keygen", os.path.join(self.tmp, name)], check=True,
                           capture_output=True)
        key = lambda name: os.path.join(self.tmp, name)  # noqa: E731
        allow = key("allow")
        with open(allow, "w") as f:
            f.write("%s admin loader\n" % verso.load_public_key(key("admin.pub")))
            f.write("%s read translator\n" % verso.load_public_key(key("reader.pub")))
        endpoint = self.start("curve", ("--curve-key", key("server.secret"), "--allow", allow))
        with verso.Client(endpoint, server_key=key("server.pub"),
                          client_keys=key("admin.secret")) as c:
            fill(c)
        java("PluginTest", config_dir(self.tmp, "cfg-curve"), "curve", endpoint,
             key("server.pub"), key("reader.secret"), key("stranger.secret"))


def main():
    global VERSOD, VERSO, CLASSES
    VERSOD, VERSO = sys.argv[1], sys.argv[2]
    test_protocol.VERSOD = VERSOD
    del sys.argv[1:3]
    missing = missing_packages()
    if missing:
        print("SKIP: the OmegaT plugin tests need %s (scripts/setup.sh installs them)"
              % " ".join(missing))
        return 77
    tmp = tempfile.mkdtemp(prefix="verso-omegat-classes-")
    try:
        CLASSES = tmp
        tests = [os.path.join(PLUGIN, "test", f) for f in ("Check.java", "PluginTest.java",
                                                                "TmxTest.java", "GuiTest.java",
                                                                "SrxCuts.java")]
        subprocess.run(["javac", "-Xlint:all", "-Xlint:-path", "-Werror", "-encoding", "UTF-8",
                        "-d", tmp, "-cp", OMEGAT_JAR, *tests], check=True)
        result = unittest.main(exit=False).result
        return 0 if result.wasSuccessful() else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
