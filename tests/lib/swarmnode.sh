#!/usr/bin/env bash
# Start or stop a second Docker engine for the swarm tests, in a network
# namespace of its own so that its iptables rules and bridges do not meet the
# first engine's: a veth pair joins it to the namespace this script runs in
# (host end HOST_ADDR/30 here, NODE_ADDR/30 in the namespace, default route
# back through HOST_ADDR). Socket, data root, exec root, pid file and log are
# under $SP_NODE_DIR; the engine also gets a hostname of its own, so that
# `node.hostname==` constraints tell the nodes apart. Stopped by its PID.
#   usage: swarmnode.sh start|stop|env|addrs
#   $SP_NODE_DIR       where the engine keeps its files (required)
#   $SP_NODE_NS        network namespace name (default spnode-<hash>)
#   $SP_NODE_NAME      hostname of the engine (default spnode-<hash>)
#   $SP_NODE_REGISTRY  host:port of a plain-HTTP registry the engine may use
set -euo pipefail

dir=${SP_NODE_DIR:?set SP_NODE_DIR}
dockerd=${SP_DOCKERD:-/usr/sbin/dockerd}
sock="$dir/docker.sock"
hash=$(printf '%s' "$dir" | md5sum | cut -c1-8)
ns=${SP_NODE_NS:-spnode-$hash}
name=${SP_NODE_NAME:-spnode-$hash}
registry=${SP_NODE_REGISTRY:-}
# dockerd.sh takes 10.20.0.0-10.220.255.255; the nodes take what is above.
# The veth pair: a /30 in 10.221.0.0-10.224.255.255.
veth_host="spnh$hash"
veth_node="spnn$hash"
net="10.$((0x${hash:0:2} % 4 + 221)).$((0x${hash:2:2}))"
last=$((0x${hash:4:2} & 0xfc))
host_addr="$net.$((last + 1))"
node_addr="$net.$((last + 2))"
# The engine's bridge (a /24 in 10.225-10.234) and its pool of /24s for
# user networks such as docker_gwbridge (a /16 in 10.235-10.244).
bridge="spnb$hash"
bridge_subnet="10.$((0x${hash:6:2} % 10 + 225)).$((0x${hash:2:2})).1/24"
pool="10.$((0x${hash:6:2} % 10 + 235)).0.0/16"

engine_answers() {
	curl -sf --max-time 2 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
}

running() {
	[ -f "$dir/dockerd.pid" ] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null
}

addrs() {
	printf 'SP_NODE_NS=%s\nSP_NODE_NAME=%s\nSP_NODE_HOST_ADDR=%s\nSP_NODE_ADDR=%s\n' \
		"$ns" "$name" "$host_addr" "$node_addr"
}

make_namespace() {
	if [ ! -e "/run/netns/$ns" ]; then
		ip netns add "$ns"
	fi
	ip -n "$ns" link set lo up
	if ! ip link show "$veth_host" >/dev/null 2>&1; then
		ip link add "$veth_host" type veth peer name "$veth_node" netns "$ns"
		ip addr add "$host_addr/30" dev "$veth_host"
		ip -n "$ns" addr add "$node_addr/30" dev "$veth_node"
	fi
	ip link set "$veth_host" up
	ip -n "$ns" link set "$veth_node" up
	ip -n "$ns" route replace default via "$host_addr"
	if ! ip -n "$ns" link show "$bridge" >/dev/null 2>&1; then
		ip -n "$ns" link add "$bridge" type bridge
		ip -n "$ns" addr add "$bridge_subnet" dev "$bridge"
	fi
	ip -n "$ns" link set "$bridge" up
}

# The engine enters only the network namespace (and a UTS namespace for its
# hostname): `ip netns exec` would mount a fresh /sys and so hide the cgroup
# mounts under /sys/fs/cgroup, which dockerd needs.
start() {
	mkdir -p "$dir"
	if running && engine_answers; then
		echo "swarmnode.sh: engine already running (pid $(cat "$dir/dockerd.pid"))"
		addrs
		return
	fi
	make_namespace
	local args=(--host "unix://$sock" --data-root "$dir/data"
		--exec-root "$dir/exec" --pidfile "$dir/dockerd.pid"
		--bridge "$bridge" --storage-driver overlay2
		--default-address-pool "base=$pool,size=24")
	if [ -n "$registry" ]; then
		args+=(--insecure-registry "$registry")
	fi
	rm -f "$sock"
	# shellcheck disable=SC2016  # $1 and $@ are the inner shell's
	setsid nsenter --net="/run/netns/$ns" unshare --uts \
		sh -c 'hostname "$1" && shift && exec "$@"' sh "$name" "$dockerd" "${args[@]}" \
		>"$dir/dockerd.log" 2>&1 </dev/null &
	for _ in $(seq 1 120); do
		engine_answers && break
		sleep 0.5
	done
	if ! engine_answers; then
		echo "swarmnode.sh: engine did not answer on $sock; its log:" >&2
		tail -n 30 "$dir/dockerd.log" >&2
		exit 1
	fi
	echo "swarmnode.sh: engine $name up on $sock (pid $(cat "$dir/dockerd.pid")) in netns $ns"
	addrs
}

stop() {
	if [ -f "$dir/dockerd.pid" ]; then
		pid=$(cat "$dir/dockerd.pid")
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid"
			for _ in $(seq 1 60); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.5
			done
			kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
		fi
		rm -f "$dir/dockerd.pid"
	fi
	# The netns files of its sandboxes (an overlay network's, the load
	# balancer's) may stay mounted under the exec root.
	local m
	while read -r m; do
		umount "$m" 2>/dev/null || true
	done < <(awk -v p="$dir/exec/netns/" 'index($2, p) == 1 { print $2 }' /proc/mounts)
	if ip link show "$veth_host" >/dev/null 2>&1; then
		ip link delete "$veth_host"
	fi
	if [ -e "/run/netns/$ns" ]; then
		left=$(ip netns pids "$ns" | tr '\n' ' ')
		if [ -n "$left" ]; then
			echo "swarmnode.sh: processes left in netns $ns: $left" >&2
		fi
		ip netns delete "$ns"
	fi
	echo "swarmnode.sh: engine stopped, netns $ns deleted"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) echo "DOCKER_HOST=unix://$sock" ;;
addrs) addrs ;;
*) echo "usage: swarmnode.sh start|stop|env|addrs" >&2; exit 2 ;;
esac
