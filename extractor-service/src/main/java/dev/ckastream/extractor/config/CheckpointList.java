package dev.ckastream.extractor.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigValue;

import dev.ckastream.extractor.config.ExtractorConfig.CheckpointConfig;

/**
 * The ordered checkpoints the extractor runs: {@code extractor.checkpoints[*]} when given, else today's pair
 * {@code extractor.first}, {@code extractor.second}. Any mistake is a start-up error that says what to change.
 */
public final class CheckpointList {

    /**
     * The ordinal of the service's own {@code application.properties}, where the default pair's
     * {@code extractor.first.*} / {@code second.*} live: a value from a higher source (a {@code config/} file in
     * the working directory, {@code .env}, the environment, {@code -D}) was set by the user.
     */
    static final int DEFAULTS_ORDINAL = 250;

    private static final List<String> PAIR_SETTINGS = List.of(
            "extractor.first.name", "extractor.first.model", "extractor.first.tokenizer", "extractor.first.taps",
            "extractor.second.name", "extractor.second.model", "extractor.second.tokenizer", "extractor.second.taps");

    /** Kafka's legal topic characters (the name becomes {@code activations.<name>}). */
    private static final Pattern TOPIC_NAME_CHARACTERS = Pattern.compile("[A-Za-z0-9._-]+");

    private CheckpointList() {
    }

    /** The checkpoints of {@code config}, telling user-set pair settings from defaults by {@code source}'s ordinals. */
    public static List<CheckpointConfig> of(ExtractorConfig config, Config source) {
        return of(config, setting -> {
            ConfigValue value = source.getConfigValue(setting);
            return value.getValue() != null && value.getSourceOrdinal() > DEFAULTS_ORDINAL;
        });
    }

    /**
     * The checkpoints of {@code config}; {@code setByUser} says whether a pair setting
     * ({@code extractor.first.*}, {@code extractor.second.*}) was given rather than left at its default.
     */
    static List<CheckpointConfig> of(ExtractorConfig config, Predicate<String> setByUser) {
        if (config.checkpoints().isEmpty()) {
            return checked(List.of(config.first(), config.second()), "extractor.first.name / extractor.second.name");
        }
        List<CheckpointConfig> list = config.checkpoints().get();
        List<String> pairSet = PAIR_SETTINGS.stream().filter(setByUser).toList();
        if (!pairSet.isEmpty()) {
            throw new IllegalStateException("both extractor.checkpoints (" + list.size() + " checkpoints) and "
                    + String.join(", ", pairSet) + " are set: give the ordered list extractor.checkpoints[0..] alone, or "
                    + "the pair extractor.first.* / extractor.second.* alone");
        }
        if (list.size() < 2) {
            throw new IllegalStateException("extractor.checkpoints has " + list.size() + " checkpoint"
                    + (list.size() == 1 ? " (" + list.get(0).name() + ")" : "")
                    + ": give two or more (extractor.checkpoints[0].name, extractor.checkpoints[1].name, ...)");
        }
        return checked(list, "extractor.checkpoints[i].name");
    }

    private static List<CheckpointConfig> checked(List<CheckpointConfig> list, String nameSettings) {
        Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String name = list.get(i).name();
            if (name.isBlank()) {
                throw new IllegalStateException("checkpoint " + i + " has a blank name: set " + nameSettings);
            }
            if (!TOPIC_NAME_CHARACTERS.matcher(name).matches()) {
                throw new IllegalStateException("checkpoint " + i + "'s name \"" + name + "\" cannot be part of a Kafka"
                        + " topic name (activations.<name>): use letters, digits, '.', '_' and '-' only; set " + nameSettings);
            }
            Integer earlier = firstIndex.putIfAbsent(name, i);
            if (earlier != null) {
                throw new IllegalStateException("checkpoints " + earlier + " and " + i + " are both named \"" + name
                        + "\" (each publishes to activations.<name>, so names must differ): set " + nameSettings);
            }
        }
        return List.copyOf(list);
    }
}
