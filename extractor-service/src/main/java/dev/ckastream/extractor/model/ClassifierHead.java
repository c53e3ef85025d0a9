package dev.ckastream.extractor.model;

import dev.ckastream.extractor.onnx.OnnxGraph;
import dev.ckastream.extractor.onnx.OnnxGraph.Node;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The sequence-classification head of a classifier export ({@code AutoModelForSequenceClassification} exported
 * with only a {@code logits} output), traced back from that output: dense layers (Gemm, or MatMul + Add) and
 * their activations (BERT's pooler Tanh, DistilBERT's pre-classifier ReLU, ...) down to the node that picks one
 * sequence position ({@code [CLS]}) out of a [batch, sequence, dim] hidden state: a Gather on axis 1 or a Slice.
 *
 * @param output      the graph output the head computes (usually {@code logits})
 * @param position    the picked position's tensor (the head's input: [batch, dim] for a Gather, [batch, 1, dim]
 *                    for a Slice)
 * @param hiddenState the tensor the position is picked from (after Identity nodes), which must be the last tap
 * @param ops         the head's op types from the position pick to the output, e.g. [Gather, Gemm, Tanh, Gemm]
 */
record ClassifierHead(String output, String position, String hiddenState, List<String> ops) {

    /** Ops a head may pass through; the data flows through input 0 (Add/Sub: through its one non-constant input). */
    private static final Set<String> DENSE = Set.of("Gemm", "MatMul", "DynamicQuantizeMatMul");
    private static final Set<String> PASS_THROUGH = Set.of("Tanh", "Relu", "Gelu", "FastGelu", "Sigmoid", "Identity",
            "Cast", "Dropout", "Squeeze", "Reshape", "Flatten", "Add", "Sub");
    private static final int MAX_HEAD_NODES = 32;
    private static final int MAX_CONSTANT_DEPTH = 8;

    /** Where the head starts and what it does, for the start-up line. */
    String describe() {
        return String.join(" -> ", ops) + " -> '" + output + "'";
    }

    /**
     * Traces the head that computes {@code output}.
     *
     * @throws IllegalArgumentException saying where the trace stopped, if {@code output} is not computed by a
     *                                  classification head over one position of a hidden state
     */
    static ClassifierHead trace(OnnxGraph graph, String output) {
        List<String> ops = new ArrayList<>();
        String t = output;
        int dense = 0;
        for (int steps = 0; steps < MAX_HEAD_NODES; steps++) {
            Node n = graph.producer(t);
            if (n == null) {
                throw new IllegalArgumentException("'" + t + "' is not computed by a node");
            }
            String op = n.opType();
            ops.add(op);
            if (op.equals("Gather") || op.equals("Slice")) {
                if (dense == 0) {
                    throw new IllegalArgumentException("no dense layer (Gemm or MatMul) between the position pick '"
                            + n.name() + "' and '" + output + "'");
                }
                return picked(graph, n, output, ops);
            }
            if (DENSE.contains(op)) {
                if (op.equals("Gemm") && n.intAttribute("transA", 0) != 0) {
                    throw new IllegalArgumentException("Gemm '" + n.name() + "' transposes its input (transA = 1)");
                }
                if (!op.equals("DynamicQuantizeMatMul") && !constant(graph, n.input(1), 0)) {
                    throw new IllegalArgumentException(op + " '" + n.name() + "' multiplies two computed tensors, not a"
                            + " tensor by a weight");
                }
                dense++;
                t = n.input(0);
            } else if (op.equals("Add") || op.equals("Sub")) {
                t = onlyComputedInput(graph, n);
            } else if (PASS_THROUGH.contains(op)) {
                t = n.input(0);
            } else {
                throw new IllegalArgumentException("stopped at " + op + " node '" + n.name() + "', which is not part of a"
                        + " sequence-classification head (dense layers, Tanh/ReLU/GELU, Gather/Slice of one position)");
            }
        }
        throw new IllegalArgumentException("no position pick (Gather/Slice) within " + MAX_HEAD_NODES + " nodes of '"
                + output + "'");
    }

    private static ClassifierHead picked(OnnxGraph graph, Node pick, String output, List<String> ops) {
        String hidden = pick.input(0);
        if (constant(graph, hidden, 0)) {
            throw new IllegalArgumentException(pick.opType() + " '" + pick.name() + "' reads the constant '" + hidden
                    + "' (an embedding lookup), not a hidden state");
        }
        if (pick.opType().equals("Gather")) {
            long axis = pick.intAttribute("axis", 0);
            if (axis != 1 && axis != -2) {
                throw new IllegalArgumentException("Gather '" + pick.name() + "' picks along axis " + axis
                        + ", not the sequence axis 1");
            }
            if (!constant(graph, pick.input(1), 0)) {
                throw new IllegalArgumentException("Gather '" + pick.name() + "' picks a computed position, not a fixed one");
            }
        } else {
            for (int i = 1; i < pick.inputs().size(); i++) {
                if (!pick.input(i).isEmpty() && !constant(graph, pick.input(i), 0)) {
                    throw new IllegalArgumentException("Slice '" + pick.name() + "' has computed bounds, not a fixed position");
                }
            }
        }
        List<String> forward = new ArrayList<>(ops);
        Collections.reverse(forward);
        return new ClassifierHead(output, pick.outputs().get(0), withoutIdentities(graph, hidden), List.copyOf(forward));
    }

    /** The one input of an Add/Sub that is not a constant (the other is the bias). */
    private static String onlyComputedInput(OnnxGraph graph, Node n) {
        List<String> computed = n.inputs().stream().filter(in -> !constant(graph, in, 0)).toList();
        if (computed.size() != 1) {
            throw new IllegalArgumentException(n.opType() + " '" + n.name() + "' combines " + computed.size()
                    + " computed tensors " + computed + ", not a tensor and a bias");
        }
        return computed.get(0);
    }

    /** An initializer, or computed from initializers and Constant nodes only (weights, biases, fixed indices). */
    private static boolean constant(OnnxGraph graph, String tensor, int depth) {
        if (graph.initializers().containsKey(tensor)) {
            return true;
        }
        Node p = graph.producer(tensor);
        if (p == null || depth >= MAX_CONSTANT_DEPTH) {
            return false;
        }
        for (String in : p.inputs()) {
            if (!in.isEmpty() && !constant(graph, in, depth + 1)) {
                return false;
            }
        }
        return true;
    }

    /** The tensor an Identity chain passes on (exporters sometimes put one between the encoder and the head). */
    static String withoutIdentities(OnnxGraph graph, String tensor) {
        String t = tensor;
        for (Node p = graph.producer(t); p != null && p.opType().equals("Identity"); p = graph.producer(t)) {
            t = p.input(0);
        }
        return t;
    }
}
