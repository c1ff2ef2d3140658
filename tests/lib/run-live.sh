#!/usr/bin/env bash
# Run a live Check suite (tests/live/*.c) against the harness's Docker engine.
set -euo pipefail
: "${SP_DOCKERD_DIR:?}"
sock="$SP_DOCKERD_DIR/docker.sock"
if [ ! -S "$sock" ]; then
	echo "run-live.sh: no engine at $sock (the engine/start fixture did not run)" >&2
	exit 1
fi
export DOCKER_HOST="unix://$sock"
exec "$@"
