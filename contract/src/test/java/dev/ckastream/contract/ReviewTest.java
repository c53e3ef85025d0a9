package dev.ckastream.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The input contract: what {@link Review#fromRecord} accepts, and the reason for everything it rejects. */
class ReviewTest {

    private static final int MAX = 50;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Review parse(String key, String value) throws InvalidReview {
        return Review.fromRecord(key == null ? null : utf8(key), value == null ? null : utf8(value), MAX);
    }

    @Test
    void validReviews() throws InvalidReview {
        assertEquals(new Review("r1", "Loved it.", 1), parse("r1", "{\"id\":\"r1\",\"text\":\"Loved it.\",\"label\":1}"));
        assertEquals(new Review("r2", "Meh", 0), parse("r2", "{\"id\":\"r2\",\"text\":\"Meh\",\"label\":0}"));
        assertEquals(new Review("r3", "x", null), parse("r3", "{\"id\":\"r3\",\"text\":\"x\"}"));
        assertEquals(new Review("r4", "x", null), parse("r4", "{\"id\":\"r4\",\"text\":\"x\",\"label\":null}"));
        assertEquals(new Review("r5", "x", 1), parse("r5", "{\"text\":\"x\",\"extra\":[1,2],\"label\":1,\"id\":\"r5\"}"),
                "unknown fields are ignored, order does not matter");
        assertEquals(new Review("ünï-日本-🎬", "素晴らしい 🎬", 1),
                parse("ünï-日本-🎬", "{\"id\":\"ünï-日本-🎬\",\"text\":\"素晴らしい 🎬\",\"label\":1}"));
        assertEquals(new Review("r6", "a\nb \"quoted\"", null), parse("r6", "  {\"id\":\"r6\",\"text\":\"a\\nb \\\"quoted\\\"\"}\n"),
                "escapes and surrounding whitespace");
        String atLimit = "x".repeat(MAX);
        assertEquals(atLimit, parse("r7", "{\"id\":\"r7\",\"text\":\"" + atLimit + "\"}").text(), "exactly max-chars is fine");
        String emoji = "🎬".repeat(MAX);
        assertEquals(emoji, parse("r8", "{\"id\":\"r8\",\"text\":\"" + emoji + "\"}").text(),
                "max-chars counts characters (code points), not UTF-16 units");
    }

    static Stream<Arguments> invalid() {
        String tooLong = "x".repeat(MAX + 1);
        return Stream.of(
                Arguments.of("tombstone", "k", null, ReviewRejection.NULL_VALUE),
                Arguments.of("empty value", "k", "", ReviewRejection.NOT_JSON),
                Arguments.of("blank value", "k", "   ", ReviewRejection.NOT_JSON),
                Arguments.of("not json", "k", "great movie", ReviewRejection.NOT_JSON),
                Arguments.of("truncated json", "k", "{\"id\":\"k\",\"text\":\"x\"", ReviewRejection.NOT_JSON),
                Arguments.of("trailing content", "k", "{\"id\":\"k\",\"text\":\"x\"} {\"id\":\"k2\",\"text\":\"y\"}", ReviewRejection.NOT_JSON),
                Arguments.of("trailing garbage", "k", "{\"id\":\"k\",\"text\":\"x\"}garbage", ReviewRejection.NOT_JSON),
                Arguments.of("array", "k", "[{\"id\":\"k\",\"text\":\"x\"}]", ReviewRejection.NOT_AN_OBJECT),
                Arguments.of("string", "k", "\"k\"", ReviewRejection.NOT_AN_OBJECT),
                Arguments.of("number", "k", "42", ReviewRejection.NOT_AN_OBJECT),
                Arguments.of("json null", "k", "null", ReviewRejection.NOT_AN_OBJECT),
                Arguments.of("no id", "k", "{\"text\":\"x\"}", ReviewRejection.MISSING_ID),
                Arguments.of("null id", "k", "{\"id\":null,\"text\":\"x\"}", ReviewRejection.MISSING_ID),
                Arguments.of("empty id", "", "{\"id\":\"\",\"text\":\"x\"}", ReviewRejection.MISSING_ID),
                Arguments.of("numeric id", "5", "{\"id\":5,\"text\":\"x\"}", ReviewRejection.MISSING_ID),
                Arguments.of("no text", "k", "{\"id\":\"k\"}", ReviewRejection.MISSING_TEXT),
                Arguments.of("null text", "k", "{\"id\":\"k\",\"text\":null}", ReviewRejection.MISSING_TEXT),
                Arguments.of("empty text", "k", "{\"id\":\"k\",\"text\":\"\"}", ReviewRejection.MISSING_TEXT),
                Arguments.of("object text", "k", "{\"id\":\"k\",\"text\":{\"en\":\"x\"}}", ReviewRejection.MISSING_TEXT),
                Arguments.of("label 5", "k", "{\"id\":\"k\",\"text\":\"x\",\"label\":5}", ReviewRejection.BAD_LABEL),
                Arguments.of("label -1", "k", "{\"id\":\"k\",\"text\":\"x\",\"label\":-1}", ReviewRejection.BAD_LABEL),
                Arguments.of("label positive", "k", "{\"id\":\"k\",\"text\":\"x\",\"label\":\"positive\"}", ReviewRejection.BAD_LABEL),
                Arguments.of("label \"1\"", "k", "{\"id\":\"k\",\"text\":\"x\",\"label\":\"1\"}", ReviewRejection.BAD_LABEL),
                Arguments.of("label true", "k", "{\"id\":\"k\",\"text\":\"x\",\"label\":true}", ReviewRejection.BAD_LABEL),
                Arguments.of("label 0.5", "k", "{\"id\":\"k\",\"text\":\"x\",\"label\":0.5}", ReviewRejection.BAD_LABEL),
                Arguments.of("label 2^32+1", "k", "{\"id\":\"k\",\"text\":\"x\",\"label\":4294967297}", ReviewRejection.BAD_LABEL),
                Arguments.of("key differs from id", "other", "{\"id\":\"k\",\"text\":\"x\"}", ReviewRejection.KEY_MISMATCH),
                Arguments.of("key missing", null, "{\"id\":\"k\",\"text\":\"x\"}", ReviewRejection.KEY_MISMATCH),
                Arguments.of("key differs by case", "K", "{\"id\":\"k\",\"text\":\"x\"}", ReviewRejection.KEY_MISMATCH),
                Arguments.of("text too long", "k", "{\"id\":\"k\",\"text\":\"" + tooLong + "\"}", ReviewRejection.TEXT_TOO_LONG));
    }

    @ParameterizedTest(name = "{0} -> {3}")
    @MethodSource("invalid")
    void invalidReviewsNameTheirReason(String what, String key, String value, ReviewRejection reason) {
        InvalidReview e = assertThrows(InvalidReview.class, () -> parse(key, value), what);
        assertEquals(reason, e.reason(), what + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith(reason.code() + ": "), "message starts with the code: " + e.getMessage());
        assertTrue(e.getMessage().length() > reason.code().length() + 2, "and has a detail: " + e.getMessage());
    }

    @Test
    void invalidUtf8InValueOrKey() {
        byte[] badValue = { '{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}' };
        InvalidReview value = assertThrows(InvalidReview.class, () -> Review.fromRecord(utf8("k"), badValue, MAX));
        assertEquals(ReviewRejection.INVALID_UTF8, value.reason());
        assertTrue(value.getMessage().startsWith("invalid-utf8: "), value.getMessage());
        assertTrue(value.getMessage().contains("value"), value.getMessage());

        byte[] badKey = { 'k', (byte) 0xFF };
        InvalidReview key = assertThrows(InvalidReview.class,
                () -> Review.fromRecord(badKey, utf8("{\"id\":\"k\",\"text\":\"x\"}"), MAX));
        assertEquals(ReviewRejection.INVALID_UTF8, key.reason());
        assertTrue(key.getMessage().contains("key"), key.getMessage());

        byte[] loneSurrogate = { '{', '"', 'i', 'd', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}' };
        assertEquals(ReviewRejection.INVALID_UTF8,
                assertThrows(InvalidReview.class, () -> Review.fromRecord(utf8("k"), loneSurrogate, MAX)).reason(),
                "CESU-style surrogate bytes are not UTF-8");
    }

    @Test
    void tombstoneWinsOverAMissingKey() {
        assertEquals(ReviewRejection.NULL_VALUE, assertThrows(InvalidReview.class, () -> Review.fromRecord(null, null, MAX)).reason());
    }

    @Test
    void fromJsonIsTheSameValidationWithoutTheKey() throws InvalidReview {
        assertEquals(new Review("a", "b", 0), Review.fromJson("{\"id\":\"a\",\"text\":\"b\",\"label\":0}", MAX));
        assertEquals(ReviewRejection.BAD_LABEL,
                assertThrows(InvalidReview.class, () -> Review.fromJson("{\"id\":\"a\",\"text\":\"b\",\"label\":2}", MAX)).reason());
        assertEquals(ReviewRejection.NOT_JSON, assertThrows(InvalidReview.class,
                () -> Review.fromJson("{\"id\":\"a\",\"text\":\"b\"}\n{\"id\":\"c\",\"text\":\"d\"}", MAX)).reason(),
                "two JSONL lines are not one review");
    }

    @Test
    void canonicalJsonRoundTrips() throws InvalidReview {
        for (Review r : new Review[] { new Review("ünï 🎬", "a \"b\"\n\\c", 1), new Review("x", "y", null),
                new Review("z", "w", 0) }) {
            Review back = Review.fromRecord(r.keyBytes(), r.toJsonBytes(), 1000);
            assertEquals(r, back);
            assertArrayEquals(r.id().getBytes(StandardCharsets.UTF_8), r.keyBytes());
        }
        assertNull(Review.fromJson(new String(new Review("x", "y", null).toJsonBytes(), StandardCharsets.UTF_8), 10).label());
        assertTrue(!new String(new Review("x", "y", null).toJsonBytes(), StandardCharsets.UTF_8).contains("label"),
                "unknown label is left out");
    }

    @Test
    void theFeedersBytesFollowTheContract() {
        Review r = new Review("train-pos-7", "Très \"bon\",\nfilm ✓<br />", 1);
        assertArrayEquals("train-pos-7".getBytes(StandardCharsets.UTF_8), r.keyBytes());
        String expected = "{\"id\":\"train-pos-7\",\"text\":\"Très \\\"bon\\\",\\nfilm ✓<br />\",\"label\":1}";
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), r.toJsonBytes());
        assertEquals("{\"id\":\"csv-1\",\"text\":\"x\"}",
                new String(new Review("csv-1", "x", null).toJsonBytes(), StandardCharsets.UTF_8));
        assertEquals("{\"id\":\"n\",\"text\":\"\",\"label\":0}",
                new String(new Review("n", "", 0).toJsonBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void aReviewHoldsOnlyWhatTheContractAllows() {
        assertThrows(NullPointerException.class, () -> new Review(null, "x", null));
        assertThrows(NullPointerException.class, () -> new Review("x", null, null));
        assertThrows(IllegalArgumentException.class, () -> new Review("x", "y", 2));
        assertThrows(IllegalArgumentException.class, () -> new Review("x", "y", -1));
    }
}
