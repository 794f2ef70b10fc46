# fileemu image: the static binary and the ready-made scenarios, nothing else.
#
# Build it with `make image` (IMAGE=name:tag to change the tag): it compiles the static binary
# into bin/image/fileemu first (CGO_ENABLED=0, -trimpath, version stamped), then runs
# `docker build`. No base image is pulled: FROM scratch, so it builds without a registry.
FROM scratch

# Ready-made scenarios, all `active: false`: loading them changes nothing until a request
# (X-Fileemu-Scenario) or a session turns one on. Mount or copy more files into /scenarios.
# First, before any ARG or LABEL: without BuildKit, `docker build --platform linux/arm64` (the
# release's arm64 image, .goreleaser.yaml) commits a step on the empty scratch image as the
# host's platform, and the COPY after it then fails ("does not match the specified platform").
COPY scenarios/ready/*.yaml /scenarios/

ARG VERSION=dev
ARG SOURCE=https://github.com/fileemu/fileemu
ARG LICENSES=Apache-2.0
LABEL org.opencontainers.image.title="fileemu" \
      org.opencontainers.image.description="Emulator of file-upload APIs (Haufe Copilot, Teamwork Desk, Weavy, files.ro, fake S3) for tests and front-end development" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}" \
      org.opencontainers.image.version="${VERSION}"

# BINARY: GoReleaser's build context holds the binary at its root (.goreleaser.yaml).
ARG BINARY=bin/image/fileemu
COPY ${BINARY} /fileemu
# An empty /data owned by the image's user: a named volume mounted there (FILEEMU_DATA_DIR=/data,
# as in docker-compose.yml) takes its owner, so fileemu can write its data directory.
COPY --chown=65532:65532 bin/image/data /data

ENV FILEEMU_ADDR=0.0.0.0:8080 \
    FILEEMU_SCENARIOS=/scenarios
USER 65532:65532
EXPOSE 8080
# A short interval: Docker (before 25) runs the first probe one interval after start.
HEALTHCHECK --interval=500ms --timeout=2s --start-period=5s --retries=3 CMD ["/fileemu", "healthcheck"]
ENTRYPOINT ["/fileemu"]
CMD ["serve"]
