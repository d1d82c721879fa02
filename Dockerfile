# syntax=docker/dockerfile:1
# Shoal's container image: one static binary on distroless, run as a non-root user.
#   docker build -t REGISTRY/shoal:TAG --build-arg VERSION=TAG .
# test/kube/deploy_test.go reads this file: it checks the user and CGO_ENABLED and runs the
# build stage's `go build` line against the repository, since no container engine runs in CI.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so a source change reuses the downloaded module layer.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
# A static binary: the runtime image has no libc.
ENV CGO_ENABLED=0
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/shoal ./cmd/shoal
# state_dir must exist and belong to the runtime user; distroless has no shell to make it.
RUN mkdir -p /out/state

# distroless/static: CA certificates, tzdata, /etc/passwd with "nonroot", nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/shoal /usr/local/bin/shoal
COPY --from=build --chown=65532:65532 /out/state /var/lib/shoal
USER 65532:65532
# 8080: traffic. 9901: the admin API (probes, metrics, peers).
EXPOSE 8080 9901
ENTRYPOINT ["/usr/local/bin/shoal", "run", "-c", "/etc/shoal/shoal.yaml"]
