#!/usr/bin/env bash
# Benchmark: what spacehook costs a push to a repository that is no Space
# (under a global install every repository gets the hooks; spacehook.spaces
# and spacehook.space decide which are Spaces). Real `git push`es over the
# local transport, interleaved, into three bare repositories: one without
# hooks (the reference), one with spacehook's hooks whose id does not match
# spacehook.spaces, and one with the hooks and spacehook.space=false.
#
# usage: tests/bench/nonspace/run.sh [BIN_DIR]   (default build/bin)
# Environment: RUNS (default 40) pushes per repository after 3 warm-ups.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=${1:-${SP_BIN:-$root/build/bin}}
runs=${RUNS:-40}
[ -x "$bin/pre-receive" ] && [ -x "$bin/post-receive" ] ||
	{ echo "no built hooks in $bin (give the bin dir)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/spacehook-bench-nonspace.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME=$work GIT_CONFIG_NOSYSTEM=1 LC_ALL=C.UTF-8
git config --global init.defaultBranch main
git config --global user.name Bench
git config --global user.email bench@example.com
git config --global spacehook.stateDir "$work/state"
git config --global spacehook.reposRoot "$work/repos"
git config --global spacehook.spaces "spaces/*"

mkdir -p "$work/repos/alice"
for r in plain nomatch off; do
	git init -q --bare "$work/repos/alice/$r.git"
	if [ "$r" != plain ]; then
		ln -s "$bin/pre-receive" "$work/repos/alice/$r.git/hooks/pre-receive"
		ln -s "$bin/post-receive" "$work/repos/alice/$r.git/hooks/post-receive"
	fi
done
git -C "$work/repos/alice/off.git" config spacehook.space false
git init -q "$work/src"
echo "notes" >"$work/src/notes.txt"
git -C "$work/src" add -A
git -C "$work/src" commit -q -m start

python3 - "$work" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
work, runs = sys.argv[1], int(sys.argv[2])
names = ["plain", "nomatch", "off"]
times = {n: [] for n in names}
src = os.path.join(work, "src")
for i in range(runs + 3):
    for n in names:
        subprocess.run(["git", "-C", src, "commit", "-q", "--allow-empty", "-m", "c%d%s" % (i, n)], check=True)
        t = time.perf_counter()
        p = subprocess.run(["git", "-C", src, "push", "-q", os.path.join(work, "repos/alice/%s.git" % n), "HEAD:main"],
                           capture_output=True)
        d = (time.perf_counter() - t) * 1000
        if p.returncode or p.stderr.strip():
            sys.exit("push to %s: rc %d: %s" % (n, p.returncode, p.stderr.decode()))
        if i >= 3:
            times[n].append(d)
med = {n: statistics.median(times[n]) for n in names}
print("one git push, ms (median of %d)" % runs)
print("  no hooks (reference)                    %6.1f" % med["plain"])
print("  hooks, id not in spacehook.spaces       %6.1f   %.2fx" % (med["nomatch"], med["nomatch"] / med["plain"]))
print("  hooks, spacehook.space=false            %6.1f   %.2fx" % (med["off"], med["off"] / med["plain"]))
PY
