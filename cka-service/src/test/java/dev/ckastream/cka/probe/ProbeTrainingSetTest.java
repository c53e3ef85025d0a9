package dev.ckastream.cka.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.ckastream.cka.snapshot.ProbesCodec;

class ProbeTrainingSetTest {

    static final int LA = 2, DA = 3, LB = 3, DB = 2;

    static float[] vec(String id, int len, int ck) {
        Random r = new Random(id.hashCode() * 31L + ck);
        float[] v = new float[len];
        for (int i = 0; i < len; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    static void addAll(ProbeTrainingSet s, List<String> ids) {
        for (String id : ids) {
            s.add(id, Math.abs(id.hashCode()) % 2, vec(id, LA * DA, 0), vec(id, LB * DB, 1));
        }
    }

    static byte[] bytes(ProbeTrainingSet s) throws Exception {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        ProbesCodec.writeTrainingSet(new DataOutputStream(bo), s.state());
        return bo.toByteArray();
    }

    static Set<String> keptIds(ProbeTrainingSet.SplitView v) {
        Set<String> out = new HashSet<>();
        for (int i = 0; i < v.n(); i++) {
            out.add(v.ids()[i]);
        }
        return out;
    }

    @Test
    void defaultBoundHoldsAbout25kDistilBertReviews() {
        assertEquals(43_008L, ProbeTrainingSet.bytesPerReview(7, 768, 7, 768));
        ProbeTrainingSet s = new ProbeTrainingSet(7, 768, 7, 768, ProbeTrainingSet.DEFAULT_MAX_BYTES);
        // 2^30 / 43008 = 24966 reviews: 24966/5 = 4993 test, 19973 train
        assertEquals(4993, s.capacity(true));
        assertEquals(19973, s.capacity(false));
        // nothing is allocated per slot until used: arrays of references only
        assertEquals(0, s.kept(false));
    }

    @Test
    void belowCapacityEverythingIsKeptInItsSplit() {
        ProbeTrainingSet s = new ProbeTrainingSet(LA, DA, LB, DB, 1_000_000);
        List<String> ids = new ArrayList<>();
        int tests = 0;
        for (int i = 0; i < 300; i++) {
            ids.add("id-" + i);
            tests += ProbeSplit.isTestReview("id-" + i) ? 1 : 0;
        }
        addAll(s, ids);
        ProbeTrainingSet.Snapshot snap = s.snapshot();
        assertEquals(tests, snap.test().n());
        assertEquals(300 - tests, snap.train().n());
        for (String id : keptIds(snap.test())) {
            assertTrue(ProbeSplit.isTestReview(id));
        }
        for (String id : keptIds(snap.train())) {
            assertFalse(ProbeSplit.isTestReview(id));
        }
        assertArrayEquals(vec("id-0", LA * DA, 0), findRow(snap, "id-0", true));
        assertArrayEquals(vec("id-0", LB * DB, 1), findRow(snap, "id-0", false));
    }

    static float[] findRow(ProbeTrainingSet.Snapshot snap, String id, boolean a) {
        for (ProbeTrainingSet.SplitView v : List.of(snap.train(), snap.test())) {
            for (int i = 0; i < v.n(); i++) {
                if (v.ids()[i].equals(id)) {
                    return a ? v.pooledFirst()[i] : v.pooledSecond()[i];
                }
            }
        }
        return null;
    }

    @Test
    void beyondTheBoundKeepsTheSmallestPrioritiesRegardlessOfOrder() {
        long per = ProbeTrainingSet.bytesPerReview(LA, DA, LB, DB);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ids.add("rev" + i);
        }
        ProbeTrainingSet inOrder = new ProbeTrainingSet(LA, DA, LB, DB, 50 * per + per - 1, 7);
        assertEquals(10, inOrder.capacity(true));
        assertEquals(40, inOrder.capacity(false));
        addAll(inOrder, ids);
        List<String> shuffled = new ArrayList<>(ids);
        Collections.shuffle(shuffled, new Random(1));
        ProbeTrainingSet other = new ProbeTrainingSet(LA, DA, LB, DB, 50 * per + per - 1, 7);
        addAll(other, shuffled);

        for (boolean test : new boolean[] {false, true}) {
            List<String> splitIds = new ArrayList<>();
            for (String id : ids) {
                if (ProbeSplit.isTestReview(id) == test) {
                    splitIds.add(id);
                }
            }
            splitIds.sort(Comparator.comparingLong((String id) -> inOrder.priority(id)).thenComparing(id -> id));
            Set<String> expected = new HashSet<>(splitIds.subList(0, test ? 10 : 40));
            ProbeTrainingSet.SplitView v = test ? inOrder.snapshot().test() : inOrder.snapshot().train();
            assertEquals(expected, keptIds(v));
            assertEquals(expected, keptIds(test ? other.snapshot().test() : other.snapshot().train()));
            assertEquals(splitIds.size(), v.seen());
            assertEquals(test ? 10 : 40, inOrder.kept(test));
        }
        // a different seed gives a different sample
        ProbeTrainingSet seeded = new ProbeTrainingSet(LA, DA, LB, DB, 50 * per, 8);
        addAll(seeded, ids);
        assertFalse(keptIds(seeded.snapshot().train()).equals(keptIds(inOrder.snapshot().train())));
    }

    @Test
    void sampleIsRoughlyUniformOverSeeds() {
        long per = ProbeTrainingSet.bytesPerReview(LA, DA, LB, DB);
        List<String> ids = new ArrayList<>();
        for (int i = 0; ids.size() < 40; i++) {
            if (!ProbeSplit.isTestReview("u" + i)) {
                ids.add("u" + i);
            }
        }
        int[] kept = new int[40];
        int seeds = 2000;
        for (int seed = 0; seed < seeds; seed++) {
            ProbeTrainingSet s = new ProbeTrainingSet(LA, DA, LB, DB, 10 * per, seed); // train capacity 8
            addAll(s, ids);
            Set<String> k = keptIds(s.snapshot().train());
            assertEquals(8, k.size());
            for (int i = 0; i < 40; i++) {
                kept[i] += k.contains(ids.get(i)) ? 1 : 0;
            }
        }
        for (int i = 0; i < 40; i++) { // expected 400, sd ≈ 17.9
            assertTrue(kept[i] > 300 && kept[i] < 500, ids.get(i) + " kept " + kept[i]);
        }
    }

    @Test
    void duplicatesOfKeptIdsAreIgnoredAndInputIsCopied() {
        ProbeTrainingSet s = new ProbeTrainingSet(LA, DA, LB, DB, 1_000_000);
        float[] a = vec("x", LA * DA, 0);
        float[] b = vec("x", LB * DB, 1);
        assertTrue(s.add("tt0111161_1", 1, a, b)); // a training id
        float[] original = a.clone();
        a[0] = 99f; // caller reuses its buffer
        assertFalse(s.add("tt0111161_1", 0, a, b));
        ProbeTrainingSet.SplitView v = s.snapshot().train();
        assertEquals(1, v.n());
        assertEquals(1, v.labels()[0]);
        assertEquals(1, v.seen());
        assertEquals(1, v.duplicates());
        assertArrayEquals(original, v.pooledFirst()[0]);
        assertThrows(IllegalArgumentException.class, () -> s.add("y", 2, a, b));
        assertThrows(IllegalArgumentException.class, () -> s.add("y", 1, new float[3], b));
    }

    @Test
    void snapshotIsUnaffectedByLaterAddsAndEvictions() {
        long per = ProbeTrainingSet.bytesPerReview(LA, DA, LB, DB);
        ProbeTrainingSet s = new ProbeTrainingSet(LA, DA, LB, DB, 20 * per);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ids.add("s" + i);
        }
        addAll(s, ids.subList(0, 40));
        ProbeTrainingSet.SplitView before = s.snapshot().train();
        String[] idsBefore = before.ids().clone();
        int[] labelsBefore = before.labels().clone();
        float[][] rowsBefore = new float[before.n()][];
        for (int i = 0; i < before.n(); i++) {
            rowsBefore[i] = before.pooledFirst()[i].clone();
        }
        addAll(s, ids.subList(40, 100));
        ProbeTrainingSet.SplitView after = s.snapshot().train();
        assertFalse(keptIds(after).equals(keptIds(before)), "evictions happened");
        assertArrayEquals(idsBefore, before.ids());
        assertArrayEquals(labelsBefore, before.labels());
        for (int i = 0; i < before.n(); i++) {
            assertArrayEquals(rowsBefore[i], before.pooledFirst()[i]);
            assertArrayEquals(vec(before.ids()[i], LA * DA, 0), before.pooledFirst()[i]);
        }
    }

    @Test
    void snapshotRoundTripIsExactAndBehavesIdenticallyAfterwards() throws Exception {
        long per = ProbeTrainingSet.bytesPerReview(LA, DA, LB, DB);
        ProbeTrainingSet s = new ProbeTrainingSet(LA, DA, LB, DB, 30 * per, 12345);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add("rt-" + i + (i % 7 == 0 ? "-é" : ""));
        }
        addAll(s, ids.subList(0, 120));
        s.add("rt-0-é", 1, vec("q", LA * DA, 0), vec("q", LB * DB, 1)); // a duplicate, counted
        byte[] first = bytes(s);
        ProbeTrainingSet back = ProbeTrainingSet.of(ProbesCodec.readTrainingSet(new DataInputStream(new ByteArrayInputStream(first))));
        assertArrayEquals(first, bytes(back));
        assertEquals(s.seed(), back.seed());
        assertEquals(s.maxBytes(), back.maxBytes());
        addAll(s, ids.subList(120, 200));
        addAll(back, ids.subList(120, 200));
        assertArrayEquals(bytes(s), bytes(back));
        assertThrows(java.io.IOException.class,
                () -> ProbesCodec.readTrainingSet(new DataInputStream(new ByteArrayInputStream(new byte[] {1, 2, 3, 4}))));
    }
}
