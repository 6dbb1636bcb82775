/*
 * GuiTest.java - OmegaT itself, its whole window (under Xvfb in the tests),
 * with the plugin in its configuration directory and a project whose tm/
 * folder `verso export --omegat` filled: what a translator sees.
 *
 * usage: GuiTest CONFIG_DIR PROJECT_DIR ENDPOINT
 *   PROJECT_DIR/source holds one document whose segments are "Save the
 *   file.", "Save the files before closing the window!" and "Open the
 *   <b>window</b>.". Checks Options > Verso TM..., the Machine Translation
 *   pane (the plugin) and the Fuzzy Matches pane (the exported TMX) for them;
 *   takes Verso's match for the first; translates the third, checks that the
 *   plugin stored it (it comes back as a context match), and edits it.
 *   test_omegat.py then checks the TM: the match taken was counted, the edit
 *   replaced the stored translation.
 * Prints one line per check; exits 1 when any failed.
 */
import java.awt.Component;
import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import javax.swing.JMenuItem;
import javax.swing.SwingUtilities;
import org.omegat.Main;
import org.omegat.core.Core;
import org.omegat.core.matching.NearString;
import org.omegat.util.Preferences;
import org.omegat.util.RuntimePreferences;

public class GuiTest extends Check {
    static final long WAIT_MS = 60_000;

    public static void main(String[] a) throws Exception {
        RuntimePreferences.setConfigDir(a[0]);
        Preferences.setPreference("allow_verso_translate", true);
        Preferences.setPreference("verso_endpoint", a[2]);
        Preferences.setPreference("verso_tm", "omegat");
        Preferences.setPreference("verso_store", true);
        Preferences.save();
        Main.main(new String[] {"--config-dir=" + a[0], a[1]});
        String first = waitFor("the project open at its first segment", () -> {
            if (Core.getProject() == null || !Core.getProject().isProjectLoaded()
                || Core.getEditor() == null || Core.getEditor().getCurrentEntry() == null)
                return null;
            return Core.getEditor().getCurrentEntry().getSrcText();
        });
        check("the first segment", "Save the file.", first);
        check("Options > Verso TM...", true, onEdt(() -> hasMenuItem("Verso TM...")));
        check("the Machine Translation pane shows Verso's match",
              "[Verso 100% exact] Datei speichern.", shownTranslation("Datei speichern."));
        check("the Fuzzy Matches pane shows the exported TMX's entry", "Datei speichern.",
              shownMatch("Save the file."));
        /* the translator takes Verso's match as it is (Ctrl+M): its usage count goes up */
        go(() -> Core.getEditor().replaceEditText("[Verso 100% exact] Datei speichern."));
        go(() -> Core.getEditor().nextEntry());
        check("the next segment", "Save the files before closing the window!",
              onEdt(() -> Core.getEditor().getCurrentEntry().getSrcText()));
        check("the Machine Translation pane shows the fuzzy match",
              "[Verso 83% fuzzy] Speichern Sie die Datei, bevor Sie das Fenster schließen.",
              shownTranslation("Speichern Sie"));
        check("and the Fuzzy Matches pane the TMX's nearest entry",
              "Speichern Sie die Datei, bevor Sie das Fenster schließen.",
              shownMatch("Save the file before closing the window."));
        go(() -> Core.getEditor().nextEntry());
        check("the third segment, in OmegaT's tags", "Open the <b0>window</b0>.",
              onEdt(() -> Core.getEditor().getCurrentEntry().getSrcText()));
        check("the match's tags are OmegaT's", "[Verso 100% exact] <b0>Fenster</b0> öffnen.",
              shownTranslation("öffnen"));
        /* as inserted with Ctrl+M and edited: the label is not stored */
        go(() -> Core.getEditor().replaceEditText(
                   "[Verso 100% exact] <b0>Fenster</b0> jetzt öffnen."));
        go(() -> Core.getEditor().prevEntry()); /* leaving it confirms the translation */
        go(() -> Core.getEditor().nextEntry());
        check("the translation stored on leaving comes back as a context match",
              "[Verso 101% context] <b0>Fenster</b0> jetzt öffnen.", shownTranslation("jetzt"));
        go(() -> Core.getEditor().replaceEditText("<b0>Fenster</b0> sofort öffnen."));
        go(() -> Core.getEditor().prevEntry());
        go(() -> Core.getEditor().nextEntry());
        check("an edit of it updates that entry",
              "[Verso 101% context] <b0>Fenster</b0> sofort öffnen.", shownTranslation("sofort"));
        exit();
    }

    static void go(Runnable r) throws Exception {
        onEdt(() -> {
            r.run();
            return null;
        });
    }

    /*
     * What the MT pane shows once it shows want (or whatever it shows after the wait).
     * Every second without it, the pane fetches again, as Ctrl+Shift+M does: a
     * translation stored on leaving a segment may reach the server after the lookup.
     */
    static String shownTranslation(String want) throws Exception {
        int[] polls = {0};
        return waitForOr(() -> {
            String t = Core.getMachineTranslatePane().getDisplayedTranslation();
            if (t != null && t.contains(want))
                return t;
            if (++polls[0] % 20 == 0)
                Core.getMachineTranslatePane().forceLoad();
            return null;
        }, () -> Core.getMachineTranslatePane().getDisplayedTranslation());
    }

    /* The source of the Fuzzy Matches pane's active match once it is src. */
    static String shownMatch(String src) throws Exception {
        return waitForOr(() -> {
            NearString n = Core.getMatcher().getActiveMatch();
            return n != null && src.equals(n.source) ? n.translation : null;
        }, () -> {
            NearString n = Core.getMatcher().getActiveMatch();
            return n == null ? "no match" : n.source + " => " + n.translation;
        });
    }

    static boolean hasMenuItem(String text) {
        for (Component c : Core.getMainWindow().getMainMenu().getOptionsMenu()
                               .getMenuComponents())
            if (c instanceof JMenuItem && text.equals(((JMenuItem) c).getText()))
                return true;
        return false;
    }

    /* Polls cond on Swing's thread until it gives non-null; fails the test after WAIT_MS. */
    static <T> T waitFor(String what, Callable<T> cond) throws Exception {
        T v = waitForOr(cond, () -> null);
        if (v == null) {
            System.out.println("FAIL timed out waiting for " + what);
            System.exit(1);
        }
        return v;
    }

    static <T> T waitForOr(Callable<T> cond, Callable<T> otherwise) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            T v = onEdt(cond);
            if (v != null)
                return v;
            Thread.sleep(50); /* polling interval of the condition above */
        }
        return onEdt(otherwise);
    }

    static <T> T onEdt(Callable<T> c) throws Exception {
        AtomicReference<T> out = new AtomicReference<>();
        AtomicReference<Exception> err = new AtomicReference<>();
        try {
            SwingUtilities.invokeAndWait(() -> {
                try {
                    out.set(c.call());
                } catch (Exception e) {
                    err.set(e);
                }
            });
        } catch (InvocationTargetException e) {
            throw new Exception(e.getCause());
        }
        if (err.get() != null)
            throw err.get();
        return out.get();
    }
}
