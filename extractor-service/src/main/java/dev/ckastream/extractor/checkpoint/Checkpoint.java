package dev.ckastream.extractor.checkpoint;

import java.util.List;

import dev.ckastream.extractor.model.LayerPoolingModel;
import dev.ckastream.extractor.tokenize.ReviewTokenizer;
import dev.ckastream.extractor.tokenize.TokenizedReview;

/**
 * One named checkpoint: its tokenizer and its layer-pooling model. Thread-safe (ONNX Runtime sessions
 * and DJL tokenizers may be used from several threads).
 */
public record Checkpoint(String name, ReviewTokenizer tokenizer, LayerPoolingModel model) implements AutoCloseable {

    public TokenizedReview tokenize(String text) {
        return tokenizer.encode(text);
    }

    /** One float[layers × dim] per review, layer-major. */
    public float[][] pool(List<TokenizedReview> batch) {
        return model.pool(batch);
    }

    public int layers() {
        return model.layers();
    }

    public int dim() {
        return model.dim();
    }

    public String fingerprint() {
        return model.fingerprint();
    }

    @Override
    public void close() {
        tokenizer.close();
        model.close();
    }
}
