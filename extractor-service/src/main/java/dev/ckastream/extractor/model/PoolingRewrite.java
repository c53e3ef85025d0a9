package dev.ckastream.extractor.model;

import dev.ckastream.extractor.onnx.OnnxGraph;
import dev.ckastream.extractor.onnx.OnnxProtos;
import dev.ckastream.extractor.onnx.ProtoWire.Writer;

import java.util.ArrayList;
import java.util.List;

import static dev.ckastream.extractor.onnx.OnnxGraph.FLOAT;
import static dev.ckastream.extractor.onnx.OnnxGraph.GRAPH_INPUT;
import static dev.ckastream.extractor.onnx.OnnxGraph.GRAPH_NODE;
import static dev.ckastream.extractor.onnx.OnnxGraph.GRAPH_OUTPUT;

/**
 * The in-memory graph rewrite that adds the layer taps and the masked-mean pooling to a checkpoint (the file
 * is never changed). Each tap tensor is cast to float and exposed as output {@code ckastream_tap_<k>}; a float
 * input {@value #POOL_WEIGHTS} [batch, 1, seq] is added (attention mask / number of real tokens, see
 * {@link BatchTensors}); per tap {@code MatMul(pool_weights, tap)} → [batch, 1, dim] is the layer's masked mean,
 * and the layers are concatenated on axis 1 into the output {@value #POOLED} [batch, layers, dim]. The
 * original nodes, inputs and outputs are left as they are, so the model's own outputs stay available. Tensors the
 * self-check compares against a tap (a classifier head's input) can be exposed too, as {@code ckastream_check_<i>}.
 * {@link #applyPooledOnly} is the same rewrite without exposing the taps: the graph the service runs.
 */
public final class PoolingRewrite {

    static final String POOL_WEIGHTS = "ckastream_pool_weights";
    static final String POOLED = "ckastream_layers";
    private static final String TAP_PREFIX = "ckastream_tap_";
    private static final String POOLED_PREFIX = "ckastream_pooled_";
    private static final String CHECK_PREFIX = "ckastream_check_";

    private PoolingRewrite() {
    }

    /**
     * The rewritten model's bytes; {@code graph}'s bytes are not modified.
     *
     * @throws ModelLoadException naming the checkpoint if the graph already uses one of the added names
     */
    public static byte[] apply(String checkpoint, OnnxGraph graph, List<String> taps) {
        return apply(checkpoint, graph, taps, List.of());
    }

    /**
     * As {@link #apply(String, OnnxGraph, List)}, also exposing each of {@code checked} (cast to float) as output
     * {@link #checkOutput}{@code (i)}.
     */
    static byte[] apply(String checkpoint, OnnxGraph graph, List<String> taps, List<String> checked) {
        return apply(checkpoint, graph, taps, checked, true);
    }

    /**
     * The graph the service runs: only {@value #POOLED} is added as an output. ONNX Runtime executes every node of
     * a graph whatever the outputs a call fetches, and a graph output cannot be optimized away, so the taps exposed
     * for the self-check would cost one copy each (a float-to-float Cast) on every call; here those Casts feed
     * only the pooling MatMuls, and ORT's Cast elimination drops them when the tap is already float.
     */
    static byte[] applyPooledOnly(String checkpoint, OnnxGraph graph, List<String> taps) {
        return apply(checkpoint, graph, taps, List.of(), false);
    }

    private static byte[] apply(String checkpoint, OnnxGraph graph, List<String> taps, List<String> checked,
                                boolean exposeTaps) {
        List<String> added = new ArrayList<>(List.of(POOL_WEIGHTS, POOLED));
        for (int k = 0; k < taps.size(); k++) {
            added.add(tapOutput(k));
            added.add(POOLED_PREFIX + k);
        }
        for (int i = 0; i < checked.size(); i++) {
            added.add(checkOutput(i));
        }
        for (String a : added) {
            if (graph.hasTensor(a)) {
                throw new ModelLoadException("checkpoint '" + checkpoint + "': the graph already has a tensor named " + a);
            }
        }
        Writer fields = new Writer();
        fields.message(GRAPH_INPUT, OnnxProtos.tensorValueInfo(POOL_WEIGHTS, FLOAT,
                List.of("ckastream_batch", 1L, "ckastream_sequence")));
        List<String> pooled = new ArrayList<>();
        for (int k = 0; k < taps.size(); k++) {
            String tap = tapOutput(k);
            String p = POOLED_PREFIX + k;
            fields.message(GRAPH_NODE, OnnxProtos.node("ckastream_cast_" + k, "Cast", "", List.of(taps.get(k)),
                    List.of(tap), OnnxProtos.intAttribute("to", FLOAT)));
            fields.message(GRAPH_NODE, OnnxProtos.node("ckastream_pool_" + k, "MatMul", "", List.of(POOL_WEIGHTS, tap),
                    List.of(p)));
            pooled.add(p);
        }
        fields.message(GRAPH_NODE, OnnxProtos.node("ckastream_concat", "Concat", "", pooled, List.of(POOLED),
                OnnxProtos.intAttribute("axis", 1)));
        fields.message(GRAPH_OUTPUT, OnnxProtos.tensorValueInfo(POOLED, FLOAT,
                List.of("ckastream_batch", (long) taps.size(), "ckastream_dim")));
        if (!exposeTaps) {
            return graph.withAppendedGraphFields(fields.toByteArray());
        }
        for (int k = 0; k < taps.size(); k++) {
            fields.message(GRAPH_OUTPUT, OnnxProtos.tensorValueInfo(tapOutput(k), FLOAT, null));
        }
        for (int i = 0; i < checked.size(); i++) {
            fields.message(GRAPH_NODE, OnnxProtos.node("ckastream_check_cast_" + i, "Cast", "", List.of(checked.get(i)),
                    List.of(checkOutput(i)), OnnxProtos.intAttribute("to", FLOAT)));
            fields.message(GRAPH_OUTPUT, OnnxProtos.tensorValueInfo(checkOutput(i), FLOAT, null));
        }
        return graph.withAppendedGraphFields(fields.toByteArray());
    }

    /** The output holding tap {@code k} (cast to float, unpooled). */
    static String tapOutput(int k) {
        return TAP_PREFIX + k;
    }

    /** The output exposing checked tensor {@code i} (cast to float). */
    static String checkOutput(int i) {
        return CHECK_PREFIX + i;
    }
}
