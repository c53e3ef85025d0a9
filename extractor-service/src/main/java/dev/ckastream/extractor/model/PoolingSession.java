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
import dev.ckastream.extractor.tokenize.TokenizedReview;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one ONNX Runtime session of a rewritten checkpoint, on the execution provider the settings ask for. With
 * CUDA requested but unusable (CPU-only onnxruntime artifact, bad device id, missing CUDA/cuDNN libraries) the
 * open fails saying why, or, with {@code cudaFallbackToCpu}, opens on CPU and keeps the reason in
 * {@link #providerNote()}. Thread-safe: ORT's {@code OrtSession.run} may be called concurrently; {@link #close}
 * must not race with running calls.
 */
final class PoolingSession implements AutoCloseable {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final Map<String, OnnxJavaType> idInputs;
    private final String executionProvider;
    private final String providerNote;

    private PoolingSession(OrtEnvironment env, OrtSession session, Map<String, OnnxJavaType> idInputs,
                           String executionProvider, String providerNote) {
        this.env = env;
        this.session = session;
        this.idInputs = idInputs;
        this.executionProvider = executionProvider;
        this.providerNote = providerNote;
    }

    /**
     * Creates the session for the rewritten model.
     *
     * @param taps the tap tensors, named in the error if ONNX Runtime rejects the rewritten model
     * @throws ModelLoadException naming the checkpoint
     */
    static PoolingSession open(String checkpoint, byte[] rewrittenModel, ExecutionSettings settings, List<String> taps) {
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
                    session = env.createSession(rewrittenModel, options);
                    provider = "CUDA";
                    unavailable = null;
                } catch (OrtException e) {
                    // addCUDA fails for a bad device id; createSession fails if CUDA/cuDNN libraries are missing
                    unavailable = "CUDA device " + settings.deviceId() + " could not be used: " + e.getMessage();
                }
            }
            if (unavailable != null) {
                if (!settings.cudaFallbackToCpu()) {
                    throw new ModelLoadException("checkpoint '" + checkpoint + "': CUDA requested but "
                            + unavailable + "; set the CPU fallback flag to run on CPU instead");
                }
                note = "CUDA requested but " + unavailable + "; running on CPU";
            }
        }
        if (session == null) {
            try (OrtSession.SessionOptions options = sessionOptions(settings)) {
                session = env.createSession(rewrittenModel, options);
            } catch (OrtException e) {
                throw new ModelLoadException("checkpoint '" + checkpoint + "': ONNX Runtime rejected the model ("
                        + taps.size() + " taps: " + CheckpointGraph.abbreviate(taps) + "): " + e.getMessage(), e);
            }
        }
        try {
            return new PoolingSession(env, session, idInputTypes(checkpoint, session), provider, note);
        } catch (RuntimeException | OrtException e) {
            closeQuietly(session);
            if (e instanceof ModelLoadException m) {
                throw m;
            }
            throw new ModelLoadException("checkpoint '" + checkpoint + "': start-up self-check failed: " + e.getMessage(), e);
        }
    }

    /** The options every session of a checkpoint opens with (also what the fusion test optimizes with). */
    static OrtSession.SessionOptions sessionOptions(ExecutionSettings settings) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        if (settings.intraOpThreads() > 0) {
            options.setIntraOpNumThreads(settings.intraOpThreads());
        }
        return options;
    }

    /** The model's id inputs (every input but the pooling weights) and their types, which must be int64 or int32. */
    private static Map<String, OnnxJavaType> idInputTypes(String checkpoint, OrtSession session) throws OrtException {
        Map<String, OnnxJavaType> idInputs = new HashMap<>();
        for (Map.Entry<String, NodeInfo> in : session.getInputInfo().entrySet()) {
            if (in.getKey().equals(PoolingRewrite.POOL_WEIGHTS)) {
                continue;
            }
            OnnxJavaType type = ((TensorInfo) in.getValue().getInfo()).type;
            if (type != OnnxJavaType.INT64 && type != OnnxJavaType.INT32) {
                throw new ModelLoadException("checkpoint '" + checkpoint + "': input '" + in.getKey()
                        + "' has type " + type + ", expected int64 or int32");
            }
            idInputs.put(in.getKey(), type);
        }
        return Map.copyOf(idInputs);
    }

    /** Runs one batch (its tensors are built here and freed after the run), fetching only {@code outputs}. */
    OrtSession.Result run(List<TokenizedReview> batch, Set<String> outputs) throws OrtException {
        try (BatchTensors tensors = new BatchTensors(env, idInputs, batch)) {
            return session.run(tensors.inputs(), outputs);
        }
    }

    /** Input tensors the model takes (input_ids, and attention_mask / token_type_ids if present). */
    Set<String> idInputs() {
        return idInputs.keySet();
    }

    /** "CPU" or "CUDA": the provider the session actually runs on. */
    String executionProvider() {
        return executionProvider;
    }

    /** Empty, or why a CUDA request fell back to CPU. */
    String providerNote() {
        return providerNote;
    }

    /** A [batch][sequence][dim] float output as Java arrays; {@code what} names it in the error. */
    static float[][][] rank3(OnnxValue value, String what) throws OrtException {
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

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Closes after a failed load, so that the load's own error is the one reported. */
    void closeAfterFailedLoad() {
        closeQuietly(session);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // already failing
        }
    }
}
