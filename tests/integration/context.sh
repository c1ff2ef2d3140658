#!/usr/bin/env bash
# spacehook context on a bare repository: the tar it writes, read by tar(1).
. "$(dirname "$0")/../lib/testlib.sh"

cd "$SANDBOX"
make_bare bare.git
write_space work
cd work
mkdir -p app/static
printf 'print("hi")\n' >app/main.py
printf 'body {}\n' >app/static/style.css
printf '#!/bin/sh\nexec python3 app/main.py\n' >start.sh
chmod 755 start.sh
ln -s app/main.py main-link.py
printf 'spaced\n' >'with space.txt'
head -c 3000000 /dev/zero | tr '\0' 'z' >big.bin
git init -q .
git add -A
git commit -q -m first
git update-index --add --cacheinfo "160000,$(git rev-parse HEAD),vendor/lib"
git commit -q -m 'a submodule'
git push -q ../bare.git HEAD:main 2>/dev/null
cd "$SANDBOX"

sh="$SP_BIN/spacehook"

# The archive lists what the commit holds, and nothing of the submodule.
status=0
"$sh" context bare.git main >ctx.tar 2>ctx.err || status=$?
expect_eq "context exits 0" 0 "$status"
list=$(tar -tf ctx.tar)
expect_eq "entries in tree order" "Dockerfile
README.md
app/
app/main.py
app/static/
app/static/style.css
big.bin
main-link.py
start.sh
vendor/
with space.txt" "$list"
expect_contains "submodule warned about on stderr" \
	"spacehook: warning: submodule 'vendor/lib'" "$(cat ctx.err)"
expect_eq "every entry owned by 0/0" "" \
	"$(tar -tvf ctx.tar | grep -v ' 0/0 ' || true)"
expect_eq "names relative, no leading ./ or /" "" \
	"$(grep -E '^(\./|/)' <<<"$list" || true)"
expect_contains "executable keeps its mode" "-rwxr-xr-x 0/0" \
	"$(tar -tvf ctx.tar start.sh)"
expect_contains "symlink stays a link" "main-link.py -> app/main.py" \
	"$(tar -tvf ctx.tar main-link.py)"

# Extracted, it is the same tree as git archive gives.
mkdir ours theirs
tar -xf ctx.tar -C ours
git -C bare.git archive main | tar -xf - -C theirs
rmdir theirs/vendor/lib
check "extracted tree equals git archive's" diff -r ours theirs
check "executable bit survives extraction" test -x ours/start.sh
check "symlink survives extraction" test -L ours/main-link.py

# Piped straight into tar, by revision of any kind.
check "piped to tar -x" bash -c "'$sh' context bare.git main~1 2>/dev/null | tar -xf - -C ours"
expect_eq "same bytes for the same commit" "$(sha256sum <ctx.tar | cut -d' ' -f1)" \
	"$("$sh" context bare.git "$(git -C bare.git rev-parse main)" 2>/dev/null | sha256sum | cut -d' ' -f1)"

# A reader that goes away early: an error, not a crash by SIGPIPE.
set +e
"$sh" context bare.git main 2>gone.err | head -c 100 >/dev/null
status=${PIPESTATUS[0]}
set -e
expect_eq "reader gone: exit 1" 1 "$status"
expect_contains "reader gone: says why" "Broken pipe" "$(cat gone.err)"

# Bad input: clear message and the right exit status.
set +e
out=$("$sh" context bare.git no-such-branch 2>&1 >/dev/null)
expect_eq "unknown revision exits 1" 1 $?
expect_contains "unknown revision named" "no-such-branch" "$out"
out=$("$sh" context "$SANDBOX/nowhere" main 2>&1 >/dev/null)
expect_eq "missing repository exits 1" 1 $?
expect_contains "missing repository named" "nowhere" "$out"
out=$("$sh" context bare.git 2>&1 >/dev/null)
expect_eq "one argument is a usage error" 2 $?
expect_contains "usage shown" "usage: spacehook context" "$out"
"$sh" context --bogus bare.git main >/dev/null 2>&1
expect_eq "unknown option is a usage error" 2 $?
out=$("$sh" context --help)
expect_eq "--help exits 0" 0 $?
expect_contains "--help explains" "tar archive" "$out"
if command -v script >/dev/null; then
	out=$(script -qec "'$sh' context '$SANDBOX/bare.git' main" /dev/null)
	expect_eq "terminal refused: exit 2" 2 $?
	expect_contains "terminal refused: says why" "refusing to write a tar" "$out"
	expect_not_contains "terminal refused: no archive bytes" "README.md" "$out"
fi
set -e

finish
