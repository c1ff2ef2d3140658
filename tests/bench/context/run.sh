#!/usr/bin/env bash
# Benchmark of `spacehook context` against `git archive` on a generated repository
# of 50,000 files (not part of ctest; prints numbers).
#
#   bash tests/bench/context/run.sh [BUILD_DIR] [FILES] [LARGE_MIB]
#
# SP_BENCH_RUNS: hyperfine runs (5); SP_BENCH_COMPARE: another spacehook
# binary to time and to compare the archive bytes with.
#
# Needs hyperfine and GNU time (/usr/bin/time, Debian package `time`:
# apt-get install time). The repository is cached in $SP_BENCH_DIR
# (default /tmp/spacehook-bench-context) since making it takes a minute.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../../build}
files=${2:-50000}
large_mib=${3:-20}
runs=${SP_BENCH_RUNS:-5}
dir=${SP_BENCH_DIR:-/tmp/spacehook-bench-context}
spacehook=$(cd "$build" && pwd)/bin/spacehook
repo=$dir/repo-$files-$large_mib.git

for tool in hyperfine /usr/bin/time python3 git; do
	if ! command -v "$tool" >/dev/null; then
		echo "missing $tool (apt-get install hyperfine time)" >&2
		exit 1
	fi
done
[ -x "$spacehook" ] || { echo "no $spacehook: build first" >&2; exit 1; }

export GIT_CONFIG_NOSYSTEM=1 HOME=$dir/home
mkdir -p "$HOME"
if [ ! -d "$repo" ]; then
	echo "generating $repo ($files files, one of $large_mib MiB) ..."
	git init -q --bare "$repo.tmp"
	python3 "$here/gen.py" "$files" "$large_mib" |
		git -C "$repo.tmp" fast-import --quiet
	# A packed repository with deltas, as a server holds after gc.
	git -C "$repo.tmp" repack -adq
	mv "$repo.tmp" "$repo"
fi

echo "repository: $repo"
echo "  pack: $(du -sh "$repo/objects/pack" | cut -f1)," \
	"tar: $("$spacehook" context "$repo" main | wc -c) bytes," \
	"files: $(git -C "$repo" ls-tree -r main | wc -l)"
largest=$(git -C "$repo" ls-tree -r -l main | awk '$4 != "-" && $4 > m { m = $4 } END { print m }')
echo "  largest blob: $largest bytes ($((largest / 1024)) KiB)"

# Same bytes of file contents: both list the same paths.
diff <("$spacehook" context "$repo" main 2>/dev/null | tar -t) \
	<(git -C "$repo" archive main | tar -t) >/dev/null &&
	echo "  same entries as git archive: yes" ||
	echo "  same entries as git archive: NO"

# SP_BENCH_COMPARE: another spacehook binary (e.g. an older build) timed too.
compare=()
if [ -n "${SP_BENCH_COMPARE:-}" ]; then
	compare=(-n "compared binary"
		"'$SP_BENCH_COMPARE' context '$repo' main > /dev/null")
fi

json=$(mktemp)
trap 'rm -f "$json"' EXIT
hyperfine --warmup 1 --runs "$runs" --export-json "$json" \
	-n "spacehook context" "'$spacehook' context '$repo' main > /dev/null" \
	-n "git archive" "git -C '$repo' archive --format=tar main > /dev/null" \
	-n "git archive, 16 MiB delta cache" \
	"git -C '$repo' -c core.deltaBaseCacheLimit=16m archive --format=tar main > /dev/null" \
	"${compare[@]}"
python3 - "$json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, b = r["spacehook context"], r["git archive"]
c = r["git archive, 16 MiB delta cache"]
print("time ratio spacehook/git archive: %.2fx of the medians, %.2fx of the "
      "means (median %.3fs vs %.3fs, user+sys %.3fs vs %.3fs)" %
      (a["median"] / b["median"], a["mean"] / b["mean"], a["median"],
       b["median"], a["user"] + a["system"], b["user"] + b["system"]))
print("time ratio spacehook/git archive with libgit2's 16 MiB delta base "
      "cache: %.2fx of the medians" % (a["median"] / c["median"]))
if "compared binary" in r:
    d = r["compared binary"]
    print("compared binary/git archive: %.2fx of the medians (median %.3fs, "
          "user+sys %.3fs)" % (d["median"] / b["median"], d["median"],
                               d["user"] + d["system"]))
EOF

rss() {
	/usr/bin/time -v "$@" 2>&1 >/dev/null |
		awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }'
}
ours=$(rss "$spacehook" context "$repo" main)
# The archive must not change: the same bytes as SP_BENCH_COMPARE writes.
if [ -n "${SP_BENCH_COMPARE:-}" ]; then
	if cmp -s <("$spacehook" context "$repo" main) \
		<("$SP_BENCH_COMPARE" context "$repo" main); then
		echo "same bytes as the compared binary: yes"
	else
		echo "same bytes as the compared binary: NO"
	fi
fi
theirs=$(rss git -C "$repo" archive --format=tar main)
base=$(rss "$spacehook" --help)
echo "peak RSS: spacehook context $ours KiB, git archive $theirs KiB" \
	"(spacehook --help alone: $base KiB)"
echo "peak RSS - largest blob: $((ours - largest / 1024)) KiB" \
	"(beyond the process's own $base KiB: $((ours - base - largest / 1024)) KiB)"
