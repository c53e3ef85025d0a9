package dev.ckastream.extractor.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Every setting of extractor-service, in one place (README, "Configuration"). Environment names follow
 * MicroProfile rules: {@code extractor.max-tokens} is {@code EXTRACTOR_MAX_TOKENS}.
 */
@ConfigMapping(prefix = "extractor")
public interface ExtractorConfig {

    /**
     * The checkpoints, in order ({@code extractor.checkpoints[0].name}, ...; env
     * {@code EXTRACTOR_CHECKPOINTS_0__NAME}): two or more, names unique. When given, {@link #first} and
     * {@link #second} must not be set; when not, the checkpoints are {@code first} then {@code second}.
     * Resolved and checked by {@link CheckpointList}.
     */
    Optional<List<CheckpointConfig>> checkpoints();

    /** The first checkpoint of a pair (e.g. before fine-tuning), when {@link #checkpoints} is not given. */
    @WithName("first")
    CheckpointConfig first();

    /** The second checkpoint of a pair (e.g. after fine-tuning), when {@link #checkpoints} is not given. */
    @WithName("second")
    CheckpointConfig second();

    /** Longest review in tokens after truncation; clamped to each model's position limit. */
    @WithDefault("512")
    int maxTokens();

    /** Longer texts are dead-lettered ({@code text-too-long}). */
    @WithDefault("1000000")
    int maxChars();

    /**
     * Longest wait for the broker to acknowledge every record a polled batch caused (activations, dead letters).
     * When it expires the batch is not acknowledged: its offsets are not committed, the channel fails (health
     * DOWN) and the batch is processed again after a restart. As long as the producers' {@code delivery.timeout.ms}
     * (2 min), so that their own retries ride out a shorter broker outage.
     */
    @WithDefault("2m")
    Duration publishTimeout();

    Batching batching();

    Execution execution();

    Ingest ingest();

    interface CheckpointConfig {
        /** Checkpoint name: the output topic is {@code activations.<name>}. */
        String name();

        /** ONNX file: a path, or {@code classpath:NAME} for a model shipped in a jar. */
        String model();

        /** Its {@code tokenizer.json}: a path or {@code classpath:NAME}. */
        String tokenizer();

        /**
         * Names of the hidden-state tensors to pool (embedding output, then each block), overriding the
         * automatic LayerNorm search.
         */
        Optional<List<String>> taps();
    }

    interface Batching {
        /** Most padded tokens (reviews × longest review) in one inference call. */
        @WithDefault("8192")
        int tokenBudget();

        /** Most reviews in one inference call. */
        @WithDefault("64")
        int maxReviews();

        /**
         * The fixed cost of one inference call, in tokens, that the batcher weighs against padding when it
         * chooses where to cut (larger: fewer, fuller batches; 0: as little padding as possible).
         */
        @WithDefault("64")
        int callOverheadTokens();
    }

    interface Execution {
        /** {@code cpu} or {@code cuda} (needs the GPU build: {@code ./mvnw -Dgpu package}). */
        @WithDefault("cpu")
        String provider();

        /** With provider cuda but no usable CUDA (CPU build, no driver): true runs on CPU with a warning, false fails. */
        @WithDefault("true")
        boolean cudaFallbackToCpu();

        /** CUDA device id. */
        @WithDefault("0")
        int deviceId();

        /** ONNX Runtime intra-op threads; 0 = one per core. */
        @WithDefault("0")
        int intraOpThreads();
    }

    interface Ingest {
        /** Most reviews accepted in one {@code POST /reviews}. */
        @WithDefault("10000")
        int maxReviewsPerRequest();

        /**
         * Longest wait for the broker to acknowledge a request's reviews; beyond it {@code POST /reviews}
         * answers 503 (the client retries; ids are counted once downstream).
         */
        @WithDefault("30s")
        Duration publishTimeout();

        /**
         * Bearer token that {@code POST /reviews} requires ({@code Authorization: Bearer <token>}); when unset,
         * only requests from loopback addresses are accepted. Never logged.
         */
        Optional<String> token();
    }
}
