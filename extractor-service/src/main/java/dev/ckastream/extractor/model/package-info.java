/**
 * The extractor's model core: plain Java over ONNX Runtime, no Quarkus or Kafka.
 *
 * <ul>
 *   <li>{@link dev.ckastream.extractor.model.LayerPoolingModel}: one checkpoint, loaded and self-checked; one run
 *       yields every layer's masked-mean vector per review ([batch, layers, dim]).</li>
 *   <li>{@link dev.ckastream.extractor.model.CheckpointGraph}: the original graph as the loader reads it (layer
 *       taps, inputs, position limit, batch coupling by dynamic quantization, classifier head).</li>
 *   <li>{@link dev.ckastream.extractor.model.PoolingRewrite}: the in-memory graph rewrite that exposes the taps
 *       and adds the masked-mean pooling.</li>
 *   <li>{@link dev.ckastream.extractor.model.PoolingSession}: an ONNX Runtime session of a rewritten graph, on CPU
 *       or CUDA: the one that serves (only the pooled output added), and at load the one the self-check reads the
 *       taps from.</li>
 *   <li>{@link dev.ckastream.extractor.model.BatchTensors}: a batch's padded input tensors and pooling weights.</li>
 *   <li>{@link dev.ckastream.extractor.model.ClassifierHead}: the classification head of a classifier export (only
 *       {@code logits} out), traced back to the position it reads.</li>
 *   <li>{@link dev.ckastream.extractor.model.LoadSelfCheck}: the start-up check of taps and pooling; the last tap
 *       is checked against the model's last hidden state output, or, in a classifier export, against the input
 *       of its head.</li>
 *   <li>{@link dev.ckastream.extractor.model.CheckpointFiles} resolves {@code classpath:} or filesystem locations.</li>
 * </ul>
 *
 * <p>The ONNX protobuf reading and writing, and the LayerNorm search, are in {@code dev.ckastream.extractor.onnx}.
 *
 * <p>Execution: CPU by default. With {@code Provider.CUDA} the CUDA execution provider is added for the given
 * device; if that is impossible (CPU-only onnxruntime artifact, bad device, missing CUDA/cuDNN libraries) the load
 * fails with a {@link dev.ckastream.extractor.model.ModelLoadException} saying why, unless
 * {@code cudaFallbackToCpu} is set, in which case it runs on CPU, {@code executionProvider()} says "CPU" and
 * {@code providerNote()} carries the reason for a warning log line.
 */
package dev.ckastream.extractor.model;
