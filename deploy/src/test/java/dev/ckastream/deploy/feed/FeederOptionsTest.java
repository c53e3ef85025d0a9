package dev.ckastream.deploy.feed;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeederOptionsTest {
    private static String usageError(String... args) {
        return assertThrows(FeederOptions.UsageException.class, () -> FeederOptions.parse(args)).getMessage();
    }

    @Test
    void defaults() throws Exception {
        FeederOptions o = FeederOptions.parse(new String[0]);
        assertFalse(o.help());
        assertNull(o.source.reviews);
        assertEquals(ImdbDownloader.DEFAULT_URL, o.source.datasetUrl);
        assertEquals(ImdbDownloader.DEFAULT_SIZE, o.source.datasetSize);
        assertEquals(ImdbDownloader.DEFAULT_SHA256, o.source.datasetSha256);
        assertEquals(ImdbDownloader.defaultCacheDir(), o.source.cacheDir);
        assertNull(o.selection.limit);
        assertEquals(0, o.selection.seed);
        assertNull(o.selection.rate);
        assertNull(o.kafka.bootstrapServers);
        assertEquals("reviews", o.kafka.topic);
        assertEquals(List.of(), o.kafka.producerProperties);
        assertEquals(1000, o.kafka.maxInFlight);
        assertNull(o.progress.scoresUrl);
        assertEquals(600, o.progress.waitTimeoutSeconds);
        assertNull(o.progress.mode, "auto");
    }

    @Test
    void valuesSeparateOrAfterEqualsAndTheLastOneWins() throws Exception {
        FeederOptions o = FeederOptions.parse(new String[] {"--reviews=a.csv", "--limit", "1_000", "--limit=7",
                "--seed", "-5", "--rate", "2.5", "--bootstrap-server", "h:1", "--topic", "--reviews",
                "--producer-property", "a=b", "--producer-property=c=d", "--max-in-flight", "99999999999",
                "--scores-url", "http://x:8080/scores", "--progress", "off", "--dataset-sha256", "AB".repeat(32),
                "--balanced", "--shuffle"});
        assertEquals(Path.of("a.csv"), o.source.reviews);
        assertEquals(7, o.selection.limit);
        assertEquals(-5, o.selection.seed);
        assertEquals(2.5, o.selection.rate);
        assertEquals("h:1", o.kafka.bootstrapServers, "the singular alias sets the same setting");
        assertEquals("--reviews", o.kafka.topic, "a value option takes the next argument as it is");
        assertEquals(List.of("a=b", "c=d"), o.kafka.producerProperties);
        assertEquals(1_000_000, o.kafka.maxInFlight, "capped");
        assertEquals(URI.create("http://x:8080/scores"), o.progress.scoresUrl);
        assertEquals(ProgressReporter.Mode.OFF, o.progress.mode);
        assertEquals("ab".repeat(32), o.source.datasetSha256);
        assertTrue(o.selection.balanced && o.selection.shuffle);
        assertEquals(Integer.MAX_VALUE, FeederOptions.parse(new String[] {"--limit", "99999999999"}).selection.limit);
        FeederOptions again = FeederOptions.parse(new String[] {"--limit", "1", "--seed", "2", "--limit", "3"});
        assertEquals(3, again.selection.limit);
        assertEquals(2, again.selection.seed, "a repeated option keeps the others of its section");
    }

    @Test
    void usageErrorsNameTheOption() {
        assertEquals("unknown option --bogus", usageError("--bogus"));
        assertEquals("unknown option --bogus", usageError("--help", "--bogus"), "--help does not hide a typo");
        assertEquals("unknown option --bogus=3", usageError("--bogus=3"));
        assertEquals("unknown option argument 'stray'", usageError("stray"));
        assertEquals("unknown option argument '@args.txt'", usageError("@args.txt"), "no argument files");
        assertEquals("unknown option --", usageError("--", "--reviews", "x"));
        assertEquals("unknown option --bogus", usageError("--bogus", "--limit"), "the first bad argument");
        assertEquals("--limit needs a value", usageError("--limit"));
        assertEquals("--help takes no value", usageError("--help=yes"));
        assertEquals("--balanced takes no value", usageError("--balanced=yes"));
        assertEquals("--limit must be a positive integer, got '0'", usageError("--limit", "0"));
        assertEquals("--limit must be a positive integer, got '--help'", usageError("--limit", "--help"));
        assertEquals("--wait-timeout must be a positive integer, got '-1'", usageError("--wait-timeout=-1"));
        assertEquals("--seed must be an integer, got '1.5'", usageError("--seed", "1.5"));
        for (String rate : List.of("fast", "0", "-1", "NaN", "Infinity")) {
            assertEquals("--rate must be a positive number of reviews per second, got '" + rate + "'",
                    usageError("--rate", rate));
        }
        assertEquals("--dataset-url must be an http(s) URL, got 'ftp://x/y'",
                usageError("--dataset-url", "ftp://x/y"));
        assertEquals("--scores-url must be an http(s) URL, got 'http:///p'", usageError("--scores-url", "http:///p"));
        assertEquals("--dataset-sha256 must be 64 hex digits", usageError("--dataset-sha256", "xyz"));
        assertEquals("--topic must not be empty", usageError("--topic", " "));
        assertEquals("--progress must be auto, tty, plain or off", usageError("--progress", "fancy"));
        assertEquals("--wait-scored needs --scores-url", usageError("--wait-scored"));
        assertEquals("--balanced --limit needs a limit of at least 2 (N/2 of each label)",
                usageError("--balanced", "--limit", "1"));
        assertEquals("--download-only downloads the IMDB archive; it takes no --reviews",
                usageError("--download-only", "--reviews", "r.csv"));
    }

    @Test
    void helpListsTheSectionsInOrderWithSpaceSeparatedLabels() throws Exception {
        assertTrue(FeederOptions.parse(new String[] {"-h"}).help());
        assertTrue(FeederOptions.parse(new String[] {"--help", "--wait-scored"}).help(), "no cross-option checks");
        String help = FeederOptions.usage();
        assertTrue(help.startsWith("Usage: deploy/feed-reviews [OPTIONS]\n\nSends movie reviews"), help);
        int at = 0;
        for (String line : List.of("\nSource\n", "  --reviews PATH              an aclImdb folder",
                "  --dataset-url URL           archive URL (default: " + ImdbDownloader.DEFAULT_URL + ")\n",
                "  --dataset-size BYTES        expected archive size (default: " + ImdbDownloader.DEFAULT_SIZE + ")\n",
                "\nSelection\n", "\nKafka\n",
                "  --bootstrap-servers HOSTS   (default: " + ProducerSettings.DEFAULT_BOOTSTRAP + ", or",
                "  --topic NAME                (default: reviews)\n", "\nProgress\n",
                "  -h, --help                  this help\n", "\nExit codes\n", "130 interrupted\n")) {
            int next = help.indexOf(line, at);
            assertTrue(next >= at, "'" + line + "' in order in\n" + help);
            at = next + line.length();
        }
        assertEquals(help.length(), at, "nothing after the exit codes");
        assertFalse(help.contains("--bootstrap-server "), "the alias is not advertised");
        assertFalse(help.matches("(?s).*--[a-z-]+=[A-Z].*"), "labels are separated by a space, not '='");
    }
}
