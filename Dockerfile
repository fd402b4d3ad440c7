# iss serve: the legacy ISS HTTP API over a verified ledger.
#   docker build -t iss .
#   docker run -p 127.0.0.1:8000:8000 -v "$PWD/ledger:/ledger" iss
# Writes: mount a token file (mode 0600, owned by uid 10001) and set
# ISS_TOKEN_FILE. See docker/entrypoint.sh for the environment.

FROM rust:1.89-slim-bookworm AS build
WORKDIR /src
# git: `iss --version` names the commit when the build context has .git
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked --bin iss && strip target/release/iss

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin iss \
    && mkdir /ledger && chown iss:iss /ledger
COPY --from=build /src/target/release/iss /usr/local/bin/iss
COPY docker/entrypoint.sh /usr/local/bin/iss-entrypoint
COPY docker/healthcheck.sh /usr/local/bin/iss-healthcheck
USER iss
VOLUME ["/ledger"]
ENV PORT=8000 LOG_LEVEL=INFO ISS_LEDGER=/ledger
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["iss-healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["iss-entrypoint"]
