#!/usr/bin/env bash
# spacehook validate: a README file, a Space directory, a commit; the messages and exit codes 0/1/2.
source "$SP_SOURCE/tests/lib/testlib.sh"

cd "$SANDBOX"

# validate ARGS...: run in the current directory; sets $out (stdout and stderr) and $rc.
validate() {
	set +e
	out=$("$SP_BIN/spacehook" validate "$@" 2>&1)
	rc=$?
	set -e
}

write_space space
mkdir bad
cat >bad/README.md <<'EOF'
---
title: Demo
emoji: 🚀
colorFrom: blue
colorTo: orange
sdk: docker
app_port: http
---
EOF

# A file.
validate space/README.md
expect_eq "valid file exits 0" 0 "$rc"
expect_eq "valid file ok line" "spacehook: space/README.md ok (sdk: docker, app_port: 7860)" "$out"
validate bad/README.md
expect_eq "invalid file exits 1" 1 "$rc"
expect_eq "invalid file messages" \
'bad/README.md:5:10: error: "colorTo" must be one of [red, yellow, green, blue, indigo, purple, pink, gray] (got "orange")
bad/README.md:7:11: error: "app_port" must be an integer from 1 to 65535 (got "http")
spacehook: bad/README.md: 2 errors, 0 warnings; a push of this would be rejected' "$out"
validate bad/nothing.md
expect_eq "missing file exits 1" 1 "$rc"
expect_eq "missing file explained" "spacehook: validate: no such file or directory 'bad/nothing.md'" "$out"
validate nodir/
expect_eq "missing directory exits 1" 1 "$rc"
expect_eq "missing directory explained" "spacehook: validate: no such file or directory 'nodir/'" "$out"
mkdir empty
validate empty
expect_eq "directory without README exits 1" 1 "$rc"
expect_contains "directory without README explained" "empty/README.md: error: no README.md at the root" "$out"

# A file alone does not need a Dockerfile; a directory does.
mkdir nodocker
cp space/README.md nodocker/
validate nodocker/README.md
expect_eq "file without Dockerfile exits 0" 0 "$rc"
validate nodocker
expect_eq "directory without Dockerfile exits 1" 1 "$rc"
expect_eq "directory without Dockerfile message" \
'nodocker/README.md:6:6: error: sdk "docker" needs a Dockerfile at the root of the repository (none found)
spacehook: nodocker/README.md: 1 error, 0 warnings; a push of this would be rejected' "$out"
validate space/
expect_eq "valid directory exits 0" 0 "$rc"
expect_eq "valid directory ok line" "spacehook: space/README.md ok (sdk: docker, app_port: 7860)" "$out"

# No argument: the current directory.
(cd space && "$SP_BIN/spacehook" validate >../out.txt 2>&1)
expect_eq "current directory ok" "spacehook: README.md ok (sdk: docker, app_port: 7860)" "$(cat out.txt)"
set +e
(cd bad && "$SP_BIN/spacehook" validate >../out.txt 2>&1)
rc=$?
set -e
expect_eq "current directory with errors exits 1" 1 "$rc"
expect_contains "current directory names README.md" "README.md:5:10: error:" "$(cat out.txt)"

# Warnings keep exit 0.
printf -- '---\nsdk: docker\ncolour_from: blue\n---\n' >warn.md
validate warn.md
expect_eq "warnings exit 0" 0 "$rc"
expect_contains "warning shown" 'warn.md:3:1: warning: unknown key "colour_from"' "$out"
expect_contains "ok after warning" "spacehook: warn.md ok (sdk: docker, app_port: 7860)" "$out"

# A README that is a symbolic link is what git would store: refused.
mkdir linked
cp space/Dockerfile linked/
cp space/README.md linked/README.real
ln -s README.real linked/README.md
validate linked
expect_eq "README link exits 1" 1 "$rc"
expect_contains "README link explained" \
	"linked/README.md: error: README.md is a symbolic link; it must be a regular file" "$out"

# A commit of the repository the command stands in.
git init -q repo
cp space/README.md space/Dockerfile repo/
git -C repo add -A
git -C repo commit -q -m good
cp bad/README.md repo/
git -C repo commit -q -am bad
(cd repo && "$SP_BIN/spacehook" validate --rev HEAD~1 >../out.txt 2>&1)
expect_eq "--rev good commit" "spacehook: README.md ok (sdk: docker, app_port: 7860)" "$(cat out.txt)"
set +e
(cd repo && "$SP_BIN/spacehook" validate --rev=main >../out.txt 2>&1)
rc=$?
(cd repo && "$SP_BIN/spacehook" validate --rev nope >../out2.txt 2>&1)
rc2=$?
set -e
expect_eq "--rev bad commit exits 1" 1 "$rc"
expect_contains "--rev bad commit messages" 'README.md:5:10: error: "colorTo"' "$(cat out.txt)"
expect_eq "--rev unknown exits 1" 1 "$rc2"
expect_eq "--rev unknown explained" "spacehook: validate: unknown revision 'nope'" "$(cat out2.txt)"
validate --rev HEAD
expect_eq "--rev outside a repository exits 1" 1 "$rc"
expect_contains "--rev outside a repository explained" "cannot open the repository" "$out"

# The pre-commit hook of the user guide checks exactly what is staged.
mkdir -p bin
ln -s "$SP_BIN/spacehook" bin/spacehook
cat >repo/.git/hooks/pre-commit <<'EOF'
#!/bin/sh
tree=$(git write-tree) || exit 1
commit=$(git commit-tree "$tree" -m "spacehook validate") || exit 1
exec spacehook validate --rev "$commit"
EOF
chmod +x repo/.git/hooks/pre-commit
cp space/README.md repo/README.md
git -C repo add README.md
cp bad/README.md repo/README.md # the work tree is bad, the index good
set +e
out=$(PATH="$SANDBOX/bin:$PATH" git -C repo commit -q -m fixed 2>&1)
rc=$?
set -e
expect_eq "pre-commit lets a good index through" 0 "$rc"
expect_eq "pre-commit prints the ok line" \
	"spacehook: README.md ok (sdk: docker, app_port: 7860)" "$out"
git -C repo add README.md
set +e
out=$(PATH="$SANDBOX/bin:$PATH" git -C repo commit -q -m broken 2>&1)
rc=$?
set -e
expect_eq "pre-commit stops a bad index" 1 "$rc"
expect_contains "pre-commit says why" 'README.md:5:10: error: "colorTo"' "$out"
expect_eq "no commit made" "fixed" "$(git -C repo log -1 --format=%s)"

# Usage.
validate --help
expect_eq "--help exits 0" 0 "$rc"
expect_contains "--help shows usage" "usage: spacehook validate [FILE | DIR]" "$out"
for args in "a b" "--rev" "--rev=" "--bogus" "--rev HEAD space"; do
	# shellcheck disable=SC2086
	validate $args
	expect_eq "usage error for '$args' exits 2" 2 "$rc"
	expect_contains "usage error for '$args' shows usage" "usage: spacehook validate" "$out"
done
validate -- space
expect_eq "-- then a path" 0 "$rc"

# A missing Dockerfile is reported with the other problems, in one run.
mkdir -p "$SANDBOX/both"
printf -- '---\nsdk: docker\ncolorTo: orange\n---\n' >"$SANDBOX/both/README.md"
validate "$SANDBOX/both"
expect_eq "two problems exit 1" 1 "$rc"
expect_contains "Dockerfile reported" 'README.md:2:6: error: sdk "docker" needs a Dockerfile at the root of the repository (none found)' "$out"
expect_contains "with the other error" 'README.md:3:10: error: "colorTo" must be one of' "$out"

# sdk static: refused unless spacehook.sdks serves it (git config as any
# command sees it for a directory, as the repository sees it for --rev).
mkdir site
printf -- '---\nsdk: static\n---\n' >site/README.md
validate site
expect_eq "static refused by default" 1 "$rc"
expect_contains "static refusal as today" \
	'site/README.md:2:6: error: "sdk" is "static", but this server serves only Docker Spaces ("sdk: docker" with a Dockerfile)' "$out"
git config --global spacehook.sdks docker,static
validate site
expect_eq "static without index.html exits 1" 1 "$rc"
expect_contains "static without index.html points at sdk" \
	'site/README.md:2:6: error: sdk "static" serves index.html, but the repository has none at its root' "$out"
printf 'hi\n' >site/index.html
validate site
expect_eq "static with index.html exits 0" 0 "$rc"
expect_eq "static ok line" "spacehook: site/README.md ok (sdk: static, app_file: index.html)" "$out"
git -C site init -q
git -C site add -A
git -C site commit -q -m site
cd site
validate --rev HEAD
cd ..
expect_eq "static commit exits 0" 0 "$rc"
expect_eq "static commit ok line" "spacehook: README.md ok (sdk: static, app_file: index.html)" "$out"
git config --global --unset spacehook.sdks
cd site
validate --rev HEAD
cd ..
expect_eq "static commit refused once unset" 1 "$rc"
git -C site config spacehook.sdks docker,static
cd site
validate --rev HEAD
cd ..
expect_eq "the repository's spacehook.sdks counts for --rev" 0 "$rc"
validate site
expect_eq "but not for a directory" 1 "$rc"

finish
