package dev.ckastream.extractor.it;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Three real checkpoints as an ordered list ({@code extractor.checkpoints[i].*}): the default pair, then
 * all-MiniLM-L6-v2 (another architecture: 6 blocks) with its own tokenizer.
 */
public class ThreeCheckpointsProfile implements QuarkusTestProfile {

    /** Name and classpath resource stem (model {@code <stem>.onnx}, tokenizer {@code <stem>-tokenizer.json}), in order. */
    static final List<List<String>> CHECKPOINTS = List.of(
            List.of("pretrained", "bge-small-en"),
            List.of("finetuned", "bge-small-en-v1.5"),
            List.of("minilm", "all-minilm-l6-v2"));

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>();
        for (int i = 0; i < CHECKPOINTS.size(); i++) {
            String p = "extractor.checkpoints[" + i + "].";
            overrides.put(p + "name", CHECKPOINTS.get(i).get(0));
            overrides.put(p + "model", "classpath:" + CHECKPOINTS.get(i).get(1) + ".onnx");
            overrides.put(p + "tokenizer", "classpath:" + CHECKPOINTS.get(i).get(1) + "-tokenizer.json");
        }
        return overrides;
    }
}
