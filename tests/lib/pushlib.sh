# shellcheck shell=bash
# Helpers for the pre-receive push tests (sourced after testlib.sh): bare
# repositories with only the built pre-receive hook, and a push that keeps
# what the pusher read.

# make_checked_bare PATH: a bare repository with only pre-receive (nothing deploys).
make_checked_bare() {
	git init -q --bare "$1"
	ln -sf "$SP_BIN/pre-receive" "$1/hooks/pre-receive"
}

# push DIR ARGS...: run git push in DIR; sets $raw (all output), $out (the
# remote: lines, trailing blanks cut) and $rc.
push() {
	local dir=$1
	shift
	set +e
	raw=$(git -C "$dir" push "$@" 2>&1)
	# shellcheck disable=SC2034 # rc and out are what the callers read
	rc=$?
	set -e
	# shellcheck disable=SC2034
	out=$(printf '%s\n' "$raw" | sed -n 's/[[:space:]]*$//; /^remote: /p')
}

# ref_of REPO REF: the id REF points at, or "none".
ref_of() {
	git -C "$1" rev-parse -q --verify "$2" 2>/dev/null || echo none
}

# commit_all DIR [MESSAGE]: commit everything in the work tree.
commit_all() {
	git -C "$1" add -A
	git -C "$1" commit -q -m "${2:-change}"
}
