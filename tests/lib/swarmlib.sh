# shellcheck shell=bash
# The swarm backend's e2e set-up (sourced after e2elib.sh): Debian's
# docker-registry on 127.0.0.1, the test's engine made a single-node swarm
# manager, spacehook.backend = swarm; swarm_cleanup undoes it all (it is the
# EXIT trap; a test that adds its own calls it last).
SWARMLIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SP_REGISTRY_DIR="$SANDBOX/registry"
export SP_REGISTRY_ADDR=127.0.0.1:${SP_REGISTRY_PORT:-5055}
bash "$SWARMLIB_DIR/registry.sh" start >/dev/null
"$DOCKER" swarm leave --force >/dev/null 2>&1 || true
"$DOCKER" swarm init --advertise-addr 127.0.0.1 >/dev/null
swarm_cleanup() {
	local ids id
	ids=$("$DOCKER" service ls -q --filter "label=spacehook.managed" 2>/dev/null || true)
	for id in $ids; do "$DOCKER" service rm "$id" >/dev/null 2>&1 || true; done
	"$DOCKER" swarm leave --force >/dev/null 2>&1 || true
	bash "$SWARMLIB_DIR/registry.sh" stop >/dev/null 2>&1 || true
	e2e_cleanup
}
trap swarm_cleanup EXIT
git config --global spacehook.backend swarm
git config --global spacehook.registry "$SP_REGISTRY_ADDR"

# service_of NAME: the Space's service (spacehook-<slug>), once deployed;
# slug_of NAME: its slug.
service_of() {
	state "$1" container | cut -d/ -f1
}
slug_of() {
	service_of "$1" | sed 's/^spacehook-//'
}
