#!/usr/bin/env bash
# spacehook shell USER, run as sshd runs a forced command (SSH_ORIGINAL_COMMAND
# set, no sshd, no engine): alice manages her Space and pushes through it; bob
# gets the same refusal whether her Space exists or not and changes nothing;
# no login gets a shell; git clone and push go through it with GIT_SSH_COMMAND.
. "$SP_SOURCE/tests/lib/testlib.sh"

SH="$SP_BIN/spacehook"
STATE="$SANDBOX/state"
REPOS="$SANDBOX/repos"
mkdir -p "$REPOS"
git config --global spacehook.stateDir "$STATE"
git config --global spacehook.reposRoot "$REPOS"
SPACE_DIR="$STATE/spaces/alice--demo"
SECRET="s3cr3t-Value-$$-zq"
ALL="$SANDBOX/all-output"
PWNED="$SANDBOX/pwned"
: >"$ALL"
unset SSH_ORIGINAL_COMMAND

# as USER COMMAND [STDIN-FILE]: `spacehook shell USER` with COMMAND as
# SSH_ORIGINAL_COMMAND; sets $out, $err, $rc (output also into $ALL).
as() {
	rc=0
	SSH_ORIGINAL_COMMAND="$2" "$SH" shell "$1" <"${3:-/dev/null}" \
		>"$SANDBOX/out" 2>"$SANDBOX/err" || rc=$?
	out=$(cat "$SANDBOX/out")
	err=$(cat "$SANDBOX/err")
	cat "$SANDBOX/out" "$SANDBOX/err" >>"$ALL"
}

# What the state directory holds: every path with its mode and the hash of
# every file.
state_digest() {
	if [ -d "$STATE" ]; then
		(cd "$STATE" && find . -printf '%p %m %s\n' | sort &&
			find . -type f -exec sha256sum {} + | sort)
	fi
}

# The commands bob tries on a Space of alice's; none may pass.
BOB_TRIES=(
	"spacehook secrets set SPACE HF_TOKEN"
	"spacehook secrets set --no-restart SPACE OTHER"
	"spacehook secrets list SPACE"
	"spacehook secrets unset SPACE HF_TOKEN"
	"spacehook variables set SPACE MODEL gpt2"
	"spacehook variables list SPACE"
	"spacehook variables unset SPACE MODEL"
	"spacehook status SPACE"
	"spacehook status SPACE --json"
	"spacehook logs SPACE"
	"spacehook logs SPACE --build --follow --tail 5"
	"spacehook restart SPACE"
	"spacehook restart SPACE --factory"
	"spacehook rebuild SPACE"
	"spacehook stop SPACE"
	"spacehook start SPACE"
	"spacehook cancel SPACE"
	"spacehook sleep-time SPACE never"
	"spacehook sleep-time SPACE"
	"spacehook collaborators list SPACE"
	"spacehook collaborators add SPACE bob"
	"git-receive-pack 'SPACE.git'"
	"git-upload-pack 'SPACE.git'"
	"git-upload-archive 'SPACE.git'"
)

# bob_refusals SPACE FILE: bob tries each command on SPACE, with a value on
# stdin; each must exit 1 with nothing on stdout. Their stderr, the Space id
# made "SPACE", goes into FILE.
printf '%s\n' "$SECRET-bob" >"$SANDBOX/bob-value"
bob_refusals() {
	local try
	: >"$2"
	for try in "${BOB_TRIES[@]}"; do
		as bob "${try//SPACE/$1}" "$SANDBOX/bob-value"
		expect_eq "bob: [${try//SPACE/$1}] exits 1" 1 "$rc"
		expect_eq "bob: [${try//SPACE/$1}] prints nothing on stdout" "" "$out"
		printf '%s\n' "${err//$1/SPACE}" >>"$2"
	done
}

# Before alice has anything: bob on alice/demo.
bob_refusals alice/demo "$SANDBOX/bob-before"
expect_contains "bob's refusal names Space and user only" \
	"spacehook: no Space 'SPACE' that 'bob' may write" "$(cat "$SANDBOX/bob-before")"
expect_contains "bob may not share" \
	"spacehook: no Space 'SPACE' that 'bob' may share" "$(cat "$SANDBOX/bob-before")"
expect_contains "bob may not clone" \
	"spacehook: no Space 'SPACE' that 'bob' may read" "$(cat "$SANDBOX/bob-before")"
expect_eq "bob made no state" "" "$(state_digest)"

# Interactive login: the help on stderr, no shell, exit 1.
rc=0
"$SH" shell alice </dev/null >"$SANDBOX/out" 2>"$SANDBOX/err" || rc=$?
expect_eq "interactive login refused" 1 "$rc"
expect_eq "interactive login: nothing on stdout" "" "$(cat "$SANDBOX/out")"
expect_contains "interactive login: no shell access" "no shell access" "$(cat "$SANDBOX/err")"
expect_contains "interactive login: the commands" \
	"spacehook secrets set [--no-restart] SPACE NAME" "$(cat "$SANDBOX/err")"
as alice ""
expect_eq "empty command: help, exit 1" 1 "$rc"
expect_contains "empty command: no shell access" "no shell access" "$err"
as alice "help"
expect_eq "help exits 0" 0 "$rc"
expect_contains "help lists the commands" "spacehook logs SPACE [--build] [--follow] [--tail N]" "$out"
expect_not_contains "help lists no admin command" "spacehook gc" "$out"
as alice "spacehook logs --help"
expect_eq "a command's --help exits 0" 0 "$rc"
expect_contains "a command's --help" "usage: spacehook logs SPACE" "$out"

# The shell takes one valid user name.
SSH_ORIGINAL_COMMAND=help "$SH" shell 'a;b' >/dev/null 2>"$SANDBOX/err" && rc=0 || rc=$?
expect_eq "a malformed user name refused" 2 "$rc"
expect_contains "a malformed user name: the admin fixes it" "authorized_keys" "$(cat "$SANDBOX/err")"
SSH_ORIGINAL_COMMAND=help "$SH" shell >/dev/null 2>&1 && rc=0 || rc=$?
expect_eq "no user refused" 2 "$rc"

# alice sets a secret from stdin, lists names only, unsets it.
printf '%s\n' "$SECRET" >"$SANDBOX/value"
as alice "spacehook secrets set alice/demo HF_TOKEN" "$SANDBOX/value"
expect_eq "alice sets a secret" 0 "$rc"
expect_contains "secrets set says what it did" "set secret HF_TOKEN of alice/demo" "$out"
expect_eq "the value is stdin minus its newline" match "$(SECRET="$SECRET" python3 -c '
import json, os, sys
with open(sys.argv[1]) as f:
    print("match" if json.load(f).get("HF_TOKEN") == os.environ["SECRET"] else "differs")
' "$SPACE_DIR/secrets.json")"
as alice "spacehook secrets set --no-restart alice/demo OTHER_TOKEN" "$SANDBOX/value"
expect_eq "alice sets a second secret" 0 "$rc"
as alice "spacehook secrets set alice/demo HF_TOKEN $SECRET"
expect_eq "a secret on the command line refused" 2 "$rc"
as alice "spacehook secrets list alice/demo"
expect_eq "alice lists secrets" 0 "$rc"
expect_eq "names only" "HF_TOKEN
OTHER_TOKEN" "$out"
as alice "variables set alice/demo MODEL gpt2"
expect_eq "alice sets a variable (no leading spacehook)" 0 "$rc"
as alice "spacehook variables list alice/demo"
expect_eq "variables list" "MODEL=gpt2" "$out"
as alice "spacehook status alice/demo --json"
expect_eq "status --json" 0 "$rc"
expect_contains "status --json of her Space" '"alice/demo"' "$out"
as alice "spacehook sleep-time alice/demo 1h"
expect_eq "sleep-time set" 0 "$rc"
as alice "spacehook secrets unset alice/demo OTHER_TOKEN"
expect_eq "alice unsets a secret" 0 "$rc"
as alice "spacehook secrets list alice/demo"
expect_eq "one secret left" "HF_TOKEN" "$out"
as alice "spacehook stop alice/bob-space; id"
expect_eq "alice: injection refused before anything" 1 "$rc"

# bob again, now that alice/demo exists: byte for byte the same refusals, and
# the same for a Space that never existed; nothing changed.
before=$(state_digest)
bob_refusals alice/demo "$SANDBOX/bob-after"
bob_refusals alice/nonexistent "$SANDBOX/bob-none"
check "bob's refusals the same before and after alice/demo exists" \
	cmp "$SANDBOX/bob-before" "$SANDBOX/bob-after"
check "bob's refusals the same for a Space that does not exist" \
	cmp "$SANDBOX/bob-after" "$SANDBOX/bob-none"
expect_eq "bob changed nothing in the state directory" "$before" "$(state_digest)"
expect_eq "bob made no Space" "alice--demo" "$(ls "$STATE/spaces")"

# No way to a shell: each form refused, nothing run.
INJECTIONS=(
	"sh -c 'touch $PWNED'"
	"sh -c touch\ $PWNED"
	"bash"
	"/bin/sh"
	"touch $PWNED"
	"spacehook \$(touch $PWNED)"
	"spacehook \`touch $PWNED\`"
	"spacehook status alice/demo; touch $PWNED"
	"spacehook status alice/demo && touch $PWNED"
	"spacehook status alice/demo || touch $PWNED"
	"spacehook status alice/demo | touch $PWNED"
	"spacehook status alice/demo > $PWNED"
	"spacehook status alice/demo"$'\n'"touch $PWNED"
	"spacehook status 'alice/demo'"
	"spacehook status \"alice/demo\""
	"spacehook variables set alice/demo X 'a b'"
	"spacehook variables set alice/demo X a"$'\n'"b"
	"spacehook variables set alice/demo X \$HOME"
	"spacehook status alice/demo"$'\x1b'"]0;x"$'\a'
	"spacehook status alice/d"$'\xc3\xa9'"mo"
	"spacehook gc"
	"spacehook install --global"
	"spacehook serve"
	"spacehook worker alice/demo"
	"spacehook forget alice/demo"
	"spacehook shell bob"
	"git-upload-pack 'alice/demo.git'; touch $PWNED"
	"git-upload-pack --upload-pack='touch $PWNED' 'alice/demo.git'"
	"git-upload-pack '/alice/../bob/x.git'"
	"git-receive-pack '$PWNED'"
	"git -c core.sshCommand=touch upload-pack 'alice/demo.git'"
	"scp -t $SANDBOX"
	"rsync --server -e.LsfxC . $SANDBOX"
)
for injection in "${INJECTIONS[@]}"; do
	shown=$(printf '%q' "$injection")
	as alice "$injection"
	expect_eq "refused: $shown" 1 "$rc"
	expect_eq "nothing on stdout: $shown" "" "$out"
	expect_contains "says why: $shown" "spacehook: " "$err"
	check "no raw control byte echoed: $shown" \
		test "$(printf '%s' "$err" | tr -d '\n' | LC_ALL=C tr -d '\040-\176' | wc -c)" -eq 0
done
check "nothing ran: $PWNED absent" test ! -e "$PWNED"
as alice "spacehook status alice/demo; id"
expect_contains "the character is named by its code" "character 0x3b (;) is not allowed" "$err"
expect_contains "the message says what to do" "run 'ssh git@host help' for the commands" "$err"

# git through the shell: GIT_SSH_COMMAND runs it as sshd would, as $AS_USER.
cat >"$SANDBOX/ssh-as" <<EOF
#!/bin/sh
# git calls it as: ssh-as HOST COMMAND (GIT_SSH_VARIANT=simple).
SSH_ORIGINAL_COMMAND="\$2" exec "$SH" shell "\$AS_USER"
EOF
chmod +x "$SANDBOX/ssh-as"
export GIT_SSH_COMMAND="$SANDBOX/ssh-as" GIT_SSH_VARIANT=simple

# A bare repository without spacehook's hooks: no build starts. Its own
# post-receive notes who the shell said pushed.
git init -q --bare "$REPOS/alice/demo.git"
cat >"$REPOS/alice/demo.git/hooks/post-receive" <<EOF
#!/bin/sh
printf '%s\n' "\$SPACEHOOK_USER" >"$SANDBOX/pushed-by"
EOF
chmod +x "$REPOS/alice/demo.git/hooks/post-receive"
git init -q "$SANDBOX/work"
printf 'hello\n' >"$SANDBOX/work/file.txt"
git -C "$SANDBOX/work" add file.txt
git -C "$SANDBOX/work" commit -qm "first"
head=$(git -C "$SANDBOX/work" rev-parse HEAD)

# git_as USER GIT-ARGS...: git as USER through the shell; sets $rc, $gerr.
git_as() {
	local who=$1
	shift
	rc=0
	AS_USER=$who git "$@" >"$SANDBOX/gout" 2>"$SANDBOX/gerr" || rc=$?
	gerr=$(cat "$SANDBOX/gerr")
	cat "$SANDBOX/gout" "$SANDBOX/gerr" >>"$ALL"
}

git_as alice -C "$SANDBOX/work" push git@host:alice/demo.git main
expect_eq "alice pushes to her Space" 0 "$rc"
expect_eq "the ref is there" "$head" "$(git -C "$REPOS/alice/demo.git" rev-parse main)"
expect_eq "git runs with SPACEHOOK_USER" alice "$(cat "$SANDBOX/pushed-by")"
git_as alice clone -q git@host:/alice/demo.git "$SANDBOX/clone-alice"
expect_eq "alice clones her Space" 0 "$rc"
expect_eq "the clone has the commit" "$head" "$(git -C "$SANDBOX/clone-alice" rev-parse HEAD)"
git_as alice clone -q "ssh://git@host/~/alice/demo" "$SANDBOX/clone-alice2"
expect_eq "alice clones through ~/ and without .git" 0 "$rc"
git_as alice archive --remote=git@host:alice/demo.git -o "$SANDBOX/a.tar" main
expect_eq "alice: git archive --remote" 0 "$rc"
check "the archive holds the file" grep -q "file.txt" <(tar tf "$SANDBOX/a.tar")

printf 'bob was here\n' >>"$SANDBOX/work/file.txt"
git -C "$SANDBOX/work" commit -qam "bob's"
git_as bob -C "$SANDBOX/work" push git@host:alice/demo.git HEAD:main
expect_eq "bob cannot push to alice's Space" 128 "$rc"
expect_contains "bob's push: the refusal" "no Space 'alice/demo' that 'bob' may write" "$gerr"
expect_eq "bob's push changed nothing" "$head" "$(git -C "$REPOS/alice/demo.git" rev-parse main)"
bob_push_err=${gerr//alice\/demo/SPACE}
git_as bob -C "$SANDBOX/work" push git@host:alice/nonexistent.git HEAD:main
expect_eq "bob cannot push to a Space that does not exist" 128 "$rc"
expect_eq "the same refusal for one that does not exist" "$bob_push_err" "${gerr//alice\/nonexistent/SPACE}"
check "no repository made for bob" test ! -e "$REPOS/alice/nonexistent.git"
git_as bob -C "$SANDBOX/work" push git@host:bob/../alice/demo.git HEAD:main
expect_eq "bob: a path out of his directory refused" 128 "$rc"
expect_contains "bob: the path refusal" "the repository must be one Space" "$gerr"
git_as bob clone -q git@host:alice/demo.git "$SANDBOX/clone-bob"
expect_eq "bob cannot clone (spacehook.readAccess collaborators)" 128 "$rc"
expect_contains "bob's clone: the refusal" "no Space 'alice/demo' that 'bob' may read" "$gerr"
bob_clone_err=${gerr//alice\/demo/SPACE}
git config --global spacehook.readAccess all
git_as bob clone -q git@host:alice/demo.git "$SANDBOX/clone-bob"
expect_eq "bob clones with spacehook.readAccess all" 0 "$rc"
git_as bob clone -q git@host:alice/nonexistent.git "$SANDBOX/clone-bob2"
expect_eq "bob: a repository not there refused" 128 "$rc"
expect_eq "bob: the same refusal as not allowed" "$bob_clone_err" "${gerr//alice\/nonexistent/SPACE}"
git config --global --unset spacehook.readAccess
git_as alice clone -q git@host:alice/nothing.git "$SANDBOX/clone-nothing"
expect_eq "alice: cloning a repository not there refused" 128 "$rc"
expect_contains "alice: the same refusal as not allowed" "no Space 'alice/nothing' that 'alice' may read" "$gerr"

# alice's first push to a new repository of hers makes it, hooks as
# `spacehook install` links them (a branch that is not deployed: no build).
git_as alice -C "$SANDBOX/work" push git@host:alice/fresh.git main:feature
expect_eq "alice's push makes her new repository" 0 "$rc"
expect_eq "the new repository has the ref" "$(git -C "$SANDBOX/work" rev-parse HEAD)" \
	"$(git -C "$REPOS/alice/fresh.git" rev-parse feature)"
check "pre-receive linked" test -L "$REPOS/alice/fresh.git/hooks/pre-receive"
check "post-receive linked" test -L "$REPOS/alice/fresh.git/hooks/post-receive"
expect_eq "push options advertised" true "$(git -C "$REPOS/alice/fresh.git" config receive.advertisePushOptions)"
git_as alice -C "$SANDBOX/work" push git@host:bob/fresh.git main:feature
expect_eq "alice cannot make bob's repository" 128 "$rc"
check "nothing made for bob" test ! -e "$REPOS/bob"

# Collaborators: once alice adds bob, he may manage and push; not share.
as alice "spacehook collaborators add alice/demo bob"
expect_eq "alice adds bob" 0 "$rc"
expect_contains "collaborators add says so" "bob may now push to and manage alice/demo" "$out"
as bob "spacehook secrets list alice/demo"
expect_eq "bob, a collaborator, lists the secrets" 0 "$rc"
expect_eq "bob sees names only" "HF_TOKEN" "$out"
as bob "spacehook collaborators add alice/demo carol"
expect_eq "bob cannot share" 1 "$rc"
expect_contains "bob's share refusal" "no Space 'alice/demo' that 'bob' may share" "$err"
git_as bob -C "$SANDBOX/work" push git@host:alice/demo.git HEAD:main
expect_eq "bob, a collaborator, pushes" 0 "$rc"
expect_eq "bob's push landed" "$(git -C "$SANDBOX/work" rev-parse HEAD)" \
	"$(git -C "$REPOS/alice/demo.git" rev-parse main)"
expect_eq "bob's push ran as bob" bob "$(cat "$SANDBOX/pushed-by")"
as alice "spacehook collaborators remove alice/demo bob"
expect_eq "alice removes bob" 0 "$rc"
as bob "spacehook secrets list alice/demo"
expect_eq "bob is refused again" 1 "$rc"

# No secret value ever printed, to anyone.
expect_not_contains "the secret never printed" "$SECRET" "$(cat "$ALL")"

finish
