package dev.ckastream.extractor.onnx;

import dev.ckastream.extractor.onnx.ProtoWire.Writer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static dev.ckastream.extractor.onnx.OnnxGraph.*;

/** Tiny synthetic BERT-like ONNX graphs built with the project's own protobuf writer and ONNX encoders. */
public final class TinyModels {

    private static final int VOCAB = 16;
    public static final int DIM = 4;

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
    public static byte[] model(boolean threeLayerNorms, String blockPrefix) {
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
        g.message(GRAPH_INITIALIZER, floatTensor("W", new long[] {VOCAB, DIM}, values(VOCAB * DIM, 1.5f, 0.1f)));
        g.message(GRAPH_INITIALIZER, floatTensor("gamma", new long[] {DIM}, values(DIM, 0.3f, 1f)));
        g.message(GRAPH_INITIALIZER, floatTensor("beta", new long[] {DIM}, values(DIM, 0.2f, 0f)));
        g.message(GRAPH_INITIALIZER, floatTensor("c", new long[] {DIM}, values(DIM, 2f, 0.5f)));
        g.message(GRAPH_INITIALIZER, floatTensor("embeddings.position_embeddings.weight", new long[] {8, DIM},
                values(8 * DIM, 1f, 0f)));
        g.message(GRAPH_INPUT, OnnxProtos.tensorValueInfo("input_ids", INT64, List.of("batch", "sequence")));
        g.message(GRAPH_OUTPUT, OnnxProtos.tensorValueInfo(out, FLOAT, List.of("batch", "sequence", (long) DIM)));
        return model(8, g, opset("", 17), opset("com.microsoft", 1));
    }

    /** Appends a decomposed LayerNorm x → out; {@code reciprocal} uses Mul(d, Reciprocal(Sqrt)) instead of Div. */
    private static void decomposedLayerNorm(Writer g, String p, String x, String out, boolean reciprocal) {
        g.message(GRAPH_NODE, OnnxProtos.node(p + "ReduceMean", "ReduceMean", "", List.of(x), List.of(p + "mean"),
                intsAttribute("axes", -1)));
        g.message(GRAPH_NODE, OnnxProtos.node(p + "Sub", "Sub", "", List.of(x, p + "mean"), List.of(p + "d")));
        g.message(GRAPH_NODE, OnnxProtos.node(p + "Pow", "Pow", "", List.of(p + "d", "two"), List.of(p + "sq")));
        g.message(GRAPH_NODE, OnnxProtos.node(p + "ReduceMean_1", "ReduceMean", "", List.of(p + "sq"), List.of(p + "var"),
                intsAttribute("axes", -1)));
        g.message(GRAPH_NODE, OnnxProtos.node(p + "Add", "Add", "", List.of(p + "var", "eps"), List.of(p + "vare")));
        g.message(GRAPH_NODE, OnnxProtos.node(p + "Sqrt", "Sqrt", "", List.of(p + "vare"), List.of(p + "std")));
        if (reciprocal) {
            g.message(GRAPH_NODE, OnnxProtos.node(p + "Reciprocal", "Reciprocal", "", List.of(p + "std"), List.of(p + "inv")));
            g.message(GRAPH_NODE, OnnxProtos.node(p + "Div", "Mul", "", List.of(p + "d", p + "inv"), List.of(p + "n")));
        } else {
            g.message(GRAPH_NODE, OnnxProtos.node(p + "Div", "Div", "", List.of(p + "d", p + "std"), List.of(p + "n")));
        }
        g.message(GRAPH_NODE, OnnxProtos.node(p + "Mul", "Mul", "", List.of(p + "n", "gamma"), List.of(p + "g")));
        g.message(GRAPH_NODE, OnnxProtos.node(p + "Add_1", "Add", "", List.of(p + "g", "beta"), List.of(out)));
    }

    /**
     * Embedding Gather + {@code blocks} post-LN blocks, all LayerNorms decomposed (alternating Div and
     * Reciprocal forms), with input_ids and attention_mask inputs (the mask is unused by this toy).
     */
    public static byte[] decomposedModel(int blocks) {
        Writer g = new Writer();
        g.message(GRAPH_NODE, OnnxProtos.node("/embeddings/Gather", "Gather", "", List.of("W", "input_ids"), List.of("e")));
        decomposedLayerNorm(g, "/embeddings/LayerNorm/", "e", "h0", false);
        String h = "h0";
        for (int b = 0; b < blocks; b++) {
            String p = "/encoder/layer." + b + "/";
            g.message(GRAPH_NODE, OnnxProtos.node(p + "attention/Mul", "Mul", "", List.of(h, "c"), List.of(p + "a")));
            g.message(GRAPH_NODE, OnnxProtos.node(p + "attention/Add", "Add", "", List.of(p + "a", h), List.of(p + "ar")));
            decomposedLayerNorm(g, p + "attention/output/LayerNorm/", p + "ar", p + "aln", true);
            g.message(GRAPH_NODE, OnnxProtos.node(p + "output/Tanh", "Tanh", "", List.of(p + "aln"), List.of(p + "f")));
            g.message(GRAPH_NODE, OnnxProtos.node(p + "output/Add", "Add", "", List.of(p + "f", p + "aln"), List.of(p + "fr")));
            String out = b == blocks - 1 ? "last_hidden_state" : p + "out";
            decomposedLayerNorm(g, p + "output/LayerNorm/", p + "fr", out, false);
            h = out;
        }
        g.message(GRAPH_INITIALIZER, floatTensor("W", new long[] {VOCAB, DIM}, values(VOCAB * DIM, 1.5f, 0.1f)));
        g.message(GRAPH_INITIALIZER, floatTensor("gamma", new long[] {DIM}, values(DIM, 0.3f, 1f)));
        g.message(GRAPH_INITIALIZER, floatTensor("beta", new long[] {DIM}, values(DIM, 0.2f, 0f)));
        g.message(GRAPH_INITIALIZER, floatTensor("c", new long[] {DIM}, values(DIM, 2f, 0.5f)));
        g.message(GRAPH_INITIALIZER, floatTensor("two", new long[] {}, new float[] {2f}));
        g.message(GRAPH_INITIALIZER, floatTensor("eps", new long[] {}, new float[] {1e-12f}));
        g.message(GRAPH_INPUT, OnnxProtos.tensorValueInfo("input_ids", INT64, List.of("batch", "sequence")));
        g.message(GRAPH_INPUT, OnnxProtos.tensorValueInfo("attention_mask", INT64, List.of("batch", "sequence")));
        g.message(GRAPH_OUTPUT, OnnxProtos.tensorValueInfo("last_hidden_state", FLOAT, List.of("batch", "sequence", (long) DIM)));
        return model(8, g, opset("", 13));
    }

    /** An encoded AttributeProto of type INTS. */
    private static Writer intsAttribute(String name, long... values) {
        Writer w = new Writer().string(ATTR_NAME, name);
        for (long v : values) {
            w.varint(ATTR_INTS, v);
        }
        return w.varint(ATTR_TYPE, ATTR_TYPE_INTS);
    }

    /** An encoded float TensorProto (raw_data, little-endian). */
    private static Writer floatTensor(String name, long[] dims, float[] values) {
        Writer w = new Writer();
        for (long d : dims) {
            w.varint(TENSOR_DIMS, d);
        }
        w.varint(TENSOR_DATA_TYPE, FLOAT).string(TENSOR_NAME, name);
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return w.bytes(TENSOR_RAW_DATA, raw.array());
    }

    /** An encoded OperatorSetIdProto. */
    private static Writer opset(String domain, long version) {
        return new Writer().string(OPSET_DOMAIN, domain).varint(OPSET_VERSION, version);
    }

    /** A complete ModelProto from an encoded graph and opset imports. */
    private static byte[] model(long irVersion, Writer graph, Writer... opsets) {
        Writer m = new Writer().varint(MODEL_IR_VERSION, irVersion);
        m.message(MODEL_GRAPH, graph);
        for (Writer o : opsets) {
            m.message(MODEL_OPSET_IMPORT, o);
        }
        return m.toByteArray();
    }
}
