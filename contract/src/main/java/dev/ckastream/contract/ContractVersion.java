package dev.ckastream.contract;

/**
 * The version of the wire contract (README "Wire contract"). Every activation record carries it in its
 * {@code contract-version} header and every score JSON in its {@code "version"} field; a reader refuses a
 * version it does not know with a dead letter ({@code unknown-contract-version}).
 */
public final class ContractVersion {

    /** The version this build writes. */
    public static final int CURRENT = 2;

    /**
     * The version of a record that carries none: version 1 writers had no {@code contract-version} header and
     * no {@code "version"} field, and their layout is version 2's without them, so such records stay readable.
     */
    public static final int UNVERSIONED = 1;

    private ContractVersion() {
    }

    /** Whether this build reads records of {@code version} (1 and 2). */
    public static boolean known(int version) {
        return version >= UNVERSIONED && version <= CURRENT;
    }
}
