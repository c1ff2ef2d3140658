# shellcheck shell=bash
# The front door through a real nginx on 127.0.0.1 (no engine): two Spaces
# routed by hostname, a route switch, /.spacehook/ and the fallback of a
# stopped app going to (a fake) `spacehook serve` with the Space's id set by
# nginx, websocket Upgrade headers reaching the app, large uploads, a static
# Space without symlinks, and a broken config that is never loaded.
. "$SP_SOURCE/tests/lib/testlib.sh"
. "$SP_SOURCE/tests/lib/nginx.sh"

ROUTE="$SP_BUILD/tests/frontdoor-route"
STATE="$SANDBOX/state"
NGINX="$SANDBOX/nginx"
DOMAIN=spaces.test
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
pids=()
mkdir -p "$STATE"
chmod 700 "$STATE"

cleanup() {
	local pid
	sp_nginx_stop "$NGINX" || true
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	cleanup_sandbox
}
trap cleanup EXIT

# The app and the fake serve: one python server, answering with what it saw.
cat >"$SANDBOX/echo.py" <<'EOF'
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
name, port_file = sys.argv[1], sys.argv[2]
class Echo(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *args):
        pass
    def answer(self, body_len):
        h = self.headers
        if name != 'serve' and h.get('Upgrade', '').lower() == 'websocket':
            self.send_response(101)
            self.send_header('Upgrade', 'websocket')
            self.send_header('Connection', 'Upgrade')
            self.send_header('X-Seen-Upgrade', h.get('Upgrade'))
            self.send_header('X-Seen-Connection', h.get('Connection'))
            self.end_headers()
            self.wfile.flush()
            self.close_connection = True
            return
        body = ('%s space=[%s] host=[%s] path=[%s] body=%d xfh=[%s] xfp=[%s]\n' % (
            name, h.get('X-Spacehook-Space', ''), h.get('Host', ''),
            self.path, body_len, h.get('X-Forwarded-Host', ''),
            h.get('X-Forwarded-Proto', ''))).encode()
        self.send_response(503 if name == 'serve' else 200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == '/sse':
            self.send_response(200)
            self.send_header('Content-Type', 'text/event-stream')
            self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(b'data: first\n\n')
            self.wfile.flush()
            time.sleep(3)
            self.wfile.write(b'data: second\n\n')
            self.close_connection = True
            return
        self.answer(0)
    def do_POST(self):
        left, total = int(self.headers.get('Content-Length', '0')), 0
        while left:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            left -= len(chunk)
            total += len(chunk)
        self.answer(total)
server = ThreadingHTTPServer(('127.0.0.1', 0), Echo)
with open(port_file + '.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + '.tmp', port_file)
server.serve_forever()
EOF

# start_echo NAME: start a server named NAME; its port in $SANDBOX/NAME.port.
start_echo() {
	local i
	python3 "$SANDBOX/echo.py" "$1" "$SANDBOX/$1.port" &
	pids+=($!)
	for i in $(seq 100); do
		[ -s "$SANDBOX/$1.port" ] && return 0
		sleep 0.05
	done
	echo "the $1 server did not start ($i tries)" >&2
	return 1
}
start_echo one
start_echo two
start_echo serve
APP1=$(cat "$SANDBOX/one.port")
APP2=$(cat "$SANDBOX/two.port")
SERVE=$(cat "$SANDBOX/serve.port")
PORT=$(sp_nginx_free_port)
DEAD=$(sp_nginx_free_port)

git config --global spacehook.stateDir "$STATE"
git config --global spacehook.domain "$DOMAIN"
git config --global spacehook.serveListen "127.0.0.1:$SERVE"
sp_nginx_configure "$NGINX" "$PORT"
sp_nginx_start "$NGINX" "$PORT" >/dev/null

# get HOST PATH [CURL-ARGS...]: the body (and status) of a request via nginx.
get() {
	local host=$1 path=$2
	shift 2
	curl -s --max-time 10 -H "Host: $host" -w ' %{http_code}' "$@" \
		"http://127.0.0.1:$PORT$path" || true
}

# get_until NEEDLE HOST PATH [CURL-ARGS...]: get, again until the answer holds
# NEEDLE (nginx -s reload returns before the new workers take over) or 5 s
# have passed; the last answer.
get_until() {
	local needle=$1 out i
	shift
	for i in $(seq 50); do
		out=$(get "$@")
		if grep -qF -- "$needle" <<<"$out"; then
			break
		fi
		sleep 0.1
	done
	printf '%s\n' "$out"
}

check "the shared files are set up" "$ROUTE" - setup
check "alice/demo routed to app one" "$ROUTE" alice/demo app "$APP1"
check "bob/chat routed to app two" "$ROUTE" bob/chat app "$APP2"
expect_eq "alice's URL" "http://alice-demo.$DOMAIN/" \
	"$("$ROUTE" alice/demo url)"

out=$(get_until "one space=[] host=[alice-demo.$DOMAIN] path=[/hello]" "alice-demo.$DOMAIN" /hello)
expect_contains "alice's hostname reaches app one" "one space=[] host=[alice-demo.$DOMAIN] path=[/hello]" "$out"
expect_contains "the app answers 200" " 200" "$out"
expect_contains "X-Forwarded-Host is the public host" "xfh=[alice-demo.$DOMAIN]" "$out"
expect_contains "X-Forwarded-Proto is the public scheme" "xfp=[http]" "$out"
out=$(get_until "two space=[] host=[bob-chat.$DOMAIN]" "bob-chat.$DOMAIN" /)
expect_contains "bob's hostname reaches app two" "two space=[] host=[bob-chat.$DOMAIN]" "$out"

# A route switch changes where requests go.
check "alice/demo switched to app two" "$ROUTE" alice/demo app "$APP2"
out=$(get_until "two space=[] host=[alice-demo.$DOMAIN] path=[/after]" "alice-demo.$DOMAIN" /after)
expect_contains "alice now reaches app two" "two space=[] host=[alice-demo.$DOMAIN] path=[/after]" "$out"

# /.spacehook/ goes to serve with the Space set by nginx, whatever the client
# sends; the app never sees a client's X-Spacehook-Space either.
out=$(get_until "serve space=[alice/demo] host=[alice-demo.$DOMAIN] path=[/.spacehook/events]" "alice-demo.$DOMAIN" /.spacehook/events -H "X-Spacehook-Space: bob/chat")
expect_contains "/.spacehook/ reaches serve with alice's id" "serve space=[alice/demo] host=[alice-demo.$DOMAIN] path=[/.spacehook/events]" "$out"
out=$(get_until "two space=[]" "alice-demo.$DOMAIN" / -H "X-Spacehook-Space: bob/chat")
expect_contains "a client's X-Spacehook-Space never reaches the app" "two space=[]" "$out"
out=$(get_until "serve space=[] host=[$DOMAIN] path=[/]" "$DOMAIN" / -H "X-Spacehook-Space: bob/chat")
expect_contains "the bare domain reaches serve without an id" "serve space=[] host=[$DOMAIN] path=[/]" "$out"
out=$(get_until "serve space=[] host=[nobody-here.$DOMAIN] path=[/x]" "nobody-here.$DOMAIN" /x -H "X-Spacehook-Space: bob/chat")
expect_contains "an unknown label reaches serve without an id" "serve space=[] host=[nobody-here.$DOMAIN] path=[/x]" "$out"

# A stopped app: nginx's 502 goes to serve (@spacehook), with the id.
check "bob/chat routed to a port nothing listens on" "$ROUTE" bob/chat app "$DEAD"
out=$(get_until "serve space=[bob/chat] host=[bob-chat.$DOMAIN] path=[/page]" "bob-chat.$DOMAIN" /page)
expect_contains "a stopped app falls back to serve" "serve space=[bob/chat] host=[bob-chat.$DOMAIN] path=[/page]" "$out"
expect_contains "with serve's status" " 503" "$out"

# A Space with nothing deployed: serve only.
check "carol/new routed to serve" "$ROUTE" carol/new status
out=$(get_until "serve space=[carol/new]" "carol-new.$DOMAIN" /)
expect_contains "a status route reaches serve with the id" "serve space=[carol/new]" "$out"

# Websocket Upgrade headers reach the app, and its 101 reaches the client.
out=$(curl -si --max-time 3 -H "Host: alice-demo.$DOMAIN" \
	-H "Upgrade: websocket" -H "Connection: Upgrade" \
	-H "Sec-WebSocket-Version: 13" -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" \
	"http://127.0.0.1:$PORT/ws" 2>/dev/null || true)
expect_contains "the upgrade is switched" "HTTP/1.1 101" "$out"
expect_contains "the app saw Upgrade: websocket" "X-Seen-Upgrade: websocket" "$out"
expect_contains "the app saw Connection: upgrade" "X-Seen-Connection: upgrade" "$out"

# Server-Sent Events are not buffered: the first event arrives at once.
out=$(curl -sN --max-time 2 -H "Host: alice-demo.$DOMAIN" "http://127.0.0.1:$PORT/sse" 2>/dev/null || true)
expect_contains "an event stream's first event arrives before the stream ends" "data: first" "$out"
expect_not_contains "(the stream goes on)" "data: second" "$out"

# A large upload streams through (no size limit, no buffering).
head -c 33554432 /dev/zero >"$SANDBOX/big"
out=$(get_until "two space=[] host=[alice-demo.$DOMAIN] path=[/upload] body=33554432" "alice-demo.$DOMAIN" /upload --data-binary "@$SANDBOX/big")
expect_contains "a 32 MiB upload reaches the app whole" "two space=[] host=[alice-demo.$DOMAIN] path=[/upload] body=33554432" "$out"

# The idle log: nginx appends a line per request to the app.
check "alice's idle log has lines" test -s "$NGINX/spacehook/idle/alice--demo.log"

# A static Space: files of its root, a symlink never followed.
mkdir -p "$SANDBOX/static/v1/sub"
printf 'static index\n' >"$SANDBOX/static/v1/index.html"
printf 'static page\n' >"$SANDBOX/static/v1/sub/page.html"
printf 'outside secret\n' >"$SANDBOX/secret.txt"
ln -s "$SANDBOX/secret.txt" "$SANDBOX/static/v1/leak.txt"
ln -s v1 "$SANDBOX/static/current"
chmod 755 "$SANDBOX"
check "dave/site routed to its files" "$ROUTE" dave/site static "$SANDBOX/static/current" index.html
out=$(get_until "static index" "dave-site.$DOMAIN" /)
expect_contains "the index is served" "static index" "$out"
out=$(get_until "static page" "dave-site.$DOMAIN" /sub/page.html)
expect_contains "a file is served" "static page" "$out"
out=$(get "dave-site.$DOMAIN" /leak.txt)
expect_not_contains "a pushed symlink is not followed" "outside secret" "$out"
out=$(get "dave-site.$DOMAIN" /../secret.txt --path-as-is)
expect_not_contains "nothing outside the root" "outside secret" "$out"
out=$(get_until "serve space=[dave/site]" "dave-site.$DOMAIN" /.spacehook/x)
expect_contains "a static Space's /.spacehook/ reaches serve" "serve space=[dave/site]" "$out"

# A broken config is never loaded: the old route keeps serving.
printf 'this is not nginx;\n' >"$NGINX/spacehook/zz-admin.conf"
before=$(cat "$NGINX/spacehook/spacehook_alice--demo.conf")
if err=$("$ROUTE" alice/demo app "$APP1" 2>&1); then
	fail "a route nginx refuses was accepted"
else
	pass "a route nginx refuses fails"
fi
expect_contains "the error says nginx refused it" "nginx refused the configuration" "$err"
expect_eq "alice's file is the last good one" "$before" \
	"$(cat "$NGINX/spacehook/spacehook_alice--demo.conf")"
out=$(get_until "two space=[] host=[alice-demo.$DOMAIN] path=[/still]" "alice-demo.$DOMAIN" /still)
expect_contains "alice still reaches app two" "two space=[] host=[alice-demo.$DOMAIN] path=[/still]" "$out"
rm "$NGINX/spacehook/zz-admin.conf"

# Unrouted: the hostname is an unknown label again.
check "bob/chat unrouted" "$ROUTE" bob/chat unroute
out=$(get_until "serve space=[] host=[bob-chat.$DOMAIN]" "bob-chat.$DOMAIN" /)
expect_contains "an unrouted Space's hostname reaches serve without an id" "serve space=[] host=[bob-chat.$DOMAIN]" "$out"

# spacehook doctor checks the front door (no engine here: only its lines).
git config --global spacehook.dockerHost "unix://$SANDBOX/no-engine.sock"
out=$("$SP_BIN/spacehook" doctor 2>&1 || true)
expect_contains "doctor: nginxDir is writable" "ok  nginx directory $NGINX/spacehook (writable by" "$out"
expect_contains "doctor: nginxTest passes" "ok  nginx test 'nginx -t -q" "$out"
printf 'this is not nginx;\n' >"$NGINX/spacehook/zz-admin.conf"
out=$("$SP_BIN/spacehook" doctor 2>&1 || true)
expect_contains "doctor: a failing nginxTest is told" "FAIL nginx test 'nginx -t -q" "$out"
expect_contains "with nginx's reason" "[emerg] unknown directive \"this\"" "$out"
expect_contains "and what to do" "fix: fix what nginx names" "$out"
rm "$NGINX/spacehook/zz-admin.conf"
# Static Spaces: nginx's workers must reach nginxDir.
git config --global spacehook.sdks docker,static
chmod 0700 "$SANDBOX"
out=$("$SP_BIN/spacehook" doctor 2>&1 || true)
expect_contains "doctor: a nginxDir nginx's workers cannot reach is told" "FAIL static Spaces: nginx's workers cannot reach $NGINX/spacehook: $SANDBOX is mode 0700" "$out"
expect_contains "with a directory of its own" "fix: git config --system spacehook.nginxDir" "$out"
chmod o+x "$SANDBOX" "$NGINX" "$NGINX/spacehook"
out=$("$SP_BIN/spacehook" doctor 2>&1 || true)
expect_contains "doctor: a reachable nginxDir passes" "ok  static Spaces: nginx's workers can reach $NGINX/spacehook" "$out"
chmod 0700 "$SANDBOX"
git config --global --unset spacehook.sdks
git config --global spacehook.nginxDir "$SANDBOX/no-such-dir"
out=$("$SP_BIN/spacehook" doctor 2>&1 || true)
expect_contains "doctor: a missing nginxDir is told" "FAIL nginx directory $SANDBOX/no-such-dir: No such file or directory" "$out"
expect_contains "with the install command" "fix: spacehook install --nginx --user" "$out"
git config --global spacehook.nginxDir "$NGINX/spacehook"

# nginx down: a route is written and tested, the reload fails clearly.
sp_nginx_stop "$NGINX"
if err=$("$ROUTE" alice/demo app "$APP1" 2>&1); then
	fail "a reload with nginx down was accepted"
else
	pass "a reload with nginx down fails"
fi
expect_contains "the error says the reload failed" "nginx reload failed" "$err"
check "the new route is kept for the next start" \
	grep -q "127.0.0.1:$APP1 max_fails=0" "$NGINX/spacehook/spacehook_alice--demo.conf"

finish
