package dev.ckastream.extractor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.ckastream.extractor.config.ExtractorConfig.CheckpointConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * {@link CheckpointList} over the real {@link ExtractorConfig} mapping, with the default pair at the ordinal of
 * the service's application.properties and the user's settings as environment variables or system properties.
 */
class CheckpointListTest {

    /** The default pair as src/main/resources/application.properties sets it. */
    private static final Map<String, String> DEFAULTS = Map.of(
            "extractor.first.name", "pretrained",
            "extractor.first.model", "classpath:bge-small-en.onnx",
            "extractor.first.tokenizer", "classpath:bge-small-en-tokenizer.json",
            "extractor.second.name", "finetuned",
            "extractor.second.model", "classpath:bge-small-en-v1.5.onnx",
            "extractor.second.tokenizer", "classpath:bge-small-en-v1.5-tokenizer.json");

    @Test
    void withoutAListTheCheckpointsAreTodaysPair() {
        List<CheckpointConfig> list = resolve(Map.of(), Map.of());
        assertEquals(List.of("pretrained", "finetuned"), names(list));
        assertEquals("classpath:bge-small-en.onnx", list.get(0).model());
        assertEquals("classpath:bge-small-en-v1.5-tokenizer.json", list.get(1).tokenizer());
    }

    @Test
    void todaysPairSettingsStillChangeOneSideAlone() {
        List<CheckpointConfig> list = resolve(Map.of("EXTRACTOR_SECOND_NAME", "imdb",
                "EXTRACTOR_SECOND_MODEL", "/models/imdb.onnx", "EXTRACTOR_SECOND_TAPS", "h0,h1"), Map.of());
        assertEquals(List.of("pretrained", "imdb"), names(list));
        assertEquals("/models/imdb.onnx", list.get(1).model());
        assertEquals("classpath:bge-small-en-v1.5-tokenizer.json", list.get(1).tokenizer(), "default kept");
        assertEquals(Optional.of(List.of("h0", "h1")), list.get(1).taps());
        assertEquals(Optional.empty(), list.get(0).taps());
    }

    @Test
    void anOrderedListFromSystemProperties() {
        Map<String, String> props = new HashMap<>();
        props.putAll(entry(0, "base", "/m/base.onnx", "/m/base-tok.json"));
        props.putAll(entry(1, "step-500", "/m/500.onnx", "/m/500-tok.json"));
        props.putAll(entry(2, "step-1000", "/m/1000.onnx", "/m/1000-tok.json"));
        props.put("extractor.checkpoints[2].taps", "a,b,c");
        List<CheckpointConfig> list = resolve(Map.of(), props);
        assertEquals(List.of("base", "step-500", "step-1000"), names(list));
        assertEquals(List.of("/m/base.onnx", "/m/500.onnx", "/m/1000.onnx"),
                list.stream().map(CheckpointConfig::model).toList());
        assertEquals(List.of("/m/base-tok.json", "/m/500-tok.json", "/m/1000-tok.json"),
                list.stream().map(CheckpointConfig::tokenizer).toList());
        assertEquals(Optional.of(List.of("a", "b", "c")), list.get(2).taps());
        assertEquals(Optional.empty(), list.get(0).taps());
    }

    @Test
    void anOrderedListFromTheEnvironmentKeepsNumericOrderPastTen() {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            env.put("EXTRACTOR_CHECKPOINTS_" + i + "__NAME", "c" + i);
            env.put("EXTRACTOR_CHECKPOINTS_" + i + "__MODEL", "/m/" + i + ".onnx");
            env.put("EXTRACTOR_CHECKPOINTS_" + i + "__TOKENIZER", "/m/" + i + ".json");
        }
        List<CheckpointConfig> list = resolve(env, Map.of());
        assertEquals(IntStream.range(0, 12).mapToObj(i -> "c" + i).toList(), names(list));
        assertEquals("/m/11.onnx", list.get(11).model());
    }

    @Test
    void aListAndThePairSettingsTogetherAreAStartUpError() {
        Map<String, String> props = new HashMap<>();
        props.putAll(entry(0, "a", "/a.onnx", "/a.json"));
        props.putAll(entry(1, "b", "/b.onnx", "/b.json"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> resolve(Map.of("EXTRACTOR_FIRST_MODEL", "/other.onnx"), props));
        assertTrue(e.getMessage().contains("extractor.checkpoints (2 checkpoints)"), e.getMessage());
        assertTrue(e.getMessage().contains("extractor.first.model"), e.getMessage());
        assertTrue(!e.getMessage().contains("extractor.second.name") && !e.getMessage().contains("extractor.second.model"),
                "only what the user set: " + e.getMessage());
    }

    @Test
    void fewerThanTwoCheckpointsIsAStartUpError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> resolve(Map.of(), entry(0, "alone", "/a.onnx", "/a.json")));
        assertTrue(e.getMessage().contains("extractor.checkpoints has 1 checkpoint (alone)"), e.getMessage());
        assertTrue(e.getMessage().contains("two or more"), e.getMessage());
    }

    @Test
    void duplicateNamesInTheListAreAStartUpError() {
        Map<String, String> props = new HashMap<>();
        props.putAll(entry(0, "base", "/a.onnx", "/a.json"));
        props.putAll(entry(1, "step", "/b.onnx", "/b.json"));
        props.putAll(entry(2, "base", "/c.onnx", "/c.json"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> resolve(Map.of(), props));
        assertTrue(e.getMessage().contains("checkpoints 0 and 2 are both named \"base\""), e.getMessage());
    }

    @Test
    void equalPairNamesAreAStartUpError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> resolve(Map.of("EXTRACTOR_SECOND_NAME", "pretrained"), Map.of()));
        assertTrue(e.getMessage().contains("checkpoints 0 and 1 are both named \"pretrained\""), e.getMessage());
        assertTrue(e.getMessage().contains("extractor.first.name / extractor.second.name"), e.getMessage());
    }

    @Test
    void aNameThatCannotBeATopicNameIsAStartUpError() {
        Map<String, String> props = new HashMap<>();
        props.putAll(entry(0, "base", "/a.onnx", "/a.json"));
        props.putAll(entry(1, "step 500", "/b.onnx", "/b.json"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> resolve(Map.of(), props));
        assertTrue(e.getMessage().contains("checkpoint 1's name \"step 500\" cannot be part of a Kafka topic name"),
                e.getMessage());
    }

    @Test
    void aMissingModelInAListEntryFailsInTheMapping() {
        Map<String, String> props = new HashMap<>();
        props.putAll(entry(0, "a", "/a.onnx", "/a.json"));
        props.put("extractor.checkpoints[1].name", "b");
        props.put("extractor.checkpoints[1].tokenizer", "/b.json");
        RuntimeException e = assertThrows(RuntimeException.class, () -> resolve(Map.of(), props));
        assertTrue(String.valueOf(e.getMessage()).contains("extractor.checkpoints[1].model"), e.getMessage());
    }

    private static Map<String, String> entry(int index, String name, String model, String tokenizer) {
        String p = "extractor.checkpoints[" + index + "].";
        return Map.of(p + "name", name, p + "model", model, p + "tokenizer", tokenizer);
    }

    private static List<String> names(List<CheckpointConfig> list) {
        return list.stream().map(CheckpointConfig::name).toList();
    }

    private static List<CheckpointConfig> resolve(Map<String, String> env, Map<String, String> systemProperties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ExtractorConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // Quarkus' "2m", "30s"
                .withSources(new PropertiesConfigSource(DEFAULTS, "application.properties", CheckpointList.DEFAULTS_ORDINAL),
                        new EnvConfigSource(env, 300),
                        new PropertiesConfigSource(systemProperties, "system properties", 400))
                .build();
        return CheckpointList.of(config.getConfigMapping(ExtractorConfig.class), config);
    }
}
