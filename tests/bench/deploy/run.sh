#!/usr/bin/env bash
# Push-to-serving for a Space whose image layers are cached, against doing
# the same by hand (git archive | docker build -, then docker stop/rm/run and
# wait for HTTP), in the same run on the same engine. Goal: <= 1.1x.
#   usage: SP_BIN=build/bin bash tests/bench/deploy/run.sh [ROUNDS]
# Needs root (it starts a private engine when DOCKER_HOST is unset).
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
SP_BIN=$(cd "${SP_BIN:-$top/build/bin}" && pwd)
rounds=${1:-5}
work=$(mktemp -d /tmp/spacehook-bench-deploy.XXXXXX)
cli=${SP_DOCKER_CLI:-/usr/bin/docker}
started_engine=
if [ -z "${DOCKER_HOST:-}" ]; then
	export SP_DOCKERD_DIR="$work/dockerd"
	bash "$top/tests/lib/dockerd.sh" start >/dev/null
	started_engine=1
	export DOCKER_HOST="unix://$SP_DOCKERD_DIR/docker.sock"
fi
cleanup() {
	"$cli" rm -f bench-by-hand >/dev/null 2>&1 || true
	for c in $("$cli" ps -aq --filter label=spacehook.space=bench/app); do "$cli" rm -f "$c" >/dev/null; done
	[ -n "$started_engine" ] && bash "$top/tests/lib/dockerd.sh" stop >/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME" "$work/repos/bench"
git config --global user.name B && git config --global user.email b@example.com
git config --global init.defaultBranch main
git config --global spacehook.stateDir "$work/state"
git config --global spacehook.reposRoot "$work/repos"
git config --global spacehook.dockerHost "$DOCKER_HOST"
git config --global spacehook.dockerCli "$cli"
git config --global spacehook.portRange 23000-23099
bare="$work/repos/bench/app.git"
git init -q --bare "$bare"
ln -s "$SP_BIN/pre-receive" "$SP_BIN/post-receive" "$bare/hooks/"
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
# The app stops on SIGTERM at once, so neither side waits out docker's stop timeout.
printf 'mkdir -p /tmp/w && echo ok > /tmp/w/index.html\ntrap "exit 0" TERM\nhttpd -f -p 7860 -h /tmp/w &\nwait\n' >"$src/app.sh"
git -C "$src" init -q && git -C "$src" add -A && git -C "$src" commit -q -m base
git -C "$src" push -q "$bare" HEAD:main 2>"$work/first-push.log" || { cat "$work/first-push.log"; exit 1; }
grep -q "is RUNNING on" "$work/first-push.log" || { cat "$work/first-push.log" >&2; exit 1; }
port=$("$SP_BIN/spacehook" status bench/app --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["host_port"])')
hand_port=$((port + 50))

wait_http() {
	local deadline=$((SECONDS + 120))
	until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "nothing answers on 127.0.0.1:$1 after 120 s" >&2
			exit 1
		fi
		sleep 0.05
	done
}

now() { date +%s.%N; }

ours=()
hand=()
for r in $(seq 1 "$rounds"); do
	# spacehook: a push whose layers are all cached (README changes only).
	echo "round $r" >>"$src/README.md"
	git -C "$src" commit -q -am "round $r"
	t0=$(now)
	git -C "$src" push -q "$bare" HEAD:main 2>/dev/null
	wait_http "$port"
	t1=$(now)
	ours+=("$(echo "$t1 - $t0" | bc)")

	# By hand: the same steps an admin would type.
	t0=$(now)
	git -C "$src" archive --format=tar HEAD | DOCKER_BUILDKIT=1 "$cli" build -q -t bench-by-hand:latest - >/dev/null
	"$cli" stop -t 10 bench-by-hand >/dev/null 2>&1 || true
	"$cli" rm bench-by-hand >/dev/null 2>&1 || true
	"$cli" run -d --name bench-by-hand -p "127.0.0.1:$hand_port:7860" bench-by-hand:latest >/dev/null
	wait_http "$hand_port"
	t1=$(now)
	hand+=("$(echo "$t1 - $t0" | bc)")
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m_ours=$(median "${ours[@]}")
m_hand=$(median "${hand[@]}")
echo "push-to-serving, cached layers, $rounds rounds (median seconds)"
echo "  spacehook push:  $m_ours   (${ours[*]})"
echo "  by hand:         $m_hand   (${hand[*]})"
echo "  ratio spacehook / by hand: $(echo "scale=2; $m_ours / $m_hand" | bc)  (goal <= 1.10)"
