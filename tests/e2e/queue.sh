#!/usr/bin/env bash
# Pushes that arrive during a build are queued, and only the newest queued
# commit is built next; `-o spacehook.wait=no` returns right after queueing;
# one worker runs per Space; the pusher going away does not stop the job.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

new_space q
id=$(space_id q)
cat >"$SANDBOX/work/q/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
COPY version.txt /srv/version.txt
RUN sleep 8
CMD ["httpd", "-f", "-p", "7860", "-h", "/srv"]
EOF2

echo 1 >"$SANDBOX/work/q/version.txt"
start=$(date +%s)
push q -o spacehook.wait=no
took=$(( $(date +%s) - start ))
expect_eq "wait=no push succeeds" 0 "$RC"
expect_contains "wait=no says it queued" "build of" "$OUT"
expect_not_contains "wait=no does not show the build" "Application startup" "$OUT"
check "wait=no returns before the build ends ($took s)" test "$took" -lt 8
first=$(git -C "$SANDBOX/work/q" rev-parse HEAD)

# Two more pushes while the first builds: the second is superseded by the third.
echo 2 >"$SANDBOX/work/q/version.txt"
push q -o spacehook.wait=no
second=$(git -C "$SANDBOX/work/q" rev-parse HEAD)
echo 3 >"$SANDBOX/work/q/version.txt"
push q
third=$(git -C "$SANDBOX/work/q" rev-parse HEAD)
expect_eq "third push waits and succeeds" 0 "$RC"
expect_contains "third push sees its build" "Commit SHA: ${third:0:7}" "$OUT"
expect_contains "third push ends RUNNING" "is RUNNING on" "$OUT"
expect_eq "newest commit serves" 3 "$(http "$(state q url)/version.txt")"
expect_eq "state records the newest commit" "$third" "$(state q commit)"
logs=$(cat "$STATE"/spaces/*/logs/*.log)
expect_contains "first commit was built" "Commit SHA: ${first:0:7}" "$logs"
expect_contains "second push was superseded" "superseded by a newer push (${third:0:7})" "$logs"
expect_not_contains "second commit never built" "Commit SHA: ${second:0:7}" "$(grep -h 'Build queued' "$STATE"/spaces/*/logs/*.log)"
status_files=$(cat "$STATE"/spaces/*/logs/*.status | awk '{print $1}' | sort | tr '\n' ' ')
expect_eq "job outcomes" "RUNNING RUNNING SUPERSEDED " "$status_files"
expect_eq "one container" 1 "$("$DOCKER" ps -aq --filter "label=spacehook.space=$id" | wc -l)"

# The pusher goes away mid-build: the job still ends RUNNING.
echo 4 >"$SANDBOX/work/q/version.txt"
git -C "$SANDBOX/work/q" add -A
git -C "$SANDBOX/work/q" commit -q -m four
git -C "$SANDBOX/work/q" push origin HEAD:main >"$SANDBOX/push4.out" 2>&1 &
pusher=$!
sleep 2
kill "$pusher" 2>/dev/null || true
wait "$pusher" 2>/dev/null || true
for _ in $(seq 1 60); do
	[ "$(http "$(state q url)/version.txt")" = 4 ] && break
	sleep 0.5
done
expect_eq "job finished after the pusher left" 4 "$(http "$(state q url)/version.txt")"
for _ in $(seq 1 20); do
	[ -f "$STATE/spaces/e2e-queue--q/worker.pid" ] || break
	sleep 0.5
done
check "worker exited when the queue emptied" test ! -f "$STATE/spaces/e2e-queue--q/worker.pid"

finish
