#!/usr/bin/env bash
# The documented commands that need an engine, run as written: the user
# guide's Space from scratch (its files taken from the guide itself) and what
# its push prints, build variables and secrets, /data, then the admin
# commands the docs show: variables list, logs --follow and --tail, rebuild,
# restart --factory, gc, git push -o spacehook.wait=no.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

# The volume of the /data Space is removed with its containers.
docs_cleanup() {
	docs_cleanup_volumes
	e2e_cleanup
}
trap docs_cleanup EXIT
docs_cleanup_volumes() {
	local v
	for v in $("$DOCKER" volume ls -q --filter "label=spacehook.space=$(space_id data)" 2>/dev/null); do
		# shellcheck disable=SC2046 # one argument per container id
		"$DOCKER" rm -f $("$DOCKER" ps -aq --filter "volume=$v") >/dev/null 2>&1 || true
		"$DOCKER" volume rm -f "$v" >/dev/null 2>&1 || true
	done
}
# A run cut short leaves its volume: start from none.
docs_cleanup_volumes

# run ARGS...: output in $OUT (stdout and stderr), status in $RC.
run() {
	set +e
	OUT=$("$@" 2>&1)
	RC=$?
	set -e
}

# not_ran TEXT: no build step printed TEXT in $OUT (a step's name may hold it).
not_ran() {
	! grep -qE "#[0-9]+ [0-9.]+ $1" <<<"$OUT"
}

# The three files of "A Space from scratch" in docs/user-guide.md.
new_space scratch
id=$(space_id scratch)
work="$SANDBOX/work/scratch"
python3 - "$SP_SOURCE/docs/user-guide.md" "$work" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("## A Space from scratch", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
files = {"markdown": "README.md", "dockerfile": "Dockerfile", "sh": "app.sh"}
for lang, body in blocks:
    if lang in files:
        open(f"{sys.argv[2]}/{files.pop(lang)}", "w", encoding="utf-8").write(body)
if files:
    sys.exit(f"user guide: no {', '.join(files)} block in 'A Space from scratch'")
EOF
expect_eq "the guide's Dockerfile is used" "FROM spacehook-base:busybox" "$(head -n 1 "$work/Dockerfile")"
push scratch
expect_eq "the push of the guide's Space exits 0" 0 "$RC"
sha=$(git -C "$work" rev-parse --short=7 HEAD)
expect_contains "ok line" "remote: spacehook: README.md ok (sdk: docker, app_port: 7860)" "$OUT"
expect_contains "build header" "remote: ===== Build queued at " "$OUT"
expect_contains "build header names the commit" " / Commit SHA: $sha =====" "$OUT"
expect_contains "BuildKit output" "remote: #1 " "$OUT"
expect_contains "startup line" "remote: ===== Application startup at " "$OUT"
expect_contains "RUNNING line" "remote: spacehook: $id is RUNNING on http://127.0.0.1:" "$OUT"
expect_contains "RUNNING line names the commit" "($sha)" "$OUT"
url=$(state scratch url)
expect_eq "the guide's app answers" "Hello from $id" "$(http "$url/index.html")"
expect_eq "it runs as uid 1000" 1000 "$("$DOCKER" inspect -f '{{.Config.User}}' "$(state scratch container)")"

# Admin guide: variables set restarts a running Space; variables list.
# (Not in the second of the deploy: a container of the same commit made in
# the same second gets the same name, and the engine refuses it.)
sleep 1
run spacehook variables set "$id" MODEL_ID gpt2
expect_eq "variables set exits 0" 0 "$RC"
expect_contains "variables set restarts" "$id restarted: RUNNING" "$OUT"
expect_contains "the restart job's header" "===== Restart queued at" "$OUT"
run spacehook variables list "$id"
expect_eq "variables list" "MODEL_ID=gpt2" "$OUT"
run spacehook variables set --no-restart "$id" SYSTEM mine
expect_eq "--no-restart does not restart" "set variable SYSTEM of $id" "$OUT"

# User guide: a variable is a build argument, a secret a mount readable by a
# non-root USER with mode=0444; the app gets both, and the SPACE_* set.
printf 'hf_s3cret_v4lue\n' | spacehook secrets set --no-restart "$id" HF_TOKEN >/dev/null
# The first step differs on every run, so no step comes from an earlier run's cache.
cat >"$work/Dockerfile" <<EOF2
FROM spacehook-base:busybox
RUN echo "run $$-$RANDOM-$(date +%s%N)"
EOF2
cat >>"$work/Dockerfile" <<'EOF2'
ARG MODEL_ID
RUN echo "building for $MODEL_ID"
USER 1000
RUN --mount=type=secret,id=HF_TOKEN,mode=0444,required=true \
    echo "token of $(wc -c < /run/secrets/HF_TOKEN) bytes: $(cat /run/secrets/HF_TOKEN)"
WORKDIR /home/user/app
COPY --chown=1000:1000 . .
CMD ["/bin/sh", "-c", "mkdir -p /tmp/www && env > /tmp/www/env.txt && exec httpd -f -v -p 7860 -h /tmp/www"]
EOF2
echo "$$-$RANDOM-$(date +%s%N)" >"$work/nonce.txt"
push scratch
expect_eq "build with a variable and a secret" 0 "$RC"
check "the variable is a build argument" grep -qE '#[0-9]+ [0-9.]+ building for gpt2' <<<"$OUT"
expect_contains "the secret mount, redacted" "token of 15 bytes: ***" "$OUT"
expect_not_contains "no secret value shown" "hf_s3cret_v4lue" "$OUT"
env_txt=$(http "$url/env.txt")
for want in MODEL_ID=gpt2 HF_TOKEN=hf_s3cret_v4lue "SPACE_ID=$id" "SPACE_AUTHOR_NAME=e2e-docs_commands" \
	SPACE_REPO_NAME=scratch SPACE_TITLE=Demo "SPACE_HOST=127.0.0.1:$(state scratch host_port)" \
	CPU_CORES=2 MEMORY=16Gi ACCELERATOR=none; do
	expect_contains "the app gets $want" "$want" "$env_txt"
done
expect_contains "SYSTEM is spaces, whatever a variable says" "SYSTEM=spaces" "$env_txt"
expect_not_contains "the variable SYSTEM is overridden" "SYSTEM=mine" "$env_txt"
spacehook variables unset --no-restart "$id" SYSTEM >/dev/null

# A missing required secret: a secret removed makes the steps run again (as
# the user guide says; no step is reused across a change of the secrets),
# the step fails with the guide's messages, and the previous version serves.
spacehook secrets unset --no-restart "$id" HF_TOKEN >/dev/null
echo "$$-$RANDOM-$(date +%s%N)" >"$work/nonce.txt"
push scratch
expect_contains "missing secret: BuildKit's words" "secret HF_TOKEN not found: not found" "$OUT"
expect_contains "missing secret: build failed" "spacehook: error: build failed: $DOCKER exited with status 1" "$OUT"
expect_contains "missing secret: still serving" "spacehook: $id is BUILD_ERROR; still serving $url" "$OUT"
run spacehook status "$id"
expect_contains "status shows the stage" "BUILD_ERROR" "$OUT"
expect_contains "status shows the error" "└ build failed" "$OUT"
printf 'hf_s3cret_v4lue' | spacehook secrets set --no-restart "$id" HF_TOKEN >/dev/null

# logs --tail N and --follow (documented in spacehook(1) and the admin guide).
run spacehook rebuild "$id"
expect_eq "rebuild exits 0" 0 "$RC"
expect_contains "rebuild shows the job" "is RUNNING on $url" "$OUT"
expect_contains "rebuild uses the build cache" "CACHED" "$OUT"
check "rebuild runs no cached step" not_ran "building for gpt2"
http "$url/env.txt" >/dev/null
run spacehook logs "$id" --tail 1
expect_eq "logs --tail 1 exits 0" 0 "$RC"
expect_eq "logs --tail 1 is one line" 1 "$(printf '%s\n' "$OUT" | wc -l)"
timeout 8 spacehook logs "$id" --follow --tail 0 >"$SANDBOX/follow.out" 2>&1 &
follower=$!
sleep 2
http "$url/followed-request" >/dev/null
http "$url/second-request" >/dev/null
sleep 1
check "logs --follow is still following" kill -0 "$follower"
wait "$follower" || true
expect_contains "logs --follow shows a request made while it runs" "response:404" "$(cat "$SANDBOX/follow.out")"
run spacehook logs "$id" --build
expect_contains "logs --build: the last job" "===== Build queued at" "$OUT"

# restart --factory builds without the cache.
run spacehook restart "$id" --factory
expect_eq "restart --factory exits 0" 0 "$RC"
expect_contains "restart --factory builds" "===== Build queued at" "$OUT"
check "restart --factory runs every step again" grep -qE '#[0-9]+ [0-9.]+ building for gpt2' <<<"$OUT"
expect_contains "restart --factory ends RUNNING" "$id is RUNNING on $url" "$OUT"
sleep 1 # not in the second of the last deploy of this commit (see above)
run spacehook restart "$id"
expect_eq "restart exits 0" 0 "$RC"
expect_contains "restart reuses the image" "===== Restart queued at" "$OUT"
expect_not_contains "restart builds nothing" "#1 " "$OUT"

# git push -o spacehook.wait=no, then the outcome with spacehook status.
push scratch -o spacehook.wait=no
expect_contains "wait=no" "spacehook: $id: build of $(git -C "$work" rev-parse --short=7 HEAD) queued; see 'spacehook status $id'" "$OUT"
for _ in $(seq 1 100); do
	[ "$(state scratch commit)" = "$(git -C "$work" rev-parse HEAD)" ] && break
	sleep 0.3
done
expect_eq "the queued build deploys" "$(git -C "$work" rev-parse HEAD)" "$(state scratch commit)"

# gc: the documented summary line.
run spacehook gc
expect_eq "gc exits 0" 0 "$RC"
check "gc summary" grep -qE '^removed [0-9]+ containers? and [0-9]+ images?; build cache: [0-9]+ bytes reclaimed$' <<<"$OUT"

# /data with spacehook.persistentStorage: the image's /data is root's, and
# the app (uid 1000) can write there all the same.
new_space data
git -C "$REPOS/e2e-docs_commands/data.git" config spacehook.persistentStorage true
cat >"$SANDBOX/work/data/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
COPY app.sh /app.sh
CMD ["/bin/sh", "/app.sh"]
EOF2
printf '%s\n' 'mkdir -p /tmp/w; echo run >> /data/runs; cp /data/runs /tmp/w/runs; exec httpd -f -p 7860 -h /tmp/w' >"$SANDBOX/work/data/app.sh"
push data
expect_eq "a Space with /data runs" RUNNING "$(state data stage)"
push data
expect_eq "its second version runs" RUNNING "$(state data stage)"
expect_eq "/data kept the first version's write" 2 "$(http "$(state data url)/runs" | wc -l)"
expect_not_contains "no warning about /data" "could not give /data" "$OUT"
data_mount=$("$DOCKER" inspect -f '{{range .Mounts}}{{.Type}}:{{.Name}}:{{.Destination}}{{end}}' "$(state data container)")
expect_contains "a named volume at /data" "volume:spacehook-" "$data_mount"

finish
