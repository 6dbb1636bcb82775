/*
 * TmxTest.java - an OmegaT project that `verso export --omegat` fills, read
 * with OmegaT's own classes, headless.
 *
 * usage: TmxTest CONFIG_DIR create PROJECT_DIR
 *          makes an en-US -> de-DE project (omegat.project and its folders)
 *        TmxTest CONFIG_DIR check PROJECT_DIR TMX_NAME ENTRIES
 *          loads the project and PROJECT_DIR/tm/TMX_NAME as OmegaT loads a
 *          tm/ file for its fuzzy-match pane; checks it holds ENTRIES pairs,
 *          among them the ones tests/integration/test_omegat.py stored
 *        TmxTest CONFIG_DIR accept PROJECT_DIR TMX_NAME SOURCE TARGET
 *          loads PROJECT_DIR/tm/TMX_NAME (a TMX reply of versod's MyMemory
 *          route, of=tmx) as OmegaT loads a tm/ file; checks that it holds
 *          the pair SOURCE -> TARGET
 * Prints one line per check; exits 1 when any failed.
 */
import java.io.File;
import java.util.HashMap;
import java.util.Map;
import org.omegat.core.data.ExternalTMX;
import org.omegat.core.data.PrepareTMXEntry;
import org.omegat.core.data.ProjectProperties;
import org.omegat.util.ProjectFileStorage;
import org.omegat.util.RuntimePreferences;

public class TmxTest extends Check {

    public static void main(String[] a) throws Exception {
        RuntimePreferences.setConfigDir(a[0]);
        File dir = new File(a[2]);
        if (a[1].equals("create"))
            create(dir);
        else if (a[1].equals("accept"))
            accept(dir, a[3], a[4], a[5]);
        else
            verify(dir, a[3], Integer.parseInt(a[4]));
        exit();
    }

    static void create(File dir) throws Exception {
        ProjectProperties pp = new ProjectProperties(dir);
        pp.setSourceLanguage("en-US");
        pp.setTargetLanguage("de-DE");
        for (String d : new String[] {pp.getSourceRoot(), pp.getTargetRoot(), pp.getTMRoot(),
                                      pp.getGlossaryRoot(), pp.getDictRoot(),
                                      pp.getProjectInternal()})
            new File(d).mkdirs();
        ProjectFileStorage.writeProjectFile(pp);
        check("omegat.project written", true, new File(dir, "omegat.project").isFile());
    }

    static void verify(File dir, String tmxName, int entries) throws Exception {
        ProjectProperties pp = ProjectFileStorage.loadProjectProperties(dir);
        File tmx = new File(pp.getTMRoot(), tmxName);
        check("the export is in the project's tm/ folder", true, tmx.isFile());
        Map<String, String> pairs = load(pp, tmx, false, entries);
        check("a plain pair", "Datei speichern.", pairs.get("Save the file."));
        check("a number pair", "Seite 3 von 10", pairs.get("Page 3 of 10"));
        check("tags dropped, as OmegaT shows them by default", "Fenster öffnen.",
               pairs.get("Open the window."));
        pairs = load(pp, tmx, true, entries);
        check("tags as OmegaT's tags (Show level 2 tags on)", "<b0>Fenster</b0> öffnen.",
               pairs.get("Open the <b0>window</b0>."));
    }

    static void accept(File dir, String tmxName, String source, String target) throws Exception {
        ProjectProperties pp = ProjectFileStorage.loadProjectProperties(dir);
        File tmx = new File(pp.getTMRoot(), tmxName);
        ExternalTMX ext = new ExternalTMX(pp, tmx, false, false);
        Map<String, String> pairs = new HashMap<>();
        for (PrepareTMXEntry e : ext.getEntries())
            pairs.put(e.source, e.translation);
        check("OmegaT reads the MyMemory TMX reply", target, pairs.get(source));
    }

    /* What the project loads from tm/: extTmxLevel2 is OmegaT's "Show level 2 tags". */
    static Map<String, String> load(ProjectProperties pp, File tmx, boolean extTmxLevel2,
                                    int entries) throws Exception {
        ExternalTMX ext = new ExternalTMX(pp, tmx, extTmxLevel2, false);
        Map<String, String> pairs = new HashMap<>();
        for (PrepareTMXEntry e : ext.getEntries())
            pairs.put(e.source, e.translation);
        check("every entry loaded", entries, ext.getEntries().size());
        return pairs;
    }
}
