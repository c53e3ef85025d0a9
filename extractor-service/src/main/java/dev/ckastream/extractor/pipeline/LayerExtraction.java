package dev.ckastream.extractor.pipeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

import dev.ckastream.extractor.batch.MicroBatcher;
import dev.ckastream.extractor.checkpoint.Checkpoint;
import dev.ckastream.contract.ActivationRecord;
import dev.ckastream.contract.Review;
import dev.ckastream.contract.ReviewRejection;
import dev.ckastream.extractor.observe.ExtractorMetrics;
import dev.ckastream.extractor.tokenize.TokenizedReview;

/**
 * Turns a set of valid reviews into activation records for every checkpoint. A review gets a record for
 * each checkpoint or, if its extraction fails on any of them, none and a failure reason: never some of them.
 * Runs on a worker thread (never the event loop).
 *
 * <p>The micro-batches are planned once for all checkpoints, and each one is run through every checkpoint
 * before the next starts, so that its reviews can be published while the rest of the poll is still being
 * computed: the first reviews wait for their own micro-batch, not for the whole poll on every checkpoint.
 * The plan uses each review's longest tokenization over the checkpoints: the token budget then bounds the
 * padded size of every call on every checkpoint (planning by one checkpoint's counts could exceed it on
 * another whose tokenizer splits the text finer), and for checkpoints that share a tokenizer (a base model and
 * its fine-tune, the default pair) the counts are equal, so the plan is exactly each checkpoint's own.
 */
public final class LayerExtraction {

    /**
     * What happened to the review at {@code position} of the input: its records (one per checkpoint, in
     * checkpoint order) or why not.
     */
    public record Outcome(int position, Review review, List<ActivationRecord> records, Failure failure) {
    }

    /** Why a review has no records: {@code reason} for the dead letter, {@code detail} names the checkpoint and cause. */
    public record Failure(ReviewRejection reason, String detail) {
    }

    private final List<Checkpoint> checkpoints;
    private final MicroBatcher batcher;
    private final ExtractorMetrics metrics;

    public LayerExtraction(List<Checkpoint> checkpoints, MicroBatcher batcher, ExtractorMetrics metrics) {
        this.checkpoints = checkpoints;
        this.batcher = batcher;
        this.metrics = metrics;
    }

    /** One outcome per review, in the order given (equal reviews, e.g. a re-sent one, each get their own). */
    public List<Outcome> extract(List<Review> reviews) {
        List<Outcome> outcomes = new ArrayList<>(reviews.size());
        extract(reviews, outcomes::addAll);
        outcomes.sort(Comparator.comparingInt(Outcome::position));
        return outcomes;
    }

    /**
     * Hands every review's outcome to {@code finished}, on the calling thread, as soon as it is final: first,
     * in one call, the reviews some checkpoint could not tokenize (if any), then one call per micro-batch, in
     * the order they run, right after its last checkpoint. Every input position is handed over exactly once.
     * A {@link Checkpoint.Closed} (shutdown) propagates, possibly after some micro-batches were handed over.
     */
    public void extract(List<Review> reviews, Consumer<List<Outcome>> finished) {
        List<Pending> tokenized = new ArrayList<>(reviews.size());
        List<Outcome> untokenizable = new ArrayList<>();
        for (int r = 0; r < reviews.size(); r++) {
            Pending pending = tokenize(r, reviews.get(r));
            if (pending.failure != null) {
                untokenizable.add(pending.outcome());
            } else {
                tokenized.add(pending);
            }
        }
        if (!untokenizable.isEmpty()) {
            finished.accept(untokenizable);
        }
        for (List<Pending> microBatch : batcher.split(tokenized, Pending::longest)) {
            for (int c = 0; c < checkpoints.size(); c++) {
                // a review that failed on an earlier checkpoint gets no record anyway: not run on the later ones
                List<Pending> alive = microBatch.stream().filter(p -> p.failure == null).toList();
                if (!alive.isEmpty()) {
                    poolBatch(c, alive);
                }
            }
            finished.accept(microBatch.stream().map(Pending::outcome).toList());
        }
    }

    private Pending tokenize(int position, Review review) {
        Pending pending = new Pending(position, review, new TokenizedReview[checkpoints.size()],
                new ActivationRecord[checkpoints.size()]);
        for (int c = 0; c < checkpoints.size(); c++) {
            Checkpoint checkpoint = checkpoints.get(c);
            try {
                pending.tokens[c] = checkpoint.tokenize(review.text());
            } catch (Checkpoint.Closed stopping) {
                throw stopping; // not the review's fault: the batch stays uncommitted and is read again
            } catch (RuntimeException e) {
                pending.failure = new Failure(ReviewRejection.TOKENIZER_FAILED, checkpoint.name() + ": " + e.getMessage());
                break;
            }
        }
        return pending;
    }

    private void poolBatch(int index, List<Pending> batch) {
        Checkpoint checkpoint = checkpoints.get(index);
        float[][] pooled;
        long started = System.nanoTime();
        try {
            pooled = checkpoint.pool(batch.stream().map(p -> p.tokens[index]).toList());
        } catch (Checkpoint.Closed stopping) {
            throw stopping;
        } catch (RuntimeException e) {
            if (batch.size() > 1) { // find the review that breaks the batch; the others still go through
                for (Pending single : batch) {
                    poolBatch(index, List.of(single));
                }
            } else {
                batch.get(0).failure = new Failure(ReviewRejection.INFERENCE_FAILED,
                        checkpoint.name() + ": " + e.getMessage());
            }
            return;
        }
        int tokens = 0;
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            int count = p.tokens[index].tokens();
            tokens += count;
            p.records[index] = new ActivationRecord(p.review.id(), checkpoint.layers(), checkpoint.dim(), count,
                    p.review.label(), checkpoint.fingerprint(), pooled[i]);
        }
        metrics.inference(checkpoint.name(), batch.size(), tokens, System.nanoTime() - started);
    }

    /** A review on its way through the checkpoints; indexed by input position, so equal reviews stay apart. */
    private static final class Pending {
        final int position;
        final Review review;
        final TokenizedReview[] tokens;
        final ActivationRecord[] records;
        Failure failure;

        Pending(int position, Review review, TokenizedReview[] tokens, ActivationRecord[] records) {
            this.position = position;
            this.review = review;
            this.tokens = tokens;
            this.records = records;
        }

        int longest() {
            int longest = 0;
            for (TokenizedReview t : tokens) {
                longest = Math.max(longest, t.tokens());
            }
            return longest;
        }

        Outcome outcome() {
            return failure != null
                    ? new Outcome(position, review, List.of(), failure)
                    : new Outcome(position, review, List.of(records), null);
        }
    }
}
