package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReviewReadersTest {
    @TempDir
    Path tmp;

    private static final String JSONL = ""
            + "{\"id\": \"train-pos-0\", \"text\": \"Great \\\"film\\\", loved it.<br />\\u00e9\", \"label\": 1, \"rating\": 9}\n"
            + "\n"
            + "{\"id\": \"train-neg-3\", \"text\": \"Awful.\", \"label\": 0, \"rating\": 2, \"extra\": {\"x\": [1]}}\r\n"
            + "{\"text\": \"No id, no label.\"}\n";

    private static void assertJsonl(List<Review> reviews) {
        assertEquals(List.of(
                new Review("train-pos-0", "Great \"film\", loved it.<br />é", 1),
                new Review("train-neg-3", "Awful.", 0),
                new Review("jsonl-4", "No id, no label.", null)), reviews);
    }

    @Test
    void jsonlPlain() throws IOException {
        Path p = tmp.resolve("r.jsonl");
        Files.writeString(p, JSONL, StandardCharsets.UTF_8);
        assertEquals(ReviewSources.Format.JSONL, ReviewSources.detect(p));
        assertJsonl(Fixtures.readAll(p));
    }

    @Test
    void jsonlGzip() throws IOException {
        Path p = Fixtures.writeGz(tmp.resolve("r.jsonl.gz"), JSONL);
        assertEquals(ReviewSources.Format.JSONL_GZ, ReviewSources.detect(p));
        assertJsonl(Fixtures.readAll(p));
    }

    @Test
    void jsonlErrorsNameFileAndLine() throws IOException {
        Path p = tmp.resolve("bad.jsonl");
        Files.writeString(p, "{\"id\":\"a\",\"text\":\"ok\"}\n{\"id\":\"b\",\"text\":\"x\",\"label\":7}\n");
        ReviewFormatException e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(p));
        assertTrue(e.getMessage().contains("bad.jsonl:2"), e.getMessage());
        assertTrue(e.getMessage().contains("label"), e.getMessage());

        Path q = tmp.resolve("notjson.jsonl");
        Files.writeString(q, "{\"id\":\"a\",\"text\":\"ok\"}\nnot json\n");
        e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(q));
        assertTrue(e.getMessage().contains("notjson.jsonl:2"), e.getMessage());

        Path g = tmp.resolve("plain.jsonl.gz");
        Files.writeString(g, "{\"id\":\"a\",\"text\":\"ok\"}\n");
        e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(g));
        assertTrue(e.getMessage().contains("not a gzip file"), e.getMessage());
    }

    @Test
    void csvKaggleLayoutWithTrickyQuoting() throws IOException {
        String csv = "\uFEFFreview,sentiment\r\n"
                + "\"One of the best, truly.<br /><br />A \"\"classic\"\".\",positive\r\n"
                + "Plain text without quotes,negative\r\n"
                + "\"Multi-line\nreview, with \"\"quotes\"\"\r\nand CRLF inside\",positive\n"
                + "\n"
                + "\"\",negative\n"
                + "\"ends with a quote\"\"\",POSITIVE"; // no final newline
        Path p = tmp.resolve("IMDB Dataset.csv");
        Files.writeString(p, csv, StandardCharsets.UTF_8);
        assertEquals(ReviewSources.Format.CSV, ReviewSources.detect(p));
        assertEquals(List.of(
                new Review("csv-1", "One of the best, truly.<br /><br />A \"classic\".", 1),
                new Review("csv-2", "Plain text without quotes", 0),
                new Review("csv-3", "Multi-line\nreview, with \"quotes\"\r\nand CRLF inside", 1),
                new Review("csv-4", "", 0),
                new Review("csv-5", "ends with a quote\"", 1)), Fixtures.readAll(p));
    }

    @Test
    void csvWithIdColumnAndColumnOrderSwapped() throws IOException {
        Path p = tmp.resolve("r.csv");
        Files.writeString(p, "sentiment,id,review\nnegative,a1,\"x,y\"\npositive,a2,z\n");
        assertEquals(List.of(new Review("a1", "x,y", 0), new Review("a2", "z", 1)), Fixtures.readAll(p));
    }

    @Test
    void csvRfc4180EdgeCasesWithLabelColumnFirst() throws IOException {
        Path p = tmp.resolve("edge.csv");
        Files.writeString(p, "sentiment,review\r\n"
                + "negative,\"\"\"\"\r\n"                       // only a doubled quote
                + "positive,\"a,\r\nb,\"\"c\"\"\"\r\n"           // comma, CRLF and quotes inside quotes
                + "0,  spaced  \r\n"                             // unquoted spaces are kept
                + "1,\r\n"                                       // empty unquoted text
                + "neg,\"kept\" after quote\r\n"                // trailing data after the closing quote
                + "pos,\"\"\r\n", StandardCharsets.UTF_8);        // empty quoted text
        assertEquals(List.of(
                new Review("csv-1", "\"", 0),
                new Review("csv-2", "a,\r\nb,\"c\"", 1),
                new Review("csv-3", "  spaced  ", 0),
                new Review("csv-4", "", 1),
                new Review("csv-5", "kept after quote", 0),
                new Review("csv-6", "", 1)), Fixtures.readAll(p));

        Path headerOnly = Files.writeString(tmp.resolve("h.csv"), "review,sentiment\r\n");
        assertEquals(List.of(), Fixtures.readAll(headerOnly));
        Path empty = Files.writeString(tmp.resolve("e.csv"), "");
        ReviewFormatException e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(empty));
        assertTrue(e.getMessage().contains("empty CSV file"), e.getMessage());
    }

    @Test
    void csvErrorLinesCountPhysicalLines() throws IOException {
        Path p = Files.writeString(tmp.resolve("l.csv"), "review,sentiment\n"
                + "\"three\nline\nreview\",positive\n"  // lines 2-4
                + "\n"                                   // line 5, blank
                + "too few fields\n");                   // line 6, row 2
        ReviewFormatException e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(p));
        assertTrue(e.getMessage().endsWith("l.csv: line 6 (row 2): expected 2 fields, found 1"), e.getMessage());

        Path open = Files.writeString(tmp.resolve("o.csv"), "review,sentiment\r\nok,positive\r\n"
                + "\"a,\"\"b\"\"\r\nstill open,negative\r\n");
        e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(open));
        assertTrue(e.getMessage().endsWith("o.csv: line 3: quoted field never closed (missing \" before end of file)"),
                e.getMessage());
    }

    @Test
    void csvErrors() throws IOException {
        Path unterminated = tmp.resolve("u.csv");
        Files.writeString(unterminated, "review,sentiment\nok,positive\n\"never closed,negative\n");
        ReviewFormatException e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(unterminated));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("never closed"), e.getMessage());

        Path badLabel = tmp.resolve("b.csv");
        Files.writeString(badLabel, "review,sentiment\nok,neutral\n");
        e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(badLabel));
        assertTrue(e.getMessage().contains("neutral"), e.getMessage());

        Path noReview = tmp.resolve("n.csv");
        Files.writeString(noReview, "comment,sentiment\nok,positive\n");
        e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(noReview));
        assertTrue(e.getMessage().contains("review"), e.getMessage());

        Path width = tmp.resolve("w.csv");
        Files.writeString(width, "review,sentiment\nunquoted, comma,positive\n");
        e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(width));
        assertTrue(e.getMessage().contains("expected 2 fields, found 3"), e.getMessage());
    }

    private static List<Review> expectedAcl(boolean sortedLikeSharedFiles) {
        List<Fixtures.AclFile> files = Fixtures.smallAclImdb();
        if (sortedLikeSharedFiles) {
            files = files.stream().sorted(Comparator
                    .comparing((Fixtures.AclFile f) -> f.split().equals("train") ? 0 : 1)
                    .thenComparing(f -> f.cls().equals("neg") ? 0 : 1)
                    .thenComparingInt(Fixtures.AclFile::n)).collect(Collectors.toList());
        }
        return files.stream().map(f -> new Review(f.id(), f.text(), f.cls().equals("pos") ? 1 : 0))
                .collect(Collectors.toList());
    }

    @Test
    void aclImdbFolderInSharedFileOrder() throws IOException {
        Path acl = Fixtures.writeAclFolder(tmp, Fixtures.smallAclImdb());
        assertEquals(ReviewSources.Format.ACLIMDB_FOLDER, ReviewSources.detect(acl));
        List<Review> expected = expectedAcl(true);
        assertEquals("train-neg-0", expected.get(0).id());
        assertEquals(expected, Fixtures.readAll(acl));
        // the parent of aclImdb works too, and a single split folder
        assertEquals(expected, Fixtures.readAll(tmp));
        assertEquals(expected.subList(0, 5), Fixtures.readAll(acl.resolve("train")));
    }

    @Test
    void aclImdbFolderRejectsOtherFolders() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        ReviewFormatException e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(empty));
        assertTrue(e.getMessage().contains("not an aclImdb folder"), e.getMessage());
    }

    @Test
    void aclImdbTarGzStreamsReviewsAndSkipsTheRest() throws IOException {
        Path p = tmp.resolve("aclImdb_v1.tar.gz");
        Files.write(p, Fixtures.aclTarGz(Fixtures.smallAclImdb()));
        assertEquals(ReviewSources.Format.ACLIMDB_TAR_GZ, ReviewSources.detect(p));
        assertEquals(expectedAcl(false), Fixtures.readAll(p)); // archive order
    }

    @Test
    void tarGzWithoutReviewsIsAnError() throws IOException {
        Path p = tmp.resolve("other.tar.gz");
        Files.write(p, Fixtures.aclTarGz(List.of()));
        ReviewFormatException e = assertThrows(ReviewFormatException.class, () -> Fixtures.readAll(p));
        assertTrue(e.getMessage().contains("not an aclImdb archive"), e.getMessage());
    }

    @Test
    void unknownFormatsAndMissingPathsAreClearErrors() throws IOException {
        Path txt = Files.writeString(tmp.resolve("reviews.txt"), "hello");
        ReviewFormatException e = assertThrows(ReviewFormatException.class, () -> ReviewSources.open(txt));
        assertTrue(e.getMessage().contains("cannot tell the format of") && e.getMessage().contains(".jsonl"),
                e.getMessage());
        e = assertThrows(ReviewFormatException.class, () -> ReviewSources.open(tmp.resolve("missing.jsonl")));
        assertTrue(e.getMessage().startsWith("no such file or folder"), e.getMessage());
    }

    @Test
    void readerIsLazy() throws IOException {
        // the second line is broken: the first review must still come out before the error
        Path p = tmp.resolve("lazy.jsonl");
        Files.writeString(p, "{\"id\":\"a\",\"text\":\"ok\",\"label\":1}\n{broken\n");
        try (ReviewReader r = ReviewSources.open(p)) {
            assertEquals("a", r.next().id());
            assertThrows(ReviewFormatException.class, r::hasNext);
        }
    }
}
