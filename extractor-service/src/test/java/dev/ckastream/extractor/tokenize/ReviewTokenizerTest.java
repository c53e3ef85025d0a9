package dev.ckastream.extractor.tokenize;

import dev.ckastream.extractor.model.CheckpointFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ReviewTokenizerTest {

    // all-minilm-l6-v2's tokenizer.json pads and truncates to 128 on its own.
    private static Path minilmJson;
    private static ReviewTokenizer minilm512;

    @BeforeAll
    static void load() throws Exception {
        minilmJson = CheckpointFiles.tokenizerPath("classpath:all-minilm-l6-v2-tokenizer.json");
        String json = Files.readString(minilmJson);
        assertTrue(json.contains("\"max_length\": 128") || json.contains("\"max_length\":128"),
                "precondition: this tokenizer.json carries its own 128-token truncation");
        minilm512 = ReviewTokenizer.load(minilmJson, 512);
    }

    @AfterAll
    static void close() {
        minilm512.close();
    }

    private static String longReview(int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append("movie ");
        }
        return sb.toString();
    }

    @Test
    void longReviewIsTruncatedToMaxTokensNot128AndEndsWithSep() {
        TokenizedReview r = minilm512.encode(longReview(1000));
        assertEquals(512, r.tokens());
        String[] tokens = minilm512.tokens(longReview(1000));
        assertEquals("[CLS]", tokens[0]);
        assertEquals("[SEP]", tokens[tokens.length - 1]);
        assertEquals(102L, r.inputIds()[511]);
        assertEquals(101L, r.inputIds()[0]);
    }

    @Test
    void smallerMaxTokensAlsoKeepsFinalSep() {
        try (ReviewTokenizer t = ReviewTokenizer.load(minilmJson, 40)) {
            TokenizedReview r = t.encode(longReview(200));
            assertEquals(40, r.tokens());
            assertEquals(102L, r.inputIds()[39]);
            assertEquals(40, t.maxTokens());
        }
    }

    @Test
    void shortReviewIsNotPadded() {
        TokenizedReview r = minilm512.encode("Great film.");
        // [CLS] great film . [SEP]
        assertEquals(5, r.tokens(), () -> java.util.Arrays.toString(minilm512.tokens("Great film.")));
        assertEquals(101L, r.inputIds()[0]);
        assertEquals(102L, r.inputIds()[4]);
        for (long id : r.inputIds()) {
            assertNotEquals(0L, id, "no [PAD] tokens");
        }
        assertArrayEquals(new long[5], r.tokenTypeIds());
    }

    @Test
    void effectiveMaxTokensNeverExceedsModelLimit() {
        assertEquals(512, ReviewTokenizer.effectiveMaxTokens(4096, 512));
        assertEquals(256, ReviewTokenizer.effectiveMaxTokens(256, 512));
    }

    @Test
    void bgeTokenizerFromClasspathWorks() {
        try (ReviewTokenizer t = ReviewTokenizer.load(CheckpointFiles.tokenizerPath("classpath:bge-small-en-tokenizer.json"), 512)) {
            TokenizedReview r = t.encode("The plot was thin but the acting saved it.");
            assertEquals(101L, r.inputIds()[0]);
            assertEquals(102L, r.inputIds()[r.tokens() - 1]);
            assertTrue(r.tokens() > 5 && r.tokens() < 20);
        }
    }
}
