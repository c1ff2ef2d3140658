#!/usr/bin/env bash
# Push size against memory: peak RSS of writing the build context of a
# commit holding one 1 GiB blob of zeros (a push of about 1 MiB), loose and
# then packed, against the same for a 1 MiB blob (not part of ctest).
#
#   bash tests/bench/context-bomb/run.sh [BUILD_DIR] [BIG_MIB]
#
# SP_BENCH_COMPARE: another spacehook binary (e.g. a build of an older
# commit) measured the same way. Needs GNU time (/usr/bin/time, Debian
# package `time`) and about BIG_MIB of free disk for a moment.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../../build}" && pwd)
big_mib=${2:-1024}
spacehook=$build/bin/spacehook
hook=$build/bin/pre-receive
[ -x "$spacehook" ] || { echo "no $spacehook: build first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "missing /usr/bin/time (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/spacehook-bomb.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME=$work GIT_CONFIG_NOSYSTEM=1 LC_ALL=C.UTF-8
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
export GIT_AUTHOR_DATE="1700000000 +0000" GIT_COMMITTER_DATE="1700000000 +0000"
repo=$work/repo.git
git init -q --bare "$repo"

# commit_with MIB: a commit of a valid Space and big.bin of MIB MiB of
# zeros, written as a loose object (bigFileThreshold raised: git would
# otherwise put a big file straight into a pack).
commit_with() {
	local readme dockerfile blob tree
	head -c $(($1 * 1024 * 1024)) /dev/zero >"$work/big.bin"
	blob=$(git -C "$repo" -c core.bigFileThreshold=100g hash-object -w "$work/big.bin")
	rm -f "$work/big.bin"
	readme=$(printf -- '---\nsdk: docker\napp_port: 7860\n---\n' |
		git -C "$repo" hash-object -w --stdin)
	dockerfile=$(printf 'FROM spacehook-base:busybox\n' |
		git -C "$repo" hash-object -w --stdin)
	tree=$(printf '100644 blob %s\tDockerfile\n100644 blob %s\tREADME.md\n100644 blob %s\tbig.bin\n' \
		"$dockerfile" "$readme" "$blob" | git -C "$repo" mktree)
	git -C "$repo" commit-tree -m "big.bin of $1 MiB" "$tree"
}

small=$(commit_with 1)
big=$(commit_with "$big_mib")
git -C "$repo" update-ref refs/heads/main "$big"
git -C "$repo" update-ref refs/heads/small "$small"

# rss BINARY COMMIT: peak RSS in KiB of writing the context to /dev/null.
rss() {
	/usr/bin/time -f '%M' "$1" context "$repo" "$2" 2>&1 >/dev/null | tail -1
}

# measure LABEL: one line per binary: 1 MiB, big, ratio.
measure() {
	local bin name s b
	for bin in "$spacehook" ${SP_BENCH_COMPARE:+"$SP_BENCH_COMPARE"}; do
		name="this build"
		[ "$bin" = "$spacehook" ] || name="compared"
		s=$(rss "$bin" "$small")
		b=$(rss "$bin" "$big")
		printf '  %-7s %-11s 1 MiB blob: %7s KiB   %s MiB blob: %8s KiB   ratio %s\n' \
			"$1" "$name" "$s" "$big_mib" "$b" \
			"$(python3 -c "import sys; print('%.2f' % (int(sys.argv[2]) / int(sys.argv[1])))" "$s" "$b")"
	done
}

echo "repository: $(du -sh "$repo/objects" | cut -f1) of objects (loose)," \
	"commit $big holds $big_mib MiB of zeros"
# The archive holds the blob whole: its size is in the tar header.
size=$("$spacehook" context "$repo" "$big" | tar -tv | awk '$6 == "big.bin" { print $3 }')
echo "tar entry big.bin: $size bytes (want $((big_mib * 1024 * 1024)))"

echo "peak RSS of 'spacehook context REPO COMMIT > /dev/null':"
measure loose
git -C "$repo" -c pack.compression=1 repack -adfq
git -C "$repo" prune-packed
echo "repository after git repack -adf: $(du -sh "$repo/objects" | cut -f1) of objects"
measure packed

# What pre-receive does with the default limits: refuse from the header.
out=$(cd "$repo" && printf '%s %s refs/heads/main\n' 0000000000000000000000000000000000000000 "$big" |
	GIT_DIR=. /usr/bin/time -f 'pre-receive: %e s, peak RSS %M KiB' "$hook" 2>&1) || true
echo "pre-receive with the default limits:"
printf '%s\n' "$out" | sed 's/^/  /'
