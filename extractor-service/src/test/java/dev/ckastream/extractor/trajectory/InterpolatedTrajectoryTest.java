package dev.ckastream.extractor.trajectory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ckastream.extractor.onnx.TinyModels;
import dev.ckastream.extractor.onnx.WeightInterpolation;

/** Step names, the steps option, and the files {@link InterpolatedTrajectory#write} lays out, on tiny models. */
class InterpolatedTrajectoryTest {

    @TempDir
    Path dir;

    @Test
    void stepsAreNamedByTheirPercentage() {
        assertEquals("t000", InterpolatedTrajectory.name(0));
        assertEquals("t025", InterpolatedTrajectory.name(0.25));
        assertEquals("t050", InterpolatedTrajectory.name(0.5));
        assertEquals("t100", InterpolatedTrajectory.name(1));
        assertEquals("t010", InterpolatedTrajectory.name(0.1));
        assertEquals("t012_5", InterpolatedTrajectory.name(0.125));
    }

    @Test
    void theStepsOptionIsCheckedWithMessages() {
        assertEquals(List.of(0.0, 0.25, 1.0), InterpolatedTrajectory.parseSteps("0, 0.25,1"));
        assertEquals("--steps: 1.5 is outside [0, 1]", assertThrows(IllegalArgumentException.class,
                () -> InterpolatedTrajectory.parseSteps("0,1.5")).getMessage());
        assertEquals("--steps: \"half\" is not a number (give e.g. 0,0.25,0.5,0.75,1)",
                assertThrows(IllegalArgumentException.class, () -> InterpolatedTrajectory.parseSteps("0,half")).getMessage());
        assertEquals("--steps: 0.5 and 0.50 are the same step (t050)", assertThrows(IllegalArgumentException.class,
                () -> InterpolatedTrajectory.parseSteps("0.5,0.50")).getMessage());
    }

    @Test
    void writesOneFolderPerStepWithTheStartsTokenizerExceptAtTheEnd() throws Exception {
        byte[] start = TinyModels.model(true, "");
        // the same graph with other node names, and other values for one initializer
        byte[] end = TinyModels.withFloatInitializer(TinyModels.model(true, "/encoder/layer.0/"), "c", 10, 20, 30, 40);
        Path startModel = Files.write(dir.resolve("start.onnx"), start);
        Path endModel = Files.write(dir.resolve("end.onnx"), end);
        Path startTokenizer = Files.writeString(dir.resolve("start-tokenizer.json"), "{\"start\":1}");
        Path endTokenizer = Files.writeString(dir.resolve("end-tokenizer.json"), "{\"end\":1}");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path out = dir.resolve("trajectory");

        List<InterpolatedTrajectory.Step> steps = InterpolatedTrajectory.write(out, List.of(0.0, 0.5, 1.0),
                startModel + "," + startTokenizer, endModel + "," + endTokenizer,
                new PrintStream(log, true, StandardCharsets.UTF_8));

        assertEquals(List.of("t000", "t050", "t100"), steps.stream().map(InterpolatedTrajectory.Step::name).toList());
        for (InterpolatedTrajectory.Step step : steps) {
            assertEquals(out.toAbsolutePath().resolve(step.name()).resolve("model.onnx"), step.model());
            assertEquals(step.name() + "=" + step.model() + "," + step.tokenizer(), step.checkpointOption());
            assertArrayEquals(WeightInterpolation.of(start, end).at(step.t()), Files.readAllBytes(step.model()), step.name());
            assertEquals(step.t() == 1 ? "{\"end\":1}" : "{\"start\":1}", Files.readString(step.tokenizer()), step.name());
        }
        assertArrayEquals(start, Files.readAllBytes(steps.get(0).model()));
        byte[] middle = Files.readAllBytes(steps.get(1).model());
        assertFalse(Arrays.equals(start, middle) || Arrays.equals(end, middle), "t050 is neither end");
        String progress = log.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("note: the tokenizers differ"), progress);
    }

    @Test
    void aPairOfDifferentArchitecturesWritesNothing() {
        Path out = dir.resolve("never");
        assertThrows(WeightInterpolation.Mismatch.class, () -> InterpolatedTrajectory.write(out, List.of(0.5),
                "classpath:bge-small-en.onnx,classpath:bge-small-en-tokenizer.json",
                "classpath:all-minilm-l6-v2.onnx,classpath:all-minilm-l6-v2-tokenizer.json", new PrintStream(
                        new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        assertFalse(Files.exists(out));
        assertEquals("--start: expected MODEL.onnx,TOKENIZER.json, got \"model.onnx\"", assertThrows(
                IllegalArgumentException.class, () -> InterpolatedTrajectory.write(out, List.of(0.5), "model.onnx",
                        InterpolatedTrajectory.BGE_SMALL_EN, System.err)).getMessage());
    }
}
