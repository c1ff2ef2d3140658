#!/usr/bin/env bash
# pre-receive: which refs are checked — several refs at once, tags, other branches, deletion, force, deployBranch, packs, bad input.
source "$SP_SOURCE/tests/lib/testlib.sh"
source "$SP_SOURCE/tests/lib/pushlib.sh"

cd "$SANDBOX"

# break_readme DIR: a README whose sdk is not served here.
break_readme() {
	printf -- '---\nsdk: docker\ncolorFrom: orange\n---\n' >"$1/README.md"
}

make_checked_bare bare.git
write_space work
git -C work init -q
commit_all work "first"
push work ../bare.git main
expect_eq "first push accepted" 0 "$rc"
good=$(ref_of work main)

# Another branch and a tag with a bad README pass untouched.
git -C work checkout -q -b feature
break_readme work
commit_all work "bad on feature"
git -C work tag -a -m "a tag" v1
git -C work tag light
push work ../bare.git feature v1 light
expect_eq "other branch and tags accepted" 0 "$rc"
expect_eq "other branch and tags print nothing of ours" "" "$out"
expect_eq "feature pushed" "$(ref_of work feature)" "$(ref_of bare.git feature)"
expect_eq "annotated tag pushed" "$(ref_of work v1)" "$(ref_of bare.git v1)"
bad=$(ref_of work feature)

# Several refs in one push: one bad deploy branch refuses them all.
git -C work branch -q other "$good"
push work ../bare.git "$bad:refs/heads/main" other "$bad:refs/tags/v2"
expect_eq "bad main among several refs exits 1" 1 "$rc"
expect_contains "refusal names the problem" \
	'remote: README.md:3:12: error: "colorFrom" must be one of' "$out"
expect_eq "main unchanged" "$good" "$(ref_of bare.git main)"
expect_eq "other branch not created" none "$(ref_of bare.git refs/heads/other)"
expect_eq "tag not created" none "$(ref_of bare.git refs/tags/v2)"

# Several refs with a good deploy branch: all pass, the deploy branch is checked once.
git -C work checkout -q main
printf 'more\n' >>work/README.md
commit_all work "good change"
push work ../bare.git main other feature~0:refs/heads/bad-readme
expect_eq "good main among several refs exits 0" 0 "$rc"
expect_eq "one ok line for the deploy branch" \
	"remote: spacehook: README.md ok (sdk: docker, app_port: 7860)" "$out"
expect_eq "every ref moved" "$(ref_of work main) $good $bad" \
	"$(ref_of bare.git main) $(ref_of bare.git other) $(ref_of bare.git bad-readme)"
good=$(ref_of work main)

# Deleting the deploy branch is refused with the way to stop a Space.
push work ../bare.git :main
expect_eq "deleting main exits 1" 1 "$rc"
expect_eq "deleting main explains" \
"remote: spacehook: refusing to delete 'refs/heads/main': the Space is deployed from this branch
remote: spacehook: to stop the Space instead, the server administrator runs: spacehook stop OWNER/NAME" "$out"
expect_eq "main still there" "$good" "$(ref_of bare.git main)"
push work ../bare.git :other :refs/tags/light
expect_eq "deleting another branch and a tag is fine" 0 "$rc"
expect_eq "other deleted" none "$(ref_of bare.git refs/heads/other)"

# A force push is checked like any other.
git -C work checkout -q --orphan rewrite
break_readme work
commit_all work "rewritten history"
push work ../bare.git +rewrite:main
expect_eq "bad force push exits 1" 1 "$rc"
expect_contains "bad force push says why" "Sorry, your push was rejected" "$out"
expect_eq "bad force push leaves main" "$good" "$(ref_of bare.git main)"
write_space work
commit_all work "fixed"
push work ../bare.git +rewrite:main
expect_eq "good force push exits 0" 0 "$rc"
expect_contains "good force push ok" "remote: spacehook: README.md ok" "$out"
expect_eq "good force push moves main" "$(ref_of work rewrite)" "$(ref_of bare.git main)"

# A custom deploy branch: only that one is checked.
git -C bare.git config spacehook.deployBranch live
push work ../bare.git "+$bad:refs/heads/main"
expect_eq "main no longer checked" 0 "$rc"
push work ../bare.git "$bad:refs/heads/live"
expect_eq "live is checked" 1 "$rc"
expect_contains "live refused" "Sorry, your push was rejected" "$out"
expect_eq "live not created" none "$(ref_of bare.git refs/heads/live)"
push work ../bare.git "$good:refs/heads/live"
expect_eq "good live accepted" 0 "$rc"
push work ../bare.git :live
expect_eq "deleting live refused" 1 "$rc"
expect_contains "deleting live explains" "refusing to delete 'refs/heads/live'" "$out"
git -C bare.git config spacehook.deployBranch ""
push work ../bare.git "+$good:refs/heads/main"
expect_eq "empty deployBranch refuses (fails closed)" 1 "$rc"
expect_contains "empty deployBranch explained" "spacehook.deployBranch" "$out"
git -C bare.git config --unset spacehook.deployBranch

# A push of 100 objects or more stays packed in the quarantine.
make_checked_bare packed.git
write_space many
git -C many init -q
for i in $(seq 1 150); do printf '%s\n' "$i" >"many/file$i.txt"; done
break_readme many
commit_all many "many files, bad README"
push many ../packed.git main
expect_eq "packed bad push exits 1" 1 "$rc"
expect_contains "packed bad push says why" '"colorFrom" must be one of' "$out"
expect_eq "packed bad push leaves nothing" none "$(ref_of packed.git refs/heads/main)"
write_space many
commit_all many "many files, good README"
push many ../packed.git main
expect_eq "packed good push exits 0" 0 "$rc"
expect_contains "packed good push ok" "remote: spacehook: README.md ok" "$out"
check "the push was kept as a pack" compgen -G "packed.git/objects/pack/*.pack" >/dev/null
expect_eq "packed good push moved main" "$(ref_of many main)" "$(ref_of packed.git main)"

# Input that git never sends is refused, never crashes.
hook() {
	set +e
	hook_out=$(cd bare.git && printf "$1" | GIT_DIR=. "$SP_BIN/pre-receive" 2>&1)
	hook_rc=$?
	set -e
}
hook "garbage\n"
expect_eq "malformed line exits 1" 1 "$hook_rc"
expect_eq "malformed line explained" \
	"spacehook: malformed line 1 from git (expected '<old-id> <new-id> <ref>')" "$hook_out"
hook "$good $good refs/heads/x\n$good ${good:0:39}g refs/heads/main\n"
expect_eq "bad id on line 2 exits 1" 1 "$hook_rc"
expect_contains "bad id on line 2 explained" "malformed line 2" "$hook_out"
long=$(head -c 5000 /dev/zero | tr '\0' 'r')
hook "$good $good refs/heads/$long\n"
expect_eq "overlong line exits 1" 1 "$hook_rc"
expect_eq "overlong line explained" "spacehook: line 1 from git is longer than 4096 bytes" "$hook_out"
hook "$good $good refs/heads/a\0b\n"
expect_eq "NUL byte exits 1" 1 "$hook_rc"
hook ""
expect_eq "empty input accepted" 0 "$hook_rc"
hook "$good $good refs/heads/main"
expect_eq "last line without newline is read" \
	"spacehook: README.md ok (sdk: docker, app_port: 7860)" "$hook_out"
hook "0000000000000000000000000000000000000000 1111111111111111111111111111111111111111 refs/heads/main\n"
expect_eq "unknown commit exits 1" 1 "$hook_rc"
expect_contains "unknown commit explained" "spacehook: cannot check 1111111" "$hook_out"
set +e
hook_out=$(cd "$SANDBOX" && echo "$good $good refs/heads/main" |
	GIT_DIR="$SANDBOX/nowhere" "$SP_BIN/pre-receive" 2>&1)
hook_rc=$?
set -e
expect_eq "no repository exits 1" 1 "$hook_rc"
expect_contains "no repository explained" "cannot open the repository" "$hook_out"

# post-receive reads the same lines: a bad one is told and queues nothing,
# the good ones still count (nothing deploys here: checked only).
post() {
	set +e
	hook_out=$(cd bare.git && printf "$1" | GIT_DIR=. "$SP_BIN/post-receive" 2>&1)
	hook_rc=$?
	set -e
}
checked="spacehook: checked ${good:0:7}; nothing deploys: the server administrator sets spacehook.reposRoot, and Spaces are the repositories at <reposRoot>/<owner>/<name>.git"
post "$good $good refs/heads/main\n"
expect_eq "post-receive: good line" 0 "$hook_rc"
expect_eq "post-receive: good line checked" "$checked" "$hook_out"
post "garbage\n"
expect_eq "post-receive: malformed line exits 0" 0 "$hook_rc"
expect_eq "post-receive: malformed line told, nothing queued" \
	"spacehook: error: malformed line 1 from git (expected '<old-id> <new-id> <ref>'); nothing is queued from it" "$hook_out"
post "$good $good refs/heads/$long\n$good $good refs/heads/main\n"
expect_eq "post-receive: overlong line, then a good one" \
	"spacehook: error: line 1 from git is longer than 4096 bytes; nothing is queued from it
$checked" "$hook_out"
post "$good ${good:0:39}g refs/heads/main\n"
expect_eq "post-receive: bad id queues nothing" \
	"spacehook: error: malformed line 1 from git (expected '<old-id> <new-id> <ref>'); nothing is queued from it" "$hook_out"
post "$good $good refs/heads/a\0b\n"
expect_eq "post-receive: NUL byte told" \
	"spacehook: error: line 1 from git is not text; nothing is queued from it" "$hook_out"

finish
