#!/usr/bin/env bash
# The audit log end to end: each change an admin command makes (secrets,
# variables, sleep time, restart, rebuild, stop, start, cancel) and a push with
# -o spacehook.factory is recorded with the user it was made for
# (SPACEHOOK_USER, else admin:<login>); `spacehook audit [SPACE] [--json]`
# shows it; no value ever reaches the log; a log that cannot be written is said
# and the command exits 1, the change made.
. "$(dirname "$0")/../lib/testlib.sh"

SH="$SP_BIN/spacehook"
STATE="$SANDBOX/state"
REPOS="$SANDBOX/repos"
LOG="$STATE/audit.log"
SECRET="s3cr3t-Audit-$$-zq"
mkdir -p "$REPOS/alice" "$SANDBOX/bin"
ln -s "$SH" "$SANDBOX/bin/spacehook"
export PATH="$SANDBOX/bin:$PATH"
git config --global spacehook.stateDir "$STATE"
git config --global spacehook.reposRoot "$REPOS"
# No engine answers here: every job ends BUILD_ERROR, fast.
git config --global spacehook.dockerHost "unix://$SANDBOX/no-engine.sock"
git config --global user.name "A U Thor"
git config --global user.email "author@example.com"
unset SPACEHOOK_USER
ADMIN="admin:$(id -un)"

# run [STDIN-FILE] -- ARGS...: $out (stdout), $err, $rc.
run() {
	local input=/dev/null
	if [ "$1" != "--" ]; then
		input=$1
		shift
	fi
	shift
	rc=0
	"$@" <"$input" >"$SANDBOX/out" 2>"$SANDBOX/err" || rc=$?
	out=$(cat "$SANDBOX/out")
	err=$(cat "$SANDBOX/err")
}

# wait_idle: until the Space's worker has left (no worker.pid).
wait_idle() {
	for _ in $(seq 1 100); do
		[ -z "$(ls "$STATE"/spaces/*/worker.pid 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

# last_record: the newest line of the log as "user|space|action|name".
last_record() {
	python3 -c '
import json, sys
with open(sys.argv[1]) as f:
    r = json.loads(f.read().splitlines()[-1])
print("%s|%s|%s|%s" % (r["user"], r["space"], r["action"], r["name"]))
' "$LOG"
}

# --- No log yet: the header only, or [].
run -- "$SH" audit
expect_eq "no log: exit 0" 0 "$rc"
expect_eq "no log: the header only" "TIME  USER  SPACE  ACTION  NAME" "$out"
run -- "$SH" audit --json
expect_eq "no log: --json is []" "0:[]" "$rc:$out"
run -- "$SH" audit alice/demo --json
expect_eq "no log, one Space: []" "0:[]" "$rc:$out"
check "reading makes no state directory" test ! -e "$STATE"

# --- Secrets and variables, for alice and for the admin.
printf '%s\n' "$SECRET" >"$SANDBOX/value"
SPACEHOOK_USER=alice run "$SANDBOX/value" -- "$SH" secrets set alice/demo HF_TOKEN
expect_eq "secrets set exits 0" 0 "$rc"
expect_contains "secrets set says what it did" "set secret HF_TOKEN of alice/demo" "$out"
expect_eq "secrets set recorded for alice" "alice|alice/demo|secrets set|HF_TOKEN" "$(last_record)"
expect_eq "audit.log is 0600" 600 "$(stat -c %a "$LOG")"
run "$SANDBOX/value" -- "$SH" secrets set --no-restart alice/demo OTHER_TOKEN
expect_eq "admin secrets set recorded" "$ADMIN|alice/demo|secrets set|OTHER_TOKEN" "$(last_record)"
SPACEHOOK_USER=alice run -- "$SH" secrets unset --no-restart alice/demo OTHER_TOKEN
expect_eq "secrets unset recorded" "alice|alice/demo|secrets unset|OTHER_TOKEN" "$(last_record)"
SPACEHOOK_USER=bob run -- "$SH" variables set --no-restart alice/demo MODEL_ID "$SECRET-var"
expect_eq "variables set exits 0" 0 "$rc"
expect_eq "variables set recorded for bob" "bob|alice/demo|variables set|MODEL_ID" "$(last_record)"
run -- "$SH" variables unset alice/demo MODEL_ID
expect_eq "variables unset recorded" "$ADMIN|alice/demo|variables unset|MODEL_ID" "$(last_record)"
# A malformed SPACEHOOK_USER is not believed: the admin is recorded.
SPACEHOOK_USER='-x;rm' run -- "$SH" variables set --no-restart alice/demo V 1
expect_eq "a bad SPACEHOOK_USER falls back to the admin" "$ADMIN|alice/demo|variables set|V" "$(last_record)"

# Failures change nothing and record nothing.
lines=$(wc -l <"$LOG")
SPACEHOOK_USER=alice run -- "$SH" secrets unset alice/demo NEVER_SET
expect_eq "unset of a name not set exits 1" 1 "$rc"
run -- "$SH" secrets set alice/demo EMPTY
expect_eq "an empty value exits 1" 1 "$rc"
run -- "$SH" secrets list alice/demo
expect_eq "a list is no change" 0 "$rc"
expect_eq "failures and reads add no record" "$lines" "$(wc -l <"$LOG")"

# --- A Space with a repository, an engine that does not answer.
bare="$REPOS/alice/demo.git"
git init -q --bare "$bare"
run -- "$SH" install "$bare"
expect_eq "spacehook install" 0 "$rc"
write_space "$SANDBOX/work"
git -C "$SANDBOX/work" init -q
git -C "$SANDBOX/work" remote add origin "$bare"
git -C "$SANDBOX/work" add -A
git -C "$SANDBOX/work" commit -q -m one
run -- git -C "$SANDBOX/work" push -o spacehook.wait=no origin main
expect_eq "a plain push is accepted" 0 "$rc"
check "a plain push is the Space's history, not the audit log" \
	bash -c '! grep -q push "$1"' _ "$LOG"
wait_idle

# Sleep time: the value as given.
SPACEHOOK_USER=alice run -- "$SH" sleep-time alice/demo 1h
expect_eq "sleep-time set" "0:3600" "$rc:$out"
expect_eq "sleep-time recorded as given" "alice|alice/demo|sleep-time|1h" "$(last_record)"
run -- "$SH" sleep-time alice/demo never
expect_eq "sleep-time never recorded" "$ADMIN|alice/demo|sleep-time|never" "$(last_record)"
lines=$(wc -l <"$LOG")
run -- "$SH" sleep-time alice/demo
expect_eq "showing the sleep time is no change" "$lines" "$(wc -l <"$LOG")"

# Jobs: recorded once queued, whatever the job's outcome (BUILD_ERROR here).
SPACEHOOK_USER=alice run -- "$SH" rebuild alice/demo
expect_eq "rebuild without an engine exits 1, as before" 1 "$rc"
expect_eq "rebuild recorded" "alice|alice/demo|rebuild|None" "$(last_record)"
wait_idle
SPACEHOOK_USER=alice run -- "$SH" restart alice/demo
expect_eq "restart recorded" "alice|alice/demo|restart|None" "$(last_record)"
wait_idle
SPACEHOOK_USER=alice run -- "$SH" restart alice/demo --factory
expect_contains "restart --factory builds" "===== Build queued at" "$out"
expect_eq "restart --factory recorded" "alice|alice/demo|restart --factory|None" "$(last_record)"
wait_idle
lines=$(wc -l <"$LOG")
SPACEHOOK_USER=alice run -- "$SH" cancel alice/demo
expect_eq "cancel with nothing under way" "0:alice/demo: nothing to cancel" "$rc:$out"
expect_eq "nothing canceled: no record" "$lines" "$(wc -l <"$LOG")"
SPACEHOOK_USER=alice run -- "$SH" stop alice/demo
expect_eq "stop" "0:alice/demo is PAUSED; 'spacehook start alice/demo' runs it again" "$rc:$out"
expect_eq "stop recorded" "alice|alice/demo|stop|None" "$(last_record)"
run -- "$SH" start alice/demo
expect_eq "start recorded" "$ADMIN|alice/demo|start|None" "$(last_record)"
wait_idle

# A cancel that stops something: a job queued while no worker runs it (the
# worker is left out of this push).
git -C "$SANDBOX/work" commit -q --allow-empty -m queued
SPACEHOOK_PROGRAM=/bin/true run -- git -C "$SANDBOX/work" push -o spacehook.wait=no origin main
SPACEHOOK_USER=alice run -- "$SH" cancel alice/demo
expect_eq "cancel drops the queued job" "0:alice/demo: canceled (1 job)" "$rc:$out"
expect_eq "cancel recorded" "alice|alice/demo|cancel|None" "$(last_record)"

# A push with -o spacehook.factory queues a build without the cache (the
# worker is left out here, so the queued job shows its flags) and is recorded
# for the pusher.
git -C "$SANDBOX/work" commit -q --allow-empty -m factory
SPACEHOOK_USER=alice SPACEHOOK_PROGRAM=/bin/true run -- \
	git -C "$SANDBOX/work" push -o spacehook.factory -o spacehook.wait=no origin main
expect_eq "a factory push is accepted" 0 "$rc"
expect_contains "a factory push says so" "remote: spacehook: alice/demo: factory build of" "$err"
expect_eq "the queued job builds without the cache (SP_JOB_NO_CACHE)" 1 \
	"$(cut -d' ' -f3 "$STATE/spaces/alice--demo/queue")"
expect_eq "push --factory recorded for the pusher" "alice|alice/demo|push --factory|None" "$(last_record)"
git -C "$SANDBOX/work" commit -q --allow-empty -m plain
SPACEHOOK_PROGRAM=/bin/true run -- git -C "$SANDBOX/work" push -o spacehook.wait=no origin main
expect_eq "a plain push queues a cached build" 0 "$(cut -d' ' -f3 "$STATE/spaces/alice--demo/queue")"
expect_eq "and adds no record" "alice|alice/demo|push --factory|None" "$(last_record)"
git -C "$SANDBOX/work" commit -q --allow-empty -m typo
SPACEHOOK_PROGRAM=/bin/true run -- git -C "$SANDBOX/work" push -o spacehook.factroy -o spacehook.wait=no origin main
expect_eq "a misspelt option does not stop the push" 0 "$rc"
expect_contains "a misspelt option is said" \
	"spacehook: warning: push option 'spacehook.factroy' ignored (spacehook takes spacehook.wait=no and spacehook.factory)" "$err"
expect_eq "a misspelt option builds with the cache" 0 "$(cut -d' ' -f3 "$STATE/spaces/alice--demo/queue")"
run -- "$SH" cancel alice/demo
wait_idle

# A second Space, for the filter.
SPACEHOOK_USER=bob run -- "$SH" variables set --no-restart bob/app MODE fast
expect_eq "bob/app recorded" "bob|bob/app|variables set|MODE" "$(last_record)"

# --- spacehook audit: the table, aligned, "-" for no name.
run -- "$SH" audit
expect_eq "audit exits 0" 0 "$rc"
check "audit header" grep -qE '^TIME +USER +SPACE +ACTION +NAME$' <<<"$out"
check "a secret's row" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  alice +alice/demo  secrets set +HF_TOKEN$' <<<"$out"
check "a row without a name shows -" grep -qE '  alice +alice/demo  restart --factory +-$' <<<"$out"
check "bob/app is listed" grep -qE '  bob +bob/app +variables set +MODE$' <<<"$out"
expect_eq "every column starts at the same place" 1 \
	"$(awk '{ print index($0, "alice/demo") + index($0, "bob/app") + index($0, "SPACE") }' <<<"$out" | sort -u | wc -l)"
records=$(($(wc -l <<<"$out") - 1))
expect_eq "one row a record" "$(wc -l <"$LOG")" "$records"

run -- "$SH" audit bob/app
expect_eq "audit of one Space" 2 "$(wc -l <<<"$out")"
run -- "$SH" audit alice/demo --json
expect_eq "audit SPACE --json exits 0" 0 "$rc"
summary=$(python3 -c '
import json, sys
rows = json.loads(sys.argv[1])
assert all(r["space"] == "alice/demo" for r in rows)
assert all(set(r) == {"time", "user", "space", "action", "name"} for r in rows)
print(" ".join(sorted(set("%s:%s" % (r["action"].replace(" ", "_"), r["user"]) for r in rows))))
' "$out")
for want in secrets_set:alice secrets_unset:alice variables_set:bob "variables_unset:$ADMIN" \
	sleep-time:alice rebuild:alice restart:alice restart_--factory:alice stop:alice \
	"start:$ADMIN" cancel:alice push_--factory:alice; do
	expect_contains "--json has $want" "$want" "$summary"
done
run -- "$SH" audit --json alice/demo.git
expect_eq "a .git suffix names the same Space" "$records" \
	"$(($(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$out") + 1))"

# Usage errors.
for args in "bad" "a/b c/d" "--bogus" "../x"; do
	# shellcheck disable=SC2086
	run -- "$SH" audit $args
	expect_eq "audit $args: usage error" 2 "$rc"
done
run -- "$SH" audit --help
expect_contains "audit --help" "usage: spacehook audit [SPACE] [--json]" "$out"

# The values never: not in the log, not in what audit prints.
check "no secret or variable value in audit.log" bash -c '! grep -qF -- "$1" "$2"' _ "$SECRET" "$LOG"
run -- "$SH" audit --json
expect_not_contains "no value in audit --json" "$SECRET" "$out"

# A malformed line is left out and said, the rest shown.
printf 'not a record\n' >>"$LOG"
run -- "$SH" audit bob/app
expect_eq "a malformed line: exit 0" 0 "$rc"
expect_eq "a malformed line: the rest shown" 2 "$(wc -l <<<"$out")"
expect_contains "a malformed line is said" "warning: 1 malformed line of '$STATE/audit.log' left out" "$err"

# --- A log that cannot be written: the change is made, said, exit 1.
mv "$LOG" "$SANDBOX/audit.log.kept"
ln -s "$SANDBOX/audit.log.kept" "$LOG"
run -- "$SH" variables set --no-restart alice/demo AFTER 1
expect_eq "change made, log refused: exit 1" 1 "$rc"
expect_contains "the change is still reported" "set variable AFTER of alice/demo" "$out"
expect_contains "the failure is said" \
	"spacehook: alice/demo: changed, but the audit log could not be written: '$LOG' is a symbolic link" "$err"
run -- "$SH" variables list alice/demo
expect_contains "the change was made" "AFTER=1" "$out"
run -- "$SH" sleep-time alice/demo default
expect_eq "sleep-time: change made, log refused" 1 "$rc"
run -- "$SH" stop alice/demo
expect_eq "stop: change made, log refused" 1 "$rc"
expect_contains "stop still says PAUSED" "alice/demo is PAUSED" "$out"
run -- "$SH" audit
expect_eq "audit of a symbolic link: exit 1" 1 "$rc"
expect_contains "audit names it" "is a symbolic link" "$err"
check "the link's target is untouched" bash -c '! grep -q AFTER "$1"' _ "$SANDBOX/audit.log.kept"

finish
