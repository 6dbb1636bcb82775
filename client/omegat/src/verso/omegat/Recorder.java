/*
 * Recorder.java - stores what the translator confirms: when the translator
 * leaves a segment whose translation changed while it was active, the pair
 * is added to the TM with the project's languages, its neighbours as context
 * (so that it comes back as a context match), OmegaT's author name and the
 * file's name as origin. The add runs on a thread of its own through its own
 * Link, so typing never waits for the server; a failure is written to
 * OmegaT's log and the translation stays in the project as always. A
 * "[Verso 87% fuzzy] " label inserted with a match is left out of what is
 * stored, and an empty translation is not stored.
 * Conflicts keep both entries (docs/PROTOCOL.md, "add"): an edit of an
 * earlier translation adds the new one, which ranks first among ties.
 * Installed once by VersoTranslate.loadPlugins; does nothing while the
 * "Store confirmed translations" setting is off.
 */
package verso.omegat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.omegat.core.Core;
import org.omegat.core.CoreEvents;
import org.omegat.core.data.EntryKey;
import org.omegat.core.data.IProject;
import org.omegat.core.data.ProjectProperties;
import org.omegat.core.data.SourceTextEntry;
import org.omegat.core.data.TMXEntry;
import org.omegat.core.events.IEntryEventListener;
import org.omegat.core.events.IProjectEventListener;
import org.omegat.util.Log;
import org.omegat.util.Preferences;

final class Recorder implements IEntryEventListener, IProjectEventListener {
    private final Link link = new Link();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "verso-recorder");
        t.setDaemon(true);
        return t;
    });
    private SourceTextEntry active; /* the entry the translator is on */
    private String before;          /* its translation when they came to it */

    static void install() {
        Recorder r = new Recorder();
        CoreEvents.registerEntryEventListener(r);
        CoreEvents.registerProjectChangeListener(r);
    }

    @Override
    public void onNewFile(String activeFileName) {
    }

    @Override
    public void onEntryActivated(SourceTextEntry entry) {
        leave();
        active = entry;
        before = translation(entry);
    }

    @Override
    public void onProjectChanged(PROJECT_CHANGE_TYPE type) {
        if (type == PROJECT_CHANGE_TYPE.CLOSE || type == PROJECT_CHANGE_TYPE.LOAD
            || type == PROJECT_CHANGE_TYPE.CREATE)
            active = null;
    }

    /* The translator leaves `active`: store its translation if it changed. */
    private void leave() {
        SourceTextEntry e = active;
        String now = e == null ? null : translation(e);
        active = null;
        Settings s = Settings.load();
        if (now == null || now.equals(before) || !s.store)
            return;
        now = VersoTranslate.LABEL.matcher(now).replaceFirst("");
        if (now.isBlank())
            return;
        ProjectProperties pp = Core.getProject().getProjectProperties();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("tm", s.tm.isEmpty() ? null : s.tm);
        f.put("src_lang", pp.getSourceLanguage().getLanguage());
        f.put("tgt_lang", pp.getTargetLanguage().getLanguage());
        f.put("entries", Collections.singletonList(entry(e, now)));
        worker.execute(() -> {
            try {
                link.call(s, c -> c.call("add", f));
            } catch (VersoException | RuntimeException | LinkageError x) {
                Log.log("Verso TM: could not store the translation of \"" + e.getSrcText()
                        + "\": " + x);
            }
        });
    }

    private static Map<String, Object> entry(SourceTextEntry e, String translation) {
        List<String> srcTags = new ArrayList<>(), tgtTags = new ArrayList<>();
        List<String> known = new ArrayList<>();
        if (e.getProtectedParts() != null)
            for (org.omegat.core.data.ProtectedPart p : e.getProtectedParts())
                known.add(p.getTextInSourceSegment());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("src", Tags.toMarks(e.getSrcText(), known, srcTags));
        m.put("tgt", Tags.toMarks(translation, known, tgtTags));
        m.put("src_tags", Tags.toTmx(srcTags));
        m.put("tgt_tags", Tags.toTmx(tgtTags));
        EntryKey k = e.getKey();
        if (k.prev != null && !k.prev.isEmpty())
            m.put("prev", Tags.toMarks(k.prev, null, null));
        if (k.next != null && !k.next.isEmpty())
            m.put("next", Tags.toMarks(k.next, null, null));
        m.put("author", Preferences.getPreferenceDefault(Preferences.TEAM_AUTHOR,
                                                         System.getProperty("user.name")));
        m.put("origin", k.file);
        return m;
    }

    /* The entry's translation in the project, or null when it has none. */
    private static String translation(SourceTextEntry e) {
        IProject p = Core.getProject();
        TMXEntry t = p == null || !p.isProjectLoaded() ? null : p.getTranslationInfo(e);
        return t == null || !t.isTranslated() ? null : t.translation;
    }
}
