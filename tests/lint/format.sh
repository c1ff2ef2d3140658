#!/usr/bin/env bash
# Every C file of the tree is as the tree's .clang-format makes it: a diff
# fails, naming the files and showing what clang-format would change.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

mapfile -t files < <(git ls-files -- '*.c' '*.h' 2>/dev/null || find common hooks tests -name '*.[ch]')
bad=()
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
	echo "not formatted with .clang-format (fix: clang-format -i FILE):" >&2
	for f in "${bad[@]}"; do
		echo "  $f" >&2
		clang-format "$f" | diff -u "$f" - | head -n 20 >&2 || true
	done
	exit 1
fi
echo "format: ${#files[@]} C files as .clang-format makes them"
