package dev.ckastream.contract;

/** Header names of an activation record (ASCII values), see {@link ActivationRecord}. */
public final class ActivationHeaders {

    public static final String LAYERS = "layers";
    public static final String DIM = "dim";
    /** Tokens the checkpoint saw after truncation. */
    public static final String TOKENS = "tokens";
    /** 0 or 1; absent when the review's label is unknown. */
    public static final String LABEL = "label";
    /** First 16 hex digits of the ONNX file's SHA-256. */
    public static final String MODEL = "model";
    /** {@link ContractVersion}; absent means {@link ContractVersion#UNVERSIONED}. */
    public static final String CONTRACT_VERSION = "contract-version";

    private ActivationHeaders() {
    }
}
