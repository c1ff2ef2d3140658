#!/usr/bin/env bash
# The demo: on a fresh Debian machine, as root, install what spacehook needs,
# build it, make sure a Docker engine answers (starting a private one if
# none does), create a bare repository with the hooks installed, push the
# example Space of docs/examples/demo to it, and show what it serves.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
demo=${SPACEHOOK_DEMO_DIR:-/tmp/spacehook-demo}
cli=${SPACEHOOK_DOCKER_CLI:-/usr/bin/docker}

say() { printf '\n== %s\n' "$*"; }

say "installing packages"
bash "$top/install/deps.sh"

say "building spacehook"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSP_WERROR=OFF >/dev/null
cmake --build "$top/build" -j "$(nproc)" >/dev/null
bin="$top/build/bin"

say "finding a Docker engine"
if curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1; then
	export DOCKER_HOST=unix:///var/run/docker.sock
	echo "using the engine at /var/run/docker.sock"
else
	export SP_DOCKERD_DIR="$demo/dockerd"
	bash "$top/tests/lib/dockerd.sh" start
	export DOCKER_HOST="unix://$SP_DOCKERD_DIR/docker.sock"
fi
SP_DOCKERD_DIR="$demo/dockerd" SP_DOCKER_CLI="$cli" bash "$top/tests/lib/dockerd.sh" image

say "setting up a git server in $demo"
# The demo keeps its settings in its own HOME, leaving the machine's git config alone.
export HOME="$demo/home"
mkdir -p "$HOME" "$demo/repos/demo"
git config --global spacehook.stateDir "$demo/state"
git config --global spacehook.reposRoot "$demo/repos"
git config --global spacehook.dockerHost "$DOCKER_HOST"
git config --global spacehook.dockerCli "$cli"
git config --global init.defaultBranch main
git config --global user.name "Space Author"
git config --global user.email "author@example.com"

say "starting the front door (nginx and spacehook serve on 127.0.0.1)"
# shellcheck source=tests/lib/nginx.sh
. "$top/tests/lib/nginx.sh"
http_port=${SPACEHOOK_DEMO_HTTP_PORT:-8080}
if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$http_port/" 2>/dev/null &&
	! [ -s "$demo/nginx/nginx.pid" ]; then
	http_port=$(sp_nginx_free_port) # 8080 is taken by something else
fi
sp_nginx_stop "$demo/nginx" >/dev/null 2>&1 || true
sp_nginx_start "$demo/nginx" "$http_port" >/dev/null
sp_nginx_configure "$demo/nginx" "$http_port"
serve_port=$(sp_nginx_free_port)
git config --global spacehook.domain "localhost:$http_port"
git config --global spacehook.serveListen "127.0.0.1:$serve_port"
git config --global spacehook.drainTimeout 5
if [ -s "$demo/serve.pid" ]; then
	kill "$(cat "$demo/serve.pid")" 2>/dev/null || true
fi
nohup "$bin/spacehook" serve >"$demo/serve.log" 2>&1 &
echo $! >"$demo/serve.pid"
bare="$demo/repos/demo/hello.git"
if [ ! -d "$bare" ]; then
	git init -q --bare "$bare"
	ln -s "$bin/pre-receive" "$bare/hooks/pre-receive"
	ln -s "$bin/post-receive" "$bare/hooks/post-receive"
	git -C "$bare" config receive.advertisePushOptions true
fi
printf 'demo-token-value' | "$bin/spacehook" secrets set demo/hello GREETING_TOKEN --no-restart
"$bin/spacehook" variables set demo/hello GREETING "hello" --no-restart

say "pushing the example Space (docs/examples/demo)"
work="$demo/work"
rm -rf "$work"
cp -r "$top/docs/examples/demo" "$work"
git -C "$work" init -q
git -C "$work" add -A
git -C "$work" commit -q -m "A Space from the spacehook demo"
git -C "$work" push --force "$bare" HEAD:main

say "status"
"$bin/spacehook" status demo/hello
url=$("$bin/spacehook" status demo/hello --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["url"] or "")')
if [ -z "$url" ]; then
	echo "the Space is not serving; see: HOME=$HOME $bin/spacehook logs demo/hello --build" >&2
	exit 1
fi

say "what $url answers (through nginx)"
curl -s "$url"
curl -s "${url%/}/build.txt"

cat <<EOT

The Space demo/hello serves on $url
(nginx on 127.0.0.1:$http_port routes demo-hello.localhost to it).
Try, with the demo's settings (HOME=$HOME):
  HOME=$HOME $bin/spacehook status
  HOME=$HOME $bin/spacehook logs demo/hello --build
  HOME=$HOME $bin/spacehook logs demo/hello
Push again from $work to redeploy.
EOT
echo "nginx and spacehook serve keep running; stop them with:"
echo "  kill \$(cat $demo/serve.pid); kill \$(cat $demo/nginx/nginx.pid)"
if [ -n "${SP_DOCKERD_DIR:-}" ] && [ -f "$SP_DOCKERD_DIR/dockerd.pid" ]; then
	echo "The private engine keeps running; stop it with:"
	echo "  SP_DOCKERD_DIR=$SP_DOCKERD_DIR bash $top/tests/lib/dockerd.sh stop"
fi
