package dev.ckastream.extractor.model;

import java.util.List;

/**
 * How a checkpoint runs.
 *
 * @param provider          CPU (default) or CUDA
 * @param deviceId          CUDA device id (ignored on CPU)
 * @param intraOpThreads    ONNX Runtime intra-op threads; 0 leaves ORT's default (one per physical core)
 * @param cudaFallbackToCpu if CUDA is requested but not available (CPU-only onnxruntime artifact, no driver,
 *                          bad device id): true runs on CPU (see {@link LayerPoolingModel#providerNote()}),
 *                          false fails the load with a message saying why; the service's configuration
 *                          ({@code extractor.execution.cuda-fallback-to-cpu}) defaults to true
 * @param tapNames          explicit tap tensors (layer 0 first, the last must equal the model's last hidden
 *                          state); empty = find them from the LayerNorms
 */
public record ExecutionSettings(Provider provider, int deviceId, int intraOpThreads, boolean cudaFallbackToCpu,
                                List<String> tapNames) {

    public enum Provider { CPU, CUDA }

    public ExecutionSettings {
        if (provider == null) {
            provider = Provider.CPU;
        }
        if (deviceId < 0) {
            throw new IllegalArgumentException("deviceId must be >= 0, got " + deviceId);
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be >= 0, got " + intraOpThreads);
        }
        tapNames = tapNames == null ? List.of() : List.copyOf(tapNames);
    }

    /** CPU, ORT's default thread count, LayerNorm search. */
    public static ExecutionSettings cpu() {
        return new ExecutionSettings(Provider.CPU, 0, 0, false, List.of());
    }

    public static ExecutionSettings cpu(int intraOpThreads) {
        return new ExecutionSettings(Provider.CPU, 0, intraOpThreads, false, List.of());
    }

    public static ExecutionSettings cuda(int deviceId, boolean fallbackToCpu) {
        return new ExecutionSettings(Provider.CUDA, deviceId, 0, fallbackToCpu, List.of());
    }

    public ExecutionSettings withTapNames(List<String> names) {
        return new ExecutionSettings(provider, deviceId, intraOpThreads, cudaFallbackToCpu, names);
    }
}
