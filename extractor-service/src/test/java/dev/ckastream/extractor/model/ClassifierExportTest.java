package dev.ckastream.extractor.model;

import dev.ckastream.extractor.onnx.OnnxGraph;
import dev.ckastream.extractor.onnx.TinyModels;
import dev.ckastream.extractor.onnx.TinyModels.Head;
import dev.ckastream.extractor.tokenize.ReviewTokenizer;
import dev.ckastream.extractor.tokenize.TokenizedReview;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Classifier exports (only {@code logits} out): the taps are found as for feature-extraction exports and the
 * self-check follows the classification head instead of comparing with a last-hidden-state output.
 */
class ClassifierExportTest {

    private static final List<TokenizedReview> BATCH = List.of(TokenizedReview.of(1, 2, 3, 4), TokenizedReview.of(5, 6));

    @Test
    void distilBertStyleHeadIsTracedToTheLastTap() {
        CheckpointGraph graph = CheckpointGraph.read("tiny-distilbert",
                TinyModels.classifierModel(Head.DISTILBERT, "last_hidden_state", 0), List.of());
        ClassifierHead head = graph.classifierHead().orElseThrow();
        assertEquals("logits", head.output());
        assertEquals("cls", head.position());
        assertEquals("last_hidden_state", head.hiddenState());
        assertEquals(List.of("Gather", "MatMul", "Add", "Relu", "MatMul", "Add"), head.ops());
        assertEquals(List.of("ln0", "last_hidden_state"), graph.taps());
    }

    @Test
    void featureExtractionExportHasNoClassifierHead() {
        assertTrue(CheckpointGraph.read("tiny", TinyModels.model(true, "/encoder/layer.0/"), List.of())
                .classifierHead().isEmpty());
    }

    @Test
    void distilBertStyleClassifierLoadsAndPoolsLikeItsFeatureExtractionTwin() {
        assertLoadsLikeTwin(Head.DISTILBERT, "Gather -> MatMul -> Add -> Relu -> MatMul -> Add -> 'logits'");
    }

    @Test
    void bertStylePoolerClassifierLoadsAndPoolsLikeItsFeatureExtractionTwin() {
        assertLoadsLikeTwin(Head.BERT, "Gather -> Gemm -> Tanh -> Gemm -> 'logits'");
    }

    private static void assertLoadsLikeTwin(Head style, String headOps) {
        float[][] twin;
        try (LayerPoolingModel m = LayerPoolingModel.load("tiny", TinyModels.model(true, "/encoder/layer.0/"),
                ExecutionSettings.cpu(1))) {
            assertTrue(m.selfCheck().startsWith("last tap = model output 'last_hidden_state'"), m.selfCheck());
            twin = m.pool(BATCH);
        }
        try (LayerPoolingModel m = LayerPoolingModel.load("tiny-" + style,
                TinyModels.classifierModel(style, "last_hidden_state", 0), ExecutionSettings.cpu(1))) {
            assertEquals(List.of("ln0", "last_hidden_state"), m.tapTensors());
            assertEquals(2, m.layers());
            assertEquals(TinyModels.DIM, m.dim());
            assertEquals("", m.lastHiddenStateOutput());
            assertTrue(m.selfCheck().startsWith("classifier export: last tap 'last_hidden_state' at position 0 = input of "
                    + headOps), m.selfCheck());
            float[][] pooled = m.pool(BATCH);
            for (int r = 0; r < BATCH.size(); r++) {
                assertArrayEquals(twin[r], pooled[r], "review " + r);
            }
        }
    }

    @Test
    void configuredTapsWorkOnAClassifierExport() {
        try (LayerPoolingModel m = LayerPoolingModel.load("tiny-named", TinyModels.classifierModel(Head.BERT,
                "last_hidden_state", 0), ExecutionSettings.cpu(1).withTapNames(List.of("e", "ln0", "ln1", "last_hidden_state")))) {
            assertEquals(4, m.layers());
            assertTrue(m.selfCheck().startsWith("classifier export"), m.selfCheck());
        }
    }

    @Test
    void headThatDoesNotReadTheLastTapIsAClearStartUpError() {
        for (Head style : List.of(Head.DISTILBERT, Head.BERT)) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> LayerPoolingModel.load("tiny-off",
                    TinyModels.classifierModel(style, "ln0", 0), ExecutionSettings.cpu(1)));
            assertTrue(e.getMessage().contains("checkpoint 'tiny-off': classifier export")
                    && e.getMessage().contains("reads its position from 'ln0', not from the last tap 'last_hidden_state'"),
                    e.getMessage());
        }
    }

    @Test
    void configuredLastTapThatTheHeadDoesNotReadIsAStartUpError() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LayerPoolingModel.load("tiny-named",
                TinyModels.classifierModel(Head.DISTILBERT, "last_hidden_state", 0),
                ExecutionSettings.cpu(1).withTapNames(List.of("e", "ln0", "ln1"))));
        assertTrue(e.getMessage().contains("not from the last tap 'ln1'"), e.getMessage());
    }

    @Test
    void headReadingAnotherPositionFailsTheNumericCheck() {
        // structurally the head reads the last tap, but at position 1: only running the graph shows it
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LayerPoolingModel.load("tiny-pos1",
                TinyModels.classifierModel(Head.BERT, "last_hidden_state", 1), ExecutionSettings.cpu(1)));
        assertTrue(e.getMessage().contains("tiny-pos1") && e.getMessage().contains("does not read position 0 of the last tap"),
                e.getMessage());
    }

    @Test
    void logitsOnlyGraphWithoutAPositionHeadIsAClearStartUpError() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LayerPoolingModel.load("tiny-mean",
                TinyModels.classifierModel(Head.MEAN, "last_hidden_state", 0), ExecutionSettings.cpu(1)));
        assertTrue(e.getMessage().contains("tiny-mean") && e.getMessage().contains("none is a sequence-classification head")
                && e.getMessage().contains("'logits': stopped at ReduceMean node '/ReduceMean'")
                && e.getMessage().contains("--task feature-extraction"), e.getMessage());
    }

    /**
     * A real feature-extraction export with a classification head appended in memory and its own outputs dropped:
     * all-MiniLM-L6-v2's export already holds BERT's pooler (Gather → Gemm → Tanh, output '882'), so only the
     * classifier Gemm is added (BertForSequenceClassification's graph); bge-small-en gets DistilBERT's head.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "all-minilm-l6-v2, 882, false, Gather -> Gemm -> Tanh -> Gemm -> 'logits'",
            "bge-small-en, last_hidden_state, true, Gather -> Gemm -> Relu -> Gemm -> 'logits'"})
    void realClassifierExportLoadsAndPoolsLikeItsFeatureExtractionTwin(String name, String reads, boolean pick,
                                                                        String headOps) {
        byte[] featureExtraction = CheckpointFiles.readModel("classpath:" + name + ".onnx");
        List<TokenizedReview> batch;
        try (ReviewTokenizer tok = ReviewTokenizer.load(CheckpointFiles.tokenizerPath("classpath:" + name + "-tokenizer.json"), 512)) {
            batch = List.of(tok.encode("A quiet, beautifully shot film."),
                    tok.encode("The plot made no sense at all and the ending dragged on for far too long."));
        }
        float[][] twin;
        List<String> twinTaps;
        try (LayerPoolingModel m = LayerPoolingModel.load(name, featureExtraction, ExecutionSettings.cpu(2))) {
            twin = m.pool(batch);
            twinTaps = m.tapTensors();
        }
        byte[] classifier = TinyModels.withClassifierHead(featureExtraction, reads, pick, 384);
        featureExtraction = null;
        assertEquals(List.of("logits"), OnnxGraph.parse(classifier).outputs().stream().map(OnnxGraph.ValueInfo::name).toList());
        try (LayerPoolingModel m = LayerPoolingModel.load(name + "-classifier", classifier, ExecutionSettings.cpu(2))) {
            System.out.printf("%s classifier: %d taps, self-check: %s%n", name, m.layers(), m.selfCheck());
            assertEquals(twinTaps, m.tapTensors());
            assertTrue(m.selfCheck().startsWith("classifier export: last tap '" + twinTaps.get(twinTaps.size() - 1)
                    + "' at position 0 = input of " + headOps), m.selfCheck());
            float[][] pooled = m.pool(batch);
            double maxDiff = 0;
            for (int r = 0; r < batch.size(); r++) {
                assertEquals(twin[r].length, pooled[r].length);
                for (int j = 0; j < pooled[r].length; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs((double) pooled[r][j] - twin[r][j]));
                }
            }
            System.out.printf("%s classifier vs feature-extraction pooled vectors: max |diff| %.3g%n", name, maxDiff);
            assertTrue(maxDiff <= 1e-6, name + ": pooled vectors differ from the feature-extraction twin by " + maxDiff);
        }
    }
}
