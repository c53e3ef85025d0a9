package dev.ckastream.deploy.feed;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Command-line options of {@link ReviewFeeder}; {@code --name value} or {@code --name=value}. */
final class FeederOptions {
    /** A bad command line; the message is shown with a pointer to --help. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    boolean help;
    Path reviews;
    Path cacheDir = ImdbDownloader.defaultCacheDir();
    URI datasetUrl = ImdbDownloader.DEFAULT_URL;
    String datasetSha256 = ImdbDownloader.DEFAULT_SHA256;
    long datasetSize = ImdbDownloader.DEFAULT_SIZE;
    boolean downloadOnly;

    Integer limit;
    boolean balanced;
    boolean shuffle;
    long seed;
    Double rate;

    String bootstrapServers; // null: default or --producer-config's
    String topic = "reviews";
    final List<String> producerProperties = new ArrayList<>();
    Path producerConfig;
    int maxInFlight = 1000;

    URI scoresUrl;
    boolean waitScored;
    long waitTimeoutSeconds = 600;
    ProgressReporter.Mode progress; // null: auto
    boolean dryRun;

    static FeederOptions parse(String[] args) throws UsageException {
        FeederOptions o = new FeederOptions();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 2) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            if (isFlag(name)) {
                if (inline != null) {
                    throw new UsageException(name + " takes no value");
                }
                switch (name) {
                    case "-h": case "--help": o.help = true; break;
                    case "--balanced": o.balanced = true; break;
                    case "--shuffle": o.shuffle = true; break;
                    case "--wait-scored": o.waitScored = true; break;
                    case "--download-only": o.downloadOnly = true; break;
                    case "--dry-run": o.dryRun = true; break;
                    default: throw new AssertionError(name);
                }
                continue;
            }
            String value;
            if (inline != null) {
                value = inline;
            } else if (i + 1 < args.length && isValueOption(name)) {
                value = args[++i];
            } else if (isValueOption(name)) {
                throw new UsageException(name + " needs a value");
            } else {
                throw new UsageException("unknown option " + (name.startsWith("-") ? name : "argument '" + name + "'"));
            }
            o.set(name, value);
        }
        o.check();
        return o;
    }

    private static boolean isFlag(String name) {
        return List.of("-h", "--help", "--balanced", "--shuffle", "--wait-scored", "--download-only", "--dry-run")
                .contains(name);
    }

    private static boolean isValueOption(String name) {
        return List.of("--reviews", "--cache-dir", "--dataset-url", "--dataset-sha256", "--dataset-size", "--limit",
                "--seed", "--rate", "--bootstrap-servers", "--bootstrap-server", "--topic", "--producer-property",
                "--producer-config", "--max-in-flight", "--scores-url", "--wait-timeout", "--progress")
                .contains(name);
    }

    private void set(String name, String value) throws UsageException {
        switch (name) {
            case "--reviews": reviews = Path.of(value); break;
            case "--cache-dir": cacheDir = Path.of(value); break;
            case "--dataset-url": datasetUrl = uri(name, value); break;
            case "--dataset-sha256":
                if (!value.matches("[0-9a-fA-F]{64}")) {
                    throw new UsageException("--dataset-sha256 must be 64 hex digits");
                }
                datasetSha256 = value.toLowerCase(Locale.ROOT);
                break;
            case "--dataset-size": datasetSize = positiveLong(name, value); break;
            case "--limit": limit = (int) Math.min(Integer.MAX_VALUE, positiveLong(name, value)); break;
            case "--seed":
                try {
                    seed = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new UsageException("--seed must be an integer, got '" + value + "'");
                }
                break;
            case "--rate":
                try {
                    rate = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    rate = Double.NaN;
                }
                if (!(rate > 0) || rate.isInfinite()) {
                    throw new UsageException("--rate must be a positive number of reviews per second, got '"
                            + value + "'");
                }
                break;
            case "--bootstrap-servers": case "--bootstrap-server": bootstrapServers = value; break;
            case "--topic":
                if (value.isBlank()) {
                    throw new UsageException("--topic must not be empty");
                }
                topic = value;
                break;
            case "--producer-property": producerProperties.add(value); break;
            case "--producer-config": producerConfig = Path.of(value); break;
            case "--max-in-flight": maxInFlight = (int) Math.min(1_000_000, positiveLong(name, value)); break;
            case "--scores-url": scoresUrl = uri(name, value); break;
            case "--wait-timeout": waitTimeoutSeconds = positiveLong(name, value); break;
            case "--progress":
                switch (value) {
                    case "auto": progress = null; break;
                    case "tty": progress = ProgressReporter.Mode.TTY; break;
                    case "plain": progress = ProgressReporter.Mode.PLAIN; break;
                    case "off": progress = ProgressReporter.Mode.OFF; break;
                    default: throw new UsageException("--progress must be auto, tty, plain or off");
                }
                break;
            default: throw new AssertionError(name);
        }
    }

    private void check() throws UsageException {
        if (help) {
            return;
        }
        if (waitScored && scoresUrl == null) {
            throw new UsageException("--wait-scored needs --scores-url");
        }
        if (balanced && limit != null && limit < 2) {
            throw new UsageException("--balanced --limit needs a limit of at least 2 (N/2 of each label)");
        }
        if (downloadOnly && reviews != null) {
            throw new UsageException("--download-only downloads the IMDB archive; it takes no --reviews");
        }
    }

    private static URI uri(String name, String value) throws UsageException {
        try {
            URI u = URI.create(value);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new UsageException(name + " must be an http(s) URL, got '" + value + "'");
        }
    }

    private static long positiveLong(String name, String value) throws UsageException {
        try {
            long v = Long.parseLong(value.replace("_", ""));
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new UsageException(name + " must be a positive integer, got '" + value + "'");
    }

    static String help() {
        return String.join("\n",
                "Usage: deploy/feed-reviews [OPTIONS]",
                "",
                "Sends movie reviews to Kafka for ckastream: topic records with key = review id and value =",
                "{\"id\": ..., \"text\": ..., \"label\": 0|1} (UTF-8 JSON; label left out when the source has none).",
                "",
                "Source",
                "  --reviews PATH              an aclImdb folder, a .jsonl / .jsonl.gz file ({\"id\",\"text\",\"label\"}",
                "                              per line), a .csv file (header review,sentiment; positive/negative)",
                "                              or an aclImdb .tar.gz archive. Without it, the IMDB archive",
                "                              aclImdb_v1.tar.gz is downloaded once into the cache folder.",
                "  --cache-dir DIR             cache folder (default: $XDG_CACHE_HOME/ckastream or ~/.cache/ckastream)",
                "  --dataset-url URL           archive URL (default: " + ImdbDownloader.DEFAULT_URL + ")",
                "  --dataset-size BYTES        expected archive size (default: " + ImdbDownloader.DEFAULT_SIZE + ")",
                "  --dataset-sha256 HEX        expected archive SHA-256 (default: the published one)",
                "  --download-only             only download and verify the archive, print its path, exit",
                "",
                "Selection",
                "  --limit N                   send at most N reviews (default: all)",
                "  --balanced                  as many positives as negatives (N/2 each with --limit), alternating;",
                "                              unlabelled reviews are skipped",
                "  --shuffle                   a random sample in random order (holds the selected reviews in memory)",
                "  --seed S                    shuffle seed (default: 0; same seed and source, same order)",
                "  --rate R                    reviews per second (default: as fast as the broker acknowledges)",
                "",
                "Kafka",
                "  --bootstrap-servers HOSTS   (default: " + ProducerSettings.DEFAULT_BOOTSTRAP
                        + ", or bootstrap.servers from --producer-config)",
                "  --topic NAME                (default: reviews)",
                "  --producer-config FILE      producer .properties file (security settings, ...)",
                "  --producer-property K=V     a producer setting, repeatable; wins over --producer-config",
                "                              (acks=all and idempotence are the defaults; secrets are never printed)",
                "  --max-in-flight N           unacknowledged reviews at most (default: 1000)",
                "",
                "Progress",
                "  --scores-url URL            cka-service scores endpoint, e.g. http://127.0.0.1:8080/scores",
                "                              (GET, JSON with a numeric \"reviews\"); shows \"scored ?\" without it",
                "  --wait-scored               after sending, wait until scored >= sent (needs --scores-url)",
                "  --wait-timeout SECONDS      how long --wait-scored waits (default: 600)",
                "  --progress MODE             auto (default: in place on a terminal, else a line every 5 s),",
                "                              tty, plain or off",
                "  --dry-run                   print the selected record values to stdout (JSON lines); send nothing",
                "  -h, --help                  this help",
                "",
                "Exit codes",
                "  0 done   1 internal error   2 bad usage or unreadable reviews   3 Kafka send failed",
                "  4 no network for the download (pass --reviews)   5 download failed (HTTP, size, checksum)",
                "  6 --wait-scored timed out   130 interrupted",
                "");
    }
}
