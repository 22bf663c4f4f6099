# syntax=docker/dockerfile:1
#
# ngxfix in a container: built statically against musl in the official
# Rust image, shipped alone on distroless/static (no shell, no libc, no
# package manager), as a non-root user.
#
#   docker build -t ngxfix .
#   docker run --rm -v /etc/nginx:/etc/nginx:ro ngxfix check /etc/nginx/nginx.conf
#   docker run --rm -v "$PWD:/work" ngxfix check nginx/nginx.conf
#   docker run --rm -u "$(id -u):$(id -g)" -v "$PWD:/work" ngxfix fix nginx/nginx.conf
#
# There is no nginx in the image: give the version the configuration runs
# on (`--nginx-version`, or `nginx_version` in ngxfix.toml), and `fix`
# writes without an `nginx -t` check. docs/integrations.md says more.
#
# For amd64 and arm64 (`docker buildx build --platform linux/amd64,linux/arm64`);
# the build stage runs on the target platform, so the C parts (ring) are
# compiled by that platform's musl-gcc.

ARG RUST_VERSION=1

FROM rust:${RUST_VERSION}-bookworm AS build
ARG TARGETARCH
RUN apt-get update \
    && apt-get install -y --no-install-recommends musl-tools \
    && rm -rf /var/lib/apt/lists/*
RUN case "${TARGETARCH:-amd64}" in \
        amd64) echo x86_64-unknown-linux-musl ;; \
        arm64) echo aarch64-unknown-linux-musl ;; \
        *) echo "no musl target for $TARGETARCH" >&2; exit 1 ;; \
    esac > /rust-target \
    && rustup target add "$(cat /rust-target)"
WORKDIR /src
COPY . .
# The release profile as published (fat LTO), without the debug line
# tables it keeps for profiling; symbols stay for readable panics. The
# caches keep the registry and the build between `docker build`s.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    target="$(cat /rust-target)" \
    && CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=debuginfo \
       cargo build --release --locked --target "$target" --bin ngxfix \
    && cp "target/$target/release/ngxfix" /ngxfix \
    && /ngxfix --version

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="ngxfix" \
      org.opencontainers.image.description="Finds and fixes dangerous nginx configurations without disturbing anything else in the file" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
COPY --from=build /ngxfix /usr/local/bin/ngxfix
COPY LICENSE-MIT LICENSE-APACHE /usr/share/doc/ngxfix/
# Mount the configuration here (`-v "$PWD:/work"`): paths in reports are
# then relative, as in the repository.
WORKDIR /work
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/ngxfix"]
CMD ["--help"]
