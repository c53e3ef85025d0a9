package dev.ckastream.extractor.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A review tokenizer over a HuggingFace {@code tokenizer.json} (DJL's Rust binding; its native library is
 * loaded from the tokenizers jar, so it works with {@code -Dai.djl.offline=true}).
 *
 * <p>Any truncation or padding stored in the tokenizer.json is overridden: reviews are truncated to
 * {@link #maxTokens()} tokens, special tokens included (so the final {@code [SEP]} is kept), and never padded;
 * padding to the longest review of a batch happens when the batch tensors are built.
 *
 * <p>Thread-safety: the underlying Rust tokenizer is immutable after construction; {@link #encode} may be
 * called from several threads.
 */
public final class ReviewTokenizer implements AutoCloseable {

    /** Default truncation length (the service's {@code max-tokens} default). */
    public static final int DEFAULT_MAX_TOKENS = 512;

    private final HuggingFaceTokenizer tokenizer;
    private final int maxTokens;

    private ReviewTokenizer(HuggingFaceTokenizer tokenizer, int maxTokens) {
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
    }

    /**
     * @param maxTokens truncation length including special tokens; the caller passes
     *                  {@link #effectiveMaxTokens(int, int) min(configured, model limit)}
     */
    public static ReviewTokenizer load(Path tokenizerJson, int maxTokens) {
        if (maxTokens < 2) {
            throw new IllegalArgumentException("maxTokens must be at least 2 (room for [CLS] and [SEP]), got " + maxTokens);
        }
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optMaxLength(maxTokens)
                    .optPadding(false)
                    .build();
            return new ReviewTokenizer(t, maxTokens);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    /** The configured max-tokens, never above the model's position limit. */
    public static int effectiveMaxTokens(int configured, int modelLimit) {
        return Math.min(configured, modelLimit);
    }

    /** Tokenizes one review: special tokens added, truncated to {@link #maxTokens()}, unpadded. */
    public TokenizedReview encode(String text) {
        Encoding e = tokenizer.encode(text == null ? "" : text);
        long[] ids = e.getIds();
        if (ids.length > maxTokens) {
            // Guards the override of tokenizer.json's own truncation settings.
            throw new IllegalStateException("tokenizer returned " + ids.length + " tokens, above max-tokens " + maxTokens);
        }
        return new TokenizedReview(ids, e.getTypeIds());
    }

    /** Token strings of a review (for logs and tests). */
    public String[] tokens(String text) {
        return tokenizer.encode(text == null ? "" : text).getTokens();
    }

    public int maxTokens() {
        return maxTokens;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
