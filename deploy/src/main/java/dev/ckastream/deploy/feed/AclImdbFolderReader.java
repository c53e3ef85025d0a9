package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * An extracted aclImdb folder. Accepts the {@code aclImdb} folder itself, its parent, or one split folder
 * ({@code aclImdb/train}). Reads splits train then test, in each neg then pos, files by number (the order of the
 * shared JSONL files); the unlabelled {@code unsup} folder is skipped. Only file names are listed up front;
 * texts are read one at a time.
 */
public final class AclImdbFolderReader extends ReviewReader {
    private record Part(String split, String cls, Path dir) {
    }

    private record Entry(long n, Path file) {
    }

    private final Deque<Part> parts = new ArrayDeque<>();
    private Part part;
    private Deque<Entry> files = new ArrayDeque<>();

    public AclImdbFolderReader(Path folder) throws IOException {
        Path root = Files.isDirectory(folder.resolve("aclImdb")) ? folder.resolve("aclImdb") : folder;
        for (String split : AclImdb.SPLITS) {
            addSplit(split, root.resolve(split));
        }
        if (parts.isEmpty()) { // maybe a split folder itself
            String name = root.getFileName() == null ? "" : root.getFileName().toString();
            for (String split : AclImdb.SPLITS) {
                if (split.equals(name)) {
                    addSplit(split, root);
                }
            }
        }
        if (parts.isEmpty()) {
            throw new ReviewFormatException(folder + " is not an aclImdb folder: expected "
                    + "{train,test}/{pos,neg}/<n>_<rating>.txt inside it");
        }
    }

    private void addSplit(String split, Path dir) {
        for (String cls : AclImdb.CLASSES) {
            Path d = dir.resolve(cls);
            if (Files.isDirectory(d)) {
                parts.add(new Part(split, cls, d));
            }
        }
    }

    @Override
    protected Review readNext() throws IOException {
        while (files.isEmpty()) {
            part = parts.poll();
            if (part == null) {
                return null;
            }
            files = list(part.dir());
        }
        Entry e = files.poll();
        String text = Files.readString(e.file(), StandardCharsets.UTF_8);
        return new Review(AclImdb.id(part.split(), part.cls(), e.n()), text, AclImdb.label(part.cls()));
    }

    private static Deque<Entry> list(Path dir) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> {
                Matcher m = AclImdb.FILE_NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    entries.add(new Entry(Long.parseLong(m.group(1)), p));
                }
            });
        }
        entries.sort(Comparator.comparingLong(Entry::n));
        return new ArrayDeque<>(entries);
    }

    @Override
    public void close() {
        parts.clear();
        files.clear();
    }
}
