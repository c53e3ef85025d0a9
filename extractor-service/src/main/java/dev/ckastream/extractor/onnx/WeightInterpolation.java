package dev.ckastream.extractor.onnx;

import dev.ckastream.extractor.onnx.OnnxGraph.Initializer;
import dev.ckastream.extractor.onnx.OnnxGraph.Node;
import dev.ckastream.extractor.onnx.ProtoWire.Field;

import java.io.ByteArrayOutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checkpoints on the straight line between two ONNX models of one architecture: at {@code t} every float32
 * initializer is {@code (1 − t)·start + t·end}, element by element in float32 arithmetic, and everything else (the
 * graph, non-float initializers, the model's metadata) is the start model's bytes. The two ends are exact: at
 * {@code t = 0} the model is the start model's bytes unchanged, at {@code t = 1} each float initializer holds the end
 * model's bytes (the general formula would turn a −0 of the end into +0). At {@code t = 0.5} both products are exact
 * (halving), so the one rounding of the sum makes each weight the correctly rounded float midpoint.
 *
 * <p>{@link #of} refuses, with a {@link Mismatch} naming the first difference, a pair whose computation differs:
 * opsets, graph inputs and outputs, node count, any node's op type, domain, inputs, outputs or attributes
 * (node names and doc strings may differ), initializer names, data types or shapes, or a non-float initializer's
 * contents. Float weights must be stored in the model file ({@code raw_data} or packed {@code float_data}); external
 * data and sparse initializers are refused. Since a float tensor's data keeps its byte length, the interpolated
 * model is the start model's bytes with only those data regions overwritten.
 */
public final class WeightInterpolation {

    // TensorProto fields beyond those OnnxGraph reads (onnx.proto3)
    private static final int TENSOR_SEGMENT = 3;
    private static final int TENSOR_FLOAT_DATA = 4;
    private static final int TENSOR_EXTERNAL_DATA = 13;
    private static final int TENSOR_DATA_LOCATION = 14;
    private static final int GRAPH_SPARSE_INITIALIZER = 15;
    private static final VarHandle FLOAT_LE = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    /** The two models cannot be interpolated; the message names the first difference. */
    public static final class Mismatch extends IllegalArgumentException {
        Mismatch(String message) {
            super(message);
        }
    }

    /** Where one float initializer's little-endian float32 values lie in each model's bytes. */
    private record FloatData(String name, int startOffset, int endOffset, int count) {
    }

    private final byte[] start;
    private final byte[] end;
    private final List<FloatData> floats;

    private WeightInterpolation(byte[] start, byte[] end, List<FloatData> floats) {
        this.start = start;
        this.end = end;
        this.floats = floats;
    }

    /**
     * Checks that {@code start} and {@code end} (serialized ModelProtos) compute the same function of their weights
     * and locates their float weights. The arrays are kept, not copied, and never modified.
     *
     * @throws Mismatch if they differ in anything but float initializer values
     * @throws IllegalArgumentException if either is not an ONNX model
     */
    public static WeightInterpolation of(byte[] start, byte[] end) {
        OnnxGraph a = parse(start, "start");
        OnnxGraph b = parse(end, "end");
        same("opset imports", opsets(a), opsets(b));
        same("graph inputs", a.inputs(), b.inputs());
        same("graph outputs", a.outputs(), b.outputs());
        List<Field> graphA = graphFields(start);
        List<Field> graphB = graphFields(end);
        if (graphA.stream().anyMatch(f -> f.number() == GRAPH_SPARSE_INITIALIZER)
                || graphB.stream().anyMatch(f -> f.number() == GRAPH_SPARSE_INITIALIZER)) {
            throw new Mismatch("sparse initializers are not supported: export the models with dense weights");
        }
        compareNodes(a, b, fieldsNumbered(graphA, OnnxGraph.GRAPH_NODE), fieldsNumbered(graphB, OnnxGraph.GRAPH_NODE));
        return new WeightInterpolation(start, end, compareInitializers(a, b,
                byName(fieldsNumbered(graphA, OnnxGraph.GRAPH_INITIALIZER)),
                byName(fieldsNumbered(graphB, OnnxGraph.GRAPH_INITIALIZER))));
    }

    /** Float initializers interpolated. */
    public int floatInitializers() {
        return floats.size();
    }

    /** Float weights interpolated, over all float initializers. */
    public long floatWeights() {
        return floats.stream().mapToLong(FloatData::count).sum();
    }

    /** The serialized model at {@code t} in [0, 1]: a new array each call. */
    public byte[] at(double t) {
        if (!(t >= 0 && t <= 1)) {
            throw new IllegalArgumentException("t must be in [0, 1], got " + t);
        }
        byte[] out = start.clone();
        if (t == 0) {
            return out;
        }
        float tf = (float) t;
        float sf = 1f - tf;
        for (FloatData f : floats) {
            if (t == 1) {
                System.arraycopy(end, f.endOffset(), out, f.startOffset(), 4 * f.count());
                continue;
            }
            for (int i = 0; i < f.count(); i++) {
                float x = (float) FLOAT_LE.get(start, f.startOffset() + 4 * i);
                float y = (float) FLOAT_LE.get(end, f.endOffset() + 4 * i);
                FLOAT_LE.set(out, f.startOffset() + 4 * i, sf * x + tf * y);
            }
        }
        return out;
    }

    private static OnnxGraph parse(byte[] model, String which) {
        try {
            return OnnxGraph.parse(model);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the " + which + " model is not an ONNX model: " + e.getMessage(), e);
        }
    }

    private static Map<String, Long> opsets(OnnxGraph graph) {
        Map<String, Long> named = new LinkedHashMap<>();
        graph.opsets().forEach((domain, version) -> named.put(domain.isEmpty() ? "ai.onnx" : domain, version));
        return named;
    }

    private static void same(String what, Object inStart, Object inEnd) {
        if (!Objects.equals(inStart, inEnd)) {
            throw new Mismatch(what + " differ: " + inStart + " in start, " + inEnd + " in end");
        }
    }

    private static List<Field> graphFields(byte[] model) {
        for (Field f : ProtoWire.parse(model, 0, model.length)) {
            if (f.number() == OnnxGraph.MODEL_GRAPH && f.wireType() == ProtoWire.LEN) {
                return f.message();
            }
        }
        throw new IllegalStateException("parsed model without a graph");
    }

    private static List<Field> fieldsNumbered(List<Field> fields, int number) {
        return fields.stream().filter(f -> f.number() == number && f.wireType() == ProtoWire.LEN).toList();
    }

    private static void compareNodes(OnnxGraph a, OnnxGraph b, List<Field> rawA, List<Field> rawB) {
        if (a.nodes().size() != b.nodes().size()) {
            throw new Mismatch("node count differs: " + a.nodes().size() + " in start, " + b.nodes().size() + " in end");
        }
        for (int i = 0; i < a.nodes().size(); i++) {
            Node x = a.nodes().get(i);
            Node y = b.nodes().get(i);
            String where = "node " + i + " (" + x.name() + ")";
            same(where + ": op types", x.opType(), y.opType());
            same(where + ": domains", x.domain(), y.domain());
            same(where + ": inputs", x.inputs(), y.inputs());
            same(where + ": outputs", x.outputs(), y.outputs());
            if (!Arrays.equals(attributes(rawA.get(i)), attributes(rawB.get(i)))) {
                throw new Mismatch(where + ": attributes differ");
            }
        }
    }

    /** A node's attribute fields, encoded and concatenated in file order. */
    private static byte[] attributes(Field node) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Field f : node.message()) {
            if (f.number() == OnnxGraph.NODE_ATTRIBUTE) {
                bytes.write(f.buf(), f.tagStart(), f.end() - f.tagStart());
            }
        }
        return bytes.toByteArray();
    }

    private static Map<String, Field> byName(List<Field> tensors) {
        Map<String, Field> out = new LinkedHashMap<>();
        for (Field t : tensors) {
            String name = "";
            for (Field f : t.message()) {
                if (f.number() == OnnxGraph.TENSOR_NAME) {
                    name = f.string();
                }
            }
            out.put(name, t);
        }
        return out;
    }

    private static List<FloatData> compareInitializers(OnnxGraph a, OnnxGraph b, Map<String, Field> rawA,
                                                       Map<String, Field> rawB) {
        for (String name : a.initializers().keySet()) {
            if (!b.initializers().containsKey(name)) {
                throw new Mismatch("initializer " + name + " is in start but not in end");
            }
        }
        for (String name : b.initializers().keySet()) {
            if (!a.initializers().containsKey(name)) {
                throw new Mismatch("initializer " + name + " is in end but not in start");
            }
        }
        List<FloatData> floats = new ArrayList<>();
        for (Initializer x : a.initializers().values()) {
            Initializer y = b.initializers().get(x.name());
            String where = "initializer " + x.name();
            same(where + ": data types", x.dataType(), y.dataType());
            same(where + ": shapes", Arrays.toString(x.dims()), Arrays.toString(y.dims()));
            Field tx = rawA.get(x.name());
            Field ty = rawB.get(x.name());
            if (x.dataType() != OnnxGraph.FLOAT) {
                if (!Arrays.equals(tx.buf(), tx.start(), tx.end(), ty.buf(), ty.start(), ty.end())) {
                    throw new Mismatch(where + " (data type " + x.dataType() + ", not float32, so not interpolated)"
                            + " holds different values in start and end");
                }
                continue;
            }
            long count = Arrays.stream(x.dims()).reduce(1, Math::multiplyExact);
            Field dx = floatData(tx, where, count, "start");
            Field dy = floatData(ty, where, count, "end");
            if (count > 0) {
                floats.add(new FloatData(x.name(), dx.start(), dy.start(), (int) count));
            }
        }
        return List.copyOf(floats);
    }

    /** The field holding a float tensor's {@code count} values as 4-byte little-endian floats; null if count is 0. */
    private static Field floatData(Field tensor, String where, long count, String which) {
        Field data = null;
        for (Field f : tensor.message()) {
            switch (f.number()) {
                case OnnxGraph.TENSOR_RAW_DATA -> data = f;
                case TENSOR_FLOAT_DATA -> {
                    if (f.wireType() != ProtoWire.LEN) {
                        throw new Mismatch(where + " in " + which + ": unpacked float_data is not supported");
                    }
                    if (data != null) {
                        throw new Mismatch(where + " in " + which + ": float_data in more than one field is not supported");
                    }
                    data = f;
                }
                case TENSOR_DATA_LOCATION -> {
                    if (f.varint() != 0) {
                        throw new Mismatch(where + " in " + which + " is stored as external data: interpolate models"
                                + " whose weights are inside the .onnx file");
                    }
                }
                case TENSOR_EXTERNAL_DATA -> throw new Mismatch(where + " in " + which + " is stored as external data:"
                        + " interpolate models whose weights are inside the .onnx file");
                case TENSOR_SEGMENT -> throw new Mismatch(where + " in " + which + ": segmented tensors are not supported");
                default -> {
                }
            }
        }
        long bytes = data == null ? 0 : data.end() - data.start();
        if (bytes != 4 * count) {
            throw new Mismatch(where + " in " + which + " holds " + bytes + " bytes of data for " + count
                    + " float32 values");
        }
        return data;
    }
}
