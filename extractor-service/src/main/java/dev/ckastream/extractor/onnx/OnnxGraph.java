package dev.ckastream.extractor.onnx;

import dev.ckastream.extractor.onnx.ProtoWire.Field;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX {@code ModelProto} this service needs, read straight from the protobuf wire format:
 * opset imports, the main graph's nodes (in file order), inputs, outputs and initializer shapes. Field numbers
 * follow onnx/onnx.proto3 (ModelProto.graph = 7, opset_import = 8; GraphProto.node = 1, initializer = 5,
 * input = 11, output = 12; NodeProto.input = 1, output = 2, name = 3, op_type = 4, domain = 7; ...).
 */
public final class OnnxGraph {

    // ModelProto
    static final int MODEL_IR_VERSION = 1;
    static final int MODEL_GRAPH = 7;
    static final int MODEL_OPSET_IMPORT = 8;
    // OperatorSetIdProto
    static final int OPSET_DOMAIN = 1;
    static final int OPSET_VERSION = 2;
    // GraphProto (public: the graph rewrite appends nodes, inputs and outputs)
    public static final int GRAPH_NODE = 1;
    static final int GRAPH_NAME = 2;
    static final int GRAPH_INITIALIZER = 5;
    public static final int GRAPH_INPUT = 11;
    public static final int GRAPH_OUTPUT = 12;
    // NodeProto
    static final int NODE_INPUT = 1;
    static final int NODE_OUTPUT = 2;
    static final int NODE_NAME = 3;
    static final int NODE_OP_TYPE = 4;
    static final int NODE_ATTRIBUTE = 5;
    static final int NODE_DOMAIN = 7;
    // AttributeProto
    static final int ATTR_NAME = 1;
    static final int ATTR_I = 3;
    static final int ATTR_INTS = 8;
    static final int ATTR_TYPE_INTS = 7;
    static final int ATTR_TYPE = 20;
    static final int ATTR_TYPE_INT = 2;
    // TensorProto
    static final int TENSOR_DIMS = 1;
    static final int TENSOR_DATA_TYPE = 2;
    static final int TENSOR_NAME = 8;
    static final int TENSOR_RAW_DATA = 9;
    // ValueInfoProto / TypeProto / TypeProto.Tensor / TensorShapeProto / Dimension
    static final int VALUE_INFO_NAME = 1;
    static final int VALUE_INFO_TYPE = 2;
    static final int TYPE_TENSOR = 1;
    static final int TENSOR_TYPE_ELEM_TYPE = 1;
    static final int TENSOR_TYPE_SHAPE = 2;
    static final int SHAPE_DIM = 1;
    static final int DIM_VALUE = 1;
    static final int DIM_PARAM = 2;
    // TensorProto.DataType
    public static final int FLOAT = 1;
    public static final int INT64 = 7;

    /**
     * A node; {@code intAttributes} holds its attributes of type INT (e.g. Gather's {@code axis}, Gemm's
     * {@code transB}), the only ones the loader reads.
     */
    public record Node(int index, String name, String opType, String domain, List<String> inputs, List<String> outputs,
                       Map<String, Long> intAttributes) {
        public String input(int i) {
            return i < inputs.size() ? inputs.get(i) : "";
        }

        /** The INT attribute {@code name}, or {@code absent} if the node does not set it. */
        public long intAttribute(String name, long absent) {
            return intAttributes.getOrDefault(name, absent);
        }

        /** True for the default ONNX domain ("" or "ai.onnx"). */
        public boolean defaultDomain() {
            return domain.isEmpty() || domain.equals("ai.onnx");
        }
    }

    /** A graph input or output: name, element type (0 if unknown) and dims (Long value or String parameter; null if no shape). */
    public record ValueInfo(String name, int elemType, List<Object> dims) {
    }

    public record Initializer(String name, int dataType, long[] dims) {
    }

    private final byte[] model;
    private final Field graphField;
    private final Map<String, Long> opsets;
    private final List<Node> nodes;
    private final List<ValueInfo> inputs;
    private final List<ValueInfo> outputs;
    private final Map<String, Initializer> initializers;
    private final Map<String, Node> producers = new HashMap<>();
    private final Map<String, List<Node>> consumers = new HashMap<>();

    private OnnxGraph(byte[] model, Field graphField, Map<String, Long> opsets, List<Node> nodes,
                      List<ValueInfo> inputs, List<ValueInfo> outputs, Map<String, Initializer> initializers) {
        this.model = model;
        this.graphField = graphField;
        this.opsets = opsets;
        this.nodes = nodes;
        this.inputs = inputs;
        this.outputs = outputs;
        this.initializers = initializers;
        for (Node n : nodes) {
            for (String out : n.outputs()) {
                if (!out.isEmpty()) {
                    producers.put(out, n);
                }
            }
            for (String in : n.inputs()) {
                if (!in.isEmpty()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                }
            }
        }
    }

    /** Parses a serialized ModelProto. Throws IllegalArgumentException if it is not one. */
    public static OnnxGraph parse(byte[] model) {
        Field graph = null;
        Map<String, Long> opsets = new LinkedHashMap<>();
        for (Field f : ProtoWire.parse(model, 0, model.length)) {
            if (f.number() == MODEL_GRAPH && f.wireType() == ProtoWire.LEN) {
                if (graph != null) {
                    throw new IllegalArgumentException("ModelProto has more than one graph field");
                }
                graph = f;
            } else if (f.number() == MODEL_OPSET_IMPORT && f.wireType() == ProtoWire.LEN) {
                String domain = "";
                long version = 0;
                for (Field o : f.message()) {
                    if (o.number() == OPSET_DOMAIN) {
                        domain = o.string();
                    } else if (o.number() == OPSET_VERSION) {
                        version = o.varint();
                    }
                }
                opsets.put(domain, version);
            }
        }
        if (graph == null) {
            throw new IllegalArgumentException("not an ONNX model: no graph (ModelProto field 7)");
        }
        List<Node> nodes = new ArrayList<>();
        List<ValueInfo> inputs = new ArrayList<>();
        List<ValueInfo> outputs = new ArrayList<>();
        Map<String, Initializer> inits = new LinkedHashMap<>();
        for (Field f : graph.message()) {
            switch (f.number()) {
                case GRAPH_NODE -> nodes.add(readNode(nodes.size(), f));
                case GRAPH_INPUT -> inputs.add(readValueInfo(f));
                case GRAPH_OUTPUT -> outputs.add(readValueInfo(f));
                case GRAPH_INITIALIZER -> {
                    Initializer init = readInitializer(f);
                    inits.put(init.name(), init);
                }
                default -> {
                }
            }
        }
        return new OnnxGraph(model, graph, opsets, List.copyOf(nodes), List.copyOf(inputs), List.copyOf(outputs),
                Collections.unmodifiableMap(inits));
    }

    private static Node readNode(int index, Field f) {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        String name = "";
        String op = "";
        String domain = "";
        Map<String, Long> ints = new LinkedHashMap<>();
        for (Field n : f.message()) {
            switch (n.number()) {
                case NODE_INPUT -> in.add(n.string());
                case NODE_OUTPUT -> out.add(n.string());
                case NODE_NAME -> name = n.string();
                case NODE_OP_TYPE -> op = n.string();
                case NODE_DOMAIN -> domain = n.string();
                case NODE_ATTRIBUTE -> readIntAttribute(n, ints);
                default -> {
                }
            }
        }
        return new Node(index, name, op, domain, List.copyOf(in), List.copyOf(out), Collections.unmodifiableMap(ints));
    }

    /** Adds an AttributeProto of type INT to {@code ints}; other attribute types are skipped. */
    private static void readIntAttribute(Field attribute, Map<String, Long> ints) {
        String name = null;
        Long value = null;
        long type = 0;
        for (Field a : attribute.message()) {
            switch (a.number()) {
                case ATTR_NAME -> name = a.string();
                case ATTR_I -> value = a.varint();
                case ATTR_TYPE -> type = a.varint();
                default -> {
                }
            }
        }
        // a proto3 writer leaves out i = 0; a writer predating AttributeProto.type leaves out the type
        if (name != null && (type == ATTR_TYPE_INT || (type == 0 && value != null))) {
            ints.put(name, value == null ? 0L : value);
        }
    }

    private static ValueInfo readValueInfo(Field f) {
        String name = "";
        int elemType = 0;
        List<Object> dims = null;
        for (Field v : f.message()) {
            if (v.number() == VALUE_INFO_NAME) {
                name = v.string();
            } else if (v.number() == VALUE_INFO_TYPE) {
                for (Field t : v.message()) {
                    if (t.number() != TYPE_TENSOR) {
                        continue;
                    }
                    for (Field tt : t.message()) {
                        if (tt.number() == TENSOR_TYPE_ELEM_TYPE) {
                            elemType = (int) tt.varint();
                        } else if (tt.number() == TENSOR_TYPE_SHAPE) {
                            dims = new ArrayList<>();
                            for (Field d : tt.message()) {
                                if (d.number() != SHAPE_DIM) {
                                    continue;
                                }
                                Object dim = "?";
                                for (Field dv : d.message()) {
                                    if (dv.number() == DIM_VALUE) {
                                        dim = dv.varint();
                                    } else if (dv.number() == DIM_PARAM) {
                                        dim = dv.string();
                                    }
                                }
                                dims.add(dim);
                            }
                        }
                    }
                }
            }
        }
        return new ValueInfo(name, elemType, dims == null ? null : Collections.unmodifiableList(dims));
    }

    private static Initializer readInitializer(Field f) {
        String name = "";
        int dataType = 0;
        List<Long> dims = new ArrayList<>();
        for (Field t : f.message()) {
            switch (t.number()) {
                case TENSOR_NAME -> name = t.string();
                case TENSOR_DATA_TYPE -> dataType = (int) t.varint();
                case TENSOR_DIMS -> dims.addAll(t.int64s());
                default -> {
                }
            }
        }
        return new Initializer(name, dataType, dims.stream().mapToLong(Long::longValue).toArray());
    }

    public Map<String, Long> opsets() {
        return opsets;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public List<ValueInfo> inputs() {
        return inputs;
    }

    public List<ValueInfo> outputs() {
        return outputs;
    }

    public Map<String, Initializer> initializers() {
        return initializers;
    }

    /** The node producing a tensor, or null for graph inputs, initializers and unknown names. */
    public Node producer(String tensor) {
        return producers.get(tensor);
    }

    public List<Node> consumers(String tensor) {
        return consumers.getOrDefault(tensor, List.of());
    }

    /** True if a tensor with this name exists: a node output, a graph input or an initializer. */
    public boolean hasTensor(String name) {
        return producers.containsKey(name) || initializers.containsKey(name)
                || inputs.stream().anyMatch(v -> v.name().equals(name));
    }

    /**
     * Returns a new ModelProto: this model with {@code appendedGraphFields} (encoded GraphProto fields: nodes,
     * inputs, outputs) appended to its graph. The original byte array is not modified.
     */
    public byte[] withAppendedGraphFields(byte[] appendedGraphFields) {
        return ProtoWire.appendToEmbedded(model, graphField, appendedGraphFields);
    }
}
