package dev.ckastream.cka.score;

import java.util.ArrayList;
import java.util.List;

/**
 * Names what happened to each layer from its diagonal CKA (layer i of the first checkpoint vs layer i of
 * the second): {@code untouched} at or above {@code untouchedAt}, {@code refined} at or above
 * {@code refinedAt}, {@code rewritten} below, {@code unknown} while undefined.
 */
public record LayerStatus(double untouchedAt, double refinedAt) {

    public LayerStatus {
        if (!(refinedAt <= untouchedAt)) {
            throw new IllegalArgumentException("cka.status.refined (" + refinedAt + ") must not exceed cka.status.untouched ("
                    + untouchedAt + ")");
        }
    }

    public String of(double diagonalCka) {
        if (Double.isNaN(diagonalCka)) {
            return "unknown";
        }
        return diagonalCka >= untouchedAt ? "untouched" : diagonalCka >= refinedAt ? "refined" : "rewritten";
    }

    public List<String> of(double[] diagonal) {
        List<String> names = new ArrayList<>(diagonal.length);
        for (double d : diagonal) {
            names.add(of(d));
        }
        return names;
    }
}
