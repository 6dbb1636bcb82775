/*
 * Match.java - the best match Verso has for a segment, and how to find it.
 *
 * find() sends one lookup per language pair to try, pipelined on one
 * connection: OmegaT names languages with a region ("en-US"), while a TM often
 * holds "en" -> "zh-CN" or "fr". It tries the project's tags, then the source
 * without its region, then the target without it (and both); the best score
 * wins, ties going to the pair tried first.
 * The segment is looked up between its neighbours in the document, so that an
 * entry stored with the same context is a context match (score 101).
 */
package verso.omegat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class Match {
    public final String src, tgt, kind, srcLang, tgtLang;
    public final List<String> srcTags, tgtTags;
    public final long id; /* the entry's */
    public final int score;
    public final boolean reversed, substituted;

    @SuppressWarnings("unchecked")
    private Match(Map<String, Object> m) throws VersoException {
        src = text(m, "src");
        tgt = text(m, "tgt");
        kind = text(m, "kind");
        srcLang = text(m, "src_lang");
        tgtLang = text(m, "tgt_lang");
        srcTags = strings(m.get("src_tags"));
        tgtTags = strings(m.get("tgt_tags"));
        id = m.get("id") instanceof Long ? (Long) m.get("id") : 0;
        score = m.get("score") instanceof Long ? ((Long) m.get("score")).intValue() : -1;
        reversed = Boolean.TRUE.equals(m.get("reversed"));
        substituted = Boolean.TRUE.equals(m.get("substituted"));
        if (tgt == null || kind == null || score < 0 || id <= 0)
            throw new VersoException("EREPLY", "a lookup match without id, tgt, kind or score");
    }

    /**
     * The best match of segment (tag marks in place of tags) between prev and next (may be
     * null: none), or null when there is none of at least minScore.
     */
    public static Match find(VersoConnection c, Settings s, String srcLang, String tgtLang,
                             String segment, String prev, String next) throws VersoException {
        List<String> segments = new ArrayList<>();
        if (prev != null && !prev.isEmpty())
            segments.add(prev);
        int at = segments.size();
        segments.add(segment);
        if (next != null && !next.isEmpty())
            segments.add(next);
        List<Long> ids = new ArrayList<>();
        for (String[] pair : languagePairs(srcLang, tgtLang)) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("tm", s.tm.isEmpty() ? null : s.tm);
            f.put("src_lang", pair[0]);
            f.put("tgt_lang", pair[1]);
            f.put("segments", segments);
            f.put("min_score", s.minScore);
            f.put("max_results", 1);
            ids.add(c.send("lookup", f));
        }
        Match best = null;
        try {
            for (long id : ids) {
                Match m = first(c.recv(id), at);
                if (m != null && (best == null || m.score > best.score))
                    best = m;
            }
        } finally {
            for (long id : ids)
                c.forget(id); /* after an error, the other replies are not waited for */
        }
        return best;
    }

    /** The language pairs to try for a project's pair, best first, without repeats. */
    public static List<String[]> languagePairs(String srcLang, String tgtLang) {
        List<String[]> pairs = new ArrayList<>();
        /* the target's region first: zh-CN against zh-TW matters more than en-US against en */
        for (String t : new String[] {tgtLang, base(tgtLang)})
            for (String s : new String[] {srcLang, base(srcLang)})
                if (pairs.stream().noneMatch(p -> p[0].equals(s) && p[1].equals(t)))
                    pairs.add(new String[] {s, t});
        return pairs;
    }

    private static String base(String tag) {
        int dash = tag.indexOf('-');
        return dash < 0 ? tag : tag.substring(0, dash);
    }

    @SuppressWarnings("unchecked")
    private static Match first(Map<String, Object> res, int at) throws VersoException {
        Object results = res.get("results");
        if (!(results instanceof List) || ((List<Object>) results).size() <= at)
            throw new VersoException("EREPLY", "a lookup reply without a result per segment");
        Object r = ((List<Object>) results).get(at);
        Object matches = r instanceof Map ? ((Map<String, Object>) r).get("matches") : null;
        if (!(matches instanceof List))
            throw new VersoException("EREPLY", "a lookup result without matches");
        List<Object> l = (List<Object>) matches;
        if (l.isEmpty() || !(l.get(0) instanceof Map))
            return null;
        return new Match((Map<String, Object>) l.get(0));
    }

    private static String text(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof String ? (String) v : null;
    }

    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List)
            for (Object x : (List<?>) v)
                out.add(x instanceof String ? (String) x : "");
        return out;
    }
}
