package dev.ckastream.cka.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class ComparedPairsTest {

    private static List<String> keys(ComparedPairs p) {
        return p.pairs().stream().map(CheckpointPair::key).toList();
    }

    @Test
    void withoutCheckpointsTheFirstAndSecondAreTheOnePair() {
        ComparedPairs p = ComparedPairs.resolve(Optional.empty(), "pretrained", "finetuned", "first-vs-each");
        assertEquals(List.of("pretrained~finetuned"), keys(p));
        assertEquals(List.of("activations.pretrained", "activations.finetuned"), p.topics());
        assertTrue(p.sharedFirst());
    }

    @Test
    void firstVsEachComparesTheBaseWithEveryLaterCheckpoint() {
        ComparedPairs p = ComparedPairs.resolve(Optional.of(List.of("base", "t25", " t50 ", "t100")), "x", "y",
                "first-vs-each");
        assertEquals(List.of("base~t25", "base~t50", "base~t100"), keys(p));
        assertEquals(List.of("activations.base", "activations.t25", "activations.t50", "activations.t100"), p.topics());
        assertTrue(p.sharedFirst());
    }

    @Test
    void consecutiveComparesEachCheckpointWithTheNext() {
        ComparedPairs p = ComparedPairs.resolve(Optional.of(List.of("a", "b", "c")), "x", "y", "consecutive");
        assertEquals(List.of("a~b", "b~c"), keys(p));
        assertFalse(p.sharedFirst());
        assertEquals(3, p.topics().size(), "b is read once although it is in two pairs");
    }

    @Test
    void anExplicitListIsTakenInItsOrderAndNamesTheCheckpointsWhenTheyAreNotListed() {
        ComparedPairs p = ComparedPairs.resolve(Optional.empty(), "pretrained", "finetuned", "c~a, a~b");
        assertEquals(List.of("c~a", "a~b"), keys(p));
        assertEquals(List.of("c", "a", "b"), p.checkpoints());
        ComparedPairs listed = ComparedPairs.resolve(Optional.of(List.of("a", "b", "c", "unused")), "x", "y", "a~c");
        assertEquals(List.of("activations.a", "activations.c"), listed.topics(), "only the topics a pair reads");
        assertEquals(Optional.of(new CheckpointPair("a", "c")), listed.find("a~c"));
        assertEquals(Optional.empty(), listed.find("c~a"));
    }

    @Test
    void badListsAreRefusedNamingTheSetting() {
        assertMessage("cka.pairs names d in a~d, which is not one of cka.checkpoints (a,b,c)",
                Optional.of(List.of("a", "b", "c")), "a~d");
        assertMessage("cka.pairs names a~b twice", Optional.of(List.of("a", "b")), "a~b,a~b");
        assertMessage("cka.pairs: a is not a pair", Optional.of(List.of("a", "b")), "a");
        assertMessage("cka.pairs: a pair compares two different checkpoints, not a with itself",
                Optional.of(List.of("a", "b")), "a~a");
        assertMessage("cka.checkpoints names a twice", Optional.of(List.of("a", "b", "a")), "first-vs-each");
        assertMessage("cka.checkpoints needs two or more checkpoint names", Optional.of(List.of("a")), "consecutive");
        assertMessage("checkpoint name 'a b' may only use", Optional.of(List.of("a b", "c")), "first-vs-each");
    }

    private static void assertMessage(String expected, Optional<List<String>> checkpoints, String pairs) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ComparedPairs.resolve(checkpoints, "x", "y", pairs));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
