/*
 * VersoTranslate.java - the OmegaT connector: Verso's best match for the
 * active segment, in OmegaT's Machine Translation pane, labelled with its
 * score and kind: "[Verso 87% fuzzy] Datei speichern.".
 *
 * OmegaT loads it from the jar's manifest (OmegaT-Plugins) and calls
 * loadPlugins(); the translator turns it on in Options > Machine Translate and
 * sets the server in Options > Verso TM... (Settings, SettingsPanel).
 *
 * The segment goes with its neighbours (the active entry's context) and with
 * OmegaT's tags as tag marks (Tags). Answers are not cached: the TM changes as
 * translators store into it, and a lookup costs a millisecond. One connection
 * is kept (Link). loadPlugins also installs the Recorder, which adds what
 * the translator confirms to the TM when "Store confirmed translations" is on.
 */
package verso.omegat;

import java.util.ArrayList;
import java.util.List;
import org.omegat.core.Core;
import org.omegat.core.data.EntryKey;
import org.omegat.core.data.ProtectedPart;
import org.omegat.core.data.SourceTextEntry;
import org.omegat.core.machinetranslators.BaseTranslate;
import org.omegat.gui.editor.IEditor;
import org.omegat.util.Language;

public class VersoTranslate extends BaseTranslate {
    private final Link link = new Link();

    /** Called by OmegaT's plugin loader. */
    public static void loadPlugins() {
        Core.registerMachineTranslationClass(VersoTranslate.class);
        SettingsPanel.installMenuItem();
        Recorder.install();
    }

    public static void unloadPlugins() {
    }

    @Override
    protected String getPreferenceName() {
        return Settings.ENABLED;
    }

    @Override
    public String getName() {
        return "Verso TM";
    }

    @Override
    protected String translate(Language sLang, Language tLang, String text) throws Exception {
        Settings s = Settings.load();
        SourceTextEntry entry = activeEntry(text);
        List<String> tags = new ArrayList<>();
        String query = Tags.toMarks(text, protectedTags(entry), tags);
        EntryKey key = entry == null ? null : entry.getKey();
        String prev = key == null || key.prev == null ? null : Tags.toMarks(key.prev, null, null);
        String next = key == null || key.next == null ? null : Tags.toMarks(key.next, null, null);
        Match m = link.call(s, c -> Match.find(c, s, sLang.getLanguage(), tLang.getLanguage(),
                                               query, prev, next));
        if (m == null)
            return null;
        String tgt = Tags.fromMarks(m.tgt, m.srcTags, m.tgtTags, tags);
        Recorder.shown(text, m.id, tgt);
        return s.label ? label(m) + " " + tgt : tgt;
    }

    /** A label at the start of a translation: the translator inserted a match with it. */
    static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile(
        "^\\[Verso [0-9]+% [^\\]]*\\] ");

    /** "[Verso 87% fuzzy]", "[Verso 101% context]", "[Verso 97% near, numbers replaced]";
     * "reversed": an entry stored the other way round. */
    public static String label(Match m) {
        StringBuilder b = new StringBuilder("[Verso ").append(m.score).append("% ").append(m.kind);
        if (m.substituted)
            b.append(", numbers replaced");
        if (m.reversed)
            b.append(", reversed");
        return b.append(']').toString();
    }

    /* The editor's active entry when text is its source (OmegaT asks for it), else null. */
    private static SourceTextEntry activeEntry(String text) {
        IEditor editor = Core.getEditor();
        SourceTextEntry e;
        try {
            e = editor == null ? null : editor.getCurrentEntry();
        } catch (RuntimeException x) {
            return null; /* read off Swing's thread while the editor moves: no context */
        }
        return e != null && text.equals(e.getSrcText()) ? e : null;
    }

    /* The entry's tags as OmegaT protected them; empty for no entry. */
    static List<String> protectedTags(SourceTextEntry e) {
        List<String> tags = new ArrayList<>();
        if (e != null && e.getProtectedParts() != null)
            for (ProtectedPart p : e.getProtectedParts())
                tags.add(p.getTextInSourceSegment());
        return tags;
    }
}
