#!/usr/bin/env bash
# Two swarm nodes: the test's engine is the manager, a second dockerd in a
# network namespace of its own (lib/swarmnode.sh: ip netns and a veth pair, so
# the engines' iptables never meet) joins as a worker. The registry listens
# on the veth's host end, which both engines reach. A Space constrained to
# the worker is pushed: the worker pulls its image from the registry and
# runs its task, the manager tells the node and the task state, and the app
# answers at the worker's address. Traffic goes only to 127.0.0.1 and to the
# test's own namespace.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

lib=$(cd "$(dirname "$0")/../lib" && pwd)
export SP_NODE_DIR="$SANDBOX/node" SP_NODE_NAME=sp-worker
export SP_NODE_NS="spw-$$"
eval "$(bash "$lib/swarmnode.sh" addrs)"
registry="$SP_NODE_HOST_ADDR:${SP_REGISTRY_PORT:-5057}"
export SP_NODE_REGISTRY="$registry" SP_REGISTRY_ADDR="$registry"
export SP_REGISTRY_DIR="$SANDBOX/registry"
WORKER="unix://$SP_NODE_DIR/docker.sock"

# The manager must trust the plain-HTTP registry on the veth: the test's
# engine starts again with it, and again without it at the end.
bash "$lib/dockerd.sh" stop >/dev/null
SP_DOCKERD_ARGS="--insecure-registry $registry" bash "$lib/dockerd.sh" start >/dev/null
nodes_cleanup() {
	local ids id
	ids=$("$DOCKER" service ls -q --filter "label=spacehook.managed" 2>/dev/null || true)
	for id in $ids; do "$DOCKER" service rm "$id" >/dev/null 2>&1 || true; done
	"$DOCKER" -H "$WORKER" swarm leave --force >/dev/null 2>&1 || true
	"$DOCKER" swarm leave --force >/dev/null 2>&1 || true
	bash "$lib/swarmnode.sh" stop >/dev/null 2>&1 || true
	bash "$lib/registry.sh" stop >/dev/null 2>&1 || true
	bash "$lib/dockerd.sh" stop >/dev/null 2>&1 || true
	bash "$lib/dockerd.sh" start >/dev/null 2>&1 || true
	e2e_cleanup
}
trap nodes_cleanup EXIT
bash "$lib/swarmnode.sh" start >/dev/null
bash "$lib/registry.sh" start >/dev/null
"$DOCKER" swarm init --advertise-addr "$SP_NODE_HOST_ADDR" \
	--listen-addr "$SP_NODE_HOST_ADDR:2377" >/dev/null
"$DOCKER" -H "$WORKER" swarm join --token "$("$DOCKER" swarm join-token -q worker)" \
	--advertise-addr "$SP_NODE_ADDR" --listen-addr "$SP_NODE_ADDR:2377" \
	"$SP_NODE_HOST_ADDR:2377" >/dev/null
ready=""
for _ in $(seq 1 40); do
	[ "$("$DOCKER" node ls --format '{{.Hostname}} {{.Status}}' | grep -c ' Ready$')" = 2 ] && ready=1 && break
	sleep 0.5
done
expect_eq "two nodes ready" 1 "$ready"

git config --global spacehook.backend swarm
git config --global spacehook.registry "$registry"
git config --global spacehook.placement "node.hostname==$SP_NODE_NAME"

new_space app
id=$(space_id app)
set_app app 'mkdir -p /tmp/w && hostname > /tmp/w/index.html && exec httpd -f -p 7860 -h /tmp/w'
push app
expect_eq "the push succeeds" 0 "$RC"
expect_eq "RUNNING" RUNNING "$(state app stage)"
url=$(state app url)
expect_contains "the URL is the worker's address" "http://$SP_NODE_ADDR:" "$url"
service=$(state app container | cut -d/ -f1)
expect_eq "its task runs on the worker" "$SP_NODE_NAME" \
	"$("$DOCKER" service ps "$service" --filter desired-state=running --format '{{.Node}}')"
task_host=$(http "$url/")
check "the app answers from the worker" test -n "$task_host"
expect_contains "the worker pulled the image from the registry" "$registry/spaces/" \
	"$("$DOCKER" -H "$WORKER" image ls --format '{{.Repository}}:{{.Tag}}')"
expect_eq "the manager holds no task of it" "" "$("$DOCKER" ps -q --filter "label=spacehook.space=$id")"
status_out=$(spacehook status "$id")
expect_contains "status from the manager: node and task state" "task running on node $SP_NODE_NAME" "$status_out"
# The worker holds v1 by its registry digest (what the service names).
worker_images() {
	"$DOCKER" -H "$WORKER" image ls --digests --format '{{.Repository}}@{{.Digest}}' | grep "/spaces/" | sort -u
}
v1_ref=$(worker_images)
expect_eq "the worker holds one image of the Space" 1 "$(grep -c . <<<"$v1_ref")"

# A second version rolls on the worker too.
set_app app 'mkdir -p /tmp/w && echo v2 > /tmp/w/index.html && exec httpd -f -p 7860 -h /tmp/w'
push app
expect_eq "the update succeeds" 0 "$RC"
expect_eq "v2 answers from the worker" v2 "$(http "$(state app url)/")"
echo "worker node: $SP_NODE_NAME at $SP_NODE_ADDR; url $url"

expect_eq "the worker holds v1 and v2" 2 "$(worker_images | grep -c .)"

# Old images leave the worker too. Once v3 serves, the deploy deletes v1's
# tag from the registry and runs spacehook-node-gc on every node as a
# global job, with the node's engine socket bound in (spacehook.nodeSocket;
# the swarm expands {{.Node.ID}}: here each engine's socket has its own
# path).
mkdir -p "$SANDBOX/sockets"
ln -s "${DOCKER_HOST#unix://}" "$SANDBOX/sockets/$("$DOCKER" info --format '{{.Swarm.NodeID}}').sock"
ln -s "${WORKER#unix://}" "$SANDBOX/sockets/$("$DOCKER" -H "$WORKER" info --format '{{.Swarm.NodeID}}').sock"
git config --global spacehook.nodeSocket "$SANDBOX/sockets/{{.Node.ID}}.sock"
set_app app 'mkdir -p /tmp/w && echo v3 > /tmp/w/index.html && exec httpd -f -p 7860 -h /tmp/w'
push app
expect_eq "v3 rolls on the worker" 0 "$RC"
expect_contains "v1's tag leaves the registry" "1 old tag of spaces/" "$OUT"
expect_contains "the job ran on both nodes" "old images removed on 2 of 2 nodes" "$OUT"
left=$(worker_images)
echo "worker images after v3: $(tr '\n' ' ' <<<"$left")"
expect_eq "v1 left the worker" "" "$(grep -xF "$v1_ref" <<<"$left" || true)"
expect_eq "v2 and v3 stay on the worker" 2 "$(grep -c . <<<"$left")"
expect_eq "the job service is gone" "" "$("$DOCKER" service ls -q --filter label=spacehook.helper=node-gc)"
expect_eq "v3 answers" v3 "$(http "$(state app url)/")"
gc_out=$(spacehook gc 2>&1)
gc_rc=$?
echo "gc: $gc_out"
expect_eq "gc succeeds" 0 "$gc_rc"
expect_eq "gc keeps v2 and v3 on the worker" 2 "$(worker_images | grep -c .)"
expect_eq "v3 answers after gc" v3 "$(http "$(state app url)/")"

finish
