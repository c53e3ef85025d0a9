/**
 * Training trajectories made from two real checkpoints: {@link dev.ckastream.extractor.trajectory.InterpolatedTrajectory}
 * writes the checkpoints on the straight line between them (weights interpolated by
 * {@link dev.ckastream.extractor.onnx.WeightInterpolation}) as model and tokenizer files for
 * {@code deploy/run-local --checkpoint}. A command-line tool (run by {@code deploy/make-trajectory}), not part of
 * the service's stream; plain Java.
 */
package dev.ckastream.extractor.trajectory;
