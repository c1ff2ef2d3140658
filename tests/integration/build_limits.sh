#!/usr/bin/env bash
# Bounded builds and fair build slots, pushed for real with a fake build
# client (no Docker engine): spacehook.buildTimeout stops a hung build, a
# worker killed with SIGKILL takes its build with it (PDEATHSIG for the client,
# the next slot taker for what the client left behind), a recorded group is
# killed only when its start time matches, and spacehook.maxBuildsPerOwner
# keeps one owner from holding every slot.
. "$(dirname "$0")/../lib/testlib.sh"
. "$SP_SOURCE/tests/lib/pushlib.sh"

STATE="$SANDBOX/state"
REPOS="$SANDBOX/repos"
FAKE="$SANDBOX/fake-docker"
MARKS="$SANDBOX/marks"
mkdir -p "$REPOS/alice" "$REPOS/bob" "$REPOS/carol" "$MARKS"
git config --global spacehook.stateDir "$STATE"
git config --global spacehook.reposRoot "$REPOS"
# No engine: a build that succeeds ends BUILD_ERROR at the engine, after the build.
git config --global spacehook.dockerHost "unix://$SANDBOX/no-engine.sock"
git config --global spacehook.dockerCli "$FAKE"
git config --global user.name "A U Thor"
git config --global user.email "author@example.com"

# The fake client: `build ... --tag spacehook/<slug>:<sha> ... -`, the tar on
# stdin. What it does is in $SANDBOX/mode; it leaves its pid (and that of a
# child it starts) in $MARKS/<slug>.client (.child), and start/end lines with
# times in $SANDBOX/intervals.
cat >"$FAKE" <<EOF
#!/usr/bin/env bash
slug=
prev=
for a in "\$@"; do
	[ "\$prev" = --tag ] && slug=\${a#spacehook/} && slug=\${slug%%:*}
	prev=\$a
done
mode=\$(cat "$SANDBOX/mode")
echo "\$\$" >"$MARKS/\$slug.client"
cat >/dev/null
echo "fake build of \$slug (\$mode)"
case \$mode in
hang)
	exec sleep 3600
	;;
stubborn)
	trap '' TERM
	exec sleep 3600
	;;
orphan)
	sleep 3601 &
	echo "\$!" >"$MARKS/\$slug.child"
	wait
	;;
timed)
	# alice's builds go on once bob's has started (at most 20 s): with
	# fair slots it starts beside hers; without, it waits for both.
	echo "start \$slug \$(date +%s.%N)" >>"$SANDBOX/intervals"
	case \$slug in
	alice--*)
		for _ in \$(seq 1 200); do
			grep -q "^start bob--" "$SANDBOX/intervals" && break
			sleep 0.1
		done
		;;
	carol--*)
		# until bob's build waits for the one server slot (at most 20 s)
		for _ in \$(seq 1 200); do
			cat "$STATE"/spaces/bob--g2/logs/*.log 2>/dev/null |
				grep -q "waiting for a build slot" && break
			sleep 0.1
		done
		;;
	esac
	sleep 1
	echo "end \$slug \$(date +%s.%N)" >>"$SANDBOX/intervals"
	;;
esac
exit 0
EOF
chmod +x "$FAKE"

# push DIR ARGS...: pushlib's push, bounded to a minute.
push() {
	local dir=$1
	shift
	set +e
	raw=$(timeout 60 git -C "$dir" push "$@" 2>&1)
	rc=$?
	set -e
	out=$(printf '%s\n' "$raw" | sed -n 's/[[:space:]]*$//; /^remote: /p')
}

# alive PID: the process exists and is not a zombie.
alive() {
	local st
	st=$(sed -n 's/.*) \(.\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# gone_within SECONDS PID: the process ends within SECONDS.
gone_within() {
	local _
	for _ in $(seq 1 $(($1 * 10))); do
		alive "$2" || return 0
		sleep 0.1
	done
	return 1
}

# wait_file SECONDS PATH: until PATH exists and is not empty.
wait_file() {
	local _
	for _ in $(seq 1 $(($1 * 10))); do
		[ -s "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_status SLUG SECONDS: until the Space's newest job has a status.
wait_status() {
	local _
	for _ in $(seq 1 $(($2 * 10))); do
		compgen -G "$STATE/spaces/$1/logs/*.status" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

job_log() {
	cat "$STATE"/spaces/"$1"/logs/*.log 2>/dev/null || true
}

stage_of() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("stage", ""))' \
		"$STATE/spaces/$1/state.json" 2>/dev/null || echo none
}

# Whatever is still running at the end: the fake clients' processes, the
# workers and the test's own sleepers, by pid, when the pid is still theirs.
stop_leftovers() {
	local f pid cmd
	for f in "$MARKS"/* "$STATE"/spaces/*/worker.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		case $pid in '' | *[!0-9]*) continue ;; esac
		cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
		case $cmd in
		"sleep 36"* | *fake-docker* | *" worker "*) kill -9 "$pid" 2>/dev/null || true ;;
		esac
	done
	cleanup_sandbox
}
trap stop_leftovers EXIT

# new_space OWNER NAME: a bare repository with the hooks, and a work tree.
new_space() {
	make_bare "$REPOS/$1/$2.git"
	git init -q "$SANDBOX/work/$1-$2"
	git -C "$SANDBOX/work/$1-$2" remote add origin "$REPOS/$1/$2.git"
	write_space "$SANDBOX/work/$1-$2"
	commit_all "$SANDBOX/work/$1-$2" "first"
}

# --- buildTimeout: a client that never ends is stopped, the job ends BUILD_ERROR.
git config --global spacehook.buildTimeout 3s
echo hang >"$SANDBOX/mode"
new_space alice hang
t0=$(date +%s)
push "$SANDBOX/work/alice-hang" origin HEAD:main
t1=$(date +%s)
expect_eq "push of a hung build returns 0 (the ref moved)" 0 "$rc"
expect_contains "the pusher is told the build timed out" \
	"spacehook: error: build timed out after 3 s (spacehook.buildTimeout)" "$out"
expect_eq "stage BUILD_ERROR" BUILD_ERROR "$(stage_of alice--hang)"
expect_contains "error recorded" "build timed out after 3 s (spacehook.buildTimeout)" \
	"$(cat "$STATE"/spaces/alice--hang/state.json)"
check "stopped near the timeout ($((t1 - t0)) s)" test $((t1 - t0)) -lt 15
client=$(cat "$MARKS/alice--hang.client")
check "the hung client ($client) is gone" gone_within 5 "$client"

# A client that ignores SIGTERM gets SIGKILL after the grace.
echo stubborn >"$SANDBOX/mode"
echo 2 >"$SANDBOX/work/alice-hang/v.txt"
commit_all "$SANDBOX/work/alice-hang"
t0=$(date +%s)
push "$SANDBOX/work/alice-hang" origin HEAD:main
t1=$(date +%s)
expect_contains "stubborn client: timed out" "build timed out after 3 s" "$out"
client=$(cat "$MARKS/alice--hang.client")
check "the client ignoring SIGTERM ($client) is gone" gone_within 5 "$client"
check "SIGKILL after the grace ($((t1 - t0)) s)" test $((t1 - t0)) -ge 7 -a $((t1 - t0)) -lt 20

# --- Cancel still stops a build, before its timeout.
git config --global spacehook.buildTimeout 1h
echo hang >"$SANDBOX/mode"
new_space alice cancel
rm -f "$MARKS/alice--cancel.client"
push "$SANDBOX/work/alice-cancel" -o spacehook.wait=no origin HEAD:main
check "the client to cancel started" wait_file 20 "$MARKS/alice--cancel.client"
client=$(cat "$MARKS/alice--cancel.client")
set +e
cancel_out=$(timeout 60 "$SP_BIN/spacehook" cancel alice/cancel 2>&1)
set -e
expect_contains "spacehook cancel stops the build" "alice/cancel: canceled" "$cancel_out"
check "the canceled client ($client) is gone" gone_within 5 "$client"
check "the canceled job ended" wait_status alice--cancel 20
expect_contains "the job says it was canceled" "build canceled by the administrator" \
	"$(cat "$STATE"/spaces/alice--cancel/logs/*.status)"

# --- A worker killed with SIGKILL: its client dies with it (PDEATHSIG).
git config --global spacehook.buildTimeout 0
echo hang >"$SANDBOX/mode"
new_space alice kill
push "$SANDBOX/work/alice-kill" -o spacehook.wait=no origin HEAD:main
expect_eq "queued without waiting" 0 "$rc"
check "the fake client started" wait_file 20 "$MARKS/alice--kill.client"
client=$(cat "$MARKS/alice--kill.client")
worker=$(cat "$STATE/spaces/alice--kill/worker.pid")
check "the client ($client) runs" alive "$client"
check "no timeout with buildTimeout 0: still running after 2 s" \
	bash -c "sleep 2; grep -q . /proc/$client/stat"
kill -9 "$worker"
check "the client ($client) dies with its worker ($worker)" gone_within 5 "$client"

# --- What the client leaves behind (no PDEATHSIG for it) dies at the next slot taker.
echo orphan >"$SANDBOX/mode"
new_space alice orphan
push "$SANDBOX/work/alice-orphan" -o spacehook.wait=no origin HEAD:main
check "the orphan's parent started" wait_file 20 "$MARKS/alice--orphan.child"
client=$(cat "$MARKS/alice--orphan.client")
child=$(cat "$MARKS/alice--orphan.child")
worker=$(cat "$STATE/spaces/alice--orphan/worker.pid")
expect_contains "the slot records the build's group" "$client " "$(cat "$STATE"/slots/*.lock)"
kill -9 "$worker"
check "the client ($client) dies with its worker" gone_within 5 "$client"
sleep 1
check "its child ($child) outlives them both" alive "$child"
echo quick >"$SANDBOX/mode"
new_space bob next
push "$SANDBOX/work/bob-next" origin HEAD:main
check "the next slot taker killed the child ($child)" gone_within 5 "$child"
expect_contains "and said so in its job log" "that a worker which died had left running" \
	"$(job_log bob--next)"
expect_contains "a good build meets the missing engine after the build" \
	"Docker engine unreachable at $SANDBOX/no-engine.sock" "$out"
expect_eq "which is a BUILD_ERROR" BUILD_ERROR "$(stage_of bob--next)"
expect_eq "slot records cleared after the build" "" "$(cat "$STATE"/slots/[0-9]*.lock)"

# --- A record is trusted only with the group leader's start time.
# sleeper SECONDS: `sleep SECONDS` leading a session of its own; its pid in $MARKS.
sleeper() {
	python3 -c 'import os, sys
os.setsid()
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
os.execvp("sleep", ["sleep", sys.argv[1]])' "$1" "$MARKS/sleeper-$1" &
}
sleeper 3602
sleeper 3603
check "the sleepers started" wait_file 5 "$MARKS/sleeper-3602"
check "the sleepers started" wait_file 5 "$MARKS/sleeper-3603"
stranger=$(cat "$MARKS/sleeper-3602")
ours=$(cat "$MARKS/sleeper-3603")
start=$(sed 's/.*) //' "/proc/$ours/stat" | cut -d' ' -f20)
printf '%s %s\n' "$stranger" "$((start + 1))" >"$STATE/slots/0.lock"
printf '%s %s\n' "$ours" "$start" >"$STATE/slots/1.lock"
echo 2 >"$SANDBOX/work/bob-next/v.txt"
commit_all "$SANDBOX/work/bob-next"
push "$SANDBOX/work/bob-next" origin HEAD:main
check "a group with the recorded start time is killed" gone_within 5 "$ours"
check "a group with another start time (a reused pid) is left alone" alive "$stranger"
kill "$stranger"

# --- maxBuildsPerOwner: alice's two Spaces build one after the other, bob's beside.
git config --global spacehook.maxConcurrentBuilds 2
git config --global spacehook.maxBuildsPerOwner 1
echo timed >"$SANDBOX/mode"
: >"$SANDBOX/intervals"
new_space alice f1
new_space alice f2
new_space bob f3
for s in alice-f1 alice-f2 bob-f3; do
	push "$SANDBOX/work/$s" -o spacehook.wait=no origin HEAD:main
	expect_eq "$s queued" 0 "$rc"
done
for s in alice--f1 alice--f2 bob--f3; do
	check "$s ended" wait_status "$s" 60
done
cat "$SANDBOX/intervals"
intervals=$(python3 - "$SANDBOX/intervals" <<'EOF'
import sys
spans = {}
for line in open(sys.argv[1]):
    what, slug, t = line.split()
    spans.setdefault(slug, {})[what] = float(t)
a = sorted((s["start"], s["end"]) for k, s in spans.items() if k.startswith("alice--"))
b = spans["bob--f3"]
print("alice-overlap" if a[0][1] > a[1][0] else "alice-apart")
print("bob-beside" if b["start"] < a[0][1] else "bob-waited")
EOF
)
expect_contains "alice never runs two builds at once" alice-apart "$intervals"
expect_contains "bob's build ran beside alice's first" bob-beside "$intervals"
waits=$(cat "$STATE"/spaces/alice--f1/logs/*.log "$STATE"/spaces/alice--f2/logs/*.log)
expect_contains "alice's second build says why it waits" \
	"spacehook: waiting for a build slot: alice already runs 1 build (spacehook.maxBuildsPerOwner)" "$waits"
expect_not_contains "bob's build did not wait" "waiting for a build slot" "$(job_log bob--f3)"

# The server's limit says its own name.
git config --global spacehook.maxConcurrentBuilds 1
git config --global spacehook.maxBuildsPerOwner 2
: >"$SANDBOX/intervals"
new_space carol g1
new_space bob g2
for s in carol-g1 bob-g2; do
	push "$SANDBOX/work/$s" -o spacehook.wait=no origin HEAD:main
done
for s in carol--g1 bob--g2; do
	check "$s ended" wait_status "$s" 60
done
waits=$(cat "$STATE"/spaces/carol--g1/logs/*.log "$STATE"/spaces/bob--g2/logs/*.log)
expect_contains "a wait for the server's slots names maxConcurrentBuilds" \
	"spacehook: waiting for a build slot (1 builds run at once: spacehook.maxConcurrentBuilds)" "$waits"
expect_not_contains "and not the owner's limit" "maxBuildsPerOwner" "$waits"
ls "$STATE/slots" >"$SANDBOX/slots"
expect_contains "per-owner slot files" "owner-alice.0.lock" "$(cat "$SANDBOX/slots")"

finish
