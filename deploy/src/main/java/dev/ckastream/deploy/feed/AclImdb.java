package dev.ckastream.deploy.feed;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The aclImdb layout ({@code aclImdb/{train,test}/{pos,neg}/<n>_<rating>.txt}) and its ids
 * ({@code <split>-<pos|neg>-<n>}, exactly as in the project's imdb-{train,test}.jsonl.gz files).
 */
final class AclImdb {
    static final String[] SPLITS = {"train", "test"};
    /** Same order as the shared JSONL files: sorted by label (neg = 0 first), then by number. */
    static final String[] CLASSES = {"neg", "pos"};

    static final Pattern FILE_NAME = Pattern.compile("(\\d+)_(\\d+)\\.txt");
    private static final Pattern ENTRY = Pattern.compile("(?:^|.*/)(train|test)/(pos|neg)/(\\d+)_(\\d+)\\.txt");

    private AclImdb() {
    }

    static String id(String split, String cls, long n) {
        return split + "-" + cls + "-" + n;
    }

    static int label(String cls) {
        return "pos".equals(cls) ? 1 : 0;
    }

    /** For an archive entry name like {@code aclImdb/train/pos/12_9.txt}: {split, cls, n}, or null if not a review. */
    static String[] parseEntry(String name) {
        Matcher m = ENTRY.matcher(name);
        return m.matches() ? new String[] {m.group(1), m.group(2), m.group(3)} : null;
    }
}
