package dev.ckastream.extractor.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.ckastream.extractor.onnx.OnnxGraph;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The rewrite must not cost ONNX Runtime any of the transformer fusions it applies to the untouched checkpoint: the
 * graphs ORT optimizes (with the service's own session options) from the original and from the rewritten model
 * must have the same count of every op type, except exactly the rewrite's own nodes (per tap one Cast and one
 * pooling MatMul, one Concat). Structural, not timing: a tap placed where it blocks a fusion (e.g. an Add output
 * that a SkipLayerNormalization would absorb) shows as fewer fused ops and more Adds.
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
        Set<String> sanity = new HashSet<>(before.keySet());
        sanity.retainAll(Set.of("LayerNormalization", "SkipLayerNormalization"));
        assertEquals(false, sanity.isEmpty(), "ORT's optimized original has no LayerNorm op at all: " + before);
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
