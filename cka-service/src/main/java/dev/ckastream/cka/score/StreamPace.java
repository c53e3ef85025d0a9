package dev.ckastream.cka.score;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.ckastream.cka.config.CkaConfig;

/**
 * Whether the consumer is behind the activation topics (see {@link CkaConfig.Backlog}), as of the last polled
 * batch, and the pacing that follows from it: how long after a score emission the next one is due, and what
 * share of a core probe retraining may take. Behind, latency is set by the queue, so emissions and retraining
 * step back and the co-moment updates get the time; once the stream is caught up, today's cadence returns.
 */
@ApplicationScoped
public class StreamPace {

    private final long afterMillis;
    private final long drainedAfterMillis;
    private final double emitShare;
    private final double idleEmitShare;
    private final int maxPollRecords;
    private final double backlogEmitShare;
    private final long emitIntervalNanos;
    private final long maxGapNanos;
    private final double probeShare;
    private final double backlogProbeShare;
    private volatile boolean behind;
    /** Whether the last polled batch brought everything that was waiting, and that was fresh. */
    private volatile boolean caughtUp;
    /** Whether a polled batch is being applied, and when the last one was done. */
    private volatile boolean applying;
    private volatile long lastBatchDoneMillis;

    @Inject
    public StreamPace(CkaConfig config, MeterRegistry registry,
            @ConfigProperty(name = "mp.messaging.incoming.activations.max.poll.records", defaultValue = "500")
            int maxPollRecords) {
        this(config.backlog().after(), config.backlog().drainedAfter(), config.emitMaxShare(), config.emitIdleShare(),
                config.backlog().emitShare(),
                config.emitInterval(), config.backlog().maxGap(), config.probe().maxShare(),
                config.backlog().probeShare(), maxPollRecords);
        Gauge.builder("ckastream.cka.behind", this, p -> p.behind() ? 1 : 0)
                .description("1 while the last polled batch was behind the topics (cka.backlog.after), else 0")
                .register(registry);
    }

    /** Without a caught-up share: emissions take {@code emitShare} whether or not records are waiting. */
    public StreamPace(Duration after, Duration drainedAfter, double emitShare, double backlogEmitShare,
            Duration emitInterval, Duration maxGap, double probeShare, double backlogProbeShare) {
        this(after, drainedAfter, emitShare, emitShare, backlogEmitShare, emitInterval, maxGap, probeShare,
                backlogProbeShare, Integer.MAX_VALUE);
    }

    public StreamPace(Duration after, Duration drainedAfter, double emitShare, double idleEmitShare,
            double backlogEmitShare, Duration emitInterval, Duration maxGap, double probeShare, double backlogProbeShare,
            int maxPollRecords) {
        this.afterMillis = after.toMillis();
        this.drainedAfterMillis = drainedAfter.toMillis();
        if (drainedAfterMillis < 1 || drainedAfterMillis > afterMillis) {
            throw new IllegalArgumentException("cka.backlog.drained-after (" + drainedAfter + ") must be at least 1 ms and"
                    + " at most cka.backlog.after (" + after + ")");
        }
        this.emitShare = share("cka.emit-max-share", emitShare);
        this.idleEmitShare = share("cka.emit-idle-share", idleEmitShare);
        this.maxPollRecords = maxPollRecords;
        this.backlogEmitShare = share("cka.backlog.emit-share", backlogEmitShare);
        this.emitIntervalNanos = emitInterval.toNanos();
        this.maxGapNanos = maxGap.toNanos();
        this.probeShare = share("cka.probe.max-share", probeShare);
        this.backlogProbeShare = share("cka.backlog.probe-share", backlogProbeShare);
        if (maxGapNanos < emitIntervalNanos) {
            throw new IllegalArgumentException("cka.backlog.max-gap (" + maxGap + ") must be at least cka.emit-interval ("
                    + emitInterval + ")");
        }
    }

    private static double share(String name, double value) {
        if (!(value > 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be in (0, 1], not " + value);
        }
        return value;
    }

    /**
     * A batch was polled at {@code polledMillis} whose newest record was written at {@code newestRecordMillis}
     * (its Kafka timestamp; a clock ahead of ours counts as caught up).
     */
    public void polled(long newestRecordMillis, long polledMillis) {
        polled(newestRecordMillis, polledMillis, maxPollRecords);
    }

    /** {@link #polled(long, long)} of a batch of {@code records} records. */
    public void polled(long newestRecordMillis, long polledMillis, int records) {
        long age = polledMillis - newestRecordMillis;
        behind = age > afterMillis;
        caughtUp = records < maxPollRecords && age <= afterMillis / 4;
        applying = true;
    }

    /**
     * Whether the last polled batch held every record that was waiting (fewer than {@code max.poll.records}) and its
     * newest was written less than a quarter of {@code cka.backlog.after} before the poll.
     */
    public boolean caughtUp() {
        return caughtUp && !behind();
    }

    /** The batch reported by {@link #polled} is applied. */
    public void applied(long doneMillis) {
        lastBatchDoneMillis = doneMillis;
        applying = false;
    }

    public boolean behind() {
        return behind(System.currentTimeMillis());
    }

    /**
     * Behind as of the last polled batch, while batches keep coming: once no batch has been applied or
     * arrived for {@code cka.backlog.drained-after}, the backlog is drained and the service is caught up, so
     * that the last scores of a replay are not held back by the backlog's sparser emissions.
     */
    public boolean behind(long nowMillis) {
        return behind && (applying || nowMillis - lastBatchDoneMillis < drainedAfterMillis);
    }

    /** {@code cka.backlog.drained-after}: how long without a batch after a backlog batch before it counts as drained. */
    public long drainedAfterMillis() {
        return drainedAfterMillis;
    }

    /**
     * Whether the last polled batch was behind (whether or not the backlog has drained since): after such a
     * batch the scores wait for the backlog's sparser emissions, so its end has to be watched for.
     */
    public boolean lastBatchBehind() {
        return behind;
    }

    /**
     * How long after an emission that took {@code lastEmissionNanos} the next is due: t × (1/share − 1), at
     * most {@code cka.emit-interval} when caught up; while behind, at the backlog share and between
     * {@code cka.emit-interval} and {@code cka.backlog.max-gap}.
     */
    public long emissionGapNanos(long lastEmissionNanos) {
        if (caughtUp()) {
            return Math.min((long) (lastEmissionNanos * (1 / idleEmitShare - 1)), emitIntervalNanos);
        }
        if (!behind()) {
            return Math.min((long) (lastEmissionNanos * (1 / emitShare - 1)), emitIntervalNanos);
        }
        long gap = (long) (lastEmissionNanos * (1 / backlogEmitShare - 1));
        return Math.min(Math.max(gap, emitIntervalNanos), maxGapNanos);
    }

    /** Whether reviews are streaming: a batch is being applied, or the last one was applied within {@code cka.backlog.after}. */
    public boolean streaming() {
        return streaming(afterMillis);
    }

    /** Whether reviews are streaming: a batch is being applied, or the last one was applied less than {@code withinMillis} ago. */
    public boolean streaming(long withinMillis) {
        return applying || System.currentTimeMillis() - lastBatchDoneMillis < withinMillis;
    }

    /**
     * The share of one core a probe retrain may take now: {@code cka.probe.max-share} while reviews stream
     * ({@code cka.backlog.probe-share} while behind), 1 (full speed) once no batch has come for {@code idleMillis}.
     */
    public double retrainShare(long idleMillis) {
        if (!streaming(idleMillis)) {
            return 1;
        }
        return behind() ? backlogProbeShare : probeShare;
    }

    /** How long after a retrain that took {@code lastTrainNanos} the next may start while labelled reviews stream. */
    public long retrainGapNanos(long lastTrainNanos) {
        return (long) (lastTrainNanos * (1 / (behind() ? backlogProbeShare : probeShare) - 1));
    }
}
