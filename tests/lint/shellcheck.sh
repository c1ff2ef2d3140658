#!/usr/bin/env bash
# Every shell script of tests/, install/ and CI is clean under shellcheck at
# warning level (sourced libraries name their shell with a directive).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

mapfile -t files < <({ git ls-files -- 'tests/*.sh' 'install/*.sh' 'install/gitolite/*' '.ci/run' 2>/dev/null ||
	find tests install -name '*.sh' -o -path 'install/gitolite/*' -type f; } | sort -u)
if ! shellcheck -S warning -x "${files[@]}"; then
	echo "shellcheck: warnings above (fix them, or a directive with its reason)" >&2
	exit 1
fi
echo "shellcheck: ${#files[@]} scripts clean at warning level"
