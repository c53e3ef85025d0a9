/**
 * ONNX models as protobuf bytes, read and extended without a protobuf or ONNX dependency; plain Java.
 *
 * <ul>
 *   <li>{@link dev.ckastream.extractor.onnx.ProtoWire}: the protobuf wire format (fields as views into the
 *       model's bytes, a writer for new fields, appending to an embedded message).</li>
 *   <li>{@link dev.ckastream.extractor.onnx.OnnxGraph}: the parts of a {@code ModelProto} the extractor reads
 *       (opsets, nodes, inputs, outputs, initializer shapes) and appending fields to its graph.</li>
 *   <li>{@link dev.ckastream.extractor.onnx.OnnxProtos}: encoders for the few ONNX messages a rewrite adds.</li>
 *   <li>{@link dev.ckastream.extractor.onnx.WeightInterpolation}: checkpoints between two models of one
 *       architecture, every float32 initializer interpolated, after checking that their graphs agree.</li>
 *   <li>{@link dev.ckastream.extractor.onnx.LayerNormSearch}: LayerNorm outputs of a graph, single-op or
 *       decomposed, and the per-layer taps of a post-LN BERT-family encoder.</li>
 * </ul>
 */
package dev.ckastream.extractor.onnx;
