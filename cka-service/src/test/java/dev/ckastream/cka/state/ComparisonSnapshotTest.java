package dev.ckastream.cka.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.ckastream.cka.join.PooledHalf;
import dev.ckastream.cka.join.ReviewJoin;
import dev.ckastream.cka.math.CkaScores;
import dev.ckastream.cka.math.GemmEngine;
import dev.ckastream.cka.probe.LayerProbes;
import dev.ckastream.cka.probe.ProbeReport;
import dev.ckastream.cka.snapshot.SnapshotFiles;
import dev.ckastream.cka.snapshot.StateCodec;
import dev.ckastream.cka.stats.ConfidenceLevel;
import dev.ckastream.cka.stats.DiagonalIntervals;
import dev.ckastream.cka.stats.Interval;
import dev.ckastream.cka.stats.RetainedReviews;
import dev.ckastream.contract.ActivationRejection;
import dev.ckastream.contract.InvalidActivation;
import dev.ckastream.contract.Side;

/**
 * A restored comparison continues exactly like the original: same scores, same offsets, same pending halves,
 * same counted ids (a duplicate stays a duplicate), same signatures.
 */
class ComparisonSnapshotTest {

    private static final Comparison.Settings SETTINGS = new Comparison.Settings("pretrained", "finetuned", 100,
            60_000, 7, 1 << 20, 1.0);
    private static final int LAYERS = 2;
    private static final int DIM = 5;

    @Test
    void aRestoredComparisonContinuesIdentically() throws Exception {
        GemmEngine gemm = GemmEngine.best();
        Random random = new Random(3);
        Comparison original = new Comparison(SETTINGS, gemm);
        List<PooledHalf[]> reviews = new ArrayList<>();
        for (int r = 0; r < 40; r++) {
            reviews.add(new PooledHalf[] { half("r" + r, Side.FIRST, random), half("r" + r, Side.SECOND, random) });
        }
        for (int r = 0; r < 25; r++) {
            original.offer(reviews.get(r)[0], 1000);
            original.offer(reviews.get(r)[1], 1000);
            original.applied("activations.pretrained", 0, r);
        }
        original.offer(reviews.get(25)[0], 1234); // waiting for its other half
        original.deadLettered(3);

        Comparison restored = roundTrip(original, gemm);
        assertEquals(original.appliedOffsets(), restored.appliedOffsets());
        assertEquals(25, restored.reviews());
        assertEquals(1, restored.pending());
        assertEquals(3, restored.deadLetters());
        assertEquals(original.labeled(), restored.labeled());
        assertInstanceOf(ReviewJoin.Refused.class, restored.offer(reviews.get(3)[1], 2000).offer(),
                "an id counted before the snapshot is still a duplicate");
        assertInstanceOf(ReviewJoin.Refused.class, original.offer(reviews.get(3)[1], 2000).offer());
        InvalidActivation wrongModel = assertThrows(InvalidActivation.class,
                () -> restored.offer(new PooledHalf("x", Side.FIRST, LAYERS, DIM, 3, 1, "other", new float[LAYERS * DIM]), 1));
        assertEquals(ActivationRejection.MODEL_MISMATCH, wrongModel.reason());

        for (int r = 25; r < 40; r++) {
            for (Comparison c : List.of(original, restored)) {
                if (r > 25) {
                    c.offer(reviews.get(r)[0], 3000);
                }
                c.offer(reviews.get(r)[1], 3000);
            }
        }
        original.flush();
        restored.flush();
        CkaScores a = original.scores();
        CkaScores b = restored.scores();
        assertEquals(40, b.reviews());
        for (int i = 0; i < LAYERS; i++) {
            assertArrayEquals(a.cka()[i], b.cka()[i], 0.0);
            assertArrayEquals(a.ckaDebiased()[i], b.ckaDebiased()[i], 0.0);
        }
        assertEquals(0, restored.pending());
    }

    @Test
    void aRoundTripKeepsTheRetainedSampleAndSoTheIntervalsExactly() throws Exception {
        GemmEngine gemm = GemmEngine.best();
        Comparison.Settings small = new Comparison.Settings("pretrained", "finetuned", 100, 60_000, 7, 1 << 20, 1.0, 16);
        Random random = new Random(9);
        Comparison original = new Comparison(small, gemm);
        List<PooledHalf[]> reviews = new ArrayList<>();
        for (int r = 0; r < 70; r++) {
            PooledHalf first = half("s" + r, Side.FIRST, random);
            float[] related = first.pooled().clone();
            for (int k = 0; k < related.length; k++) {
                related[k] = (float) (0.8 * related[k] + random.nextGaussian());
            }
            reviews.add(new PooledHalf[] {first, new PooledHalf(first.reviewId(), Side.SECOND, LAYERS, DIM, 9,
                    first.label(), "bbbb", related)});
        }
        for (int r = 0; r < 40; r++) {
            original.offer(reviews.get(r)[0], 1);
            original.offer(reviews.get(r)[1], 1);
        }
        ConfidenceLevel level = new ConfidenceLevel(0.95);
        DiagonalIntervals before = intervals(original, level); // the Gram cache is warm in the original only
        assertEquals(16, original.retainedReviews(), "40 reviews, a sample of 16");

        Comparison restored = roundTrip(original, small, gemm);
        RetainedReviews.State kept = original.state().retained();
        RetainedReviews.State back = restored.state().retained();
        assertArrayEquals(kept.ids(), back.ids(), "same reviews in the same slots");
        assertArrayEquals(kept.pooled(), back.pooled(), 0f);
        assertArrayEquals(kept.shift(), back.shift(), 0f);
        assertArrayEquals(kept.shiftedSum(), back.shiftedSum(), 0.0);
        assertEquals(kept.reviews(), back.reviews());
        assertIntervalsEqual(before, intervals(restored, level));

        // both go on identically: the same reviews enter and leave the sample
        for (int r = 40; r < 70; r++) {
            for (Comparison c : List.of(original, restored)) {
                c.offer(reviews.get(r)[0], 2);
                c.offer(reviews.get(r)[1], 2);
            }
        }
        assertArrayEquals(original.state().retained().ids(), restored.state().retained().ids());
        assertIntervalsEqual(intervals(original, level), intervals(restored, level));
    }

    private static DiagonalIntervals intervals(Comparison c, ConfidenceLevel level) {
        c.flush();
        return c.diagonalIntervals(c.scores(), level);
    }

    /** Equal up to the rounding of a Gram matrix built by one SYRK instead of slot-by-slot updates. */
    private static void assertIntervalsEqual(DiagonalIntervals expected, DiagonalIntervals actual) {
        assertEquals(expected.reviews(), actual.reviews());
        for (int i = 0; i < LAYERS; i++) {
            for (List<List<Interval>> both : List.of(List.of(expected.cka(), actual.cka()),
                    List.of(expected.ckaDebiased(), actual.ckaDebiased()))) {
                Interval a = both.get(0).get(i), b = both.get(1).get(i);
                assertNotNull(a, "layer " + i);
                assertEquals(a.lower(), b.lower(), 1e-12 * Math.max(1, Math.abs(a.lower())), "layer " + i);
                assertEquals(a.upper(), b.upper(), 1e-12 * Math.max(1, Math.abs(a.upper())), "layer " + i);
                assertTrue(a.halfWidth() > 0, "layer " + i + ": " + a);
            }
        }
    }

    /** Labelled reviews whose labels agree between halves, enough for the probes to fit and report. */
    private static Comparison withProbeData(Comparison.Settings settings, GemmEngine gemm) throws Exception {
        Comparison c = new Comparison(settings, gemm);
        Random random = new Random(5);
        for (int r = 0; r < 200; r++) {
            PooledHalf first = half("p" + r, Side.FIRST, random);
            PooledHalf second = half("p" + r, Side.SECOND, random);
            second = new PooledHalf(second.reviewId(), Side.SECOND, LAYERS, DIM, 9, first.label(), second.model(),
                    second.pooled());
            c.offer(first, 1);
            c.offer(second, 1);
        }
        return c;
    }

    @Test
    void theLastProbeReportSurvivesARestart() throws Exception {
        GemmEngine gemm = GemmEngine.best();
        Comparison original = withProbeData(SETTINGS, gemm);
        ProbeReport report = original.probes().retrain();
        assertTrue(report.fitted());
        assertNotNull(report.accuracy(Side.SECOND, 1));
        Comparison restored = roundTrip(original, gemm);
        assertEquals(report, restored.probes().lastReport());
        assertEquals(original.probes().solution(Side.FIRST, 0), restored.probes().solution(Side.FIRST, 0));
    }

    @Test
    void theConfiguredProbeSettingsWinOverTheSnapshotsAndTheProbesAreRefitted() throws Exception {
        GemmEngine gemm = GemmEngine.best();
        Comparison original = withProbeData(SETTINGS, gemm);
        original.probes().retrain();
        Comparison.Settings changed = new Comparison.Settings("pretrained", "finetuned", 100, 60_000, 7, 1 << 19, 0.1);
        Comparison.Restored restored = Comparison.restore(
                StateCodec.read(new DataInputStream(new ByteArrayInputStream(bytes(original)))), changed, gemm);
        assertTrue(restored.settingsChange().contains("C 1.0 -> 0.1"), restored.settingsChange());
        assertTrue(restored.settingsChange().contains("memory bound 1048576 -> 524288"),
                restored.settingsChange());
        LayerProbes probes = restored.comparison().probes();
        assertEquals(0.1, probes.c());
        assertEquals(1 << 19, probes.trainingSet().maxBytes());
        assertNull(probes.lastReport(), "the old report describes probes fitted with C = 1");
        ProbeReport refit = probes.retrain();

        // the same as a comparison configured with C = 0.1 from the start, fed the same reviews
        Comparison fresh = withProbeData(changed, gemm);
        ProbeReport expected = fresh.probes().retrain();
        assertEquals(expected.trainCount(), refit.trainCount());
        for (Side side : Side.values()) {
            for (int l = 0; l < LAYERS; l++) {
                assertArrayEquals(fresh.probes().solution(side, l).weights(), probes.solution(side, l).weights(), 1e-6);
                assertEquals(expected.accuracy(side, l), refit.accuracy(side, l));
            }
        }
        assertEquals("", Comparison.restore(StateCodec.read(new DataInputStream(new ByteArrayInputStream(
                bytes(original)))), SETTINGS, gemm).settingsChange(), "unchanged settings: nothing to say");
    }

    @Test
    void aSnapshotOfTheEarlierFormatIsRefusedNamingTheFileAndTheFix(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        SnapshotFiles files = new SnapshotFiles(dir, 2);
        files.write(out -> { // the layout before: magic "CKAS", version 1, then the sections
            out.writeInt(StateCodec.MAGIC);
            out.writeInt(1);
            out.writeInt(0);
        });
        SnapshotFiles.Unsupported e = assertThrows(SnapshotFiles.Unsupported.class,
                () -> files.readLatest(StateCodec::read));
        assertTrue(e.getMessage().contains("snapshot-000000000001.bin is written in state format 1 by an earlier"),
                e.getMessage());
    }

    /**
     * The store releases the state as soon as the sections that read live arrays are serialised: whatever the
     * stream does to the comparison from then on (more reviews folded in, more labelled rows for the probes, the
     * retained sample changed) must not reach the snapshot.
     */
    @Test
    void whatChangesAfterTheLiveSectionsAreWrittenStaysOutOfTheSnapshot() throws Exception {
        GemmEngine gemm = GemmEngine.best();
        Random random = new Random(11);
        Comparison live = new Comparison(SETTINGS, gemm);
        Comparison expected = new Comparison(SETTINGS, gemm);
        for (int r = 0; r < 30; r++) {
            PooledHalf a = half("r" + r, Side.FIRST, random);
            PooledHalf b = new PooledHalf(a.reviewId(), Side.SECOND, LAYERS, DIM, 9, a.label(), "bbbb",
                    half("r" + r, Side.SECOND, random).pooled());
            for (Comparison c : List.of(live, expected)) {
                c.offer(a, 1000);
                c.offer(b, 1000);
            }
        }
        live.flush();
        expected.flush();
        byte[] before = bytes(expected);
        int[] calls = {0};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StateCodec.write(new DataOutputStream(out), live.state(), () -> {
            calls[0]++;
            try {
                for (int r = 30; r < 60; r++) {
                    PooledHalf a = half("r" + r, Side.FIRST, random);
                    live.offer(a, 2000);
                    live.offer(new PooledHalf(a.reviewId(), Side.SECOND, LAYERS, DIM, 9, a.label(), "bbbb",
                            half("r" + r, Side.SECOND, random).pooled()), 2000);
                }
                live.flush();
            } catch (InvalidActivation e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(1, calls[0], "called once, after the live sections");
        assertEquals(60, live.reviews(), "the live comparison moved on meanwhile");
        assertArrayEquals(before, out.toByteArray(), "the snapshot is the state as captured, byte for byte");
    }

    /**
     * Several pairs go into one snapshot (each pair's live sections first, then each pair's probes and sample) and
     * come back each exactly; a snapshot of the single-pair format 2 (an upgrade from the previous release) is read
     * as a list of one.
     */
    @Test
    void severalPairsShareOneSnapshotAndTheSinglePairFormatIsStillRead() throws Exception {
        GemmEngine gemm = GemmEngine.best();
        Random random = new Random(5);
        Comparison.Settings ab = new Comparison.Settings("a", "b", 100, 60_000, 7, 1 << 20, 1.0);
        Comparison.Settings ac = new Comparison.Settings("a", "c", 100, 60_000, 7, 1 << 20, 1.0);
        Comparison first = new Comparison(ab, gemm);
        Comparison second = new Comparison(ac, gemm);
        for (int r = 0; r < 30; r++) {
            PooledHalf a = half("r" + r, Side.FIRST, random);
            first.offer(a, 1000);
            first.offer(half("r" + r, Side.SECOND, random), 1000);
            first.applied("activations.a", 0, r);
            if (r < 20) { // the second pair is behind
                second.offer(a, 1000);
                second.offer(half("r" + r, Side.SECOND, random), 1000);
                second.applied("activations.a", 0, r);
            }
        }
        first.flush();
        second.flush();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StateCodec.write(new DataOutputStream(out), List.of(first.state(), second.state()), () -> { });
        List<Comparison.State> read = StateCodec.readPairs(new DataInputStream(new ByteArrayInputStream(out.toByteArray())));
        assertEquals(2, read.size());
        Comparisons restored = new Comparisons(List.of(Comparison.restore(read.get(0), ab, gemm).comparison(),
                Comparison.restore(read.get(1), ac, gemm).comparison()));
        assertEquals(30, restored.all().get(0).reviews());
        assertEquals(20, restored.all().get(1).reviews());
        assertArrayEquals(first.scores().cka()[1], restored.all().get(0).scores().cka()[1]);
        assertArrayEquals(second.scores().cka()[1], restored.all().get(1).scores().cka()[1]);
        assertEquals(java.util.Optional.of(20L), restored.resumeOffset("activations.a", 0),
                "resume at the pair furthest behind");
        assertTrue(restored.all().get(0).unapplied("activations.a", 0, 30));
        assertTrue(!restored.all().get(0).unapplied("activations.a", 0, 25), "the pair ahead skips offset 25");
        assertEquals(java.util.Optional.empty(), restored.resumeOffset("activations.a", 1), "an unseen partition");

        byte[] single = bytes(first); // format 3 with one pair: magic, 3, count 1, then the pair's sections
        ByteArrayOutputStream format2 = new ByteArrayOutputStream();
        DataOutputStream f2 = new DataOutputStream(format2);
        f2.writeInt(StateCodec.MAGIC);
        f2.writeInt(2);
        f2.write(single, 12, single.length - 12);
        Comparison fromFormat2 = Comparison.restore(StateCodec.read(new DataInputStream(
                new ByteArrayInputStream(format2.toByteArray()))), ab, gemm).comparison();
        assertEquals(30, fromFormat2.reviews());
        assertArrayEquals(first.scores().ckaDebiased()[1], fromFormat2.scores().ckaDebiased()[1]);
        assertEquals(first.appliedOffsets(), fromFormat2.appliedOffsets());
    }

    @Test
    void aSnapshotOfAnotherPairIsRefused() throws Exception {
        Comparison other = new Comparison(new Comparison.Settings("a", "b", 10, 10, 4, 1 << 20, 1.0), GemmEngine.best());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StateCodec.write(new DataOutputStream(bytes), other.state());
        Comparison.State read = StateCodec.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Comparison.restore(read, SETTINGS, GemmEngine.best()));
        assertTrue(e.getMessage().contains("compares a with b"), e.getMessage());
    }

    static Comparison roundTrip(Comparison c, Comparison.Settings settings, GemmEngine gemm) throws IOException {
        return Comparison.restore(StateCodec.read(new DataInputStream(new ByteArrayInputStream(bytes(c)))),
                settings, gemm).comparison();
    }

    private static Comparison roundTrip(Comparison c, GemmEngine gemm) throws IOException {
        return roundTrip(c, SETTINGS, gemm);
    }

    static byte[] bytes(Comparison c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StateCodec.write(new DataOutputStream(bytes), c.state());
        return bytes.toByteArray();
    }

    private static PooledHalf half(String id, Side side, Random random) {
        float[] v = new float[LAYERS * DIM];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() + (i % DIM == 0 ? 50 : 0));
        }
        return new PooledHalf(id, side, LAYERS, DIM, 9, random.nextInt(2), side == Side.FIRST ? "aaaa" : "bbbb", v);
    }
}
