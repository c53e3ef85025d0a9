package dev.ckastream.cka.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ckastream.cka.join.PooledHalf;
import dev.ckastream.cka.pair.CheckpointPair;
import dev.ckastream.cka.pair.ComparedPairs;
import dev.ckastream.contract.Side;

/**
 * Restoring a state directory under a changed list of pairs: a pair that stays is restored, an added one starts
 * from scratch, and one that is no longer configured stops the start (a misspelt name must not lose a state)
 * unless {@code cka.snapshot.drop-unconfigured-pairs} says to drop it.
 */
class ComparisonStoreRestoreTest {

    @TempDir
    Path dir;

    private static ComparedPairs pairs(String list) {
        return ComparedPairs.resolve(Optional.empty(), "x", "y", list);
    }

    @Test
    void pairsThatStayAreRestoredAddedOnesStartFreshAndDroppedOnesMustBeSaidSo() throws Exception {
        String stateDir = dir.toString();
        ComparisonStore first = new ComparisonStore(CkaSettings.of("cka.state-dir", stateDir), pairs("a~b"), 1L << 40);
        Random random = new Random(1);
        first.write(cs -> {
            Comparison c = cs.of(new CheckpointPair("a", "b"));
            for (int r = 0; r < 12; r++) {
                c.offer(half("r" + r, Side.FIRST, random), 0);
                c.offer(half("r" + r, Side.SECOND, random), 0);
            }
            return null;
        });
        first.snapshot();

        ComparisonStore grown = new ComparisonStore(CkaSettings.of("cka.state-dir", stateDir), pairs("a~b,a~c"), 1L << 40);
        assertEquals(List.of(12L, 0L), grown.read(cs -> cs.all().stream().map(Comparison::reviews).toList()));

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ComparisonStore(CkaSettings.of("cka.state-dir", stateDir), pairs("a~c"), 1L << 40));
        assertTrue(e.getMessage().contains("also holds a~b, which is not configured (cka.pairs: [a~c])"), e.getMessage());
        assertTrue(e.getMessage().contains("cka.snapshot.drop-unconfigured-pairs=true"), e.getMessage());

        ComparisonStore dropped = new ComparisonStore(CkaSettings.of("cka.state-dir", stateDir,
                "cka.snapshot.drop-unconfigured-pairs", "true"), pairs("a~c"), 1L << 40);
        assertEquals(List.of(new CheckpointPair("a", "c")), dropped.read(cs -> cs.all().stream().map(Comparison::pair)
                .toList()));
    }

    @Test
    void aSnapshotThatCopiesTheCoMomentsWritesTheSameFileAsOneThatHoldsTheState() throws Exception {
        byte[][] files = new byte[2][];
        int[] paced = new int[2];
        for (int mode = 0; mode < 2; mode++) {
            Path stateDir = dir.resolve(mode == 0 ? "copied" : "held");
            boolean copy = mode == 0;
            ComparisonStore store = new ComparisonStore(CkaSettings.of("cka.state-dir", stateDir.toString()),
                    pairs("a~b,a~c"), 1L << 40, bytes -> copy);
            Random random = new Random(3);
            store.write(cs -> {
                for (Comparison c : cs.all()) {
                    for (int r = 0; r < 70; r++) { // a fold of 64 and 6 buffered
                        c.offer(half("r" + r, Side.FIRST, random), 0);
                        c.offer(half("r" + r, Side.SECOND, random), 0);
                    }
                }
                return null;
            });
            int m = mode;
            var written = store.snapshot(() -> paced[m]++);
            files[mode] = java.nio.file.Files.readAllBytes(written.file());
            // A second snapshot (reusing the first one's copies when copying) records the same state again.
            assertTrue(java.util.Arrays.equals(files[mode], java.nio.file.Files.readAllBytes(store.snapshot().file())));
            // The live state goes on after the snapshot; the file keeps what was captured.
            store.write(cs -> {
                Comparison c = cs.all().get(0);
                c.offer(half("late", Side.FIRST, random), 0);
                return c.offer(half("late", Side.SECOND, random), 0);
            });
            ComparisonStore restored = new ComparisonStore(CkaSettings.of("cka.state-dir", stateDir.toString()),
                    pairs("a~b,a~c"), 1L << 40);
            assertEquals(List.of(70L, 70L), restored.read(cs -> cs.all().stream().map(Comparison::reviews).toList()));
        }
        assertTrue(java.util.Arrays.equals(files[0], files[1]), "the same bytes either way");
        // The state is far below one 1 MB buffer: its one write happens at the end, after the release, either way.
        assertEquals(1, paced[0]);
        assertEquals(1, paced[1]);
    }

    private static PooledHalf half(String id, Side side, Random random) {
        float[] v = new float[2 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return new PooledHalf(id, side, 2, 3, 5, null, side == Side.FIRST ? "aaaa" : "bbbb", v);
    }
}
