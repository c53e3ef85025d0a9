package dev.ckastream.deploy.feed;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressReporterTest {
    @Test
    void formatsTheLine() {
        assertEquals("sent 1,234/5,000 | scored 1,100 | 250.0 reviews/s | ETA 0:15",
                ProgressReporter.format(1234, 5000L, 1100L, 250.0, 15.06, false));
        assertEquals("sent 3 | scored ? | ? reviews/s | ETA ?",
                ProgressReporter.format(3, null, null, Double.NaN, null, false));
        assertEquals("1:01:01", ProgressReporter.duration(3661));
    }

    @Test
    void etaFromTheSendRateThenFromTheScoreRate() {
        ProgressReporter p = new ProgressReporter(new PrintStream(new ByteArrayOutputStream()),
                ProgressReporter.Mode.OFF, () -> 0, 1000L, null);
        p.line(0, 0, null);
        assertEquals("sent 100/1,000 | scored ? | 100.0 reviews/s | ETA 0:09",
                p.line(1_000_000_000L, 100, null));
        p.waitingForScores();
        p.line(2_000_000_000L, 1000, 0L);
        // sending averaged 1000 in 4 s; scoring 500 in 2 s = 250/s, 500 left: 2 s
        assertEquals("sent 1,000/1,000 | scored 500 | 250.0 reviews/s | ETA 0:02 (waiting for scores)",
                p.line(4_000_000_000L, 1000, 500L));
    }

    @Test
    void ttyRewritesOneLinePlainPrintsLines() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong sent = new AtomicLong(5);
        ProgressReporter tty = new ProgressReporter(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                ProgressReporter.Mode.TTY, sent::get, null, null);
        tty.tick();
        sent.set(6);
        tty.close();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\rsent 5 | scored ?"), out);
        assertTrue(out.contains("\rsent 6 | scored ?"), out);
        assertEquals(1, out.chars().filter(c -> c == '\n').count(), out);

        bytes.reset();
        ProgressReporter plain = new ProgressReporter(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                ProgressReporter.Mode.PLAIN, sent::get, null, null);
        plain.tick();
        plain.close();
        out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(!out.contains("\r") && out.lines().count() == 2, out);
    }

    @Test
    void scoresComeFromTheServiceOrAreUnknown() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/scores", ex -> HttpReplies.okJson(ex, "{\"reviews\": 42, \"layers\": [[0.9]]}"));
        server.createContext("/other", ex -> HttpReplies.okJson(ex, "{\"count\": 1}"));
        server.createContext("/v2", ex -> HttpReplies.okJson(ex, "{\"version\": 2, \"reviews\": 7}"));
        server.createContext("/v99", ex -> HttpReplies.okJson(ex, "{\"version\": 99, \"reviews\": 7}"));
        server.createContext("/pairs", ex -> HttpReplies.okJson(ex, "{\"checkpoints\": [\"a\", \"b\", \"c\"], \"pairs\":"
                + " [{\"version\": 2, \"reviews\": 9}, {\"version\": 2, \"reviews\": 5}]}"));
        server.createContext("/pairs-v99", ex -> HttpReplies.okJson(ex, "{\"pairs\": [{\"version\": 2, \"reviews\": 9},"
                + " {\"version\": 99, \"reviews\": 5}]}"));
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Duration t = Duration.ofSeconds(2);
            assertEquals(OptionalLong.of(42), new ScoresClient(URI.create(base + "/scores"), t).scored());
            assertEquals(OptionalLong.empty(), new ScoresClient(URI.create(base + "/other"), t).scored());
            assertEquals(OptionalLong.of(7), new ScoresClient(URI.create(base + "/v2"), t).scored());
            assertEquals(OptionalLong.empty(), new ScoresClient(URI.create(base + "/v99"), t).scored(),
                    "a contract version this build does not know");
            assertEquals(OptionalLong.empty(), new ScoresClient(URI.create(base + "/missing"), t).scored());
            assertEquals(OptionalLong.of(5), new ScoresClient(URI.create(base + "/pairs"), t).scored(),
                    "every pair's scores: a review is scored once every pair has it");
            assertEquals(OptionalLong.empty(), new ScoresClient(URI.create(base + "/pairs-v99"), t).scored());

            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ProgressReporter p = new ProgressReporter(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                    ProgressReporter.Mode.PLAIN, () -> 50, 100L, new ScoresClient(URI.create(base + "/scores"), t));
            p.tick();
            assertTrue(bytes.toString(StandardCharsets.UTF_8).startsWith("sent 50/100 | scored 42 |"),
                    bytes.toString(StandardCharsets.UTF_8));
        } finally {
            server.stop(0);
        }
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertEquals(OptionalLong.empty(),
                new ScoresClient(URI.create("http://127.0.0.1:" + closedPort + "/scores"), Duration.ofSeconds(1))
                        .scored());
    }
}
