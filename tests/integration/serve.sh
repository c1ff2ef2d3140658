#!/usr/bin/env bash
# `spacehook serve` without an engine: two Spaces recorded in a sandbox state
# dir, the daemon on a free 127.0.0.1 port, and curl as nginx would send
# requests: the building page with its log, the log streamed as Server-Sent
# Events until RUNNING, the error page escaped, the paused page, the list of
# Spaces, 404 and 400, `spacehook sleep-time`, and a clean stop on SIGTERM.
source "$SP_SOURCE/tests/lib/testlib.sh"

STATE="$SANDBOX/state"
git config --global spacehook.stateDir "$STATE"
git config --global spacehook.domain "spaces.test:8080"
git config --global spacehook.dockerHost "unix://$SANDBOX/no-engine.sock"
SH="$SP_BIN/spacehook"
JOB=1700000000-0123456789ab-42

# space ID SLUG: a Space's directory as a deploy leaves it.
space() {
	local dir="$STATE/spaces/$2"
	mkdir -p "$dir/logs"
	chmod 700 "$STATE" "$STATE/spaces" "$dir" "$dir/logs"
	echo "$1" >"$dir/space"
}

# state SLUG JSON: its state.json, replaced whole as the store does.
state() {
	printf '%s' "$2" >"$STATE/spaces/$1/state.json.tmp"
	mv "$STATE/spaces/$1/state.json.tmp" "$STATE/spaces/$1/state.json"
}

mkdir -p "$STATE"
space alice/demo alice--demo
space bob/other bob--other
state alice--demo '{"stage":"BUILDING","url":"http://alice-demo.spaces.test:8080/","error":null}'
state bob--other '{"stage":"RUNNING","url":"http://bob-other.spaces.test:8080/ui","error":null}'
printf '{"title":"Alice <Demo>","emoji":"🚀","colorFrom":"red","colorTo":"blue","short_description":"the first"}' \
	>"$STATE/spaces/alice--demo/card.json"
printf '{"title":"Bob Other","emoji":"🐳","colorFrom":"green","colorTo":"purple"}' \
	>"$STATE/spaces/bob--other/card.json"
LOG="$STATE/spaces/alice--demo/logs/$JOB.log"
printf 'Step 1/3 : FROM busybox\nStep 2/3 : RUN make <all>\n' >"$LOG"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
"$SH" serve --listen "127.0.0.1:$PORT" 2>"$SANDBOX/serve.log" &
SERVE=$!
stop_serve() {
	kill "$SERVE" 2>/dev/null || true
}
trap 'stop_serve; cleanup_sandbox' EXIT
for _ in $(seq 100); do
	curl -s -o /dev/null "$URL/" && break
	sleep 0.1
done

# get [CURL ARGS...]: headers and body in $out, status in $code.
get() {
	out=$(curl -s -i --max-time 10 "$@" | tr -d '\r')
	code=$(head -n 1 <<<"$out" | cut -d' ' -f2)
}
ALICE=(-H "X-Spacehook-Space: alice/demo" -H "Accept: text/html")

# 1. Building: 503, Retry-After, the log so far.
get "${ALICE[@]}" "$URL/"
expect_eq "a building Space answers 503" 503 "$code"
expect_contains "with Retry-After" "Retry-After: 10" "$out"
expect_contains "never cached" "Cache-Control: no-store" "$out"
expect_contains "the title" "Alice &lt;Demo&gt;" "$out"
expect_contains "the stage" ">BUILDING<" "$out"
expect_contains "the log so far, escaped" "Step 2/3 : RUN make &lt;all&gt;" "$out"
expect_contains "a script follows the events" "/.spacehook/events" "$out"
get -H "X-Spacehook-Space: alice/demo" "$URL/api/predict"
expect_eq "an API client gets 503 too" 503 "$code"
expect_contains "as text" "Content-Type: text/plain" "$out"

# 2. The log as it grows, from /.spacehook/events.
curl -s -N --max-time 3 -H "X-Spacehook-Space: alice/demo" \
	"$URL/.spacehook/events" >"$SANDBOX/events1" 2>/dev/null &
EV=$!
sleep 1
printf 'Step 3/3 : CMD ["serve"]\n' >>"$LOG"
wait "$EV" || true
events=$(cat "$SANDBOX/events1")
expect_contains "the events start with the log" "data: Step 1/3 : FROM busybox" "$events"
expect_contains "a line appended arrives" 'data: Step 3/3 : CMD ["serve"]' "$events"
expect_contains "as a log event" "event: log" "$events"
expect_contains "the stage is told" "$(printf 'event: stage\ndata: BUILDING')" "$events"

# 3. RUNNING ends the stream with a stage event.
curl -s -N --max-time 20 -H "X-Spacehook-Space: alice/demo" \
	"$URL/.spacehook/events?last=$JOB:0" >"$SANDBOX/events2" 2>/dev/null &
EV=$!
sleep 1
printf 'spacehook: done\n' >>"$LOG"
state alice--demo '{"stage":"RUNNING","url":"http://alice-demo.spaces.test:8080/","error":null}'
set +e
wait "$EV"
rc=$?
set -e
events=$(cat "$SANDBOX/events2")
expect_eq "the stream ends by itself (not curl's timeout)" 0 "$rc"
expect_contains "after the last line" "data: spacehook: done" "$events"
expect_contains "with the stage RUNNING" "$(printf 'event: stage\ndata: RUNNING')" "$events"
get "${ALICE[@]}" "$URL/"
expect_contains "running but here: not answering" "not answering" "$out"

# 4. An error page shows the error, escaped.
state alice--demo '{"stage":"BUILD_ERROR","url":null,"error":"build failed: <script>alert(1)</script>"}'
get "${ALICE[@]}" "$URL/"
expect_eq "a failed Space answers 503" 503 "$code"
expect_contains "the error, escaped" "build failed: &lt;script&gt;alert(1)&lt;/script&gt;" "$out"
expect_not_contains "never as markup" "<script>alert(1)" "$out"
expect_contains "the log tail" "Step 1/3" "$out"
expect_contains "it refreshes itself" 'http-equiv="refresh" content="30"' "$out"
get -H "X-Spacehook-Space: alice/demo" "$URL/.spacehook/status"
expect_eq "the status JSON" 200 "$code"
expect_contains "has the stage" '"stage":"BUILD_ERROR"' "$out"

# 5. A paused Space says so.
state alice--demo '{"stage":"PAUSED","paused":true,"url":"http://alice-demo.spaces.test:8080/","error":null}'
get "${ALICE[@]}" "$URL/"
expect_eq "a paused Space answers 503" 503 "$code"
expect_contains "paused by its owner" "paused by its owner" "$out"

# 6. The bare domain lists both Spaces.
get -H "Host: spaces.test:8080" -H "Accept: text/html" "$URL/"
expect_eq "the bare domain answers 200" 200 "$code"
expect_contains "alice's title" "Alice &lt;Demo&gt;" "$out"
expect_contains "alice's emoji" "🚀" "$out"
expect_contains "bob's title" "Bob Other" "$out"
expect_contains "bob's emoji" "🐳" "$out"
expect_contains "bob's link" 'href="http://bob-other.spaces.test:8080/ui"' "$out"
expect_contains "bob's colors" "linear-gradient(135deg,#4ade80,#c084fc)" "$out"

# 7. Unknown: 404; a header that is no Space id: 400.
get -H "Host: nobody.spaces.test:8080" -H "Accept: text/html" "$URL/"
expect_eq "an unknown label is 404" 404 "$code"
get -H "X-Spacehook-Space: carol/none" -H "Accept: text/html" "$URL/"
expect_eq "an unknown Space is 404" 404 "$code"
get -H "X-Spacehook-Space: ../../etc/passwd" "$URL/"
expect_eq "a bad header is 400" 400 "$code"

# 8. spacehook sleep-time.
expect_eq "the default sleep time" "172800 (the server's spacehook.sleepTime)" \
	"$("$SH" sleep-time alice/demo)"
expect_eq "set in units" "5400" "$("$SH" sleep-time alice/demo 1h30m)"
expect_contains "kept in state.json" '"sleep_time":5400' "$(tr -d ' \t\n' <"$STATE/spaces/alice--demo/state.json")"
expect_eq "never" "never" "$("$SH" sleep-time alice/demo never)"
expect_eq "back to the default" "172800 (the server's spacehook.sleepTime)" \
	"$("$SH" sleep-time alice/demo default)"
set +e
out=$("$SH" sleep-time alice/demo soon 2>&1)
rc=$?
set -e
expect_eq "a bad value is a usage error" 2 "$rc"
expect_contains "saying what to give" "give seconds" "$out"
set +e
out=$("$SH" sleep-time carol/none 2>&1)
rc=$?
set -e
expect_eq "an unknown Space fails" 1 "$rc"

# 9. Bad listen addresses are refused clearly.
set +e
out=$("$SH" serve --listen 127.0.0.1:99999 2>&1)
rc=$?
set -e
expect_eq "a bad --listen fails" 1 "$rc"
expect_contains "saying the form" "give ADDRESS:PORT" "$out"
set +e
out=$(timeout 10 "$SH" serve --listen "127.0.0.1:$PORT" 2>&1)
rc=$?
set -e
expect_eq "a port in use fails" 1 "$rc"
expect_contains "saying so" "cannot listen on '127.0.0.1:$PORT'" "$out"

# 10. SIGTERM stops it cleanly.
kill -TERM "$SERVE"
set +e
wait "$SERVE"
rc=$?
set -e
expect_eq "SIGTERM stops it with status 0" 0 "$rc"
log=$(cat "$SANDBOX/serve.log")
expect_contains "it said where it listened" "listening on 127.0.0.1:$PORT" "$log"
expect_contains "and that it stopped" "stopping (SIGTERM)" "$log"
finish
