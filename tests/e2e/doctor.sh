#!/usr/bin/env bash
# spacehook doctor on the real engine: all checks pass on a good host; each
# broken piece (client without BuildKit, engine away, state directory missing
# or open, no free port, hooks missing) fails with its fix, and the fix works.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

# run CMD...: output in $OUT, status in $RC.
run() {
	set +e
	OUT=$("$@" 2>&1)
	RC=$?
	set -e
}

run spacehook doctor --help
expect_eq "--help exits 0" 0 "$RC"
run spacehook doctor --bogus
expect_eq "an unknown option is a usage error" 2 "$RC"

bare="$REPOS/e2e-$SP_TEST_NAME/web.git"
mkdir -p "$(dirname "$bare")"
git init -q --bare "$bare"
spacehook install "$bare" >/dev/null

run spacehook doctor "$bare"
expect_eq "a good host: exit 0" 0 "$RC"
expect_contains "engine answers" "ok  engine answers at $DOCKER_HOST (API 1." "$OUT"
expect_contains "client runs BuildKit with a secret" "ok  docker client $DOCKER runs BuildKit builds with secrets" "$OUT"
expect_contains "state directory" "ok  state directory $STATE (owner $(id -un), mode 0700)" "$OUT"
expect_contains "ports" "ok  port range ${SP_PORT_RANGE:-21000-21999} on 127.0.0.1:" "$OUT"
expect_contains "hooks" "ok  hooks of $bare" "$OUT"
expect_not_contains "no failure" "FAIL" "$OUT"
expect_eq "the probe image is removed" "" "$("$DOCKER" images -q 'spacehook-doctor')"

run spacehook doctor --user "$(id -un)" "$bare"
expect_eq "--user the owner: exit 0" 0 "$RC"
run spacehook doctor --user nobody "$bare"
expect_eq "--user another user: exit 1" 1 "$RC"
expect_contains "the state directory is not theirs" "not to the git user nobody" "$OUT"
expect_contains "with the chown" "  fix: chown -R nobody: '$STATE'" "$OUT"

# A client that cannot run BuildKit builds (as /usr/local/bin/docker here: no buildx).
cat >"$SANDBOX/legacy-docker" <<'EOF'
#!/bin/sh
echo "ERROR: BuildKit is enabled but the buildx component is missing or broken." >&2
exit 1
EOF
chmod +x "$SANDBOX/legacy-docker"
git config --global spacehook.dockerCli "$SANDBOX/legacy-docker"
run spacehook doctor "$bare"
expect_eq "a client without BuildKit: exit 1" 1 "$RC"
expect_contains "says why" "FAIL docker client $SANDBOX/legacy-docker cannot run BuildKit builds" "$OUT"
expect_contains "with the client's own words" "buildx component is missing" "$OUT"
expect_contains "and the fix" "  fix: git config --system spacehook.dockerCli /usr/bin/docker" "$OUT"
# A client that lists --secret but whose builds fail.
cat >"$SANDBOX/half-docker" <<'EOF'
#!/bin/sh
if [ "$2" = "--help" ]; then echo "      --secret stringArray   Secret file to expose"; exit 0; fi
echo "ERROR: failed to solve: rpc error: code = Unknown" >&2
exit 1
EOF
chmod +x "$SANDBOX/half-docker"
git config --global spacehook.dockerCli "$SANDBOX/half-docker"
run spacehook doctor "$bare"
expect_contains "a failing build is reported" "FAIL docker client $SANDBOX/half-docker failed a BuildKit build with --secret: ERROR: failed to solve" "$OUT"
git config --global spacehook.dockerCli "$DOCKER"

# No engine there.
git config --global spacehook.dockerHost "unix://$SANDBOX/nothing.sock"
run spacehook doctor "$bare"
expect_eq "no engine: exit 1" 1 "$RC"
expect_contains "says so" "FAIL engine at unix://$SANDBOX/nothing.sock: Docker engine unreachable" "$OUT"
expect_contains "fix names the setting" "git config --system spacehook.dockerHost" "$OUT"
git config --global spacehook.dockerHost "$DOCKER_HOST"

# The state directory: missing, then open to others.
git config --global spacehook.stateDir "$SANDBOX/state2"
run spacehook doctor "$bare"
expect_eq "no state directory: exit 1" 1 "$RC"
expect_contains "says so" "FAIL state directory $SANDBOX/state2: No such file or directory" "$OUT"
fix=$(sed -n 's/^  fix: \(install -d [^ ]* [^ ]* [^ ]* [^ ]* [^ ]* [^ ]* [^ ]*\).*/\1/p' <<<"$OUT")
expect_contains "the fix makes it" "install -d -m 0700 -o $(id -un)" "$fix"
eval "$fix"
run spacehook doctor "$bare"
expect_eq "after the fix: exit 0" 0 "$RC"
chmod 0755 "$SANDBOX/state2"
run spacehook doctor "$bare"
expect_contains "an open state directory fails" "FAIL state directory $SANDBOX/state2 has mode 0755" "$OUT"
expect_contains "with chmod" "  fix: chmod 0700 '$SANDBOX/state2'" "$OUT"
git config --global spacehook.stateDir "$STATE"

# No free port: the one port of the range is taken.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$SANDBOX/port" &
holder=$!
for _ in $(seq 50); do [ -s "$SANDBOX/port" ] && break; sleep 0.1; done
taken=$(cat "$SANDBOX/port")
git config --global spacehook.portRange "$taken-$taken"
run spacehook doctor "$bare"
kill "$holder"
wait "$holder" 2>/dev/null || true
expect_eq "no free port: exit 1" 1 "$RC"
expect_contains "says so" "FAIL port range $taken-$taken on 127.0.0.1: no port is free" "$OUT"
git config --global spacehook.portRange "${SP_PORT_RANGE:-21000-21999}"

# Hooks missing in a repository; the fix shown installs them.
other="$REPOS/e2e-$SP_TEST_NAME/other.git"
git init -q --bare "$other"
run spacehook doctor "$bare" "$other"
expect_eq "hooks missing: exit 1" 1 "$RC"
expect_contains "says which" "FAIL hooks of $other: $other/hooks/pre-receive is missing" "$OUT"
expect_contains "with the fix" "  fix: spacehook install '$other'" "$OUT"
spacehook install "$other" >/dev/null
run spacehook doctor "$bare" "$other"
expect_eq "after spacehook install: exit 0" 0 "$RC"

# Without repositories: core.hooksPath is checked when set.
run spacehook doctor
expect_contains "core.hooksPath unset: not checked" "--  hooks: not checked" "$OUT"
spacehook install --global --config "$HOME/.gitconfig" >/dev/null
run spacehook doctor
expect_eq "core.hooksPath set by install --global: exit 0" 0 "$RC"
expect_contains "checked" "ok  hooks of core.hooksPath" "$OUT"

finish
