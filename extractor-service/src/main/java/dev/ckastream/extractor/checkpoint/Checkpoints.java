package dev.ckastream.extractor.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import dev.ckastream.extractor.config.CheckpointList;
import dev.ckastream.extractor.config.ExtractorConfig;
import dev.ckastream.extractor.config.ExtractorConfig.CheckpointConfig;
import dev.ckastream.contract.Topics;
import dev.ckastream.extractor.model.CheckpointFiles;
import dev.ckastream.extractor.model.ExecutionSettings;
import dev.ckastream.extractor.model.LayerPoolingModel;
import dev.ckastream.extractor.tokenize.ReviewTokenizer;
import io.quarkus.runtime.Startup;

/**
 * The checkpoints, in configured order ({@link CheckpointList}), loaded (and self-checked) once at start-up; a
 * model that cannot be tapped stops the service with a message naming it.
 */
@Startup
@ApplicationScoped
public class Checkpoints {

    private static final Logger LOG = Logger.getLogger(Checkpoints.class);

    private final List<Checkpoint> all;

    @Inject
    public Checkpoints(ExtractorConfig config, Config source) {
        List<CheckpointConfig> configured = CheckpointList.of(config, source);
        List<Checkpoint> loaded = new ArrayList<>(configured.size());
        try {
            for (CheckpointConfig checkpoint : configured) {
                loaded.add(load(checkpoint, config));
            }
        } catch (RuntimeException e) {
            loaded.forEach(Checkpoint::close); // native sessions of the ones already loaded
            throw e;
        }
        this.all = List.copyOf(loaded);
        LOG.infof("%d checkpoints, in order: %s (every review gets one record per checkpoint, or none)", all.size(),
                all.stream().map(Checkpoint::name).collect(Collectors.joining(", ")));
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

    /** Every checkpoint, in configured order: a review's records are published in this order. */
    public List<Checkpoint> all() {
        return all;
    }

    @PreDestroy
    void close() {
        all.forEach(Checkpoint::close);
    }
}
