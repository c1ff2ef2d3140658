# shellcheck shell=bash
# sp-loadgen, the load generator of the front door's proofs, against python3
# servers on 127.0.0.1: the figures it prints are the ones the servers make
# (a rate, every 10th request a 500, a closed port, the Host header, bodies,
# an event stream held or closed, a server that starts late), so each can fail.
. "$SP_SOURCE/tests/lib/testlib.sh"

LG="$SP_BUILD/tests/sp-loadgen"
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
SERVERS=()
stop_servers() {
	local pid
	for pid in "${SERVERS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
}
trap 'stop_servers; cleanup_sandbox' EXIT

# One server, a behaviour per path: /ok answers 200 with "hello v1 host=<the
# Host header>"; /fail10 answers 500 to every 10th request of its own; /sse
# sends an event every 100 ms until the client leaves; /sse-close does so
# for 0.5 s, then closes. With a delay, it reserves its port, writes it,
# and begins to listen that long after PORTFILE.go is made; PORTFILE.bound
# says when (the wall time before and after it began to).
cat >"$SANDBOX/server.py" <<'EOR'
import os, socket, socketserver, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port_file, delay = sys.argv[1], float(sys.argv[2])
lock = threading.Lock()
seen = {}
class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True
    def log_message(self, *args):
        pass
    def answer(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def events(self, seconds):
        self.send_response(200)
        self.send_header('Content-Type', 'text/event-stream')
        self.send_header('Cache-Control', 'no-cache')
        self.send_header('Connection', 'close')
        self.end_headers()
        self.close_connection = True
        start, i = time.monotonic(), 0
        while seconds is None or time.monotonic() - start < seconds:
            i += 1
            try:
                self.wfile.write(b': a comment, no event\n\n'
                                 b'event: log\r\ndata: line %d\r\n\r\n' % i)
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)
    def do_GET(self):
        with lock:
            seen[self.path] = n = seen.get(self.path, 0) + 1
        if self.path == '/sse':
            self.events(None)
        elif self.path == '/sse-close':
            self.events(0.5)
        elif self.path == '/fail10' and n % 10 == 0:
            self.answer(500, 'broken\n')
        else:
            self.answer(200, 'hello v1 host=%s\n' % self.headers.get('Host'))
class Server(ThreadingHTTPServer):
    daemon_threads = True
    def server_bind(self):
        # HTTPServer's would look up the host's name (slow, and not wanted).
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
port = 0
if delay > 0:
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    with open(port_file + '.tmp', 'w') as f:
        f.write(str(port))
    os.rename(port_file + '.tmp', port_file)
    while not os.path.exists(port_file + '.go'):
        time.sleep(0.005)
    time.sleep(max(0, os.stat(port_file + '.go').st_mtime + delay - time.time()))
before = time.time()
server = Server(('127.0.0.1', port), Handler)
with open(port_file + '.bound', 'w') as f:
    f.write('%.3f %.3f\n' % (before, time.time()))
if delay <= 0:
    with open(port_file + '.tmp', 'w') as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + '.tmp', port_file)
server.serve_forever()
EOR

# start_server NAME [DELAY]: a server in the background; its port in $PORT.
start_server() {
	python3 "$SANDBOX/server.py" "$SANDBOX/$1.port" "${2:-0}" &
	SERVERS+=("$!")
	for _ in $(seq 1500); do
		[ -s "$SANDBOX/$1.port" ] && break
		sleep 0.02
	done
	PORT=$(cat "$SANDBOX/$1.port")
}

# lg ARGS...: run sp-loadgen; its output in $OUT, its exit status in $RC.
lg() {
	set +e
	OUT=$(timeout 60 "$LG" "$@" 2>"$SANDBOX/stderr")
	RC=$?
	set -e
	ERR=$(cat "$SANDBOX/stderr")
}

# val KEY: the value of KEY=... in $OUT.
val() {
	sed -n "s/^$1=//p" <<<"$OUT"
}

# expect_range DESCRIPTION LOW HIGH VALUE: LOW <= VALUE <= HIGH.
expect_range() {
	sp_checks=$((sp_checks + 1))
	if [ -n "$4" ] && awk -v v="$4" -v lo="$2" -v hi="$3" \
		'BEGIN { exit !(v >= lo && v <= hi) }'; then
		pass "$1 ($4)"
	else
		fail "$1: [$4] not within $2..$3 in:"
		printf '%s\n' "$OUT" | sed 's/^/    | /' >&2
	fi
}

check "sp-loadgen is built" test -x "$LG"

# --- usage: a mistake exits 2 and says what to do.
lg
expect_eq "no arguments: exit 2" 2 "$RC"
expect_contains "no arguments: the usage" "usage: sp-loadgen load URL" "$ERR"
lg load http://127.0.0.1:1/ --duration 1
expect_eq "load without --rate: exit 2" 2 "$RC"
expect_contains "load without --rate: says so" "load needs --rate" "$ERR"
lg load ftp://127.0.0.1:1/ --rate 1 --duration 1
expect_eq "a URL that is no http: exit 2" 2 "$RC"
lg load http://127.0.0.1:1/ --rate fast --duration 1
expect_eq "a rate that is no number: exit 2" 2 "$RC"
expect_contains "a rate that is no number: named" "bad value 'fast' for --rate" "$ERR"
lg stream http://127.0.0.1:1/ --duration 1 --rate 5
expect_eq "an option of another mode: exit 2" 2 "$RC"
lg first http://127.0.0.1:1/ --timeout
expect_eq "an option without its value: exit 2" 2 "$RC"
lg --help
expect_eq "--help: exit 0" 0 "$RC"
expect_contains "--help: every mode" "sp-loadgen first URL" "$OUT"

start_server main
BASE="http://127.0.0.1:$PORT"

# --- load: 100 req/s for 2 s, all answered 200, through one kept-alive
# connection or a few; the Host header given reaches the server.
lg load "$BASE/ok" --rate 100 --duration 2 --host app.example.test \
	--body-contains "host=app.example.test" --count-body "hello v1" \
	--timeline "$SANDBOX/timeline"
expect_eq "load: exit 0" 0 "$RC"
sent=$(val sent)
expect_range "load: about 200 sent" 195 201 "$sent"
expect_eq "load: every request ok" "$sent" "$(val ok)"
expect_eq "load: no non-2xx" 0 "$(val non2xx)"
expect_eq "load: no failure" 0 "$(val failed)"
expect_eq "load: the Host header reached the server" 0 "$(val wrong_body)"
expect_eq "load: every body counted" "$sent" "$(val count_body)"
expect_range "load: the rate achieved" 95 105 "$(val rate)"
expect_eq "load: no bad request, first" -1 "$(val first_bad_ms)"
expect_eq "load: no bad request, last" -1 "$(val last_bad_ms)"
expect_not_contains "load: no status or error line" "status_" "$OUT"
expect_range "load: connections kept alive" 1 32 "$(val connections)"
expect_range "load: a p50 latency" 0.001 1000 "$(val p50_ms)"
check "load: p99 at least p50" awk -v a="$(val p50_ms)" -v b="$(val p99_ms)" \
	-v c="$(val max_ms)" 'BEGIN { exit !(a <= b && b <= c) }'
expect_eq "load: a timeline line per request" "$((sent + 1))" \
	"$(wc -l <"$SANDBOX/timeline")"
expect_eq "load: the timeline says each was ok" "$sent" \
	"$(awk '$3 == 200 && $4 == "ok"' "$SANDBOX/timeline" | wc -l)"
last_start=$(tail -n 1 "$SANDBOX/timeline" | cut -d' ' -f1)
expect_range "load: the last one started near 2 s" 1900 2500 "$last_start"

# Without --host, curl's Host is 127.0.0.1:PORT: every body is wrong.
lg load "$BASE/ok" --rate 100 --duration 0.5 \
	--body-contains "host=app.example.test" --count-body "hello v2"
sent=$(val sent)
expect_range "wrong body: about 50 sent" 48 51 "$sent"
expect_eq "wrong body: none ok" 0 "$(val ok)"
expect_eq "wrong body: every one counted" "$sent" "$(val wrong_body)"
expect_eq "wrong body: the first bad at the start" 0 "$(val first_bad_ms)"
expect_range "wrong body: the last bad near 0.5 s" 400 800 "$(val last_bad_ms)"
expect_eq "wrong body: no body holds v2" 0 "$(val count_body)"

lg load "$BASE/ok" --rate 200 --duration 5 --max 25
expect_eq "--max: 25 sent" 25 "$(val sent)"
expect_eq "--max: 25 ok" 25 "$(val ok)"

# --- every 10th request a 500: counted, by status, with their offsets.
lg load "$BASE/fail10" --rate 100 --duration 1
sent=$(val sent)
expect_range "500s: about 100 sent" 97 101 "$sent"
expect_eq "500s: one in ten non-2xx" "$((sent / 10))" "$(val non2xx)"
expect_eq "500s: the status named" "status_500=$((sent / 10))" \
	"$(grep '^status_' <<<"$OUT")"
expect_eq "500s: the rest ok" "$((sent - sent / 10))" "$(val ok)"
expect_eq "500s: no transport failure" 0 "$(val failed)"
expect_range "500s: the first bad about the 10th request" 50 300 "$(val first_bad_ms)"
expect_range "500s: the last bad near the end" 850 1500 "$(val last_bad_ms)"

# --- a closed port: every request failed, curl's error 7 named.
lg load http://127.0.0.1:1/ --rate 50 --duration 0.5
sent=$(val sent)
expect_eq "closed port: exit 0 (it ran)" 0 "$RC"
expect_range "closed port: about 25 sent" 24 26 "$sent"
expect_eq "closed port: every one failed" "$sent" "$(val failed)"
expect_eq "closed port: error 7 named" "error_7=$sent" \
	"$(grep '^error_' <<<"$OUT")"
expect_eq "closed port: none ok" 0 "$(val ok)"
expect_eq "closed port: the first bad at the start" 0 "$(val first_bad_ms)"

# --- latency: sequential requests on one kept-alive connection.
lg latency "$BASE/ok" --count 100 --host app.example.test
expect_eq "latency: exit 0" 0 "$RC"
expect_eq "latency: 100 ok" 100 "$(val ok)"
expect_eq "latency: none bad" 0 "$(val bad)"
expect_eq "latency: no new connection after the warm-up" 0 "$(val connections)"
check "latency: p50 <= p90 <= p99 <= max" awk -v a="$(val p50_us)" \
	-v b="$(val p90_us)" -v c="$(val p99_us)" -v d="$(val max_us)" \
	'BEGIN { exit !(a > 0 && a <= b && b <= c && c <= d) }'
lg latency http://127.0.0.1:1/ --count 5
expect_eq "latency, closed port: none ok" 0 "$(val ok)"
expect_eq "latency, closed port: 5 bad" 5 "$(val bad)"
expect_eq "latency, closed port: error 7" "error_7=5" "$(grep '^error_' <<<"$OUT")"

# --- stream: events every 100 ms for 2 s, held open the whole time.
lg stream "$BASE/sse" --duration 2
expect_eq "stream: exit 0" 0 "$RC"
expect_range "stream: events counted (comments are none)" 15 21 "$(val events)"
expect_eq "stream: held open" 0 "$(val ended_early)"
expect_eq "stream: held to the end" held "$(val end)"
expect_eq "stream: status" 200 "$(val status)"
expect_eq "stream: its type" text/event-stream "$(val content_type)"
expect_range "stream: the first event soon" 0 500 "$(val first_event_ms)"
expect_range "stream: no long gap" 50 500 "$(val longest_gap_ms)"

lg stream "$BASE/sse-close" --duration 2
expect_eq "stream closed: ended early" 1 "$(val ended_early)"
expect_eq "stream closed: by the server" closed "$(val end)"
expect_range "stream closed: its events" 3 6 "$(val events)"
expect_range "stream closed: after about 0.5 s" 450 1500 "$(val elapsed_ms)"

lg stream http://127.0.0.1:1/ --duration 2
expect_eq "stream, closed port: ended early" 1 "$(val ended_early)"
expect_eq "stream, closed port: error 7" error_7 "$(val end)"
expect_eq "stream, closed port: no event" -1 "$(val first_event_ms)"

# --- first: a server that starts listening 1 s from now.
start_server late 1
touch "$SANDBOX/late.port.go"
lg first "http://127.0.0.1:$PORT/ok" --timeout 10 --interval 20
read -r before after <"$SANDBOX/late.port.bound"
began=$(val start_epoch_ms)
low=$(awk -v a="$began" -v b="$before" 'BEGIN { printf "%.0f", b * 1000 - a }')
high=$(awk -v a="$began" -v b="$after" 'BEGIN { printf "%.0f", b * 1000 - a }')
elapsed=$(val elapsed_ms)
go=$(stat -c %.3Y "$SANDBOX/late.port.go")
answered=$(awk -v a="$began" -v e="$elapsed" -v g="$go" \
	'BEGIN { printf "%.0f", a + e - g * 1000 }')
expect_range "first: the answer about 1 s after the server was started" \
	980 1500 "$answered"
expect_range "first: when the server began to listen ($low..$high ms)" \
	$((low - 20)) $((high + 400)) "$elapsed"
expect_range "first: tried every 20 ms before" 3 100 "$(val attempts)"
expect_eq "first: the good answer" 200 "$(val status)"
expect_contains "first: the refusals before it" "error_7=" "$OUT"

lg first "$BASE/ok" --timeout 0.5 --interval 50 --body-contains "hello v2"
expect_eq "first, never good: exit 0" 0 "$RC"
expect_eq "first, never good: no elapsed time" -1 "$(val elapsed_ms)"
expect_range "first, never good: tried every 50 ms" 5 11 "$(val attempts)"

finish
