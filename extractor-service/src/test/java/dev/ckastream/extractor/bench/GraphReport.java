package dev.ckastream.extractor.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.ckastream.extractor.model.CheckpointFiles;
import dev.ckastream.extractor.model.PoolingRewrite;
import dev.ckastream.extractor.onnx.LayerNormSearch;
import dev.ckastream.extractor.onnx.OnnxGraph;

/**
 * Profiling aid: what ONNX Runtime's optimizer makes of the original graph and of the service's rewritten
 * (layer-pooling) graph, as op-type counts of the optimized models. Fused ops (Attention,
 * SkipLayerNormalization, BiasGelu, ...) missing on the rewritten side mean the taps cost more than their
 * MatMuls. Usage (with ORT_DISABLE_TELEMETRY=1): GraphReport [classpath:model.onnx | path] ...
 */
public final class GraphReport {

    public static void main(String[] args) throws Exception {
        List<String> models = args.length > 0 ? List.of(args)
                : List.of("classpath:bge-small-en.onnx", "classpath:bge-small-en-v1.5.onnx");
        Path dir = Files.createTempDirectory("graph-report-");
        for (String location : models) {
            byte[] original = CheckpointFiles.readModel(location);
            OnnxGraph graph = OnnxGraph.parse(original);
            List<String> taps = LayerNormSearch.taps(LayerNormSearch.layerNormOutputs(graph));
            byte[] rewritten = PoolingRewrite.apply(location, graph, taps);
            System.out.println(location + ": " + taps.size() + " taps");
            Map<String, Integer> a = optimizedOps(original, dir.resolve("original.onnx"));
            Map<String, Integer> b = optimizedOps(rewritten, dir.resolve("rewritten.onnx"));
            TreeMap<String, Integer> keys = new TreeMap<>(a);
            b.keySet().forEach(k -> keys.putIfAbsent(k, 0));
            System.out.printf("  %-32s %9s %9s%n", "optimized op type", "original", "rewritten");
            for (String k : keys.keySet()) {
                System.out.printf("  %-32s %9d %9d%s%n", k, a.getOrDefault(k, 0), b.getOrDefault(k, 0),
                        a.getOrDefault(k, 0).equals(b.getOrDefault(k, 0)) ? "" : "   <--");
            }
        }
        Files.deleteIfExists(dir.resolve("original.onnx"));
        Files.deleteIfExists(dir.resolve("rewritten.onnx"));
        Files.delete(dir);
    }

    private static Map<String, Integer> optimizedOps(byte[] model, Path out) throws Exception {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizedModelFilePath(out.toString());
            OrtEnvironment.getEnvironment().createSession(model, o).close();
        }
        Map<String, Integer> counts = new TreeMap<>();
        OnnxGraph.parse(Files.readAllBytes(out)).nodes().forEach(n -> counts.merge(n.opType(), 1, Integer::sum));
        return counts;
    }
}
