package dev.ckastream.deploy.feed;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImdbDownloaderTest {
    @TempDir
    Path tmp;

    private HttpServer server;
    private byte[] archive;
    private String sha;
    private final AtomicInteger hits = new AtomicInteger();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void serve() throws Exception {
        archive = Fixtures.aclTarGz(Fixtures.smallAclImdb());
        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/aclImdb_v1.tar.gz", ex -> {
            hits.incrementAndGet();
            HttpReplies.ok(ex, archive);
        });
        server.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private ImdbDownloader downloader(URI url, long size, String sha256) {
        return new ImdbDownloader(new ImdbDownloader.Settings(url, tmp.resolve("cache"), size, sha256),
                new PrintStream(log, true, StandardCharsets.UTF_8), ProgressReporter.Mode.PLAIN);
    }

    private List<String> cacheFiles() throws IOException {
        Path cache = tmp.resolve("cache");
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void downloadsVerifiesAndReusesTheArchive() throws Exception {
        ImdbDownloader d = downloader(url("/aclImdb_v1.tar.gz"), archive.length, sha);
        Path got = d.ensureDataset();
        assertEquals(tmp.resolve("cache/aclImdb_v1.tar.gz"), got);
        assertArrayEquals(archive, Files.readAllBytes(got));
        assertEquals(List.of("aclImdb_v1.tar.gz"), cacheFiles(), "no temporary file left");
        assertEquals(7, Fixtures.readAll(got).size(), "the downloaded archive is read directly");
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("download 100%"), log.toString());

        assertEquals(got, d.ensureDataset());
        assertEquals(1, hits.get(), "second run reuses the verified file");
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("using cached"), log.toString());
    }

    @Test
    void aCorruptCachedFileIsDownloadedAgain() throws Exception {
        Files.createDirectories(tmp.resolve("cache"));
        byte[] corrupt = archive.clone();
        corrupt[corrupt.length / 2] ^= 1; // same size, different checksum
        Files.write(tmp.resolve("cache/aclImdb_v1.tar.gz"), corrupt);
        Path got = downloader(url("/aclImdb_v1.tar.gz"), archive.length, sha).ensureDataset();
        assertArrayEquals(archive, Files.readAllBytes(got));
        assertEquals(1, hits.get());
    }

    @Test
    void wrongChecksumIsAClearErrorAndLeavesNoFile() {
        String wrong = "0".repeat(64);
        DatasetUnavailableException e = assertThrows(DatasetUnavailableException.class,
                () -> downloader(url("/aclImdb_v1.tar.gz"), archive.length, wrong).ensureDataset());
        assertFalse(e.noNetwork());
        assertTrue(e.getMessage().contains("failed its checksum") && e.getMessage().contains(sha)
                && e.getMessage().contains(wrong), e.getMessage());
        assertDoesNotLeaveFiles();
    }

    @Test
    void wrongSizeIsRefusedBeforeDownloading() {
        DatasetUnavailableException e = assertThrows(DatasetUnavailableException.class,
                () -> downloader(url("/aclImdb_v1.tar.gz"), ImdbDownloader.DEFAULT_SIZE, sha).ensureDataset());
        assertTrue(e.getMessage().contains("offers " + archive.length + " bytes, expected 84125825"),
                e.getMessage());
        assertDoesNotLeaveFiles();
    }

    @Test
    void httpErrorIsAClearError() {
        DatasetUnavailableException e = assertThrows(DatasetUnavailableException.class,
                () -> downloader(url("/missing"), archive.length, sha).ensureDataset());
        assertFalse(e.noNetwork());
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
        assertDoesNotLeaveFiles();
    }

    @Test
    void unreachableServerGivesTheOneClearLine() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + closedPort + "/aclImdb_v1.tar.gz");
        DatasetUnavailableException e = assertThrows(DatasetUnavailableException.class,
                () -> downloader(url, archive.length, sha).ensureDataset());
        assertTrue(e.noNetwork());
        assertEquals("cannot reach 127.0.0.1 (no network?): pass --reviews PATH (JSONL, JSONL.gz, CSV or an "
                + "aclImdb folder) instead", e.getMessage());
        assertDoesNotLeaveFiles();
    }

    @Test
    void defaultsAreThePublishedArchive() {
        FeederOptions.Source feeder = new FeederOptions.Source(); // what the feeder downloads without options
        ImdbDownloader.Settings s = new ImdbDownloader.Settings(feeder.datasetUrl, feeder.cacheDir,
                feeder.datasetSize, feeder.datasetSha256);
        assertEquals("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz", s.url().toString());
        assertEquals(84_125_825L, s.expectedSize());
        assertEquals("c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", s.sha256());
        assertTrue(s.cacheDir().endsWith("ckastream"));
        assertEquals("cannot reach ai.stanford.edu (no network?): pass --reviews PATH (JSONL, JSONL.gz, CSV or an "
                + "aclImdb folder) instead", ImdbDownloader.noNetworkLine(s.url()));
    }

    private void assertDoesNotLeaveFiles() {
        try {
            assertEquals(List.of(), cacheFiles());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
