package dev.ckastream.extractor.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.ckastream.extractor.onnx.LayerNormSearch;
import dev.ckastream.extractor.onnx.OnnxGraph;
import dev.ckastream.extractor.onnx.TinyModels;
import dev.ckastream.extractor.tokenize.TokenizedReview;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Loading tiny synthetic models: taps, pooling, the self-check and every start-up error. */
class ModelLoadTest {

    @Test
    void theServingModelPoolsAsTheTappedOneAndKeepsNoTapSession() {
        byte[] bytes = TinyModels.model(true, "/encoder/layer.0/");
        List<TokenizedReview> batch = List.of(TokenizedReview.of(1, 2, 3), TokenizedReview.of(4));
        try (LayerPoolingModel served = LayerPoolingModel.load("tiny", bytes, ExecutionSettings.cpu(1));
             LayerPoolingModel tapped = LayerPoolingModel.loadWithTaps("tiny", bytes, ExecutionSettings.cpu(1))) {
            float[][] a = served.pool(batch);
            float[][] b = tapped.pool(batch);
            for (int r = 0; r < batch.size(); r++) {
                assertArrayEquals(b[r], a[r], 1e-6f, "review " + r);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> served.hiddenState(batch, 0));
            assertTrue(e.getMessage().contains("loadWithTaps"), e.getMessage());
        }
    }

    @Test
    void tinyModelLoadsWithSingleOpLayerNormsAndOnlyTheInputsItHas() {
        try (LayerPoolingModel m = LayerPoolingModel.loadWithTaps("tiny", TinyModels.model(true, "/encoder/layer.0/"),
                ExecutionSettings.cpu(1))) {
            assertEquals(2, m.layers());
            assertEquals(TinyModels.DIM, m.dim());
            assertEquals(8, m.maxPositions());
            assertEquals(java.util.Set.of("input_ids"), m.modelInputs());
            assertEquals(List.of("ln0", "last_hidden_state"), m.tapTensors());
            assertEquals(16, m.fingerprint().length());
            assertTrue(m.fingerprint().matches("[0-9a-f]{16}"));
            List<TokenizedReview> batch = List.of(TokenizedReview.of(1, 2, 3), TokenizedReview.of(4));
            float[][] pooled = m.pool(batch);
            float[][][] h0 = m.hiddenState(batch, 0);
            for (int j = 0; j < TinyModels.DIM; j++) {
                assertEquals((h0[0][0][j] + h0[0][1][j] + h0[0][2][j]) / 3.0, pooled[0][j], 1e-6);
                assertEquals(h0[1][0][j], pooled[1][j], 1e-6);
            }
            // LayerNorm output: zero mean per position before the affine part is not checkable here, but
            // positions of one review are different and the pooled layers differ.
            assertNotEquals(pooled[0][0], pooled[0][TinyModels.DIM]);
        }
    }

    @Test
    void evenLayerNormCountIsAClearStartUpError() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LayerPoolingModel.load("tiny-even", TinyModels.model(false, "/encoder/layer.0/"), ExecutionSettings.cpu(1)));
        assertTrue(e.getMessage().contains("tiny-even"), e.getMessage());
        assertTrue(e.getMessage().contains("found 2 LayerNorms"), e.getMessage());
        assertTrue(e.getMessage().contains("ln0") && e.getMessage().contains("ln1"), e.getMessage());
    }

    @Test
    void layerNormCountNotMatchingTheNamedBlocksIsAStartUpError() {
        // names mention blocks 0 and 1, but there are only 3 LayerNorms (one block)
        byte[] model = TinyModels.model(true, "/encoder/layer.0/");
        byte[] renamed = new String(model, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace("/encoder/layer.0/ffn/", "/encoder/layer.1/ffn/").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LayerPoolingModel.load("tiny-blocks", renamed, ExecutionSettings.cpu(1)));
        assertTrue(e.getMessage().contains("tiny-blocks") && e.getMessage().contains("names 2 blocks"), e.getMessage());
    }

    @Test
    void explicitTapNamesThatDoNotExistAreAStartUpError() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LayerPoolingModel.load("tiny-explicit",
                TinyModels.model(true, ""), ExecutionSettings.cpu(1).withTapNames(List.of("ln0", "no_such_tensor"))));
        assertTrue(e.getMessage().contains("tiny-explicit") && e.getMessage().contains("[no_such_tensor]"), e.getMessage());
    }

    @Test
    void explicitTapNamesWhoseLastIsNotTheOutputFailTheSelfCheck() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LayerPoolingModel.load("tiny-wrong-last",
                TinyModels.model(true, ""), ExecutionSettings.cpu(1).withTapNames(List.of("ln0", "m1"))));
        assertTrue(e.getMessage().contains("tiny-wrong-last") && e.getMessage().contains("'m1' is not the model's last hidden state"),
                e.getMessage());
    }

    @Test
    void explicitTapNamesBypassTheLayerNormSearch() {
        // the even-LN model is rejected by the search, but explicit names work
        try (LayerPoolingModel m = LayerPoolingModel.load("tiny-named", TinyModels.model(false, ""),
                ExecutionSettings.cpu(1).withTapNames(List.of("e", "ln0", "m1", "ln1")))) {
            assertEquals(4, m.layers());
            assertEquals("ln1", m.lastHiddenStateOutput());
        }
    }

    @Test
    void cudaRequestedWithoutCudaFailsOrFallsBackPerFlag() {
        assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA), "CUDA present: nothing to test");
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LayerPoolingModel.load("tiny-cuda", TinyModels.model(true, ""), ExecutionSettings.cuda(0, false)));
        assertTrue(e.getMessage().contains("tiny-cuda") && e.getMessage().contains("CUDA"), e.getMessage());
        try (LayerPoolingModel m = LayerPoolingModel.load("tiny-cuda", TinyModels.model(true, ""), ExecutionSettings.cuda(0, true))) {
            assertEquals("CPU", m.executionProvider());
            assertTrue(m.providerNote().contains("CUDA requested"), m.providerNote());
        }
    }

    @Test
    void notAnOnnxModelIsAStartUpError() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LayerPoolingModel.load("garbage", "hello world".getBytes(), ExecutionSettings.cpu()));
        assertTrue(e.getMessage().contains("garbage"), e.getMessage());
    }

    @Test
    void decomposedLayerNormsIncludingReciprocalFormAreTapped() {
        byte[] model = TinyModels.decomposedModel(3);
        OnnxGraph g = OnnxGraph.parse(model);
        assertEquals(7, LayerNormSearch.layerNormOutputs(g).size());
        assertEquals(3, LayerNormSearch.blockCountFromNames(g));
        try (LayerPoolingModel m = LayerPoolingModel.loadWithTaps("tiny-decomposed", model, ExecutionSettings.cpu(1))) {
            assertEquals(4, m.layers());
            assertEquals(List.of("h0", "/encoder/layer.0/out", "/encoder/layer.1/out", "last_hidden_state"), m.tapTensors());
            assertEquals(512, m.maxPositions(), "no position-embedding initializer: default");
            assertEquals(java.util.Set.of("input_ids", "attention_mask"), m.modelInputs());
            List<TokenizedReview> batch = List.of(TokenizedReview.of(1, 2, 3, 5), TokenizedReview.of(7, 9));
            float[][][] h = m.hiddenState(batch, 0);
            // a real LayerNorm output: per position, (x - beta) / gamma has mean 0 and variance 1
            float[] gamma = {0, 0, 0, 0};
            for (int j = 0; j < 4; j++) {
                gamma[j] = 1f + 0.3f * (float) Math.sin(1.7 * j + 0.3);
            }
            double mean = 0;
            for (int j = 0; j < 4; j++) {
                mean += (h[0][1][j] - 0.2f * (float) Math.sin(1.7 * j + 0.3)) / gamma[j];
            }
            assertEquals(0.0, mean / 4, 1e-5);
            float[][] alone = m.pool(List.of(batch.get(1)));
            float[][] both = m.pool(batch);
            for (int j = 0; j < alone[0].length; j++) {
                assertEquals(alone[0][j], both[1][j], 1e-6);
            }
        }
    }
}
