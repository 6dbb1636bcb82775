/*
 * Tags.java - OmegaT's inline tags to Verso's tag marks and back.
 *
 * OmegaT shows a segment's formatting as short tags (<b0>, </b0>, <x1/>);
 * Verso stores each inline tag as one code point, a tag mark U+F0000 + k, k
 * the tag's index in the segment (docs/PROTOCOL.md, "Entry text, inline tags
 * and properties"). A query is sent with marks, so that matching sees where
 * its tags are; a match's target comes back with OmegaT's tags in place of its
 * marks. A target mark is given the query's tag that stands where the match's
 * source has the same tag (same TMX XML), else the query's tag of the same
 * number if no other mark took it, else the first one left: each query tag
 * is used once, and a mark with no query tag left to take is dropped.
 *
 * Stateless; every returned string and list belongs to the caller.
 */
package verso.omegat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.omegat.util.PatternConsts;

public final class Tags {
    static final int MARK = 0xF0000, MARK_LAST = 0xFFFFD;

    private Tags() {
    }

    /**
     * text with each tag replaced by its mark; tagsOut (may be null) receives the tags in
     * order. known: the segment's tags as OmegaT protected them (the current entry's
     * protected parts), or empty to recognise OmegaT's short tags by their form.
     */
    public static String toMarks(String text, List<String> known, List<String> tagsOut) {
        Matcher m = pattern(known).matcher(text);
        StringBuilder out = new StringBuilder();
        int at = 0, k = 0;
        while (m.find() && k <= MARK_LAST - MARK) {
            out.append(text, at, m.start()).appendCodePoint(MARK + k++);
            if (tagsOut != null)
                tagsOut.add(m.group());
            at = m.end();
        }
        return out.append(text.substring(at)).toString();
    }

    /**
     * A match's target with OmegaT tags for its marks. srcTags and tgtTags: the match's
     * tag lists (TMX XML); queryTags: the query's tags from toMarks.
     */
    public static String fromMarks(String tgt, List<String> srcTags, List<String> tgtTags,
                                   List<String> queryTags) {
        int[] marks = tgt.codePoints().filter(Tags::isMark).map(cp -> cp - MARK).toArray();
        int[] chosen = choose(marks, srcTags, tgtTags, queryTags.size());
        StringBuilder out = new StringBuilder();
        int k = 0;
        for (int i = 0; i < tgt.length();) {
            int cp = tgt.codePointAt(i);
            i += Character.charCount(cp);
            if (!isMark(cp))
                out.appendCodePoint(cp);
            else if (chosen[k++] >= 0)
                out.append(queryTags.get(chosen[k - 1]));
        }
        return out.toString();
    }

    private static boolean isMark(int cp) {
        return cp >= MARK && cp <= MARK_LAST;
    }

    /*
     * For each target mark, the query tag it becomes (-1: none), each query tag used once.
     * First the marks whose XML is a source tag's; then the others take the query tag of
     * their own number if it is free, else the first free one.
     */
    private static int[] choose(int[] marks, List<String> srcTags, List<String> tgtTags,
                                int queryTags) {
        int[] chosen = new int[marks.length];
        boolean[] taken = new boolean[Math.max(srcTags.size(), queryTags)];
        for (int k = 0; k < marks.length; k++) {
            int j = marks[k];
            chosen[k] = sameTag(j < tgtTags.size() ? tgtTags.get(j) : null, srcTags, taken);
            if (chosen[k] >= queryTags)
                chosen[k] = -2; /* the source's tag, but the query has no such tag */
        }
        for (int k = 0; k < marks.length; k++) {
            if (chosen[k] != -1)
                continue;
            int own = marks[k];
            int q = own < queryTags && !taken[own] ? own : firstFree(taken, queryTags);
            chosen[k] = q;
            if (q >= 0)
                taken[q] = true;
        }
        for (int k = 0; k < marks.length; k++)
            chosen[k] = Math.max(chosen[k], -1);
        return chosen;
    }

    private static int firstFree(boolean[] taken, int n) {
        for (int i = 0; i < n; i++)
            if (!taken[i])
                return i;
        return -1;
    }

    /**
     * TMX 1.4b XML for each of a segment's OmegaT tags, for an entry's tag list: a tag
     * whose partner is in the list is a bpt or ept (i: the tag's number + 1), any other a
     * ph. The tag's own text is the XML's content, so a TMX export gives OmegaT its tag back.
     */
    public static List<String> toTmx(List<String> tags) {
        List<String> xml = new ArrayList<>();
        for (String t : tags) {
            Matcher m = PatternConsts.OMEGAT_TAG_DECOMPILE.matcher(t);
            String text = escape(t);
            if (!m.matches() || !m.group(4).isEmpty()) {
                xml.add("<ph>" + text + "</ph>");
                continue;
            }
            boolean close = !m.group(1).isEmpty();
            String partner = "<" + (close ? "" : "/") + m.group(2) + m.group(3) + ">";
            if (!tags.contains(partner)) {
                xml.add("<ph>" + text + "</ph>");
                continue;
            }
            String i = String.valueOf(Integer.parseInt(m.group(3)) + 1);
            xml.add(close ? "<ept i=\"" + i + "\">" + text + "</ept>"
                          : "<bpt i=\"" + i + "\">" + text + "</bpt>");
        }
        return xml;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /* The first source tag not yet taken whose XML is xml, or -1. */
    private static int sameTag(String xml, List<String> srcTags, boolean[] taken) {
        if (xml == null)
            return -1;
        for (int i = 0; i < srcTags.size(); i++) {
            if (!taken[i] && xml.equals(srcTags.get(i))) {
                taken[i] = true;
                return i;
            }
        }
        return -1;
    }

    private static Pattern pattern(List<String> known) {
        if (known == null || known.isEmpty())
            return PatternConsts.OMEGAT_TAG;
        List<String> sorted = new ArrayList<>(known);
        sorted.sort(Comparator.comparingInt(String::length).reversed()); /* longest first */
        StringBuilder alt = new StringBuilder();
        for (String t : sorted)
            alt.append(alt.length() == 0 ? "" : "|").append(Pattern.quote(t));
        return Pattern.compile(alt.toString());
    }
}
