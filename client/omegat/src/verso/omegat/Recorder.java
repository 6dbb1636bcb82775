/*
 * Recorder.java - stores what the translator confirms. When the translator
 * leaves a segment whose translation changed while it was active:
 *   - if it is the match the plugin showed for it, unchanged, that entry's
 *     usage count goes up (update "used": 1), which ranks it first among ties;
 *   - if the plugin added this segment's translation earlier in the session,
 *     that entry takes the new translation (update);
 *   - else the pair is added to the TM with the project's languages, its
 *     neighbours as context (so that it comes back as a context match),
 *     OmegaT's author name and the file's name as origin.
 * Requests run on a thread of its own through its own Link, so typing never
 * waits for the server; a failure is written to OmegaT's log and the
 * translation stays in the project as always. A "[Verso 87% fuzzy] " label
 * inserted with a match is left out of what is stored, and an empty
 * translation is not stored.
 * Conflicts keep both entries (docs/PROTOCOL.md, "add"): another
 * translation of a source stored before is added beside it.
 * Installed once by VersoTranslate.loadPlugins; does nothing while the
 * "Store confirmed translations" setting is off.
 */
package verso.omegat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
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
    /* entry number -> the TM entry this session added for it; the worker's alone */
    private final Map<Integer, Long> added = new HashMap<>();

    /* source text -> the match last shown for it (VersoTranslate), the newest 2,000 */
    private static final Map<String, Object[]> SHOWN = Collections.synchronizedMap(
        new LinkedHashMap<String, Object[]>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Object[]> eldest) {
                return size() > 2000;
            }
        });

    /** VersoTranslate showed entry id's translation tgt (OmegaT's tags) for src. */
    static void shown(String src, long id, String tgt) {
        SHOWN.put(src, new Object[] {id, tgt});
    }

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
            || type == PROJECT_CHANGE_TYPE.CREATE) {
            active = null;
            worker.execute(added::clear); /* entry numbers are the project's */
        }
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
        Object[] shown = SHOWN.get(e.getSrcText());
        Map<String, Object> entry = entry(e, now);
        ProjectProperties pp = Core.getProject().getProjectProperties();
        String srcLang = pp.getSourceLanguage().getLanguage();
        String tgtLang = pp.getTargetLanguage().getLanguage();
        boolean taken = shown != null && shown[1].equals(now);
        worker.execute(() -> {
            try {
                link.call(s, c -> {
                    if (taken)
                        return c.call("update", Map.of("entry_id", shown[0], "used", 1));
                    return store(c, s, e.entryNum(), entry, srcLang, tgtLang);
                });
            } catch (VersoException | RuntimeException | LinkageError x) {
                Log.log("Verso TM: could not store the translation of \"" + e.getSrcText()
                        + "\": " + x);
            }
        });
    }

    /* On the worker: the entry's translation into the TM, as an update of what this
     * session added for the segment before, else as an add. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> store(VersoConnection c, Settings s, int num,
                                      Map<String, Object> entry, String srcLang,
                                      String tgtLang) throws VersoException {
        Long id = added.get(num);
        if (id != null) {
            try {
                return c.call("update", Map.of("entry_id", id, "tgt", entry.get("tgt"),
                                               "tgt_tags", entry.get("tgt_tags"), "author",
                                               entry.get("author")));
            } catch (VersoException x) {
                if (!x.getCode().equals("ENOTFOUND"))
                    throw x;
                added.remove(num); /* deleted meanwhile: add it again */
            }
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("tm", s.tm.isEmpty() ? null : s.tm);
        f.put("src_lang", srcLang);
        f.put("tgt_lang", tgtLang);
        f.put("entries", Collections.singletonList(entry));
        Map<String, Object> res = c.call("add", f);
        Object ids = res.get("ids");
        if (Long.valueOf(1).equals(res.get("added")) && ids instanceof List
            && ((List<Object>) ids).get(0) instanceof Long) /* not a duplicate skipped */
            added.put(num, (Long) ((List<Object>) ids).get(0));
        return res;
    }

    private static Map<String, Object> entry(SourceTextEntry e, String translation) {
        List<String> srcTags = new ArrayList<>(), tgtTags = new ArrayList<>();
        List<String> known = VersoTranslate.protectedTags(e);
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
