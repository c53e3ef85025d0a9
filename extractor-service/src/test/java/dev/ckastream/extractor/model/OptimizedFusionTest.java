package dev.ckastream.extractor.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.ckastream.extractor.onnx.OnnxGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The rewrite must not cost ONNX Runtime any of the transformer fusions it applies to the untouched checkpoint: the
 * graphs ORT optimizes (with the service's own session options) from the original and from the rewritten model
 * must have the same count of every op type, except exactly the rewrite's own nodes (per tap one Cast and one
 * pooling MatMul, one Concat), and the graph the service runs (only the pooled output exposed) not even the
 * Casts. Structural, not timing: a tap placed where it blocks a fusion (a tensor inside a
 * decomposed LayerNorm, or an Add a SkipLayerNormalization would absorb) shows as fewer fused ops.
 */
class OptimizedFusionTest {

    /** Op types ORT's CPU transformer fusions produce; listed in the failure message. */
    private static final List<String> FUSED = List.of("Attention", "MultiHeadAttention", "EmbedLayerNormalization",
            "SkipLayerNormalization", "LayerNormalization", "SimplifiedLayerNormalization", "BiasGelu", "FastGelu",
            "Gelu", "QuickGelu", "FusedMatMul", "FusedGemm", "MatMulNBits");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} at {1}")
    @CsvSource({"bge-small-en, ALL_OPT", "bge-small-en, EXTENDED_OPT",
            "bge-small-en-v1.5, ALL_OPT", "bge-small-en-v1.5, EXTENDED_OPT"})
    void rewrittenGraphKeepsEveryFusionOfTheOriginal(String checkpoint, OptLevel level) throws Exception {
        byte[] original = CheckpointFiles.readModel("classpath:" + checkpoint + ".onnx");
        CheckpointGraph graph = CheckpointGraph.read(checkpoint, original, List.of());
        int taps = graph.taps().size();
        byte[] rewritten = PoolingRewrite.apply(checkpoint, graph.graph(), graph.taps());

        Map<String, Integer> before = optimizedOpCounts(original, level, dir.resolve("original.onnx"));
        Map<String, Integer> after = optimizedOpCounts(rewritten, level, dir.resolve("rewritten.onnx"));

        Map<String, Integer> expected = new TreeMap<>(before);
        expected.merge("Cast", taps, Integer::sum);
        expected.merge("MatMul", taps, Integer::sum);
        expected.merge("Concat", 1, Integer::sum);
        Map<String, Integer> fusedBefore = new TreeMap<>();
        Map<String, Integer> fusedAfter = new TreeMap<>();
        for (String op : FUSED) {
            fusedBefore.put(op, before.getOrDefault(op, 0));
            fusedAfter.put(op, after.getOrDefault(op, 0));
        }
        assertEquals(fusedBefore, fusedAfter, checkpoint + " fused ops, original vs rewritten (" + level + ")");
        assertEquals(expected, after, checkpoint + ": optimized rewritten graph = optimized original + the rewrite's"
                + " own " + taps + " Cast, " + taps + " MatMul and 1 Concat (" + level + ")");
        // The graph the service runs exposes only the pooled output: ORT then drops the 13 float-to-float Casts,
        // which the taps exposed for the self-check keep (a copy of every layer's hidden state per call).
        byte[] served = PoolingRewrite.applyPooledOnly(checkpoint, graph.graph(), graph.taps());
        Map<String, Integer> servedCounts = optimizedOpCounts(served, level, dir.resolve("served.onnx"));
        Map<String, Integer> expectedServed = new TreeMap<>(before);
        expectedServed.merge("MatMul", taps, Integer::sum);
        expectedServed.merge("Concat", 1, Integer::sum);
        assertEquals(expectedServed, servedCounts, checkpoint + ": optimized served graph = optimized original + "
                + taps + " pooling MatMul and 1 Concat, no Cast (" + level + ")");
        Set<String> sanity = new HashSet<>(before.keySet());
        sanity.retainAll(Set.of("LayerNormalization", "SkipLayerNormalization"));
        assertFalse(sanity.isEmpty(), "ORT's optimized original has no LayerNorm op at all: " + before);
    }

    /** The comparison sees a lost fusion: a tap inside one block's decomposed LayerNorm keeps ORT from fusing it. */
    @Test
    void aTapInsideALayerNormPatternShowsAsALostFusion() throws Exception {
        byte[] original = CheckpointFiles.readModel("classpath:bge-small-en.onnx");
        CheckpointGraph graph = CheckpointGraph.read("bge-small-en", original, List.of());
        List<String> taps = new ArrayList<>(graph.taps());
        String centred = graph.graph().nodes().stream()
                .filter(n -> n.name().equals("/encoder/layer.3/output/LayerNorm/Sub")).findFirst()
                .orElseThrow(() -> new AssertionError("bge-small-en has no node /encoder/layer.3/output/LayerNorm/Sub"))
                .outputs().get(0);
        taps.set(4, centred); // x - mean(x) of block 3's output LayerNorm, same [batch, seq, 384] shape as a tap
        byte[] rewritten = PoolingRewrite.apply("bge-small-en", graph.graph(), taps);

        Map<String, Integer> before = optimizedOpCounts(original, OptLevel.ALL_OPT, dir.resolve("original.onnx"));
        Map<String, Integer> after = optimizedOpCounts(rewritten, OptLevel.ALL_OPT, dir.resolve("rewritten.onnx"));
        assertEquals(before.get("LayerNormalization") - 1, after.get("LayerNormalization"), after.toString());
    }

    private static Map<String, Integer> optimizedOpCounts(byte[] model, OptLevel level, Path out) throws Exception {
        try (OrtSession.SessionOptions options = PoolingSession.sessionOptions(ExecutionSettings.cpu())) {
            options.setOptimizationLevel(level);
            options.setOptimizedModelFilePath(out.toString());
            OrtEnvironment.getEnvironment().createSession(model, options).close();
        }
        Map<String, Integer> counts = new TreeMap<>();
        OnnxGraph.parse(Files.readAllBytes(out)).nodes().forEach(n -> counts.merge(n.opType(), 1, Integer::sum));
        return counts;
    }
}
