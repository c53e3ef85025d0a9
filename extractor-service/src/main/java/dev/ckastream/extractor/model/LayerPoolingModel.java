package dev.ckastream.extractor.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.ckastream.extractor.model.OnnxGraph.Initializer;
import dev.ckastream.extractor.model.OnnxGraph.ValueInfo;
import dev.ckastream.extractor.model.ProtoWire.Writer;
import dev.ckastream.extractor.tokenize.TokenizedReview;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.ckastream.extractor.model.OnnxGraph.FLOAT;
import static dev.ckastream.extractor.model.OnnxGraph.GRAPH_INPUT;
import static dev.ckastream.extractor.model.OnnxGraph.GRAPH_NODE;
import static dev.ckastream.extractor.model.OnnxGraph.GRAPH_OUTPUT;

/**
 * One checkpoint that turns a batch of tokenized reviews into every layer's mean-pooled vector.
 *
 * <p>At load the ONNX model is rewritten in memory (the file is never changed): the per-layer tap tensors
 * (embedding LayerNorm output, then each block's output; see {@link LayerNormSearch}, or explicit names) are
 * cast to float and exposed as graph outputs {@code ckastream_tap_<k>}, a new float input
 * {@value #POOL_WEIGHTS} [batch, 1, seq] (attention mask / number of real tokens) is added, and per tap
 * {@code MatMul(pool_weights, tap)} → [batch, 1, dim] is concatenated on axis 1 into the output
 * {@value #POOLED} [batch, layers, dim], the only output requested by {@link #pool}.
 *
 * <p>A self-check at load runs a two-review sample and fails with a {@link ModelLoadException} naming the
 * checkpoint unless: the LayerNorm count is odd (embedding LN + 2 per block) and matches the block count
 * named in the graph (if any), the last tap equals the model's own last hidden state, and each pooled
 * layer equals the masked mean of its raw tap computed in Java.
 *
 * <p>Dynamically int8-quantized models compute activation scales over the whole batch, so they are run one
 * review at a time to keep each review's vector independent of its batch ({@link #runsPerReview()}).
 *
 * <p>Thread-safety: immutable after load; ORT's {@code OrtSession.run} is thread-safe, so {@link #pool} may be
 * called concurrently. {@link #close} must not race with running calls.
 */
public final class LayerPoolingModel implements AutoCloseable {

    public static final String POOL_WEIGHTS = "ckastream_pool_weights";
    public static final String POOLED = "ckastream_layers";
    static final String TAP_PREFIX = "ckastream_tap_";
    public static final int DEFAULT_MAX_POSITIONS = 512;

    private static final String INPUT_IDS = "input_ids";
    private static final String ATTENTION_MASK = "attention_mask";
    private static final String TOKEN_TYPE_IDS = "token_type_ids";
    private static final Set<String> KNOWN_INPUTS = Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);

    private final String checkpointName;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final List<String> tapTensors;
    private final int layers;
    private final int dim;
    private final int maxPositions;
    private final String fingerprint;
    private final String executionProvider;
    private final String providerNote;
    private final String lastHiddenStateOutput;
    private final Map<String, OnnxJavaType> idInputs;
    private final long defaultOpset;
    private final boolean perReview;

    private LayerPoolingModel(String checkpointName, OrtEnvironment env, OrtSession session, List<String> tapTensors,
                              int maxPositions, String fingerprint, String executionProvider, String providerNote,
                              Map<String, OnnxJavaType> idInputs, long defaultOpset, int dim, String lastHidden,
                              boolean perReview) {
        this.checkpointName = checkpointName;
        this.env = env;
        this.session = session;
        this.tapTensors = List.copyOf(tapTensors);
        this.layers = tapTensors.size();
        this.maxPositions = maxPositions;
        this.fingerprint = fingerprint;
        this.executionProvider = executionProvider;
        this.providerNote = providerNote;
        this.idInputs = idInputs;
        this.defaultOpset = defaultOpset;
        this.dim = dim;
        this.lastHiddenStateOutput = lastHidden;
        this.perReview = perReview;
    }

    /**
     * Loads, rewrites and self-checks a checkpoint.
     *
     * @throws ModelLoadException naming the checkpoint if the model is not usable (bad ONNX, LayerNorm structure
     *                            not understood, missing explicit tap names, self-check mismatch, CUDA missing)
     */
    public static LayerPoolingModel load(String checkpointName, byte[] onnxModel, ExecutionSettings settings) {
        if (settings == null) {
            settings = ExecutionSettings.cpu();
        }
        String fingerprint = fingerprint(onnxModel);
        OnnxGraph graph;
        try {
            graph = OnnxGraph.parse(onnxModel);
        } catch (RuntimeException e) {
            throw new ModelLoadException("checkpoint '" + checkpointName + "': not a readable ONNX model: " + e.getMessage(), e);
        }
        List<String> taps = findTaps(checkpointName, graph, settings.tapNames());
        checkInputs(checkpointName, graph);
        int maxPositions = maxPositions(graph);
        byte[] rewritten = rewrite(checkpointName, graph, taps);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        String provider = "CPU";
        String note = "";
        OrtSession session = null;
        if (settings.provider() == ExecutionSettings.Provider.CUDA) {
            String unavailable;
            if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
                unavailable = "this onnxruntime build has no CUDA provider (available: "
                        + OrtEnvironment.getAvailableProviders() + "; build with mvn -Dgpu for onnxruntime_gpu)";
            } else {
                try (OrtSession.SessionOptions options = sessionOptions(settings)) {
                    options.addCUDA(settings.deviceId());
                    session = env.createSession(rewritten, options);
                    provider = "CUDA";
                    unavailable = null;
                } catch (OrtException e) {
                    // addCUDA fails for a bad device id; createSession fails if CUDA/cuDNN libraries are missing
                    unavailable = "CUDA device " + settings.deviceId() + " could not be used: " + e.getMessage();
                }
            }
            if (unavailable != null) {
                if (!settings.cudaFallbackToCpu()) {
                    throw new ModelLoadException("checkpoint '" + checkpointName + "': CUDA requested but "
                            + unavailable + "; set the CPU fallback flag to run on CPU instead");
                }
                note = "CUDA requested but " + unavailable + "; running on CPU";
            }
        }
        if (session == null) {
            try (OrtSession.SessionOptions options = sessionOptions(settings)) {
                session = env.createSession(rewritten, options);
            } catch (OrtException e) {
                throw new ModelLoadException("checkpoint '" + checkpointName + "': ONNX Runtime rejected the model ("
                        + taps.size() + " taps: " + abbreviate(taps) + "): " + e.getMessage(), e);
            }
        }
        try {
            Map<String, OnnxJavaType> idInputs = new HashMap<>();
            for (Map.Entry<String, NodeInfo> in : session.getInputInfo().entrySet()) {
                if (in.getKey().equals(POOL_WEIGHTS)) {
                    continue;
                }
                OnnxJavaType type = ((TensorInfo) in.getValue().getInfo()).type;
                if (type != OnnxJavaType.INT64 && type != OnnxJavaType.INT32) {
                    throw new ModelLoadException("checkpoint '" + checkpointName + "': input '" + in.getKey()
                            + "' has type " + type + ", expected int64 or int32");
                }
                idInputs.put(in.getKey(), type);
            }
            LayerPoolingModel model = new LayerPoolingModel(checkpointName, env, session, taps, maxPositions,
                    fingerprint, provider, note, Map.copyOf(idInputs), graph.defaultOpset(), -1, null,
                    batchCoupled(graph));
            return model.selfCheck(graph);
        } catch (RuntimeException | OrtException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // already failing
            }
            if (e instanceof ModelLoadException m) {
                throw m;
            }
            throw new ModelLoadException("checkpoint '" + checkpointName + "': start-up self-check failed: " + e.getMessage(), e);
        }
    }

    private static OrtSession.SessionOptions sessionOptions(ExecutionSettings settings) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        if (settings.intraOpThreads() > 0) {
            options.setIntraOpNumThreads(settings.intraOpThreads());
        }
        return options;
    }

    // ---------------------------------------------------------------- taps

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
        List<String> unknown = inputs.stream().filter(n -> !KNOWN_INPUTS.contains(n)).toList();
        if (!unknown.isEmpty() || !inputs.contains(INPUT_IDS)) {
            throw new ModelLoadException("checkpoint '" + name + "': model inputs " + inputs + " are not supported;"
                    + " expected input_ids and optionally attention_mask, token_type_ids");
        }
    }

    /** First dimension of the position-embedding initializer, else {@value #DEFAULT_MAX_POSITIONS}. */
    static int maxPositions(OnnxGraph graph) {
        for (Initializer init : graph.initializers().values()) {
            if (init.name().contains("position_embeddings") && init.dims().length == 2 && init.dims()[0] > 0) {
                return (int) Math.min(init.dims()[0], Integer.MAX_VALUE);
            }
        }
        return DEFAULT_MAX_POSITIONS;
    }

    /** The rewritten model: taps cast to float and exposed, pool_weights input, MatMul per tap, one Concat output. */
    static byte[] rewrite(String name, OnnxGraph graph, List<String> taps) {
        List<String> added = new ArrayList<>(List.of(POOL_WEIGHTS, POOLED));
        for (int k = 0; k < taps.size(); k++) {
            added.add(TAP_PREFIX + k);
            added.add("ckastream_pooled_" + k);
        }
        for (String a : added) {
            if (graph.hasTensor(a)) {
                throw new ModelLoadException("checkpoint '" + name + "': the graph already has a tensor named " + a);
            }
        }
        Writer fields = new Writer();
        fields.message(GRAPH_INPUT, OnnxProtos.tensorValueInfo(POOL_WEIGHTS, FLOAT,
                List.of("ckastream_batch", 1L, "ckastream_sequence")));
        List<String> pooled = new ArrayList<>();
        for (int k = 0; k < taps.size(); k++) {
            String tap = TAP_PREFIX + k;
            String p = "ckastream_pooled_" + k;
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
        for (int k = 0; k < taps.size(); k++) {
            fields.message(GRAPH_OUTPUT, OnnxProtos.tensorValueInfo(TAP_PREFIX + k, FLOAT, null));
        }
        return graph.withAppendedGraphFields(fields.toByteArray());
    }

    /**
     * Dynamically quantized graphs (DynamicQuantizeLinear / DynamicQuantizeMatMul) compute one quantization
     * scale per activation tensor, i.e. over the whole batch including padding, so a review's output would depend
     * on its batch mates. Such models are run one review at a time.
     */
    static boolean batchCoupled(OnnxGraph graph) {
        return graph.nodes().stream().anyMatch(n -> n.opType().equals("DynamicQuantizeLinear")
                || n.opType().equals("DynamicQuantizeMatMul"));
    }

    // ---------------------------------------------------------------- self-check

    private LayerPoolingModel selfCheck(OnnxGraph graph) throws OrtException {
        long vocab = vocabularySize(graph);
        long[] a = {101, 7592, 1010, 2088, 999, 102};
        long[] b = {101, 2023, 102};
        if (vocab > 0) {
            for (int i = 0; i < a.length; i++) {
                a[i] %= vocab;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] %= vocab;
            }
        }
        List<TokenizedReview> sample = List.of(TokenizedReview.of(a), TokenizedReview.of(b));
        Set<String> requested = new LinkedHashSet<>();
        requested.add(POOLED);
        for (int k = 0; k < layers; k++) {
            requested.add(TAP_PREFIX + k);
        }
        for (ValueInfo out : graph.outputs()) {
            requested.add(out.name());
        }
        String where = "checkpoint '" + checkpointName + "'";
        try (Batch batch = buildBatch(sample); OrtSession.Result result = session.run(batch.inputs, requested)) {
            float[][][][] taps = new float[layers][][][];
            int d = -1;
            for (int k = 0; k < layers; k++) {
                taps[k] = toRank3(result.get(TAP_PREFIX + k).orElseThrow(), where + " tap " + k + " ('" + tapTensors.get(k) + "')");
                if (taps[k].length != 2 || taps[k][0].length != a.length) {
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
            List<ValueInfo> outs = new ArrayList<>(graph.outputs());
            outs.sort((x, y) -> Boolean.compare(!x.name().equals("last_hidden_state"), !y.name().equals("last_hidden_state")));
            for (ValueInfo out : outs) {
                OnnxValue v = result.get(out.name()).orElse(null);
                if (v instanceof OnnxTensor t && t.getInfo().getShape().length == 3
                        && (t.getInfo().type == OnnxJavaType.FLOAT || t.getInfo().type == OnnxJavaType.FLOAT16
                        || t.getInfo().type == OnnxJavaType.BFLOAT16)) {
                    long[] s = t.getInfo().getShape();
                    if (s[0] == 2 && s[1] == a.length && s[2] == d) {
                        lastHidden = out.name();
                        lastHiddenValues = toRank3(t, where + " output " + out.name());
                        break;
                    }
                }
            }
            if (lastHidden == null) {
                throw new ModelLoadException(where + ": no model output has the last hidden state's shape [batch, "
                        + "sequence, " + d + "] to check the last tap against (outputs: "
                        + graph.outputs().stream().map(ValueInfo::name).toList() + ")");
            }
            double diff = maxAbsDiff(taps[layers - 1], lastHiddenValues, sample);
            if (!(diff <= 1e-4)) {
                throw new ModelLoadException(where + ": the last tap '" + tapTensors.get(layers - 1) + "' is not the"
                        + " model's last hidden state '" + lastHidden + "' (max abs difference " + diff + "); found "
                        + layers + " taps " + abbreviate(tapTensors));
            }
            float[][][] pooled = toRank3(result.get(POOLED).orElseThrow(), where + " pooled output");
            for (int k = 0; k < layers; k++) {
                for (int r = 0; r < sample.size(); r++) {
                    int n = sample.get(r).tokens();
                    for (int j = 0; j < d; j++) {
                        double mean = 0;
                        for (int i = 0; i < n; i++) {
                            mean += taps[k][r][i][j];
                        }
                        mean /= n;
                        double tol = 1e-4 * (1 + Math.abs(mean));
                        if (!(Math.abs(mean - pooled[r][k][j]) <= tol)) {
                            throw new ModelLoadException(where + ": pooled layer " + k + " differs from the masked mean of"
                                    + " its tap (" + pooled[r][k][j] + " vs " + mean + ")");
                        }
                    }
                }
            }
            return new LayerPoolingModel(checkpointName, env, session, tapTensors, maxPositions, fingerprint,
                    executionProvider, providerNote, idInputs, defaultOpset, d, lastHidden, perReview);
        }
    }

    /** Rows of the table input_ids index (a Gather on input_ids, else a "word_embeddings" initializer), 0 if unknown. */
    static long vocabularySize(OnnxGraph graph) {
        for (OnnxGraph.Node n : graph.nodes()) {
            if (n.opType().equals("Gather") && n.input(1).equals(INPUT_IDS)) {
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

    private static float[][][] toRank3(OnnxValue value, String what) throws OrtException {
        if (!(value instanceof OnnxTensor t)) {
            throw new ModelLoadException(what + " is not a tensor");
        }
        long[] s = t.getInfo().getShape();
        if (s.length != 3) {
            throw new ModelLoadException(what + " has rank " + s.length + ", expected 3");
        }
        FloatBuffer fb = t.getFloatBuffer();
        if (fb == null) {
            throw new ModelLoadException(what + " is not a float tensor (" + t.getInfo().type + ")");
        }
        float[][][] out = new float[(int) s[0]][(int) s[1]][(int) s[2]];
        for (float[][] m : out) {
            for (float[] row : m) {
                fb.get(row);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- run

    /** Batch tensors: ids padded to the longest review, mask, token types, pool weights. */
    private final class Batch implements AutoCloseable {
        final Map<String, OnnxTensor> inputs = new HashMap<>();

        Batch(List<TokenizedReview> reviews) throws OrtException {
            int b = reviews.size();
            int seq = 0;
            for (TokenizedReview r : reviews) {
                seq = Math.max(seq, r.tokens());
            }
            long[] ids = new long[b * seq];
            long[] types = new long[b * seq];
            long[] mask = new long[b * seq];
            float[] weights = new float[b * seq];
            for (int r = 0; r < b; r++) {
                TokenizedReview review = reviews.get(r);
                int n = review.tokens();
                System.arraycopy(review.inputIds(), 0, ids, r * seq, n);
                System.arraycopy(review.tokenTypeIds(), 0, types, r * seq, n);
                for (int i = 0; i < n; i++) {
                    mask[r * seq + i] = 1;
                    weights[r * seq + i] = (float) (1.0 / n);
                }
            }
            long[] shape = {b, seq};
            try {
                add(INPUT_IDS, ids, shape);
                add(ATTENTION_MASK, mask, shape);
                add(TOKEN_TYPE_IDS, types, shape);
                inputs.put(POOL_WEIGHTS, OnnxTensor.createTensor(env, FloatBuffer.wrap(weights), new long[] {b, 1, seq}));
            } catch (OrtException | RuntimeException e) {
                close();
                throw e;
            }
        }

        private void add(String name, long[] values, long[] shape) throws OrtException {
            OnnxJavaType type = idInputs.get(name);
            if (type == null) {
                return;
            }
            if (type == OnnxJavaType.INT32) {
                int[] ints = new int[values.length];
                for (int i = 0; i < values.length; i++) {
                    ints[i] = Math.toIntExact(values[i]);
                }
                inputs.put(name, OnnxTensor.createTensor(env, IntBuffer.wrap(ints), shape));
            } else {
                inputs.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape));
            }
        }

        @Override
        public void close() {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private Batch buildBatch(List<TokenizedReview> reviews) throws OrtException {
        if (reviews == null || reviews.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        for (TokenizedReview r : reviews) {
            if (r.tokens() > maxPositions) {
                throw new IllegalArgumentException("review of " + r.tokens() + " tokens exceeds checkpoint '"
                        + checkpointName + "' limit of " + maxPositions + " positions");
            }
        }
        return new Batch(reviews);
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
        try (Batch b = buildBatch(batch); OrtSession.Result result = session.run(b.inputs, Set.of(POOLED))) {
            OnnxTensor t = (OnnxTensor) result.get(POOLED).orElseThrow();
            long[] shape = t.getInfo().getShape();
            if (shape.length != 3 || shape[0] != batch.size() || shape[1] != layers || shape[2] != dim) {
                throw new IllegalStateException("unexpected pooled shape " + java.util.Arrays.toString(shape));
            }
            FloatBuffer fb = t.getFloatBuffer();
            float[][] out = new float[batch.size()][layers * dim];
            for (float[] row : out) {
                fb.get(row);
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("checkpoint '" + checkpointName + "': inference failed: " + e.getMessage(), e);
        }
    }

    /**
     * The raw (unpooled) hidden state of one layer, [batch][sequence][dim] with padding, from one batched run
     * (even for {@link #runsPerReview()} models); for diagnostics and tests.
     */
    public float[][][] hiddenState(List<TokenizedReview> batch, int layer) {
        if (layer < 0 || layer >= layers) {
            throw new IndexOutOfBoundsException("layer " + layer + " of " + layers);
        }
        return runRank3(batch, TAP_PREFIX + layer);
    }

    /** The model's own last hidden state output (as the unmodified model computes it), for tests. */
    public float[][][] modelLastHiddenState(List<TokenizedReview> batch) {
        return runRank3(batch, lastHiddenStateOutput);
    }

    private float[][][] runRank3(List<TokenizedReview> batch, String output) {
        try (Batch b = buildBatch(batch); OrtSession.Result result = session.run(b.inputs, Set.of(output))) {
            return toRank3(result.get(output).orElseThrow(), output);
        } catch (OrtException e) {
            throw new IllegalStateException("checkpoint '" + checkpointName + "': inference failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- info

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
        return executionProvider;
    }

    /** Empty, or why a CUDA request fell back to CPU (for a warning log line). */
    public String providerNote() {
        return providerNote;
    }

    /** The tap tensors in the original graph, layer 0 first. */
    public List<String> tapTensors() {
        return tapTensors;
    }

    public String lastHiddenStateOutput() {
        return lastHiddenStateOutput;
    }

    public String checkpointName() {
        return checkpointName;
    }

    /** True if {@link #pool} runs each review on its own (dynamically quantized models, see batchCoupled). */
    public boolean runsPerReview() {
        return perReview;
    }

    /** Opset of the default ONNX domain the model imports. */
    public long opset() {
        return defaultOpset;
    }

    /** Input tensors the model takes (input_ids, and attention_mask / token_type_ids if present). */
    public Set<String> modelInputs() {
        return idInputs.keySet();
    }

    public static String fingerprint(byte[] onnxModel) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(onnxModel);
            return HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(List<String> names) {
        if (names.size() <= 6) {
            return names.toString();
        }
        return "[" + String.join(", ", names.subList(0, 3)) + ", ..., "
                + String.join(", ", names.subList(names.size() - 2, names.size())) + "] (" + names.size() + ")";
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
