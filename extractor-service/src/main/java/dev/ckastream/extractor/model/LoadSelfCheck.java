package dev.ckastream.extractor.model;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ckastream.extractor.onnx.OnnxGraph.ValueInfo;
import dev.ckastream.extractor.tokenize.TokenizedReview;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static dev.ckastream.extractor.model.CheckpointGraph.abbreviate;

/**
 * The start-up self-check of a rewritten checkpoint: one run on a two-review sample (of different lengths, so
 * that padding is exercised) must show taps of shape [batch, sequence, dim] with one width, a last tap that is
 * the encoder's last hidden state, and each pooled layer equal to the masked mean of its raw tap computed in
 * Java. The taps come from the graph that exposes them, the pooled layers from the graph the service runs
 * (which exposes only the pooled output), so the check covers the session that serves. Anything else is a
 * {@link ModelLoadException} naming the checkpoint and what differs.
 *
 * <p>Which last-tap check runs depends on the export. A feature-extraction export: the last tap must equal the
 * model's own last hidden state output. A classifier export (only {@code logits}, see {@link ClassifierHead}):
 * the head must read its position from the last tap (structurally, in the graph) and the position it reads
 * must equal the last tap at position 0 (numerically, from the head's input exposed by the rewrite).
 */
final class LoadSelfCheck {

    private static final double TOLERANCE = 1e-4;
    private static final String LAST_HIDDEN_STATE = "last_hidden_state";

    /**
     * What the check established.
     *
     * @param dim             width of every tap
     * @param lastHiddenState the model output the last tap was checked against; empty for a classifier export
     * @param description     which check ran and what it compared, for the start-up line
     */
    record Passed(int dim, String lastHiddenState, String description) {
    }

    private LoadSelfCheck() {
    }

    /** The tensors the rewrite must expose for {@link #run} besides the taps (a classifier head's input). */
    static List<String> checkedTensors(CheckpointGraph graph) {
        return graph.classifierHead().map(h -> List.of(h.position())).orElse(List.of());
    }

    /**
     * @param session the session of the graph with the taps exposed ({@link PoolingRewrite#apply}): taps, model
     *                outputs and checked tensors are read from it
     * @param pooling the session that will serve ({@link PoolingRewrite#applyPooledOnly}, or the same one): its
     *                pooled output must be the masked mean of the other's taps
     */
    static Passed run(String checkpoint, PoolingSession session, PoolingSession pooling, CheckpointGraph graph)
            throws OrtException {
        List<String> tapTensors = graph.taps();
        int layers = tapTensors.size();
        String where = "checkpoint '" + checkpoint + "'";
        ClassifierHead head = graph.classifierHead().orElse(null);
        if (head != null) {
            String lastTap = ClassifierHead.withoutIdentities(graph.graph(), tapTensors.get(layers - 1));
            if (!head.hiddenState().equals(lastTap)) {
                throw new ModelLoadException(where + ": classifier export, but its head (" + head.describe()
                        + ") reads its position from '" + head.hiddenState() + "', not from the last tap '" + lastTap
                        + "'; found " + layers + " taps " + abbreviate(tapTensors)
                        + "; name the tap tensors in the configuration, or export with --task feature-extraction");
            }
        }
        List<TokenizedReview> sample = sample(graph.vocabularySize());
        int longest = sample.get(0).tokens();
        Set<String> requested = new LinkedHashSet<>();
        for (int k = 0; k < layers; k++) {
            requested.add(PoolingRewrite.tapOutput(k));
        }
        for (ValueInfo out : graph.graph().outputs()) {
            requested.add(out.name());
        }
        List<String> checked = checkedTensors(graph);
        for (int i = 0; i < checked.size(); i++) {
            requested.add(PoolingRewrite.checkOutput(i));
        }
        try (OrtSession.Result result = session.run(sample, requested)) {
            float[][][][] taps = new float[layers][][][];
            int d = -1;
            for (int k = 0; k < layers; k++) {
                taps[k] = PoolingSession.rank3(result.get(PoolingRewrite.tapOutput(k)).orElseThrow(),
                        where + " tap " + k + " ('" + tapTensors.get(k) + "')");
                if (taps[k].length != 2 || taps[k][0].length != longest) {
                    throw new ModelLoadException(where + ": tap " + k + " ('" + tapTensors.get(k) + "') has shape ["
                            + taps[k].length + ", " + taps[k][0].length + ", ...], expected [batch, sequence, dim]");
                }
                int dk = taps[k][0][0].length;
                if (d >= 0 && dk != d) {
                    throw new ModelLoadException(where + ": taps have different widths (" + d + " and " + dk
                            + " at tap " + k + " '" + tapTensors.get(k) + "')");
                }
                d = dk;
            }
            Passed passed = head == null
                    ? lastHiddenStateCheck(where, result, graph, taps, d, sample)
                    : classifierHeadCheck(where, result, head, tapTensors, taps, d);
            float[][][] pooled;
            try (OrtSession.Result served = pooling.run(sample, Set.of(PoolingRewrite.POOLED))) {
                pooled = PoolingSession.rank3(served.get(PoolingRewrite.POOLED).orElseThrow(), where + " pooled output");
            }
            for (int k = 0; k < layers; k++) {
                for (int r = 0; r < sample.size(); r++) {
                    int n = sample.get(r).tokens();
                    for (int j = 0; j < d; j++) {
                        double mean = 0;
                        for (int i = 0; i < n; i++) {
                            mean += taps[k][r][i][j];
                        }
                        mean /= n;
                        double tol = TOLERANCE * (1 + Math.abs(mean));
                        if (!(Math.abs(mean - pooled[r][k][j]) <= tol)) {
                            throw new ModelLoadException(where + ": pooled layer " + k + " differs from the masked mean of"
                                    + " its tap (" + pooled[r][k][j] + " vs " + mean + ")");
                        }
                    }
                }
            }
            return passed;
        }
    }

    /**
     * Feature-extraction export: the last tap equals the model's own last hidden state (an output named
     * last_hidden_state, else the first original output of the same [batch, sequence, dim] shape).
     */
    private static Passed lastHiddenStateCheck(String where, OrtSession.Result result, CheckpointGraph graph,
                                               float[][][][] taps, int d, List<TokenizedReview> sample) throws OrtException {
        List<String> tapTensors = graph.taps();
        int layers = tapTensors.size();
        int longest = sample.get(0).tokens();
        String lastHidden = null;
        float[][][] lastHiddenValues = null;
        List<ValueInfo> outs = new ArrayList<>(graph.graph().outputs());
        outs.sort((x, y) -> Boolean.compare(!x.name().equals(LAST_HIDDEN_STATE), !y.name().equals(LAST_HIDDEN_STATE)));
        for (ValueInfo out : outs) {
            OnnxValue v = result.get(out.name()).orElse(null);
            if (v instanceof OnnxTensor t && t.getInfo().getShape().length == 3
                    && (t.getInfo().type == OnnxJavaType.FLOAT || t.getInfo().type == OnnxJavaType.FLOAT16
                    || t.getInfo().type == OnnxJavaType.BFLOAT16)) {
                long[] s = t.getInfo().getShape();
                if (s[0] == 2 && s[1] == longest && s[2] == d) {
                    lastHidden = out.name();
                    lastHiddenValues = PoolingSession.rank3(t, where + " output " + out.name());
                    break;
                }
            }
        }
        if (lastHidden == null) {
            throw new ModelLoadException(where + ": no model output has the last hidden state's shape [batch, "
                    + "sequence, " + d + "] to check the last tap against (outputs: "
                    + graph.graph().outputs().stream().map(ValueInfo::name).toList() + ")");
        }
        double diff = maxAbsDiff(taps[layers - 1], lastHiddenValues, sample);
        if (!(diff <= TOLERANCE)) {
            throw new ModelLoadException(where + ": the last tap '" + tapTensors.get(layers - 1) + "' is not the"
                    + " model's last hidden state '" + lastHidden + "' (max abs difference " + diff + "); found "
                    + layers + " taps " + abbreviate(tapTensors));
        }
        return new Passed(d, lastHidden, "last tap = model output '" + lastHidden + "' (max abs difference " + diff + ")");
    }

    /**
     * Classifier export: the position the head reads (its input, exposed by the rewrite) equals the last tap at
     * position 0 ([CLS]) for every review of the sample.
     */
    private static Passed classifierHeadCheck(String where, OrtSession.Result result, ClassifierHead head,
                                              List<String> tapTensors, float[][][][] taps, int d) throws OrtException {
        int last = tapTensors.size() - 1;
        OnnxValue v = result.get(PoolingRewrite.checkOutput(0)).orElseThrow();
        if (!(v instanceof OnnxTensor t) || t.getFloatBuffer() == null) {
            throw new ModelLoadException(where + ": the classifier head's input '" + head.position() + "' is not a float tensor");
        }
        long[] s = t.getInfo().getShape();
        long perReview = 1;
        for (int i = 1; i < s.length; i++) {
            perReview *= s[i];
        }
        if (s.length < 2 || s[0] != taps[last].length || perReview != d) {
            throw new ModelLoadException(where + ": the classifier head's input '" + head.position() + "' has shape "
                    + Arrays.toString(s) + ", expected [batch, " + d + "] (one position of the last tap)");
        }
        FloatBuffer fb = t.getFloatBuffer();
        double diff = 0;
        for (int r = 0; r < s[0]; r++) {
            for (int j = 0; j < d; j++) {
                double dd = Math.abs((double) fb.get() - taps[last][r][0][j]);
                diff = Double.isNaN(dd) || Double.isNaN(diff) ? Double.NaN : Math.max(diff, dd);
            }
        }
        if (!(diff <= TOLERANCE)) {
            throw new ModelLoadException(where + ": the classifier head (" + head.describe() + ") does not read position"
                    + " 0 of the last tap '" + tapTensors.get(last) + "' (max abs difference " + diff + ")");
        }
        return new Passed(d, "", "classifier export: last tap '" + tapTensors.get(last) + "' at position 0 = input of "
                + head.describe() + " (max abs difference " + diff + ")");
    }

    /** Two reviews of 6 and 3 tokens (BERT-vocabulary ids, folded into a smaller vocabulary if the graph has one). */
    private static List<TokenizedReview> sample(long vocabularySize) {
        long[] a = {101, 7592, 1010, 2088, 999, 102};
        long[] b = {101, 2023, 102};
        if (vocabularySize > 0) {
            for (int i = 0; i < a.length; i++) {
                a[i] %= vocabularySize;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] %= vocabularySize;
            }
        }
        return List.of(TokenizedReview.of(a), TokenizedReview.of(b));
    }

    /** Max |x − y| over each review's real tokens; NaN if any difference is NaN. */
    private static double maxAbsDiff(float[][][] x, float[][][] y, List<TokenizedReview> sample) {
        double max = 0;
        for (int r = 0; r < x.length; r++) {
            int n = sample.get(r).tokens();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < x[r][i].length; j++) {
                    double dd = Math.abs((double) x[r][i][j] - y[r][i][j]);
                    if (Double.isNaN(dd)) {
                        return Double.NaN;
                    }
                    max = Math.max(max, dd);
                }
            }
        }
        return max;
    }
}
