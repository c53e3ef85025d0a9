package dev.ckastream.extractor.model;

import dev.ckastream.extractor.onnx.LayerNormSearch;
import dev.ckastream.extractor.onnx.OnnxGraph;
import dev.ckastream.extractor.onnx.OnnxGraph.Initializer;
import dev.ckastream.extractor.onnx.OnnxGraph.ValueInfo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A checkpoint's original graph as the loader understands it: which tensors are its layer taps (explicit names,
 * or the embedding LayerNorm and each block's last LayerNorm), its position limit, and whether its quantization
 * couples the reviews of a batch, and, for a classifier export (no output that can be the last hidden state), the
 * classification head the self-check follows instead. Reading it rejects, with a message naming the checkpoint,
 * graphs whose inputs, LayerNorm structure or head the extractor does not understand.
 *
 * @param graph         the parsed original model (holds its bytes; not kept after load)
 * @param taps          the tap tensors in the original graph, layer 0 first
 * @param maxPositions  first dimension of the position-embedding initializer, else {@value #DEFAULT_MAX_POSITIONS}
 * @param batchCoupled  true for dynamically quantized graphs (DynamicQuantizeLinear / DynamicQuantizeMatMul):
 *                      they compute one quantization scale per activation tensor, i.e. over the whole batch
 *                      including padding, so a review's output would depend on its batch mates
 * @param classifierHead empty if some output may be the last hidden state (rank 3 or no declared shape: a
 *                       feature-extraction export); else the head that computes the classifier's output
 */
record CheckpointGraph(OnnxGraph graph, List<String> taps, int maxPositions, boolean batchCoupled,
                       Optional<ClassifierHead> classifierHead) {

    static final int DEFAULT_MAX_POSITIONS = 512;
    private static final String LOGITS = "logits";

    /**
     * Parses and checks a checkpoint's ONNX bytes.
     *
     * @param explicitTaps configured tap tensors; empty = find them from the LayerNorms
     * @throws ModelLoadException naming the checkpoint if the model cannot be tapped
     */
    static CheckpointGraph read(String checkpoint, byte[] onnxModel, List<String> explicitTaps) {
        OnnxGraph graph;
        try {
            graph = OnnxGraph.parse(onnxModel);
        } catch (RuntimeException e) {
            throw new ModelLoadException("checkpoint '" + checkpoint + "': not a readable ONNX model: " + e.getMessage(), e);
        }
        List<String> taps = findTaps(checkpoint, graph, explicitTaps);
        checkInputs(checkpoint, graph);
        boolean batchCoupled = graph.nodes().stream().anyMatch(n -> n.opType().equals("DynamicQuantizeLinear")
                || n.opType().equals("DynamicQuantizeMatMul"));
        return new CheckpointGraph(graph, List.copyOf(taps), maxPositions(graph), batchCoupled,
                classifierHead(checkpoint, graph));
    }

    /**
     * The head of a classifier export: traced from {@code logits} first, then from each other output; empty when
     * an output may be the last hidden state, so that feature-extraction exports keep their check.
     */
    private static Optional<ClassifierHead> classifierHead(String name, OnnxGraph graph) {
        if (graph.outputs().stream().anyMatch(o -> o.dims() == null || o.dims().size() == 3)) {
            return Optional.empty();
        }
        List<ValueInfo> outputs = new ArrayList<>(graph.outputs());
        outputs.sort(Comparator.comparing(o -> !o.name().equals(LOGITS)));
        List<String> reasons = new ArrayList<>();
        for (ValueInfo out : outputs) {
            try {
                return Optional.of(ClassifierHead.trace(graph, out.name()));
            } catch (IllegalArgumentException e) {
                reasons.add("'" + out.name() + "': " + e.getMessage());
            }
        }
        throw new ModelLoadException("checkpoint '" + name + "': no model output has the last hidden state's shape"
                + " [batch, sequence, dim] and none is a sequence-classification head over one position ("
                + String.join("; ", reasons) + "); export the checkpoint with optimum-cli's --task feature-extraction");
    }

    private static List<String> findTaps(String name, OnnxGraph graph, List<String> explicit) {
        if (!explicit.isEmpty()) {
            List<String> missing = explicit.stream().filter(t -> !graph.hasTensor(t)).toList();
            if (!missing.isEmpty()) {
                throw new ModelLoadException("checkpoint '" + name + "': configured tap tensors not found in the graph: "
                        + missing + " (LayerNorm outputs found: " + abbreviate(LayerNormSearch.layerNormOutputs(graph)) + ")");
            }
            if (new LinkedHashSet<>(explicit).size() != explicit.size()) {
                throw new ModelLoadException("checkpoint '" + name + "': configured tap tensors contain duplicates: " + explicit);
            }
            return explicit;
        }
        List<String> lns = LayerNormSearch.layerNormOutputs(graph);
        int blocks = LayerNormSearch.blockCountFromNames(graph);
        if (lns.isEmpty()) {
            throw new ModelLoadException("checkpoint '" + name + "': no LayerNorm found (neither LayerNormalization/"
                    + "SkipLayerNormalization ops nor the ReduceMean/Sub/Pow/Sqrt/Div pattern); name the tap tensors in"
                    + " the configuration instead");
        }
        if (lns.size() % 2 == 0) {
            throw new ModelLoadException("checkpoint '" + name + "': found " + lns.size() + " LayerNorms, expected an odd"
                    + " number (embedding LayerNorm + 2 per block of a post-LN BERT-family encoder)"
                    + (blocks > 0 ? "; the graph names " + blocks + " blocks" : "") + "; LayerNorm outputs: "
                    + abbreviate(lns) + "; name the tap tensors in the configuration instead");
        }
        if (blocks > 0 && lns.size() != 2 * blocks + 1) {
            throw new ModelLoadException("checkpoint '" + name + "': found " + lns.size() + " LayerNorms but the graph"
                    + " names " + blocks + " blocks (expected " + (2 * blocks + 1) + "); LayerNorm outputs: "
                    + abbreviate(lns) + "; name the tap tensors in the configuration instead");
        }
        return LayerNormSearch.taps(lns);
    }

    private static void checkInputs(String name, OnnxGraph graph) {
        Set<String> initializers = graph.initializers().keySet();
        List<String> inputs = graph.inputs().stream().map(ValueInfo::name).filter(n -> !initializers.contains(n)).toList();
        List<String> unknown = inputs.stream().filter(n -> !BatchTensors.FED_INPUTS.contains(n)).toList();
        if (!unknown.isEmpty() || !inputs.contains(BatchTensors.INPUT_IDS)) {
            throw new ModelLoadException("checkpoint '" + name + "': model inputs " + inputs + " are not supported;"
                    + " expected input_ids and optionally attention_mask, token_type_ids");
        }
    }

    static int maxPositions(OnnxGraph graph) {
        for (Initializer init : graph.initializers().values()) {
            if (init.name().contains("position_embeddings") && init.dims().length == 2 && init.dims()[0] > 0) {
                return (int) Math.min(init.dims()[0], Integer.MAX_VALUE);
            }
        }
        return DEFAULT_MAX_POSITIONS;
    }

    /** Rows of the table input_ids index (a Gather on input_ids, else a "word_embeddings" initializer), 0 if unknown. */
    long vocabularySize() {
        for (OnnxGraph.Node n : graph.nodes()) {
            if (n.opType().equals("Gather") && n.input(1).equals(BatchTensors.INPUT_IDS)) {
                Initializer table = graph.initializers().get(n.input(0));
                if (table != null && table.dims().length == 2) {
                    return table.dims()[0];
                }
            }
        }
        for (Initializer init : graph.initializers().values()) {
            if (init.name().contains("word_embeddings") && init.dims().length == 2) {
                return init.dims()[0];
            }
        }
        return 0;
    }

    /** A tensor-name list for an error message: whole up to 6 names, else the first 3, the last 2 and the count. */
    static String abbreviate(List<String> names) {
        if (names.size() <= 6) {
            return names.toString();
        }
        return "[" + String.join(", ", names.subList(0, 3)) + ", ..., "
                + String.join(", ", names.subList(names.size() - 2, names.size())) + "] (" + names.size() + ")";
    }
}
