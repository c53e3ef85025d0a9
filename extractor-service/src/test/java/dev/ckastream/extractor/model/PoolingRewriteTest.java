package dev.ckastream.extractor.model;

import dev.ckastream.extractor.onnx.LayerNormSearch;
import dev.ckastream.extractor.onnx.OnnxGraph;
import dev.ckastream.extractor.onnx.TinyModels;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The graph rewrite (taps and pooling) on a real checkpoint, and what the loader reads from a graph. */
class PoolingRewriteTest {

    @Test
    void realModelRewriteKeepsTheOriginalAndAddsPoolingNodes() {
        byte[] bytes = CheckpointFiles.readModel("classpath:all-minilm-l6-v2-q.onnx");
        byte[] copy = bytes.clone();
        OnnxGraph g = OnnxGraph.parse(bytes);
        List<String> taps = LayerNormSearch.taps(LayerNormSearch.layerNormOutputs(g));
        assertEquals(7, taps.size());
        assertEquals(6, LayerNormSearch.blockCountFromNames(g));
        byte[] rewritten = PoolingRewrite.apply("q", g, taps);
        assertArrayEquals(copy, bytes, "input bytes untouched");
        OnnxGraph r = OnnxGraph.parse(rewritten);
        assertEquals(g.nodes().size() + 2 * 7 + 1, r.nodes().size());
        assertEquals(g.initializers().keySet(), r.initializers().keySet());
        assertEquals(g.opsets(), r.opsets());
        assertEquals(PoolingRewrite.POOL_WEIGHTS, r.inputs().get(r.inputs().size() - 1).name());
        assertEquals(g.outputs().size() + 1 + 7, r.outputs().size());
        assertEquals(List.of("ckastream_batch", 1L, "ckastream_sequence"), r.inputs().get(3).dims());
        // the original graph's nodes are unchanged and in the same order
        for (int i = 0; i < g.nodes().size(); i++) {
            assertEquals(g.nodes().get(i), r.nodes().get(i));
        }
        OnnxGraph.Node concat = r.nodes().get(r.nodes().size() - 1);
        assertEquals("Concat", concat.opType());
        assertEquals(7, concat.inputs().size());
    }


    @Test
    void positionLimitComesFromThePositionEmbeddingInitializer() {
        assertEquals(8, CheckpointGraph.maxPositions(OnnxGraph.parse(TinyModels.model(true, "/encoder/layer.0/"))));
        assertEquals(CheckpointGraph.DEFAULT_MAX_POSITIONS, CheckpointGraph.maxPositions(OnnxGraph.parse(TinyModels.decomposedModel(1))));
    }
}
