# syntax=docker/dockerfile:1
# extractor-service image. Build context: the repository root (docker-compose.yml sets it).
#
#   CPU (default):  docker build -f deploy/docker/extractor.Dockerfile --target runtime-cpu .
#   GPU:            docker build -f deploy/docker/extractor.Dockerfile --target runtime-gpu --build-arg GPU=true .
#
# GPU=true builds with `./mvnw -Dgpu` (onnxruntime_gpu instead of onnxruntime). That jar needs the CUDA 12 and
# cuDNN 9 libraries at run time, which only runtime-gpu has; runtime-gpu refuses an image without it.

ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG JRE_IMAGE=eclipse-temurin:17-jre
# CUDA 12.x + cuDNN 9 runtime libraries (ONNX Runtime's CUDA 12 builds run on any 12.x through CUDA minor
# version compatibility). The host needs an NVIDIA driver for CUDA 12 and the NVIDIA Container Toolkit.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04

# ---- build: the Quarkus fast-jar (target/quarkus-app) ------------------------------------------------
FROM ${JDK_IMAGE} AS build
ARG GPU=false
WORKDIR /src
# The reactor reads every module's pom, so all three are copied; only deploy (a test dependency) and
# extractor-service are built.
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY contract/pom.xml contract/pom.xml
COPY deploy/pom.xml deploy/pom.xml
COPY extractor-service/pom.xml extractor-service/pom.xml
COPY cka-service/pom.xml cka-service/pom.xml
COPY contract/src contract/src
COPY deploy/src deploy/src
COPY extractor-service/src extractor-service/src
RUN --mount=type=cache,target=/root/.m2 \
    set -eu; \
    case "$GPU" in true) flags=-Dgpu ;; false) flags= ;; *) echo "GPU must be true or false, got '$GPU'" >&2; exit 2 ;; esac; \
    ./mvnw -B -q $flags -pl extractor-service -am package -Dmaven.test.skip=true; \
    test -f extractor-service/target/quarkus-app/quarkus-run.jar

# ---- runtime-gpu: CUDA 12 + cuDNN 9 and a Temurin 17 JRE ---------------------------------------------
FROM ${JRE_IMAGE} AS jre
FROM ${CUDA_IMAGE} AS runtime-gpu
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH="/opt/java/openjdk/bin:${PATH}"
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
# Non-root user 185 (the Quarkus images' convention) with a home: DJL unpacks the tokenizers' native library
# under ~/.djl.ai. curl serves the HEALTHCHECK.
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 185 ckastream; \
    useradd --system --uid 185 --gid 185 --create-home --home-dir /home/ckastream --shell /usr/sbin/nologin ckastream; \
    java -version
WORKDIR /deployments
COPY --from=build --chown=185:185 /src/extractor-service/target/quarkus-app/lib/ /deployments/lib/
COPY --from=build --chown=185:185 /src/extractor-service/target/quarkus-app/*.jar /deployments/
COPY --from=build --chown=185:185 /src/extractor-service/target/quarkus-app/app/ /deployments/app/
COPY --from=build --chown=185:185 /src/extractor-service/target/quarkus-app/quarkus/ /deployments/quarkus/
RUN ls /deployments/lib/main/ | grep -q '^com\.microsoft\.onnxruntime\.onnxruntime_gpu-' \
    || { echo "runtime-gpu: the build has no onnxruntime_gpu (build with --build-arg GPU=true)" >&2; exit 2; }
LABEL dev.ckastream.config-module="extractor-service"
ENV ORT_DISABLE_TELEMETRY=1 \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError" \
    JAVA_OPTS_APPEND="-Dai.djl.offline=true -Djava.util.logging.manager=org.jboss.logmanager.LogManager" \
    EXTRACTOR_EXECUTION_PROVIDER=cuda
USER 185
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=4 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8081/q/health/ready || exit 1
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS $JAVA_OPTS_APPEND -jar /deployments/quarkus-run.jar"]

# ---- runtime-cpu (default: the last stage): Temurin 17 JRE ------------------------------------------
FROM ${JRE_IMAGE} AS runtime-cpu
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 185 ckastream; \
    useradd --system --uid 185 --gid 185 --create-home --home-dir /home/ckastream --shell /usr/sbin/nologin ckastream
WORKDIR /deployments
COPY --from=build --chown=185:185 /src/extractor-service/target/quarkus-app/lib/ /deployments/lib/
COPY --from=build --chown=185:185 /src/extractor-service/target/quarkus-app/*.jar /deployments/
COPY --from=build --chown=185:185 /src/extractor-service/target/quarkus-app/app/ /deployments/app/
COPY --from=build --chown=185:185 /src/extractor-service/target/quarkus-app/quarkus/ /deployments/quarkus/
LABEL dev.ckastream.config-module="extractor-service"
ENV ORT_DISABLE_TELEMETRY=1 \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError" \
    JAVA_OPTS_APPEND="-Dai.djl.offline=true -Djava.util.logging.manager=org.jboss.logmanager.LogManager"
USER 185
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=4 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8081/q/health/ready || exit 1
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS $JAVA_OPTS_APPEND -jar /deployments/quarkus-run.jar"]
