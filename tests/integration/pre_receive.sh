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

# sdk static: refused while spacehook.sdks lacks it, with today's message.
git -C work reset -q --hard "$good"
git -C work rm -q Dockerfile
cat >work/README.md <<'EOF'
---
title: Site
sdk: static
---
EOF
printf '<h1>hi</h1>\n' >work/index.html
commit_all work "static"
push work ../bare.git main
expect_eq "static refused without spacehook.sdks" \
"remote: Sorry, your push was rejected during YAML metadata verification:
remote: README.md:3:6: error: \"sdk\" is \"static\", but this server serves only Docker Spaces (\"sdk: docker\" with a Dockerfile)" "$out"
expect_eq "refused static leaves main" "$good" "$(ref_of bare.git main)"

# Served (spacehook.sdks=docker,static): no Dockerfile needed.
git -C bare.git config spacehook.sdks docker,static
push work ../bare.git main
expect_eq "static accepted with sdks=docker,static" 0 "$rc"
expect_eq "static ok line" \
	"remote: spacehook: README.md ok (sdk: static, app_file: index.html)" "$out"
expect_eq "static push moves main" "$(ref_of work HEAD)" "$(ref_of bare.git main)"
static_good=$(ref_of work HEAD)

# Its page must be in the tree: the error points at sdk, or at app_file.
git -C work rm -q index.html
printf 'x\n' >work/other.html
commit_all work "no index"
push work ../bare.git main
expect_eq "static without index.html refused at sdk" \
"remote: Sorry, your push was rejected during YAML metadata verification:
remote: README.md:3:6: error: sdk \"static\" serves index.html, but the repository has none at its root; add index.html, or set \"app_file\" to the page to serve" "$out"
cat >work/README.md <<'EOF'
---
title: Site
sdk: static
app_file: pages/home.html
---
EOF
commit_all work "app_file missing"
push work ../bare.git main
expect_eq "static without its app_file refused at app_file" \
"remote: Sorry, your push was rejected during YAML metadata verification:
remote: README.md:4:11: error: \"app_file\" is \"pages/home.html\", but the repository has no such file there; add that file, or set \"app_file\" to the page to serve" "$out"
expect_eq "missing app_file leaves main" "$static_good" "$(ref_of bare.git main)"
mkdir -p work/pages
printf 'home\n' >work/pages/home.html
commit_all work "app_file there"
push work ../bare.git main
expect_eq "static with its app_file accepted" 0 "$rc"
expect_contains "static app_file ok line" \
	"remote: spacehook: README.md ok (sdk: static, app_file: pages/home.html)" "$out"

# gradio stays refused, word for word, with static served.
printf -- '---\nsdk: gradio\n---\n' >work/README.md
commit_all work "gradio"
push work ../bare.git main
expect_eq "gradio still refused with sdks=docker,static" \
"remote: Sorry, your push was rejected during YAML metadata verification:
remote: README.md:2:6: error: \"sdk\" is \"gradio\", but this server serves only Docker Spaces (\"sdk: docker\" with a Dockerfile)" "$out"
git -C bare.git config --unset spacehook.sdks

finish
