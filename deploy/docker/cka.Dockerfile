# syntax=docker/dockerfile:1
# cka-service image (dashboard and /scores on 8080). Build context: the repository root.
#   docker build -f deploy/docker/cka.Dockerfile .

ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG JRE_IMAGE=eclipse-temurin:17-jre

# ---- build: the Quarkus fast-jar (target/quarkus-app) ------------------------------------------------
FROM ${JDK_IMAGE} AS build
WORKDIR /src
# The reactor reads every module's pom; deploy (a test dependency) and cka-service are built.
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY contract/pom.xml contract/pom.xml
COPY deploy/pom.xml deploy/pom.xml
COPY extractor-service/pom.xml extractor-service/pom.xml
COPY cka-service/pom.xml cka-service/pom.xml
COPY contract/src contract/src
COPY deploy/src deploy/src
COPY cka-service/src cka-service/src
RUN --mount=type=cache,target=/root/.m2 \
    set -eu; \
    ./mvnw -B -q -pl cka-service -am package -Dmaven.test.skip=true; \
    test -f cka-service/target/quarkus-app/quarkus-run.jar

# ---- runtime: Temurin 17 JRE + OpenBLAS ---------------------------------------------------------------
FROM ${JRE_IMAGE} AS runtime
# libopenblas0-pthread: native BLAS (libblas.so.3) for the co-moment GEMMs; without it dev.ludovic.netlib
# falls back to the JDK implementation (correct, several times slower). curl serves the HEALTHCHECK.
# Non-root user 185 (the Quarkus images' convention); /var/lib/cka-state is created here, owned by it, so a
# named volume mounted there starts out writable.
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl libopenblas0-pthread; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 185 ckastream; \
    useradd --system --uid 185 --gid 185 --create-home --home-dir /home/ckastream --shell /usr/sbin/nologin ckastream; \
    mkdir -p /var/lib/cka-state; \
    chown 185:185 /var/lib/cka-state
WORKDIR /deployments
COPY --from=build --chown=185:185 /src/cka-service/target/quarkus-app/lib/ /deployments/lib/
COPY --from=build --chown=185:185 /src/cka-service/target/quarkus-app/*.jar /deployments/
COPY --from=build --chown=185:185 /src/cka-service/target/quarkus-app/app/ /deployments/app/
COPY --from=build --chown=185:185 /src/cka-service/target/quarkus-app/quarkus/ /deployments/quarkus/
LABEL dev.ckastream.config-module="cka-service"
ENV ORT_DISABLE_TELEMETRY=1 \
    CKA_STATE_DIR=/var/lib/cka-state \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError" \
    JAVA_OPTS_APPEND="-Dai.djl.offline=true -Djava.util.logging.manager=org.jboss.logmanager.LogManager"
VOLUME ["/var/lib/cka-state"]
USER 185
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=4 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/q/health/ready || exit 1
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS $JAVA_OPTS_APPEND -jar /deployments/quarkus-run.jar"]
