package dev.ckastream.cka.contract;

/** Why an activation record breaks the contract: a stable reason code and the detail. */
public final class BadActivation extends Exception {

    public final String reason;

    public BadActivation(String reason, String detail) {
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
    }
}
