#!/usr/bin/env bash
# A state directory somebody else could plant things in is refused: a real
# push into a bare repository with the built hooks, `spacehook status` and
# `spacehook doctor` say what is wrong and the command that fixes it, and
# after running that command they work. A planted link is never followed.
source "$SP_SOURCE/tests/lib/testlib.sh"
source "$SP_SOURCE/tests/lib/pushlib.sh"

REPOS="$SANDBOX/repos"
STATE="$SANDBOX/state"
mkdir -p "$REPOS"
git config --global spacehook.stateDir "$STATE"
git config --global spacehook.reposRoot "$REPOS"
# No engine: every job that starts ends at once with BUILD_ERROR.
git config --global spacehook.dockerHost "unix://$SANDBOX/no-engine.sock"
export PATH="$SP_BIN:$PATH"
me=$(id -u)

write_space "$SANDBOX/work"
git -C "$SANDBOX/work" init -q
commit_all "$SANDBOX/work" space
make_bare "$REPOS/alice/demo.git"
make_bare "$REPOS/bob/other.git"

# push_new REPO: a new commit pushed there; output in $out, status in $rc.
n=0
push_new() {
	n=$((n + 1))
	echo "$n" >"$SANDBOX/work/n.txt"
	commit_all "$SANDBOX/work" "change $n"
	set +e
	out=$(timeout 60 git -C "$SANDBOX/work" push -f "$1" HEAD:main 2>&1)
	rc=$?
	set -e
}

# run ARGS...: spacehook ARGS; output in $out, status in $rc.
run() {
	set +e
	out=$(spacehook "$@" 2>&1)
	rc=$?
	set -e
}

# fix_in TEXT: the command after "fix: " on the first line that has one.
fix_in() {
	sed -n 's/.*fix: //p' <<<"$1" | head -n 1
}

push_new "$REPOS/alice/demo.git"
expect_eq "a first push is accepted" 0 "$rc"
expect_contains "and queues a job" "Build queued" "$out"
push_new "$REPOS/bob/other.git"
expect_contains "bob's Space too" "Build queued" "$out"
expect_eq "the state directory is 0700" 700 "$(stat -c %a "$STATE")"

# 1. A level of the tree owned by another user.
chown 65534 "$STATE/spaces"
push_new "$REPOS/alice/demo.git"
expect_contains "the push says the directory and its owner" \
	"state directory '$STATE/spaces' is owned by uid 65534" "$out"
expect_contains "and who should own it" "not by you (uid $me)" "$out"
expect_contains "and the fix" \
	"fix: chown -R $me '$STATE' && chmod -R go-w '$STATE'" "$out"
expect_not_contains "no job is queued" "Build queued" "$out"
run status
expect_eq "status refuses" 1 "$rc"
expect_contains "status says why, with the fix" \
	"state directory '$STATE/spaces' is owned by uid 65534" "$out"
expect_contains "status gives the fix" \
	"not by you (uid $me); fix: chown -R $me '$STATE' && chmod -R go-w '$STATE'" "$out"
fix=$(fix_in "$out")
run status alice/demo
expect_eq "status of one Space refuses" 1 "$rc"
run doctor
expect_contains "doctor reports it" "FAIL state directory '$STATE/spaces' is owned by uid 65534" "$out"
expect_contains "doctor gives the fix" "  fix: chown -R $me '$STATE' && chmod -R go-w '$STATE'" "$out"
sh -c "$fix"
push_new "$REPOS/alice/demo.git"
expect_contains "after the fix the push queues a job" "Build queued" "$out"
run status
expect_eq "after the fix status works" 0 "$rc"
expect_contains "and lists the Space" "alice/demo" "$out"

# 2. A Space directory writable by others.
chmod 0777 "$STATE/spaces/alice--demo"
push_new "$REPOS/alice/demo.git"
expect_contains "an open Space directory is refused" \
	"state directory '$STATE/spaces/alice--demo' is writable by group or others (mode 0777); fix: chmod -R go-w '$STATE'" "$out"
run status alice/demo
expect_eq "status refuses it" 1 "$rc"
sh -c "$(fix_in "$out")"
run status alice/demo
expect_eq "after chmod status works" 0 "$rc"

# 3. logs/ replaced by a link to somewhere else.
mkdir -m 0700 "$SANDBOX/elsewhere"
mv "$STATE/spaces/alice--demo/logs" "$SANDBOX/elsewhere/logs"
ln -s "$SANDBOX/elsewhere/logs" "$STATE/spaces/alice--demo/logs"
push_new "$REPOS/alice/demo.git"
expect_contains "a logs link is refused" \
	"state directory '$STATE/spaces/alice--demo/logs' is a symbolic link" "$out"
run status alice/demo
expect_eq "status refuses the link" 1 "$rc"
sh -c "$(fix_in "$out")"
push_new "$REPOS/alice/demo.git"
expect_contains "after removing it the push works" "Build queued" "$out"
check "logs is a directory again" test -d "$STATE/spaces/alice--demo/logs" -a ! -L "$STATE/spaces/alice--demo/logs"

# 4. A planted secrets.json linking to another Space's secrets.
printf 'bob-token-%s\n' "$$" | spacehook secrets set --no-restart bob/other HF_TOKEN >/dev/null
sum=$(sha256sum <"$STATE/spaces/bob--other/secrets.json")
ln -s "$STATE/spaces/bob--other/secrets.json" "$STATE/spaces/alice--demo/secrets.json"
run secrets list alice/demo
expect_eq "secrets list refuses the link" 1 "$rc"
expect_contains "naming the file" \
	"'$STATE/spaces/alice--demo/secrets.json' is a symbolic link" "$out"
expect_not_contains "bob's secret name is not shown" "HF_TOKEN" "$out"
push_new "$REPOS/alice/demo.git"
expect_contains "the build refuses it too" \
	"'$STATE/spaces/alice--demo/secrets.json' is a symbolic link" "$out"
expect_not_contains "bob's token never reaches alice's build" "bob-token" "$out"
expect_eq "bob's secrets untouched" "$sum" "$(sha256sum <"$STATE/spaces/bob--other/secrets.json")"
sh -c "$(fix_in "$out")"
run secrets list alice/demo
expect_eq "after rm alice has no secrets" "0:" "$rc:$out"

# 5. A parent of the state directory others can write to.
git config --global spacehook.stateDir "$SANDBOX/shared/state"
mkdir -m 0777 "$SANDBOX/shared"
run status
expect_eq "status under an open parent refuses" 1 "$rc"
expect_contains "naming the parent" \
	"'$SANDBOX/shared', a parent of state directory '$SANDBOX/shared/state', is writable by group or others (mode 0777)" "$out"
expect_contains "with chmod" "fix: chmod go-w '$SANDBOX/shared'" "$out"
sh -c "$(fix_in "$out")"
run status
expect_eq "after chmod status works" 0 "$rc"
# A sticky shared parent (like /tmp) is fine above a directory you own.
chmod 1777 "$SANDBOX/shared"
run status alice/demo
expect_eq "a sticky parent above your own directory is fine" 0 "$rc"
check "the state directory was made there" test -d "$SANDBOX/shared/state/spaces/alice--demo"

# spacehook install checks the same as it makes the directory.
git init -q --bare "$SANDBOX/i.git"
mkdir -m 0775 "$SANDBOX/group"
git -C "$SANDBOX/i.git" config spacehook.stateDir "$SANDBOX/group/state"
run install "$SANDBOX/i.git"
expect_eq "install under a group-writable parent fails" 1 "$rc"
expect_contains "saying so, with the fix" \
	"'$SANDBOX/group', a parent of state directory '$SANDBOX/group/state', is writable by group or others (mode 0775); fix: chmod go-w '$SANDBOX/group'" "$out"
sh -c "$(fix_in "$out")"
run install "$SANDBOX/i.git"
expect_eq "after the fix install passes" 0 "$rc"

finish
