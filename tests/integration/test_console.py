#!/usr/bin/env python3
"""The web console in a real browser (Debian's chromium and chromium-driver,
driven with python3-selenium) against a real versod: open it, look up a
pasted paragraph, edit and delete an entry, search the concordance, read the
TMs and the server's figures, import a TMX file with its progress shown, and
download a TM as TMX. Screenshots go to console-artifacts/ under the
working directory. Exits 77 (skipped) with the reason when the browser or
its driver is missing.

Usage: test_console.py VERSOD
"""
import json
import os
import shutil
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_protocol  # noqa: E402

VERSOD = None
SKIP = 77
DOWNLOADS = os.path.join(os.getcwd(), "console-artifacts", "downloads")


def browser():
    """A headless chromium, or None with the reason."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None, "python3-selenium is not installed"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not os.path.exists(chromium) or not os.path.exists(driver):
        return None, "chromium or chromium-driver is not installed"
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    opts.add_experimental_option("prefs", {"download.default_directory": DOWNLOADS,
                                           "download.prompt_for_download": False})
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
              "--window-size=1280,900", "--disable-gpu"):
        opts.add_argument(a)
    try:
        return webdriver.Chrome(service=Service(driver), options=opts), None
    except Exception as e:  # the driver cannot start the browser here
        return None, "chromium does not start: %s" % str(e).splitlines()[0]


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="verso-console-")
        cls.proc, cls.log, content = test_protocol.start_versod(
            cls.tmp, os.path.join(cls.tmp, "data"), "versod", extra=("--http", "127.0.0.1:0"))
        with open(os.path.join(cls.tmp, "versod.ready")) as f:
            cls.base = f.read().split("\n")[1]
        cls.shots = os.path.join(os.getcwd(), "console-artifacts")
        os.makedirs(cls.shots, exist_ok=True)
        cls.api("add", {"src_lang": "en", "tgt_lang": "fr", "entries": [
            {"src": "Save the file before closing the window.",
             "tgt": "Enregistrez le fichier avant de fermer la fenêtre."},
            {"src": "The file could not be opened.", "tgt": "Le fichier n'a pas pu être ouvert."},
            {"src": "Quit the program.", "tgt": "Quittez le programme."}]})
        cls.driver = BROWSER

    @classmethod
    def tearDownClass(cls):
        status = test_protocol.stop_versod(cls.proc, cls.log)
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if status != 0:
            raise AssertionError("versod exited with status %d" % status)

    @classmethod
    def api(cls, op, fields):
        req = urllib.request.Request(cls.base + "api/v1/" + op, data=json.dumps(fields).encode(),
                                     method="POST")
        return json.loads(urllib.request.urlopen(req, timeout=20).read())

    def wait(self, cond, what, timeout=20):
        """Waits for a condition of the page (not for a time). The console redraws its
        tables as answers come: an element read while it is replaced is stale, and the
        condition is asked again."""
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait
        try:
            return WebDriverWait(self.driver, timeout,
                                 ignored_exceptions=(StaleElementReferenceException,)).until(
                lambda d: cond(d))
        except Exception:
            self.shot("failed-" + what.replace(" ", "-"))
            raise AssertionError("the console did not show %s within %d s" % (what, timeout))

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(self.shots, name + ".png"))

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def open(self):
        self.driver.get(self.base)
        self.wait(lambda d: any(o.text == "default" for o in self.find("#lookup-tm option")),
                  "the TM list")

    def test_1_lookup_edit_delete(self):
        from selenium.webdriver.common.keys import Keys
        self.open()
        text = self.find("#lookup-text")[0]
        text.send_keys("Save the files before closing the window! Quit the program.")
        text.send_keys(Keys.CONTROL, Keys.ENTER)  # the keyboard way
        self.wait(lambda d: len(self.find("tr.match")) >= 2, "the matches")
        self.shot("lookup")
        segs = [e.text for e in self.find(".segment")]
        self.assertEqual(segs, ["Save the files before closing the window!",
                                "Quit the program."])
        first = self.find("tr.match")[0]
        self.assertIn("Enregistrez le fichier", first.text)
        self.assertTrue(first.find_elements("css selector", ".kind-fuzzy"))
        self.assertTrue(first.find_elements("css selector", ".diff"))  # the difference marked
        score = int(first.find_elements("css selector", "td.score")[0].text.rstrip("%"))
        self.assertTrue(50 <= score < 100, score)
        # edit the target of the exact match
        quit_row = [r for r in self.find("tr.match") if "Quittez" in r.text][0]
        entry_id = int(quit_row.get_attribute("data-id"))
        quit_row.find_elements("css selector", "button")[0].click()
        box = self.wait(lambda d: self.find("td.tgt input"), "the edit box")[0]
        box.clear()
        box.send_keys("Quittez l'application.", Keys.ENTER)
        self.wait(lambda d: "updated" in self.find("#status")[0].text, "the update")
        self.assertEqual(self.api("get", {"entry_id": entry_id})["entry"]["tgt"],
                         "Quittez l'application.")
        self.wait(lambda d: any("Quittez l'application." in r.text for r in self.find("tr.match")),
                  "the edited target")
        self.shot("edited")
        # delete it (the confirmation accepted)
        row = [r for r in self.find("tr.match") if "Quittez" in r.text][0]
        row.find_elements("css selector", "button")[1].click()
        self.driver.switch_to.alert.accept()
        self.wait(lambda d: "deleted" in self.find("#status")[0].text, "the deletion")
        with self.assertRaises(Exception):
            self.api("get", {"entry_id": entry_id})

    def test_2_concordance(self):
        self.open()
        self.find("#tabs button[data-tab=concordance]")[0].click()
        q = self.find("#conc-query")[0]
        q.send_keys("file\n")
        self.wait(lambda d: len(self.find("tr.hit")) >= 2, "the concordance hits")
        marks = [m.text for m in self.find("tr.hit mark")]
        self.assertTrue(marks and all(m.lower() == "file" for m in marks), marks)
        self.shot("concordance")

    def test_3_tms_and_server(self):
        self.open()
        self.find("#tabs button[data-tab=tms]")[0].click()
        self.wait(lambda d: any("default" in r.text for r in self.find("#tm-table tbody tr")),
                  "the TM table")
        row = self.wait(lambda d: next((r.text for r in self.find("#tm-table tbody tr")
                                        if "default" in r.text), None), "the default TM's row")
        self.assertIn("en \u2192 fr", row)
        self.wait(lambda d: "backlog" in self.find("#backlog")[0].text, "the index backlog")
        self.find("#tabs button[data-tab=server]")[0].click()
        self.wait(lambda d: "requests" in self.find("#server-summary")[0].text,
                  "the server's figures")
        self.wait(lambda d: any(r.text.startswith("lookup") for r in self.find("#op-table tr")),
                  "the per-op table")
        self.shot("server")

    def test_4_import_and_export(self):
        """Import a TMX file from the TMs tab (the progress bar fills, the record says
        what was stored), then download the TM as TMX from its row."""
        import xml.etree.ElementTree as ET
        n = 5000
        path = os.path.join(self.tmp, "console-upload.tmx")
        with open(path, "w", encoding="utf-8") as f:  # synthetic pairs
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header '
                    'srclang="en" creationtool="t" creationtoolversion="1" segtype="sentence" '
                    'o-tmf="t" adminlang="en" datatype="plaintext"/><body>\n')
            for i in range(n):
                f.write('<tu><tuv xml:lang="en"><seg>Console line %d.</seg></tuv>'
                        '<tuv xml:lang="de"><seg>Konsolenzeile %d.</seg></tuv></tu>\n' % (i, i))
            f.write("</body></tmx>\n")
        self.open()
        self.find("#tabs button[data-tab=tms]")[0].click()
        tm = self.find("#import-tm")[0]
        tm.clear()
        tm.send_keys("uploaded")
        self.find("#import-file")[0].send_keys(path)
        self.find("#import-form button[type=submit]")[0].click()
        self.wait(lambda d: self.find("#import-status")[0].get_attribute("data-state") != "running",
                  "the end of the import", timeout=60)
        self.shot("import")
        status = self.find("#import-status")[0]
        self.assertEqual(status.get_attribute("data-state"), "done", status.text)
        self.assertIn("5,000 added", status.text)
        bar = self.find("#import-progress")[0]
        self.assertEqual(float(bar.get_attribute("value")), float(bar.get_attribute("max")))
        self.assertEqual(float(bar.get_attribute("max")), os.path.getsize(path))
        tms = {t["name"]: t["entries"] for t in self.api("tm_list", {})["tms"]}
        self.assertEqual(tms.get("uploaded"), n)
        # the download, from the TM's row
        out = os.path.join(DOWNLOADS, "verso-uploaded.tmx")
        if os.path.exists(out):
            os.unlink(out)
        self.driver.execute_cdp_cmd("Page.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": DOWNLOADS})
        def click_export(_):  # the table may be redrawn under us: find it again
            rows = [r for r in self.find("#tm-table tbody tr") if r.text.startswith("uploaded")]
            if rows:
                rows[0].find_elements("css selector", "button.export")[0].click()
            return bool(rows)
        self.wait(click_export, "the new TM's row")
        def complete(_):
            if not os.path.exists(out):
                return False
            with open(out, "rb") as f:
                return f.read().rstrip().endswith(b"</tmx>")
        self.wait(complete, "the downloaded file", timeout=60)
        self.shot("export")
        tus = ET.parse(out).getroot().findall(".//tu")
        self.assertEqual(len(tus), n)
        segs = {tuv.find("seg").text for tu in tus for tuv in tu.findall("tuv")}
        self.assertIn("Konsolenzeile 4999.", segs)


BROWSER = None

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_console.py VERSOD [unittest args]")
    VERSOD = test_protocol.VERSOD = os.path.abspath(sys.argv.pop(1))
    os.makedirs(DOWNLOADS, exist_ok=True)
    BROWSER, why = browser()
    if not BROWSER:
        print("test_console: skipped: %s" % why)
        sys.exit(SKIP)
    try:
        result = unittest.main(exit=False).result
    finally:
        BROWSER.quit()
    sys.exit(0 if result.wasSuccessful() else 1)
