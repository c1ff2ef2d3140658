#!/usr/bin/env bash
# Build and app output on a terminal: a saved job log's control characters are
# shown as escapes by spacehook logs; a push whose build prints a multi-line
# secret line by line, escape sequences and C1 controls shows the pusher each
# secret line as *** and every control as text; a variable stored under a
# reserved name is left out of the build with a warning. The build runs with a
# stand-in BuildKit client and a stand-in engine socket (no Docker engine).
. "$(dirname "$0")/../lib/testlib.sh"

SH="$SP_BIN/spacehook"
STATE="$SANDBOX/state"
REPOS="$SANDBOX/repos"
mkdir -p "$REPOS/alice"
git config --global spacehook.stateDir "$STATE"
git config --global spacehook.reposRoot "$REPOS"
git config --global spacehook.dockerHost "unix://$SANDBOX/engine.sock"
git config --global spacehook.dockerCli "$SANDBOX/fake-docker"

# run ARGS...: stdout in $STDOUT, stdout and stderr in $OUT, status in $RC.
run() {
	set +e
	STDOUT=$("$@" 2>"$SANDBOX/stderr")
	RC=$?
	set -e
	OUT="$STDOUT$(cat "$SANDBOX/stderr")"
}

# controls TEXT: the control bytes TEXT holds but newline and tab ("" when none).
controls() {
	python3 -c '
import re, sys
text = sys.argv[1].encode("utf-8", "surrogateescape")
bad = re.findall(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", text)
print(" ".join(b.hex() for b in bad))
' "$1"
}

wait_idle() {
	for _ in $(seq 1 100); do
		[ -z "$(ls "$STATE"/spaces/*/worker.pid 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- A saved job log, shown by spacehook logs --build.
run "$SH" variables set --no-restart bob/app GREETING hello
expect_eq "a Space to hold the log" 0 "$RC"
LOGS="$STATE/spaces/bob--app/logs"
mkdir -p "$LOGS"
printf '%s\n' \
	$'#5 0.1 \e[31mred\e[0m \e]0;title\a' \
	$'#5 0.2 10%\r100%' \
	$'#5 0.3 bell\a and del\x7f' \
	$'#5 0.4 \xc2\x9b2J c1 \xc2\x85 nel' \
	$'#5 0.5 crlf\r' \
	$'#5 0.6 caf\xc3\xa9 \xf0\x9f\x9a\x80' \
	$'#5 0.7 latin1 caf\xe9' >"$LOGS/20261130T000000-0123456789ab-1.log"
printf 'BUILD_ERROR\n' >"$LOGS/20261130T000000-0123456789ab-1.status"
expected='#5 0.1 \x1b[31mred\x1b[0m \x1b]0;title\x07
#5 0.2 10%\x0d100%
#5 0.3 bell\x07 and del\x7f
#5 0.4 \u009b2J c1 \u0085 nel
#5 0.5 crlf
#5 0.6 café 🚀
#5 0.7 latin1 caf\xe9'
run "$SH" logs bob/app --build
expect_eq "logs --build exits 0" 0 "$RC"
expect_eq "logs --build shows controls as escapes" "$expected" "$STDOUT"
expect_eq "logs --build writes no control character" "" "$(controls "$STDOUT")"
run timeout 20 "$SH" logs bob/app --build --follow
expect_eq "logs --build --follow exits 0" 0 "$RC"
expect_eq "logs --build --follow shows controls as escapes" "$expected" "$STDOUT"
check "the saved log itself is unchanged" \
	grep -q $'\e\\[31mred' "$LOGS/20261130T000000-0123456789ab-1.log"

# --- A push whose build prints a multi-line secret and control characters.
cat >"$SANDBOX/fake-docker" <<EOS
#!/bin/sh
# A BuildKit client stand-in: takes the context, prints what RUN steps could, fails.
printf '%s\n' "\$@" >"$SANDBOX/docker-args"
cat >/dev/null
echo '#8 [2/2] RUN --mount=type=secret,id=SSH_KEY cat /run/secrets/SSH_KEY'
printf '%s\n' "\$SPACEHOOK_SECRET_SSH_KEY" | sed 's/^/#8 0.123 /'
printf '#8 0.2 \033[2J\033]0;pwned\007 cleared\r\n'
printf '#8 0.3 progress 10%%\rprogress 100%%\n'
printf '#8 0.4 \302\2332J C1 CSI\n'
echo '#8 ERROR: process "/bin/sh -c cat /run/secrets/SSH_KEY" did not complete successfully'
exit 1
EOS
chmod +x "$SANDBOX/fake-docker"

# The stand-in engine: answers the version check; nothing else is asked
# before the build.
cat >"$SANDBOX/engine.py" <<'EOP'
import http.server, os, socketserver, sys

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, code, body):
        self.send_response(code)
        self.send_header("Api-Version", "1.41")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.endswith("/_ping"):
            self.answer(200, b"OK")
        elif self.path.endswith("/version"):
            self.answer(200, b'{"ApiVersion": "1.41"}')
        else:
            self.answer(404, b'{"message": "not in this stand-in"}')

    do_POST = do_DELETE = do_HEAD = do_GET

    def log_message(self, *args):
        pass

class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

Server(sys.argv[1], Handler).serve_forever()
EOP
python3 "$SANDBOX/engine.py" "$SANDBOX/engine.sock" &
ENGINE=$!
trap 'kill "$ENGINE" 2>/dev/null || true; cleanup_sandbox' EXIT
for _ in $(seq 1 50); do [ -S "$SANDBOX/engine.sock" ] && break; sleep 0.1; done

KEY_BODY="QyNTUxOQAAACDpQ5n0bW1hcmtlci$$"
KEY_BODY2="b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE$$"
printf -- '-----BEGIN TEST KEY-----\r\n%s\r\n%s\r\n-----END TEST KEY-----\r\n' \
	"$KEY_BODY" "$KEY_BODY2" >"$SANDBOX/key"
run "$SH" secrets set --no-restart alice/demo SSH_KEY <"$SANDBOX/key"
expect_eq "a multi-line secret with CRLF lines" 0 "$RC"
run "$SH" variables set --no-restart alice/demo MODEL_ID gpt2
expect_eq "a variable" 0 "$RC"
# A name reserved now, stored before the rule: written directly.
python3 - "$STATE/spaces/alice--demo/variables.json" <<'EOP'
import json, sys
with open(sys.argv[1]) as f:
    data = json.load(f)
data["BUILDKIT_SYNTAX"] = "evil.example/frontend"
with open(sys.argv[1], "w") as f:
    json.dump(data, f)
EOP

bare="$REPOS/alice/demo.git"
make_bare "$bare"
write_space "$SANDBOX/work"
git -C "$SANDBOX/work" init -q
git -C "$SANDBOX/work" add -A
git -C "$SANDBOX/work" commit -q -m one
run git -C "$SANDBOX/work" push "$bare" main
expect_eq "the push is accepted" 0 "$RC"
expect_contains "the build ran" "remote: #8 [2/2] RUN --mount=type=secret,id=SSH_KEY" "$OUT"
expect_contains "each secret line hidden" "remote: #8 0.123 ***
remote: #8 0.123 ***
remote: #8 0.123 ***
remote: #8 0.123 ***" "$OUT"
expect_not_contains "no line of the key shown" "$KEY_BODY" "$OUT"
expect_not_contains "no line of the key shown (2)" "$KEY_BODY2" "$OUT"
expect_contains "escape sequences shown as text" 'remote: #8 0.2 \x1b[2J\x1b]0;pwned\x07 cleared' "$OUT"
expect_contains "a bare CR shown as text" 'remote: #8 0.3 progress 10%\x0dprogress 100%' "$OUT"
expect_contains "C1 shown as text" 'remote: #8 0.4 \u009b2J C1 CSI' "$OUT"
expect_eq "the pusher gets no control character" "" "$(controls "$OUT")"
expect_contains "the build failed" "spacehook: alice/demo is BUILD_ERROR" "$OUT"
expect_contains "the reserved variable is named in the log" \
	"remote: spacehook: warning: variable BUILDKIT_SYNTAX is left out of the build: names starting with BUILDKIT_ are reserved" "$OUT"
check "wait for the worker" wait_idle
args=$(cat "$SANDBOX/docker-args")
expect_contains "other variables are build args" "MODEL_ID=gpt2" "$args"
expect_not_contains "the reserved variable is not a build arg" "BUILDKIT_SYNTAX" "$args"
expect_contains "the secret is a secret mount" "id=SSH_KEY,env=SPACEHOOK_SECRET_SSH_KEY" "$args"

# The saved log: secret lines redacted, controls kept; shown escaped.
saved=$(cat "$STATE"/spaces/alice--demo/logs/*.log)
expect_not_contains "the saved log holds no line of the key" "$KEY_BODY" "$saved"
check "the saved log keeps the raw escape" grep -q $'\e\\[2J' "$STATE"/spaces/alice--demo/logs/*.log
run "$SH" logs alice/demo --build
expect_contains "logs --build: secret lines hidden" "#8 0.123 ***" "$STDOUT"
expect_contains "logs --build: escapes" '#8 0.2 \x1b[2J\x1b]0;pwned\x07 cleared' "$STDOUT"
expect_eq "logs --build: no control character" "" "$(controls "$STDOUT")"

finish
