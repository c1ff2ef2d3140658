#!/usr/bin/env bash
# The swarm backend on a single-node swarm of the test's own engine, images
# through Debian's docker-registry on 127.0.0.1: a push builds, pushes to the
# registry and runs one service that answers; secrets and variables reach the
# build and the app; a second push updates the service in place; a crashing
# version is rolled back while the old one serves again; stop, start,
# restart; gc; an engine that is gone during a push.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"
# shellcheck source=tests/lib/swarmlib.sh
. "$(dirname "$0")/../lib/swarmlib.sh"

new_space app
id=$(space_id app)
cat >"$SANDBOX/work/app/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
RUN --mount=type=secret,id=BUILD_TOKEN,mode=0444 \
    mkdir -p /srv && wc -c < /run/secrets/BUILD_TOKEN > /srv/secret-length
COPY app.sh /app.sh
CMD ["/bin/sh", "/app.sh"]
EOF2
cat >"$SANDBOX/work/app/app.sh" <<'EOF2'
d=/tmp/srv
mkdir -p $d && cp /srv/* $d/
echo v1 > $d/index.html
echo "$GREETING" > $d/greeting
echo "$BUILD_TOKEN" | wc -c > $d/runtime-secret
id -u > $d/uid
echo "app v1 up"
exec httpd -f -p 7860 -h $d
EOF2
printf 'tok-12345' | spacehook secrets set "$id" BUILD_TOKEN --no-restart
spacehook variables set "$id" GREETING hello-swarm --no-restart
push app
expect_eq "first push succeeds" 0 "$RC"
slug=$(slug_of app)
expect_contains "the push names the registry" "pushed $SP_REGISTRY_ADDR/spaces/$slug:" "$OUT"
expect_eq "RUNNING" RUNNING "$(state app stage)"
url=$(state app url)
expect_eq "the app answers" v1 "$(http "$url/index.html")"
expect_eq "the build saw the secret" 9 "$(http "$url/secret-length" | tr -d ' ')"
expect_eq "the app sees the variable" hello-swarm "$(http "$url/greeting")"
expect_eq "the app sees the secret" 10 "$(http "$url/runtime-secret" | tr -d ' ')"
expect_eq "the app runs as uid 1000" 1000 "$(http "$url/uid")"
expect_eq "one service" 1 "$("$DOCKER" service ls -q --filter "label=spacehook.space=$id" | wc -l)"
commit1=$(git -C "$SANDBOX/work/app" rev-parse HEAD)
expect_contains "the registry holds the tag" "$commit1" "$(curl -s "http://$SP_REGISTRY_ADDR/v2/spaces/$slug/tags/list")"
expect_contains "the service runs the registry's image" "$SP_REGISTRY_ADDR/spaces/$slug:$commit1" \
	"$("$DOCKER" service inspect "spacehook-$slug" --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}')"
expect_eq "no virtual IP: the task's port reaches it" dnsrr \
	"$("$DOCKER" service inspect "spacehook-$slug" --format '{{.Spec.EndpointSpec.Mode}}')"
status_out=$(spacehook status "$id")
expect_contains "status names the node" "$(hostname)" "$status_out"
expect_contains "status names the task state" "running" "$status_out"

# A second push updates the same service.
sid=$("$DOCKER" service inspect "spacehook-$slug" --format '{{.ID}}')
sed -i 's/v1/v2/g' "$SANDBOX/work/app/app.sh"
push app
expect_eq "second push succeeds" 0 "$RC"
expect_eq "RUNNING after the update" RUNNING "$(state app stage)"
url=$(state app url)
expect_eq "v2 answers" v2 "$(http "$url/index.html")"
expect_eq "the same service was updated" "$sid" "$("$DOCKER" service inspect "spacehook-$slug" --format '{{.ID}}')"
good=$(state app commit)

# A crashing version is rolled back; v2 serves again.
cp "$SANDBOX/work/app/app.sh" "$SANDBOX/app.sh.good"
printf 'echo starting; echo fatal: no model >&2; exit 3\n' >"$SANDBOX/work/app/app.sh"
push app
expect_contains "the pusher sees the failure" "Space failed to start. Exit code: 3" "$OUT"
expect_contains "the pusher sees the app's output" "fatal: no model" "$OUT"
expect_eq "RUNTIME_ERROR recorded" RUNTIME_ERROR "$(state app stage)"
expect_eq "the good commit is recorded" "$good" "$(state app commit)"
# Stop-first: the engine also restarts the failed task; when that one could
# not get the Space's port, the rollback's task waits for it up to the
# engine's old-task timeout (one minute) before it starts.
ok=""
for _ in $(seq 1 160); do
	[ "$(http "$url/index.html")" = v2 ] && ok=1 && break
	sleep 0.5
done
expect_eq "v2 serves again after the rollback" 1 "$ok"
if [ -z "$ok" ]; then
	"$DOCKER" service ps --no-trunc "spacehook-$slug" || true
	"$DOCKER" service inspect "spacehook-$slug" --format '{{json .UpdateStatus}}' || true
fi
sed 's/v2/v3/g' "$SANDBOX/app.sh.good" >"$SANDBOX/work/app/app.sh"
push app
expect_eq "a fixed version deploys" RUNNING "$(state app stage)"

# stop, start, restart.
spacehook stop "$id" >/dev/null 2>&1
expect_eq "stop scales to 0" 0 "$("$DOCKER" service inspect "spacehook-$slug" --format '{{.Spec.Mode.Replicated.Replicas}}')"
expect_eq "PAUSED" PAUSED "$(state app stage)"
spacehook start "$id" >/dev/null 2>&1
expect_eq "start: RUNNING" RUNNING "$(state app stage)"
expect_eq "start scales to 1" 1 "$("$DOCKER" service inspect "spacehook-$slug" --format '{{.Spec.Mode.Replicated.Replicas}}')"
url=$(state app url)
expect_eq "v3 answers after start" v3 "$(http "$url/index.html")"
before=$("$DOCKER" service inspect "spacehook-$slug" --format '{{.Spec.TaskTemplate.ForceUpdate}}')
spacehook restart "$id" >/dev/null 2>&1
expect_eq "restart: RUNNING" RUNNING "$(state app stage)"
after=$("$DOCKER" service inspect "spacehook-$slug" --format '{{.Spec.TaskTemplate.ForceUpdate}}')
check "restart rolled new tasks" test "$before" != "$after"
url=$(state app url)
expect_eq "v3 answers after restart" v3 "$(http "$url/index.html")"
set +e
factory_out=$(spacehook restart "$id" --factory 2>&1)
set -e
expect_contains "factory restart builds again" "pushed $SP_REGISTRY_ADDR/spaces/$slug:" "$factory_out"
expect_eq "factory restart: RUNNING" RUNNING "$(state app stage)"
expect_eq "v3 answers after the factory restart" v3 "$(http "$(state app url)/index.html")"

# gc keeps what serves and the version before it, here and in the registry.
set +e
gc_out=$(spacehook gc 2>&1)
gc_rc=$?
set -e
expect_eq "gc succeeds" 0 "$gc_rc"
echo "gc: $gc_out"
expect_eq "still RUNNING after gc" RUNNING "$(state app stage)"
expect_eq "v3 answers after gc" v3 "$(http "$url/index.html")"
check "at most two images of the Space are left here" test \
	"$("$DOCKER" image ls -q --filter "label=spacehook.space=$id" | sort -u | wc -l)" -le 2
tags=$(curl -s "http://$SP_REGISTRY_ADDR/v2/spaces/$slug/tags/list")
echo "registry tags after gc: $tags"
expect_contains "the registry keeps the serving version" "$(state app commit)" "$tags"
expect_not_contains "the registry lost the first version" "$commit1" "$tags"

# doctor checks the swarm and the registry.
set +e
doctor_out=$(spacehook doctor 2>&1)
set -e
expect_contains "doctor: a manager" "ok  the engine is a swarm manager (1 node, 1 manager)" "$doctor_out"
expect_contains "doctor: nodes ready" "ok  every swarm node is ready (1)" "$doctor_out"
expect_contains "doctor: the registry works" "ok  registry $SP_REGISTRY_ADDR takes a push and gives it back" "$doctor_out"
bash "$SWARMLIB_DIR/registry.sh" stop >/dev/null
set +e
doctor_out=$(spacehook doctor 2>&1)
set -e
expect_contains "doctor: a registry that is down" "FAIL registry $SP_REGISTRY_ADDR:" "$doctor_out"
bash "$SWARMLIB_DIR/registry.sh" start >/dev/null

# The manager stopped during a push: the push is accepted and the pusher is
# told within 5 s; the service comes back with the manager.
bash "$SP_SOURCE/tests/lib/dockerd.sh" stop >/dev/null
echo change >"$SANDBOX/work/app/change.txt"
t0=$(date +%s.%N)
push app
t1=$(date +%s.%N)
bash "$SP_SOURCE/tests/lib/dockerd.sh" start >/dev/null
expect_eq "push accepted with the manager stopped" 0 "$RC"
expect_contains "manager stopped: unreachable" "Docker engine unreachable at $SP_DOCKERD_DIR/docker.sock" "$OUT"
check "manager stopped: told within 5 s" python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 5 else 1)"
ok=""
for _ in $(seq 1 120); do
	[ "$(http "$url/index.html")" = v3 ] && ok=1 && break
	sleep 0.5
done
expect_eq "the service serves again once the manager is back" 1 "$ok"

finish
