package dev.ckastream.extractor.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ckastream.extractor.tokenize.TokenizedReview;

import java.nio.FloatBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * One checkpoint that turns a batch of tokenized reviews into every layer's mean-pooled vector.
 *
 * <p>Loading reads the graph and finds its layer taps ({@link CheckpointGraph}), adds the taps and the in-graph
 * masked-mean pooling ({@link PoolingRewrite}), opens the ONNX Runtime session that serves on the graph with only
 * the pooled output ({@link PoolingSession}) and self-checks it against the taps of a second session that exposes
 * them ({@link LoadSelfCheck}); each step fails with a {@link ModelLoadException} naming the checkpoint.
 *
 * <p>Dynamically int8-quantized models compute activation scales over the whole batch, so they are run one
 * review at a time to keep each review's vector independent of its batch ({@link #runsPerReview()}).
 *
 * <p>Thread-safety: immutable after load; ORT's {@code OrtSession.run} is thread-safe, so {@link #pool} may be
 * called concurrently. {@link #close} must not race with running calls.
 */
public final class LayerPoolingModel implements AutoCloseable {

    private final String checkpointName;
    private final PoolingSession session;
    /** The graph with every tap exposed, kept only by {@link #loadWithTaps}; null otherwise. */
    private final PoolingSession tapSession;
    private final List<String> tapTensors;
    private final int layers;
    private final int dim;
    private final int maxPositions;
    private final boolean perReview;
    private final String lastHiddenStateOutput;
    private final String selfCheck;
    private final String fingerprint;

    private LayerPoolingModel(String checkpointName, PoolingSession session, PoolingSession tapSession,
                              CheckpointGraph graph, LoadSelfCheck.Passed check, String fingerprint) {
        this.checkpointName = checkpointName;
        this.session = session;
        this.tapSession = tapSession;
        this.tapTensors = graph.taps();
        this.layers = tapTensors.size();
        this.dim = check.dim();
        this.maxPositions = graph.maxPositions();
        this.perReview = graph.batchCoupled();
        this.lastHiddenStateOutput = check.lastHiddenState();
        this.selfCheck = check.description();
        this.fingerprint = fingerprint;
    }

    /**
     * Loads, rewrites and self-checks a checkpoint. The parsed graph (which holds the model's bytes) is not kept.
     *
     * <p>The session that serves runs the graph with only the pooled output added ({@link
     * PoolingRewrite#applyPooledOnly}): ONNX Runtime runs every node whatever a call fetches, so exposing the taps
     * there would cost a copy of every layer's hidden state on each call. The self-check reads the taps from a
     * second session of the graph that exposes them, closed once the check has passed ({@link #hiddenState} needs
     * {@link #loadWithTaps}).
     *
     * @param settings null means {@link ExecutionSettings#cpu()}
     * @throws ModelLoadException naming the checkpoint if the model is not usable (bad ONNX, LayerNorm structure
     *                            not understood, missing explicit tap names, self-check mismatch, CUDA missing)
     */
    public static LayerPoolingModel load(String checkpointName, byte[] onnxModel, ExecutionSettings settings) {
        return load(checkpointName, onnxModel, settings, false);
    }

    /**
     * As {@link #load}, keeping the session that exposes the raw taps open for {@link #hiddenState} (diagnostics and
     * tests; it holds a second copy of the weights).
     */
    public static LayerPoolingModel loadWithTaps(String checkpointName, byte[] onnxModel, ExecutionSettings settings) {
        return load(checkpointName, onnxModel, settings, true);
    }

    private static LayerPoolingModel load(String checkpointName, byte[] onnxModel, ExecutionSettings settings,
                                          boolean keepTaps) {
        if (settings == null) {
            settings = ExecutionSettings.cpu();
        }
        String fingerprint = fingerprint(onnxModel);
        CheckpointGraph graph = CheckpointGraph.read(checkpointName, onnxModel, settings.tapNames());
        PoolingSession tapped = PoolingSession.open(checkpointName, PoolingRewrite.apply(checkpointName, graph.graph(),
                graph.taps(), LoadSelfCheck.checkedTensors(graph)), settings, graph.taps());
        PoolingSession session = null;
        LoadSelfCheck.Passed check;
        try {
            session = PoolingSession.open(checkpointName,
                    PoolingRewrite.applyPooledOnly(checkpointName, graph.graph(), graph.taps()), settings, graph.taps());
            check = LoadSelfCheck.run(checkpointName, tapped, session, graph);
        } catch (RuntimeException | OrtException e) {
            tapped.closeAfterFailedLoad();
            if (session != null) {
                session.closeAfterFailedLoad();
            }
            if (e instanceof ModelLoadException m) {
                throw m;
            }
            throw new ModelLoadException("checkpoint '" + checkpointName + "': start-up self-check failed: " + e.getMessage(), e);
        }
        if (!keepTaps) {
            tapped.close();
        }
        return new LayerPoolingModel(checkpointName, session, keepTaps ? tapped : null, graph, check, fingerprint);
    }

    /**
     * Every layer's masked-mean vector for each review: one {@code float[layers() * dim()]} per review, layer-major
     * (layer 0 = embeddings, first {@code dim()} values). The batch is padded to its longest review; padded
     * positions get pooling weight 0, so a review's vector does not depend on its batch.
     */
    public float[][] pool(List<TokenizedReview> batch) {
        if (perReview && batch != null && batch.size() > 1) {
            float[][] out = new float[batch.size()][];
            for (int r = 0; r < batch.size(); r++) {
                out[r] = pool(List.of(batch.get(r)))[0];
            }
            return out;
        }
        checkBatch(batch);
        try (OrtSession.Result result = session.run(batch, Set.of(PoolingRewrite.POOLED))) {
            OnnxTensor t = (OnnxTensor) result.get(PoolingRewrite.POOLED).orElseThrow();
            long[] shape = t.getInfo().getShape();
            if (shape.length != 3 || shape[0] != batch.size() || shape[1] != layers || shape[2] != dim) {
                throw new IllegalStateException("unexpected pooled shape " + Arrays.toString(shape));
            }
            FloatBuffer fb = t.getFloatBuffer();
            float[][] out = new float[batch.size()][layers * dim];
            for (float[] row : out) {
                fb.get(row);
            }
            return out;
        } catch (OrtException e) {
            throw inferenceFailed(e);
        }
    }

    /**
     * The raw (unpooled) hidden state of one layer, [batch][sequence][dim] with padding, from one batched run
     * (even for {@link #runsPerReview()} models); for diagnostics and tests.
     *
     * @throws IllegalStateException if the model was not loaded with {@link #loadWithTaps}
     */
    public float[][][] hiddenState(List<TokenizedReview> batch, int layer) {
        if (tapSession == null) {
            throw new IllegalStateException("checkpoint '" + checkpointName + "' was loaded without its taps"
                    + " (LayerPoolingModel.loadWithTaps keeps them)");
        }
        if (layer < 0 || layer >= layers) {
            throw new IndexOutOfBoundsException("layer " + layer + " of " + layers);
        }
        checkBatch(batch);
        String output = PoolingRewrite.tapOutput(layer);
        try (OrtSession.Result result = tapSession.run(batch, Set.of(output))) {
            return PoolingSession.rank3(result.get(output).orElseThrow(), output);
        } catch (OrtException e) {
            throw inferenceFailed(e);
        }
    }

    private void checkBatch(List<TokenizedReview> reviews) {
        if (reviews == null || reviews.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        for (TokenizedReview r : reviews) {
            if (r.tokens() > maxPositions) {
                throw new IllegalArgumentException("review of " + r.tokens() + " tokens exceeds checkpoint '"
                        + checkpointName + "' limit of " + maxPositions + " positions");
            }
        }
    }

    private IllegalStateException inferenceFailed(OrtException e) {
        return new IllegalStateException("checkpoint '" + checkpointName + "': inference failed: " + e.getMessage(), e);
    }

    /** Pooled vectors per review: blocks + 1 (embeddings + every block). */
    public int layers() {
        return layers;
    }

    public int dim() {
        return dim;
    }

    /** The model's position limit (position-embedding rows, else 512); max-tokens must not exceed it. */
    public int maxPositions() {
        return maxPositions;
    }

    /** First 16 hex digits of the SHA-256 of the ONNX file bytes. */
    public String fingerprint() {
        return fingerprint;
    }

    /** "CPU" or "CUDA": the provider the session actually runs on. */
    public String executionProvider() {
        return session.executionProvider();
    }

    /** Empty, or why a CUDA request fell back to CPU (for a warning log line). */
    public String providerNote() {
        return session.providerNote();
    }

    /** The tap tensors in the original graph, layer 0 first. */
    public List<String> tapTensors() {
        return tapTensors;
    }

    /** The model output the last tap was checked against at load; empty for a classifier export (see {@link #selfCheck}). */
    public String lastHiddenStateOutput() {
        return lastHiddenStateOutput;
    }

    /**
     * Which start-up check of the last tap ran and what it compared, for the start-up line: against the model's
     * last hidden state output (feature-extraction export), or against the input of the classification head
     * (classifier export with only {@code logits}).
     */
    public String selfCheck() {
        return selfCheck;
    }

    /** True if {@link #pool} runs each review on its own (dynamically quantized models, see {@link CheckpointGraph}). */
    public boolean runsPerReview() {
        return perReview;
    }

    /** Input tensors the model takes (input_ids, and attention_mask / token_type_ids if present). */
    public Set<String> modelInputs() {
        return session.idInputs();
    }

    private static String fingerprint(byte[] onnxModel) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(onnxModel);
            return HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        session.close();
        if (tapSession != null) {
            tapSession.close();
        }
    }
}
