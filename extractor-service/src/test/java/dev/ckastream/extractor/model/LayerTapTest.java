package dev.ckastream.extractor.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.ckastream.extractor.tokenize.ReviewTokenizer;
import dev.ckastream.extractor.tokenize.TokenizedReview;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Layer taps on five real checkpoints (fp32 and int8). Each model is loaded once, checked, and closed before
 * the next, so only one ~130 MB model is in memory at a time.
 */
class LayerTapTest {

    private static final List<String> TEXTS = List.of(
            "A quiet, beautifully shot film.",
            "The plot made no sense at all and the ending dragged on for far too long.",
            "Loved it!");

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "all-minilm-l6-v2, 7",
            "all-minilm-l6-v2-q, 7",
            "e5-small-v2, 13",
            "bge-small-en, 13",
            "bge-small-en-v1.5, 13"})
    void tapsArePerLayerAndLastTapIsTheModelOutput(String name, int expectedLayers) throws Exception {
        byte[] bytes = CheckpointFiles.readModel("classpath:" + name + ".onnx");
        List<TokenizedReview> batch;
        try (ReviewTokenizer tok = ReviewTokenizer.load(CheckpointFiles.tokenizerPath("classpath:" + name + "-tokenizer.json"), 512)) {
            batch = TEXTS.stream().map(tok::encode).toList();
        }
        long t0 = System.nanoTime();
        try (LayerPoolingModel model = LayerPoolingModel.loadWithTaps(name, bytes, ExecutionSettings.cpu(2))) {
            System.out.printf("%s: loaded in %d ms, %d taps %s, last hidden '%s', fingerprint %s%n", name,
                    (System.nanoTime() - t0) / 1_000_000, model.layers(), model.tapTensors(),
                    model.lastHiddenStateOutput(), model.fingerprint());
            assertEquals(expectedLayers, model.layers(), "blocks + 1 taps");
            assertEquals(384, model.dim());
            assertEquals(512, model.maxPositions(), "from the position-embedding initializer");
            assertEquals("CPU", model.executionProvider());
            assertTrue(model.tapTensors().get(0).contains("embeddings"), model.tapTensors().get(0));
            // Block taps are each block's second (FFN output) LayerNorm, not the attention one.
            for (int k = 1; k < model.layers() - 1; k++) {
                assertTrue(model.tapTensors().get(k).startsWith("/encoder/layer." + (k - 1) + "/output/LayerNorm/"),
                        model.tapTensors().get(k));
            }
            assertEquals(HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes))
                    .substring(0, 16), model.fingerprint());

            // Independent reference: the unmodified model in its own plain ORT session, run on the whole batch
            // and on each review alone (the reference for pooling: no padding, no batch mates; this matters
            // for the int8 model, whose dynamic quantization scales span the batch).
            float[][][] reference;
            float[][][][] alone = new float[batch.size()][][][];
            try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
                opts.setIntraOpNumThreads(2);
                try (OrtSession original = OrtEnvironment.getEnvironment().createSession(bytes, opts)) {
                    reference = runOriginal(original, batch);
                    for (int r = 0; r < batch.size(); r++) {
                        alone[r] = runOriginal(original, List.of(batch.get(r)));
                    }
                }
            }
            int last = model.layers() - 1;
            float[][][] lastTap = model.hiddenState(batch, last);
            double tapDiff = 0;
            for (int r = 0; r < batch.size(); r++) {
                for (int i = 0; i < batch.get(r).tokens(); i++) {
                    for (int j = 0; j < model.dim(); j++) {
                        tapDiff = Math.max(tapDiff, Math.abs(lastTap[r][i][j] - reference[r][i][j]));
                    }
                }
            }
            assertTrue(tapDiff < 1e-4, name + ": last tap vs model output, max abs diff " + tapDiff);

            float[][] pooled = model.pool(batch);
            assertEquals(batch.size(), pooled.length);
            double poolDiff = 0;
            for (int r = 0; r < batch.size(); r++) {
                assertEquals(model.layers() * model.dim(), pooled[r].length);
                int n = batch.get(r).tokens();
                for (int j = 0; j < model.dim(); j++) {
                    double mean = 0;
                    for (int i = 0; i < n; i++) {
                        mean += alone[r][0][i][j];
                    }
                    mean /= n;
                    poolDiff = Math.max(poolDiff, Math.abs(mean - pooled[r][last * model.dim() + j]));
                }
            }
            System.out.printf("%s: last tap max|diff| %.3g, pooled last layer vs double mean max|diff| %.3g%n",
                    name, tapDiff, poolDiff);
            assertTrue(poolDiff <= 1e-5, name + ": pooled last layer vs masked mean in double, max abs diff " + poolDiff);

            // Layers really differ from each other (taps are not all the same tensor).
            double l0VsLast = 0;
            for (int j = 0; j < model.dim(); j++) {
                l0VsLast = Math.max(l0VsLast, Math.abs(pooled[0][j] - pooled[0][last * model.dim() + j]));
            }
            assertTrue(l0VsLast > 1e-2, "layer 0 and last layer should differ");
        }
    }

    static float[][][] runOriginal(OrtSession s, List<TokenizedReview> batch) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int b = batch.size();
        int seq = batch.stream().mapToInt(TokenizedReview::tokens).max().orElseThrow();
        long[] ids = new long[b * seq];
        long[] mask = new long[b * seq];
        long[] types = new long[b * seq];
        for (int r = 0; r < b; r++) {
            TokenizedReview t = batch.get(r);
            System.arraycopy(t.inputIds(), 0, ids, r * seq, t.tokens());
            System.arraycopy(t.tokenTypeIds(), 0, types, r * seq, t.tokens());
            for (int i = 0; i < t.tokens(); i++) {
                mask[r * seq + i] = 1;
            }
        }
        long[] shape = {b, seq};
        try (OnnxTensor i1 = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor i2 = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor i3 = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape)) {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put("input_ids", i1);
            in.put("attention_mask", i2);
            in.put("token_type_ids", i3);
            // First output is the last hidden state in all five exports.
            String out = s.getOutputNames().iterator().next();
            try (OrtSession.Result res = s.run(in)) {
                OnnxTensor t = (OnnxTensor) res.get(out).orElseThrow();
                long[] sh = t.getInfo().getShape();
                FloatBuffer fb = t.getFloatBuffer();
                float[][][] x = new float[(int) sh[0]][(int) sh[1]][(int) sh[2]];
                for (float[][] m : x) {
                    for (float[] row : m) {
                        fb.get(row);
                    }
                }
                return x;
            }
        }
    }
}
