#!/usr/bin/env bash
# Build context limits at push time: a deploy commit with a file over
# spacehook.maxBlobSize, or files over spacehook.maxContextSize in all, is
# refused by pre-receive from object headers, loose or packed; nothing moves.
source "$SP_SOURCE/tests/lib/testlib.sh"
source "$SP_SOURCE/tests/lib/pushlib.sh"

cd "$SANDBOX"

hint="remote: spacehook: keep big files out of the repository (e.g. download them when the image is built or when the app starts), or ask the server administrator to raise the limit"

make_checked_bare bare.git
git -C bare.git config spacehook.maxBlobSize 10k
write_space work
git -C work init -q
commit_all work "first"
push work ../bare.git main
expect_eq "small files pass" 0 "$rc"
good=$(ref_of work HEAD)

# A file over the limit: refused with its path, its size, the limit and the
# setting; the config's ok line is not shown; main and the objects stay out.
mkdir -p work/models
head -c 20481 /dev/zero >work/models/big.bin
commit_all work "big file"
push work ../bare.git main
expect_eq "file over the limit exits 1" 1 "$rc"
expect_eq "file over the limit: the message" \
"remote: spacehook: file 'models/big.bin' is too big for the build context: 20.0 KiB, over the 10 KiB limit on a file (spacehook.maxBlobSize)
$hint" "$out"
expect_contains "git names the hook" \
	"! [remote rejected] main -> main (pre-receive hook declined)" "$raw"
expect_eq "file over the limit leaves main" "$good" "$(ref_of bare.git main)"
expect_eq "file over the limit leaves no object behind" "" \
	"$(git -C bare.git cat-file -e "$(ref_of work HEAD)" 2>/dev/null && echo kept)"

# Packed in the quarantine (git keeps the pack when unpackLimit is passed).
git -C bare.git config receive.unpackLimit 1
push work ../bare.git main
expect_eq "packed file over the limit exits 1" 1 "$rc"
expect_contains "packed file over the limit: the message" \
	"remote: spacehook: file 'models/big.bin' is too big for the build context: 20.0 KiB, over the 10 KiB limit on a file (spacehook.maxBlobSize)" "$out"
expect_eq "packed file over the limit leaves main" "$good" "$(ref_of bare.git main)"
git -C bare.git config --unset receive.unpackLimit

# At the limit exactly: accepted.
head -c 10240 /dev/zero >work/models/big.bin
commit_all work "file at the limit"
push work ../bare.git main
expect_eq "file at the limit exits 0" 0 "$rc"
expect_eq "file at the limit: the ok line only" \
	"remote: spacehook: README.md ok (sdk: docker, app_port: 7860)" "$out"
expect_eq "file at the limit moves main" "$(ref_of work HEAD)" "$(ref_of bare.git main)"
good=$(ref_of work HEAD)

# The total: 40 more files of 1 KiB in a directory (its sizes are then kept
# in the repository), and a limit just above what the tree holds.
git -C bare.git config spacehook.maxBlobSize 0
mkdir -p work/data
for i in $(seq 1 40); do head -c 1024 /dev/zero >"work/data/f$i"; done
commit_all work "many files"
total=$(git -C work ls-tree -r -l HEAD | awk '{ s += $4 } END { print s }')
git -C bare.git config spacehook.maxContextSize $((total + 100))
push work ../bare.git main
expect_eq "files within the total exit 0" 0 "$rc"
check "the sizes of the big tree are kept" test -s bare.git/spacehook-tree-sizes
good=$(ref_of work HEAD)

# The file named is the one with which the files pass the limit, in the
# order of the archive: models/ comes after data/.
head -c 101 /dev/zero >work/data/f41
commit_all work "one more"
push work ../bare.git main
expect_eq "files over the total exit 1" 1 "$rc"
expect_eq "files over the total: the message" \
"remote: spacehook: the build context is too big: with 'models/big.bin' (10 KiB) its files come to $((total + 101)) bytes, over the $((total + 100)) bytes limit on them all (spacehook.maxContextSize)
$hint" "$out"
expect_eq "files over the total leave main" "$good" "$(ref_of bare.git main)"

# The kept sizes do not hide a file that grew inside a kept directory.
git -C work rm -q data/f41
git -C bare.git config spacehook.maxBlobSize 1k
head -c 1025 /dev/zero >work/data/f7
commit_all work "a kept directory changes"
push work ../bare.git main
expect_eq "a grown file in a kept directory exits 1" 1 "$rc"
expect_contains "a grown file in a kept directory: the message" \
	"remote: spacehook: file 'data/f7' is too big for the build context: 1025 bytes, over the 1024 bytes limit on a file (spacehook.maxBlobSize)" "$out"
expect_eq "a grown file leaves main" "$good" "$(ref_of bare.git main)"

# Limits off (0): anything goes.
git -C bare.git config spacehook.maxBlobSize 0
git -C bare.git config spacehook.maxContextSize 0
push work ../bare.git main
expect_eq "limits of 0 accept" 0 "$rc"
good=$(ref_of work HEAD)

# A setting that does not parse refuses the push and says which.
git -C bare.git config spacehook.maxBlobSize lots
printf 'more\n' >>work/data/f1
commit_all work "after a bad setting"
push work ../bare.git main
expect_eq "bad setting exits 1" 1 "$rc"
expect_contains "bad setting: the key" \
	"remote: spacehook: spacehook.maxBlobSize: 'lots' is not a size" "$out"
expect_eq "bad setting leaves main" "$good" "$(ref_of bare.git main)"

finish
