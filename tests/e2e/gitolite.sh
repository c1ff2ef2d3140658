#!/usr/bin/env bash
# A real push through gitolite: a hosting user in the sandbox, spacehook's
# hooks as gitolite repo-specific hooks, repositories made through
# gitolite-admin, pushes over sshd on 127.0.0.1 refused by gitolite or by
# spacehook, and an accepted one ending with the Space serving.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

if [ "$(id -u)" -ne 0 ]; then
	fail "this test logs in over SSH as root: run it as root"
	finish
fi
need=()
command -v gitolite >/dev/null 2>&1 || need+=(gitolite3)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
if [ "${#need[@]}" -ne 0 ] &&
	! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" \
		>"$SANDBOX/apt.log" 2>&1; then
	fail "cannot install ${need[*]} (apt-get install ${need[*]}):" \
		"$(tail -n 3 "$SANDBOX/apt.log")"
	finish
fi

# The hosting user: root with its own HOME, as `gitolite setup` allows.
GLHOME="$SANDBOX/gitolite"
GLREPOS="$GLHOME/repositories"
KEYS="$SANDBOX/keys"
mkdir -p "$GLHOME" "$KEYS"
. "$(dirname "$0")/../lib/sshlib.sh"
for user in admin alice bob carol; do
	ssh-keygen -q -t ed25519 -N '' -C "$user" -f "$KEYS/$user"
done
gl() {
	HOME="$GLHOME" "$@"
}

# The settings, where the hooks (run by gitolite as the hosting user) see them.
gl git config --global spacehook.stateDir "$STATE"
gl git config --global spacehook.reposRoot "$GLREPOS"
gl git config --global spacehook.dockerHost "$DOCKER_HOST"
gl git config --global spacehook.dockerCli "$DOCKER"
gl git config --global spacehook.portRange "${SP_PORT_RANGE:-21000-21999}"
gl git config --global receive.advertisePushOptions true
chmod 0700 "$STATE"

gl gitolite setup -pk "$KEYS/admin.pub" >"$SANDBOX/setup.log" 2>&1 && rc=0 || rc=$?
expect_eq "gitolite setup -pk admin.pub" 0 "$rc"
expect_contains "gitolite wrote admin's forced command" \
	'command="/usr/share/gitolite3/gitolite-shell admin"' \
	"$(cat "$GLHOME/.ssh/authorized_keys")"

# gitolite's rc: LOCAL_CODE on the server and the repo-specific-hooks feature;
# spacehook's hook programs linked into LOCAL_CODE/hooks/repo-specific.
perl -pi -e 's/^(\s*)# (LOCAL_CODE\s*=>\s*"\$ENV\{HOME\}\/local",)/$1$2/;
	s/^(\s*)# (\x27repo-specific-hooks\x27,)/$1$2/' "$GLHOME/.gitolite.rc"
rc=$(cat "$GLHOME/.gitolite.rc")
expect_contains "rc: LOCAL_CODE set" '        LOCAL_CODE                =>  "$ENV{HOME}/local",' "$rc"
expect_contains "rc: repo-specific-hooks enabled" "            'repo-specific-hooks'," "$rc"
mkdir -p "$GLHOME/local/hooks/repo-specific"
ln -s "$SP_BIN/pre-receive" "$GLHOME/local/hooks/repo-specific/spacehook-pre-receive"
ln -s "$SP_BIN/post-receive" "$GLHOME/local/hooks/repo-specific/spacehook-post-receive"

# Root may log in only through the forced command gitolite writes.
start_sshd "$GLHOME/.ssh/authorized_keys" forced-commands-only "$GLHOME"

# as USER COMMAND...: run a command with git's ssh using USER's key.
as() {
	local user=$1
	shift
	GIT_SSH_COMMAND="ssh -i $KEYS/$user -o IdentitiesOnly=yes -o BatchMode=yes \
-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
-p $SSH_PORT" "$@"
}
URL="ssh://root@127.0.0.1:$SSH_PORT"

info=""
for _ in $(seq 100); do
	if info=$(as admin sh -c '$GIT_SSH_COMMAND root@127.0.0.1 info' 2>&1); then
		break
	fi
	sleep 0.1
done
expect_contains "gitolite answers admin over ssh" "hello admin, this is" "$info"
expect_contains "admin may write gitolite-admin" "gitolite-admin" "$info"

# A repository made through gitolite-admin, with spacehook's hooks.
check "admin clones gitolite-admin" as admin git clone -q "$URL/gitolite-admin" "$SANDBOX/admin"
for user in alice bob carol; do
	cp "$KEYS/$user.pub" "$SANDBOX/admin/keydir/"
done
cat >>"$SANDBOX/admin/conf/gitolite.conf" <<'EOF'

repo e2e-gitolite/demo
    RW+         =   alice
    RW  dev     =   bob
    R           =   bob
    option hook.pre-receive  = spacehook-pre-receive
    option hook.post-receive = spacehook-post-receive

repo e2e-gitolite/..*
    C           =   alice
    RW+         =   CREATOR
    option hook.pre-receive  = spacehook-pre-receive
    option hook.post-receive = spacehook-post-receive
EOF
git -C "$SANDBOX/admin" add -A
git -C "$SANDBOX/admin" commit -q -m "Spaces: e2e-gitolite/demo, e2e-gitolite/..*"
set +e
out=$(as admin git -C "$SANDBOX/admin" push origin HEAD 2>&1)
rc=$?
set -e
expect_eq "admin's push to gitolite-admin exits 0" 0 "$rc"
expect_contains "gitolite made the repository" "Initialized empty Git repository in $GLREPOS/e2e-gitolite/demo.git/" "$out"

demo="$GLREPOS/e2e-gitolite/demo.git"
expect_eq "pre-receive is gitolite's hook driver" "$GLHOME/local/hooks/multi-hook-driver" \
	"$(readlink "$demo/hooks/pre-receive")"
expect_eq "post-receive is gitolite's hook driver" "$GLHOME/local/hooks/multi-hook-driver" \
	"$(readlink "$demo/hooks/post-receive")"
expect_eq "the driver runs spacehook's pre-receive" "$SP_BIN/pre-receive" \
	"$(readlink -f "$demo/hooks/pre-receive.h00-spacehook-pre-receive")"
expect_eq "the driver runs spacehook's post-receive" "$SP_BIN/post-receive" \
	"$(readlink -f "$demo/hooks/post-receive.h00-spacehook-post-receive")"
expect_eq "update is still gitolite's" "$GLHOME/.gitolite/hooks/common/update" \
	"$(readlink "$demo/hooks/update")"
check "gitolite-admin has no spacehook hook" test ! -e "$GLREPOS/gitolite-admin.git/hooks/pre-receive"

doctor=$(gl spacehook doctor 2>&1) && rc=0 || rc=$?
expect_eq "spacehook doctor as the hosting user passes" 0 "$rc"
[ "$rc" -eq 0 ] || printf '%s\n' "$doctor" | sed 's/^/    | /' >&2
doctor=$(gl spacehook doctor "$demo" 2>&1) && rc=0 || rc=$?
expect_eq "spacehook doctor naming the repository passes" 0 "$rc"
expect_contains "doctor sees the hooks through gitolite's driver" "ok  hooks of $demo" "$doctor"
doctor=$(gl spacehook doctor "$GLREPOS/gitolite-admin.git" 2>&1) && rc=0 || rc=$?
expect_eq "doctor on gitolite-admin fails: no spacehook hooks there" 1 "$rc"

git init -q "$SANDBOX/work/demo"
git -C "$SANDBOX/work/demo" remote add origin "$URL/e2e-gitolite/demo"

# gl_push USER REF [git push args...]: commit everything in the work tree and
# push it as USER to REF; output in $OUT, status in $RC.
gl_push() {
	local user=$1 ref=$2
	shift 2
	git -C "$SANDBOX/work/demo" add -A
	git -C "$SANDBOX/work/demo" commit -q --allow-empty -m "change $(date +%s%N)"
	set +e
	OUT=$(as "$user" timeout 300 git -C "$SANDBOX/work/demo" push "$@" origin "HEAD:$ref" 2>&1)
	RC=$?
	set -e
}
no_main() {
	test -z "$(git -C "$demo" for-each-ref refs/heads/main)"
}

# valid_space: a valid Space in the work tree, serving a page.
valid_space() {
	write_space "$SANDBOX/work/demo"
	set_app demo 'mkdir -p /tmp/w; echo served-through-gitolite > /tmp/w/index.html; exec httpd -f -p 7860 -h /tmp/w'
}

# gitolite refuses a user without write access before any hook runs.
valid_space
gl_push carol main
check "carol's push fails" test "$RC" -ne 0
expect_contains "gitolite denies carol" "W any e2e-gitolite/demo carol DENIED by fallthru" "$OUT"
expect_not_contains "no spacehook hook ran for carol" "spacehook" "$OUT"
check "carol made no main" no_main

# gitolite's update hook refuses bob's main even when spacehook accepts it.
gl_push bob main
check "bob's push to main fails" test "$RC" -ne 0
expect_contains "spacehook's pre-receive ran first" "remote: spacehook: README.md ok" "$OUT"
expect_contains "gitolite's update hook denies main" "W refs/heads/main e2e-gitolite/demo bob DENIED by fallthru" "$OUT"
expect_contains "the ref is refused" "[remote rejected] HEAD -> main (hook declined)" "$OUT"
check "bob made no main" no_main
expect_not_contains "nothing was built for bob" "Build queued" "$OUT"

gl_push bob dev -o spacehook.wait=no
expect_eq "bob may push dev (with a push option)" 0 "$RC"
expect_not_contains "a push to dev is not built" "Build queued" "$OUT"

# A wrong config is refused by spacehook through gitolite's hook driver.
printf -- '---\ntitle: Demo\nsdk: docker\napp_port: 99999\n---\n' >"$SANDBOX/work/demo/README.md"
gl_push alice main
check "alice's wrong config fails" test "$RC" -ne 0
expect_contains "the message reaches the client" "remote: README.md:4:" "$OUT"
expect_contains "it names the key" "app_port" "$OUT"
expect_contains "the ref is refused by pre-receive" "[remote rejected] HEAD -> main (pre-receive hook declined)" "$OUT"
check "the wrong config made no main" no_main

# A repository alice creates (a wildcard repository) has the hooks at once.
git init -q "$SANDBOX/work/wild"
cp "$SANDBOX/work/demo/README.md" "$SANDBOX/work/wild/"
git -C "$SANDBOX/work/wild" add -A
git -C "$SANDBOX/work/wild" commit -q -m wrong
set +e
out=$(as alice git -C "$SANDBOX/work/wild" push "$URL/e2e-gitolite/wild" HEAD:main 2>&1)
rc=$?
set -e
check "the first push to a new wildcard repository fails" test "$rc" -ne 0
expect_contains "gitolite created it" "Initialized empty Git repository in $GLREPOS/e2e-gitolite/wild.git/" "$out"
expect_contains "spacehook refused it" "remote: README.md:4:" "$out"

# A valid Space is built and served.
valid_space
gl_push alice main
id=e2e-gitolite/demo
expect_eq "alice's push exits 0" 0 "$RC"
expect_contains "pre-receive spoke" "remote: spacehook: README.md ok" "$OUT"
expect_contains "the build log reaches the client" "remote: ===== Build queued at" "$OUT"
expect_contains "the client is told where it runs" "remote: spacehook: $id is RUNNING on http://127.0.0.1:" "$OUT"
stage=$(HOME="$GLHOME" state demo stage)
expect_eq "stage RUNNING" RUNNING "$stage"
url=$(HOME="$GLHOME" state demo url)
expect_eq "the Space serves on its port" served-through-gitolite "$(http "$url/index.html")"
expect_eq "main points at the pushed commit" "$(git -C "$SANDBOX/work/demo" rev-parse HEAD)" \
	"$(git -C "$demo" rev-parse main)"
expect_contains "the push went through sshd" "Accepted publickey for root" "$(cat "$SSH_DIR/sshd.log")"
expect_contains "gitolite logged alice's push" "alice" \
	"$(grep -h 'update' "$GLHOME"/.gitolite/logs/*.log 2>/dev/null || true)"

# gitolite's own maintenance keeps the hooks.
gl gitolite setup --hooks-only >>"$SANDBOX/setup.log" 2>&1 && rc=0 || rc=$?
expect_eq "gitolite setup --hooks-only" 0 "$rc"
gl gitolite setup >>"$SANDBOX/setup.log" 2>&1 && rc=0 || rc=$?
expect_eq "gitolite setup" 0 "$rc"
expect_eq "pre-receive still runs spacehook's" "$SP_BIN/pre-receive" \
	"$(readlink -f "$demo/hooks/pre-receive.h00-spacehook-pre-receive")"
expect_eq "pre-receive is still the driver" "$GLHOME/local/hooks/multi-hook-driver" \
	"$(readlink "$demo/hooks/pre-receive")"

# --- Self-service through gitolite: its command `spacehook` (the shipped
# install/gitolite/spacehook, reached here through a wrapper that puts the
# build's spacehook on PATH), with gitolite's rules deciding.
mkdir -p "$GLHOME/local/commands"
printf '#!/bin/sh\nPATH="%s:$PATH" exec "%s/install/gitolite/spacehook" "$@"\n' \
	"$SP_BIN" "$SP_SOURCE" >"$GLHOME/local/commands/spacehook"
chmod 755 "$GLHOME/local/commands/spacehook"
perl -pi -e "s/^(\s*)'writable',/\$1'writable',\n\$1'spacehook',/" "$GLHOME/.gitolite.rc"
expect_contains "rc: the spacehook command enabled" "'spacehook'," "$(cat "$GLHOME/.gitolite.rc")"
gl git config --global spacehook.access gitolite
# gsh USER ARGS...: a command over gitolite's ssh; $OUT, $ERR, $RC.
gsh() {
	local user=$1
	shift
	set +e
	OUT=$(as "$user" sh -c '$GIT_SSH_COMMAND root@127.0.0.1 "$@"' sh "$@" 2>"$SANDBOX/gsh.err" </dev/null)
	RC=$?
	set -e
	ERR=$(cat "$SANDBOX/gsh.err")
}
gsh alice spacehook help
expect_eq "alice reaches the spacehook command" 0 "$RC"
expect_contains "which lists the commands" "secrets set" "$OUT$ERR"
token="gl-$(date +%s%N)-s3cret"
set +e
OUT=$(printf '%s\n' "$token" | as alice sh -c '$GIT_SSH_COMMAND root@127.0.0.1 spacehook secrets set --no-restart e2e-gitolite/demo HF_TOKEN' 2>&1)
RC=$?
set -e
expect_eq "alice (RW+) sets a secret from stdin" 0 "$RC"
expect_not_contains "the value is never echoed" "$token" "$OUT"
gsh alice spacehook secrets list e2e-gitolite/demo
expect_eq "alice lists the secrets" 0 "$RC"
expect_contains "by name" "HF_TOKEN" "$OUT"
expect_not_contains "never the value" "$token" "$OUT$ERR"
gsh alice spacehook status e2e-gitolite/demo
expect_contains "alice reads the status" "RUNNING" "$OUT"
before=$(cat "$STATE"/spaces/*gitolite*demo*/secrets.json | sha256sum)
# bob may push dev only: he does not manage the Space; carol has no access.
for user in bob carol; do
	for cmd in "secrets list SPACE" "secrets unset SPACE HF_TOKEN" "restart SPACE" "stop SPACE" "logs SPACE"; do
		# shellcheck disable=SC2086  # the words of the command
		gsh "$user" spacehook ${cmd//SPACE/e2e-gitolite/demo}
		there="$RC|$OUT|$ERR"
		# shellcheck disable=SC2086
		gsh "$user" spacehook ${cmd//SPACE/e2e-gitolite/nothing}
		absent="$RC|$OUT|$ERR"
		check "$user refused: $cmd" test "${there%%|*}" -ne 0
		expect_eq "$user: the same refusal whether the Space exists: $cmd" "${absent//nothing/demo}" "$there"
	done
done
gsh bob spacehook restart e2e-gitolite/demo
expect_contains "the refusal says why" "no Space 'e2e-gitolite/demo' that 'bob' may write" "$ERR"
expect_eq "bob and carol changed no secret" "$before" "$(cat "$STATE"/spaces/*gitolite*demo*/secrets.json | sha256sum)"
expect_eq "still RUNNING" RUNNING "$(HOME="$GLHOME" state demo stage)"
gsh bob spacehook collaborators add e2e-gitolite/demo bob
check "collaborators are gitolite's business" test "$RC" -ne 0
gsh carol "spacehook status e2e-gitolite/demo; id"
check "no shell through the command" test "$RC" -ne 0
expect_not_contains "nothing ran" "uid=" "$OUT$ERR"
audit=$(gl spacehook audit e2e-gitolite/demo)
expect_contains "the audit log names alice's secrets set" "alice" "$(grep -F 'secrets set' <<<"$audit" || true)"

finish
