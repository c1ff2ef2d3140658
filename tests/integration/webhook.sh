# shellcheck shell=bash
# Webhooks through a real push: the stage changes of a Space whose build fails
# (no engine answers) reach a receiver on 127.0.0.1, signed, with the pushed
# commit; the push itself is not held up by a receiver that fails.
. "$SP_SOURCE/tests/lib/testlib.sh"

REPOS="$SANDBOX/repos"
STATE="$SANDBOX/state"
RECORD="$SANDBOX/requests"
SECRET="hook-s3cr3t-$$-zq"
mkdir -p "$REPOS/alice" "$STATE"
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY

# The receiver: records each request (signature checked with the secret) and
# answers 500 to the first FAIL requests, 200 after.
cat >"$SANDBOX/receiver.py" <<'EOR'
import hashlib, hmac, json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port_file, record, secret, fail = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
seen = [0]
class Receiver(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        want = 'sha256=' + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        sig = self.headers.get('X-Spacehook-Signature-256') or ''
        seen[0] += 1
        status = 500 if seen[0] <= fail else 200
        entry = json.loads(body)
        entry['sig'] = 'ok' if hmac.compare_digest(sig, want) else 'bad'
        entry['status'] = status
        with open(record, 'a') as f:
            f.write(json.dumps(entry, sort_keys=True) + '\n')
        self.send_response(status)
        self.send_header('Content-Length', '0')
        self.end_headers()
server = HTTPServer(('127.0.0.1', 0), Receiver)
with open(port_file + '.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + '.tmp', port_file)
server.serve_forever()
EOR
python3 "$SANDBOX/receiver.py" "$SANDBOX/port" "$RECORD" "$SECRET" 1 &
RECEIVER=$!
trap 'kill "$RECEIVER" 2>/dev/null || true; cleanup_sandbox' EXIT
for _ in $(seq 100); do [ -s "$SANDBOX/port" ] && break; sleep 0.1; done
PORT=$(cat "$SANDBOX/port")

git config --global spacehook.stateDir "$STATE"
git config --global spacehook.reposRoot "$REPOS"
git config --global spacehook.dockerHost "unix://$SANDBOX/no-engine.sock"
git config --global spacehook.webhook "http://127.0.0.1:$PORT/hook"
git config --global --add spacehook.webhook "http://127.0.0.1:1/unreachable"
git config --global spacehook.webhookSecret "$SECRET"

make_bare "$REPOS/alice/demo.git"
write_space "$SANDBOX/work"
git -C "$SANDBOX/work" init -q
git -C "$SANDBOX/work" add -A
git -C "$SANDBOX/work" commit -q -m "a Space"
commit=$(git -C "$SANDBOX/work" rev-parse HEAD)
start=$(date +%s)
set +e
out=$(timeout 120 git -C "$SANDBOX/work" push "$REPOS/alice/demo.git" HEAD:main 2>&1)
set -e
elapsed=$(($(date +%s) - start))
expect_contains "the push is accepted" "HEAD -> main" "$out"
check "the push is not held up by the webhooks (${elapsed}s)" test "$elapsed" -lt 30

# The final stage arrives; the first try got a 500 and was retried.
for _ in $(seq 200); do
	grep -q '"status": 200' "$RECORD" 2>/dev/null &&
		grep -q '_ERROR"' "$RECORD" 2>/dev/null && break
	sleep 0.1
done
record=$(cat "$RECORD" 2>/dev/null || true)
expect_contains "an event for the Space" '"space": "alice/demo"' "$record"
expect_contains "with the pushed commit" "\"commit\": \"$commit\"" "$record"
expect_contains "a failure stage with its error" '_ERROR", "status"' "$record"
expect_contains "the first try failed" '"status": 500' "$record"
expect_contains "and was retried" '"status": 200' "$record"
expect_not_contains "every signature checks" '"sig": "bad"' "$record"
expect_not_contains "no secret in a body" "$SECRET" "$record"
log=$(cat "$STATE/webhooks.log" 2>/dev/null || true)
expect_contains "deliveries logged" "alice/demo" "$log"
expect_contains "an unreachable receiver logged" "http://127.0.0.1:1/unreachable try 1/3:" "$log"
expect_not_contains "no secret in the log" "$SECRET" "$log"
finish
