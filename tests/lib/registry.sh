#!/usr/bin/env bash
# Start or stop a private image registry for the tests (Debian's
# docker-registry, distribution v2): config, storage, log and pid file under
# $SP_REGISTRY_DIR, listening on $SP_REGISTRY_ADDR; stopped by its PID.
# `gc` runs the registry's garbage collector (untagged manifests too).
#   usage: registry.sh start|stop|gc|env
set -euo pipefail

dir=${SP_REGISTRY_DIR:?set SP_REGISTRY_DIR}
addr=${SP_REGISTRY_ADDR:-127.0.0.1:5000}
registry=${SP_DOCKER_REGISTRY:-/usr/bin/docker-registry}
config="$dir/config.yml"
pidfile="$dir/registry.pid"

registry_answers() {
	curl -sf --max-time 2 "http://$addr/v2/" >/dev/null 2>&1
}

running() {
	[ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# No blob descriptor cache: after a garbage collection a cached descriptor
# would make the registry skip the upload of a blob it no longer has.
write_config() {
	mkdir -p "$dir/data"
	cat >"$config" <<EOF
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $addr
  secret: spacehook-tests
EOF
}

start() {
	mkdir -p "$dir"
	if running && registry_answers; then
		echo "registry.sh: registry already running on $addr (pid $(cat "$pidfile"))"
		return
	fi
	write_config
	setsid "$registry" serve "$config" >>"$dir/registry.log" 2>&1 </dev/null &
	echo $! >"$pidfile"
	for _ in $(seq 1 60); do
		registry_answers && break
		running || break
		sleep 0.5
	done
	if ! registry_answers; then
		echo "registry.sh: registry did not answer on http://$addr/v2/; its log:" >&2
		tail -n 20 "$dir/registry.log" >&2
		stop >/dev/null
		exit 1
	fi
	echo "registry.sh: registry up on $addr (pid $(cat "$pidfile"))"
}

stop() {
	if [ -f "$pidfile" ]; then
		pid=$(cat "$pidfile")
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid"
			for _ in $(seq 1 40); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.25
			done
			kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
		fi
		rm -f "$pidfile"
	fi
	echo "registry.sh: registry stopped"
}

# An empty registry has no repositories folder, which the collector
# reports as an error.
gc() {
	[ -f "$config" ] || write_config
	if [ ! -d "$dir/data/docker/registry/v2/repositories" ]; then
		echo "registry.sh: registry is empty, nothing to collect"
		return
	fi
	"$registry" garbage-collect --delete-untagged "$config"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
gc) gc ;;
env) echo "SP_REGISTRY_ADDR=$addr" ;;
*) echo "usage: registry.sh start|stop|gc|env" >&2; exit 2 ;;
esac
