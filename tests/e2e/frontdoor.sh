#!/usr/bin/env bash
# The front door on the real engine, a real nginx and `spacehook serve`, all on
# 127.0.0.1: two Spaces by hostname; a redeploy under a steady load, with a
# Server-Sent Events stream open across the switch, fails no request; a new
# version that crashes neither; kill -9 before the switch; a configuration
# nginx refuses is never loaded; nginx down during a deploy; a container that
# comes back at a new address; status pages;
# pause; sleep and wake.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"
. "$(dirname "$0")/../lib/nginx.sh"
# shellcheck source=tests/lib/frontdoorlib.sh
. "$(dirname "$0")/../lib/frontdoorlib.sh"

LOADGEN="$SP_BUILD/tests/sp-loadgen"
git config --global spacehook.drainTimeout 20
git config --global spacehook.sleepCheck 1
start_serve

label_of() { echo "e2e-frontdoor-$1"; }
host_of() { echo "$(label_of "$1").$domain"; }
# get NAME PATH [curl args]: through nginx by hostname.
get() {
	local name=$1 path=$2
	shift 2
	curl -s --max-time 5 -H "Host: $(host_of "$name")" "$@" "http://127.0.0.1:$http_port$path" || true
}
code() {
	local name=$1 path=$2
	shift 2
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: $(host_of "$name")" "$@" \
		"http://127.0.0.1:$http_port$path" || true
}
# settled NAME PATH WANT: the body there once it is WANT, or after 3 s the
# last one (nginx's workers of the configuration before a reload may answer
# a connection for a moment after the push returned).
settled() {
	local body
	for _ in $(seq 30); do
		body=$(get "$1" "$2")
		[ "$body" = "$3" ] && break
		sleep 0.1
	done
	printf '%s' "$body"
}
# figure OUTPUT KEY: a key=value line of sp-loadgen's output.
figure() { sed -n "s/^$2=//p" <<<"$1" | head -n 1; }

# An app (tests/tools/testapp.c) that says its version at /, streams events
# at /events and shows its environment at /env.
sse_app() {
	local name=$1 version=$2
	cp "$SP_BUILD/tests/sp-testapp" "$SANDBOX/work/$name/sp-testapp"
	cat >"$SANDBOX/work/$name/Dockerfile" <<EOF2
FROM spacehook-base:busybox
COPY sp-testapp /sp-testapp
CMD ["/sp-testapp", "7860", "$version"]
EOF2
}

# --- Routing: two Spaces by hostname through one listener.
new_space a
new_space b
sse_app a alpha-v1
sse_app b bravo-v1
push a
expect_eq "a deploys" 0 "$RC"
push b
expect_eq "b deploys" 0 "$RC"
expect_eq "a RUNNING" RUNNING "$(state a stage)"
expect_eq "a by its hostname" alpha-v1 "$(get a /)"
expect_eq "b by its hostname" bravo-v1 "$(get b /)"
expect_eq "status shows the public URL" "http://$(host_of a):$http_port/" "$(state a url)"
expect_contains "the pusher is told the public URL" "http://$(host_of a):$http_port/" "$OUT$(spacehook status "$(space_id a)")"
expect_contains "SPACE_HOST is the hostname" "SPACE_HOST=$(host_of a)" "$(get a /env)"
expect_eq "curl by URL (*.localhost)" alpha-v1 "$(curl -s --max-time 5 "$(state a url)")"
expect_eq "an unknown label is not found" 404 "$(code nosuch /)"

# --- A redeploy under load: ≥ 200 req/s and an SSE stream across the switch.
sse_app a alpha-v2
"$LOADGEN" load "http://127.0.0.1:$http_port/" --host "$(host_of a)" --rate 200 --concurrency 512 \
	--duration 30 --max 7000 --count-body alpha-v2 >"$SANDBOX/load1.txt" &
load_pid=$!
"$LOADGEN" stream "http://127.0.0.1:$http_port/events" --host "$(host_of a)" \
	--duration 20 >"$SANDBOX/stream1.txt" &
stream_pid=$!
sleep 2
push a
expect_eq "the redeploy under load succeeds" 0 "$RC"
wait "$load_pid" "$stream_pid"
load=$(cat "$SANDBOX/load1.txt")
stream=$(cat "$SANDBOX/stream1.txt")
echo "redeploy under load: $(tr '\n' ' ' <<<"$load")"
echo "stream across the switch: $(tr '\n' ' ' <<<"$stream")"
check "at least 200 req/s" test "$(figure "$load" sent)" -ge 5800
expect_eq "no failed request in the redeploy" 0 "$(figure "$load" failed)"
expect_eq "no non-2xx answer in the redeploy" 0 "$(figure "$load" non2xx)"
check "the new version answered during the load" test "$(figure "$load" count_body)" -gt 0
check "the old version answered during the load" test "$(figure "$load" count_body)" -lt "$(figure "$load" ok)"
expect_eq "the stream stayed open across the switch" 0 "$(figure "$stream" ended_early)"
check "the stream kept its events" test "$(figure "$stream" events)" -ge 150
expect_eq "a serves v2" alpha-v2 "$(get a /)"
expect_eq "RUNNING after the redeploy" RUNNING "$(state a stage)"

# --- A new version that crashes, under the same load: v2 keeps serving.
set_app a 'echo starting; exit 3'
"$LOADGEN" load "http://127.0.0.1:$http_port/" --host "$(host_of a)" --rate 200 --concurrency 512 \
	--duration 20 --max 5000 --body-contains alpha-v2 >"$SANDBOX/load2.txt" &
load_pid=$!
sleep 1
push a
wait "$load_pid"
load=$(cat "$SANDBOX/load2.txt")
echo "failed version under load: $(tr '\n' ' ' <<<"$load")"
expect_contains "the pusher is told it failed" "is RUNTIME_ERROR" "$OUT"
expect_eq "no failed request" 0 "$(figure "$load" failed)"
expect_eq "no non-2xx answer" 0 "$(figure "$load" non2xx)"
expect_eq "every answer from v2" 0 "$(figure "$load" wrong_body)"
expect_eq "RUNTIME_ERROR recorded" RUNTIME_ERROR "$(state a stage)"
expect_eq "v2 still serves" alpha-v2 "$(get a /)"

# Where nginx sends the Space's hostname, and where its recorded container
# listens: its address on the Space's network, no port proxy in between.
routed() {
	sed -n 's/^[[:space:]]*server \([0-9.]*:[0-9]*\) max_fails.*/\1/p' "$NGINX/spacehook/spacehook_e2e-frontdoor--$1.conf" | head -n 1
}
ip_of() { "$DOCKER" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
listens() { echo "$(ip_of "$(state "$1" container)"):7860"; }
serving() { "$DOCKER" ps -q --filter "label=spacehook.space=$(space_id "$1")" | wc -l; }

# --- kill -9 of the worker between "new version healthy" and "nginx switched".
sse_app a alpha-v3
SPACEHOOK_FAULT=deploy-before-route push a
expect_contains "the pusher is told the worker died" "the worker stopped before the job ended" "$OUT"
spacehook status "$(space_id a)" >/dev/null
expect_eq "after status: RUNNING" RUNNING "$(state a stage)"
expect_eq "after status: the recorded version serves" alpha-v2 "$(get a /)"
expect_eq "after status: nginx points at the recorded container" "$(listens a)" "$(routed a)"
expect_eq "after status: one version runs" 1 "$(serving a)"
push a
expect_eq "the next push deploys" alpha-v3 "$(settled a / alpha-v3)"
expect_eq "and nginx follows the record" "$(listens a)" "$(routed a)"

# --- A configuration nginx refuses is never loaded: the old version serves.
before=$(cat "$NGINX/spacehook/spacehook_e2e-frontdoor--a.conf")
echo 'this is not nginx;' >"$NGINX/spacehook/zz-admin-mistake.conf"
sse_app a alpha-v4
push a
expect_contains "the pusher is told nginx refused it" "nginx refused the configuration" "$OUT"
expect_eq "the Space's file is the last good one" "$before" "$(cat "$NGINX/spacehook/spacehook_e2e-frontdoor--a.conf")"
expect_eq "the old version serves" alpha-v3 "$(get a /)"
expect_eq "one version runs" 1 "$(serving a)"
rm "$NGINX/spacehook/zz-admin-mistake.conf"

# --- nginx down during a deploy: a clear error, the record right.
sp_nginx_stop "$NGINX"
push a
expect_contains "the pusher is told nginx did not reload" "nginx reload failed" "$OUT"
expect_eq "recorded RUNNING" RUNNING "$(state a stage)"
expect_contains "the record says why" "nginx reload failed" "$(state a error)"
sp_nginx_start "$NGINX" "$http_port" >/dev/null
expect_eq "nginx started again serves the recorded version" alpha-v4 "$(get a /)"
expect_eq "nginx points at the recorded container" "$(listens a)" "$(routed a)"

# --- The engine gives the container a new address (as after a restart of
# the engine). readdress: stop it, take it off its network, hold its address
# with other containers, start it again elsewhere.
readdress() {
	local c net ip fillers=() f
	c=$(state "$1" container)
	net=$("$DOCKER" inspect -f '{{.HostConfig.NetworkMode}}' "$c")
	ip=$(ip_of "$c")
	"$DOCKER" stop -t 1 "$c" >/dev/null
	"$DOCKER" network disconnect "$net" "$c"
	for _ in 1 2 3 4; do
		f=$("$DOCKER" run -d --network "$net" spacehook-base:busybox sleep 600)
		fillers+=("$f")
		[ "$(ip_of "$f")" = "$ip" ] && break
	done
	"$DOCKER" network connect "$net" "$c"
	"$DOCKER" start "$c" >/dev/null
	"$DOCKER" rm -f "${fillers[@]}" >/dev/null
}
# A visit: nginx gives up on the old address, serve answers and reroutes
# (its idle check, which also reroutes, is made rare here).
stop_serve
git config --global spacehook.sleepCheck 3600
start_serve
old=$(listens a)
readdress a
check "the container has a new address" test "$(listens a)" != "$old"
expect_eq "nginx still points at the old one" "$old" "$(routed a)"
expect_eq "the first request gets serve's page" 503 "$(code a / --max-time 15)"
for _ in $(seq 20); do [ "$(get a /)" = alpha-v4 ] && break; sleep 0.5; done
expect_eq "then the app answers again" alpha-v4 "$(get a /)"
expect_eq "nginx points at the new address" "$(listens a)" "$(routed a)"
# No visit: serve's periodic check reroutes it.
stop_serve
git config --global spacehook.sleepCheck 1
start_serve
old=$(listens a)
readdress a
check "the container has a new address again" test "$(listens a)" != "$old"
for _ in $(seq 20); do [ "$(routed a)" = "$(listens a)" ] && break; sleep 0.5; done
expect_eq "with no visit, nginx follows it" "$(listens a)" "$(routed a)"
expect_eq "and the app answers" alpha-v4 "$(get a /)"
expect_not_contains "serve logged no reroute error" "was not rerouted" "$(cat "$SANDBOX/serve.log")"

# --- Status pages: building, broken, paused.
new_space c
cat >"$SANDBOX/work/c/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
RUN for i in 1 2 3 4 5 6 7 8; do echo "building step $i"; sleep 1; done
CMD ["httpd", "-f", "-p", "7860", "-h", "/etc"]
EOF2
push c -o spacehook.wait=no
for _ in $(seq 60); do [ "$(state c stage)" = BUILDING ] && break; sleep 0.5; done
page=$(get c / -H 'Accept: text/html' -D "$SANDBOX/headers.txt")
expect_contains "a building Space answers 503" " 503" "$(head -n 1 "$SANDBOX/headers.txt")"
expect_contains "with Retry-After" "Retry-After" "$(cat "$SANDBOX/headers.txt")"
expect_contains "the page says it builds" "BUILDING" "$page"
for _ in $(seq 60); do [ "$(state c stage)" = RUNNING ] && break; sleep 1; done
expect_eq "c ends RUNNING" RUNNING "$(state c stage)"
expect_eq "then the app answers" 200 "$(code c /passwd)"

new_space d
set_app d 'echo "d <b>crashed</b>"; exit 7'
push d
expect_contains "d fails" "is RUNTIME_ERROR" "$OUT"
page=$(get d / -H 'Accept: text/html')
expect_eq "a broken Space answers 503" 503 "$(code d / -H 'Accept: text/html')"
expect_contains "the error page says the stage" "RUNTIME_ERROR" "$page"
expect_contains "and the error, escaped" "Exit code: 7" "$page"
expect_not_contains "no markup from the log" "<b>crashed</b>" "$page"

spacehook stop "$(space_id b)" >/dev/null
expect_eq "a paused Space answers 503" 503 "$(code b / -H 'Accept: text/html')"
expect_contains "the page says it is paused" "PAUSED" "$(get b / -H 'Accept: text/html')"
sleep 2
expect_eq "a visit does not wake a paused Space" PAUSED "$(state b stage)"

# --- sdk: static, served by nginx from the pushed tree; no container.
git config --global spacehook.sdks docker,static
new_space site
rm "$SANDBOX/work/site/Dockerfile"
sed -i 's/^sdk: docker$/sdk: static/; /^app_port:/d' "$SANDBOX/work/site/README.md"
echo '<p>site v1</p>' >"$SANDBOX/work/site/index.html"
mkdir -p "$SANDBOX/work/site/css"
echo 'p { color: red }' >"$SANDBOX/work/site/css/site.css"
ln -s /etc/passwd "$SANDBOX/work/site/passwd"
push site
expect_contains "a static Space deploys" "is RUNNING on http://$(host_of site):$http_port/" "$OUT"
expect_contains "the symbolic link is left out" "passwd" "$OUT"
expect_eq "static RUNNING" RUNNING "$(state site stage)"
expect_eq "no container for a static Space" 0 "$(serving site)"
expect_eq "its index" "<p>site v1</p>" "$(settled site / "<p>site v1</p>")"
expect_eq "its files" "p { color: red }" "$(get site /css/site.css)"
expect_not_contains "no server file through a pushed link" "root:" "$(get site /passwd)"
expect_eq "a pushed link is not found" 404 "$(code site /passwd)"
echo '<p>site v2</p>' >"$SANDBOX/work/site/index.html"
push site
expect_eq "the next push switches it" "<p>site v2</p>" "$(get site /)"

# --- Sleep and wake.
spacehook sleep-time "$(space_id a)" 3 >/dev/null
for _ in $(seq 30); do [ "$(state a stage)" = SLEEPING ] && break; sleep 1; done
expect_eq "idle for its sleep time: SLEEPING" SLEEPING "$(state a stage)"
expect_eq "its container stopped" 0 "$(serving a)"
expect_eq "an API client gets 503" 503 "$(code a / -H 'Accept: application/json')"
wake=$("$LOADGEN" first "http://127.0.0.1:$http_port/" --host "$(host_of a)" --timeout 60 --body-contains alpha-v4)
echo "wake: $(tr '\n' ' ' <<<"$wake")"
check "the visit woke it" test "$(figure "$wake" elapsed_ms)" -ge 0
expect_eq "awake: RUNNING" RUNNING "$(state a stage)"
expect_eq "awake: it serves" alpha-v4 "$(get a /)"
expect_eq "awake: nginx points at the container" "$(listens a)" "$(routed a)"
spacehook sleep-time "$(space_id a)" never >/dev/null

finish
