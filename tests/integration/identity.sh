#!/usr/bin/env bash
# Which repositories are Spaces, and which Space a push may touch: without
# spacehook.reposRoot a push is checked and nothing deploys; only
# <reposRoot>/<owner>/<name>.git has an id (a nested path does not); a Space
# is bound to the repository that first deployed it, and a push from another
# repository mapping to the same id is refused before any ref moves until the
# administrator rebinds it; spacehook.spaces and spacehook.space choose the
# Spaces among the repositories.
. "$(dirname "$0")/../lib/testlib.sh"

REPOS="$SANDBOX/repos"
STATE="$SANDBOX/state"
mkdir -p "$REPOS" "$STATE"
git config --global spacehook.stateDir "$STATE"
git config --global user.name "A U Thor"
git config --global user.email "author@example.com"
# post-receive starts "$SPACEHOOK_PROGRAM worker": no engine here, so that
# worker does nothing and pushes (with wait=no) do not wait for it.
export SPACEHOOK_PROGRAM=/bin/true
export PATH="$SP_BIN:$PATH"

write_space "$SANDBOX/work"
git -C "$SANDBOX/work" init -q
git -C "$SANDBOX/work" add -A
git -C "$SANDBOX/work" commit -q -m space

# push_to PATH: push the Space there (a fresh commit); output in $out, status in $rc.
push_to() {
	[ -d "$1" ] || { mkdir -p "$(dirname "$1")"; make_bare "$1"; }
	git -C "$SANDBOX/work" commit -q --allow-empty -m "change $RANDOM"
	set +e
	out=$(timeout 60 git -C "$SANDBOX/work" push -o spacehook.wait=no "$1" HEAD:main 2>&1)
	rc=$?
	set -e
}

spaces_known() {
	cat "$STATE"/spaces/*/space 2>/dev/null | sort | tr '\n' ' '
}

# 1. No reposRoot: checked, nothing deploys, and the push says which setting to add.
push_to "$REPOS/alice/demo.git"
expect_eq "no reposRoot: the push is accepted" 0 "$rc"
expect_contains "no reposRoot: still checked" "README.md ok" "$out"
expect_contains "no reposRoot: says nothing deploys and what to set" \
	"nothing deploys: the server administrator sets spacehook.reposRoot" "$out"
expect_not_contains "no reposRoot: no build" "Build queued" "$out"
expect_eq "no reposRoot: no Space state" "" "$(spaces_known)"
good=$(git -C "$SANDBOX/work" rev-parse HEAD)
printf -- '---\nsdk: nope\n---\n' >"$SANDBOX/work/README.md"
git -C "$SANDBOX/work" commit -q -am "bad config"
before=$(git -C "$REPOS/alice/demo.git" rev-parse main)
push_to "$REPOS/alice/demo.git"
expect_eq "no reposRoot: a bad config is still refused" 1 "$rc"
expect_eq "no reposRoot: the ref did not move" "$before" "$(git -C "$REPOS/alice/demo.git" rev-parse main)"
git -C "$SANDBOX/work" reset -q --hard "$good"

# 2. With reposRoot: exactly <root>/<owner>/<name>.git.
git config --global spacehook.reposRoot "$REPOS"
push_to "$REPOS/alice/demo.git"
expect_eq "alice/demo: accepted" 0 "$rc"
expect_contains "alice/demo: queued" "alice/demo: build of" "$out"
expect_eq "alice/demo bound to its repository" "$(realpath "$REPOS/alice/demo.git")" \
	"$(cat "$STATE/spaces/alice--demo/repo")"

# The takeover through a nested path: no Space at all, Alice's untouched.
push_to "$REPOS/mallory/x/alice/demo.git"
expect_eq "nested path: the push itself is accepted" 0 "$rc"
expect_not_contains "nested path: nothing queued" "build of" "$out"
expect_not_contains "nested path: not checked as a Space" "README.md ok" "$out"
expect_eq "nested path: only alice/demo is known" "alice/demo " "$(spaces_known)"
expect_eq "nested path: alice/demo still bound to hers" "$(realpath "$REPOS/alice/demo.git")" \
	"$(cat "$STATE/spaces/alice--demo/repo")"

# 3. Another repository mapping to the same id (a second root here) is refused
# before any ref moves; the administrator's rebind lets it through.
REPOS2="$SANDBOX/repos2"
push_to "$REPOS2/alice/demo.git" # made, but under no root yet: untouched
git config --global spacehook.reposRoot "$REPOS2"
before=$(git -C "$REPOS2/alice/demo.git" rev-parse main)
push_to "$REPOS2/alice/demo.git"
expect_eq "other repository for alice/demo: refused" 1 "$rc"
expect_contains "the refusal names the bound repository and the fix" \
	"alice/demo is bound to the repository '$(realpath "$REPOS/alice/demo.git")', not to '$(realpath "$REPOS2/alice/demo.git")'; the server administrator moves it with 'spacehook rebind alice/demo" "$out"
expect_eq "other repository: its ref did not move" "$before" "$(git -C "$REPOS2/alice/demo.git" rev-parse main)"
set +e
msg=$(spacehook rebind alice/demo "$REPOS/alice/demo.git" 2>&1)
rc=$?
set -e
expect_eq "rebind to a repository not at the Space's path: refused" 1 "$rc"
expect_contains "rebind says why" "not under the repositories root" "$msg"
set +e
msg=$(spacehook rebind alice/demo "$REPOS2/alice/demo.git" 2>&1)
rc=$?
set -e
expect_eq "rebind: exit 0" 0 "$rc"
expect_contains "rebind: says so" "alice/demo is bound to $(realpath "$REPOS2/alice/demo.git")" "$msg"
push_to "$REPOS2/alice/demo.git"
expect_eq "after rebind: accepted" 0 "$rc"
expect_contains "after rebind: queued" "alice/demo: build of" "$out"

# 4. spacehook.spaces chooses the Spaces; spacehook.space overrides per repository.
git config --global spacehook.spaces "spaces/*"
mkdir -p "$SANDBOX/plain"
git -C "$SANDBOX/plain" init -q
echo notes >"$SANDBOX/plain/notes.txt"
git -C "$SANDBOX/plain" add -A
git -C "$SANDBOX/plain" commit -q -m notes
mkdir -p "$REPOS2/alice"
make_bare "$REPOS2/alice/dotfiles.git"
set +e
out=$(git -C "$SANDBOX/plain" push "$REPOS2/alice/dotfiles.git" HEAD:main 2>&1)
rc=$?
set -e
expect_eq "not matching spacehook.spaces: a non-Space push passes" 0 "$rc"
expect_not_contains "not matching: untouched" "remote:" "$out"
git -C "$REPOS2/alice/dotfiles.git" config spacehook.space true
git -C "$SANDBOX/plain" commit -q --allow-empty -m again
set +e
out=$(git -C "$SANDBOX/plain" push "$REPOS2/alice/dotfiles.git" HEAD:main 2>&1)
rc=$?
set -e
expect_eq "spacehook.space=true: checked, so refused without README.md" 1 "$rc"
expect_contains "spacehook.space=true: the check speaks" "README.md" "$out"
mkdir -p "$REPOS2/spaces"
push_to "$REPOS2/spaces/x.git"
expect_eq "matching spacehook.spaces: deployed" 0 "$rc"
expect_contains "matching: queued" "spaces/x: build of" "$out"
git -C "$REPOS2/spaces/x.git" config spacehook.space false
printf -- '---\nsdk: nope\n---\n' >"$SANDBOX/work/README.md"
git -C "$SANDBOX/work" commit -q -am "bad config"
push_to "$REPOS2/spaces/x.git"
expect_eq "spacehook.space=false: untouched even with a bad config" 0 "$rc"
expect_not_contains "spacehook.space=false: nothing said" "remote:" "$out"

finish
