#!/usr/bin/env bash
# Faults on the real engine: the engine gone, the worker killed -9 at each
# phase, a cancel, a stop/start, a build that prints without end. Each case
# checks the end state: what serves, the state file, the containers left.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

new_space f
id=$(space_id f)
bare="$REPOS/e2e-faults/f.git"
set_app f 'mkdir -p /tmp/w; cp /home/user/app/version.txt /tmp/w/; trap "exit 0" TERM; httpd -f -p 7860 -h /tmp/w & wait'
containers() { "$DOCKER" ps -aq --filter "label=spacehook.space=$id" | wc -l; }
running() { "$DOCKER" ps -q --filter "label=spacehook.space=$id" | wc -l; }
version() { http "$(state f url)/version.txt"; }
valid_state() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$STATE"/spaces/*/state.json; }

echo 1 >"$SANDBOX/work/f/version.txt"
push f
expect_eq "baseline serves" 1 "$(version)"

# --- The engine's socket is gone: the push is accepted, the pusher is told fast.
git -C "$bare" config spacehook.dockerHost "unix://$SANDBOX/no-such-engine.sock"
echo 2 >"$SANDBOX/work/f/version.txt"
t0=$(date +%s.%N)
push f
t1=$(date +%s.%N)
expect_eq "push accepted without an engine" 0 "$RC"
expect_eq "ref moved" "$(git -C "$SANDBOX/work/f" rev-parse HEAD)" "$(git -C "$bare" rev-parse main)"
expect_contains "pusher told the engine is unreachable" "Docker engine unreachable at $SANDBOX/no-such-engine.sock" "$OUT"
check "told within 5 s" python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 5 else 1)"
expect_eq "stage BUILD_ERROR" BUILD_ERROR "$(state f stage)"
expect_contains "error recorded" "Docker engine unreachable" "$(state f error)"
# An engine that is stopped: a socket file nobody listens on.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$SANDBOX/dead.sock"
git -C "$bare" config spacehook.dockerHost "unix://$SANDBOX/dead.sock"
push f
expect_contains "stopped engine: unreachable" "Docker engine unreachable at $SANDBOX/dead.sock" "$OUT"
git -C "$bare" config --unset spacehook.dockerHost
# The real engine stopped: same answer, and the push is not held up.
bash "$SP_SOURCE/tests/lib/dockerd.sh" stop >/dev/null
t0=$(date +%s.%N)
push f
t1=$(date +%s.%N)
bash "$SP_SOURCE/tests/lib/dockerd.sh" start >/dev/null
for _ in $(seq 1 40); do
	[ "$(version)" = 1 ] && break
	sleep 0.25
done
expect_eq "the serving version came back with the engine by itself" 1 "$(version)"
expect_eq "push accepted with the engine stopped" 0 "$RC"
expect_contains "engine stopped: unreachable" "Docker engine unreachable at $SP_DOCKERD_DIR/docker.sock" "$OUT"
check "engine stopped: told within 5 s" python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 5 else 1)"
expect_eq "engine stopped: BUILD_ERROR" BUILD_ERROR "$(state f stage)"
set +e
rebuild_out=$(spacehook rebuild "$id" 2>&1)
set -e
expect_contains "rebuild once the engine is back" "is RUNNING on" "$rebuild_out"
expect_eq "newest version serves after rebuild" 2 "$(version)"

# --- kill -9 of the worker during the build.
echo 3 >"$SANDBOX/work/f/version.txt"
SPACEHOOK_FAULT=build-output push f
expect_contains "pusher told the worker died" "the worker stopped before the job ended" "$OUT"
check "state file whole" valid_state
expect_eq "reconciled: the old version still runs" RUNNING "$(state f stage)"
expect_contains "reconciled error" "the worker stopped during RUNNING_BUILDING" "$(state f error)"
expect_eq "old version serves" 2 "$(version)"
push f
expect_eq "no stale lock: next push deploys" 3 "$(version)"
expect_eq "one container after build crash" 1 "$(containers)"

# --- kill -9 between stopping the old container and starting the new one.
echo 4 >"$SANDBOX/work/f/version.txt"
SPACEHOOK_FAULT=deploy-after-stop push f
check "state file whole after the stop crash" valid_state
expect_eq "nothing runs" 0 "$(running)"
expect_eq "reconciled to RUNTIME_ERROR" RUNTIME_ERROR "$(state f stage)"
expect_contains "reconciled error names the phase" "during APP_STARTING" "$(state f error)"
set +e
restart_out=$(spacehook restart "$id" 2>&1)
set -e
expect_contains "restart brings it back" "is RUNNING on" "$restart_out"
expect_eq "the recorded version serves again" 3 "$(version)"
expect_eq "the crashed deploy's container was collected" 1 "$(containers)"

# --- kill -9 during the health probe.
SPACEHOOK_FAULT=deploy-probe push f
check "state file whole after the probe crash" valid_state
expect_eq "reconciled after the probe crash" RUNTIME_ERROR "$(state f stage)"
push f
expect_eq "next push serves the newest commit" 4 "$(version)"
expect_eq "state names the newest commit" "$(git -C "$SANDBOX/work/f" rev-parse HEAD)" "$(state f commit)"
expect_eq "one container after the probe crash" 1 "$(containers)"
check "no worker left" test -z "$(cat "$STATE"/spaces/*/worker.pid 2>/dev/null)"

# --- cancel a slow build: the previous version keeps serving.
cat >"$SANDBOX/work/f/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
WORKDIR /home/user/app
COPY . .
RUN echo building slowly; sleep 60
CMD ["/bin/sh", "-c", "mkdir -p /tmp/w; cp /home/user/app/version.txt /tmp/w/; exec httpd -f -p 7860 -h /tmp/w"]
EOF2
echo 5 >"$SANDBOX/work/f/version.txt"
echo "$$-$RANDOM-$(date +%s%N)" >"$SANDBOX/work/f/nonce.txt"
push f -o spacehook.wait=no
for _ in $(seq 1 100); do
	grep -qs "building slowly" "$STATE"/spaces/*/logs/*.log && break
	sleep 0.2
done
t0=$(date +%s)
cancel_out=$(spacehook cancel "$id")
took=$(( $(date +%s) - t0 ))
expect_contains "cancel says so" "canceled" "$cancel_out"
check "cancel was quick ($took s)" test "$took" -lt 30
expect_eq "after cancel: RUNNING" RUNNING "$(state f stage)"
expect_contains "cancel recorded" "canceled by the administrator" "$(state f error)"
expect_eq "previous version serves after cancel" 4 "$(version)"
check "no build client left" test -z "$(pgrep -f "docker build --progress=plain --tag spacehook/e2e-faults" || true)"

# --- stop keeps the Space stopped across pushes; start runs the newest.
spacehook stop "$id" >/dev/null
expect_eq "stopped: PAUSED" PAUSED "$(state f stage)"
expect_eq "stopped: nothing answers" "" "$(curl -s --max-time 2 "$(state f url)/version.txt" || true)"
set_app f 'mkdir -p /tmp/w; cp /home/user/app/version.txt /tmp/w/; trap "exit 0" TERM; httpd -f -p 7860 -h /tmp/w & wait'
echo 6 >"$SANDBOX/work/f/version.txt"
push f
expect_contains "push while paused is kept, not built" "is paused" "$OUT"
expect_eq "still PAUSED" PAUSED "$(state f stage)"
expect_eq "still nothing runs" 0 "$(running)"
set +e
start_out=$(spacehook start "$id" 2>&1)
set -e
expect_contains "start runs it" "is RUNNING on" "$start_out"
expect_eq "start serves the newest" 6 "$(version)"

# --- a build that prints without end is cut at spacehook.buildLogMax.
git -C "$bare" config spacehook.buildLogMax 20000
cat >"$SANDBOX/work/f/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
WORKDIR /home/user/app
COPY . .
RUN head -c 300000 /dev/urandom; echo; printf '\377\376 invalid utf-8 \300\n'
CMD ["/bin/sh", "-c", "mkdir -p /tmp/w; cp /home/user/app/version.txt /tmp/w/; exec httpd -f -p 7860 -h /tmp/w"]
EOF2
echo 7 >"$SANDBOX/work/f/version.txt"
echo "$$-$RANDOM-$(date +%s%N)" >"$SANDBOX/work/f/nonce.txt"
push f
expect_eq "noisy build still deploys" 7 "$(version)"
expect_contains "pusher told the output was cut" "build output cut here" "$OUT"
newest=$(ls -t "$STATE"/spaces/*/logs/*.log | head -n 1)
check "saved log bounded ($(stat -c %s "$newest") bytes)" test "$(stat -c %s "$newest")" -lt 30000

# --- gc keeps the serving and the previous image only.
gc_out=$(spacehook gc)
expect_contains "gc reports" "build cache:" "$gc_out"
images=$("$DOCKER" images -q --filter "label=spacehook.space=$id" | sort -u | wc -l)
check "at most two images kept ($images)" test "$images" -le 2
expect_eq "one container at the end" 1 "$(containers)"
check "state file whole at the end" valid_state
expect_eq "state dir is private" 700 "$(stat -c %a "$STATE"/spaces/*/)"
expect_eq "state file is private" 600 "$(stat -c %a "$STATE"/spaces/*/state.json)"

finish
