package dev.ckastream.deploy.feed;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.function.Function;

/**
 * The review feeder: reads reviews (a file, a folder, or the downloaded IMDB archive), selects some, and produces
 * them to the {@code reviews} topic with a progress line. See {@code --help}; exit codes are constants below.
 */
public final class ReviewFeeder {
    public static final int OK = 0;
    public static final int INTERNAL_ERROR = 1;
    public static final int USAGE = 2;
    public static final int KAFKA_FAILED = 3;
    public static final int NO_NETWORK = 4;
    public static final int DOWNLOAD_FAILED = 5;
    public static final int WAIT_TIMED_OUT = 6;
    public static final int INTERRUPTED = 130;

    private final PrintStream out;
    private final PrintStream err;
    private final Function<Properties, Producer<byte[], byte[]>> producers;
    private volatile ReviewSender activeSender;

    public ReviewFeeder(PrintStream out, PrintStream err, Function<Properties, Producer<byte[], byte[]>> producers) {
        this.out = out;
        this.err = err;
        this.producers = producers;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        ReviewFeeder feeder = new ReviewFeeder(out, System.err, KafkaProducer::new);
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> { // Ctrl-C: stop taking reviews, flush what was handed over
            ReviewSender s = feeder.activeSender;
            if (s != null) {
                s.stop();
                try {
                    main.join(15_000);
                } catch (InterruptedException ignored) {
                    // exiting anyway
                }
            }
        }, "feeder-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = feeder.run(args);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
        out.flush();
        System.exit(code);
    }

    /** Runs the feeder; returns the exit code. */
    public int run(String[] args) {
        FeederOptions o;
        try {
            o = FeederOptions.parse(args);
        } catch (FeederOptions.UsageException e) {
            err.println("feed-reviews: " + e.getMessage());
            err.println("Try 'feed-reviews --help'.");
            return USAGE;
        }
        if (o.help()) {
            out.print(FeederOptions.usage());
            return OK;
        }
        ProgressReporter.Mode mode = o.progress.mode != null ? o.progress.mode : ProgressReporter.autoMode();
        PrintStream info = o.progress.dryRun ? err : out;
        try {
            return feed(o, o.progress.dryRun ? ProgressReporter.Mode.OFF : mode, info);
        } catch (DatasetUnavailableException e) {
            err.println("feed-reviews: " + e.getMessage());
            return e.noNetwork() ? NO_NETWORK : DOWNLOAD_FAILED;
        } catch (ReviewFormatException e) {
            err.println("feed-reviews: " + e.getMessage());
            return USAGE;
        } catch (UncheckedIOException e) {
            err.println("feed-reviews: cannot read the reviews: " + e.getCause());
            return USAGE;
        } catch (IOException e) {
            err.println("feed-reviews: " + e);
            return USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("feed-reviews: interrupted");
            return INTERRUPTED;
        } catch (RuntimeException e) {
            err.println("feed-reviews: internal error: " + e);
            e.printStackTrace(err);
            return INTERNAL_ERROR;
        }
    }

    private int feed(FeederOptions o, ProgressReporter.Mode mode, PrintStream info)
            throws DatasetUnavailableException, IOException, InterruptedException {
        Path source = o.source.reviews;
        if (source == null) {
            FeederOptions.Source dataset = o.source;
            ImdbDownloader downloader = new ImdbDownloader(new ImdbDownloader.Settings(dataset.datasetUrl,
                    dataset.cacheDir, dataset.datasetSize, dataset.datasetSha256), info,
                    mode == ProgressReporter.Mode.OFF && !dataset.downloadOnly
                    ? ProgressReporter.Mode.PLAIN : mode);
            source = downloader.ensureDataset();
            if (dataset.downloadOnly) {
                out.println(source);
                return OK;
            }
        }
        ReviewSources.Format format = ReviewSources.detect(source);

        FeederOptions.Kafka kafka = o.kafka;
        Properties props;
        try {
            props = ProducerSettings.build(kafka.bootstrapServers, kafka.producerConfig, kafka.producerProperties);
        } catch (IllegalArgumentException e) {
            err.println("feed-reviews: " + e.getMessage());
            return USAGE;
        }
        ReviewSelection selection;
        try {
            selection = new ReviewSelection(o.selection.limit, o.selection.balanced, o.selection.shuffle,
                    o.selection.seed);
        } catch (IllegalArgumentException e) {
            err.println("feed-reviews: " + e.getMessage());
            return USAGE;
        }
        Path path = source;
        if (o.selection.shuffle) {
            info.println("reading " + path + " to shuffle...");
        }
        try (ReviewSelection.Selected selected = selection.select(() -> ReviewSources.open(path))) {
            Long total = selected.size() != null ? selected.size() : selection.expectedAtMost();
            if (o.progress.dryRun) {
                return dryRun(selected, info);
            }
            String bootstrap = String.valueOf(props.get("bootstrap.servers"));
            info.println("feeding " + describe(o.selection, path, format, total) + " to topic " + kafka.topic
                    + " at " + bootstrap);
            if (kafka.producerConfig != null || !kafka.producerProperties.isEmpty()) {
                info.print("producer settings:\n" + ProducerSettings.describe(props));
            }
            Producer<byte[], byte[]> producer;
            try {
                producer = producers.apply(props);
            } catch (KafkaException e) {
                err.println("feed-reviews: cannot create the Kafka producer: " + rootMessage(e));
                return USAGE;
            }
            URI scoresUrl = o.progress.scoresUrl;
            ScoresClient scores = scoresUrl == null ? null : new ScoresClient(scoresUrl, Duration.ofSeconds(1));
            ReviewSender sender = new ReviewSender(producer, kafka.topic, kafka.maxInFlight,
                    o.selection.rate == null ? null : new RatePacer(o.selection.rate));
            long start = System.nanoTime();
            boolean ok;
            ProgressReporter progress = new ProgressReporter(out, mode, sender::acked, total, scores);
            try {
                try {
                    activeSender = sender;
                    progress.start();
                    ok = sender.send(selected);
                } finally {
                    activeSender = null;
                    try {
                        producer.close(Duration.ofSeconds(10));
                    } catch (RuntimeException e) {
                        // the outcome is already known from the sender
                    }
                }
                if (!ok) {
                    progress.close();
                    if (sender.failure() != null) {
                        err.println("feed-reviews: sending to topic " + kafka.topic + " at " + bootstrap
                                + " failed after " + sender.acked() + " reviews: " + rootMessage(sender.failure())
                                + (sender.failure() instanceof org.apache.kafka.common.errors.TimeoutException
                                ? " (is a broker running at " + bootstrap + ", and does the topic exist?)" : ""));
                        return KAFKA_FAILED;
                    }
                    err.println("feed-reviews: stopped after " + sender.acked() + " reviews");
                    return INTERRUPTED;
                }
                long sent = sender.acked();
                if (sent == 0) {
                    progress.close();
                    err.println("feed-reviews: no reviews selected from " + path
                            + (o.selection.balanced ? " (--balanced needs reviews labelled 0 and 1)" : ""));
                    return USAGE;
                }
                if (o.progress.waitScored) {
                    progress.waitingForScores();
                    int code = waitScored(scores, sent, o.progress.waitTimeoutSeconds);
                    progress.close();
                    if (code != OK) {
                        return code;
                    }
                } else {
                    progress.close();
                }
                info.println(String.format(Locale.ROOT, "sent %,d reviews to topic %s in %.1f s", sent, kafka.topic,
                        (System.nanoTime() - start) / 1e9));
                return OK;
            } finally {
                progress.close();
            }
        }
    }

    private int waitScored(ScoresClient scores, long sent, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        OptionalLong scored = OptionalLong.empty();
        while (System.nanoTime() < deadline) {
            scored = scores.scored();
            if (scored.isPresent() && scored.getAsLong() >= sent) {
                return OK;
            }
            Thread.sleep(500);
        }
        err.println("feed-reviews: timed out after " + timeoutSeconds + " s waiting for " + scores.uri()
                + " to score the reviews: scored " + (scored.isPresent() ? scored.getAsLong() : "?") + " of " + sent);
        return WAIT_TIMED_OUT;
    }

    private int dryRun(ReviewSelection.Selected selected, PrintStream info) {
        long n = 0;
        while (selected.hasNext()) {
            out.println(new String(selected.next().toJsonBytes(), StandardCharsets.UTF_8));
            n++;
        }
        info.println("dry run: " + n + " reviews selected, nothing sent");
        return n == 0 ? USAGE : OK;
    }

    private static String describe(FeederOptions.Selection selection, Path path, ReviewSources.Format format,
                                   Long total) {
        StringBuilder sb = new StringBuilder();
        sb.append(total == null ? "all" : (selection.limit != null && !selection.shuffle ? "up to " : "") + total)
                .append(" reviews from ").append(path).append(" (").append(format.name().toLowerCase(Locale.ROOT)
                        .replace('_', ' ')).append(')');
        if (selection.balanced) {
            sb.append(", balanced");
        }
        if (selection.shuffle) {
            sb.append(", shuffled (seed ").append(selection.seed).append(')');
        }
        if (selection.rate != null) {
            sb.append(String.format(Locale.ROOT, ", %.1f/s", selection.rate));
        }
        return sb.toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
        return e.getClass().getSimpleName() + ": " + m;
    }
}
