# syntax=docker/dockerfile:1
# Review feeder (dev.ckastream.deploy.feed.ReviewFeeder): sends IMDB reviews to the "reviews" topic.
# Build context: the repository root.  Arguments are ReviewFeeder's own (see --help):
#   docker run --rm ckastream-feeder --help

ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG JRE_IMAGE=eclipse-temurin:17-jre

FROM ${JDK_IMAGE} AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY contract/pom.xml contract/pom.xml
COPY deploy/pom.xml deploy/pom.xml
COPY extractor-service/pom.xml extractor-service/pom.xml
COPY cka-service/pom.xml cka-service/pom.xml
COPY contract/src contract/src
COPY deploy/src deploy/src
# package copies the runtime classpath to deploy/target/lib; one fixed jar name for the next stage.
RUN --mount=type=cache,target=/root/.m2 \
    set -eu; \
    ./mvnw -B -q -pl deploy -am package -Dmaven.test.skip=true; \
    mkdir -p /out; \
    cp deploy/target/lib/*.jar /out/; \
    jar=$(ls deploy/target/ckastream-deploy-*.jar | grep -v -e '-sources' -e '-javadoc' -e '-tests' | head -n 1); \
    test -n "$jar"; \
    mkdir -p /out/app; \
    cp "$jar" /out/app/ckastream-deploy.jar

FROM ${JRE_IMAGE} AS runtime
# Non-root user 185 with a home; /var/cache/ckastream (the IMDB archive, a named volume in compose) is
# created here and owned by it, so the volume starts out writable.
RUN set -eux; \
    groupadd --system --gid 185 ckastream; \
    useradd --system --uid 185 --gid 185 --create-home --home-dir /home/ckastream --shell /usr/sbin/nologin ckastream; \
    mkdir -p /var/cache/ckastream; \
    chown 185:185 /var/cache/ckastream
WORKDIR /deployments
COPY --from=build /out/ /deployments/lib/
LABEL dev.ckastream.config-module="deploy"
ENV XDG_CACHE_HOME=/var/cache \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
VOLUME ["/var/cache/ckastream"]
USER 185
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp '/deployments/lib/app/*:/deployments/lib/*' dev.ckastream.deploy.feed.ReviewFeeder \"$@\"", "feeder"]
CMD ["--help"]
