#!/usr/bin/env bash
# Builds and apps that fail: a required build secret reaches the build, a
# missing one fails it while the previous version serves; an app that exits
# and one that never listens end in RUNTIME_ERROR with the log tail and the
# previous version serves again. No secret value leaks anywhere.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

SECRET='bu1ld-t1me-s3cret-XYZ'
new_space app
id=$(space_id app)
cat >"$SANDBOX/work/app/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
COPY . /ctx
RUN --mount=type=secret,id=BUILD_TOKEN,mode=0444,required=true \
    mkdir -p /srv && cat /run/secrets/BUILD_TOKEN | wc -c > /srv/secret-length && \
    echo "building with a token of $(cat /run/secrets/BUILD_TOKEN | wc -c) bytes: $(cat /run/secrets/BUILD_TOKEN)"
RUN echo good > /srv/index.html
CMD ["httpd", "-f", "-p", "7860", "-h", "/srv"]
EOF2
printf '%s' "$SECRET" | spacehook secrets set "$id" BUILD_TOKEN --no-restart
# A fresh context, so no step comes from an earlier run's build cache.
echo "$$-$RANDOM-$(date +%s%N)" >"$SANDBOX/work/app/nonce.txt"

# Watch every command line while the build runs: the value must not be in any
# (the watcher reads the value from a file, so its own command line is clean).
printf '%s\n' "$SECRET" >"$SANDBOX/pattern"
(
	while [ ! -f "$SANDBOX/stop-watch" ]; do
		cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' | grep -cF -f "$SANDBOX/pattern" >>"$SANDBOX/cmdline-hits" || true
		sleep 0.05
	done
) &
watcher=$!
push app
touch "$SANDBOX/stop-watch"
wait "$watcher"
expect_eq "push with the secret succeeds" 0 "$RC"
expect_eq "RUNNING" RUNNING "$(state app stage)"
url=$(state app url)
expect_eq "the build read the secret" "${#SECRET}" "$(http "$url/secret-length" | tr -d ' ')"
expect_contains "the build printed the secret, redacted" "building with a token of ${#SECRET} bytes: ***" "$OUT"
expect_not_contains "no secret in the pusher's output" "$SECRET" "$OUT"
expect_not_contains "no secret in saved logs" "$SECRET" "$(cat "$STATE"/spaces/*/logs/*)"
expect_not_contains "no secret in state files" "$SECRET" "$(cat "$STATE"/spaces/*/state.json)"
check "watcher saw command lines" test -s "$SANDBOX/cmdline-hits"
expect_eq "no secret in any command line" "" "$(grep -v '^0$' "$SANDBOX/cmdline-hits" || true)"
image=$(state app image)
expect_not_contains "no secret in image history" "$SECRET" "$("$DOCKER" history --no-trunc "$image")"
expect_not_contains "no secret in image config" "$SECRET" "$("$DOCKER" image inspect "$image")"
expect_contains "image labelled with the Space" "\"spacehook.space\": \"$id\"" "$("$DOCKER" image inspect "$image")"
good_commit=$(state app commit)

# A missing required secret fails the build; the previous version keeps serving.
spacehook secrets unset "$id" BUILD_TOKEN --no-restart
echo "change" >"$SANDBOX/work/app/change.txt"
push app
expect_eq "push itself is accepted" 0 "$(git -C "$SANDBOX/work/app" ls-remote origin main >/dev/null; echo $?)"
expect_contains "build error shown to the pusher" "spacehook: error: build failed" "$OUT"
expect_contains "buildkit says the secret is missing" "BUILD_TOKEN" "$OUT"
expect_eq "stage BUILD_ERROR" BUILD_ERROR "$(state app stage)"
expect_eq "previous commit still recorded serving" "$good_commit" "$(state app commit)"
expect_eq "previous version still serves" good "$(http "$url/index.html")"

# An app that exits: RUNTIME_ERROR with its exit code and log tail; rollback.
printf '%s' "$SECRET" | spacehook secrets set "$id" BUILD_TOKEN --no-restart
cat >"$SANDBOX/work/app/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
CMD ["/bin/sh", "-c", "echo starting the app; echo fatal: cannot load model >&2; exit 3"]
EOF2
push app
expect_contains "pusher sees the failure" "Space failed to start. Exit code: 3" "$OUT"
expect_contains "pusher sees the log tail" "fatal: cannot load model" "$OUT"
expect_contains "pusher sees the rollback" "the previous version serves again" "$OUT"
expect_eq "stage RUNTIME_ERROR" RUNTIME_ERROR "$(state app stage)"
expect_contains "error recorded with log tail" "fatal: cannot load model" "$(state app error)"
expect_eq "previous version serves again" good "$(http "$url/index.html")"
expect_eq "previous commit recorded" "$good_commit" "$(state app commit)"
expect_eq "failed container removed" 1 "$("$DOCKER" ps -aq --filter "label=spacehook.space=$id" | wc -l)"

# An app that never listens: the startup timeout, Hugging Face's wording.
sed -i 's/^app_port: .*/app_port: 7860\nstartup_duration_timeout: 3s/' "$SANDBOX/work/app/README.md"
cat >"$SANDBOX/work/app/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
CMD ["/bin/sh", "-c", "echo loading forever; exec sleep 3600"]
EOF2
push app
expect_contains "timeout reported" "Launch timed out, space was not healthy after 3 sec" "$OUT"
expect_contains "timeout log tail" "loading forever" "$OUT"
expect_eq "stage RUNTIME_ERROR after timeout" RUNTIME_ERROR "$(state app stage)"
expect_eq "previous version serves after timeout" good "$(http "$url/index.html")"
expect_eq "one container left" 1 "$("$DOCKER" ps -aq --filter "label=spacehook.space=$id" | wc -l)"

finish
