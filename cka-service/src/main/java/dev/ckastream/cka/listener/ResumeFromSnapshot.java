package dev.ckastream.cka.listener;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import dev.ckastream.cka.score.ScoreBoard;
import dev.ckastream.cka.state.ComparisonStore;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;

/**
 * On partition assignment, seeks each activation partition to the offset recorded in the restored state,
 * so that exactly the records whose effect is not in the snapshot are read again, whatever the consumer
 * group had committed. With several pairs it is the lowest of the pairs that read the topic (a pair ahead of it
 * skips what it already has, {@link dev.ckastream.cka.state.Comparison#unapplied}). A partition the state has no record of is read from the beginning: the state is a
 * function of the records applied to it, so an empty state (first start, or a state directory removed on
 * purpose) replays what the topic retains. The same holds when a second instance of the consumer group goes
 * away and this one takes its partitions over: those this state never saw are read from their beginning, those
 * it held before from where it stopped, so every review is counted once. {@link PairPartitions} learns from
 * here what this instance holds.
 */
@ApplicationScoped
@Identifier("resume-from-snapshot")
public class ResumeFromSnapshot implements KafkaConsumerRebalanceListener {

    private static final Logger LOG = Logger.getLogger(ResumeFromSnapshot.class);

    @Inject
    ComparisonStore store;

    @Inject
    PairPartitions pairPartitions;

    @Inject
    ScoreBoard board;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Optional<Long>> resume = store.read(c -> {
            Map<TopicPartition, Optional<Long>> at = new LinkedHashMap<>();
            partitions.forEach(tp -> at.put(tp, c.resumeOffset(tp.topic(), tp.partition())));
            return at;
        });
        List<TopicPartition> unseen = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long next = resume.get(tp).orElse(null);
            if (next != null) {
                consumer.seek(tp, next);
                LOG.infof("resuming %s at offset %d (from the state snapshot)", tp, next);
            } else {
                unseen.add(tp);
            }
        }
        if (!unseen.isEmpty()) {
            consumer.seekToBeginning(unseen);
            LOG.infof("reading %s from the beginning (not in the state yet)", unseen);
        }
        if (pairPartitions.assigned(consumer)) {
            board.markChanged(); // the last record this instance published may be long stale
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        pairPartitions.revoked(consumer, revoked);
    }
}
