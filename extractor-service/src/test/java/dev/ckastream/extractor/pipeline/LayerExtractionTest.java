package dev.ckastream.extractor.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.contract.ActivationRecord;
import dev.ckastream.contract.Review;
import dev.ckastream.contract.ReviewRejection;
import dev.ckastream.extractor.batch.MicroBatcher;
import dev.ckastream.extractor.checkpoint.Checkpoint;
import dev.ckastream.extractor.model.ExecutionSettings;
import dev.ckastream.extractor.model.LayerPoolingModel;
import dev.ckastream.extractor.observe.ExtractorMetrics;
import dev.ckastream.extractor.onnx.TinyModels;
import dev.ckastream.extractor.tokenize.ReviewTokenizer;
import dev.ckastream.extractor.tokenize.TokenizedReview;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The micro-batch API of {@link LayerExtraction} on two tiny synthetic checkpoints (vocabulary of 16, 8 positions)
 * with word-level tokenizers written here: "first" splits on whitespace only, "second" also at punctuation, so
 * "a-b-c" is 1 token for the first and 5 for the second. The second maps "boom" to id 99, outside its model's
 * 16-row embedding, so ONNX Runtime's Gather fails on that review there and only there.
 */
class LayerExtractionTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static Checkpoint first;
    private static Checkpoint second;
    private static List<Checkpoint> both;
    /** The first checkpoint's model and tokenizer again, under another name: a third checkpoint. */
    private static Checkpoint firstAgain;

    @BeforeAll
    static void load() throws Exception {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List.of("[UNK]", "a", "b", "c", "d", "e", "f", "g", "-", "boom").forEach(w -> vocab.put(w, vocab.size()));
        first = checkpoint("first", "", "WhitespaceSplit", vocab);
        Map<String, Integer> secondVocab = new LinkedHashMap<>(vocab);
        secondVocab.put("boom", 99);
        second = checkpoint("second", "/encoder/layer.0/", "Whitespace", secondVocab);
        both = List.of(first, second);
        firstAgain = checkpoint("first-again", "", "WhitespaceSplit", vocab);
    }

    @AfterAll
    static void close() {
        both.forEach(Checkpoint::close);
        firstAgain.close();
    }

    /** Collects what the extraction hands over, with how many inference calls each checkpoint had made by then. */
    private static final class Handed {
        final List<List<LayerExtraction.Outcome>> calls = new ArrayList<>();
        final List<List<Long>> callsMadeBefore = new ArrayList<>();
    }

    @Test
    void eachMicroBatchIsHandedOverRightAfterItsLastCheckpointInRunOrder() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LayerExtraction extraction = new LayerExtraction(both, new MicroBatcher(1024, 2, 100), new ExtractorMetrics(registry));
        // lengths (both checkpoints): 3, 1, 4, 2, 1, 3 words
        List<Review> input = List.of(review("r0", "a b c"), review("r1", "d"), review("r2", "a b c d"),
                review("r3", "e f"), review("r4", "g"), review("r5", "b c d"));
        Handed handed = new Handed();
        extraction.extract(input, outcomes -> {
            handed.calls.add(outcomes);
            handed.callsMadeBefore.add(List.of(calls(registry, "first"), calls(registry, "second")));
        });

        assertEquals(3, handed.calls.size(), "6 reviews, at most 2 per micro-batch: " + ids(handed));
        assertEquals(List.of(List.of("r1", "r4"), List.of("r3", "r0"), List.of("r5", "r2")), ids(handed),
                "shortest first, stable among equal lengths");
        for (int k = 0; k < handed.calls.size(); k++) {
            assertEquals(List.of(k + 1L, k + 1L), handed.callsMadeBefore.get(k),
                    "micro-batch " + k + " is handed over after both checkpoints ran it and before the next one ran");
        }
        List<Integer> positions = handed.calls.stream().flatMap(List::stream).map(LayerExtraction.Outcome::position)
                .sorted().toList();
        assertEquals(IntStream.range(0, input.size()).boxed().toList(), positions, "every position exactly once");
        for (LayerExtraction.Outcome outcome : handed.calls.stream().flatMap(List::stream).toList()) {
            assertSame(input.get(outcome.position()), outcome.review());
            assertNull(outcome.failure());
            assertRecordsAreTheReviewComputedAlone(outcome);
        }
    }

    @Test
    void aReviewThatFailsOnTheSecondCheckpointGetsNoRecordAtAllAndItsMicroBatchGoesOn() {
        LayerExtraction extraction = new LayerExtraction(both, new MicroBatcher(1024, 8, 0),
                new ExtractorMetrics(new SimpleMeterRegistry()));
        List<Review> input = List.of(review("ok-1", "a b"), review("bad", "a boom"), review("ok-2", "c d"));
        Handed handed = new Handed();
        extraction.extract(input, handed.calls::add);

        assertEquals(1, handed.calls.size(), "one micro-batch, handed over once with the failure in it");
        Map<String, LayerExtraction.Outcome> byId = handed.calls.get(0).stream()
                .collect(Collectors.toMap(o -> o.review().id(), o -> o));
        assertEquals(3, byId.size());
        LayerExtraction.Outcome bad = byId.get("bad");
        assertEquals(List.of(), bad.records(), "no half: the first checkpoint's record is not handed over either");
        assertNotNull(bad.failure());
        assertEquals(ReviewRejection.INFERENCE_FAILED, bad.failure().reason());
        assertTrue(bad.failure().detail().startsWith("second: "), bad.failure().detail());
        for (String id : List.of("ok-1", "ok-2")) {
            assertNull(byId.get(id).failure(), id);
            assertRecordsAreTheReviewComputedAlone(byId.get(id));
        }
    }

    @Test
    void untokenizableReviewsComeFirstInOneCallWithoutInference() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LayerExtraction extraction = new LayerExtraction(both, new MicroBatcher(1024, 8, 0), new ExtractorMetrics(registry));
        // whitespace only: no token at all (these tokenizers add no special tokens), which no model can run
        List<Review> input = List.of(review("fine", "a b"), review("empty", "   "));
        Handed handed = new Handed();
        extraction.extract(input, outcomes -> {
            handed.calls.add(outcomes);
            handed.callsMadeBefore.add(List.of(calls(registry, "first"), calls(registry, "second")));
        });
        assertEquals(List.of(List.of("empty"), List.of("fine")), ids(handed));
        assertEquals(List.of(0L, 0L), handed.callsMadeBefore.get(0), "handed over before any inference");
        LayerExtraction.Outcome empty = handed.calls.get(0).get(0);
        assertEquals(1, empty.position());
        assertEquals(ReviewRejection.TOKENIZER_FAILED, empty.failure().reason());
        assertTrue(empty.failure().detail().startsWith("first: "), empty.failure().detail());
        assertEquals(List.of(), empty.records());

        // the list form: input order, whatever the run order
        List<LayerExtraction.Outcome> inOrder = extraction.extract(input);
        assertEquals(List.of("fine", "empty"), inOrder.stream().map(o -> o.review().id()).toList());
    }

    @Test
    void microBatchesArePlannedByTheLongestTokenizationSoTheBudgetHoldsOnEveryCheckpoint() {
        int budget = 8;
        LayerExtraction extraction = new LayerExtraction(both, new MicroBatcher(budget, 8, 1),
                new ExtractorMetrics(new SimpleMeterRegistry()));
        // "a-b-c-d": 1 token for the first checkpoint, 7 for the second. By the first's counts alone all three
        // reviews would share one call, which pads the second's to 3 x 7 = 21 tokens.
        List<Review> input = List.of(review("hyphens", "a-b-c-d"), review("short-1", "a"), review("short-2", "b"));
        Handed handed = new Handed();
        extraction.extract(input, handed.calls::add);
        assertEquals(List.of(List.of("short-1", "short-2"), List.of("hyphens")), ids(handed));
        for (List<LayerExtraction.Outcome> microBatch : handed.calls) {
            for (int c = 0; c < both.size(); c++) {
                final int checkpoint = c;
                int longest = microBatch.stream().mapToInt(o -> o.records().get(checkpoint).tokens()).max().orElseThrow();
                assertTrue(microBatch.size() * longest <= budget, "padded tokens on " + both.get(c).name() + ": "
                        + microBatch.size() + " x " + longest);
            }
            microBatch.forEach(LayerExtractionTest::assertRecordsAreTheReviewComputedAlone);
        }
        assertEquals(1, handed.calls.get(1).get(0).records().get(0).tokens());
        assertEquals(7, handed.calls.get(1).get(0).records().get(1).tokens());
    }

    @Test
    void threeCheckpointsGiveThreeRecordsPerReviewInOrderOrNoneAtAll() {
        List<Checkpoint> three = List.of(first, firstAgain, second);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LayerExtraction extraction = new LayerExtraction(three, new MicroBatcher(1024, 2, 0), new ExtractorMetrics(registry));
        List<Review> input = List.of(review("r0", "a b c"), review("bad", "a boom"), review("r2", "d"),
                review("r3", "e f g"), review("empty", "  "));
        Handed handed = new Handed();
        extraction.extract(input, outcomes -> {
            handed.calls.add(outcomes);
            handed.callsMadeBefore.add(List.of(calls(registry, "first"), calls(registry, "first-again"),
                    calls(registry, "second")));
        });

        List<LayerExtraction.Outcome> all = handed.calls.stream().flatMap(List::stream).toList();
        assertEquals(IntStream.range(0, input.size()).boxed().toList(),
                all.stream().map(LayerExtraction.Outcome::position).sorted().toList(), "every position exactly once");
        // lengths 3, 2, 1, 3 tokens, at most 2 per micro-batch; the untokenizable one first, before any inference
        assertEquals(List.of(List.of("empty"), List.of("r2"), List.of("bad"), List.of("r0", "r3")), ids(handed));
        // successful calls per checkpoint (first, first-again, second) when each micro-batch is handed over: after
        // every checkpoint ran it, before the next one ran; "bad" fails on second, so second counts no call for it
        assertEquals(List.of(List.of(0L, 0L, 0L), List.of(1L, 1L, 1L), List.of(2L, 2L, 1L), List.of(3L, 3L, 2L)),
                handed.callsMadeBefore);
        Map<String, LayerExtraction.Outcome> byId = all.stream().collect(Collectors.toMap(o -> o.review().id(), o -> o));
        LayerExtraction.Outcome bad = byId.get("bad");
        assertEquals(ReviewRejection.INFERENCE_FAILED, bad.failure().reason());
        assertTrue(bad.failure().detail().startsWith("second: "), bad.failure().detail());
        assertEquals(List.of(), bad.records(), "the two checkpoints it passed give no record either");
        assertEquals(ReviewRejection.TOKENIZER_FAILED, byId.get("empty").failure().reason());
        assertEquals(List.of(), byId.get("empty").records());

        for (String id : List.of("r0", "r2", "r3")) {
            LayerExtraction.Outcome ok = byId.get(id);
            assertNull(ok.failure(), id);
            assertEquals(3, ok.records().size(), id);
            for (int c = 0; c < three.size(); c++) {
                Checkpoint checkpoint = three.get(c);
                ActivationRecord record = ok.records().get(c);
                assertEquals(checkpoint.fingerprint(), record.model(), "records in checkpoint order: " + id);
                TokenizedReview alone = checkpoint.tokenize(ok.review().text());
                assertArrayEquals(checkpoint.pool(List.of(alone))[0], record.pooled(), 1e-6f, id + " on " + checkpoint.name());
            }
            // the same model and tokenizer under two names: the same inputs, hence bit-identical vectors
            assertArrayEquals(ok.records().get(0).pooled(), ok.records().get(1).pooled(), "first vs first-again: " + id);
        }
    }

    private static void assertRecordsAreTheReviewComputedAlone(LayerExtraction.Outcome outcome) {
        assertEquals(both.size(), outcome.records().size(), outcome.review().id());
        for (int c = 0; c < both.size(); c++) {
            ActivationRecord record = outcome.records().get(c);
            Checkpoint checkpoint = both.get(c);
            TokenizedReview alone = checkpoint.tokenize(outcome.review().text());
            assertEquals(outcome.review().id(), record.reviewId());
            assertEquals(alone.tokens(), record.tokens(), checkpoint.name());
            assertEquals(checkpoint.fingerprint(), record.model(), "records in checkpoint order");
            assertArrayEquals(checkpoint.pool(List.of(alone))[0], record.pooled(), 1e-6f,
                    outcome.review().id() + " on " + checkpoint.name());
        }
    }

    private static long calls(SimpleMeterRegistry registry, String checkpoint) {
        var timer = registry.find("ckastream.extractor.inference").tag("checkpoint", checkpoint).timer();
        return timer == null ? 0 : timer.count();
    }

    private static List<List<String>> ids(Handed handed) {
        return handed.calls.stream().map(call -> call.stream().map(o -> o.review().id()).toList()).toList();
    }

    private static Review review(String id, String text) {
        return new Review(id, text, null);
    }

    /** A tiny checkpoint whose tokenizer is a HuggingFace WordLevel tokenizer.json over {@code vocab}. */
    private static Checkpoint checkpoint(String name, String blockPrefix, String preTokenizer, Map<String, Integer> vocab) throws Exception {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", "1.0");
        json.put("truncation", null);
        json.put("padding", null);
        json.put("added_tokens", List.of());
        json.put("normalizer", null);
        json.put("pre_tokenizer", Map.of("type", preTokenizer));
        json.put("post_processor", null);
        json.put("decoder", null);
        json.put("model", Map.of("type", "WordLevel", "vocab", vocab, "unk_token", "[UNK]"));
        Path file = dir.resolve(name + "-tokenizer.json");
        Files.write(file, JSON.writeValueAsBytes(json));
        // Different block names give the two checkpoints different bytes, hence different fingerprints.
        LayerPoolingModel model = LayerPoolingModel.load(name, TinyModels.model(true, blockPrefix),
                ExecutionSettings.cpu(1));
        return new Checkpoint(name, ReviewTokenizer.load(file, model.maxPositions()), model);
    }
}
