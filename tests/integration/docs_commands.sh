#!/usr/bin/env bash
# The commands the documentation shows that work without a Docker engine, run
# as written, with what the docs say they print: every subcommand's --help,
# the admin commands on a Space whose engine is unreachable, the user guide's
# git hooks, the admin guide's secrets examples and its backup and restore.
. "$(dirname "$0")/../lib/testlib.sh"

SH="$SP_BIN/spacehook"
STATE="$SANDBOX/state"
REPOS="$SANDBOX/repos"
mkdir -p "$REPOS/alice" "$SANDBOX/bin"
ln -s "$SH" "$SANDBOX/bin/spacehook"
export PATH="$SANDBOX/bin:$PATH"
git config --global spacehook.stateDir "$STATE"
git config --global spacehook.reposRoot "$REPOS"
# No engine answers here: every job ends BUILD_ERROR, fast.
git config --global spacehook.dockerHost "unix://$SANDBOX/no-engine.sock"
git config --global user.name "A U Thor"
git config --global user.email "author@example.com"

# run ARGS...: output in $OUT (stdout and stderr), $STDOUT, status in $RC.
run() {
	set +e
	STDOUT=$("$@" 2>"$SANDBOX/stderr")
	RC=$?
	set -e
	OUT="$STDOUT$(cat "$SANDBOX/stderr")"
}

# wait_idle: until the Space's worker has left (no worker.pid).
wait_idle() {
	for _ in $(seq 1 100); do
		[ -z "$(ls "$STATE"/spaces/*/worker.pid 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- spacehook --help lists every command the man page documents, and each --help works.
run "$SH" --help
expect_eq "spacehook --help exits 0" 0 "$RC"
commands="validate context secrets variables status logs restart rebuild stop start cancel gc sleep-time collaborators audit rebind forget install serve doctor shell worker"
man_src=$(sed 's/\\-/-/g' "$SP_SOURCE/docs/spacehook.1") # roff writes a - as \-
for c in $commands; do
	expect_contains "--help lists $c" "  $c " "$OUT"
	expect_contains "spacehook(1) documents $c" "spacehook $c" "$man_src"
done
listed=$(printf '%s\n' "$OUT" | sed -n 's/^  \([a-z-]*\) .*/\1/p' | tr '\n' ' ')
expect_eq "--help lists exactly the documented commands" "$commands " "$listed"
for c in $commands; do
	run "$SH" "$c" --help
	expect_eq "spacehook $c --help exits 0" 0 "$RC"
	expect_contains "spacehook $c --help shows its usage" "usage: spacehook $c" "$OUT"
done
run "$SH" --version
expect_eq "--version" "spacehook 0.1.0" "$OUT"
run "$SH" frobnicate
expect_eq "an unknown command exits 2" 2 "$RC"
if command -v man >/dev/null; then
	run man -l "$SP_SOURCE/docs/spacehook.1"
	expect_eq "man -l docs/spacehook.1 renders" 0 "$RC"
	expect_contains "the man page has its sections" "EXIT STATUS" "$OUT"
fi

# --- The admin guide's secrets and variables examples, as written.
printf 'hf_token_value\n' >"$SANDBOX/TOKEN"
TOKEN=$(cat "$SANDBOX/TOKEN")
printf -- '-----BEGIN KEY-----\nabc\n-----END KEY-----\n' >"$SANDBOX/id_ed25519"
run bash -c 'printf "%s\n" "$1" | spacehook secrets set alice/demo HF_TOKEN' _ "$TOKEN"
expect_eq "secrets set from a pipe" 0 "$RC"
expect_contains "secrets set says so" "set secret HF_TOKEN of alice/demo" "$OUT"
expect_contains "a Space not running is not restarted" \
	"alice/demo is not running: the change applies at its next start" "$OUT"
run bash -c 'spacehook secrets set alice/demo SSH_KEY < "$1"' _ "$SANDBOX/id_ed25519"
expect_eq "secrets set from a file" 0 "$RC"
run spacehook variables set alice/demo MODEL_ID gpt2
expect_eq "variables set" 0 "$RC"
run spacehook variables list alice/demo
expect_eq "variables list" "MODEL_ID=gpt2" "$OUT"
run spacehook secrets list alice/demo
expect_eq "secrets list: names only" "HF_TOKEN
SSH_KEY" "$OUT"
run spacehook variables set --no-restart alice/demo STAGING yes
run spacehook variables unset --no-restart alice/demo STAGING
expect_eq "variables unset" "unset variable STAGING of alice/demo" "$OUT"
run spacehook secrets list bob/never
expect_eq "list of an unknown Space prints nothing" "0:" "$RC:$OUT"
check "and makes no state directory for it" test ! -e "$STATE/spaces/bob--never"

# --- A push to a Space whose engine is unreachable: what the pusher sees.
bare="$REPOS/alice/demo.git"
git init -q --bare "$bare"
run spacehook install "$bare"
expect_eq "spacehook install REPO.git" 0 "$RC"
run spacehook install "$bare"
expect_eq "a second install says so" "$bare: already installed" "$OUT"
write_space "$SANDBOX/work"
git -C "$SANDBOX/work" init -q
git -C "$SANDBOX/work" remote add origin "$bare"
git -C "$SANDBOX/work" add -A
git -C "$SANDBOX/work" commit -q -m one
run git -C "$SANDBOX/work" push origin main
expect_eq "the push is accepted without an engine" 0 "$RC"
expect_contains "ok line" "remote: spacehook: README.md ok (sdk: docker, app_port: 7860)" "$OUT"
sha=$(git -C "$SANDBOX/work" rev-parse --short=7 HEAD)
expect_contains "build header" "/ Commit SHA: $sha =====" "$OUT"
check "build header format" grep -qE 'remote: ===== Build queued at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} / Commit SHA' <<<"$OUT"
expect_contains "engine unreachable" "spacehook: error: Docker engine unreachable at $SANDBOX/no-engine.sock" "$OUT"
expect_contains "final line" "spacehook: alice/demo is BUILD_ERROR" "$OUT"
wait_idle

# status, as a table and as JSON; the engine not answering is said.
run spacehook status
expect_eq "spacehook status exits 0" 0 "$RC"
expect_contains "status header" "SPACE                        STAGE" "$STDOUT"
check "status row" grep -qE '^alice/demo +BUILD_ERROR +- ' <<<"$STDOUT"
expect_contains "status shows the error" "└ Docker engine unreachable" "$STDOUT"
expect_contains "status says the stages are as recorded" "stages are shown as last recorded" "$OUT"
run spacehook status alice/demo --json
expect_eq "status --json stage" BUILD_ERROR \
	"$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["stage"])' "$STDOUT")"

# logs: --build, --build --follow of an ended job, and the run log without a container.
run spacehook logs alice/demo --build
expect_eq "logs --build exits 0" 0 "$RC"
expect_contains "logs --build shows the job" "Commit SHA: $sha" "$OUT"
expect_contains "logs --build shows the failure" "Docker engine unreachable" "$OUT"
run timeout 20 spacehook logs alice/demo --build --follow
expect_eq "logs --build --follow of an ended job returns" 0 "$RC"
expect_contains "logs --build --follow shows the job" "is BUILD_ERROR" "$OUT"
run spacehook logs alice/demo
expect_eq "logs without a container exits 1" 1 "$RC"
expect_contains "logs names --build" "alice/demo has no container (stage BUILD_ERROR); see 'spacehook logs alice/demo --build'" "$OUT"

# git push -o spacehook.wait=no returns once queued.
git -C "$SANDBOX/work" commit -q --allow-empty -m two
run git -C "$SANDBOX/work" push -o spacehook.wait=no origin main
sha=$(git -C "$SANDBOX/work" rev-parse --short=7 HEAD)
expect_eq "wait=no push" 0 "$RC"
expect_contains "wait=no says it queued" "spacehook: alice/demo: build of $sha queued; see 'spacehook status alice/demo'" "$OUT"
expect_not_contains "wait=no shows no build" "=====" "$OUT"
check "the queued job ran" wait_idle
git -C "$SANDBOX/work" commit -q --allow-empty -m three
run git -C "$SANDBOX/work" push -o spacehook.wait=false origin main
expect_contains "wait=false too" "queued; see 'spacehook status alice/demo'" "$OUT"
wait_idle

# The admin guide's fix for "does not support push options".
git init -q --bare "$REPOS/alice/plain.git"
git -C "$SANDBOX/work" commit -q --allow-empty -m four
run git -C "$SANDBOX/work" push -o spacehook.wait=no "$REPOS/alice/plain.git" HEAD:main
expect_contains "without advertisePushOptions" "the receiving end does not support push options" "$OUT"
git config --file "$REPOS/alice/plain.git/config" receive.advertisePushOptions true
run git -C "$SANDBOX/work" push -o spacehook.wait=no "$REPOS/alice/plain.git" HEAD:main
expect_eq "with it set by git config --file" 0 "$RC"

# rebuild, restart, restart --factory, start: the job's log, exit 1 when not RUNNING.
run spacehook rebuild alice/demo
expect_eq "rebuild without an engine exits 1" 1 "$RC"
expect_contains "rebuild shows the job" "===== Build queued at" "$OUT"
expect_contains "rebuild names the outcome" "alice/demo ended BUILD_ERROR (see 'spacehook status alice/demo')" "$OUT"
run spacehook restart alice/demo
expect_eq "restart without an engine exits 1" 1 "$RC"
expect_contains "restart shows a restart job" "===== Restart queued at" "$OUT"
run spacehook restart alice/demo --factory
expect_eq "restart --factory without an engine exits 1" 1 "$RC"
expect_contains "restart --factory builds" "===== Build queued at" "$OUT"
run spacehook cancel alice/demo
expect_eq "cancel with nothing under way" "0:alice/demo: nothing to cancel" "$RC:$OUT"
run spacehook stop alice/demo
expect_eq "stop" "0:alice/demo is PAUSED; 'spacehook start alice/demo' runs it again" "$RC:$OUT"
git -C "$SANDBOX/work" commit -q --allow-empty -m five
run git -C "$SANDBOX/work" push origin main
expect_contains "a push while paused is kept" \
	"spacehook: alice/demo is paused: the push is kept, nothing is built; 'spacehook start alice/demo' builds and runs the newest commit" "$OUT"
expect_eq "status PAUSED" PAUSED "$(spacehook status alice/demo --json 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stage"])')"
run spacehook start alice/demo
expect_eq "start without an engine exits 1" 1 "$RC"
expect_contains "start builds the newest commit" "Commit SHA: $(git -C "$SANDBOX/work" rev-parse --short=7 HEAD)" "$OUT"
run spacehook gc
expect_eq "gc without an engine exits 1" 1 "$RC"
expect_contains "gc says why" "Docker engine unreachable" "$OUT"
for c in "logs" "restart" "rebuild" "stop" "start" "cancel" "status a b" "gc x" "logs alice/demo --tail x"; do
	# shellcheck disable=SC2086
	run spacehook $c
	expect_eq "usage error: spacehook $c exits 2" 2 "$RC"
done
run spacehook stop bob/never
expect_eq "stop of an unknown Space" "1:spacehook: no Space 'bob/never' here (see 'spacehook status')" "$RC:$OUT"

# Deleting the deploy branch is refused, naming spacehook stop.
run git -C "$SANDBOX/work" push origin :main
expect_eq "deleting main is refused" 1 "$RC"
expect_contains "refusal" "spacehook: refusing to delete 'refs/heads/main': the Space is deployed from this branch" "$OUT"
expect_contains "names the command" "the server administrator runs: spacehook stop alice/demo" "$OUT"

# spacehook.deployBranch in one repository's config (admin guide).
git -C "$bare" config spacehook.deployBranch prod
printf -- '---\nsdk: gradio\n---\n' >"$SANDBOX/work/README.md"
git -C "$SANDBOX/work" commit -q -am "not a docker Space"
run git -C "$SANDBOX/work" push origin HEAD:main
expect_eq "main is no longer checked" 0 "$RC"
run git -C "$SANDBOX/work" push origin HEAD:prod
expect_eq "prod is checked" 1 "$RC"
expect_contains "prod refused" "Sorry, your push was rejected during YAML metadata verification:" "$OUT"
git -C "$bare" config --unset spacehook.deployBranch
git -C "$SANDBOX/work" reset -q --hard HEAD~1
git -C "$SANDBOX/work" push -q -f origin HEAD:main 2>/dev/null
wait_idle

# --- spacehook context, as its --help shows it.
run bash -c 'spacehook context "$1" main | tar -t' _ "$bare"
expect_eq "context | tar -t" "0:Dockerfile
README.md" "$RC:$STDOUT"

# --- The user guide's pre-push hook: a push of main is checked before it leaves.
cat >"$SANDBOX/work/.git/hooks/pre-push" <<'EOF'
#!/bin/sh
# Refuse a push of main whose Space the server would refuse.
zero=0000000000000000000000000000000000000000
while read -r local_ref local_sha remote_ref remote_sha; do
	[ "$remote_ref" = refs/heads/main ] && [ "$local_sha" != "$zero" ] || continue
	spacehook validate --rev "$local_sha" || exit 1
done
EOF
chmod +x "$SANDBOX/work/.git/hooks/pre-push"
sed -i 's/^colorTo: .*/colorTo: orange/' "$SANDBOX/work/README.md"
git -C "$SANDBOX/work" commit -q -am "a bad color"
before=$(git -C "$bare" rev-parse main)
run git -C "$SANDBOX/work" push origin HEAD:main
expect_eq "pre-push stops a bad main" 1 "$RC"
expect_contains "pre-push says why" 'README.md:5:10: error: "colorTo" must be one of' "$OUT"
expect_contains "pre-push counts" "spacehook: README.md: 1 error, 0 warnings; a push of this would be rejected" "$OUT"
expect_eq "nothing reached the server" "$before" "$(git -C "$bare" rev-parse main)"
run git -C "$SANDBOX/work" push origin HEAD:refs/heads/wip
expect_eq "pre-push lets other branches through" 0 "$RC"
wait_idle

# The pre-commit hook is skipped by git commit --no-verify.
cat >"$SANDBOX/work/.git/hooks/pre-commit" <<'EOF'
#!/bin/sh
# Refuse a commit whose Space the server would refuse.
tree=$(git write-tree) || exit 1
commit=$(git commit-tree "$tree" -m "spacehook validate") || exit 1
exec spacehook validate --rev "$commit"
EOF
chmod +x "$SANDBOX/work/.git/hooks/pre-commit"
echo "more" >>"$SANDBOX/work/README.md"
git -C "$SANDBOX/work" add README.md
run git -C "$SANDBOX/work" commit -q -m "still bad"
expect_eq "pre-commit refuses" 1 "$RC"
run git -C "$SANDBOX/work" commit -q --no-verify -m "still bad"
expect_eq "--no-verify commits anyway" 0 "$RC"

# --- spacehook validate as the user guide lists it.
cd "$SANDBOX"
mkdir -p path/to notes
write_space path/to/space
cp path/to/space/README.md notes/README.md
(cd path/to/space && spacehook validate) >"$SANDBOX/v.out" 2>&1
expect_eq "validate (the current directory)" "spacehook: README.md ok (sdk: docker, app_port: 7860)" "$(cat "$SANDBOX/v.out")"
run spacehook validate path/to/space
expect_eq "validate path/to/space" "0:spacehook: path/to/space/README.md ok (sdk: docker, app_port: 7860)" "$RC:$OUT"
run spacehook validate notes/README.md
expect_eq "validate notes/README.md" "0:spacehook: notes/README.md ok (sdk: docker, app_port: 7860)" "$RC:$OUT"
(cd "$SANDBOX/work" && spacehook validate --rev main~2) >"$SANDBOX/v.out" 2>&1 && rc=0 || rc=$?
expect_eq "validate --rev main~2" "0:spacehook: README.md ok (sdk: docker, app_port: 7860)" "$rc:$(cat "$SANDBOX/v.out")"
(cd "$SANDBOX/work" && spacehook validate --rev HEAD) >"$SANDBOX/v.out" 2>&1 && rc=0 || rc=$?
expect_eq "validate --rev HEAD of a bad commit exits 1" 1 "$rc"
(cd "$SANDBOX/work" && spacehook validate) >"$SANDBOX/v.out" 2>&1 && rc=0 || rc=$?
expect_eq "validate of a bad work tree, as in the user guide" \
	'1:README.md:5:10: error: "colorTo" must be one of [red, yellow, green, blue, indigo, purple, pink, gray] (got "orange")
spacehook: README.md: 1 error, 0 warnings; a push of this would be rejected' "$rc:$(cat "$SANDBOX/v.out")"

# --- Backup and restore of the state directory (admin guide), modes kept.
wait_idle
tar -C "$SANDBOX" -czpf "$SANDBOX/spacehook-state.tgz" state
mkdir "$SANDBOX/restore"
tar -C "$SANDBOX/restore" -xzpf "$SANDBOX/spacehook-state.tgz"
expect_eq "restored state directory is 0700" 700 "$(stat -c %a "$SANDBOX/restore/state")"
expect_eq "restored secrets are 0600" 600 "$(stat -c %a "$SANDBOX/restore/state/spaces/alice--demo/secrets.json")"
check "restored files are the same" diff -r "$STATE" "$SANDBOX/restore/state"
git config --global spacehook.stateDir "$SANDBOX/restore/state"
run spacehook secrets list alice/demo
expect_eq "the restored state serves the commands" "HF_TOKEN
SSH_KEY" "$OUT"
run spacehook status alice/demo --json
expect_contains "the restored state keeps the stage" '"stage":"BUILD_ERROR"' "$OUT"

finish
