/*
 * OmegaTBench.java - what the OmegaT plugin costs the translator per segment:
 * getTranslation as OmegaT's Machine Translation pane calls it (one request
 * of four pipelined lookups, the project's en-US/fr-FR with and without
 * regions), timed on the caller's side over the queries of a file.
 *
 * usage (bench/omegat_bench.py runs it): OmegaTBench CONFIG_DIR ENDPOINT TM QUERIES
 * Compiled with client/omegat/test (PluginTest's headless stubs and loader).
 */
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import org.omegat.gui.exttrans.IMachineTranslation;
import org.omegat.util.Language;
import org.omegat.util.Preferences;
import org.omegat.util.RuntimePreferences;

public class OmegaTBench {
    public static void main(String[] a) throws Exception {
        RuntimePreferences.setConfigDir(a[0]);
        PluginTest.stubMainWindow();
        Preferences.setPreference("allow_verso_translate", true);
        Preferences.setPreference("verso_endpoint", a[1]);
        Preferences.setPreference("verso_tm", a[2]);
        IMachineTranslation mt = PluginTest.loadPlugin();
        Language en = new Language("en-US"), fr = new Language("fr-FR");
        List<String> queries = Files.readAllLines(Paths.get(a[3]));
        for (int i = 0; i < Math.min(200, queries.size()); i++) /* warm-up: JIT, connection */
            mt.getTranslation(en, fr, queries.get(i));
        long[] ns = new long[queries.size()];
        int found = 0;
        for (int i = 0; i < ns.length; i++) {
            long t0 = System.nanoTime();
            String r = mt.getTranslation(en, fr, queries.get(i));
            ns[i] = System.nanoTime() - t0;
            found += r == null ? 0 : 1;
        }
        Arrays.sort(ns);
        System.out.printf("%d segments, %d with a match of 70 or more%n", ns.length, found);
        System.out.printf("getTranslation: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                          ns[ns.length / 2] / 1e6, ns[ns.length * 99 / 100] / 1e6,
                          ns[ns.length - 1] / 1e6);
        System.exit(0);
    }
}
