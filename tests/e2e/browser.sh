#!/usr/bin/env bash
# Status pages in a real browser (headless Chromium through the DevTools
# protocol, tests/lib/browser.py): the page of a building Space shows the log
# lines as they arrive, then turns into the app once it serves; the page of a
# broken Space shows its error. Screenshots are kept in the sandbox; the test
# checks the text of the page's DOM.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"
. "$(dirname "$0")/../lib/nginx.sh"
# shellcheck source=tests/lib/frontdoorlib.sh
. "$(dirname "$0")/../lib/frontdoorlib.sh"

start_serve
browse() { /usr/bin/python3 "$SP_SOURCE/tests/lib/browser.py" "$@"; }

# --- A building Space: the log grows in the page, then the app shows.
new_space slow
cat >"$SANDBOX/work/slow/Dockerfile" <<'EOF2'
FROM spacehook-base:busybox
RUN for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "building step $i of 12"; sleep 1; done
RUN mkdir -p /srv && echo 'hello from the app' > /srv/index.html
CMD ["httpd", "-f", "-p", "7860", "-h", "/srv"]
EOF2
push slow -o spacehook.wait=no
expect_eq "the push returns at once" 0 "$RC"
url="http://e2e-browser-slow.spaces.localhost:$http_port/"
for _ in $(seq 30); do grep -q "building step 2" "$STATE"/spaces/*/logs/*.log 2>/dev/null && break; sleep 0.5; done
set +e
browse "$url" --until "hello from the app" --timeout 180 --screenshot "$SANDBOX/building.png" >"$SANDBOX/building.jsonl"
rc=$?
set -e
expect_eq "the browser ends on the app" 0 "$rc"
pages=$(python3 - "$SANDBOX/building.jsonl" <<'EOP'
import json, re, sys
seen = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
building = [s for s in seen if "BUILDING" in s["text"] or "building step" in s["text"]]
steps = [len(re.findall(r"building step \d+ of 12", s["text"])) for s in building]
print("snapshots=%d" % len(seen))
print("first_steps=%d" % (steps[0] if steps else -1))
print("most_steps=%d" % max(steps or [-1]))
print("building_pages=%d" % len(building))
print("last_is_app=%d" % (1 if seen and "hello from the app" in seen[-1]["text"] else 0))
EOP
)
echo "$pages"
figure() { sed -n "s/^$1=//p" <<<"$pages"; }
check "the status page was seen while building" test "$(figure building_pages)" -ge 2
check "log lines arrived after the page loaded" test "$(figure most_steps)" -gt "$(figure first_steps)"
expect_eq "the page turned into the app" 1 "$(figure last_is_app)"
check "a screenshot was taken" test -s "$SANDBOX/building.png"

# --- A broken Space: its error page.
new_space broken
set_app broken 'echo "the app gave up"; exit 9'
push broken
expect_contains "the broken push fails" "is RUNTIME_ERROR" "$OUT"
set +e
browse "http://e2e-browser-broken.spaces.localhost:$http_port/" --until "Exit code: 9" --timeout 60 \
	--screenshot "$SANDBOX/broken.png" >"$SANDBOX/broken.jsonl"
rc=$?
set -e
expect_eq "the error page shows the exit code" 0 "$rc"
expect_contains "and the stage" "RUNTIME_ERROR" "$(tail -n 1 "$SANDBOX/broken.jsonl")"
expect_contains "and the app's last words" "the app gave up" "$(tail -n 1 "$SANDBOX/broken.jsonl")"

finish
