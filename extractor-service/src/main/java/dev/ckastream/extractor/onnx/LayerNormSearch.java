package dev.ckastream.extractor.onnx;

import dev.ckastream.extractor.onnx.OnnxGraph.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds LayerNorm outputs in an ONNX graph, in graph order, and picks the per-layer taps of a post-LN
 * BERT-family encoder: the embedding LayerNorm, then the second (last) LayerNorm of each block.
 *
 * <p>Recognised LayerNorms:
 * <ul>
 *   <li>single ops: {@code LayerNormalization} (ONNX), {@code SkipLayerNormalization} and
 *       {@code EmbedLayerNormalization} (com.microsoft) — output 0;</li>
 *   <li>decomposed: {@code d = Sub(x, ReduceMean(x))}, {@code y = Div(d, Sqrt(...))} (or
 *       {@code Mul(d, Reciprocal(Sqrt(...)))}), optionally followed by the affine {@code Mul(y, gamma)} and
 *       {@code Add(., beta)}, each the only consumer of the previous tensor; the LN output is the last tensor
 *       of that chain. This covers fp32 and dynamically int8-quantized exports (the quantizer leaves the LN
 *       subgraph in float).</li>
 * </ul>
 */
public final class LayerNormSearch {

    private static final Set<String> SINGLE_OP_LN = Set.of("LayerNormalization", "SkipLayerNormalization",
            "EmbedLayerNormalization");
    private static final Pattern LAYER_INDEX = Pattern.compile("(?:^|[/._])layers?[._/](\\d+)(?=[/._])");

    private LayerNormSearch() {
    }

    /** All LayerNorm output tensors, in graph (file) order. */
    public static List<String> layerNormOutputs(OnnxGraph graph) {
        List<String> outputs = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (SINGLE_OP_LN.contains(n.opType()) && !n.outputs().isEmpty()) {
                outputs.add(n.outputs().get(0));
            } else if (isDecomposedCore(graph, n)) {
                outputs.add(followAffine(graph, n.outputs().get(0)));
            }
        }
        return outputs;
    }

    /** LN[0], LN[2], LN[4], ...; the caller checks that the count of LNs is odd. */
    public static List<String> taps(List<String> layerNormOutputs) {
        List<String> taps = new ArrayList<>();
        for (int i = 0; i < layerNormOutputs.size(); i += 2) {
            taps.add(layerNormOutputs.get(i));
        }
        return taps;
    }

    /**
     * Number of transformer blocks named in the graph (distinct N in node or initializer names such as
     * {@code /encoder/layer.N/...} or {@code transformer.layer.N.}), or -1 if the names carry no block index.
     */
    public static int blockCountFromNames(OnnxGraph graph) {
        Set<Integer> indices = new TreeSet<>();
        for (Node n : graph.nodes()) {
            collect(n.name(), indices);
        }
        for (String init : graph.initializers().keySet()) {
            collect(init, indices);
        }
        return indices.isEmpty() ? -1 : indices.size();
    }

    private static void collect(String name, Set<Integer> indices) {
        Matcher m = LAYER_INDEX.matcher(name);
        while (m.find()) {
            indices.add(Integer.parseInt(m.group(1)));
        }
    }

    private static boolean isDecomposedCore(OnnxGraph graph, Node n) {
        if (!n.defaultDomain() || n.inputs().size() != 2 || n.outputs().isEmpty()) {
            return false;
        }
        String stdDev;
        if (n.opType().equals("Div")) {
            stdDev = n.input(1);
        } else if (n.opType().equals("Mul")) {
            // Mul(centered, Reciprocal(Sqrt(var + eps))), either operand order
            String candidate = reciprocalInput(graph, n.input(1));
            int centeredIdx = 0;
            if (candidate == null) {
                candidate = reciprocalInput(graph, n.input(0));
                centeredIdx = 1;
            }
            if (candidate == null) {
                return false;
            }
            return isCentered(graph, n.input(centeredIdx)) && comesFromSqrt(graph, candidate);
        } else {
            return false;
        }
        return isCentered(graph, n.input(0)) && comesFromSqrt(graph, stdDev);
    }

    private static String reciprocalInput(OnnxGraph graph, String tensor) {
        Node p = graph.producer(tensor);
        return p != null && p.opType().equals("Reciprocal") ? p.input(0) : null;
    }

    /** {@code tensor = Sub(x, ReduceMean(x))}. */
    private static boolean isCentered(OnnxGraph graph, String tensor) {
        Node sub = graph.producer(tensor);
        if (sub == null || !sub.opType().equals("Sub") || sub.inputs().size() != 2) {
            return false;
        }
        Node mean = graph.producer(sub.input(1));
        return mean != null && mean.opType().equals("ReduceMean") && mean.input(0).equals(sub.input(0));
    }

    /** The tensor is produced by Sqrt, possibly through a Cast. */
    private static boolean comesFromSqrt(OnnxGraph graph, String tensor) {
        Node p = graph.producer(tensor);
        if (p != null && p.opType().equals("Cast")) {
            p = graph.producer(p.input(0));
        }
        return p != null && p.opType().equals("Sqrt");
    }

    /** Follows the optional {@code Mul(gamma)} then {@code Add(beta)}, each the only consumer. */
    private static String followAffine(OnnxGraph graph, String normalized) {
        String t = normalized;
        List<Node> c = graph.consumers(t);
        if (c.size() == 1 && c.get(0).opType().equals("Mul") && !c.get(0).outputs().isEmpty()) {
            t = c.get(0).outputs().get(0);
            c = graph.consumers(t);
        }
        if (c.size() == 1 && c.get(0).opType().equals("Add") && !c.get(0).outputs().isEmpty()) {
            t = c.get(0).outputs().get(0);
        }
        return t;
    }
}
