package dev.ckastream.cka.config;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.ckastream.cka.pair.ComparedPairs;

/** The pairs this instance compares, resolved once from {@link CkaConfig} (a bad list fails the start). */
public class PairsProducer {

    @Produces
    @Singleton
    ComparedPairs pairs(CkaConfig config) {
        return ComparedPairs.resolve(config.checkpoints(), config.first(), config.second(), config.pairs());
    }
}
