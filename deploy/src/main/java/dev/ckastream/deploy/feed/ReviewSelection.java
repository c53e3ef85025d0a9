package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Which reviews to send, and in what order.
 * <ul>
 *   <li>plain: the source order, the first {@code limit} reviews (streaming);</li>
 *   <li>{@code balanced}: as many positives as negatives ({@code limit/2} each, or as many as the rarer class
 *       has), alternating positive, negative, ... so every prefix is balanced; unlabelled reviews are skipped.
 *       Streams too: the source is opened twice, once for each class, so nothing is buffered;</li>
 *   <li>{@code shuffle}: a uniform random sample (reservoir sampling, so only the selected reviews are held in
 *       memory: all of them without a limit) in a random order, deterministic for a given seed and source.
 *       With {@code balanced}, each class is sampled separately and the union is shuffled.</li>
 * </ul>
 */
public final class ReviewSelection {
    /** Opens a fresh reader on the source; may be called more than once. */
    @FunctionalInterface
    public interface Opener {
        ReviewReader open() throws IOException;
    }

    private final Integer limit;
    private final boolean balanced;
    private final boolean shuffle;
    private final long seed;

    /** @param limit how many reviews at most, {@code null} for all */
    public ReviewSelection(Integer limit, boolean balanced, boolean shuffle, long seed) {
        if (limit != null && limit < (balanced ? 2 : 1)) {
            throw new IllegalArgumentException(balanced ? "--balanced --limit needs a limit of at least 2"
                    : "--limit must be at least 1");
        }
        this.limit = limit;
        this.balanced = balanced;
        this.shuffle = shuffle;
        this.seed = seed;
    }

    /** Upper bound of the number of reviews {@link #select} yields, when known before reading. */
    public Long expectedAtMost() {
        if (limit == null) {
            return null;
        }
        return balanced ? 2L * (limit / 2) : (long) limit;
    }

    /** The selected reviews; the caller closes the result, which closes the readers it opened. */
    public Selected select(Opener opener) throws IOException {
        if (shuffle) {
            return sampled(opener);
        }
        return balanced ? new Alternating(opener.open(), opener.open(), limit == null ? Long.MAX_VALUE : limit / 2)
                : new Limited(opener.open(), limit == null ? Long.MAX_VALUE : limit);
    }

    /** A stream of selected reviews; {@link #size()} is known up front only when the selection was loaded. */
    public abstract static class Selected extends ReviewReader {
        /** @return the exact number of reviews this will yield, or {@code null} when unknown until the end */
        public Long size() {
            return null;
        }
    }

    private static final class Limited extends Selected {
        private final ReviewReader in;
        private long left;

        Limited(ReviewReader in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        protected Review readNext() {
            if (left <= 0 || !in.hasNext()) {
                return null;
            }
            left--;
            return in.next();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static final class Alternating extends Selected {
        private final ReviewReader posIn;
        private final ReviewReader negIn;
        private long pairsLeft;
        private Review pendingNeg;

        Alternating(ReviewReader posIn, ReviewReader negIn, long pairs) {
            this.posIn = posIn;
            this.negIn = negIn;
            this.pairsLeft = pairs;
        }

        private static Review nextWithLabel(Iterator<Review> in, int label) {
            while (in.hasNext()) {
                Review r = in.next();
                if (r.label() != null && r.label() == label) {
                    return r;
                }
            }
            return null;
        }

        @Override
        protected Review readNext() {
            if (pendingNeg != null) {
                Review r = pendingNeg;
                pendingNeg = null;
                return r;
            }
            if (pairsLeft <= 0) {
                return null;
            }
            // take a whole pair before yielding any of it, so the counts stay equal
            Review pos = nextWithLabel(posIn, 1);
            Review neg = pos == null ? null : nextWithLabel(negIn, 0);
            if (neg == null) {
                pairsLeft = 0;
                return null;
            }
            pairsLeft--;
            pendingNeg = neg;
            return pos;
        }

        @Override
        public void close() throws IOException {
            try {
                posIn.close();
            } finally {
                negIn.close();
            }
        }
    }

    private Selected sampled(Opener opener) throws IOException {
        Random random = new Random(seed);
        List<Review> chosen;
        try (ReviewReader in = opener.open()) {
            if (!balanced) {
                Reservoir all = new Reservoir(limit == null ? Integer.MAX_VALUE : limit, random);
                in.forEachRemaining(all::offer);
                chosen = all.shuffled();
            } else {
                int k = limit == null ? Integer.MAX_VALUE : limit / 2;
                Reservoir pos = new Reservoir(k, random);
                Reservoir neg = new Reservoir(k, random);
                in.forEachRemaining(r -> {
                    if (r.label() != null) {
                        (r.label() == 1 ? pos : neg).offer(r);
                    }
                });
                List<Review> p = pos.shuffled();
                List<Review> n = neg.shuffled();
                int m = Math.min(p.size(), n.size());
                chosen = new ArrayList<>(2 * m);
                chosen.addAll(p.subList(0, m));
                chosen.addAll(n.subList(0, m));
                Collections.shuffle(chosen, random);
            }
        }
        List<Review> list = chosen;
        long size = list.size();
        return new Selected() {
            private int i;

            @Override
            protected Review readNext() {
                if (i >= list.size()) {
                    return null;
                }
                return list.set(i++, null); // let sent reviews be collected
            }

            @Override
            public Long size() {
                return size;
            }

            @Override
            public void close() {
            }
        };
    }

    /** Algorithm R: a uniform sample of at most k items from a stream of unknown length. */
    private static final class Reservoir {
        private final int k;
        private final Random random;
        private final List<Review> items = new ArrayList<>();
        private long seen;

        Reservoir(int k, Random random) {
            this.k = k;
            this.random = random;
        }

        void offer(Review r) {
            seen++;
            if (items.size() < k) {
                items.add(r);
            } else {
                long j = random.nextLong(seen);
                if (j < k) {
                    items.set((int) j, r);
                }
            }
        }

        List<Review> shuffled() {
            Collections.shuffle(items, random);
            return items;
        }
    }
}
