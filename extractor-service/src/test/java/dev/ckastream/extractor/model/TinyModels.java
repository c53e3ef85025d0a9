package dev.ckastream.extractor.model;

import dev.ckastream.extractor.model.ProtoWire.Writer;

import java.util.List;

import static dev.ckastream.extractor.model.OnnxGraph.*;

/** Tiny synthetic BERT-like ONNX graphs built with the project's own protobuf writer. */
final class TinyModels {

    static final int VOCAB = 16;
    static final int DIM = 4;

    private TinyModels() {
    }

    private static float[] values(int n, float scale, float offset) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = offset + scale * (float) Math.sin(1.7 * i + 0.3);
        }
        return v;
    }

    /**
     * input_ids → Gather → LayerNormalization (ln0) → Mul → SkipLayerNormalization (ln1) → Mul →
     * LayerNormalization (last_hidden_state). With {@code threeLayerNorms == false} the last LN is left out and
     * the graph output is ln1, giving an even LayerNorm count. {@code blockPrefix} is put into node names
     * (e.g. "/encoder/layer.1/") so that the graph names blocks.
     */
    static byte[] model(boolean threeLayerNorms, String blockPrefix) {
        Writer g = new Writer();
        g.message(GRAPH_NODE, OnnxProtos.node("/embeddings/Gather", "Gather", "", List.of("W", "input_ids"), List.of("e")));
        g.message(GRAPH_NODE, OnnxProtos.node("/embeddings/LayerNorm", "LayerNormalization", "",
                List.of("e", "gamma", "beta"), List.of("ln0")));
        g.message(GRAPH_NODE, OnnxProtos.node(blockPrefix + "attn/Mul", "Mul", "", List.of("ln0", "c"), List.of("m1")));
        g.message(GRAPH_NODE, OnnxProtos.node(blockPrefix + "attn/SkipLayerNorm", "SkipLayerNormalization", "com.microsoft",
                List.of("m1", "ln0", "gamma", "beta"), List.of("ln1")));
        String out = "ln1";
        if (threeLayerNorms) {
            g.message(GRAPH_NODE, OnnxProtos.node(blockPrefix + "ffn/Mul", "Mul", "", List.of("ln1", "c"), List.of("m2")));
            g.message(GRAPH_NODE, OnnxProtos.node(blockPrefix + "ffn/LayerNorm", "LayerNormalization", "",
                    List.of("m2", "gamma", "beta"), List.of("last_hidden_state")));
            out = "last_hidden_state";
        }
        g.string(GRAPH_NAME, "tiny");
        g.message(GRAPH_INITIALIZER, OnnxProtos.floatTensor("W", new long[] {VOCAB, DIM}, values(VOCAB * DIM, 1.5f, 0.1f)));
        g.message(GRAPH_INITIALIZER, OnnxProtos.floatTensor("gamma", new long[] {DIM}, values(DIM, 0.3f, 1f)));
        g.message(GRAPH_INITIALIZER, OnnxProtos.floatTensor("beta", new long[] {DIM}, values(DIM, 0.2f, 0f)));
        g.message(GRAPH_INITIALIZER, OnnxProtos.floatTensor("c", new long[] {DIM}, values(DIM, 2f, 0.5f)));
        g.message(GRAPH_INITIALIZER, OnnxProtos.floatTensor("embeddings.position_embeddings.weight", new long[] {8, DIM},
                values(8 * DIM, 1f, 0f)));
        g.message(GRAPH_INPUT, OnnxProtos.tensorValueInfo("input_ids", INT64, List.of("batch", "sequence")));
        g.message(GRAPH_OUTPUT, OnnxProtos.tensorValueInfo(out, FLOAT, List.of("batch", "sequence", (long) DIM)));
        return OnnxProtos.model(8, g, OnnxProtos.opset("", 17), OnnxProtos.opset("com.microsoft", 1));
    }
}
