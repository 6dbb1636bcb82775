/*
 * PluginTest.java - the OmegaT plugin, loaded by OmegaT's own plugin loader
 * from a configuration directory's plugins/ folder, headless, against a real
 * versod that tests/integration/test_omegat.py started and filled.
 *
 * usage: PluginTest CONFIG_DIR plain ENDPOINT
 *        PluginTest CONFIG_DIR curve ENDPOINT SERVER_PUB READER_SECRET STRANGER_SECRET
 * Prints one line per check; exits 1 when any failed.
 */
import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import javax.swing.JMenu;
import org.omegat.core.Core;
import org.omegat.core.data.EntryKey;
import org.omegat.core.data.SourceTextEntry;
import org.omegat.filters2.master.PluginUtils;
import org.omegat.gui.editor.IEditor;
import org.omegat.gui.exttrans.IMachineTranslation;
import org.omegat.gui.main.IMainMenu;
import org.omegat.gui.main.IMainWindow;
import org.omegat.util.Language;
import org.omegat.util.Preferences;
import org.omegat.util.RuntimePreferences;

public class PluginTest extends Check {
    static final Language EN_US = new Language("en-US"), DE_DE = new Language("de-DE");
    static SourceTextEntry active; /* what the editor stub shows as the active entry */

    public static void main(String[] a) throws Exception {
        RuntimePreferences.setConfigDir(a[0]); /* before anything reads a preference */
        stubMainWindow();
        stubEditor();
        Preferences.setPreference("allow_verso_translate", true); /* read once, on creation */
        Preferences.setPreference("verso_endpoint", a[2]);
        Preferences.setPreference("verso_tm", "omegat");
        IMachineTranslation mt = loadPlugin();
        if (a[1].equals("plain"))
            plain(mt, a[2]);
        else
            curve(mt, a[3], a[4], a[5]);
        exit();
    }

    static void plain(IMachineTranslation mt, String endpoint) throws Exception {
        check("stored segment", "[Verso 100% exact] Datei speichern.", tr(mt, "Save the file."));
        check("fuzzy segment (1 token of 7 replaced, punctuation differs)",
              "[Verso 83% fuzzy] Speichern Sie die Datei, bevor Sie das Fenster schließen.",
              tr(mt, "Save the files before closing the window!"));
        check("near match, numbers replaced", "[Verso 97% near, numbers replaced] Seite 4 von 12",
              tr(mt, "Page 4 of 12"));
        check("no match", null, tr(mt, "Completely unrelated words here"));
        check("the project's own region wins a tie", "[Verso 100% exact] Fenster schließen (US).",
              tr(mt, "Close the window."));
        check("OmegaT tags to tag marks and back", "[Verso 100% exact] <b0>Fenster</b0> öffnen.",
              tr(mt, "Open the <b0>window</b0>."));
        check("tags follow their XML when the target reorders them",
              "[Verso 100% exact] Klicken Sie in <i1>Datei</i1> auf <b0>Speichern</b0>.",
              tr(mt, "Click <b0>Save</b0> in <i1>File</i1>."));
        check("else the query's tag of the same number",
              "[Verso 100% exact] Drücken Sie jetzt <k0>Enter</k0>.",
              tr(mt, "Press <k0>Enter</k0> now."));
        check("each query tag is used once, whatever the target's tags",
              "[Verso 100% exact] Zeilen<x1/>umbruch und <x0/> Bild.",
              tr(mt, "Line<x0/>break and <x1/> image."));
        check("an entry stored de -> en", "[Verso 100% exact, reversed] Datei öffnen.",
              tr(mt, "Open file."));
        check("no context: the newest exact match", "[Verso 100% exact] Drucken.",
              tr(mt, "Print."));
        active = entry("Print.", "Open the report.", "Close the report.");
        check("the active entry's neighbours make a context match",
              "[Verso 101% context] Ausdrucken.", tr(mt, "Print."));
        active = null;
        Preferences.setPreference("verso_label", false);
        check("label off", "Datei speichern.", tr(mt, "Save the file."));
        Preferences.setPreference("verso_label", true);
        Preferences.setPreference("verso_min_score", 90);
        check("below the lowest score shown", null,
              tr(mt, "Save the files before closing the window!"));
        Preferences.setPreference("verso_min_score", 70);
        Preferences.setPreference("verso_endpoint", "tcp://no such host");
        check("a bad endpoint is an error", "ETRANSPORT", errorCode(mt, "Save the file."));
        Preferences.setPreference("verso_endpoint", "tcp://127.0.0.1:1"); /* nobody there */
        long t0 = System.nanoTime();
        check("a server that does not answer", "ETIMEOUT", errorCode(mt, "Save the file."));
        check("after the 5 s timeout", true, System.nanoTime() - t0 >= 4_900_000_000L);
        t0 = System.nanoTime();
        check("then the next segments fail at once", "ETIMEOUT",
              errorCode(mt, "Save the file."));
        check("in under a second", true, System.nanoTime() - t0 < 1_000_000_000L);
        Preferences.setPreference("verso_endpoint", endpoint);
        check("and the next lookup reconnects", "[Verso 100% exact] Datei speichern.",
              tr(mt, "Save the file."));
        Preferences.setPreference("verso_tm", "no-such-tm");
        check("the server's error code reaches OmegaT", "ENOTFOUND",
              errorCode(mt, "Save the file."));
        settingsPanel(mt);
        hostileReplies(mt);
    }

    /* Replies come from the network: a bad one is an IOException (EREPLY), never an
     * allocation of its declared size, a stack overflow or a runtime exception. */
    static void hostileReplies(IMachineTranslation mt) throws Exception {
        Method unpack = mt.getClass().getClassLoader().loadClass("verso.omegat.Msgpack")
                            .getDeclaredMethod("unpack", byte[].class);
        unpack.setAccessible(true);
        byte[] deep = new byte[100_000];
        java.util.Arrays.fill(deep, (byte) 0x91); /* [[[[...]]]] */
        byte[][] bad = {
            {(byte) 0xdb, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'a'}, /* str of 2 GB */
            {(byte) 0xdd, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1},   /* array of 2G */
            {(byte) 0xdf, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1},   /* map of 2G */
            {(byte) 0xc6, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff},      /* bin of 2 GB */
            {(byte) 0xc1},                                                    /* never used */
            {(byte) 0x92, 1},                                                 /* short array */
            {},                                                               /* nothing */
            {(byte) 0x80, 0},                                                 /* bytes after */
            deep};
        int ok = 0;
        for (byte[] b : bad) {
            try {
                unpack.invoke(null, (Object) b);
            } catch (java.lang.reflect.InvocationTargetException e) {
                if (e.getCause() instanceof java.io.IOException)
                    ok++;
                else
                    System.out.println("     " + e.getCause());
            }
        }
        check("malformed replies are refused as such", bad.length, ok);
        /* and 50,000 mutations of a real lookup reply: read, or refused, nothing else */
        byte[] reply = lookupReply(mt);
        java.util.Random rng = new java.util.Random(8);
        int other = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] b = java.util.Arrays.copyOf(reply, reply.length - rng.nextInt(3));
            for (int k = 1 + rng.nextInt(4); k > 0 && b.length > 0; k--)
                b[rng.nextInt(b.length)] = (byte) rng.nextInt(256);
            try {
                unpack.invoke(null, (Object) b);
            } catch (java.lang.reflect.InvocationTargetException e) {
                if (!(e.getCause() instanceof java.io.IOException) && other++ == 0)
                    System.out.println("     " + e.getCause());
            }
        }
        check("mutated replies: read or refused, nothing else thrown", 0, other);
        check("a good one is read", "{v=1, id=7, ok=true, res={}}",
              String.valueOf(unpack.invoke(null, (Object) new byte[] {
                  (byte) 0x84, (byte) 0xa1, 'v', 1, (byte) 0xa2, 'i', 'd', 7, (byte) 0xa2, 'o',
                  'k', (byte) 0xc3, (byte) 0xa3, 'r', 'e', 's', (byte) 0x80})));
    }

    static void curve(IMachineTranslation mt, String serverPub, String reader, String stranger)
        throws Exception {
        Preferences.setPreference("verso_server_key", serverPub);
        Preferences.setPreference("verso_client_key", reader);
        check("CurveZMQ, a read key", "[Verso 100% exact] Datei speichern.",
              tr(mt, "Save the file."));
        Preferences.setPreference("verso_client_key", stranger);
        long t0 = System.nanoTime();
        check("a key the server refuses", "EDENIED", errorCode(mt, "Save the file."));
        check("is reported before the 5 s timeout", true, System.nanoTime() - t0 < 4_000_000_000L);
        File loose = new File(stranger + ".loose");
        Files.copy(new File(reader).toPath(), loose.toPath());
        Files.setPosixFilePermissions(loose.toPath(), PosixFilePermissions.fromString("rw-r--r--"));
        Preferences.setPreference("verso_client_key", loose.getPath());
        check("a secret file others may read", "EKEYS", errorCode(mt, "Save the file."));
        Preferences.setPreference("verso_client_key", reader);
        Preferences.setPreference("verso_server_key", stranger); /* a key, not the server's */
        t0 = System.nanoTime();
        check("the wrong server key", "ETRANSPORT", errorCode(mt, "Save the file."));
        check("is reported before the timeout too", true,
              System.nanoTime() - t0 < 4_000_000_000L);
        Preferences.setPreference("verso_server_key", serverPub);
        Preferences.setPreference("verso_client_key", "");
        check("a server key without a client key", "EKEYS", errorCode(mt, "Save the file."));
    }

    /* Options > Verso TM...: the panel shows the preferences and saves what is typed. */
    static void settingsPanel(IMachineTranslation mt) throws Exception {
        ClassLoader plugin = mt.getClass().getClassLoader();
        Class<?> settings = plugin.loadClass("verso.omegat.Settings");
        Class<?> panelClass = plugin.loadClass("verso.omegat.SettingsPanel");
        Object panel = panelClass.getConstructor(settings)
                           .newInstance(settings.getMethod("load").invoke(null));
        Field tm = panelClass.getDeclaredField("tm");
        tm.setAccessible(true);
        javax.swing.JTextField field = (javax.swing.JTextField) tm.get(panel);
        check("the panel shows the TM preference", "no-such-tm", field.getText());
        field.setText("  omegat ");
        Object typed = panelClass.getMethod("settings").invoke(panel);
        settings.getMethod("save").invoke(typed);
        check("and saves the TM typed, trimmed", "omegat", Preferences.getPreference("verso_tm"));
        check("which the next lookup uses", "[Verso 100% exact] Datei speichern.",
              tr(mt, "Save the file."));
    }

    /* The bytes of a lookup reply from the server, through the plugin's own connection. */
    static byte[] lookupReply(IMachineTranslation mt) throws Exception {
        ClassLoader plugin = mt.getClass().getClassLoader();
        Method pack = plugin.loadClass("verso.omegat.Msgpack")
                          .getDeclaredMethod("pack", Object.class);
        pack.setAccessible(true);
        Object c = plugin.loadClass("verso.omegat.VersoConnection")
                       .getConstructor(String.class, plugin.loadClass("verso.omegat.Keys"),
                                       int.class)
                       .newInstance(Preferences.getPreference("verso_endpoint"), null, 5000);
        try {
            Object res = c.getClass().getMethod("call", String.class, java.util.Map.class)
                             .invoke(c, "lookup", java.util.Map.of(
                                 "tm", "omegat", "src_lang", "en", "tgt_lang", "de",
                                 "segments", java.util.List.of("Save the file.", "Print.")));
            return (byte[]) pack.invoke(null, java.util.Map.of("v", 1, "ok", true, "res", res));
        } finally {
            ((AutoCloseable) c).close();
        }
    }

    static String tr(IMachineTranslation mt, String text) throws Exception {
        return mt.getTranslation(EN_US, DE_DE, text);
    }

    static String errorCode(IMachineTranslation mt, String text) {
        try {
            return "no error: " + tr(mt, text);
        } catch (Exception e) {
            try {
                return (String) e.getClass().getMethod("getCode").invoke(e);
            } catch (ReflectiveOperationException r) {
                return e.toString();
            }
        }
    }

    /* OmegaT's own loader: configDir/plugins/*.jar, classes named by OmegaT-Plugins. */
    static IMachineTranslation loadPlugin() throws Exception {
        PluginUtils.loadPlugins(Collections.emptyMap());
        for (Class<?> k : PluginUtils.getMachineTranslationClasses())
            if (k.getName().equals("verso.omegat.VersoTranslate"))
                return (IMachineTranslation) k.getDeclaredConstructor().newInstance();
        throw new IllegalStateException("OmegaT did not load verso.omegat.VersoTranslate from "
                                        + RuntimePreferences.getConfigDir() + "plugins");
    }

    /* BaseTranslate adds itself to Options > Machine Translate: give it a menu to add to. */
    static void stubMainWindow() throws Exception {
        JMenu menu = new JMenu();
        IMainMenu mainMenu = (IMainMenu) Proxy.newProxyInstance(
            PluginTest.class.getClassLoader(), new Class<?>[] {IMainMenu.class},
            (p, m, args) -> m.getName().equals("getMachineTranslationMenu") ? menu : null);
        IMainWindow window = (IMainWindow) Proxy.newProxyInstance(
            PluginTest.class.getClassLoader(), new Class<?>[] {IMainWindow.class},
            (p, m, args) -> m.getName().equals("getMainMenu") ? mainMenu : null);
        Method set = Core.class.getDeclaredMethod("setMainWindow", IMainWindow.class);
        set.setAccessible(true);
        set.invoke(null, window);
    }

    /* An editor whose active entry is `active`. */
    static void stubEditor() throws Exception {
        IEditor editor = (IEditor) Proxy.newProxyInstance(
            PluginTest.class.getClassLoader(), new Class<?>[] {IEditor.class},
            (p, m, args) -> m.getName().equals("getCurrentEntry") ? active : null);
        Field f = Core.class.getDeclaredField("editor");
        f.setAccessible(true);
        f.set(null, editor);
    }

    static SourceTextEntry entry(String src, String prev, String next) {
        EntryKey key = new EntryKey("report.txt", src, null, prev, next, null);
        return new SourceTextEntry(key, 1, null, null, Collections.emptyList());
    }
}
