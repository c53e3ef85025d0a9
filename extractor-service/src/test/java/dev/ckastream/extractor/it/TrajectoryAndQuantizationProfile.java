package dev.ckastream.extractor.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.ckastream.extractor.trajectory.InterpolatedTrajectory;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Five real checkpoints in one extractor (one Quarkus start for both families): a trajectory interpolated from
 * bge-small-en to bge-small-en-v1.5 at t = 0, 0.5, 1 (written once per JVM by {@link InterpolatedTrajectory} into
 * a temporary folder, deleted at exit), then all-MiniLM-L6-v2's float export and its int8 export, both with the
 * float export's tokenizer (the two jars' tokenizer.json files are byte-identical). Reviews are cut to
 * {@value #MAX_TOKENS} tokens to keep the run short.
 */
public class TrajectoryAndQuantizationProfile implements QuarkusTestProfile {

    static final int MAX_TOKENS = 32;
    static final List<Double> STEPS = List.of(0.0, 0.5, 1.0);
    static final String MINILM = "minilm";
    static final String MINILM_INT8 = "minilm-int8";

    /** A JVM-wide setting, since Quarkus loads this class in more than one class loader. */
    private static final String DIR_PROPERTY = "ckastream.test.trajectory-dir";

    private static List<InterpolatedTrajectory.Step> trajectory;

    /** The interpolated checkpoints, written on first use in this JVM. */
    static synchronized List<InterpolatedTrajectory.Step> trajectory() {
        String written = System.getProperty(DIR_PROPERTY);
        if (trajectory == null && written != null) {
            Path dir = Path.of(written);
            trajectory = STEPS.stream().map(t -> InterpolatedTrajectory.step(dir, t)).toList();
        }
        if (trajectory == null) {
            try {
                Path dir = Files.createTempDirectory("ckastream-trajectory-");
                System.setProperty(DIR_PROPERTY, dir.toString());
                dir.toFile().deleteOnExit();
                long started = System.nanoTime();
                trajectory = InterpolatedTrajectory.write(dir, STEPS, InterpolatedTrajectory.BGE_SMALL_EN,
                        InterpolatedTrajectory.BGE_SMALL_EN_V15, System.out);
                System.out.printf("trajectory of %d checkpoints written in %.1f s%n", STEPS.size(),
                        (System.nanoTime() - started) / 1e9);
                for (InterpolatedTrajectory.Step step : trajectory) {
                    // deleteOnExit runs in reverse order of registration: files, then their folder, then dir
                    step.model().getParent().toFile().deleteOnExit();
                    step.model().toFile().deleteOnExit();
                    step.tokenizer().toFile().deleteOnExit();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return trajectory;
    }

    /** Checkpoint names in configured order. */
    static List<String> names() {
        List<String> names = new java.util.ArrayList<>(trajectory().stream().map(InterpolatedTrajectory.Step::name).toList());
        names.add(MINILM);
        names.add(MINILM_INT8);
        return List.copyOf(names);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>();
        List<InterpolatedTrajectory.Step> steps = trajectory();
        for (int i = 0; i < steps.size(); i++) {
            String p = "extractor.checkpoints[" + i + "].";
            overrides.put(p + "name", steps.get(i).name());
            overrides.put(p + "model", steps.get(i).model().toString());
            overrides.put(p + "tokenizer", steps.get(i).tokenizer().toString());
        }
        String[][] minilm = {{MINILM, "classpath:all-minilm-l6-v2.onnx"}, {MINILM_INT8, "classpath:all-minilm-l6-v2-q.onnx"}};
        for (int j = 0; j < minilm.length; j++) {
            String p = "extractor.checkpoints[" + (steps.size() + j) + "].";
            overrides.put(p + "name", minilm[j][0]);
            overrides.put(p + "model", minilm[j][1]);
            overrides.put(p + "tokenizer", "classpath:all-minilm-l6-v2-tokenizer.json");
        }
        overrides.put("extractor.max-tokens", Integer.toString(MAX_TOKENS));
        return overrides;
    }
}
