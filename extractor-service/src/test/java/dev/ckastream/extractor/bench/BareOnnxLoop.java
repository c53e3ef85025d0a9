package dev.ckastream.extractor.bench;

import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.ckastream.extractor.model.CheckpointFiles;
import dev.ckastream.extractor.tokenize.TokenizedReview;

/**
 * The baseline: a plain {@link OrtSession} on the checkpoint's ORIGINAL model bytes (no rewrite, no taps),
 * asked only for the model's own output {@value #OUTPUT}, run over already tokenized, already micro-batched
 * reviews, on CPU or on a CUDA device (the same provider as the extractor under test). Tensor building is inside the timed loop (the bare loop has to build its inputs too); the output
 * is not copied out of ORT.
 */
final class BareOnnxLoop implements AutoCloseable {

    static final String OUTPUT = "last_hidden_state";

    private final String name;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final Map<String, OnnxJavaType> inputs = new HashMap<>();

    /** @param cudaDevice the CUDA device to run on, or -1 for CPU */
    BareOnnxLoop(String name, String modelLocation, int intraOpThreads, int cudaDevice) throws OrtException {
        this.name = name;
        byte[] model = CheckpointFiles.readModel(modelLocation);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (intraOpThreads > 0) {
                options.setIntraOpNumThreads(intraOpThreads);
            }
            if (cudaDevice >= 0) {
                if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
                    throw new IllegalStateException(name + ": this onnxruntime has no CUDA provider (available: "
                            + OrtEnvironment.getAvailableProviders() + "); build with -Dgpu (deploy/bench-gpu does)");
                }
                options.addCUDA(cudaDevice);
            }
            session = env.createSession(model, options);
        }
        for (Map.Entry<String, NodeInfo> in : session.getInputInfo().entrySet()) {
            inputs.put(in.getKey(), ((TensorInfo) in.getValue().getInfo()).type);
        }
        if (!session.getOutputNames().contains(OUTPUT)) {
            throw new IllegalStateException(name + ": the model has no output " + OUTPUT + " (outputs: "
                    + session.getOutputNames() + ")");
        }
        if (inputs.values().stream().anyMatch(t -> t != OnnxJavaType.INT64)) {
            throw new IllegalStateException(name + ": expected int64 inputs, got " + inputs);
        }
    }

    String name() {
        return name;
    }

    /** Runs every micro-batch once; returns the elapsed nanoseconds. */
    long run(List<List<TokenizedReview>> batches) throws OrtException {
        long started = System.nanoTime();
        for (List<TokenizedReview> batch : batches) {
            runBatch(batch);
        }
        return System.nanoTime() - started;
    }

    void runBatch(List<TokenizedReview> batch) throws OrtException {
        int b = batch.size();
        int seq = 0;
        for (TokenizedReview r : batch) {
            seq = Math.max(seq, r.tokens());
        }
        long[] ids = new long[b * seq];
        long[] types = new long[b * seq];
        long[] mask = new long[b * seq];
        for (int r = 0; r < b; r++) {
            TokenizedReview review = batch.get(r);
            int n = review.tokens();
            System.arraycopy(review.inputIds(), 0, ids, r * seq, n);
            System.arraycopy(review.tokenTypeIds(), 0, types, r * seq, n);
            java.util.Arrays.fill(mask, r * seq, r * seq + n, 1L);
        }
        long[] shape = {b, seq};
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            put(feed, "input_ids", ids, shape);
            put(feed, "attention_mask", mask, shape);
            put(feed, "token_type_ids", types, shape);
            try (OrtSession.Result result = session.run(feed, Set.of(OUTPUT))) {
                long[] out = ((OnnxTensor) result.get(0)).getInfo().getShape();
                if (out[0] != b || out[1] != seq) {
                    throw new IllegalStateException(name + ": unexpected output shape " + java.util.Arrays.toString(out));
                }
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private void put(Map<String, OnnxTensor> feed, String input, long[] values, long[] shape) throws OrtException {
        if (inputs.containsKey(input)) {
            feed.put(input, OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape));
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
