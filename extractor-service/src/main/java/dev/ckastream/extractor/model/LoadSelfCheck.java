package dev.ckastream.extractor.model;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ckastream.extractor.onnx.OnnxGraph.ValueInfo;
import dev.ckastream.extractor.tokenize.TokenizedReview;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static dev.ckastream.extractor.model.CheckpointGraph.abbreviate;

/**
 * The start-up self-check of a rewritten checkpoint: one run on a two-review sample (of different lengths, so
 * that padding is exercised) must show taps of shape [batch, sequence, dim] with one width, a last tap equal to
 * the model's own last hidden state, and each pooled layer equal to the masked mean of its raw tap computed in
 * Java. Anything else is a {@link ModelLoadException} naming the checkpoint and what differs.
 */
final class LoadSelfCheck {

    private static final double TOLERANCE = 1e-4;
    private static final String LAST_HIDDEN_STATE = "last_hidden_state";

    /**
     * What the check established.
     *
     * @param dim             width of every tap
     * @param lastHiddenState the model output the last tap was checked against
     */
    record Passed(int dim, String lastHiddenState) {
    }

    private LoadSelfCheck() {
    }

    static Passed run(String checkpoint, PoolingSession session, CheckpointGraph graph) throws OrtException {
        List<String> tapTensors = graph.taps();
        int layers = tapTensors.size();
        List<TokenizedReview> sample = sample(graph.vocabularySize());
        int longest = sample.get(0).tokens();
        Set<String> requested = new LinkedHashSet<>();
        requested.add(PoolingRewrite.POOLED);
        for (int k = 0; k < layers; k++) {
            requested.add(PoolingRewrite.tapOutput(k));
        }
        for (ValueInfo out : graph.graph().outputs()) {
            requested.add(out.name());
        }
        String where = "checkpoint '" + checkpoint + "'";
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
            // The model's own last hidden state: prefer an output named last_hidden_state, else the first
            // original output of the same [batch, sequence, dim] shape.
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
            float[][][] pooled = PoolingSession.rank3(result.get(PoolingRewrite.POOLED).orElseThrow(), where + " pooled output");
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
            return new Passed(d, lastHidden);
        }
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
