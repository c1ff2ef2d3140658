#!/usr/bin/env bash
# pre-receive: real pushes of one deploy branch, what the pusher reads, where refs end up.
source "$SP_SOURCE/tests/lib/testlib.sh"
source "$SP_SOURCE/tests/lib/pushlib.sh"

cd "$SANDBOX"

make_checked_bare bare.git
write_space work
git -C work init -q
commit_all work "first"

# A valid Space is accepted and says so.
push work ../bare.git main
expect_eq "valid push exits 0" 0 "$rc"
expect_eq "valid push prints the ok line" \
	"remote: spacehook: README.md ok (sdk: docker, app_port: 7860)" "$out"
expect_eq "valid push moves main" "$(ref_of work HEAD)" "$(ref_of bare.git main)"
good=$(ref_of work HEAD)

# A wrong config is refused with every problem, and nothing moves.
cat >work/README.md <<'EOF'
---
title: Demo
emoji: 🚀
colorFrom: blue
colorTo: orange
sdk: docker
app_port: http
---

# Demo
EOF
commit_all work "bad colors"
push work ../bare.git main
expect_eq "invalid push exits 1" 1 "$rc"
expect_eq "invalid push prints the exact problems" \
"remote: Sorry, your push was rejected during YAML metadata verification:
remote: README.md:5:10: error: \"colorTo\" must be one of [red, yellow, green, blue, indigo, purple, pink, gray] (got \"orange\")
remote: README.md:7:11: error: \"app_port\" must be an integer from 1 to 65535 (got \"http\")" "$out"
expect_contains "git names the hook" \
	"! [remote rejected] main -> main (pre-receive hook declined)" "$raw"
expect_eq "invalid push leaves main" "$good" "$(ref_of bare.git main)"
expect_eq "invalid push leaves no object behind" "" \
	"$(git -C bare.git cat-file -e "$(ref_of work HEAD)" 2>/dev/null && echo kept)"

# Warnings do not refuse a push; they are shown before the ok line.
cat >work/README.md <<'EOF'
---
title: Demo
sdk: docker
app_port: 8000
colour_from: blue
---
EOF
commit_all work "warning"
push work ../bare.git main
expect_eq "push with a warning exits 0" 0 "$rc"
expect_contains "warning shown" \
	'remote: README.md:5:1: warning: unknown key "colour_from"' "$out"
expect_contains "ok line after the warning" \
	"remote: spacehook: README.md ok (sdk: docker, app_port: 8000)" "$out"
expect_eq "push with a warning moves main" "$(ref_of work HEAD)" "$(ref_of bare.git main)"

write_space work
commit_all work "clean again"
push work ../bare.git main
expect_eq "clean push exits 0" 0 "$rc"
good=$(ref_of work HEAD)

# sdk docker without a Dockerfile: the error points at the sdk value.
git -C work rm -q Dockerfile
commit_all work "no Dockerfile"
push work ../bare.git main
expect_eq "missing Dockerfile exits 1" 1 "$rc"
expect_eq "missing Dockerfile message" \
"remote: Sorry, your push was rejected during YAML metadata verification:
remote: README.md:6:6: error: sdk \"docker\" needs a Dockerfile at the root of the repository (none found)" "$out"
expect_eq "missing Dockerfile leaves main" "$good" "$(ref_of bare.git main)"

# A Dockerfile that is a directory or a symbolic link is not one.
mkdir work/Dockerfile
printf 'FROM x\n' >work/Dockerfile/inner
commit_all work "Dockerfile dir"
push work ../bare.git main
expect_contains "Dockerfile directory refused" \
	'needs a Dockerfile at the root of the repository (found a directory)' "$out"
git -C work rm -rq Dockerfile
printf 'FROM spacehook-base:busybox\n' >work/Dockerfile.real
ln -s Dockerfile.real work/Dockerfile
commit_all work "Dockerfile link"
push work ../bare.git main
expect_contains "Dockerfile link refused" \
	'(found a symbolic link; it must be a regular file)' "$out"
expect_eq "bad Dockerfiles leave main" "$good" "$(ref_of bare.git main)"
git -C work rm -q Dockerfile
git -C work mv Dockerfile.real Dockerfile

# README.md that is not a regular file.
git -C work mv README.md README.real
ln -s README.real work/README.md
commit_all work "README link"
push work ../bare.git main
expect_eq "README link refused" \
"remote: Sorry, your push was rejected during YAML metadata verification:
remote: README.md: error: README.md is a symbolic link; it must be a regular file" "$out"
git -C work rm -q README.md
mkdir work/README.md
cp work/README.real work/README.md/README.md
commit_all work "README dir"
push work ../bare.git main
expect_contains "README directory refused" \
	"remote: README.md: error: README.md is a directory; it must be a regular file" "$out"
git -C work rm -rq README.md
git -C work update-index --add --cacheinfo "160000,$good,README.md"
git -C work commit -q -m "README submodule"
push work ../bare.git main
expect_contains "README submodule refused" \
	"remote: README.md: error: README.md is a submodule; it must be a regular file" "$out"
git -C work rm -q --cached README.md
commit_all work "no README"
push work ../bare.git main
expect_contains "missing README refused" \
	"remote: README.md: error: no README.md at the root of the repository" "$out"
expect_eq "README problems exit 1" 1 "$rc"
expect_eq "README problems leave main" "$good" "$(ref_of bare.git main)"

# A README over 16 MiB is refused from its size alone, quickly.
git -C work mv README.real README.md
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >>work/README.md
commit_all work "huge README"
huge=$(wc -c <work/README.md)
start=$(date +%s%N)
push work ../bare.git main
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "17 MiB README refused" \
"remote: Sorry, your push was rejected during YAML metadata verification:
remote: README.md: error: README.md is $huge bytes; the limit is 16777216 bytes (16 MiB)" "$out"
check "17 MiB push answered within 20 s (took ${took} ms)" test "$took" -lt 20000
expect_eq "huge README leaves main" "$good" "$(ref_of bare.git main)"

# The hook alone, fed as git feeds it: a huge README is judged on its header.
git -C work reset -q --hard "$good"
set +e
hook_out=$(cd bare.git && printf '%s %s refs/heads/main\n' "$good" "$good" |
	GIT_DIR=. "$SP_BIN/pre-receive" 2>&1)
hook_rc=$?
set -e
expect_eq "hook run by hand accepts the good commit" 0 "$hook_rc"
expect_eq "hook run by hand prints the ok line" \
	"spacehook: README.md ok (sdk: docker, app_port: 7860)" "$hook_out"

finish
