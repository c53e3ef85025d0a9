package dev.ckastream.deploy.feed;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One progress line: reviews sent (acknowledged), reviews scored (from cka-service, {@code ?} when unknown),
 * send rate and ETA. On a terminal the line is rewritten in place (carriage return); otherwise a plain line is
 * printed every few seconds.
 */
public final class ProgressReporter implements AutoCloseable {
    public enum Mode { TTY, PLAIN, OFF }

    private final PrintStream out;
    private final Mode mode;
    private final LongSupplier sent;
    private final ScoresClient scores;
    private final Long total;
    private final Deque<long[]> samples = new ArrayDeque<>(); // {nanoTime, sent, scored or -1}
    private final ScheduledExecutorService timer;
    private volatile boolean waitingForScores;
    private int lastLength;
    private boolean closed;

    /**
     * @param total  how many reviews will be sent, when known (for the ETA)
     * @param scores where to read the scored count, or null
     */
    public ProgressReporter(PrintStream out, Mode mode, LongSupplier sent, Long total, ScoresClient scores) {
        this.out = out;
        this.mode = mode;
        this.sent = sent;
        this.total = total;
        this.scores = scores;
        this.timer = mode == Mode.OFF ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "feeder-progress");
            t.setDaemon(true);
            return t;
        });
    }

    public static Mode autoMode() {
        return System.console() != null ? Mode.TTY : Mode.PLAIN;
    }

    public synchronized void start() {
        samples.addLast(new long[] {System.nanoTime(), sent.getAsLong(), -1}); // rates count from here
        if (timer != null) {
            long period = mode == Mode.TTY ? 1000 : 5000;
            timer.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** From now on the ETA is about scoring what was sent rather than about sending. */
    public void waitingForScores() {
        waitingForScores = true;
    }

    synchronized void tick() {
        try {
            print(line(System.nanoTime(), sent.getAsLong(), scored()), false);
        } catch (RuntimeException e) {
            // progress must never break the feed
        }
    }

    /** Prints the final state and ends the line. */
    @Override
    public synchronized void close() {
        if (timer != null && !closed) {
            closed = true;
            timer.shutdownNow();
            print(line(System.nanoTime(), sent.getAsLong(), scored()), true);
        }
    }

    /** The scored count from cka-service, or null without --scores-url or when it does not answer. */
    private Long scored() {
        OptionalLong scored = scores == null ? OptionalLong.empty() : scores.scored();
        return scored.isPresent() ? scored.getAsLong() : null;
    }

    private void print(String line, boolean last) {
        if (mode == Mode.TTY) {
            String padded = line + " ".repeat(Math.max(0, lastLength - line.length()));
            lastLength = line.length();
            out.print("\r" + padded + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Builds the line from a new sample; rates are over the last ~10 seconds. */
    String line(long now, long sentNow, Long scoredNow) {
        samples.addLast(new long[] {now, sentNow, scoredNow == null ? -1 : scoredNow});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > 10_000_000_000L) {
            samples.removeFirst();
        }
        long[] first = samples.peekFirst();
        double seconds = (now - first[0]) / 1e9;
        double sendRate = seconds > 0 ? (sentNow - first[1]) / seconds : Double.NaN;
        double scoreRate = Double.NaN;
        if (scoredNow != null) {
            for (long[] s : samples) { // the oldest sample that had a score count
                if (s[2] >= 0 && s[0] < now) {
                    scoreRate = (scoredNow - s[2]) / ((now - s[0]) / 1e9);
                    break;
                }
            }
        }
        Double eta = null;
        if (waitingForScores) {
            if (scoredNow != null && scoredNow >= sentNow) {
                eta = 0.0;
            } else if (scoredNow != null && scoreRate > 0) {
                eta = (sentNow - scoredNow) / scoreRate;
            }
        } else if (total != null) {
            if (sentNow >= total) {
                eta = 0.0;
            } else if (sendRate > 0) {
                eta = (total - sentNow) / sendRate;
            }
        }
        // While waiting for the scores, the rate that matters is the scoring rate.
        return format(sentNow, total, scoredNow, waitingForScores ? scoreRate : sendRate, eta, waitingForScores);
    }

    static String format(long sent, Long total, Long scored, double rate, Double etaSeconds, boolean waiting) {
        StringBuilder sb = new StringBuilder("sent ").append(String.format(Locale.ROOT, "%,d", sent));
        if (total != null) {
            sb.append('/').append(String.format(Locale.ROOT, "%,d", total));
        }
        sb.append(" | scored ").append(scored == null ? "?" : String.format(Locale.ROOT, "%,d", scored));
        sb.append(" | ").append(Double.isNaN(rate) ? "?" : String.format(Locale.ROOT, "%.1f", rate))
                .append(" reviews/s");
        sb.append(" | ETA ").append(etaSeconds == null ? "?" : duration(etaSeconds));
        if (waiting) {
            sb.append(" (waiting for scores)");
        }
        return sb.toString();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
