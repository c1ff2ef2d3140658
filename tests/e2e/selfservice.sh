#!/usr/bin/env bash
# Authors run their own Spaces over SSH: OpenSSH's sshd on 127.0.0.1 with two
# keys whose forced command is `spacehook shell alice` / `spacehook shell bob`.
# alice pushes, sets a secret from stdin (the next build and the running app
# see it), lists and unsets it, reads and follows logs, restarts,
# factory-rebuilds, pauses and resumes her Space, each in the audit log; bob
# gets the same refusal for each on alice/demo whether it exists or not,
# changes nothing, cannot push, cannot get a shell; once alice adds him as a
# collaborator he may.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

if [ "$(id -u)" -ne 0 ] || [ ! -x /usr/sbin/sshd ]; then
	fail "this test logs in over SSH as root with /usr/sbin/sshd: run it as root with openssh-server"
	finish
fi
. "$(dirname "$0")/../lib/sshlib.sh"

# The Spaces here are alice's (the owner is the SSH user): remove what they
# ran, then what sshlib and e2elib remove.
selfservice_cleanup() {
	local id
	for id in $("$DOCKER" ps -aq --filter label=spacehook.space=alice/demo 2>/dev/null); do
		"$DOCKER" rm -f "$id" >/dev/null 2>&1 || true
	done
	for id in $("$DOCKER" network ls -q --filter label=spacehook.space=alice/demo 2>/dev/null); do
		"$DOCKER" network rm "$id" >/dev/null 2>&1 || true
	done
	sshd_cleanup
}

KEYS="$SSH_DIR/keys"
mkdir -p "$KEYS"
: >"$SSH_DIR/authorized_keys"
for user in alice bob; do
	ssh-keygen -q -t ed25519 -N '' -C "$user" -f "$KEYS/$user"
	printf 'command="%s shell %s",restrict %s\n' "$SP_BIN/spacehook" "$user" \
		"$(cat "$KEYS/$user.pub")" >>"$SSH_DIR/authorized_keys"
done
start_sshd "$SSH_DIR/authorized_keys" forced-commands-only "$HOME"
trap selfservice_cleanup EXIT

ssh_as() {
	local user=$1
	shift
	ssh -i "$KEYS/$user" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p "$SSH_PORT" root@127.0.0.1 "$@"
}
# as USER ARGS...: a command over ssh; stdout in $OUT, stderr in $ERR, status in $RC.
as() {
	local user=$1
	shift
	set +e
	OUT=$(ssh_as "$user" "$@" 2>"$SANDBOX/err" </dev/null)
	RC=$?
	set -e
	ERR=$(cat "$SANDBOX/err")
}
for _ in $(seq 100); do
	ssh_as alice help >/dev/null 2>&1 </dev/null && break
	sleep 0.1
done

# alice's Space: the repository made by the admin, pushed by alice over ssh.
bare="$REPOS/alice/demo.git"
mkdir -p "$REPOS/alice"
git init -q --bare "$bare"
spacehook install "$bare" >/dev/null
work="$SANDBOX/work/demo"
git init -q "$work"
write_space "$work"
cat >"$work/Dockerfile" <<'EOF'
FROM spacehook-base:busybox
RUN --mount=type=secret,id=HF_TOKEN,required=false \
    if [ -f /run/secrets/HF_TOKEN ]; then echo "build saw a token of $(wc -c </run/secrets/HF_TOKEN) bytes"; fi
WORKDIR /home/user/app
COPY . .
CMD ["/bin/sh", "/home/user/app/app.sh"]
EOF
printf '%s\n' 'echo "app started"; mkdir -p /tmp/w; echo alice-demo > /tmp/w/index.html' \
	'exec httpd -f -p 7860 -h /tmp/w' >"$work/app.sh"
git -C "$work" add -A && git -C "$work" commit -q -m first
GIT_SSH_COMMAND="ssh -i $KEYS/alice -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no \
-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p $SSH_PORT"
export GIT_SSH_COMMAND
set +e
OUT=$(timeout 300 git -C "$work" push "root@127.0.0.1:alice/demo.git" HEAD:main 2>&1)
RC=$?
set -e
expect_eq "alice pushes through the shell" 0 "$RC"
expect_contains "her Space deploys" "alice/demo is RUNNING" "$OUT"
stage() { spacehook status alice/demo --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get(sys.argv[1]) or "")' "$1"; }
expect_eq "RUNNING" RUNNING "$(stage stage)"

secrets_file() { cat "$STATE"/spaces/alice--demo/secrets* 2>/dev/null | sha256sum; }
token="tok-$(date +%s%N)-s3cret"

# --- alice, on her own Space.
set +e
OUT=$(printf '%s\n' "$token" | ssh_as alice spacehook secrets set alice/demo HF_TOKEN 2>&1)
RC=$?
set -e
expect_eq "alice sets a secret from stdin" 0 "$RC"
expect_not_contains "the value is never echoed" "$token" "$OUT"
for _ in $(seq 120); do [ "$(stage stage)" = RUNNING ] && break; sleep 1; done
container=$(stage container)
expect_eq "the running app sees it" "$token" \
	"$("$DOCKER" exec "$container" sh -c 'printf %s "$HF_TOKEN"' 2>/dev/null)"
as alice spacehook secrets list alice/demo
expect_eq "secrets list exits 0" 0 "$RC"
expect_contains "lists the name" "HF_TOKEN" "$OUT"
expect_not_contains "never the value" "$token" "$OUT$ERR"
as alice spacehook rebuild alice/demo
expect_eq "alice rebuilds" 0 "$RC"
as alice spacehook logs alice/demo --build
expect_contains "the next build saw the secret" "build saw a token of ${#token} bytes" "$OUT"
expect_not_contains "the build log never shows it" "$token" "$OUT"
as alice spacehook logs alice/demo --tail 5
expect_contains "alice reads the run log" "app started" "$OUT"
# --follow streams until the client goes away.
# (ssh itself in the background, so that killing it drops the connection)
exec_ssh=(ssh -i "$KEYS/alice" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p "$SSH_PORT" root@127.0.0.1)
"${exec_ssh[@]}" spacehook logs alice/demo --follow >"$SANDBOX/follow.txt" 2>&1 </dev/null &
follow_pid=$!
sleep 3
kill "$follow_pid" 2>/dev/null || true
wait "$follow_pid" 2>/dev/null || true
expect_contains "logs --follow streamed the run log" "app started" "$(cat "$SANDBOX/follow.txt")"
gone=
for _ in $(seq 30); do
	if ! pgrep -f "spacehook shell alice" >/dev/null; then gone=1 && break; fi
	sleep 0.2
done
expect_eq "the server side of the follow ended with the client" 1 "$gone"
# A push with -o spacehook.factory builds without the cache and is recorded
# for alice.
push_alice() {
	git -C "$work" commit -q --allow-empty -m "change $(date +%s%N)"
	set +e
	OUT=$(timeout 300 git -C "$work" push "$@" "root@127.0.0.1:alice/demo.git" HEAD:main 2>&1)
	RC=$?
	set -e
}
push_alice
expect_eq "a plain push" 0 "$RC"
push_alice -o spacehook.factory
expect_eq "a factory push" 0 "$RC"
expect_contains "says it builds without the cache" "no build cache (spacehook.factory)" "$OUT"
expect_contains "so the step runs" "build saw a token of ${#token} bytes" "$OUT"
expect_contains "the factory push is in the audit log for alice" "alice" \
	"$(spacehook audit alice/demo | grep -F 'push --factory' || true)"
as alice spacehook restart alice/demo
expect_eq "alice restarts" 0 "$RC"
as alice spacehook restart alice/demo --factory
expect_eq "alice factory-rebuilds" 0 "$RC"
as alice spacehook stop alice/demo
expect_eq "alice pauses" 0 "$RC"
expect_eq "PAUSED" PAUSED "$(stage stage)"
as alice spacehook start alice/demo
expect_eq "alice resumes" 0 "$RC"
expect_eq "RUNNING again" RUNNING "$(stage stage)"
as alice spacehook status alice/demo
expect_contains "status shows the stage" "RUNNING" "$OUT"
as alice spacehook secrets unset alice/demo HF_TOKEN
expect_eq "alice unsets it" 0 "$RC"
as alice spacehook secrets list alice/demo
expect_not_contains "gone from the list" "HF_TOKEN" "$OUT"
audit=$(spacehook audit alice/demo)
for action in "secrets set" "rebuild" "restart" "restart --factory" "stop" "start" "secrets unset"; do
	expect_contains "the audit log has alice's $action" "alice" "$(grep -F -- " $action" <<<"$audit" || true)"
done
expect_not_contains "the audit log never holds the value" "$token" "$(cat "$STATE/audit.log")"

# --- bob: the same refusal for alice/demo and for a Space that does not
# exist, and nothing changes.
printf '%s\n' "$token" | ssh_as alice spacehook secrets set alice/demo HF_TOKEN >/dev/null 2>&1
for _ in $(seq 120); do [ "$(stage stage)" = RUNNING ] && break; sleep 1; done
before_secrets=$(secrets_file)
before_state=$(cat "$STATE/spaces/alice--demo/state.json")
for cmd in "secrets set SPACE HF_TOKEN" "secrets list SPACE" "secrets unset SPACE HF_TOKEN" \
	"variables set SPACE A b" "variables list SPACE" "status SPACE" "logs SPACE" "logs SPACE --build" \
	"restart SPACE" "restart SPACE --factory" "rebuild SPACE" "stop SPACE" "start SPACE" \
	"cancel SPACE" "sleep-time SPACE 60" "collaborators add SPACE bob"; do
	# shellcheck disable=SC2086  # the words of the command
	as bob spacehook ${cmd//SPACE/alice/demo}
	there="$RC|$OUT|$ERR"
	# shellcheck disable=SC2086
	as bob spacehook ${cmd//SPACE/alice/nothing-here}
	absent="$RC|$OUT|$ERR"
	check "bob refused: $cmd" test "${there%%|*}" -ne 0
	expect_eq "the same refusal whether alice/demo exists: $cmd" \
		"${absent//nothing-here/demo}" "$there"
	expect_not_contains "it names no secret: $cmd" "HF_TOKEN" "${there#*|}"
done
expect_eq "bob changed no secret" "$before_secrets" "$(secrets_file)"
expect_eq "bob changed nothing of the record" "$before_state" "$(cat "$STATE/spaces/alice--demo/state.json")"
set +e
OUT=$(GIT_SSH_COMMAND="${GIT_SSH_COMMAND/alice/bob}" timeout 60 git -C "$work" push "root@127.0.0.1:alice/demo.git" HEAD:refs/heads/bob 2>&1)
RC=$?
set -e
check "bob cannot push to alice/demo" test "$RC" -ne 0
check "no ref of bob's" test -z "$(git -C "$bare" for-each-ref refs/heads/bob)"

# --- no shell, whatever the command line.
as bob
check "a plain login gets no shell" test "$RC" -ne 0
expect_contains "and is told so" "no shell" "$ERR"
for cmd in "sh -c id" "bash" "id" "spacehook \$(id)" "spacehook status alice/demo; id" \
	"spacehook status 'alice/demo'" "spacehook status \"bob/x\"" "spacehook status bob/x && id" \
	"spacehook status bob/x | id" "spacehook status \`id\`" "git-upload-pack '/etc'" \
	"git-receive-pack '../../etc/x.git'" "spacehook gc" "spacehook install /tmp/x.git" "spacehook doctor"; do
	as bob "$cmd"
	check "refused: $cmd" test "$RC" -ne 0
	expect_not_contains "nothing ran: $cmd" "uid=" "$OUT$ERR"
done
as bob "$(printf 'spacehook status bob/x\nid')"
check "a newline in the command is refused" test "$RC" -ne 0
expect_not_contains "nothing ran after the newline" "uid=" "$OUT$ERR"

# --- alice adds bob as a collaborator: now he may.
as alice spacehook collaborators add alice/demo bob
expect_eq "alice adds bob" 0 "$RC"
as bob spacehook secrets list alice/demo
expect_eq "bob lists alice/demo's secrets" 0 "$RC"
expect_contains "and sees the name" "HF_TOKEN" "$OUT"
as bob spacehook restart alice/demo
expect_eq "bob restarts alice/demo" 0 "$RC"
as bob spacehook collaborators add alice/demo carol
check "a collaborator may not add others" test "$RC" -ne 0
set +e
OUT=$(GIT_SSH_COMMAND="${GIT_SSH_COMMAND/alice/bob}" timeout 300 git -C "$work" push "root@127.0.0.1:alice/demo.git" HEAD:main 2>&1)
RC=$?
set -e
expect_eq "bob pushes to alice/demo" 0 "$RC"
expect_contains "the audit log names bob's restart" "bob" "$(spacehook audit alice/demo | grep -F ' restart' || true)"
expect_contains "and alice's collaborators add" "alice" "$(spacehook audit alice/demo | grep -F 'collaborators add' || true)"

finish
