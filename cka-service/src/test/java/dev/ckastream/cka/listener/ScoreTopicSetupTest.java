package dev.ckastream.cka.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;

import jakarta.annotation.Priority;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.smallrye.reactivemessaging.runtime.SmallRyeReactiveMessagingLifecycle;

/**
 * {@code cka.scores} must exist, compacted, before the score channel's producer sends its first metadata
 * request; a broker with {@code auto.create.topics.enable} would otherwise create it with
 * {@code cleanup.policy=delete}. CDI runs start-up observers in ascending priority, so the topic set-up must
 * observe at a lower priority than the messaging lifecycle of the Quarkus version on the class path.
 */
class ScoreTopicSetupTest {

    @Test
    void theTopicIsCreatedBeforeReactiveMessagingStartsTheChannels() throws Exception {
        int messaging = startupPriority(SmallRyeReactiveMessagingLifecycle.class);
        int setup = startupPriority(ScoreTopicSetup.class);
        assertEquals(ScoreTopicSetup.MESSAGING_LIFECYCLE_PRIORITY, messaging);
        assertTrue(setup < messaging, "topic set-up at " + setup + ", messaging at " + messaging);
    }

    private static int startupPriority(Class<?> type) {
        for (Method method : type.getDeclaredMethods()) {
            for (Parameter parameter : method.getParameters()) {
                if (parameter.getType() == StartupEvent.class) {
                    Priority priority = parameter.getAnnotation(Priority.class);
                    assertNotNull(priority, method + " observes the start-up event without a priority");
                    return priority.value();
                }
            }
        }
        throw new AssertionError(type + " has no start-up observer");
    }
}
