# shellcheck shell=bash disable=SC2034  # sourced: the ports and NGINX are the tests'
# The front door's e2e set-up (sourced after e2elib.sh and nginx.sh, and after
# swarmlib.sh when the test uses it): a private nginx on 127.0.0.1 configured
# for spacehook.domain (spaces.localhost:<port>), `spacehook serve` on a port
# of its own (start_serve, stop_serve), and stop_all, the EXIT trap, which
# stops both and then runs the cleanup that was the trap before
# (swarm_cleanup when swarmlib.sh set it, else e2e_cleanup).
http_port=$(sp_nginx_free_port)
serve_port=$(sp_nginx_free_port)
NGINX="$SANDBOX/nginx"
domain="spaces.localhost"
sp_nginx_start "$NGINX" "$http_port" >/dev/null
sp_nginx_configure "$NGINX" "$http_port"
git config --global spacehook.domain "$domain:$http_port"
git config --global spacehook.serveListen "127.0.0.1:$serve_port"
if declare -F swarm_cleanup >/dev/null; then
	FRONTDOOR_NEXT_CLEANUP=swarm_cleanup
else
	FRONTDOOR_NEXT_CLEANUP=e2e_cleanup
fi
serve_pid=
stop_all() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	sp_nginx_stop "$NGINX" || true
	"$FRONTDOOR_NEXT_CLEANUP"
}
trap stop_all EXIT
start_serve() {
	spacehook serve --listen "127.0.0.1:$serve_port" 2>>"$SANDBOX/serve.log" &
	serve_pid=$!
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$serve_port/" && break; sleep 0.1; done
}
stop_serve() { kill "$serve_pid" && wait "$serve_pid" 2>/dev/null; serve_pid=; }
