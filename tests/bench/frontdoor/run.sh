#!/usr/bin/env bash
# The front door's figures, each against a reference taken in the same run:
#   1. proxy overhead: p50/p99 of sequential requests through nginx against
#      the same requests sent straight to the container's port (goal: p50
#      <= 1.15x);
#   2. redeploy under load: 200 req/s through nginx while a push replaces
#      the app, and a failed version pushed under the same load: requests
#      sent, failed, non-2xx, and when the new version first answered;
#   3. wake: from the first request to the first app byte of a sleeping
#      Space, against `docker start` of its stopped container plus polling
#      until the app answers, done by hand (goal: <= 1.2x).
#   usage: SP_BIN=build/bin SP_LOADGEN=build/tests/sp-loadgen \
#          bash tests/bench/frontdoor/run.sh [ROUNDS]
# Needs root (it starts a private engine when DOCKER_HOST is unset, and an
# nginx of its own on 127.0.0.1). Sends traffic to 127.0.0.1 only.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
SP_BIN=$(cd "${SP_BIN:-$top/build/bin}" && pwd)
LOADGEN=${SP_LOADGEN:-$top/build/tests/sp-loadgen}
rounds=${1:-3}
work=$(mktemp -d /tmp/spacehook-bench-frontdoor.XXXXXX)
cli=${SP_DOCKER_CLI:-/usr/bin/docker}
# shellcheck source=tests/lib/nginx.sh
. "$top/tests/lib/nginx.sh"
started_engine=
if [ -z "${DOCKER_HOST:-}" ]; then
	export SP_DOCKERD_DIR="$work/dockerd"
	bash "$top/tests/lib/dockerd.sh" start >/dev/null
	started_engine=1
	export DOCKER_HOST="unix://$SP_DOCKERD_DIR/docker.sock"
fi
SP_DOCKER_CLI="$cli" bash "$top/tests/lib/dockerd.sh" image >/dev/null
http_port=$(sp_nginx_free_port)
serve_port=$(sp_nginx_free_port)
serve_pid=
cleanup() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	sp_nginx_stop "$work/nginx" >/dev/null 2>&1 || true
	"$cli" rm -f bench-by-hand >/dev/null 2>&1 || true
	for c in $("$cli" ps -aq --filter label=spacehook.space=bench/app); do "$cli" rm -f "$c" >/dev/null; done
	[ -n "$started_engine" ] && bash "$top/tests/lib/dockerd.sh" stop >/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 PATH="$SP_BIN:$PATH"
mkdir -p "$HOME" "$work/repos/bench"
git config --global user.name B && git config --global user.email b@example.com
git config --global init.defaultBranch main
git config --global spacehook.stateDir "$work/state"
git config --global spacehook.reposRoot "$work/repos"
git config --global spacehook.dockerHost "$DOCKER_HOST"
git config --global spacehook.dockerCli "$cli"
git config --global spacehook.portRange 23100-23199
sp_nginx_start "$work/nginx" "$http_port" >/dev/null
sp_nginx_configure "$work/nginx" "$http_port"
git config --global spacehook.domain "spaces.localhost:$http_port"
git config --global spacehook.serveListen "127.0.0.1:$serve_port"
git config --global spacehook.drainTimeout 10
git config --global spacehook.sleepCheck 1
spacehook serve --listen "127.0.0.1:$serve_port" 2>"$work/serve.log" &
serve_pid=$!
host=bench-app.spaces.localhost

bare="$work/repos/bench/app.git"
git init -q --bare "$bare"
ln -s "$SP_BIN/pre-receive" "$SP_BIN/post-receive" "$bare/hooks/"
src="$work/src"
mkdir -p "$src"
printf -- '---\ntitle: Bench\nsdk: docker\napp_port: 7860\n---\n' >"$src/README.md"
# The app: tests/tools/testapp.c (keep-alive, a thread per connection).
cp "${SP_TESTAPP:-$top/build/tests/sp-testapp}" "$src/sp-testapp"
printf 'FROM spacehook-base:busybox\nCOPY sp-testapp /sp-testapp\nCOPY app.sh /app.sh\nCMD ["/bin/sh", "/app.sh"]\n' >"$src/Dockerfile"
app() {
	printf 'exec /sp-testapp 7860 %s\n' "$1" >"$src/app.sh"
}
app v1
git -C "$src" init -q && git -C "$src" add -A && git -C "$src" commit -q -m base
git -C "$src" push -q "$bare" HEAD:main 2>"$work/push.log" || { cat "$work/push.log"; exit 1; }
status() {
	spacehook status bench/app --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][sys.argv[1]] or "")' "$1"
}
[ "$(status stage)" = RUNNING ] || { cat "$work/push.log" >&2; exit 1; }
figure() { sed -n "s/^$2=//p" <<<"$1" | head -n 1; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo "== 1. proxy overhead (sp-testapp; 2000 sequential requests each, $rounds rounds)"
port=$(status host_port)
p50s=() p99s=() d50s=() d99s=()
for _ in $(seq "$rounds"); do
	out=$("$LOADGEN" latency "http://127.0.0.1:$port/" --count 2000)
	d50s+=("$(figure "$out" p50_us)") d99s+=("$(figure "$out" p99_us)")
	out=$("$LOADGEN" latency "http://127.0.0.1:$http_port/" --host "$host" --count 2000)
	p50s+=("$(figure "$out" p50_us)") p99s+=("$(figure "$out" p99_us)")
done
d50=$(median "${d50s[@]}") d99=$(median "${d99s[@]}") p50=$(median "${p50s[@]}") p99=$(median "${p99s[@]}")
echo "direct to the container:  p50 ${d50} us  p99 ${d99} us"
echo "through nginx:            p50 ${p50} us  p99 ${p99} us"
echo "ratio (nginx / direct):   p50 $(ratio "$p50" "$d50")x  p99 $(ratio "$p99" "$d99")x"
# The same for an app that takes 1 ms to answer (/slow).
p50s=() p99s=() d50s=() d99s=()
for _ in $(seq "$rounds"); do
	out=$("$LOADGEN" latency "http://127.0.0.1:$port/slow" --count 1000)
	d50s+=("$(figure "$out" p50_us)") d99s+=("$(figure "$out" p99_us)")
	out=$("$LOADGEN" latency "http://127.0.0.1:$http_port/slow" --host "$host" --count 1000)
	p50s+=("$(figure "$out" p50_us)") p99s+=("$(figure "$out" p99_us)")
done
d50=$(median "${d50s[@]}") d99=$(median "${d99s[@]}") p50=$(median "${p50s[@]}") p99=$(median "${p99s[@]}")
echo "an app taking 1 ms, direct: p50 ${d50} us  p99 ${d99} us; through nginx: p50 ${p50} us  p99 ${p99} us"
echo "ratio (nginx / direct):   p50 $(ratio "$p50" "$d50")x  p99 $(ratio "$p99" "$d99")x"

echo "== 2. redeploy under load (200 req/s through nginx)"
for version in v2 crash; do
	if [ "$version" = crash ]; then
		printf 'echo crashing; exit 3\n' >"$src/app.sh"
		want=(--body-contains v2)
	else
		app v2
		want=(--count-body v2)
	fi
	git -C "$src" commit -q -am "$version"
	"$LOADGEN" load "http://127.0.0.1:$http_port/" --host "$host" --rate 200 --concurrency 512 --duration 25 \
		--max 6000 "${want[@]}" --timeline "$work/timeline-$version.txt" >"$work/load-$version.txt" &
	load=$!
	t_load=$(date +%s%N)
	sleep 2
	t0=$(date +%s%N)
	git -C "$src" push -q "$bare" HEAD:main 2>>"$work/push.log" || true
	t1=$(date +%s%N)
	wait "$load"
	out=$(cat "$work/load-$version.txt")
	echo "$version: push took $(((t1 - t0) / 1000000)) ms; sent $(figure "$out" sent), ok $(figure "$out" ok)," \
		"failed $(figure "$out" failed), non-2xx $(figure "$out" non2xx), rate $(figure "$out" rate)/s," \
		"p99 $(figure "$out" p99_ms) ms, max $(figure "$out" max_ms) ms" \
		"$([ "$version" = v2 ] && echo "; answers from v2: $(figure "$out" count_body)" || echo "; answers not from v2: $(figure "$out" wrong_body)")"
	if [ "$version" = v2 ]; then
		# The switch, from the timeline (start_ms latency_ms status result counted),
		# in ms after the push began.
		awk -v push="$(((t0 - t_load) / 1000000))" -v took="$(((t1 - t0) / 1000000))" '
			!/^#/ && $4 == "ok" && $5 == 1 && first == "" { first = $1 }
			!/^#/ && $4 == "ok" && $5 == 0 { last = $1 }
			END { printf "switch: v1 last answered a request sent %.0f ms after the push began, v2 first one sent" \
				" %.0f ms after (push ended at %d ms; requests are 5 ms apart)\n", last - push, first - push, took }
		' "$work/timeline-$version.txt"
	fi
done

# v2 serves again (a Space whose last push failed does not sleep).
app v2
git -C "$src" commit -q -am "v2 again"
git -C "$src" push -q "$bare" HEAD:main 2>>"$work/push.log"
[ "$(status stage)" = RUNNING ] || { echo "v2 did not come back" >&2; exit 1; }

echo "== 3. wake ($rounds rounds)"
ours=() hand=()
for _ in $(seq "$rounds"); do
	spacehook sleep-time bench/app 1 >/dev/null
	for _ in $(seq 60); do [ "$(status stage)" = SLEEPING ] && break; sleep 0.5; done
	[ "$(status stage)" = SLEEPING ] || { echo "the Space did not sleep" >&2; exit 1; }
	spacehook sleep-time bench/app never >/dev/null
	out=$("$LOADGEN" first "http://127.0.0.1:$http_port/" --host "$host" --timeout 60 --body-contains v2)
	ours+=("$(figure "$out" elapsed_ms)")
	# By hand: the same container stopped, started with the CLI, polled.
	container=$(status container)
	port=$(status host_port)
	"$cli" stop -t 10 "$container" >/dev/null
	t0=$(date +%s%N)
	"$cli" start "$container" >/dev/null
	out=$("$LOADGEN" first "http://127.0.0.1:$port/" --timeout 60 --body-contains v2)
	t1=$(date +%s%N)
	hand+=("$(((t1 - t0) / 1000000))")
done
o=$(median "${ours[@]}") h=$(median "${hand[@]}")
echo "wake through the front door: ${ours[*]} ms (median $o)"
echo "docker start + poll by hand: ${hand[*]} ms (median $h)"
echo "ratio: $(ratio "$o" "$h")x"
