#!/bin/bash
# HEALTHCHECK: GET /health on the container's own port, with bash's
# /dev/tcp and builtins only (the runtime image is FROM scratch: no curl, no
# cat). Unhealthy when the server does not answer, or answers that the
# SPICE layer or the time chain failed.
set -eu
exec 3<>"/dev/tcp/127.0.0.1/${PORT:-8000}"
printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
# The whole answer, up to the server closing the connection (HTTP/1.0):
# `read -d ''` stops at end of input, with a non-zero status there.
IFS= read -r -d '' answer <&3 || true
case "$answer" in
    *'"status":"healthy"'*) ;;
    *) exit 1 ;;
esac
case "$answer" in
    *'"spice_layer_integrity":"FAILED"'* | *'"forensic_chain_integrity":"VIOLATED"'*) exit 1 ;;
esac
exit 0
