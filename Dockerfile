# iss serve: the legacy ISS HTTP API over a verified ledger.
#   docker build -t iss .
#   docker run -p 127.0.0.1:8000:8000 -v "$PWD/ledger:/ledger" iss
# Writes: mount a token file (mode 0600, owned by uid 10001) and set
# ISS_TOKEN_FILE. See docker/entrypoint.sh for the environment.
#
# The runtime stage is `FROM scratch` with only what docker/rootfs.sh puts
# in: iss, its two scripts, the shells they need and their libraries.
# tests/container_image.rs builds that stage, verbatim, offline with podman
# (from a rootfs made on the test machine) and runs the image.

FROM rust:1.89-slim-bookworm AS build
WORKDIR /src
# git: `iss --version` names the commit when the build context has .git
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked --bin iss && strip target/release/iss \
    && sh docker/rootfs.sh target/release/iss /rootfs

FROM scratch
COPY --from=build /rootfs/ /
# The volume's mount point belongs to the user the server runs as.
COPY --from=build --chown=10001:10001 /rootfs/ledger/ /ledger/
USER 10001:10001
VOLUME ["/ledger"]
ENV PATH=/usr/local/bin:/usr/bin:/bin PORT=8000 LOG_LEVEL=INFO ISS_LEDGER=/ledger
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["iss-healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["iss-entrypoint"]
