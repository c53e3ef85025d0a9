package dev.ckastream.cka.state;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.ckastream.cka.config.CkaConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** cka-service's configuration mapping with its defaults and the given settings, without starting Quarkus. */
final class CkaSettings {

    private CkaSettings() {
    }

    static CkaConfig of(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        SmallRyeConfig c = new SmallRyeConfigBuilder().withMapping(CkaConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(map, "test", 500)).build();
        return c.getConfigMapping(CkaConfig.class);
    }
}
