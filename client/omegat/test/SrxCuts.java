/*
 * SrxCuts - OmegaT's own segmenter with its default SRX rules, for
 * test_omegat.py: reads paragraphs (one per line, UTF-8) from a file and
 * prints each paragraph's segments, one per line, trimmed, with a blank
 * line after each paragraph. Verso's "rules": "defaultRules" must cut the
 * same text the same way.
 *
 * usage: java -cp OmegaT.jar:CLASSES SrxCuts LANG FILE
 */
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import org.omegat.core.segmentation.SRX;
import org.omegat.core.segmentation.Segmenter;
import org.omegat.util.Language;

public final class SrxCuts {
    private SrxCuts() {
    }

    public static void main(String[] args) throws Exception {
        Language lang = new Language(args[0]);
        Segmenter seg = new Segmenter();
        seg.setSRX(SRX.getDefault());
        PrintStream out = new PrintStream(System.out, true, "UTF-8");
        for (String para : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8)) {
            List<StringBuilder> spaces = new ArrayList<>();
            for (String s : seg.segment(lang, para, spaces, new ArrayList<>())) {
                String t = s.trim();
                if (!t.isEmpty()) {
                    out.println(t);
                }
            }
            out.println();
        }
    }
}
