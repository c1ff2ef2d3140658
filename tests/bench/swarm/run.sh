#!/usr/bin/env bash
# Push-to-serving on the swarm backend (build, push to the registry, service
# update, probe) against the single-host Docker backend, for a Space whose
# image layers are cached, in the same run on the same engine (a single-node
# swarm) with Debian's docker-registry on 127.0.0.1, twice: with the Spaces
# on their own ports (stop-first updates), then behind the front door (a
# private nginx on 127.0.0.1; start-first updates). Goal: <= 1.3x.
#   usage: SP_BIN=build/bin bash tests/bench/swarm/run.sh [ROUNDS]
# Needs root (it starts a private engine, registry and nginx).
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
SP_BIN=$(cd "${SP_BIN:-$top/build/bin}" && pwd)
rounds=${1:-5}
work=$(mktemp -d /tmp/spacehook-bench-swarm.XXXXXX)
cli=${SP_DOCKER_CLI:-/usr/bin/docker}
# shellcheck source=tests/lib/nginx.sh
. "$top/tests/lib/nginx.sh"
http_port=$(sp_nginx_free_port)
export SP_DOCKERD_DIR="$work/dockerd" SP_REGISTRY_DIR="$work/registry"
export SP_REGISTRY_ADDR=127.0.0.1:${SP_REGISTRY_PORT:-5056}
# Set before anything starts: a start that fails (a port another swarm
# holds) leaves nothing running.
cleanup() {
	"$cli" service rm spacehook-bench--swarm >/dev/null 2>&1 || true
	# The service's removal takes its task's containers away meanwhile.
	for c in $("$cli" ps -aq --filter label=spacehook.managed); do "$cli" rm -f "$c" >/dev/null 2>&1 || true; done
	"$cli" swarm leave --force >/dev/null 2>&1 || true
	sp_nginx_stop "$work/nginx" >/dev/null 2>&1 || true
	bash "$top/tests/lib/registry.sh" stop >/dev/null 2>&1 || true
	bash "$top/tests/lib/dockerd.sh" stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
export DOCKER_HOST="unix://$SP_DOCKERD_DIR/docker.sock"
bash "$top/tests/lib/dockerd.sh" start >/dev/null
bash "$top/tests/lib/registry.sh" start >/dev/null
"$cli" swarm init --advertise-addr 127.0.0.1 >/dev/null

export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME" "$work/repos/bench"
git config --global user.name B && git config --global user.email b@example.com
git config --global init.defaultBranch main
git config --global spacehook.stateDir "$work/state"
git config --global spacehook.reposRoot "$work/repos"
git config --global spacehook.dockerHost "$DOCKER_HOST"
git config --global spacehook.dockerCli "$cli"
git config --global spacehook.portRange 23100-23199
git config --global spacehook.registry "$SP_REGISTRY_ADDR"

# One repository per backend, the same app in both.
src="$work/src"
mkdir -p "$src"
cat >"$src/README.md" <<'EOR'
---
title: Bench
sdk: docker
app_port: 7860
---
EOR
cat >"$src/Dockerfile" <<'EOR'
FROM spacehook-base:busybox
COPY app.sh /app.sh
CMD ["/bin/sh", "/app.sh"]
EOR
# The app stops on SIGTERM at once, so neither side waits out a stop timeout.
printf 'mkdir -p /tmp/w && echo ok > /tmp/w/index.html\ntrap "exit 0" TERM\nhttpd -f -p 7860 -h /tmp/w &\nwait\n' >"$src/app.sh"
git -C "$src" init -q && git -C "$src" add -A && git -C "$src" commit -q -m base
for backend in docker swarm; do
	bare="$work/repos/bench/$backend.git"
	git init -q --bare "$bare"
	git -C "$bare" config spacehook.backend "$backend"
	ln -s "$SP_BIN/pre-receive" "$SP_BIN/post-receive" "$bare/hooks/"
	git -C "$src" push -q "$bare" HEAD:main 2>"$work/first-$backend.log" || { cat "$work/first-$backend.log"; exit 1; }
	grep -q "is RUNNING on" "$work/first-$backend.log" || {
		cat "$work/first-$backend.log" >&2
		"$cli" service ps --no-trunc "spacehook-bench--$backend" >&2 || true
		exit 1
	}
done
url_of() {
	"$SP_BIN/spacehook" status "bench/$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["url"])'
}

# wait_http URL: until something answers there (the front door's hostnames
# through the private nginx on 127.0.0.1).
wait_http() {
	local deadline=$((SECONDS + 120)) url=$1 host=
	if [[ $url == *".localhost:$http_port"* ]]; then
		host=${url#http://}
		host=${host%%:*}
		url="http://127.0.0.1:$http_port"
	fi
	until curl -s -o /dev/null --max-time 1 ${host:+-H "Host: $host"} "$url/"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "nothing answers at $1 after 120 s" >&2
			exit 1
		fi
		sleep 0.05
	done
}

now() { date +%s.%N; }

# settle: until only the two serving containers run. The version a push
# replaces goes some time after it: on the single host after
# spacehook.drainTimeout, on the swarm about 3 s after the handover (the
# engine's one-second retry when a running task's desired state changes,
# then its fixed 2 s for service discovery before the stop). Back to back,
# that teardown would land in whichever push comes next, so each push
# starts once it is over.
settle() {
	local deadline=$((SECONDS + 30))
	while [ "$("$cli" ps -q --filter label=spacehook.managed | wc -l)" -gt 2 ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "still more than two containers after 30 s:" >&2
			"$cli" ps --filter label=spacehook.managed >&2
			exit 1
		fi
		sleep 0.1
	done
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# rounds TITLE: pushes alternating between the backends, then the medians.
rounds() {
	local -A times=([docker]="" [swarm]="")
	local r backend t0 t1 m_docker m_swarm
	for r in $(seq 1 "$rounds"); do
		# A push whose layers are all cached (README changes only).
		echo "round $r $1" >>"$src/README.md"
		git -C "$src" commit -q -am "round $r"
		for backend in docker swarm; do
			settle
			t0=$(now)
			git -C "$src" push -q "$work/repos/bench/$backend.git" HEAD:main 2>"$work/push.log"
			grep -q "is RUNNING on" "$work/push.log" || { cat "$work/push.log" >&2; exit 1; }
			wait_http "$(url_of "$backend")"
			t1=$(now)
			times[$backend]+="$(echo "$t1 - $t0" | bc) "
		done
	done
	# shellcheck disable=SC2086 # the lists are numbers split at spaces
	m_docker=$(median ${times[docker]})
	# shellcheck disable=SC2086
	m_swarm=$(median ${times[swarm]})
	echo "push-to-serving, cached layers, $1, $rounds rounds (median seconds)"
	echo "  single host (docker): $m_docker   (${times[docker]})"
	echo "  swarm + registry:     $m_swarm   (${times[swarm]})"
	echo "  ratio swarm / single host: $(echo "scale=2; $m_swarm / $m_docker" | bc)  (goal <= 1.30)"
}

rounds "own ports (stop-first)"
# Behind the front door: the next pushes route the Spaces through nginx.
sp_nginx_start "$work/nginx" "$http_port" >/dev/null
sp_nginx_configure "$work/nginx" "$http_port"
git config --global spacehook.domain "spaces.localhost:$http_port"
git config --global spacehook.drainTimeout 1
rounds "behind the front door (start-first)"
