package dev.ckastream.cka.listener;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.cka.observe.CkaMetrics;
import dev.ckastream.cka.pair.CheckpointPair;
import dev.ckastream.cka.pair.ComparedPairs;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;

/**
 * Which partitions of the pairs' activation topics this instance's consumer holds, and so for which pairs it may
 * publish scores. Only an instance that holds every partition of a pair's two topics has seen every review of it;
 * a second instance in the same consumer group takes some partitions, and each then holds a state that is exact
 * for its share but not the pair's scores. Such an instance keeps applying what it reads (its state stays
 * consistent: when it gets every partition back, the partitions it never held are read from their beginning,
 * see {@link ResumeFromSnapshot}) but publishes nothing and reports why.
 *
 * <p>A topic that does not exist yet counts as not held: it has no partition to hold, and once it is created
 * (on a fresh broker, by its first record or the consumer's subscription) the group rebalances and the count is
 * taken again. Updated from the consumer's rebalance callbacks (its polling thread); read from anywhere.
 */
@ApplicationScoped
public class PairPartitions {

    private static final Logger LOG = Logger.getLogger(PairPartitions.class);

    /** What this instance holds: per topic, the partitions held and the topic's partition count (0: missing). */
    public record Hold(Map<String, List<Integer>> held, Map<String, Integer> partitions, String group, String problem) {

        public boolean all() {
            return problem == null
                    && partitions.entrySet().stream().allMatch(e -> e.getValue() > 0 && held.get(e.getKey()).size() == e.getValue());
        }

        /** The same hold, counting only {@code topics} (one pair's). */
        public Hold of(List<String> topics) {
            Map<String, List<Integer>> h = new LinkedHashMap<>();
            Map<String, Integer> p = new LinkedHashMap<>();
            topics.forEach(t -> {
                h.put(t, held.getOrDefault(t, List.of()));
                p.put(t, partitions.getOrDefault(t, 0));
            });
            return new Hold(Collections.unmodifiableMap(h), Collections.unmodifiableMap(p), group, problem);
        }

        public int heldCount() {
            return held.values().stream().mapToInt(List::size).sum();
        }

        /** "3 of 6: 0, 1, 2" for one topic. */
        public String describe(String topic) {
            List<Integer> mine = held.get(topic);
            return mine.size() + " of " + partitions.get(topic) + (mine.isEmpty() ? "" : ": "
                    + mine.stream().map(String::valueOf).collect(Collectors.joining(", ")));
        }

        public int partitionCount() {
            return partitions.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** Why this instance does not publish, or null when it holds everything. */
        public String reason() {
            if (all()) {
                return null;
            }
            String topics = String.join("/", partitions.keySet());
            if (problem != null) {
                return problem;
            }
            List<String> missing = partitions.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey)
                    .toList();
            if (!missing.isEmpty()) {
                return String.join(" and ", missing) + (missing.size() == 1 ? " does" : " do") + " not exist yet (a"
                        + " topic appears with its first record); scores are published once this instance holds every"
                        + " partition of " + topics;
            }
            if (heldCount() == 0) {
                return "this instance holds none of the " + partitionCount() + " partitions of " + topics + " (a rebalance is in"
                        + " progress, or other instances of consumer group " + group + " hold them)";
            }
            String perTopic = partitions.keySet().stream().map(t -> t + ": " + held.get(t).size() + " of " + partitions.get(t))
                    .collect(Collectors.joining(", "));
            return "this instance holds " + heldCount() + " of " + partitionCount() + " partitions of " + topics + " (" + perTopic
                    + "); another instance of consumer group " + group + " holds the rest. Only an instance that holds"
                    + " all of them publishes scores: this one takes over when the other goes away";
        }
    }

    private final List<String> topics;
    private final Duration timeout;
    private final String group;
    private final BroadcastProcessor<String> released = BroadcastProcessor.create();
    private volatile Hold hold;

    @Inject
    public PairPartitions(CkaConfig config, ComparedPairs pairs, CkaMetrics metrics,
            @ConfigProperty(name = "mp.messaging.incoming.activations.group.id", defaultValue = "ckastream-cka") String group) {
        this.topics = pairs.topics();
        this.timeout = config.adminTimeout();
        this.group = group;
        Map<String, Integer> none = new LinkedHashMap<>();
        Map<String, List<Integer>> noneHeld = new LinkedHashMap<>();
        topics.forEach(t -> {
            none.put(t, 0);
            noneHeld.put(t, List.of());
        });
        this.hold = new Hold(noneHeld, none, group, "no partition of " + String.join("/", topics)
                + " assigned yet (joining consumer group " + group + ")");
        for (String topic : topics) {
            metrics.partitions(topic, () -> hold.held().get(topic).size(), () -> hold.partitions().get(topic));
        }
        metrics.publishing(() -> hold.all());
    }

    /** The consumer's assignment changed; returns true when this instance now holds everything and did not before. */
    public boolean assigned(Consumer<?, ?> consumer) {
        return update(consumer, consumer.assignment());
    }

    /** Before an eager rebalance (or a lost membership) takes {@code revoked} away. */
    public void revoked(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        Set<TopicPartition> remaining = new HashSet<>(consumer.assignment());
        remaining.removeAll(revoked);
        update(consumer, remaining);
    }

    /** Whether this instance holds every partition of {@code pair}'s two topics, and so may publish its scores. */
    public boolean holds(CheckpointPair pair) {
        return hold.of(pair.topics()).all();
    }

    /** Why this instance does not publish {@code pair}'s scores now, or null when it does. */
    public String reason(CheckpointPair pair) {
        return hold.of(pair.topics()).reason();
    }

    public Hold hold() {
        return hold;
    }

    /** One item (the reason) each time this instance stops holding every partition. */
    public Multi<String> released() {
        return released;
    }

    private synchronized boolean update(Consumer<?, ?> consumer, Collection<TopicPartition> assignment) {
        Map<String, List<Integer>> held = new LinkedHashMap<>();
        Map<String, Integer> partitions = new LinkedHashMap<>();
        String problem = null;
        for (String topic : topics) {
            int count = 0;
            try {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
                count = infos == null ? 0 : infos.size();
            } catch (RuntimeException e) {
                problem = "could not read the partition count of " + topic + " within " + timeout
                        + " (cka.admin-timeout): " + e.getMessage();
            }
            int total = count;
            partitions.put(topic, total);
            held.put(topic, assignment.stream().filter(tp -> tp.topic().equals(topic) && tp.partition() < total)
                    .map(TopicPartition::partition).sorted().toList());
        }
        Hold before = hold;
        Hold now = new Hold(Collections.unmodifiableMap(held), Collections.unmodifiableMap(partitions), group, problem);
        hold = now;
        if (now.all() && !before.all()) {
            LOG.infof("holding all %d partitions of %s: publishing scores", now.partitionCount(), String.join("/", topics));
            return true;
        }
        if (!now.all() && (before.all() || !now.reason().equals(before.reason()))) {
            LOG.warnf("not publishing scores: %s", now.reason());
            if (before.all()) {
                released.onNext(now.reason());
            }
        }
        return false;
    }
}
