package dev.ckastream.extractor.checkpoint;

import java.util.List;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.ckastream.extractor.config.ExtractorConfig;
import dev.ckastream.extractor.config.ExtractorConfig.CheckpointConfig;
import dev.ckastream.contract.Topics;
import dev.ckastream.extractor.model.CheckpointFiles;
import dev.ckastream.extractor.model.ExecutionSettings;
import dev.ckastream.extractor.model.LayerPoolingModel;
import dev.ckastream.extractor.tokenize.ReviewTokenizer;
import io.quarkus.runtime.Startup;

/**
 * The two checkpoints, loaded (and self-checked) once at start-up; a model that cannot be tapped stops
 * the service with a message naming it.
 */
@Startup
@ApplicationScoped
public class Checkpoints {

    private static final Logger LOG = Logger.getLogger(Checkpoints.class);

    private final List<Checkpoint> both;

    @Inject
    public Checkpoints(ExtractorConfig config) {
        if (config.first().name().equals(config.second().name())) {
            throw new IllegalStateException("the two checkpoints need different names (both are \""
                    + config.first().name() + "\"): set extractor.first.name / extractor.second.name");
        }
        this.both = List.of(load(config.first(), config), load(config.second(), config));
    }

    private static Checkpoint load(CheckpointConfig checkpoint, ExtractorConfig config) {
        long started = System.nanoTime();
        ExecutionSettings settings = new ExecutionSettings(provider(config.execution().provider()),
                config.execution().deviceId(), config.execution().intraOpThreads(),
                config.execution().cudaFallbackToCpu(), checkpoint.taps().orElse(List.of()));
        LayerPoolingModel model = LayerPoolingModel.load(checkpoint.name(),
                CheckpointFiles.readModel(checkpoint.model()), settings);
        int maxTokens = Math.min(config.maxTokens(), model.maxPositions());
        ReviewTokenizer tokenizer = ReviewTokenizer.load(CheckpointFiles.tokenizerPath(checkpoint.tokenizer()), maxTokens);
        LOG.infof("checkpoint %s: %s (model %s), %d layers x %d, max %d tokens, execution provider %s%s, self-check: %s -> topic %s (%d ms)",
                checkpoint.name(), checkpoint.model(), model.fingerprint(), model.layers(), model.dim(), maxTokens,
                model.executionProvider(), model.providerNote().isEmpty() ? "" : " (" + model.providerNote() + ")", model.selfCheck(),
                Topics.activations(checkpoint.name()),
                (System.nanoTime() - started) / 1_000_000);
        return new Checkpoint(checkpoint.name(), tokenizer, model);
    }

    private static ExecutionSettings.Provider provider(String name) {
        try {
            return ExecutionSettings.Provider.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("extractor.execution.provider must be cpu or cuda, got \"" + name + "\"");
        }
    }

    public List<Checkpoint> both() {
        return both;
    }

    @PreDestroy
    void close() {
        both.forEach(Checkpoint::close);
    }
}
