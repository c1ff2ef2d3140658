#!/usr/bin/env bash
# Repository names that cannot be a Space, and names that differ only in case:
# the push is checked and accepted, the deploy is refused with a clear line,
# and nothing is written outside the state directory of the right Space.
source "$SP_SOURCE/tests/lib/testlib.sh"

REPOS="$SANDBOX/repos"
STATE="$SANDBOX/state"
mkdir -p "$REPOS" "$STATE"
git config --global spacehook.stateDir "$STATE"
git config --global spacehook.reposRoot "$REPOS"
# No engine: every job that starts ends at once with BUILD_ERROR.
git config --global spacehook.dockerHost "unix://$SANDBOX/no-engine.sock"
git config --global user.name "A U Thor"
git config --global user.email "author@example.com"
export PATH="$SP_BIN:$PATH"

write_space "$SANDBOX/work"
git -C "$SANDBOX/work" init -q
git -C "$SANDBOX/work" add -A
git -C "$SANDBOX/work" commit -q -m space

# push_to PATH: push the Space there; output in $out, status in $rc.
push_to() {
	mkdir -p "$(dirname "$1")"
	make_bare "$1"
	set +e
	out=$(timeout 60 git -C "$SANDBOX/work" push "$1" HEAD:main 2>&1)
	rc=$?
	set -e
}

for bad in "alice/bad name" "alice/ctl$(printf '\001')x" "-x/demo" "alice/.hidden"; do
	push_to "$REPOS/$bad.git"
	expect_eq "push to '$bad' is accepted (the config is fine)" 0 "$rc"
	expect_contains "the deploy of '$bad' is refused with a reason" "spacehook: error: cannot queue the deploy:" "$out"
done

# Nested below reposRoot, or outside it: no Space at all, so the push passes
# untouched (no check, no deploy, no state).
for path in "$REPOS/deep/er/demo.git" "$SANDBOX/elsewhere/owner/demo.git"; do
	push_to "$path"
	expect_eq "push to $path is accepted" 0 "$rc"
	expect_not_contains "$path: not checked" "README.md ok" "$out"
	expect_not_contains "$path: nothing queued" "Build queued" "$out"
	expect_not_contains "$path: no deploy error" "cannot queue" "$out"
done
expect_eq "no state for them" "" "$(cat "$STATE"/spaces/*/space 2>/dev/null || true)"

# Names that differ only in case are two Spaces with two state directories.
push_to "$REPOS/Alice/Demo.git"
expect_contains "Alice/Demo gets a job" "Build queued" "$out"
push_to "$REPOS/alice/demo.git"
expect_contains "alice/demo gets a job" "Build queued" "$out"
ids=$(cat "$STATE"/spaces/*/space | sort | tr '\n' ' ')
expect_eq "two Spaces, each its own" "Alice/Demo alice/demo " "$ids"
expect_eq "two state directories" 2 "$(find "$STATE/spaces" -mindepth 1 -maxdepth 1 -type d | wc -l)"
status=$(spacehook status --json)
expect_contains "status lists Alice/Demo" '"space":"Alice/Demo"' "$status"
expect_contains "status lists alice/demo" '"space":"alice/demo"' "$status"

# Nothing was written outside the state directory and the repositories.
strays=$(find "$SANDBOX" -newer "$SANDBOX/work/README.md" -type f \
	-not -path "$STATE/*" -not -path "$REPOS/*" -not -path "$SANDBOX/work/*" \
	-not -path "$SANDBOX/elsewhere/*" -not -path "$HOME/*" | sort)
expect_eq "no file written elsewhere" "" "$strays"

# Commands given a hostile Space id refuse it before touching anything.
for bad in "../etc" "a/b/c" "alice/" "/demo" "alice/de mo" "alice/$(printf 'x\ny')"; do
	set +e
	spacehook status "$bad" >/dev/null 2>&1
	code=$?
	set -e
	expect_eq "status '$bad' is a usage error" 2 "$code"
done
check "no directory made for them" test "$(find "$STATE/spaces" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 2

finish
