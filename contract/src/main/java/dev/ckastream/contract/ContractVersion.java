package dev.ckastream.contract;

/**
 * The version of the wire contract (README "Wire contract"). Every activation record carries it in its
 * {@code contract-version} header and every score JSON in its {@code "version"} field; a reader refuses a
 * version it does not know with a dead letter ({@code unknown-contract-version}).
 */
public final class ContractVersion {

    /** The version this build writes and reads. */
    public static final int CURRENT = 2;

    private ContractVersion() {
    }
}
