# shellcheck shell=bash disable=SC2034  # sourced: OUT and RC are read by the tests
# Helpers for the end-to-end tests on the real engine (sourced after testlib.sh):
# a server config in the sandbox, Spaces pushed for real, cleanup of what they ran.

: "${DOCKER_HOST:?no engine: run through ctest (the engine fixture starts one)}"
DOCKER=${SP_DOCKER_CLI:-/usr/bin/docker}
REPOS="$SANDBOX/repos"
STATE="$SANDBOX/state"
mkdir -p "$REPOS" "$STATE"
git config --global spacehook.stateDir "$STATE"
git config --global spacehook.reposRoot "$REPOS"
git config --global spacehook.dockerHost "$DOCKER_HOST"
git config --global spacehook.dockerCli "$DOCKER"
git config --global spacehook.portRange "${SP_PORT_RANGE:-21000-21999}"
git config --global user.name "A U Thor"
git config --global user.email "author@example.com"
export PATH="$SP_BIN:$PATH"

e2e_cleanup() {
	local ids
	ids=$("$DOCKER" ps -aq --filter "label=spacehook.managed" 2>/dev/null || true)
	for id in $ids; do
		if "$DOCKER" inspect -f '{{index .Config.Labels "spacehook.space"}}' "$id" 2>/dev/null |
			grep -q "^e2e-$SP_TEST_NAME/"; then
			"$DOCKER" rm -f "$id" >/dev/null 2>&1 || true
		fi
	done
	ids=$("$DOCKER" network ls -q --filter "label=spacehook.space" 2>/dev/null || true)
	for id in $ids; do
		if "$DOCKER" network inspect -f '{{index .Labels "spacehook.space"}}' "$id" 2>/dev/null |
			grep -q "^e2e-$SP_TEST_NAME/"; then
			"$DOCKER" network rm "$id" >/dev/null 2>&1 || true
		fi
	done
	cleanup_sandbox
}
trap e2e_cleanup EXIT

# new_space NAME: a bare repository e2e-<test>/NAME with the hooks, and a
# work tree $SANDBOX/work/NAME holding a valid Space (app from app_dockerfile).
new_space() {
	local name=$1 bare="$REPOS/e2e-$SP_TEST_NAME/$1.git"
	mkdir -p "$REPOS/e2e-$SP_TEST_NAME"
	make_bare "$bare"
	git init -q "$SANDBOX/work/$name"
	git -C "$SANDBOX/work/$name" remote add origin "$bare"
	write_space "$SANDBOX/work/$name"
}

space_id() {
	echo "e2e-$SP_TEST_NAME/$1"
}

# set_app NAME CMD...: a Dockerfile whose app (app.sh) runs the shell command given.
set_app() {
	local name=$1
	shift
	printf '%s\n' "$*" >"$SANDBOX/work/$name/app.sh"
	cat >"$SANDBOX/work/$name/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
WORKDIR /home/user/app
COPY . .
CMD ["/bin/sh", "/home/user/app/app.sh"]
EOF2
}

# push NAME [git push args...]: commit everything and push; output in $OUT, status in $RC.
push() {
	local name=$1
	shift
	git -C "$SANDBOX/work/$name" add -A
	git -C "$SANDBOX/work/$name" commit -q --allow-empty -m "change $(date +%s%N)"
	set +e
	OUT=$(timeout 300 git -C "$SANDBOX/work/$name" push "$@" origin HEAD:main 2>&1)
	RC=$?
	set -e
}

# state NAME FIELD: a field of the Space's state.json (via spacehook status --json).
state() {
	spacehook status "$(space_id "$1")" --json |
		python3 -c 'import json,sys; v=json.load(sys.stdin)[0].get(sys.argv[1]); print("" if v is None else v)' "$2"
}

# http URL: the body served there (empty when nothing answers).
http() {
	curl -s --max-time 5 "$1" || true
}

# At the end of every e2e test: the workers' own logs hold no sanitizer or
# crash report (under the ASan build, a worker that trips one dies there).
eval "testlib_finish() $(declare -f finish | tail -n +2)"
finish() {
	local reports
	reports=$(cat "$STATE"/spaces/*/worker.log 2>/dev/null |
		grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|Segmentation fault' || true)
	expect_eq "no sanitizer report in any worker.log" "" "$reports"
	testlib_finish
}
