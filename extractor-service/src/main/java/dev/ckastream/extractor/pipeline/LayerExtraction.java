package dev.ckastream.extractor.pipeline;

import java.util.ArrayList;
import java.util.List;

import dev.ckastream.extractor.batch.MicroBatcher;
import dev.ckastream.extractor.checkpoint.Checkpoint;
import dev.ckastream.contract.ActivationRecord;
import dev.ckastream.contract.Review;
import dev.ckastream.contract.ReviewRejection;
import dev.ckastream.extractor.observe.ExtractorMetrics;
import dev.ckastream.extractor.tokenize.TokenizedReview;

/**
 * Turns a set of valid reviews into activation records for every checkpoint. A review gets a record for
 * each checkpoint or, if its extraction fails, none and a failure reason: the two halves are never split.
 * Runs on a worker thread (never the event loop).
 */
public final class LayerExtraction {

    /** What happened to each review: its records (one per checkpoint, in checkpoint order) or why not. */
    public record Outcome(Review review, List<ActivationRecord> records, Failure failure) {
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
        // Indexed by position, not keyed by Review: equal records would otherwise collapse into one entry.
        ActivationRecord[][] records = new ActivationRecord[reviews.size()][checkpoints.size()];
        Failure[] failures = new Failure[reviews.size()];
        for (int c = 0; c < checkpoints.size(); c++) {
            Checkpoint checkpoint = checkpoints.get(c);
            List<Tokenized> tokenized = new ArrayList<>(reviews.size());
            for (int r = 0; r < reviews.size(); r++) {
                Review review = reviews.get(r);
                if (failures[r] != null) {
                    continue;
                }
                try {
                    tokenized.add(new Tokenized(review, r, checkpoint.tokenize(review.text())));
                } catch (Checkpoint.Closed stopping) {
                    throw stopping; // not the reviews' fault: the batch stays uncommitted and is read again
                } catch (RuntimeException e) {
                    failures[r] = new Failure(ReviewRejection.TOKENIZER_FAILED, checkpoint.name() + ": " + e.getMessage());
                }
            }
            for (List<Tokenized> batch : batcher.split(tokenized, t -> t.tokens.tokens())) {
                poolBatch(checkpoint, c, batch, records, failures);
            }
        }
        List<Outcome> outcomes = new ArrayList<>(reviews.size());
        for (int r = 0; r < reviews.size(); r++) {
            outcomes.add(failures[r] != null
                    ? new Outcome(reviews.get(r), List.of(), failures[r])
                    : new Outcome(reviews.get(r), List.of(records[r]), null));
        }
        return outcomes;
    }

    private void poolBatch(Checkpoint checkpoint, int index, List<Tokenized> batch,
            ActivationRecord[][] records, Failure[] failures) {
        float[][] pooled;
        long started = System.nanoTime();
        try {
            pooled = checkpoint.pool(batch.stream().map(t -> t.tokens).toList());
        } catch (Checkpoint.Closed stopping) {
            throw stopping;
        } catch (RuntimeException e) {
            if (batch.size() > 1) { // find the review that breaks the batch; the others still go through
                for (Tokenized single : batch) {
                    poolBatch(checkpoint, index, List.of(single), records, failures);
                }
            } else {
                failures[batch.get(0).position] = new Failure(ReviewRejection.INFERENCE_FAILED,
                        checkpoint.name() + ": " + e.getMessage());
            }
            return;
        }
        int tokens = 0;
        for (int i = 0; i < batch.size(); i++) {
            Tokenized t = batch.get(i);
            tokens += t.tokens.tokens();
            records[t.position][index] = new ActivationRecord(t.review.id(), checkpoint.layers(), checkpoint.dim(),
                    t.tokens.tokens(), t.review.label(), checkpoint.fingerprint(), pooled[i]);
        }
        metrics.inference(checkpoint.name(), batch.size(), tokens, System.nanoTime() - started);
    }

    private record Tokenized(Review review, int position, TokenizedReview tokens) {
    }
}
