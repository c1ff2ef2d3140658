# shellcheck shell=bash
# Shared helpers for the shell tests (sourced). A sandbox per test, git with
# pinned identity and dates (git's test-lib.sh), and assertions that fail.
set -euo pipefail

: "${SP_BIN:?run through ctest (SP_BIN unset)}"
: "${SP_SOURCE:?}"

SP_TEST_NAME=$(basename "$0" .sh)
SANDBOX=$(mktemp -d "${TMPDIR:-/tmp}/spacehook-$SP_TEST_NAME.XXXXXX")
export HOME="$SANDBOX/home"
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME="A U Thor" GIT_AUTHOR_EMAIL="author@example.com"
export GIT_COMMITTER_NAME="C O Mitter" GIT_COMMITTER_EMAIL="committer@example.com"
export GIT_AUTHOR_DATE="1700000000 +0000" GIT_COMMITTER_DATE="1700000000 +0000"
export LC_ALL=C.UTF-8
git config --global init.defaultBranch main
git config --global protocol.file.allow always

if [ -n "${SP_DOCKERD_DIR:-}" ] && [ -S "$SP_DOCKERD_DIR/docker.sock" ]; then
	export DOCKER_HOST="unix://$SP_DOCKERD_DIR/docker.sock"
fi
export SP_DOCKER_CLI=${SP_DOCKER_CLI:-/usr/bin/docker}

sp_failures=0
sp_checks=0

cleanup_sandbox() {
	if [ "$sp_failures" -eq 0 ] && [ -z "${SP_KEEP_SANDBOX:-}" ]; then
		rm -rf "$SANDBOX"
	else
		echo "sandbox kept: $SANDBOX"
	fi
}
trap cleanup_sandbox EXIT

fail() {
	echo "FAIL: $*" >&2
	sp_failures=$((sp_failures + 1))
}

pass() {
	echo "ok: $*"
}

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	local what=$1
	shift
	sp_checks=$((sp_checks + 1))
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	sp_checks=$((sp_checks + 1))
	if [ "$2" == "$3" ]; then
		pass "$1"
	else
		fail "$1: expected [$2], got [$3]"
	fi
}

# expect_contains DESCRIPTION NEEDLE HAYSTACK
expect_contains() {
	sp_checks=$((sp_checks + 1))
	if grep -qF -- "$2" <<<"$3"; then
		pass "$1"
	else
		fail "$1: [$2] not found in:"
		printf '%s\n' "$3" | sed 's/^/    | /' >&2
	fi
}

# expect_not_contains DESCRIPTION NEEDLE HAYSTACK
expect_not_contains() {
	sp_checks=$((sp_checks + 1))
	if grep -qF -- "$2" <<<"$3"; then
		fail "$1: [$2] found in:"
		printf '%s\n' "$3" | sed 's/^/    | /' >&2
	else
		pass "$1"
	fi
}

# make_bare PATH: a bare repository with the built hooks installed.
make_bare() {
	git init -q --bare "$1"
	ln -sf "$SP_BIN/pre-receive" "$1/hooks/pre-receive"
	ln -sf "$SP_BIN/post-receive" "$1/hooks/post-receive"
	git -C "$1" config receive.advertisePushOptions true
}

# write_space DIR [PORT]: a minimal valid Docker Space in a new work tree.
write_space() {
	mkdir -p "$1"
	cat >"$1/README.md" <<EOR
---
title: Demo
emoji: 🚀
colorFrom: blue
colorTo: green
sdk: docker
app_port: ${2:-7860}
---

# Demo
EOR
	printf 'FROM spacehook-base:busybox\n' >"$1/Dockerfile"
}

# finish: exit non-zero when any check failed, or when none ran.
finish() {
	if [ "$sp_checks" -eq 0 ]; then
		echo "FAIL: no checks ran" >&2
		exit 1
	fi
	if [ "$sp_failures" -ne 0 ]; then
		echo "$sp_failures of $sp_checks checks failed" >&2
		exit 1
	fi
	echo "all $sp_checks checks passed"
}
