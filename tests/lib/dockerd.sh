#!/usr/bin/env bash
# Start or stop a private Docker engine for the tests: its own socket, data
# root, exec root and bridge, all under $SP_DOCKERD_DIR; stopped by its PID.
# `start` also makes the base image spacehook-base:busybox from busybox-static;
# `image` makes only that image, on the engine $DOCKER_HOST names.
# $SP_DOCKERD_ARGS, split on blanks, are passed on to dockerd (for instance
# "--insecure-registry 10.221.7.1:5000" for a swarm's registry).
#   usage: dockerd.sh start|stop|env|image
set -euo pipefail

dir=${SP_DOCKERD_DIR:?set SP_DOCKERD_DIR}
dockerd=${SP_DOCKERD:-/usr/sbin/dockerd}
cli=${SP_DOCKER_CLI:-/usr/bin/docker}
sock="$dir/docker.sock"
hash=$(printf '%s' "$dir" | md5sum | cut -c1-8)
bridge="sphk$hash"
octet2=$(( 0x${hash:0:2} % 200 + 20 ))
octet3=$(( 0x${hash:2:2} ))
subnet="10.$octet2.$octet3.1/24"
# Each Space gets a network of its own: /24s from a /16 of the engine's own.
pool="10.$((octet2 + 1)).0.0/16"
read -r -a extra_args <<<"${SP_DOCKERD_ARGS:-}"

engine_answers() {
	curl -sf --max-time 2 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
}

start() {
	mkdir -p "$dir"
	if [ -f "$dir/dockerd.pid" ] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null && engine_answers; then
		echo "dockerd.sh: engine already running (pid $(cat "$dir/dockerd.pid"))"
	else
		if ! ip link show "$bridge" >/dev/null 2>&1; then
			ip link add "$bridge" type bridge
			ip addr add "$subnet" dev "$bridge"
		fi
		ip link set "$bridge" up
		rm -f "$sock"
		setsid "$dockerd" --host "unix://$sock" --data-root "$dir/data" \
			--exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
			--bridge "$bridge" --storage-driver overlay2 \
			--default-address-pool "base=$pool,size=24" \
			${extra_args[@]+"${extra_args[@]}"} \
			>"$dir/dockerd.log" 2>&1 </dev/null &
		for _ in $(seq 1 120); do
			engine_answers && break
			sleep 0.5
		done
		if ! engine_answers; then
			echo "dockerd.sh: engine did not answer on $sock; its log:" >&2
			tail -n 30 "$dir/dockerd.log" >&2
			exit 1
		fi
		echo "dockerd.sh: engine up on $sock (pid $(cat "$dir/dockerd.pid"))"
	fi
	DOCKER_HOST="unix://$sock" base_image
}

base_image() {
	if ! "$cli" image inspect spacehook-base:busybox >/dev/null 2>&1; then
		local rootfs="$dir/rootfs"
		rm -rf "$rootfs"
		mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/home/user" "$rootfs/data"
		cp /bin/busybox "$rootfs/bin/busybox"
		for applet in $("$rootfs/bin/busybox" --list); do
			[ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
		done
		printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' >"$rootfs/etc/passwd"
		printf 'root:x:0:\nuser:x:1000:\n' >"$rootfs/etc/group"
		chmod 1777 "$rootfs/tmp"
		chown 1000:1000 "$rootfs/home/user"
		tar -C "$rootfs" -c . | "$cli" import \
			-c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - spacehook-base:busybox >/dev/null
		rm -rf "$rootfs"
		echo "dockerd.sh: made image spacehook-base:busybox"
	fi
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
	ip link show "$bridge" >/dev/null 2>&1 && ip link delete "$bridge" || true
	# A swarm's bridge to its nodes' containers has one name for every
	# engine: left behind, it would hold the next engine's tasks back.
	ip link show docker_gwbridge >/dev/null 2>&1 && ip link delete docker_gwbridge || true
	# The netns files of its sandboxes stay mounted under the exec root.
	local m
	while read -r m; do
		umount "$m" 2>/dev/null || true
	done < <(awk -v p="$dir/exec/netns/" 'index($2, p) == 1 { print $2 }' /proc/mounts)
	echo "dockerd.sh: engine stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) echo "DOCKER_HOST=unix://$sock" ;;
image) mkdir -p "$dir"; base_image ;;
*) echo "usage: dockerd.sh start|stop|env|image" >&2; exit 2 ;;
esac
