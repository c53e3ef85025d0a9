package dev.ckastream.extractor.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ckastream.extractor.batch.MicroBatcher;
import dev.ckastream.extractor.checkpoint.Checkpoint;
import dev.ckastream.extractor.contract.ActivationRecord;
import dev.ckastream.extractor.contract.Review;
import dev.ckastream.extractor.observe.ExtractorMetrics;
import dev.ckastream.extractor.tokenize.TokenizedReview;

/**
 * Turns a set of valid reviews into activation records for every checkpoint. A review gets a record for
 * each checkpoint or, if its extraction fails, none and a failure reason: the two halves are never split.
 * Runs on a worker thread (never the event loop).
 */
public final class LayerExtraction {

    /** What happened to each review: its records (one per checkpoint, in checkpoint order) or why not. */
    public record Outcome(Review review, List<ActivationRecord> records, String failure) {
    }

    private final List<Checkpoint> checkpoints;
    private final MicroBatcher batcher;
    private final ExtractorMetrics metrics;

    public LayerExtraction(List<Checkpoint> checkpoints, MicroBatcher batcher, ExtractorMetrics metrics) {
        this.checkpoints = checkpoints;
        this.batcher = batcher;
        this.metrics = metrics;
    }

    public List<Outcome> extract(List<Review> reviews) {
        Map<Review, ActivationRecord[]> records = new LinkedHashMap<>();
        Map<Review, String> failures = new LinkedHashMap<>();
        reviews.forEach(r -> records.put(r, new ActivationRecord[checkpoints.size()]));
        for (int c = 0; c < checkpoints.size(); c++) {
            Checkpoint checkpoint = checkpoints.get(c);
            List<Tokenized> tokenized = new ArrayList<>(reviews.size());
            for (Review review : reviews) {
                if (failures.containsKey(review)) {
                    continue;
                }
                try {
                    tokenized.add(new Tokenized(review, checkpoint.tokenize(review.text())));
                } catch (RuntimeException e) {
                    failures.put(review, "tokenizer-failed: " + checkpoint.name() + ": " + e.getMessage());
                }
            }
            for (List<Tokenized> batch : batcher.split(tokenized, t -> t.tokens.tokens())) {
                poolBatch(checkpoint, c, batch, records, failures);
            }
        }
        List<Outcome> outcomes = new ArrayList<>(reviews.size());
        records.forEach((review, perCheckpoint) -> outcomes.add(failures.containsKey(review)
                ? new Outcome(review, List.of(), failures.get(review))
                : new Outcome(review, List.of(perCheckpoint), null)));
        return outcomes;
    }

    private void poolBatch(Checkpoint checkpoint, int index, List<Tokenized> batch,
            Map<Review, ActivationRecord[]> records, Map<Review, String> failures) {
        float[][] pooled;
        long started = System.nanoTime();
        try {
            pooled = checkpoint.pool(batch.stream().map(t -> t.tokens).toList());
        } catch (RuntimeException e) {
            if (batch.size() > 1) { // find the review that breaks the batch; the others still go through
                for (Tokenized single : batch) {
                    poolBatch(checkpoint, index, List.of(single), records, failures);
                }
            } else {
                failures.put(batch.get(0).review, "inference-failed: " + checkpoint.name() + ": " + e.getMessage());
            }
            return;
        }
        int tokens = 0;
        for (int i = 0; i < batch.size(); i++) {
            Tokenized t = batch.get(i);
            tokens += t.tokens.tokens();
            records.get(t.review)[index] = new ActivationRecord(t.review.id(), checkpoint.layers(), checkpoint.dim(),
                    t.tokens.tokens(), t.review.label(), checkpoint.fingerprint(), pooled[i]);
        }
        metrics.inference(checkpoint.name(), batch.size(), tokens, System.nanoTime() - started);
    }

    private record Tokenized(Review review, TokenizedReview tokens) {
    }
}
