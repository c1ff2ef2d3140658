#!/usr/bin/env bash
# The swarm backend behind the front door (nginx, `spacehook serve`, all on
# 127.0.0.1): nginx follows the task's node address and the port the engine
# published; an update rolls start-first, the new task health-checked before
# the old one stops, under a steady load; a crashing version never replaces
# the serving one, under the same load.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"
# shellcheck source=tests/lib/swarmlib.sh
. "$(dirname "$0")/../lib/swarmlib.sh"
. "$(dirname "$0")/../lib/nginx.sh"
# shellcheck source=tests/lib/frontdoorlib.sh
. "$(dirname "$0")/../lib/frontdoorlib.sh"

LOADGEN="$SP_BUILD/tests/sp-loadgen"
git config --global spacehook.drainTimeout 2
start_serve

host_of() { state "$1" url | sed -E 's#^http://([^:/]+).*#\1#'; }
get() { curl -s --max-time 5 -H "Host: $(host_of "$1")" "http://127.0.0.1:$http_port$2" || true; }
figure() { sed -n "s/^$2=//p" <<<"$1" | head -n 1; }
app() {
	cp "$SP_BUILD/tests/sp-testapp" "$SANDBOX/work/$1/sp-testapp"
	cat >"$SANDBOX/work/$1/Dockerfile" <<EOF2
FROM spacehook-base:busybox
COPY sp-testapp /sp-testapp
CMD ["/sp-testapp", "7860", "$2"]
EOF2
}
routed() {
	sed -n 's/^[[:space:]]*server \([0-9.]*:[0-9]*\) max_fails.*/\1/p' \
		"$NGINX/spacehook/spacehook_$(slug_of "$1").conf" | head -n 1
}
# How many helper containers (the look for /bin/sh before a health check
# is set) the engine made since second $1.
helpers_since() {
	"$DOCKER" events --since "$1" --until "$(date +%s.%N)" --filter label=spacehook.helper=probe \
		--filter event=create --format '{{.ID}}' | grep -c . || true
}
# The host port of the running task's container for 7860 on IPv4, where
# nginx connects (127.0.0.1): the engine may give the IPv6 binding another.
task_port() {
	local task container
	task=$("$DOCKER" service ps -q "$(service_of "$1")" --filter desired-state=running | head -n 1)
	container=$("$DOCKER" inspect "$task" --format '{{.Status.ContainerStatus.ContainerID}}')
	"$DOCKER" port "$container" 7860/tcp | sed -n 's/^0\.0\.0\.0:\([0-9]*\)$/\1/p' | head -n 1
}

new_space a
app a alpha-v1
push a
expect_eq "a deploys on the swarm" 0 "$RC"
expect_eq "a RUNNING" RUNNING "$(state a stage)"
expect_eq "a by its hostname" alpha-v1 "$(get a /)"
expect_eq "nginx points at the task's published port" "127.0.0.1:$(task_port a)" "$(routed a)"
expect_contains "the service has the health check" "CMD-SHELL" \
	"$("$DOCKER" service inspect "$(service_of a)" --format '{{json .Spec.TaskTemplate.ContainerSpec.Healthcheck}}')"

# --- An update under load: start-first, the old task serves until nginx
# points at the new one.
app a alpha-v2
"$LOADGEN" load "http://127.0.0.1:$http_port/" --host "$(host_of a)" --rate 200 --concurrency 512 \
	--duration 20 --max 5000 --count-body alpha-v2 >"$SANDBOX/load1.txt" &
load_pid=$!
sleep 2
t_v2=$(date +%s)
push a
expect_eq "the update under load succeeds" 0 "$RC"
# v2's image has v1's layers (only its command differs): v1 was looked at.
expect_eq "the same files: no second look for the shell" 0 "$(helpers_since "$t_v2")"
wait "$load_pid"
load=$(cat "$SANDBOX/load1.txt")
echo "update under load: $(tr '\n' ' ' <<<"$load")"
check "at least 190 req/s" test "$(figure "$load" sent)" -ge 3800
expect_eq "no failed request in the update" 0 "$(figure "$load" failed)"
expect_eq "no non-2xx answer in the update" 0 "$(figure "$load" non2xx)"
check "the new version answered during the load" test "$(figure "$load" count_body)" -gt 0
check "the old version answered during the load" test "$(figure "$load" count_body)" -lt "$(figure "$load" ok)"
expect_eq "a serves v2" alpha-v2 "$(get a /)"
expect_eq "nginx follows the new task" "127.0.0.1:$(task_port a)" "$(routed a)"
# The replaced version's drain time passes: the service runs on.
sleep 5
expect_eq "one task after the drain time" 1 \
	"$("$DOCKER" service inspect "$(service_of a)" --format '{{.Spec.Mode.Replicated.Replicas}}')"
expect_eq "v2 serves after the drain time" alpha-v2 "$(get a /)"
# Once the app answered, the health check paces itself: after the run that
# passed, the next ones wait 20 s each. v2 has served for about 25 s here:
# two runs, three at most on a slow machine (the engine keeps the last five;
# at a run every interval there would be five).
task_ctr=$("$DOCKER" ps -q --filter "label=com.docker.swarm.service.name=$(service_of a)" | head -n 1)
runs=$("$DOCKER" inspect "$task_ctr" --format '{{len .State.Health.Log}}')
echo "health check runs logged while v2 served: $runs"
check "the health check ran at most three times" test "$runs" -le 3
expect_eq "the task is healthy" healthy "$("$DOCKER" inspect "$task_ctr" --format '{{.State.Health.Status}}')"

# --- A crashing version under load: it never becomes healthy, the swarm
# rolls it back, v2 never stops serving.
set_app a 'echo starting; exit 3'
"$LOADGEN" load "http://127.0.0.1:$http_port/" --host "$(host_of a)" --rate 200 --concurrency 512 \
	--duration 20 --max 4000 --body-contains alpha-v2 >"$SANDBOX/load2.txt" &
load_pid=$!
sleep 1
t_v3=$(date +%s)
push a
wait "$load_pid"
expect_eq "new files: the shell is looked for" 1 "$(helpers_since "$t_v3")"
load=$(cat "$SANDBOX/load2.txt")
echo "crashing version under load: $(tr '\n' ' ' <<<"$load")"
expect_contains "the pusher is told it failed" "is RUNTIME_ERROR" "$OUT"
expect_eq "no failed request" 0 "$(figure "$load" failed)"
expect_eq "no non-2xx answer" 0 "$(figure "$load" non2xx)"
expect_eq "every answer from v2" 0 "$(figure "$load" wrong_body)"
expect_eq "RUNTIME_ERROR recorded" RUNTIME_ERROR "$(state a stage)"
expect_eq "v2 still serves" alpha-v2 "$(get a /)"

# --- The front door turned on for a Space that ran on its own port: the
# swarm would keep the fixed port for the new task (which then waits for the
# old one's port forever); a spare port for one update makes it pick anew.
git config --global --unset spacehook.domain
new_space b
sed -i 's/^app_port: .*/app_port: 7860\nstartup_duration_timeout: 1m/' "$SANDBOX/work/b/README.md"
app b beta-v1
push b
expect_eq "b deploys on its own port" 0 "$RC"
own=$(state b url)
expect_eq "b answers on its own port" beta-v1 "$(curl -s --max-time 5 "$own/" || true)"
git config --global spacehook.domain "$domain:$http_port"
app b beta-v2
t0=$SECONDS
push b
expect_eq "b moves behind the front door" 0 "$RC"
expect_contains "b's push says RUNNING" "is RUNNING on http://$(host_of b)" "$OUT"
check "b moved within 60 s" test $((SECONDS - t0)) -lt 60
expect_eq "b by its hostname" beta-v2 "$(get b /)"
expect_eq "nginx points at b's new task" "127.0.0.1:$(task_port b)" "$(routed b)"
check "b's task is on another port" test "$(task_port b)" != "${own##*:}"
# `spacehook serve` reroutes each running Space every sleepCheck seconds,
# knowing no app port: it must keep the app's port, not the spare one the
# task may list first.
stop_serve
git config --global spacehook.sleepCheck 1
start_serve
sleep 3
expect_eq "a reroute keeps nginx on b's app port" "127.0.0.1:$(task_port b)" "$(routed b)"
expect_eq "b by its hostname after reroutes" beta-v2 "$(get b /)"
app b beta-v3
push b
expect_eq "b's next update" 0 "$RC"
expect_eq "b serves v3" beta-v3 "$(get b /)"
expect_eq "the spare port is gone again" 1 \
	"$("$DOCKER" service inspect "$(service_of b)" --format '{{len .Endpoint.Ports}}')"

finish
