#!/usr/bin/env bash
# Twenty pushes to one Space from different clones, force pushes among them,
# end with one container serving the newest accepted commit, a valid state and
# nothing orphaned; builds of different Spaces share spacehook.maxConcurrentBuilds.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

new_space c
id=$(space_id c)
bare="$REPOS/e2e-concurrency/c.git"
set_app c 'mkdir -p /tmp/w; cp /home/user/app/version.txt /tmp/w/; trap "exit 0" TERM; httpd -f -p 7860 -h /tmp/w & wait'
# Every build lasts a few seconds however fast the machine, so that pushes
# arrive while one runs: their folding is what this test is about.
echo 'RUN sleep 3' >>"$SANDBOX/work/c/Dockerfile"
echo "$$-$RANDOM" >"$SANDBOX/work/c/nonce.txt"
echo 0 >"$SANDBOX/work/c/version.txt"
push c
expect_eq "baseline" 0 "$(http "$(state c url)/version.txt")"

# Twenty clones, each with its own commit; every third one force-pushes a
# history of its own (a new root commit), the rest push on top of main.
for i in $(seq 1 20); do
	git clone -q "$bare" "$SANDBOX/clone$i"
	if [ $((i % 3)) -eq 0 ]; then
		git -C "$SANDBOX/clone$i" checkout -q --orphan rewrite
	fi
	echo "$i" >"$SANDBOX/clone$i/version.txt"
	git -C "$SANDBOX/clone$i" add -A
	git -C "$SANDBOX/clone$i" commit -q -m "version $i"
done
# push_until_accepted I: push as a user would, again after a rejection (a ref
# moved under us: git refuses the update), up to 20 tries.
push_until_accepted() {
	local i=$1 try opts=(-o spacehook.wait=no)
	[ $((i % 4)) -eq 0 ] && opts=()
	for try in $(seq 1 20); do
		if [ $((i % 3)) -eq 0 ]; then
			git -C "$SANDBOX/clone$i" fetch -q origin
			git -C "$SANDBOX/clone$i" push -q --force "${opts[@]}" origin HEAD:main && return 0
		else
			# Redo the change on top of what the server has now.
			git -C "$SANDBOX/clone$i" fetch -q origin
			git -C "$SANDBOX/clone$i" reset -q --hard origin/main
			echo "$i" >"$SANDBOX/clone$i/version.txt"
			git -C "$SANDBOX/clone$i" commit -q -am "version $i (try $try)"
			git -C "$SANDBOX/clone$i" push -q "${opts[@]}" origin HEAD:main && return 0
		fi
		sleep "0.$((RANDOM % 5))"
	done
	return 1
}
pids=()
for i in $(seq 1 20); do
	push_until_accepted "$i" >"$SANDBOX/push$i.log" 2>&1 &
	pids+=($!)
done
accepted=0
for p in "${pids[@]}"; do
	if wait "$p"; then accepted=$((accepted + 1)); fi
done
check "most pushes were accepted ($accepted of 20)" test "$accepted" -ge 15

# Wait until the Space is idle: no queue, no worker.
dir=$(dirname "$(grep -lx "$id" "$STATE"/spaces/*/space)")
for _ in $(seq 1 240); do
	[ ! -e "$dir/queue" ] && [ ! -e "$dir/worker.pid" ] && break
	sleep 0.5
done
check "the queue drained" test ! -e "$dir/queue"
check "no worker left" test ! -e "$dir/worker.pid"
head=$(git -C "$bare" rev-parse main)
want=$(git -C "$bare" show main:version.txt)
expect_eq "the newest accepted commit is recorded" "$head" "$(state c commit)"
expect_eq "and serves" "$want" "$(http "$(state c url)/version.txt")"
expect_eq "stage RUNNING" RUNNING "$(state c stage)"
check "state file whole" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dir/state.json"
expect_eq "exactly one container" 1 "$("$DOCKER" ps -aq --filter "label=spacehook.space=$id" | wc -l)"
images=$("$DOCKER" images -q --filter "label=spacehook.space=$id" | sort -u | wc -l)
check "current and previous image only ($images)" test "$images" -le 2
builds=$(grep -h "Build queued" "$dir"/logs/*.log | wc -l)
echo "pushes accepted: $accepted, builds run: $builds"
check "no more builds than accepted pushes ($builds for $accepted)" test "$builds" -le $((accepted + 1))
check "pushes that came during a build were folded (newest wins)" test "$builds" -lt "$accepted"

# Three Spaces with slow builds, two build slots: one waits, all end RUNNING.
# (They share one owner: its limit is raised to the server's.)
git config --global spacehook.maxConcurrentBuilds 2
git config --global spacehook.maxBuildsPerOwner 2
for n in s1 s2 s3; do
	new_space "$n"
	cat >"$SANDBOX/work/$n/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
COPY nonce.txt /nonce.txt
RUN sleep 3
CMD ["httpd", "-f", "-p", "7860", "-h", "/"]
EOF2
	echo "$n-$$-$RANDOM-$(date +%s%N)" >"$SANDBOX/work/$n/nonce.txt"
	git -C "$SANDBOX/work/$n" add -A
	git -C "$SANDBOX/work/$n" commit -q -m slow
done
for n in s1 s2 s3; do
	git -C "$SANDBOX/work/$n" push -q origin HEAD:main >"$SANDBOX/$n.log" 2>&1 &
	pids+=($!)
done
wait
waited=$(cat "$SANDBOX"/s?.log | grep -c "waiting for a build slot" || true)
expect_eq "one build waited for a slot" 1 "$waited"
for n in s1 s2 s3; do
	expect_eq "$n RUNNING" RUNNING "$(state "$n" stage)"
done

finish
