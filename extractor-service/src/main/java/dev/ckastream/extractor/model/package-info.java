/**
 * The extractor's model core: plain Java over ONNX Runtime, no Quarkus or Kafka.
 *
 * <ul>
 *   <li>{@link dev.ckastream.extractor.model.CheckpointFiles} resolves {@code classpath:} or filesystem locations.</li>
 *   <li>{@link dev.ckastream.extractor.model.LayerPoolingModel} rewrites a checkpoint in memory so that one run
 *       yields every layer's masked-mean vector ([batch, layers, dim]), and self-checks it at load.</li>
 *   <li>{@link dev.ckastream.extractor.model.LayerNormSearch} finds the per-layer taps (embedding LayerNorm and
 *       each block's last LayerNorm) in post-LN BERT-family graphs, single-op or decomposed, fp32 or int8.</li>
 *   <li>{@link dev.ckastream.extractor.model.ProtoWire}, {@link dev.ckastream.extractor.model.OnnxGraph} and
 *       {@link dev.ckastream.extractor.model.OnnxProtos} read and extend the ONNX protobuf wire format directly.</li>
 * </ul>
 *
 * <p>Execution: CPU by default. With {@code Provider.CUDA} the CUDA execution provider is added for the given
 * device; if that is impossible (CPU-only onnxruntime artifact, bad device, missing CUDA/cuDNN libraries) the load
 * fails with a {@link dev.ckastream.extractor.model.ModelLoadException} saying why, unless
 * {@code cudaFallbackToCpu} is set, in which case it runs on CPU, {@code executionProvider()} says "CPU" and
 * {@code providerNote()} carries the reason for a warning log line.
 */
package dev.ckastream.extractor.model;
