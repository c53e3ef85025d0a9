package dev.ckastream.cka.dashboard;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.Supplier;

/** Waiting in a test for something the page or the service will show. */
final class Polling {

    private Polling() {
    }

    /**
     * Polls {@code probe} every 100 ms until it answers non-null; fails after {@code timeout} with {@code what} and
     * {@code context} (what the page and the service showed then).
     */
    static <T> T until(String what, Duration timeout, Supplier<T> probe, Supplier<String> context)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T result = probe.get();
            if (result != null) {
                return result;
            }
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; " + context.get());
            }
            Thread.sleep(100);
        }
    }
}
