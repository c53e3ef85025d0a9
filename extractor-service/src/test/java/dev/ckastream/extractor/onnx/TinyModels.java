package dev.ckastream.extractor.onnx;

import dev.ckastream.extractor.onnx.ProtoWire.Writer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static dev.ckastream.extractor.onnx.OnnxGraph.*;

/** Tiny synthetic BERT-like ONNX graphs built with the project's own protobuf writer and ONNX encoders. */
public final class TinyModels {

    private static final int VOCAB = 16;
    // AttributeProto.t and AttributeType.TENSOR (onnx.proto3); only the test models write tensor attributes
    private static final int ATTR_T = 5;
    private static final int ATTR_TYPE_TENSOR = 4;
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

    /** The classification head {@link #classifierModel} puts on the tiny encoder. */
    public enum Head {
        /** DistilBERT's: Gather(position, axis 1) → MatMul/Add (pre_classifier) → Relu → MatMul/Add → logits. */
        DISTILBERT,
        /** BERT's: Gather(position from a Constant node, axis 1) → Gemm (pooler) → Tanh → Gemm → logits. */
        BERT,
        /** Not a [CLS] head: ReduceMean over the sequence → MatMul/Add → logits. */
        MEAN
    }

    public static final int LABELS = 2;

    /**
     * A classifier export of the tiny encoder of {@code model(true, "/encoder/layer.0/")}: the same nodes, and
     * a {@code head} reading {@code position} of {@code reads} (normally the last hidden state), with
     * {@code logits} [batch, {@value #LABELS}] as the only output, like optimum's text-classification export.
     */
    public static byte[] classifierModel(Head head, String reads, long position) {
        Writer g = new Writer();
        g.message(GRAPH_NODE, OnnxProtos.node("/embeddings/Gather", "Gather", "", List.of("W", "input_ids"), List.of("e")));
        g.message(GRAPH_NODE, OnnxProtos.node("/embeddings/LayerNorm", "LayerNormalization", "",
                List.of("e", "gamma", "beta"), List.of("ln0")));
        g.message(GRAPH_NODE, OnnxProtos.node("/encoder/layer.0/attn/Mul", "Mul", "", List.of("ln0", "c"), List.of("m1")));
        g.message(GRAPH_NODE, OnnxProtos.node("/encoder/layer.0/attn/SkipLayerNorm", "SkipLayerNormalization",
                "com.microsoft", List.of("m1", "ln0", "gamma", "beta"), List.of("ln1")));
        g.message(GRAPH_NODE, OnnxProtos.node("/encoder/layer.0/ffn/Mul", "Mul", "", List.of("ln1", "c"), List.of("m2")));
        g.message(GRAPH_NODE, OnnxProtos.node("/encoder/layer.0/ffn/LayerNorm", "LayerNormalization", "",
                List.of("m2", "gamma", "beta"), List.of("last_hidden_state")));
        switch (head) {
            case DISTILBERT -> {
                g.message(GRAPH_INITIALIZER, int64Tensor("position", new long[] {}, position));
                g.message(GRAPH_NODE, OnnxProtos.node("/Gather", "Gather", "", List.of(reads, "position"), List.of("cls"),
                        OnnxProtos.intAttribute("axis", 1)));
                g.message(GRAPH_NODE, OnnxProtos.node("/pre_classifier/MatMul", "MatMul", "",
                        List.of("cls", "pre_w"), List.of("pre_m")));
                g.message(GRAPH_NODE, OnnxProtos.node("/pre_classifier/Add", "Add", "", List.of("pre_m", "pre_b"),
                        List.of("pre")));
                g.message(GRAPH_NODE, OnnxProtos.node("/Relu", "Relu", "", List.of("pre"), List.of("pre_relu")));
                g.message(GRAPH_NODE, OnnxProtos.node("/classifier/MatMul", "MatMul", "",
                        List.of("pre_relu", "cls_w"), List.of("cls_m")));
                g.message(GRAPH_NODE, OnnxProtos.node("/classifier/Add", "Add", "", List.of("cls_b", "cls_m"),
                        List.of("logits")));
                g.message(GRAPH_INITIALIZER, floatTensor("pre_w", new long[] {DIM, DIM}, values(DIM * DIM, 0.7f, 0.05f)));
                g.message(GRAPH_INITIALIZER, floatTensor("pre_b", new long[] {DIM}, values(DIM, 0.1f, 0.02f)));
                g.message(GRAPH_INITIALIZER, floatTensor("cls_w", new long[] {DIM, LABELS}, values(DIM * LABELS, 0.9f, 0f)));
                g.message(GRAPH_INITIALIZER, floatTensor("cls_b", new long[] {LABELS}, values(LABELS, 0.1f, 0f)));
            }
            case BERT -> {
                g.message(GRAPH_NODE, OnnxProtos.node("/Constant", "Constant", "", List.of(), List.of("/Constant_output_0"),
                        tensorAttribute("value", int64Tensor("", new long[] {}, position))));
                g.message(GRAPH_NODE, OnnxProtos.node("/pooler/Gather", "Gather", "", List.of(reads, "/Constant_output_0"),
                        List.of("cls"), OnnxProtos.intAttribute("axis", 1)));
                g.message(GRAPH_NODE, OnnxProtos.node("/pooler/dense/Gemm", "Gemm", "", List.of("cls", "pool_w", "pool_b"),
                        List.of("pool_d"), OnnxProtos.intAttribute("transB", 1)));
                g.message(GRAPH_NODE, OnnxProtos.node("/pooler/activation/Tanh", "Tanh", "", List.of("pool_d"),
                        List.of("pooled")));
                g.message(GRAPH_NODE, OnnxProtos.node("/classifier/Gemm", "Gemm", "", List.of("pooled", "cls_w", "cls_b"),
                        List.of("logits"), OnnxProtos.intAttribute("transB", 1)));
                g.message(GRAPH_INITIALIZER, floatTensor("pool_w", new long[] {DIM, DIM}, values(DIM * DIM, 0.7f, 0.05f)));
                g.message(GRAPH_INITIALIZER, floatTensor("pool_b", new long[] {DIM}, values(DIM, 0.1f, 0.02f)));
                g.message(GRAPH_INITIALIZER, floatTensor("cls_w", new long[] {LABELS, DIM}, values(DIM * LABELS, 0.9f, 0f)));
                g.message(GRAPH_INITIALIZER, floatTensor("cls_b", new long[] {LABELS}, values(LABELS, 0.1f, 0f)));
            }
            case MEAN -> {
                g.message(GRAPH_NODE, OnnxProtos.node("/ReduceMean", "ReduceMean", "", List.of(reads), List.of("mean"),
                        intsAttribute("axes", 1), OnnxProtos.intAttribute("keepdims", 0)));
                g.message(GRAPH_NODE, OnnxProtos.node("/classifier/MatMul", "MatMul", "", List.of("mean", "cls_w"),
                        List.of("cls_m")));
                g.message(GRAPH_NODE, OnnxProtos.node("/classifier/Add", "Add", "", List.of("cls_m", "cls_b"),
                        List.of("logits")));
                g.message(GRAPH_INITIALIZER, floatTensor("cls_w", new long[] {DIM, LABELS}, values(DIM * LABELS, 0.9f, 0f)));
                g.message(GRAPH_INITIALIZER, floatTensor("cls_b", new long[] {LABELS}, values(LABELS, 0.1f, 0f)));
            }
            default -> throw new IllegalArgumentException(String.valueOf(head));
        }
        g.string(GRAPH_NAME, "tiny-classifier");
        g.message(GRAPH_INITIALIZER, floatTensor("W", new long[] {VOCAB, DIM}, values(VOCAB * DIM, 1.5f, 0.1f)));
        g.message(GRAPH_INITIALIZER, floatTensor("gamma", new long[] {DIM}, values(DIM, 0.3f, 1f)));
        g.message(GRAPH_INITIALIZER, floatTensor("beta", new long[] {DIM}, values(DIM, 0.2f, 0f)));
        g.message(GRAPH_INITIALIZER, floatTensor("c", new long[] {DIM}, values(DIM, 2f, 0.5f)));
        g.message(GRAPH_INITIALIZER, floatTensor("embeddings.position_embeddings.weight", new long[] {8, DIM},
                values(8 * DIM, 1f, 0f)));
        g.message(GRAPH_INPUT, OnnxProtos.tensorValueInfo("input_ids", INT64, List.of("batch", "sequence")));
        g.message(GRAPH_OUTPUT, OnnxProtos.tensorValueInfo("logits", FLOAT, List.of("batch", (long) LABELS)));
        return model(8, g, opset("", 17), opset("com.microsoft", 1));
    }

    /**
     * A real feature-extraction export turned into a classifier export in memory, as
     * {@code AutoModelForSequenceClassification} + optimum's text-classification export would give: every original
     * output is dropped and {@code logits} [batch, {@value #LABELS}] is the only one. With {@code pickPosition},
     * {@code reads} is a [batch, sequence, dim] hidden state and the head is DistilBERT's (Gather of position 0 on
     * axis 1 → Gemm → Relu → Gemm); without, {@code reads} is already a pooled [batch, dim] tensor (BERT's pooler
     * output) and only the classifier Gemm is added.
     */
    public static byte[] withClassifierHead(byte[] featureExtraction, String reads, boolean pickPosition, int dim) {
        Writer head = new Writer();
        String classifierInput = reads;
        if (pickPosition) {
            head.message(GRAPH_NODE, OnnxProtos.node("/ckastream_test/Constant", "Constant", "", List.of(),
                    List.of("/ckastream_test/position"), tensorAttribute("value", int64Tensor("", new long[] {}, 0))));
            head.message(GRAPH_NODE, OnnxProtos.node("/ckastream_test/Gather", "Gather", "",
                    List.of(reads, "/ckastream_test/position"), List.of("/ckastream_test/cls"), OnnxProtos.intAttribute("axis", 1)));
            head.message(GRAPH_NODE, OnnxProtos.node("/pre_classifier/Gemm", "Gemm", "",
                    List.of("/ckastream_test/cls", "pre_classifier.weight", "pre_classifier.bias"),
                    List.of("/pre_classifier/Gemm_output_0"), OnnxProtos.intAttribute("transB", 1)));
            head.message(GRAPH_NODE, OnnxProtos.node("/Relu", "Relu", "", List.of("/pre_classifier/Gemm_output_0"),
                    List.of("/Relu_output_0")));
            head.message(GRAPH_INITIALIZER, floatTensor("pre_classifier.weight", new long[] {dim, dim},
                    values(dim * dim, 0.05f, 0f)));
            head.message(GRAPH_INITIALIZER, floatTensor("pre_classifier.bias", new long[] {dim}, values(dim, 0.01f, 0f)));
            classifierInput = "/Relu_output_0";
        }
        head.message(GRAPH_NODE, OnnxProtos.node("/classifier/Gemm", "Gemm", "",
                List.of(classifierInput, "classifier.weight", "classifier.bias"), List.of("logits"),
                OnnxProtos.intAttribute("transB", 1)));
        head.message(GRAPH_INITIALIZER, floatTensor("classifier.weight", new long[] {LABELS, dim},
                values(LABELS * dim, 0.05f, 0f)));
        head.message(GRAPH_INITIALIZER, floatTensor("classifier.bias", new long[] {LABELS}, values(LABELS, 0.01f, 0f)));
        head.message(GRAPH_OUTPUT, OnnxProtos.tensorValueInfo("logits", FLOAT, List.of("batch_size", (long) LABELS)));

        Writer model = new Writer();
        for (ProtoWire.Field f : ProtoWire.parse(featureExtraction, 0, featureExtraction.length)) {
            if (f.number() == MODEL_GRAPH && f.wireType() == ProtoWire.LEN) {
                Writer graph = new Writer();
                for (ProtoWire.Field gf : f.message()) {
                    if (gf.number() != GRAPH_OUTPUT) {
                        copy(graph, gf);
                    }
                }
                byte[] added = head.toByteArray();
                for (ProtoWire.Field hf : ProtoWire.parse(added, 0, added.length)) {
                    copy(graph, hf);
                }
                model.message(MODEL_GRAPH, graph);
            } else {
                copy(model, f);
            }
        }
        return model.toByteArray();
    }

    /**
     * {@code model} with each graph field replaced by what {@code rewrite} returns for it (encoded GraphProto
     * fields, possibly none; null keeps the field as it was) and {@code added} appended; the rest as it was.
     */
    public static byte[] rewriteGraph(byte[] model, Function<ProtoWire.Field, Writer> rewrite, Writer added) {
        Writer out = new Writer();
        for (ProtoWire.Field f : ProtoWire.parse(model, 0, model.length)) {
            if (f.number() == MODEL_GRAPH && f.wireType() == ProtoWire.LEN) {
                Writer graph = new Writer();
                for (ProtoWire.Field gf : f.message()) {
                    Writer replacement = rewrite.apply(gf);
                    if (replacement == null) {
                        copy(graph, gf);
                    } else {
                        copyAll(graph, replacement);
                    }
                }
                copyAll(graph, added);
                out.message(MODEL_GRAPH, graph);
            } else {
                copy(out, f);
            }
        }
        return out.toByteArray();
    }

    /** {@code model} with the float initializer {@code name} (shape [values.length]) holding {@code values}. */
    public static byte[] withFloatInitializer(byte[] model, String name, float... values) {
        return rewriteGraph(model, f -> f.number() == GRAPH_INITIALIZER && f.message().stream()
                        .anyMatch(t -> t.number() == TENSOR_NAME && t.string().equals(name))
                        ? new Writer().message(GRAPH_INITIALIZER, floatTensor(name, new long[] {values.length}, values))
                        : null,
                new Writer());
    }

    private static void copyAll(Writer to, Writer fields) {
        byte[] bytes = fields.toByteArray();
        for (ProtoWire.Field f : ProtoWire.parse(bytes, 0, bytes.length)) {
            copy(to, f);
        }
    }

    /** Re-encodes one parsed field as it was (varint or length-delimited; ModelProto and GraphProto have no others). */
    private static void copy(Writer to, ProtoWire.Field f) {
        switch (f.wireType()) {
            case ProtoWire.VARINT -> to.varint(f.number(), f.varint());
            case ProtoWire.LEN -> to.bytes(f.number(), Arrays.copyOfRange(f.buf(), f.start(), f.end()));
            default -> throw new IllegalArgumentException("field " + f.number() + ": wire type " + f.wireType());
        }
    }

    /** An encoded AttributeProto of type TENSOR. */
    private static Writer tensorAttribute(String name, Writer tensor) {
        return new Writer().string(ATTR_NAME, name).message(ATTR_T, tensor).varint(ATTR_TYPE, ATTR_TYPE_TENSOR);
    }

    /** An encoded int64 TensorProto (raw_data, little-endian); {@code name} may be empty (a Constant's value). */
    public static Writer int64Tensor(String name, long[] dims, long... values) {
        Writer w = new Writer();
        for (long d : dims) {
            w.varint(TENSOR_DIMS, d);
        }
        w.varint(TENSOR_DATA_TYPE, INT64);
        if (!name.isEmpty()) {
            w.string(TENSOR_NAME, name);
        }
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        return w.bytes(TENSOR_RAW_DATA, raw.array());
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
    public static Writer floatTensor(String name, long[] dims, float[] values) {
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
