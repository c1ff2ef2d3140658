#!/usr/bin/env bash
# Benchmark of the pre-receive hook against an administrator's script (git cat-file + PyYAML) and against the floor of libgit2 itself.
#
# usage: tests/bench/pre-receive/run.sh [BIN_DIR]   (BIN_DIR holds the built pre-receive; default build/bin)
# Environment: RUNS (default 50) runs per command after 3 warm-ups, interleaved; KEEP=1 keeps the repositories.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=${1:-${SP_BIN:-$root/build/bin}}
runs=${RUNS:-50}
hook=$bin/pre-receive
[ -x "$hook" ] || { echo "no built hook at $hook (give the bin dir)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/spacehook-bench.XXXXXX")
if [ -n "${KEEP:-}" ]; then echo "keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
export HOME=$work GIT_CONFIG_NOSYSTEM=1 LC_ALL=C.UTF-8

# shellcheck disable=SC2046 # pkg-config's flags are meant to be split
cc -O2 -Wall -o "$work/floor" "$here/floor.c" $(pkg-config --cflags --libs libgit2)

# make_repo NAME FILES LAYOUT: a bare repository whose main holds a valid
# Space and FILES more files, in directories of 500 (nested) or all at the
# root (flat); NAME.line gets the ref line git would feed the hook.
make_repo() {
	local repo=$work/$1.git
	git init -q --bare "$repo"
	python3 - "$2" "$3" <<'PY' | git -C "$repo" fast-import --quiet
import sys
files, layout = int(sys.argv[1]), sys.argv[2]
out = sys.stdout.buffer
def data(b):
    out.write(b"data %d\n" % len(b) + b + b"\n")
out.write(b"commit refs/heads/main\ncommitter Bench <bench@example.com> 1700000000 +0000\n")
data(b"bench")
readme = (b"---\ntitle: Bench\nemoji: \xf0\x9f\x9a\x80\ncolorFrom: blue\ncolorTo: green\n"
          b"sdk: docker\napp_port: 7860\n---\n\n# Bench\n" + b"Some text.\n" * 200)
for path, body in ((b"README.md", readme), (b"Dockerfile", b"FROM spacehook-base:busybox\n")):
    out.write(b"M 100644 inline " + path + b"\n")
    data(body)
for i in range(files):
    path = b"f%05d.txt" % i if layout == "flat" else b"src/d%03d/f%05d.txt" % (i // 500, i)
    out.write(b"M 100644 inline " + path + b"\n")
    data(b"file %d\n" % i)
PY
	printf '%s %s refs/heads/main\n' 0000000000000000000000000000000000000000 \
		"$(git -C "$repo" rev-parse main)" >"$work/$1.line"
}

echo "generating repositories (1,000 and 50,000 files in directories; 50,000 flat)..."
make_repo small 1000 nested
make_repo big 50000 nested
make_repo flat 50000 flat
# The 50k repository once more, where the hook cannot keep the sizes of
# its trees (a directory in the way of spacehook-tree-sizes): every run
# reads every blob header, as the first push of a tree does.
cp -r "$work/big.git" "$work/cold.git"
cp "$work/big.line" "$work/cold.line"
mkdir "$work/cold.git/spacehook-tree-sizes"

for r in small big flat; do
	(cd "$work/$r.git" && GIT_DIR=. "$hook" <"$work/$r.line" 2>&1 | grep -q "README.md ok") ||
		{ echo "the hook does not accept the $r repository" >&2; exit 1; }
	(cd "$work/$r.git" && GIT_DIR=. "$here/reference-hook.sh" <"$work/$r.line" 2>/dev/null) ||
		{ echo "the reference hook does not accept the $r repository" >&2; exit 1; }
done

echo "timing ($runs interleaved runs each)..."
jobs=()
for r in small big flat; do
	jobs+=("ours_$r	$work/$r.git	$work/$r.line	$hook")
	jobs+=("floor_$r	$work/$r.git	$work/$r.line	$work/floor")
done
jobs+=("ours_cold	$work/cold.git	$work/cold.line	$hook")
jobs+=("ref_small	$work/small.git	$work/small.line	$here/reference-hook.sh")
jobs+=("ref_big	$work/big.git	$work/big.line	$here/reference-hook.sh")
python3 "$here/timeit.py" "$runs" "${jobs[@]}" >"$work/times.json"

# get NAME FIELD: a number from the timings (ms).
get() {
	python3 -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])' \
		"$work/times.json" "$1" "$2"
}
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
row() {
	printf '  %-30s' "$1"
	for r in small big flat; do
		[ "$2" = ref ] && [ "$r" = flat ] && break
		printf '%8s /%6s' "$(get "$2_$r" median)" "$(get "$2_$r" cpu)"
	done
	printf '\n'
}

cat <<EOT

one hook run, ms: median wall / mean CPU      1k files          50k files     50k flat root
EOT
row "pre-receive (ours)" ours
row "floor (libgit2 read only)" floor
row "reference (cat-file + PyYAML)" ref
printf '  %-30s%16s%8s /%6s\n' "ours, tree sizes not kept" "" \
	"$(get ours_cold median)" "$(get ours_cold cpu)"
cat <<EOT

                          wall     CPU
reference / ours (50k)  $(printf '%6s' "$(ratio "$(get ref_big median)" "$(get ours_big median)")")x $(printf '%6s' "$(ratio "$(get ref_big cpu)" "$(get ours_big cpu)")")x   goal >= 5
ours / floor (50k)      $(printf '%6s' "$(ratio "$(get ours_big median)" "$(get floor_big median)")")x $(printf '%6s' "$(ratio "$(get ours_big cpu)" "$(get floor_big cpu)")")x   goal <= 1.2
ours 50k / ours 1k      $(printf '%6s' "$(ratio "$(get ours_big median)" "$(get ours_small median)")")x $(printf '%6s' "$(ratio "$(get ours_big cpu)" "$(get ours_small cpu)")")x   goal <= 1.5
ours / floor (flat)     $(printf '%6s' "$(ratio "$(get ours_flat median)" "$(get floor_flat median)")")x $(printf '%6s' "$(ratio "$(get ours_flat cpu)" "$(get floor_flat cpu)")")x
not kept 50k / ours 1k  $(printf '%6s' "$(ratio "$(get ours_cold median)" "$(get ours_small median)")")x $(printf '%6s' "$(ratio "$(get ours_cold cpu)" "$(get ours_small cpu)")")x
EOT
