# shellcheck shell=bash
# A private nginx for tests (sourced): its own config, pid file, logs and temp
# paths under one directory, listening on 127.0.0.1 only, reading the files
# spacehook writes into DIR/spacehook.

# sp_nginx_free_port: a TCP port free on 127.0.0.1 right now.
sp_nginx_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# sp_nginx_write_conf DIR: DIR/nginx.conf, including DIR/spacehook/*.conf.
sp_nginx_write_conf() {
	local dir=$1 user=""
	mkdir -p "$dir/spacehook" "$dir/tmp" "$dir/logs"
	# Workers run as root when the tests do, so they read the sandbox.
	if [ "$(id -u)" -eq 0 ]; then
		user="user root;"
	fi
	cat >"$dir/nginx.conf" <<EOF
$user
daemon on;
worker_processes 1;
worker_rlimit_nofile 16384;
pid $dir/nginx.pid;
error_log $dir/error.log;
events {
	worker_connections 4096;
}
http {
	access_log off;
	client_body_temp_path $dir/tmp/client_body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	include $dir/spacehook/*.conf;
}
EOF
}

# sp_nginx_settings DIR PORT: the spacehook settings ("key value" lines) that
# point spacehook at the nginx of DIR listening on 127.0.0.1:PORT.
sp_nginx_settings() {
	local dir=$1 port=$2
	printf '%s %s\n' \
		spacehook.nginxDir "$dir/spacehook" \
		spacehook.httpListen "127.0.0.1:$port" \
		spacehook.nginxTest "nginx -t -q -e $dir/error.log -c $dir/nginx.conf -p $dir" \
		spacehook.nginxReload "nginx -s reload -e $dir/error.log -c $dir/nginx.conf -p $dir"
}

# sp_nginx_configure DIR PORT [GIT-CONFIG-OPTION...]: set those settings with
# git config (default --global, the sandbox's HOME).
sp_nginx_configure() {
	local dir=$1 port=$2 key value
	shift 2
	[ $# -gt 0 ] || set -- --global
	while read -r key value; do
		git config "$@" "$key" "$value"
	done < <(sp_nginx_settings "$dir" "$port")
}

# sp_nginx_start DIR PORT: write the config and start nginx (daemon); prints
# the settings as sp_nginx_settings does.
sp_nginx_start() {
	local dir=$1 port=$2
	sp_nginx_write_conf "$dir"
	nginx -e "$dir/error.log" -c "$dir/nginx.conf" -p "$dir" || {
		echo "nginx did not start:" >&2
		cat "$dir/error.log" >&2 2>/dev/null || true
		return 1
	}
	sp_nginx_settings "$dir" "$port"
}

# sp_nginx_stop DIR: stop the nginx of DIR by its pid file, if it runs.
sp_nginx_stop() {
	local dir=$1 pid i
	[ -s "$dir/nginx.pid" ] || return 0
	pid=$(cat "$dir/nginx.pid")
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "nginx ($pid) did not stop after 5 s (try $i)" >&2
	return 1
}
