package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Small review sources written by the tests themselves. */
final class Fixtures {
    private Fixtures() {
    }

    /** A file in an aclImdb tree: aclImdb/{split}/{cls}/{n}_{rating}.txt. */
    record AclFile(String split, String cls, int n, int rating, String text) {
        String path() {
            return "aclImdb/" + split + "/" + cls + "/" + n + "_" + rating + ".txt";
        }

        String id() {
            return split + "-" + cls + "-" + n;
        }
    }

    /** 3 train pos, 2 train neg, 1 test pos, 1 test neg, plus things a reader must skip. */
    static List<AclFile> smallAclImdb() {
        List<AclFile> files = new ArrayList<>();
        files.add(new AclFile("train", "pos", 10, 9, "Ten, good.<br /><br />Really \"good\"."));
        files.add(new AclFile("train", "pos", 2, 8, "Two: café ünïcödé ✓"));
        files.add(new AclFile("train", "pos", 0, 10, "Zero\nwith a newline"));
        files.add(new AclFile("train", "neg", 1, 1, "Bad one."));
        files.add(new AclFile("train", "neg", 0, 3, "Bad zero."));
        files.add(new AclFile("test", "pos", 5, 7, "Test positive."));
        files.add(new AclFile("test", "neg", 7, 2, "Test negative."));
        return files;
    }

    static Path writeAclFolder(Path dir, List<AclFile> files) throws IOException {
        for (AclFile f : files) {
            Path p = dir.resolve(f.path());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.text(), StandardCharsets.UTF_8);
        }
        // things that must be skipped
        Files.createDirectories(dir.resolve("aclImdb/train/unsup"));
        Files.writeString(dir.resolve("aclImdb/train/unsup/0_0.txt"), "unlabelled");
        Files.writeString(dir.resolve("aclImdb/train/urls_pos.txt"), "http://example.invalid/");
        Files.writeString(dir.resolve("aclImdb/imdb.vocab"), "the\n");
        return dir.resolve("aclImdb");
    }

    static byte[] aclTarGz(List<AclFile> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            dir(tar, "aclImdb/");
            dir(tar, "aclImdb/train/");
            file(tar, "aclImdb/imdb.vocab", "the\nand\n");
            file(tar, "aclImdb/train/unsup/0_0.txt", "unlabelled");
            for (AclFile f : files) {
                file(tar, f.path(), f.text());
            }
            file(tar, "aclImdb/README", "readme");
        }
        return bytes.toByteArray();
    }

    private static void dir(TarArchiveOutputStream tar, String name) throws IOException {
        tar.putArchiveEntry(new TarArchiveEntry(name));
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, String text) throws IOException {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    static Path writeGz(Path file, String content) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    /** n reviews, alternating labels starting with the given one: id r0, r1, ... */
    static List<Review> labelled(int n, int firstLabel) {
        List<Review> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Review("r" + i, "text " + i, (firstLabel + i) % 2));
        }
        return out;
    }

    static List<Review> drain(Iterator<Review> it) {
        List<Review> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    static List<Review> readAll(Path path) throws IOException {
        try (ReviewReader r = ReviewSources.open(path)) {
            return drain(r);
        }
    }
}
