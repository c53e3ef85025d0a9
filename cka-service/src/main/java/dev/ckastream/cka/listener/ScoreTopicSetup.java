package dev.ckastream.cka.listener;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.contract.Topics;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * Creates {@code cka.scores} as a compacted topic (only the latest record per pair matters) when it does
 * not exist yet. A broker that cannot be reached is only logged: the channels will report it.
 *
 * <p>It runs before SmallRye Reactive Messaging starts the channels (messaging observes the start-up event
 * at priority {@value #MESSAGING_LIFECYCLE_PRIORITY}): otherwise the score producer's first metadata
 * request can win the race and a broker with {@code auto.create.topics.enable} creates the topic with its
 * default {@code cleanup.policy=delete}. A topic that already exists is left as it is, with a warning when
 * it is not compacted.
 */
public class ScoreTopicSetup {

    private static final Logger LOG = Logger.getLogger(ScoreTopicSetup.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    CkaConfig config;

    /** The priority of Quarkus' {@code SmallRyeReactiveMessagingLifecycle} start-up observer. */
    static final int MESSAGING_LIFECYCLE_PRIORITY = Interceptor.Priority.LIBRARY_BEFORE;

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start) {
        Map<String, Object> admin = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (k.startsWith("bootstrap") || k.startsWith("security") || k.startsWith("sasl") || k.startsWith("ssl")) {
                admin.put(k, v);
            }
        });
        long bound = config.adminTimeout().toMillis();
        admin.put("request.timeout.ms", (int) Math.min(bound, Integer.MAX_VALUE));
        admin.put("default.api.timeout.ms", (int) Math.min(bound, Integer.MAX_VALUE));
        try (Admin client = Admin.create(admin)) {
            Set<String> existing = client.listTopics().names().get(bound, TimeUnit.MILLISECONDS);
            if (existing.contains(Topics.SCORES)) {
                warnUnlessCompacted(client, bound);
                return;
            }
            NewTopic scores = new NewTopic(Topics.SCORES, 1, (short) -1)
                    .configs(Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "0"));
            client.createTopics(List.of(scores)).all().get(bound, TimeUnit.MILLISECONDS);
            LOG.infof("created compacted topic %s", Topics.SCORES);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.warnf("could not create %s: %s", Topics.SCORES, e.getCause().getMessage());
            }
        } catch (Exception e) {
            LOG.warnf("could not create %s within %s (cka.admin-timeout; is Kafka reachable?): %s",
                    Topics.SCORES, config.adminTimeout(), e.toString());
        }
    }

    private static void warnUnlessCompacted(Admin client, long boundMillis) throws Exception {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.SCORES);
        Config config = client.describeConfigs(List.of(topic)).all().get(boundMillis, TimeUnit.MILLISECONDS).get(topic);
        ConfigEntry policy = config == null ? null : config.get("cleanup.policy");
        String value = policy == null ? "" : policy.value();
        if (!value.contains("compact")) {
            LOG.warnf("%s exists with cleanup.policy=%s, not compact: scores are published, but old score records "
                    + "are kept until retention instead of only the latest per pair. Fix it with: kafka-configs.sh "
                    + "--alter --entity-type topics --entity-name %s --add-config cleanup.policy=compact",
                    Topics.SCORES, value, Topics.SCORES);
        }
    }
}
