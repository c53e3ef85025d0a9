package dev.ckastream.extractor.tokenize;

import java.util.Arrays;

/** One review's token ids (special tokens included, truncated, not padded). */
public record TokenizedReview(long[] inputIds, long[] tokenTypeIds) {

    public TokenizedReview {
        if (inputIds == null || inputIds.length == 0) {
            throw new IllegalArgumentException("a tokenized review needs at least one token");
        }
        if (tokenTypeIds == null) {
            tokenTypeIds = new long[inputIds.length];
        }
        if (tokenTypeIds.length != inputIds.length) {
            throw new IllegalArgumentException("inputIds and tokenTypeIds differ in length: "
                    + inputIds.length + " vs " + tokenTypeIds.length);
        }
    }

    /** Single-segment review (token types all 0). */
    public static TokenizedReview of(long... inputIds) {
        return new TokenizedReview(inputIds, null);
    }

    public int tokens() {
        return inputIds.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizedReview r && Arrays.equals(inputIds, r.inputIds)
                && Arrays.equals(tokenTypeIds, r.tokenTypeIds);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(inputIds) + Arrays.hashCode(tokenTypeIds);
    }

    @Override
    public String toString() {
        return "TokenizedReview" + Arrays.toString(inputIds);
    }
}
