#!/bin/sh
# The container's entrypoint: `iss serve` on the ledger volume.
#   ISS_LEDGER      the ledger (default /ledger, the volume)
#   PORT            the port (default 8000), as the legacy image
#   ISS_LISTEN_HOST the interface (default 0.0.0.0: inside a container the
#                   published port is the boundary; publish it on 127.0.0.1
#                   on the host unless it must be reachable from elsewhere)
#   ISS_TOKEN_FILE  a token file (mode 0600): accept writes with it
#   LOG_LEVEL       DEBUG, INFO (default), WARNING, ERROR
set -eu
ledger="${ISS_LEDGER:-/ledger}"
set -- serve "$ledger" --listen "${ISS_LISTEN_HOST:-0.0.0.0}:${PORT:-8000}"
if [ -n "${ISS_TOKEN_FILE:-}" ]; then
    set -- "$@" --write --token-file "$ISS_TOKEN_FILE"
fi
# exec: iss is PID 1's child no more, it receives SIGTERM from `docker stop`
# itself and exits 0 after the requests in flight.
exec iss "$@"
