package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReviewSenderTest {
    private static MockProducer<byte[], byte[]> producer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Test
    void sendsEveryReviewInOrderToTheTopic() throws InterruptedException {
        MockProducer<byte[], byte[]> p = producer(true);
        ReviewSender sender = new ReviewSender(p, "reviews", 10, null);
        List<Review> reviews = Fixtures.labelled(25, 1);
        assertTrue(sender.send(reviews.iterator()));
        assertEquals(25, sender.acked());
        List<ProducerRecord<byte[], byte[]>> history = p.history();
        assertEquals(25, history.size());
        for (int i = 0; i < 25; i++) {
            assertEquals("reviews", history.get(i).topic());
            assertEquals("r" + i, new String(history.get(i).key(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void inFlightSendsAreBounded() throws InterruptedException {
        MockProducer<byte[], byte[]> p = producer(false);
        ReviewSender sender = new ReviewSender(p, "reviews", 4, null);
        AtomicInteger maxSeen = new AtomicInteger();
        Thread broker = new Thread(() -> { // acknowledges slowly, one at a time
            int completed = 0; // this thread is the only one completing sends
            while (!Thread.currentThread().isInterrupted()) {
                maxSeen.accumulateAndGet(p.history().size() - completed, Math::max);
                completed += p.completeNext() ? 1 : 0;
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        broker.start();
        try {
            assertTrue(sender.send(Fixtures.labelled(200, 0).iterator()));
        } finally {
            broker.interrupt();
            broker.join();
        }
        assertEquals(200, sender.acked());
        assertTrue(maxSeen.get() <= 4, "in flight at most 4, saw " + maxSeen.get());
        assertTrue(maxSeen.get() >= 2, "the bound was actually reached: " + maxSeen.get());
    }

    @Test
    void stopsAtTheFirstFailure() throws InterruptedException {
        MockProducer<byte[], byte[]> p = producer(false);
        ReviewSender sender = new ReviewSender(p, "reviews", 1, null);
        AtomicInteger pulled = new AtomicInteger();
        Iterator<Review> source = new Iterator<>() {
            final Iterator<Review> it = Fixtures.labelled(100, 0).iterator();

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Review next() {
                pulled.incrementAndGet();
                return it.next();
            }
        };
        Thread broker = new Thread(() -> {
            int n = 0;
            while (n < 3) {
                if (n < 2 ? p.completeNext() : p.errorNext(new TopicAuthorizationException("denied"))) {
                    n++;
                }
                Thread.onSpinWait();
            }
        });
        broker.start();
        assertFalse(sender.send(source));
        broker.join();
        assertInstanceOf(TopicAuthorizationException.class, sender.failure());
        assertEquals(2, sender.acked());
        assertTrue(pulled.get() <= 4, "stopped reading soon after the failure: " + pulled.get());
    }

    @Test
    void rateLimitIsRoughlyHonoured() throws InterruptedException {
        MockProducer<byte[], byte[]> p = producer(true);
        ReviewSender sender = new ReviewSender(p, "reviews", 100, new RatePacer(100));
        Thread t = new Thread(() -> {
            try {
                sender.send(Fixtures.labelled(10_000, 0).iterator());
            } catch (InterruptedException ignored) {
                // end
            }
        });
        t.start();
        Thread.sleep(1000);
        long sentInOneSecond = sender.acked();
        sender.stop();
        t.join();
        // 100/s for 1 s: ~101; far from the 10,000 an unpaced run sends at once
        assertTrue(sentInOneSecond >= 50 && sentInOneSecond <= 130, "sent in 1 s: " + sentInOneSecond);
    }
}
