#!/usr/bin/env bash
# Red team: authors alice and mallory share one server. Each check is an
# attack that must fail: a layer built with a secret is never reused after the
# secret changed nor by another Space (with or without a secret of its own);
# a nested repository path cannot take over alice's Space; a cache mount is
# not read across Spaces; one Space's container cannot reach another's nor
# the engine's socket, while traffic out of it still flows; the /data owner
# never runs the Space's image or entrypoint as root; a log flood is capped.
# Traffic goes only to 127.0.0.1 and to this test engine's own containers and
# bridge.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/../lib/e2elib.sh"

ALICE=tenancy-alice
MALLORY=tenancy-mallory

tenancy_cleanup() {
	local id
	for id in $("$DOCKER" ps -aq --filter "label=spacehook.space" 2>/dev/null); do
		if "$DOCKER" inspect -f '{{index .Config.Labels "spacehook.space"}}' "$id" 2>/dev/null |
			grep -qE "^($ALICE|$MALLORY)/"; then
			"$DOCKER" rm -f "$id" >/dev/null 2>&1 || true
		fi
	done
	for id in $("$DOCKER" network ls -q --filter "label=spacehook.space" 2>/dev/null); do
		if "$DOCKER" network inspect -f '{{index .Labels "spacehook.space"}}' "$id" 2>/dev/null |
			grep -qE "^($ALICE|$MALLORY)/"; then
			"$DOCKER" network rm "$id" >/dev/null 2>&1 || true
		fi
	done
	[ -n "${outbound_pid:-}" ] && kill "$outbound_pid" 2>/dev/null
	e2e_cleanup
}
trap tenancy_cleanup EXIT

# space OWNER NAME: a bare repository <root>/OWNER/NAME.git with the hooks and
# a work tree $SANDBOX/work/OWNER-NAME holding a valid Space.
space() {
	local bare="$REPOS/$1/$2.git" work="$SANDBOX/work/$1-$2"
	mkdir -p "$REPOS/$1"
	make_bare "$bare"
	git init -q "$work"
	git -C "$work" remote add origin "$bare"
	write_space "$work"
}

# dockerfile OWNER NAME: the Dockerfile of that Space from stdin.
dockerfile() {
	cat >"$SANDBOX/work/$1-$2/Dockerfile"
}

# push_as OWNER NAME: commit and push; output in $OUT, status in $RC.
push_as() {
	local work="$SANDBOX/work/$1-$2"
	git -C "$work" add -A
	git -C "$work" commit -q --allow-empty -m "change $(date +%s%N)"
	set +e
	OUT=$(timeout 300 git -C "$work" push origin HEAD:main 2>&1)
	RC=$?
	set -e
}

# field OWNER/NAME FIELD: a field of the Space's state.json.
field() {
	spacehook status "$1" --json |
		python3 -c 'import json,sys; v=json.load(sys.stdin)[0].get(sys.argv[1]); print("" if v is None else v)' "$2"
}

sha16() {
	printf '%s' "$1" | sha256sum | cut -c1-16
}

# --- 1. A secret-derived layer: rotated, and pushed by another author. ---
# The step that mounts the secret comes right after FROM, the same text in
# every Space: without isolation, BuildKit reuses it from the cache.
secret_dockerfile() {
	dockerfile "$1" "$2" <<'EOF2'
FROM spacehook-base:busybox
RUN --mount=type=secret,id=HF_TOKEN,mode=0444,required=false mkdir -p /srv && if [ -f /run/secrets/HF_TOKEN ]; then sha256sum /run/secrets/HF_TOKEN | cut -c1-16; else echo none; fi > /srv/derived
CMD ["httpd", "-f", "-p", "7860", "-h", "/srv"]
EOF2
}
space "$ALICE" model
secret_dockerfile "$ALICE" model
printf 'alice-private-token-one' | spacehook secrets set "$ALICE/model" HF_TOKEN --no-restart >/dev/null
push_as "$ALICE" model
expect_eq "alice/model: first push served" 0 "$RC"
alice_url=$(field "$ALICE/model" url)
expect_eq "alice/model serves what her token gave" "$(sha16 alice-private-token-one)" "$(http "$alice_url/derived")"

printf 'alice-private-token-two' | spacehook secrets set "$ALICE/model" HF_TOKEN --no-restart >/dev/null
push_as "$ALICE" model
expect_eq "rotation: push served" 0 "$RC"
expect_eq "rotation: the step that mounts the secret ran again with the new value" \
	"$(sha16 alice-private-token-two)" "$(http "$alice_url/derived")"
expect_not_contains "rotation: that step was not taken from the cache" "CACHED" \
	"$(grep -A3 'mount=type=secret,id=HF_TOKEN' <<<"$OUT")"

space "$MALLORY" copycat
secret_dockerfile "$MALLORY" copycat
push_as "$MALLORY" copycat
expect_eq "mallory, same Dockerfile, no secret: served" 0 "$RC"
mallory_url=$(field "$MALLORY/copycat" url)
expect_eq "mallory without a secret gets no layer of alice's" none "$(http "$mallory_url/derived")"
printf 'mallory-own-token' | spacehook secrets set "$MALLORY/copycat" HF_TOKEN --no-restart >/dev/null
push_as "$MALLORY" copycat
expect_eq "mallory with her own secret gets her own layer" "$(sha16 mallory-own-token)" "$(http "$mallory_url/derived")"
# Alice pushes the same once more: her layer, unchanged by mallory's builds.
push_as "$ALICE" model
expect_eq "alice still gets her own layer" "$(sha16 alice-private-token-two)" "$(http "$alice_url/derived")"

# --- 2. The nested path: mallory's repository at <root>/mallory/x/alice/model.git. ---
alice_container=$(field "$ALICE/model" container)
nested="$REPOS/$MALLORY/x/$ALICE/model.git"
mkdir -p "$(dirname "$nested")"
make_bare "$nested"
git -C "$SANDBOX/work/$MALLORY-copycat" push -q "$nested" HEAD:main 2>/dev/null
expect_eq "nested path: alice's container untouched" "$alice_container" "$(field "$ALICE/model" container)"
expect_eq "nested path: alice's Space still bound to her repository" \
	"$(realpath "$REPOS/$ALICE/model.git")" "$(cat "$STATE/spaces/$ALICE--model/repo")"
expect_eq "nested path: alice still served hers" "$(sha16 alice-private-token-two)" "$(http "$alice_url/derived")"

# --- 3. A cache mount, written by alice, read by mallory (same id and target). ---
space "$ALICE" cache
dockerfile "$ALICE" cache <<'EOF2'
FROM spacehook-base:busybox
RUN --mount=type=cache,id=hf,target=/cache echo alice-cached-weights > /cache/weights; mkdir -p /srv && echo written > /srv/index.html
CMD ["httpd", "-f", "-p", "7860", "-h", "/srv"]
EOF2
push_as "$ALICE" cache
expect_eq "alice/cache served" 0 "$RC"
space "$MALLORY" cache
dockerfile "$MALLORY" cache <<'EOF2'
FROM spacehook-base:busybox
ARG NONCE
RUN --mount=type=cache,id=hf,target=/cache mkdir -p /srv && (cat /cache/weights 2>/dev/null || echo none) > /srv/stolen
CMD ["httpd", "-f", "-p", "7860", "-h", "/srv"]
EOF2
push_as "$MALLORY" cache
expect_eq "mallory/cache served" 0 "$RC"
expect_eq "mallory's cache mount holds nothing of alice's" none \
	"$(http "$(field "$MALLORY/cache" url)/stolen")"

# --- 4. Networks: each Space has its own; container to container is blocked,
# the engine's socket is absent, traffic out still flows. ---
alice_net=$("$DOCKER" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' "$alice_container")
expect_eq "alice/model on a network of its own" "spacehook-$ALICE--model" "$alice_net"
alice_ip=$("$DOCKER" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$alice_container")
check "alice/model has an address" test -n "$alice_ip"
gateway=$("$DOCKER" network inspect -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}' "spacehook-$MALLORY--copycat")
# Outbound: a server on this host, on mallory's bridge address (the engine's own).
python3 -m http.server 18931 --bind "$gateway" --directory "$SANDBOX" >/dev/null 2>&1 &
outbound_pid=$!
echo reachable >"$SANDBOX/outbound.txt"
space "$MALLORY" probe
dockerfile "$MALLORY" probe <<'EOF2'
FROM spacehook-base:busybox
COPY app.sh /app.sh
CMD ["/bin/sh", "/app.sh"]
EOF2
cat >"$SANDBOX/work/$MALLORY-probe/app.sh" <<'EOF2'
mkdir -p /tmp/w
get() { printf 'GET %s HTTP/1.0\r\n\r\n' "$3" | nc -w 3 "$1" "$2" 2>/dev/null; }
(get "$ALICE_IP" 7860 /derived | grep -q . && echo REACHED || echo blocked) > /tmp/w/peer
get "$GATEWAY" 18931 /outbound.txt | tail -n 1 > /tmp/w/outbound
if [ -e /var/run/docker.sock ] || [ -e /run/docker.sock ]; then echo present; else echo absent; fi > /tmp/w/socket
(get "$GATEWAY" 2375 /version | grep -q . && echo REACHED || echo blocked) > /tmp/w/engine
exec httpd -f -p 7860 -h /tmp/w
EOF2
spacehook variables set "$MALLORY/probe" ALICE_IP "$alice_ip" --no-restart >/dev/null
spacehook variables set "$MALLORY/probe" GATEWAY "$gateway" --no-restart >/dev/null
push_as "$MALLORY" probe
expect_eq "mallory/probe served" 0 "$RC"
probe_url=$(field "$MALLORY/probe" url)
for _ in $(seq 1 20); do
	[ -n "$(http "$probe_url/engine")" ] && break
	sleep 0.5
done
expect_eq "mallory's container cannot reach alice's" blocked "$(http "$probe_url/peer")"
expect_eq "traffic out of a Space still flows" reachable "$(http "$probe_url/outbound")"
expect_eq "no engine socket in the container" absent "$(http "$probe_url/socket")"
expect_eq "no engine API on the bridge address" blocked "$(http "$probe_url/engine")"
# The same request from a container on alice's network does get through: the
# block above is the networks', not a broken client.
expect_eq "a container on alice's own network reaches her (control)" "$(sha16 alice-private-token-two)" \
	"$("$DOCKER" run --rm --network "$alice_net" spacehook-base:busybox sh -c \
		"printf 'GET /derived HTTP/1.0\r\n\r\n' | nc -w 3 $alice_ip 7860 | tail -n 1")"

# --- 5. /data: a hostile ENTRYPOINT never runs as root. ---
git config --global spacehook.persistentStorage true
space "$MALLORY" data
dockerfile "$MALLORY" data <<'EOF2'
FROM spacehook-base:busybox
COPY entry.sh /entry.sh
ENTRYPOINT ["/bin/sh", "/entry.sh"]
CMD ["httpd", "-f", "-p", "7860", "-h", "/data"]
EOF2
cat >"$SANDBOX/work/$MALLORY-data/entry.sh" <<'EOF2'
touch "/data/ran-as-$(id -u)" 2>/dev/null
id -u > /data/index.html 2>/dev/null
exec "$@"
EOF2
push_as "$MALLORY" data
git config --global --unset spacehook.persistentStorage
expect_eq "mallory/data served" 0 "$RC"
expect_eq "the app runs as 1000 and may write /data" 1000 "$(http "$(field "$MALLORY/data" url)/index.html")"
ran=$("$DOCKER" run --rm --mount "type=volume,src=spacehook-$MALLORY--data-data,dst=/d,volume-nocopy" \
	spacehook-base:busybox sh -c 'ls /d | grep ran-as | tr "\n" " "; stat -c %u /d')
expect_eq "the entrypoint ran only as the app's user; /data is 1000's" "ran-as-1000 1000" "$ran"
helpers=$("$DOCKER" ps -a --filter "label=spacehook.helper" --format '{{.Image}}' | sort -u)
expect_eq "no helper container is left" "" "$helpers"
expect_eq "the /data owner image holds no program" "" \
	"$("$DOCKER" history --no-trunc --format '{{.CreatedBy}}' spacehook/data-owner:1000-1000 | tr -d '\n')"

# --- 6. A log flood is capped per container. ---
git config --global spacehook.logMaxSize 256k
git config --global spacehook.logMaxFiles 2
space "$MALLORY" flood
dockerfile "$MALLORY" flood <<'EOF2'
FROM spacehook-base:busybox
CMD ["/bin/sh", "-c", "mkdir -p /tmp/w && echo up > /tmp/w/index.html && httpd -p 7860 -h /tmp/w && i=0; while [ $i -lt 40000 ]; do echo flood-line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; echo flood-done; sleep 3600"]
EOF2
push_as "$MALLORY" flood
git config --global --unset spacehook.logMaxSize
git config --global --unset spacehook.logMaxFiles
expect_eq "mallory/flood served" 0 "$RC"
flood=$(field "$MALLORY/flood" container)
for _ in $(seq 1 60); do
	spacehook logs "$MALLORY/flood" --tail 5 2>/dev/null | grep -q flood-done && break
	sleep 0.5
done
logpath=$("$DOCKER" inspect -f '{{.LogPath}}' "$flood")
total=$(cat "$logpath"* | wc -c)
expect_eq "log rotation configured" "json-file 262144 2" \
	"$("$DOCKER" inspect -f '{{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config "max-size"}} {{index .HostConfig.LogConfig.Config "max-file"}}' "$flood")"
check "the flood (~3.5 MB) kept at most 2 x 256 KiB on disk (kept: $total bytes)" test "$total" -le $((2 * 262144 + 4096))
check "the flood ran to its end" grep -q flood-done <<<"$(spacehook logs "$MALLORY/flood" --tail 5 2>&1)"

# --- 7. A multi-line secret printed by a build (BuildKit prefixes each line),
# and escape sequences in build and app output. ---
space "$ALICE" noisy
dockerfile "$ALICE" noisy <<'EOF2'
FROM spacehook-base:busybox
ARG NONCE
RUN --mount=type=secret,id=KEY,mode=0444,required=true cat /run/secrets/KEY; printf 'build \033]0;owned-title\007 \033[2J done\n'
CMD ["/bin/sh", "-c", "printf 'app \\033[31mred\\033[0m \\033]0;owned\\007 \\302\\233 end\\n'; mkdir -p /tmp/w && echo up > /tmp/w/index.html && exec httpd -f -p 7860 -h /tmp/w"]
EOF2
printf -- '-----BEGIN KEY-----\nline-one-AAAAAAAA\nline-two-BBBBBBBB\n-----END KEY-----\n' |
	spacehook secrets set "$ALICE/noisy" KEY --no-restart >/dev/null
spacehook variables set "$ALICE/noisy" NONCE "$$-$RANDOM" --no-restart >/dev/null
push_as "$ALICE" noisy
expect_eq "alice/noisy served" 0 "$RC"
saved=$(cat "$STATE/spaces/$ALICE--noisy/logs/"*.log)
for line in line-one-AAAAAAAA line-two-BBBBBBBB; do
	expect_not_contains "multi-line secret: '$line' not in the pusher's output" "$line" "$OUT"
	expect_not_contains "multi-line secret: '$line' not in the saved log" "$line" "$saved"
done
expect_contains "multi-line secret: its lines show as ***" "***" "$OUT"
check "no escape byte reaches the pusher" test "$(printf '%s' "$OUT" | tr -cd '\033' | wc -c)" -eq 0
expect_contains "the pusher sees the escape spelled out" '\x1b]0;owned-title' "$OUT"
for _ in $(seq 1 20); do
	spacehook logs "$ALICE/noisy" 2>/dev/null | grep -q 'app ' && break
	sleep 0.5
done
runlog=$(spacehook logs "$ALICE/noisy" 2>&1)
buildlog=$(spacehook logs "$ALICE/noisy" --build 2>&1)
check "no escape or C1 byte in spacehook logs" test "$(printf '%s%s' "$runlog" "$buildlog" | tr -cd '\033\233' | wc -c)" -eq 0
expect_contains "spacehook logs spells the app's escapes out" '\x1b[31mred' "$runlog"
expect_contains "spacehook logs spells a UTF-8 C1 control out" '\u009b' "$runlog"

# --- 8. Another Space's image, a host network, a foreign frontend: refused at
# push (the Dockerfile check), and by the worker when a variable chooses it. ---
alice_image=$(field "$ALICE/model" image)
check "alice/model has an image to steal" test -n "$alice_image"
space "$MALLORY" thief
attempt() { # DESCRIPTION DOCKERFILE-TEXT
	printf '%s\n' "$2" >"$SANDBOX/work/$MALLORY-thief/Dockerfile"
	push_as "$MALLORY" thief
	expect_eq "$1: push refused" 1 "$RC"
	expect_contains "$1: refused at its line in the Dockerfile" "remote: Dockerfile:" "$OUT"
}
attempt "FROM alice's image" "FROM $alice_image"
attempt "COPY --from alice's image" "$(printf 'FROM spacehook-base:busybox\nCOPY --from=%s /srv/derived /stolen' "$alice_image")"
attempt "RUN --mount from alice's image" "$(printf 'FROM spacehook-base:busybox\nRUN --mount=type=bind,from=%s,target=/a cat /a/srv/derived' "$alice_image")"
attempt "FROM docker.io/ alice's image" "FROM docker.io/$alice_image"
attempt "RUN --network=host" "$(printf 'FROM spacehook-base:busybox\nRUN --network=host true')"
attempt "a foreign frontend" "$(printf '# syntax=%s\nFROM spacehook-base:busybox' "$alice_image")"
expect_eq "nothing of mallory/thief was built" "" "$(field "$MALLORY/thief" image 2>/dev/null || true)"
# The image chosen by a variable: pre-receive sees a public default, the
# worker sees the variable and refuses before building.
printf 'ARG BASE=spacehook-base:busybox\nFROM $BASE\nCMD ["httpd", "-f", "-p", "7860"]\n' \
	>"$SANDBOX/work/$MALLORY-thief/Dockerfile"
spacehook variables set "$MALLORY/thief" BASE "$alice_image" --no-restart >/dev/null
push_as "$MALLORY" thief
expect_eq "FROM \$BASE with BASE=alice's image: the push itself passes pre-receive" 0 "$(git -C "$REPOS/$MALLORY/thief.git" rev-parse -q --verify main >/dev/null; echo $?)"
expect_contains "the worker refuses it, naming the line" "Dockerfile:2:" "$OUT"
expect_eq "the worker's refusal is a CONFIG_ERROR" CONFIG_ERROR "$(field "$MALLORY/thief" stage)"
expect_eq "and nothing was built from alice's image" "" "$(field "$MALLORY/thief" image)"

# --- 9. A planted secrets.json symbolic link to alice's secrets. ---
victim="$STATE/spaces/$ALICE--model/secrets.json"
planted="$STATE/spaces/$MALLORY--copycat/secrets.json"
rm -f "$planted"
ln -s "$victim" "$planted"
push_as "$MALLORY" copycat
expect_contains "the planted link is refused, named" "secrets.json" "$OUT"
expect_not_contains "alice's token never shows" "alice-private-token" "$OUT$(cat "$STATE/spaces/$MALLORY--copycat/logs/"*.log)"
expect_eq "mallory's Space still serves her own layer, nothing of alice's" "$(sha16 mallory-own-token)" "$(http "$mallory_url/derived")"
rm -f "$planted"
printf 'mallory-own-token' | spacehook secrets set "$MALLORY/copycat" HF_TOKEN --no-restart >/dev/null

# --- 10. Builds that never end hold no slot forever; one owner never holds
# both slots while another waits. ---
git config --global spacehook.buildTimeout 20s
git config --global spacehook.maxConcurrentBuilds 2
git config --global spacehook.maxBuildsPerOwner 1
for n in 1 2; do
	space "$MALLORY" "hang$n"
	dockerfile "$MALLORY" "hang$n" <<EOF2
FROM spacehook-base:busybox
RUN sleep 360$n
EOF2
	git -C "$SANDBOX/work/$MALLORY-hang$n" add -A
	git -C "$SANDBOX/work/$MALLORY-hang$n" commit -q -m hang
	git -C "$SANDBOX/work/$MALLORY-hang$n" push -q -o spacehook.wait=no origin HEAD:main 2>/dev/null
done
# Wait until one of mallory's builds runs its sleep; the other waits for her slot.
for _ in $(seq 1 60); do
	pgrep -x -f 'sleep 360[12]' >/dev/null && break
	sleep 0.5
done
check "one of mallory's hung builds runs" pgrep -x -f 'sleep 360[12]'
expect_eq "only one of mallory's builds runs at a time" 1 "$(pgrep -c -x -f 'sleep 360[12]' || true)"
space "$ALICE" quick
dockerfile "$ALICE" quick <<'EOF2'
FROM spacehook-base:busybox
RUN mkdir -p /srv && echo quick > /srv/index.html
CMD ["httpd", "-f", "-p", "7860", "-h", "/srv"]
EOF2
push_as "$ALICE" quick
expect_eq "alice's build is not held up by mallory's hung builds" 0 "$RC"
expect_eq "alice/quick RUNNING" RUNNING "$(field "$ALICE/quick" stage)"
for n in 1 2; do
	for _ in $(seq 1 150); do
		case "$(field "$MALLORY/hang$n" stage)" in BUILD_ERROR) break ;; esac
		sleep 0.5
	done
	expect_eq "mallory/hang$n ends BUILD_ERROR" BUILD_ERROR "$(field "$MALLORY/hang$n" stage)"
	expect_contains "mallory/hang$n: the timeout says so" "build timed out after 20 " \
		"$(spacehook logs "$MALLORY/hang$n" --build 2>&1)"
done
for _ in $(seq 1 20); do
	pgrep -x -f 'sleep 360[12]' >/dev/null || break
	sleep 0.5
done
expect_eq "no hung build step is left running on the host" "" "$(pgrep -x -f 'sleep 360[12]' || true)"
git config --global --unset spacehook.buildTimeout
git config --global --unset spacehook.maxBuildsPerOwner
git config --global --unset spacehook.maxConcurrentBuilds

# --- 11. The blob bomb: a ~1 MB push holding a 1 GiB blob of zeros. ---
space "$MALLORY" bomb
dockerfile "$MALLORY" bomb <<'EOF2'
FROM spacehook-base:busybox
CMD ["httpd", "-f", "-p", "7860"]
EOF2
head -c 1073741824 /dev/zero >"$SANDBOX/work/$MALLORY-bomb/zeros.bin"
push_as "$MALLORY" bomb
rm -f "$SANDBOX/work/$MALLORY-bomb/zeros.bin"
expect_eq "the bomb is refused at push (default limits)" 1 "$RC"
expect_contains "the refusal names the file and the setting" "zeros.bin" "$OUT"
expect_contains "the refusal names spacehook.maxBlobSize" "spacehook.maxBlobSize" "$OUT"
# With the limits raised, the worker streams it: its memory stays bounded.
git -C "$REPOS/$MALLORY/bomb.git" config spacehook.maxBlobSize 2g
git -C "$REPOS/$MALLORY/bomb.git" config spacehook.maxContextSize 2g
git -C "$SANDBOX/work/$MALLORY-bomb" push -q -o spacehook.wait=no origin HEAD:main 2>/dev/null
peak=0
for _ in $(seq 1 1200); do
	pid=$(cat "$STATE/spaces/$MALLORY--bomb/worker.pid" 2>/dev/null || true)
	if [ -n "$pid" ]; then
		kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
		[ -n "$kb" ] && [ "$kb" -gt "$peak" ] && peak=$kb
	fi
	case "$(field "$MALLORY/bomb" stage)" in RUNNING | BUILD_ERROR | RUNTIME_ERROR) break ;; esac
	sleep 0.2
done
expect_eq "with the limits raised, the 1 GiB context is built and served" RUNNING "$(field "$MALLORY/bomb" stage)"
check "the worker's peak memory was measured ($peak KiB)" test "$peak" -gt 0
check "the worker's peak memory stays far below the blob (peak $peak KiB < 200 MiB)" test "$peak" -lt 204800

# --- 12. forget: alice's cache Space goes with its network and state. ---
msg=$(spacehook forget "$ALICE/cache" 2>&1)
expect_contains "forget says what went" "$ALICE/cache: removed 1 container" "$msg"
check "forget: no state left" test ! -e "$STATE/spaces/$ALICE--cache"
check "forget: no network left" test -z "$("$DOCKER" network ls -q --filter "name=^spacehook-$ALICE--cache\$")"
expect_eq "forget: no container left" 0 "$("$DOCKER" ps -aq --filter "label=spacehook.space=$ALICE/cache" | wc -l)"

finish
