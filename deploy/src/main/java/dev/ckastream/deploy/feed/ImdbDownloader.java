package dev.ckastream.deploy.feed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Gets the published IMDB archive ({@code aclImdb_v1.tar.gz}) into a cache folder: downloads to a temporary file
 * next to it, checks size and SHA-256, renames atomically; reuses the cached file while its checksum matches.
 */
public final class ImdbDownloader {
    public static final URI DEFAULT_URL = URI.create("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz");
    public static final long DEFAULT_SIZE = 84_125_825L;
    public static final String DEFAULT_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe";
    public static final String FILE_NAME = "aclImdb_v1.tar.gz";

    /** Where and what to download; every field has a published default and can be overridden (tests, mirrors). */
    public record Settings(URI url, Path cacheDir, long expectedSize, String sha256) {
        public Settings {
            sha256 = sha256.toLowerCase(Locale.ROOT);
            if (!sha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("SHA-256 must be 64 hex digits");
            }
            if (expectedSize <= 0) {
                throw new IllegalArgumentException("expected size must be positive");
            }
        }
    }

    private final Settings settings;
    private final PrintStream out;
    private final ProgressReporter.Mode mode;

    public ImdbDownloader(Settings settings, PrintStream out, ProgressReporter.Mode mode) {
        this.settings = settings;
        this.out = out;
        this.mode = mode;
    }

    /** {@code $XDG_CACHE_HOME/ckastream} when that is set, else {@code ~/.cache/ckastream}. */
    public static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "ckastream");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "ckastream");
    }

    public Path target() {
        return settings.cacheDir().resolve(FILE_NAME);
    }

    /** The verified archive in the cache, downloading it first when missing or corrupt. */
    public Path ensureDataset() throws DatasetUnavailableException, InterruptedException {
        Path target = target();
        try {
            Files.createDirectories(settings.cacheDir());
        } catch (IOException e) {
            throw new DatasetUnavailableException("cannot create cache folder " + settings.cacheDir() + ": " + e,
                    false, e);
        }
        if (Files.isRegularFile(target)) {
            String problem = verify(target);
            if (problem == null) {
                info("using cached " + target + " (SHA-256 verified)");
                return target;
            }
            info("cached " + target + " is unusable (" + problem + "); downloading it again");
            try {
                Files.delete(target);
            } catch (IOException e) {
                throw new DatasetUnavailableException("cannot replace " + target + ": " + e, false, e);
            }
        }
        download(target);
        return target;
    }

    /** @return null when the file has the expected size and checksum, else what is wrong */
    String verify(Path file) throws DatasetUnavailableException {
        try {
            long size = Files.size(file);
            if (size != settings.expectedSize()) {
                return size + " bytes, expected " + settings.expectedSize();
            }
            MessageDigest sha = sha256();
            byte[] buf = new byte[1 << 16];
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, n);
                }
            }
            String got = HexFormat.of().formatHex(sha.digest());
            return got.equals(settings.sha256()) ? null : "SHA-256 " + got + ", expected " + settings.sha256();
        } catch (IOException e) {
            throw new DatasetUnavailableException("cannot read " + file + ": " + e, false, e);
        }
    }

    private void download(Path target) throws DatasetUnavailableException, InterruptedException {
        URI url = settings.url();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            if (isUnreachable(e)) {
                throw new DatasetUnavailableException(noNetworkLine(url), true, e);
            }
            throw new DatasetUnavailableException("download of " + url + " failed: " + e
                    + "; pass --reviews PATH instead", false, e);
        }
        Path temp = null;
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new DatasetUnavailableException("download of " + url + " failed: HTTP "
                        + response.statusCode() + "; pass --reviews PATH instead", false, null);
            }
            long expected = settings.expectedSize();
            long offered = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (offered >= 0 && offered != expected) {
                throw new DatasetUnavailableException("download of " + url + " refused: the server offers "
                        + offered + " bytes, expected " + expected + " (not the published archive?)", false, null);
            }
            info("downloading " + url + " (" + mb(expected) + ") to " + target);
            temp = Files.createTempFile(settings.cacheDir(), FILE_NAME + ".", ".part");
            MessageDigest sha = sha256();
            long got = 0;
            Bar bar = new Bar(expected);
            byte[] buf = new byte[1 << 16];
            try (OutputStream file = Files.newOutputStream(temp)) {
                for (int n; (n = body.read(buf)) > 0; ) {
                    got += n;
                    if (got > expected) {
                        throw new DatasetUnavailableException("download of " + url + " failed: more than the "
                                + expected + " bytes expected (not the published archive?)", false, null);
                    }
                    sha.update(buf, 0, n);
                    file.write(buf, 0, n);
                    bar.update(got, false);
                }
            } finally {
                bar.update(got, true);
            }
            if (got != expected) {
                throw new DatasetUnavailableException("download of " + url + " incomplete: " + got + " of "
                        + expected + " bytes; try again, or pass --reviews PATH instead", false, null);
            }
            String digest = HexFormat.of().formatHex(sha.digest());
            if (!digest.equals(settings.sha256())) {
                throw new DatasetUnavailableException("download of " + url + " failed its checksum: SHA-256 "
                        + digest + ", expected " + settings.sha256() + "; nothing was kept", false, null);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            info("saved " + target + " (SHA-256 verified)");
        } catch (IOException e) {
            throw new DatasetUnavailableException("download of " + url + " interrupted: " + e
                    + "; try again, or pass --reviews PATH instead", isUnreachable(e), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort; the name ends in .part
                }
            }
        }
    }

    static String noNetworkLine(URI url) {
        return "cannot reach " + url.getHost() + " (no network?): pass --reviews PATH "
                + "(JSONL, JSONL.gz, CSV or an aclImdb folder) instead";
    }

    static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException || t instanceof HttpConnectTimeoutException
                    || t instanceof UnresolvedAddressException || t instanceof HttpTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void info(String line) {
        if (mode != ProgressReporter.Mode.OFF) {
            out.println(line);
        }
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    /** A progress bar: redrawn in place on a terminal, a line per 10% otherwise. */
    private final class Bar {
        private final long total;
        private final long start = System.nanoTime();
        private long lastDraw;
        private int lastDecile = -1;

        Bar(long total) {
            this.total = total;
        }

        void update(long done, boolean last) {
            if (mode == ProgressReporter.Mode.OFF) {
                return;
            }
            long now = System.nanoTime();
            double fraction = Math.min(1.0, (double) done / total);
            double seconds = Math.max(1e-3, (now - start) / 1e9);
            String stats = String.format(Locale.ROOT, "%3d%%  %.1f/%.1f MB  %.1f MB/s", (int) (fraction * 100),
                    done / 1e6, total / 1e6, done / 1e6 / seconds);
            if (mode == ProgressReporter.Mode.TTY) {
                if (last || now - lastDraw > 200_000_000L) {
                    int width = 30;
                    int filled = (int) (fraction * width);
                    out.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + stats
                            + (last ? "\n" : ""));
                    out.flush();
                    lastDraw = now;
                }
            } else {
                int decile = (int) (fraction * 10);
                if (decile > lastDecile && (decile > 0 || last)) {
                    out.println("download " + stats);
                    lastDecile = decile;
                }
            }
        }
    }
}
