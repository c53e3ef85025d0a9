package dev.ckastream.extractor.model;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.ckastream.extractor.tokenize.TokenizedReview;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One batch's input tensors for the rewritten graph: ids and token types padded to the longest review, the
 * attention mask, and the pooling weights {@code 1/n} on a review's {@code n} real tokens and 0 on padding, so
 * that {@code MatMul(pool_weights, tap)} is the masked mean and a review's vector does not depend on its batch.
 * Only the id inputs the model has are built, in its integer type. Closing frees the native tensors.
 */
final class BatchTensors implements AutoCloseable {

    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";
    /** The model inputs a batch can feed; a checkpoint with any other input is rejected at load. */
    static final Set<String> FED_INPUTS = Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);

    private final OrtEnvironment env;
    private final Map<String, OnnxJavaType> idInputs;
    private final Map<String, OnnxTensor> inputs = new HashMap<>();

    /**
     * @param idInputs the model's id inputs and their types (int64 or int32)
     */
    BatchTensors(OrtEnvironment env, Map<String, OnnxJavaType> idInputs, List<TokenizedReview> reviews)
            throws OrtException {
        this.env = env;
        this.idInputs = idInputs;
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
            inputs.put(PoolingRewrite.POOL_WEIGHTS,
                    OnnxTensor.createTensor(env, FloatBuffer.wrap(weights), new long[] {b, 1, seq}));
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

    /** The session's feed: input name → tensor. */
    Map<String, OnnxTensor> inputs() {
        return inputs;
    }

    @Override
    public void close() {
        inputs.values().forEach(OnnxTensor::close);
    }
}
