#!/usr/bin/env bash
# A Space pushed for real is built and served on its host port; a second push
# replaces it on the same port; variables, secrets and SPACE_* reach the
# container; a secret change restarts it with the new value.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

new_space web
id=$(space_id web)
set_app web 'mkdir -p /tmp/w; echo v1 > /tmp/w/index.html; env > /tmp/w/env.txt; exec httpd -f -v -p 7860 -h /tmp/w'
spacehook variables set "$id" GREETING hello-var --no-restart >/dev/null
printf 'sup3r-s3cret-v4lue' | spacehook secrets set "$id" API_TOKEN --no-restart >/dev/null

push web
expect_eq "first push succeeds" 0 "$RC"
expect_contains "pusher sees the build header" "===== Build queued at" "$OUT"
expect_contains "pusher sees the startup line" "===== Application startup at" "$OUT"
expect_contains "pusher sees where it runs" "spacehook: $id is RUNNING on http://127.0.0.1:" "$OUT"
expect_eq "stage RUNNING" RUNNING "$(state web stage)"
url=$(state web url)
port=$(state web host_port)
expect_eq "served v1" v1 "$(http "$url/index.html")"
env_txt=$(http "$url/env.txt")
expect_contains "variable in the container" "GREETING=hello-var" "$env_txt"
expect_contains "secret in the container" "API_TOKEN=sup3r-s3cret-v4lue" "$env_txt"
expect_contains "SPACE_ID" "SPACE_ID=$id" "$env_txt"
expect_contains "SPACE_AUTHOR_NAME" "SPACE_AUTHOR_NAME=e2e-deploy" "$env_txt"
expect_contains "SPACE_REPO_NAME" "SPACE_REPO_NAME=web" "$env_txt"
expect_contains "SPACE_TITLE" "SPACE_TITLE=Demo" "$env_txt"
expect_contains "SPACE_HOST" "SPACE_HOST=127.0.0.1:$port" "$env_txt"
expect_contains "CPU_CORES" "CPU_CORES=2" "$env_txt"
expect_contains "MEMORY" "MEMORY=16Gi" "$env_txt"
container=$(state web container)
expect_eq "container user" 1000 "$("$DOCKER" inspect -f '{{.Config.User}}' "$container")"
expect_eq "published on loopback only" "127.0.0.1:$port" \
	"$("$DOCKER" inspect -f '{{range $p, $b := .HostConfig.PortBindings}}{{range $b}}{{.HostIp}}:{{.HostPort}}{{end}}{{end}}' "$container")"
expect_eq "no-new-privileges" "[no-new-privileges]" "$("$DOCKER" inspect -f '{{.HostConfig.SecurityOpt}}' "$container")"
expect_eq "capabilities dropped" "[ALL]" "$("$DOCKER" inspect -f '{{.HostConfig.CapDrop}}' "$container")"
expect_eq "not privileged" false "$("$DOCKER" inspect -f '{{.HostConfig.Privileged}}' "$container")"
check "pids limit set" test "$("$DOCKER" inspect -f '{{.HostConfig.PidsLimit}}' "$container")" -gt 0
expect_eq "memory limit 16 GiB" 17179869184 "$("$DOCKER" inspect -f '{{.HostConfig.Memory}}' "$container")"
expect_eq "cpu limit 2" 2000000000 "$("$DOCKER" inspect -f '{{.HostConfig.NanoCpus}}' "$container")"
expect_eq "comes back after an engine restart" unless-stopped "$("$DOCKER" inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$container")"
image1=$(state web image)

# The run log comes through the Engine API, stdout and stderr decoded.
http "$url/index.html" >/dev/null
run_log=$(spacehook logs "$id" --tail 50 2>&1)
expect_contains "run log shows the app's requests" "response:200" "$run_log"

# A second push replaces it, on the same port; the first image is kept for rollback.
set_app web 'mkdir -p /tmp/w; echo v2 > /tmp/w/index.html; env > /tmp/w/env.txt; exec httpd -f -v -p 7860 -h /tmp/w'
push web
expect_eq "second push succeeds" 0 "$RC"
expect_eq "served v2" v2 "$(http "$url/index.html")"
expect_eq "same host port" "$port" "$(state web host_port)"
expect_eq "previous image kept" "$image1" "$(state web previous_image)"
running=$("$DOCKER" ps -q --filter "label=spacehook.space=$id" | wc -l)
expect_eq "exactly one container runs" 1 "$running"
expect_eq "old container removed" 1 "$("$DOCKER" ps -aq --filter "label=spacehook.space=$id" | wc -l)"

# A secret change restarts the Space with the new value.
set +e
msg=$(printf 'n3w-v4lue-after' | spacehook secrets set "$id" API_TOKEN 2>&1)
set -e
expect_contains "secrets set restarts" "restarted" "$msg"
expect_not_contains "no secret echoed" "n3w-v4lue-after" "$msg"
expect_contains "new secret in the container" "API_TOKEN=n3w-v4lue-after" "$(http "$url/env.txt")"
expect_eq "still RUNNING" RUNNING "$(state web stage)"

# The saved logs and the run log never show a secret value.
logs=$(cat "$STATE"/spaces/*/logs/*.log)
expect_not_contains "no secret in saved build logs" "sup3r-s3cret-v4lue" "$logs"
expect_not_contains "no secret in the pusher's output" "sup3r-s3cret-v4lue" "$OUT"
build_log=$(spacehook logs "$id" --build)
expect_contains "logs --build shows the last job" "===== Restart queued at" "$build_log"

finish
