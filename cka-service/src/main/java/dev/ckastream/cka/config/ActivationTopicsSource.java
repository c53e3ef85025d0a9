package dev.ckastream.cka.config;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import dev.ckastream.cka.pair.ComparedPairs;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Derives the consumer channel's topics ({@code mp.messaging.incoming.activations.topics}) from the pairs, so that
 * the checkpoint names are written once ({@code cka.checkpoints}, {@code cka.pairs}) and every topic a pair needs is
 * consumed once. Its ordinal is below application.properties', so an explicit topics setting would still win
 * (none is shipped).
 */
public class ActivationTopicsSource implements ConfigSourceFactory {

    static final String TOPICS = "mp.messaging.incoming.activations.topics";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ComparedPairs pairs;
        try {
            pairs = ComparedPairs.resolve(list(context.getValue("cka.checkpoints")),
                    value(context, "cka.first", "pretrained"), value(context, "cka.second", "finetuned"),
                    value(context, "cka.pairs", ComparedPairs.FIRST_VS_EACH));
        } catch (IllegalArgumentException e) {
            return List.of(); // the same resolution fails the start in PairsProducer, with this message
        }
        return List.of(new PropertiesConfigSource(Map.of(TOPICS, String.join(",", pairs.topics())),
                "cka pairs' activation topics", 200));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(200);
    }

    private static String value(ConfigSourceContext context, String name, String fallback) {
        ConfigValue v = context.getValue(name);
        return v == null || v.getValue() == null ? fallback : v.getValue();
    }

    private static Optional<List<String>> list(ConfigValue v) {
        if (v == null || v.getValue() == null || v.getValue().isBlank()) {
            return Optional.empty();
        }
        return Optional.of(Arrays.stream(v.getValue().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }
}
