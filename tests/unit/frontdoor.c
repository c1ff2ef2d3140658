/* Tests of the front door: subdomain claims, public URLs, the nginx files
 * and their test-then-reload, with the real nginx binary. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "frontdoor.h"
#include "testlib.h"

/* A sandbox: a state dir holding the store of `id`, settings whose
 * nginxDir is <dir>/nginx/spacehook, nginxTest and nginxReload "true". */
typedef struct {
	char dir[128];
	sp_store *store;
	sp_settings settings;
} fixture;

static void fixture_set(char **field, const char *value)
{
	free(*field);
	*field = value ? sp_strdup(value) : NULL;
}

static void fixture_open(fixture *f, const char *id)
{
	sp_buf path = SP_BUF_INIT;

	memset(f, 0, sizeof(*f));
	f->store = sp_test_state_new(f->dir, sizeof(f->dir), "frontdoor", id);
	fixture_set(&f->settings.state_dir, f->dir);
	fixture_set(&f->settings.domain, "spaces.example.com");
	fixture_set(&f->settings.public_scheme, "http");
	sp_buf_printf(&path, "%s/nginx/spacehook", f->dir);
	fixture_set(&f->settings.nginx_dir, path.ptr);
	fixture_set(&f->settings.http_listen, "127.0.0.1:8080");
	fixture_set(&f->settings.nginx_test, "true");
	fixture_set(&f->settings.nginx_reload, "true");
	fixture_set(&f->settings.serve_listen, "127.0.0.1:7800");
	fixture_set(&f->settings.bind_address, "127.0.0.1");
	sp_buf_dispose(&path);
}

static void fixture_close(fixture *f)
{
	sp_settings_dispose(&f->settings);
	sp_test_state_free(f->store, f->dir);
}

/* The contents of nginxDir/<name> ("" when missing: `*exists` 0). */
static void read_conf(sp_buf *out, int *exists, const fixture *f,
                      const char *name)
{
	sp_buf path = SP_BUF_INIT;
	int error;

	sp_buf_printf(&path, "%s/%s", f->settings.nginx_dir, name);
	error = sp_buf_read_file(out, path.ptr, 1024 * 1024);
	if (error == SP_ENOTFOUND || (error < 0 && access(path.ptr, F_OK)))
		sp_buf_clear(out);
	if (exists)
		*exists = error == 0;
	sp_buf_dispose(&path);
}

static int file_exists(const char *dir, const char *rel)
{
	sp_buf path = SP_BUF_INIT;
	int exists;

	sp_buf_printf(&path, "%s/%s", dir, rel);
	exists = access(path.ptr, F_OK) == 0;
	sp_buf_dispose(&path);
	return exists;
}

static void expect_has(const char *text, const char *needle)
{
	ck_assert_msg(strstr(text, needle) != NULL, "[%s] not found in:\n%s",
	              needle, text);
}

static void expect_lacks(const char *text, const char *needle)
{
	ck_assert_msg(strstr(text, needle) == NULL, "[%s] found in:\n%s",
	              needle, text);
}

/* subdomain: computed once, stored, claimed; a clash names the holder. */

START_TEST(test_subdomain_stored_and_claimed)
{
	char label[SP_SUBDOMAIN_MAX + 1], again[SP_SUBDOMAIN_MAX + 1];
	sp_buf stored = SP_BUF_INIT;
	char *id = NULL;
	fixture f;

	fixture_open(&f, "Alice/My_Demo");
	ck_assert_int_eq(sp_frontdoor_subdomain(label, &f.settings, f.store),
	                 0);
	ck_assert_str_eq(label, "alice-my-demo");
	ck_assert_int_eq(sp_store_readat(&stored, f.store, "subdomain", 1024),
	                 0);
	ck_assert_str_eq(stored.ptr, "alice-my-demo\n");
	ck_assert_int_eq(sp_frontdoor_lookup(&id, f.dir, label), 0);
	ck_assert_str_eq(id, "Alice/My_Demo");
	free(id);
	id = NULL;
	/* Again: the same label, the claim is ours (idempotent). */
	ck_assert_int_eq(sp_frontdoor_subdomain(again, &f.settings, f.store),
	                 0);
	ck_assert_str_eq(again, label);
	/* The stored label wins over a recomputation. */
	ck_assert_int_eq(
	    sp_store_writeat(f.store, "subdomain", "kept-label\n", 11, 0600),
	    0);
	ck_assert_int_eq(sp_frontdoor_subdomain(again, &f.settings, f.store),
	                 0);
	ck_assert_str_eq(again, "kept-label");
	ck_assert_int_eq(sp_frontdoor_lookup(&id, f.dir, "kept-label"), 0);
	ck_assert_str_eq(id, "Alice/My_Demo");
	free(id);
	id = NULL;
	ck_assert_int_eq(sp_frontdoor_lookup(&id, f.dir, "nobody-here"),
	                 SP_ENOTFOUND);
	ck_assert_ptr_null(id);
	ck_assert_int_eq(sp_frontdoor_lookup(&id, f.dir, "../x"), SP_ENOTFOUND);
	sp_buf_dispose(&stored);
	fixture_close(&f);
}
END_TEST

START_TEST(test_subdomain_clash)
{
	char label[SP_SUBDOMAIN_MAX + 1];
	sp_store *other;
	sp_buf stored = SP_BUF_INIT;
	char *id = NULL;
	fixture f;

	fixture_open(&f, "alice/demo");
	ck_assert_int_eq(sp_frontdoor_subdomain(label, &f.settings, f.store),
	                 0);
	other = sp_test_store_open(f.dir, "Alice/Demo");
	ck_assert_int_eq(sp_frontdoor_subdomain(label, &f.settings, other),
	                 SP_EEXISTS);
	expect_has(sp_error_last(), "'alice-demo'");
	expect_has(sp_error_last(), "'alice/demo'");
	expect_has(sp_error_last(), "rename the repository");
	/* Nothing stored for the loser; the holder keeps its claim. */
	ck_assert_int_eq(sp_store_readat(&stored, other, "subdomain", 1024),
	                 SP_ENOTFOUND);
	ck_assert_int_eq(sp_frontdoor_lookup(&id, f.dir, "alice-demo"), 0);
	ck_assert_str_eq(id, "alice/demo");
	free(id);
	sp_store_free(other);
	sp_buf_dispose(&stored);
	fixture_close(&f);
}
END_TEST

/* url and host */

static const struct {
	const char *domain, *scheme, *label, *base_path;
	const char *url, *host;
} urls[] = {
    {"spaces.example.com", "http", "alice-demo", NULL,
     "http://alice-demo.spaces.example.com/", "alice-demo.spaces.example.com"},
    {"spaces.example.com", "https", "alice-demo", "/docs",
     "https://alice-demo.spaces.example.com/docs",
     "alice-demo.spaces.example.com"},
    {"localhost:8080", "http", "a-b", "/", "http://a-b.localhost:8080/",
     "a-b.localhost"},
    {"example.org:8443", "https", "x", "//app/ui",
     "https://x.example.org:8443/app/ui", "x.example.org"},
};

START_TEST(test_url_and_host)
{
	sp_settings s;
	sp_buf out = SP_BUF_INIT;

	memset(&s, 0, sizeof(s));
	s.domain = (char *)urls[_i].domain;
	s.public_scheme = (char *)urls[_i].scheme;
	sp_buf_sets(&out, "old");
	sp_frontdoor_url(&out, &s, urls[_i].label, urls[_i].base_path);
	ck_assert_str_eq(out.ptr, urls[_i].url);
	sp_frontdoor_host(&out, &s, urls[_i].label);
	ck_assert_str_eq(out.ptr, urls[_i].host);
	ck_assert_int_eq(sp_frontdoor_enabled(&s), 1);
	s.domain = NULL;
	ck_assert_int_eq(sp_frontdoor_enabled(&s), 0);
	sp_buf_dispose(&out);
}
END_TEST

/* files for each route kind */

START_TEST(test_files_app)
{
	sp_route route = {.kind = SP_ROUTE_APP, .port = 20001};
	sp_buf conf = SP_BUF_INIT, shared = SP_BUF_INIT, inc = SP_BUF_INIT;
	struct stat st;
	fixture f;

	fixture_open(&f, "alice/demo");
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route), 0);
	read_conf(&conf, NULL, &f, "spacehook_alice--demo.conf");
	read_conf(&shared, NULL, &f, "spacehook.conf");
	read_conf(&inc, NULL, &f, "spacehook-proxy.inc");
	ck_assert_int_eq(strncmp(conf.ptr,
	                         "# spacehook: alice/demo (written by "
	                         "spacehook; edits are lost)\n",
	                         60),
	                 0);
	expect_has(conf.ptr, "upstream spacehook_alice__demo {");
	expect_has(conf.ptr, "server 127.0.0.1:20001 max_fails=0;");
	expect_has(conf.ptr, "keepalive 16;");
	expect_has(conf.ptr, "listen 127.0.0.1:8080;");
	expect_has(conf.ptr, "server_name alice-demo.spaces.example.com;");
	expect_has(conf.ptr, "location ^~ /.spacehook/ {");
	expect_has(conf.ptr,
	           "proxy_set_header X-Spacehook-Space \"alice/demo\";");
	expect_has(conf.ptr, "proxy_pass http://spacehook_alice__demo;");
	expect_has(conf.ptr, "error_page 502 503 504 = @spacehook;");
	expect_has(conf.ptr, "location @spacehook {");
	expect_has(conf.ptr, "/idle/alice--demo.log spacehook_idle;");
	expect_has(conf.ptr, "/spacehook-proxy.inc;");
	expect_lacks(conf.ptr, "proxy_intercept_errors");
	/* The shared file: map, serve's upstream, log format, two servers. */
	expect_has(shared.ptr, "map $http_upgrade "
	                       "$spacehook_connection_upgrade {");
	expect_has(shared.ptr, "upstream spacehook_serve {\n"
	                       "\tserver 127.0.0.1:7800;\n\tkeepalive 8;");
	expect_has(shared.ptr, "log_format spacehook_idle");
	expect_has(shared.ptr, "server_name spaces.example.com;");
	expect_has(shared.ptr, "server_name *.spaces.example.com;");
	expect_has(shared.ptr, "proxy_set_header X-Spacehook-Space \"\";");
	/* The proxy settings the apps need. */
	expect_has(inc.ptr, "proxy_http_version 1.1;");
	expect_has(inc.ptr, "proxy_set_header Upgrade $http_upgrade;");
	expect_has(inc.ptr, "proxy_set_header Connection "
	                    "$spacehook_connection_upgrade;");
	expect_has(inc.ptr, "proxy_buffering off;");
	expect_has(inc.ptr, "proxy_request_buffering off;");
	expect_has(inc.ptr, "proxy_read_timeout 1h;");
	/* The app is on this host: an address nobody holds any more is given
	 * up on quickly, and serve answers (and reroutes). */
	expect_has(inc.ptr, "proxy_connect_timeout 3s;");
	expect_has(inc.ptr, "proxy_send_timeout 1h;");
	expect_has(inc.ptr, "client_max_body_size 0;");
	expect_has(inc.ptr, "X-Forwarded-For $proxy_add_x_forwarded_for;");
	expect_has(inc.ptr, "X-Forwarded-Proto http;");
	expect_has(inc.ptr, "X-Forwarded-Host $http_host;");
	expect_has(inc.ptr, "proxy_set_header Host $http_host;");
	/* The idle log is ours, made before nginx opens it. */
	ck_assert_int_eq(
	    stat(f.settings.nginx_dir, &st) == 0 && S_ISDIR(st.st_mode), 1);
	ck_assert(file_exists(f.settings.nginx_dir, "idle/alice--demo.log"));
	ck_assert(file_exists(f.settings.nginx_dir, ".lock"));
	sp_buf_dispose(&conf);
	sp_buf_dispose(&shared);
	sp_buf_dispose(&inc);
	fixture_close(&f);
}
END_TEST

START_TEST(test_files_ipv6_https)
{
	sp_route route = {.kind = SP_ROUTE_APP, .port = 20002};
	sp_buf conf = SP_BUF_INIT, inc = SP_BUF_INIT, shared = SP_BUF_INIT;
	fixture f;

	fixture_open(&f, "bob/chat");
	fixture_set(&f.settings.bind_address, "::1");
	fixture_set(&f.settings.public_scheme, "https");
	fixture_set(&f.settings.domain, "spaces.example.com:8443");
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route), 0);
	read_conf(&conf, NULL, &f, "spacehook_bob--chat.conf");
	read_conf(&inc, NULL, &f, "spacehook-proxy.inc");
	read_conf(&shared, NULL, &f, "spacehook.conf");
	expect_has(conf.ptr, "server [::1]:20002 max_fails=0;");
	/* The port of the domain is for URLs, never for server_name. */
	expect_has(conf.ptr, "server_name bob-chat.spaces.example.com;");
	expect_lacks(conf.ptr, "8443");
	expect_lacks(shared.ptr, "8443");
	expect_has(inc.ptr, "X-Forwarded-Proto https;");
	/* The container's own address, when given, rather than bindAddress. */
	route.address = "172.20.0.3";
	route.port = 7860;
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route), 0);
	read_conf(&conf, NULL, &f, "spacehook_bob--chat.conf");
	expect_has(conf.ptr, "server 172.20.0.3:7860 max_fails=0;");
	expect_lacks(conf.ptr, "[::1]");
	route.address = "fd00:5::3";
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route), 0);
	read_conf(&conf, NULL, &f, "spacehook_bob--chat.conf");
	expect_has(conf.ptr, "server [fd00:5::3]:7860 max_fails=0;");
	sp_buf_dispose(&conf);
	sp_buf_dispose(&inc);
	sp_buf_dispose(&shared);
	fixture_close(&f);
}
END_TEST

START_TEST(test_files_status)
{
	sp_route route = {.kind = SP_ROUTE_STATUS};
	sp_buf conf = SP_BUF_INIT;
	fixture f;

	fixture_open(&f, "alice/demo");
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route), 0);
	read_conf(&conf, NULL, &f, "spacehook_alice--demo.conf");
	expect_has(conf.ptr, "server_name alice-demo.spaces.example.com;");
	expect_has(conf.ptr, "\tlocation / {\n\t\tinclude ");
	expect_has(conf.ptr,
	           "proxy_set_header X-Spacehook-Space \"alice/demo\";\n"
	           "\t\tproxy_pass http://spacehook_serve;");
	expect_lacks(conf.ptr, "upstream spacehook_alice__demo");
	expect_lacks(conf.ptr, "error_page");
	sp_buf_dispose(&conf);
	fixture_close(&f);
}
END_TEST

START_TEST(test_files_static)
{
	sp_route route = {.kind = SP_ROUTE_STATIC,
	                  .root = "/srv/static/alice--demo/current",
	                  .index = "index.html"};
	sp_buf conf = SP_BUF_INIT;
	fixture f;

	fixture_open(&f, "alice/demo");
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route), 0);
	read_conf(&conf, NULL, &f, "spacehook_alice--demo.conf");
	expect_has(conf.ptr, "root /srv/static/alice--demo/current;");
	expect_has(conf.ptr, "index index.html;");
	expect_has(conf.ptr, "disable_symlinks on from=$document_root;");
	expect_has(conf.ptr, "try_files $uri $uri/ =404;");
	expect_has(conf.ptr, "/idle/alice--demo.log spacehook_idle;");
	expect_has(conf.ptr, "location ^~ /.spacehook/ {");
	expect_lacks(conf.ptr, "upstream spacehook_alice__demo");
	expect_lacks(conf.ptr, "alias");
	sp_buf_dispose(&conf);
	fixture_close(&f);
}
END_TEST

/* A route that changes nothing runs neither the test nor the reload. */
START_TEST(test_unchanged_not_reloaded)
{
	sp_route route = {.kind = SP_ROUTE_APP, .port = 20003};
	sp_buf cmd = SP_BUF_INIT, marker = SP_BUF_INIT;
	fixture f;

	fixture_open(&f, "alice/demo");
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route), 0);
	sp_buf_printf(&marker, "%s/reloaded", f.dir);
	sp_buf_printf(&cmd, "touch %s", marker.ptr);
	fixture_set(&f.settings.nginx_reload, cmd.ptr);
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route), 0);
	ck_assert_int_ne(access(marker.ptr, F_OK), 0);
	route.port = 20004;
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route), 0);
	ck_assert_int_eq(access(marker.ptr, F_OK), 0);
	sp_buf_dispose(&cmd);
	sp_buf_dispose(&marker);
	fixture_close(&f);
}
END_TEST

/* A reload command that leaves a program holding its output is not waited
 * for past its own exit. */
START_TEST(test_reload_not_held)
{
	sp_route route = {.kind = SP_ROUTE_APP, .port = 20006};
	struct timespec t0, t1;
	fixture f;

	fixture_open(&f, "alice/demo");
	fixture_set(&f.settings.nginx_reload, "sleep 3 & echo reloaded");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);
	fixture_close(&f);
}
END_TEST

START_TEST(test_unroute)
{
	sp_route route = {.kind = SP_ROUTE_APP, .port = 20005};
	sp_buf conf = SP_BUF_INIT;
	char *id = NULL;
	int exists;
	fixture f;

	fixture_open(&f, "alice/demo");
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route), 0);
	ck_assert_int_eq(sp_frontdoor_unroute(&f.settings, f.store), 0);
	read_conf(&conf, &exists, &f, "spacehook_alice--demo.conf");
	ck_assert_int_eq(exists, 0);
	ck_assert(!file_exists(f.settings.nginx_dir, "idle/alice--demo.log"));
	ck_assert_int_eq(sp_frontdoor_lookup(&id, f.dir, "alice-demo"),
	                 SP_ENOTFOUND);
	read_conf(&conf, &exists, &f, "spacehook.conf");
	ck_assert_int_eq(exists, 1);
	/* Again: nothing left to remove is fine. */
	ck_assert_int_eq(sp_frontdoor_unroute(&f.settings, f.store), 0);
	sp_buf_dispose(&conf);
	fixture_close(&f);
}
END_TEST

/* refusal of what nginx could not take literally */

static const struct {
	const char *field; /* settings field, or "root" / "index" / "port" */
	const char *value;
} unsafe[] = {
    {"root", "/srv/a b"},
    {"root", "/srv/a;b"},
    {"root", "/srv/a}b"},
    {"root", "/srv/$x"},
    {"root", "srv/relative"},
    {"root", "/srv/../etc"},
    {"root", "/srv/\"q\""},
    {"root", "/srv/a\nb"},
    {"index", "index.html;"},
    {"index", "../x.html"},
    {"index", "site/../../x.html"},
    {"index", "/etc/passwd"},
    {"index", ""},
    {"bind", "127.0.0.1;"},
    {"listen", "80; include /x"},
    {"serve", "127.0.0.1:7800 {"},
    {"nginxdir", "/tmp/x y"},
    {"domain", "spaces.example.com;"},
    {"port", "0"},
    {"port", "70000"},
    {"address", "172.20.0.3; include /x"},
    {"address", "localhost"},
    {"address", "172.20.0.3:80"},
};

START_TEST(test_refuses_unsafe)
{
	sp_route route = {
	    .kind = SP_ROUTE_STATIC, .root = "/srv/ok", .index = "index.html"};
	const char *field = unsafe[_i].field, *value = unsafe[_i].value;
	sp_buf conf = SP_BUF_INIT;
	int exists;
	fixture f;

	fixture_open(&f, "alice/demo");
	if (!strcmp(field, "root"))
		route.root = value;
	else if (!strcmp(field, "index"))
		route.index = value;
	else if (!strcmp(field, "bind"))
		fixture_set(&f.settings.bind_address, value);
	else if (!strcmp(field, "listen"))
		fixture_set(&f.settings.http_listen, value);
	else if (!strcmp(field, "serve"))
		fixture_set(&f.settings.serve_listen, value);
	else if (!strcmp(field, "nginxdir"))
		fixture_set(&f.settings.nginx_dir, value);
	else if (!strcmp(field, "domain"))
		fixture_set(&f.settings.domain, value);
	else if (!strcmp(field, "address"))
		route.address = value;
	if (!strcmp(field, "port") || !strcmp(field, "bind") ||
	    !strcmp(field, "address")) {
		route.kind = SP_ROUTE_APP;
		route.port = !strcmp(field, "port")
		                 ? (int)strtol(value, NULL, 10)
		                 : 20000;
	}
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route),
	                 SP_EINVALID);
	ck_assert_str_ne(sp_error_last(), "");
	read_conf(&conf, &exists, &f, "spacehook_alice--demo.conf");
	ck_assert_int_eq(exists, 0);
	sp_buf_dispose(&conf);
	fixture_close(&f);
}
END_TEST

/* A test command that cannot run says so, and nothing stays written. */
START_TEST(test_test_cannot_run)
{
	sp_route route = {.kind = SP_ROUTE_STATUS};
	sp_buf conf = SP_BUF_INIT;
	int exists;
	fixture f;

	fixture_open(&f, "alice/demo");
	fixture_set(&f.settings.nginx_test, "no-such-nginx-here -t");
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route),
	                 SP_ERROR);
	expect_has(sp_error_last(), "spacehook.nginxTest 'no-such-nginx-here "
	                            "-t' could not run");
	expect_has(sp_error_last(), "install nginx or fix the setting");
	read_conf(&conf, &exists, &f, "spacehook_alice--demo.conf");
	ck_assert_int_eq(exists, 0);
	read_conf(&conf, &exists, &f, "spacehook.conf");
	ck_assert_int_eq(exists, 0);
	sp_buf_dispose(&conf);
	fixture_close(&f);
}
END_TEST

START_TEST(test_refuses_without_domain)
{
	sp_route route = {.kind = SP_ROUTE_STATUS};
	fixture f;

	fixture_open(&f, "alice/demo");
	fixture_set(&f.settings.domain, NULL);
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route),
	                 SP_EINVALID);
	ck_assert_int_eq(sp_frontdoor_setup(&f.settings), SP_EINVALID);
	fixture_close(&f);
}
END_TEST

/* with the real nginx */

/* <dir>/nginx/nginx.conf through tests/lib/nginx.sh, and nginxTest and
 * nginxReload pointing at it (not started: reloads fail until it is). */
static void fixture_nginx(fixture *f)
{
	sp_buf cmd = SP_BUF_INIT;
	const char *source = getenv("SP_SOURCE");

	ck_assert_msg(source != NULL, "SP_SOURCE unset: run through ctest");
	sp_test_sh(f->dir,
	           "bash -c '. \"%s/tests/lib/nginx.sh\" && "
	           "sp_nginx_write_conf \"%s/nginx\"'",
	           source, f->dir);
	sp_buf_printf(&cmd,
	              "nginx -t -q -e %s/nginx/error.log -c "
	              "%s/nginx/nginx.conf -p %s/nginx",
	              f->dir, f->dir, f->dir);
	fixture_set(&f->settings.nginx_test, cmd.ptr);
	sp_buf_clear(&cmd);
	sp_buf_printf(&cmd,
	              "nginx -s reload -e %s/nginx/error.log -c "
	              "%s/nginx/nginx.conf -p %s/nginx",
	              f->dir, f->dir, f->dir);
	fixture_set(&f->settings.nginx_reload, cmd.ptr);
	sp_buf_dispose(&cmd);
}

static void fixture_nginx_stop(fixture *f)
{
	sp_test_sh(f->dir,
	           "bash -c '. \"%s/tests/lib/nginx.sh\" && "
	           "sp_nginx_stop \"%s/nginx\"'",
	           getenv("SP_SOURCE"), f->dir);
}

START_TEST(test_nginx_reload_fails_keeps_files)
{
	sp_route route = {.kind = SP_ROUTE_APP, .port = 20010};
	sp_buf conf = SP_BUF_INIT;
	int exists;
	fixture f;

	fixture_open(&f, "alice/demo");
	fixture_nginx(&f);
	/* The config passes nginx -t; nginx is not running: the reload
	 * fails, and the files stay for an nginx started later. */
	ck_assert_int_eq(sp_frontdoor_route(&f.settings, f.store, &route),
	                 SP_EPROXY);
	expect_has(sp_error_last(), "nginx reload failed: ");
	read_conf(&conf, &exists, &f, "spacehook_alice--demo.conf");
	ck_assert_int_eq(exists, 1);
	expect_has(conf.ptr, "server 127.0.0.1:20010 max_fails=0;");
	/* Started now, it reads them, and reloads work. */
	sp_test_sh(f.dir,
	           "nginx -e %s/nginx/error.log -c %s/nginx/nginx.conf "
	           "-p %s/nginx",
	           f.dir, f.dir, f.dir);
	route.port = 20011;
	ck_assert_msg(sp_frontdoor_route(&f.settings, f.store, &route) == 0,
	              "%s", sp_error_last());
	ck_assert_int_eq(sp_frontdoor_setup(&f.settings), 0);
	fixture_nginx_stop(&f);
	sp_buf_dispose(&conf);
	fixture_close(&f);
}
END_TEST

/* A refused test leaves every file byte for byte as it was. */
static void check_refused_keeps(fixture *f, int broken_file)
{
	sp_route route = {.kind = SP_ROUTE_APP, .port = 20020};
	sp_route other = {.kind = SP_ROUTE_STATUS};
	sp_buf before_conf = SP_BUF_INIT, before_shared = SP_BUF_INIT;
	sp_buf before_inc = SP_BUF_INIT, after = SP_BUF_INIT;
	sp_store *bob;
	int exists;

	ck_assert_msg(sp_frontdoor_route(&f->settings, f->store, &route) ==
	                  SP_EPROXY,
	              "%s", sp_error_last());
	read_conf(&before_conf, NULL, f, "spacehook_alice--demo.conf");
	read_conf(&before_shared, NULL, f, "spacehook.conf");
	read_conf(&before_inc, NULL, f, "spacehook-proxy.inc");
	if (broken_file)
		sp_test_sh(f->settings.nginx_dir,
		           "printf 'this is not nginx;\\n' >zz-admin.conf");
	else
		fixture_set(&f->settings.nginx_test, "echo 'refused here'; "
		                                     "false");
	/* Every file changes: the Space's, and the shared ones. */
	route.port = 20021;
	fixture_set(&f->settings.http_listen, "127.0.0.1:8081");
	fixture_set(&f->settings.serve_listen, "127.0.0.1:7801");
	fixture_set(&f->settings.public_scheme, "https");
	ck_assert_int_eq(sp_frontdoor_route(&f->settings, f->store, &route),
	                 SP_ERROR);
	expect_has(sp_error_last(), "nginx refused the configuration: ");
	if (!broken_file)
		expect_has(sp_error_last(), "refused here");
	else
		expect_has(sp_error_last(), "zz-admin.conf");
	read_conf(&after, NULL, f, "spacehook_alice--demo.conf");
	ck_assert_str_eq(after.ptr, before_conf.ptr);
	read_conf(&after, NULL, f, "spacehook.conf");
	ck_assert_str_eq(after.ptr, before_shared.ptr);
	read_conf(&after, NULL, f, "spacehook-proxy.inc");
	ck_assert_str_eq(after.ptr, before_inc.ptr);
	/* A new Space's file that failed is removed, not left behind. */
	bob = sp_test_store_open(f->dir, "bob/new");
	ck_assert_int_eq(sp_frontdoor_route(&f->settings, bob, &other),
	                 SP_ERROR);
	read_conf(&after, &exists, f, "spacehook_bob--new.conf");
	ck_assert_int_eq(exists, 0);
	/* No temp file is left in the directory either. */
	sp_test_sh(
	    f->settings.nginx_dir,
	    "test -z \"$(ls -A | grep -v -e '^spacehook.conf$' "
	    "-e '^spacehook-proxy.inc$' -e '^spacehook_alice--demo.conf$' "
	    "-e '^idle$' -e '^.lock$' -e '^zz-admin.conf$')\"");
	sp_store_free(bob);
	sp_buf_dispose(&before_conf);
	sp_buf_dispose(&before_shared);
	sp_buf_dispose(&before_inc);
	sp_buf_dispose(&after);
}

START_TEST(test_nginx_test_false_keeps_files)
{
	fixture f;

	fixture_open(&f, "alice/demo");
	fixture_nginx(&f);
	check_refused_keeps(&f, 0);
	fixture_close(&f);
}
END_TEST

START_TEST(test_nginx_refuses_keeps_files)
{
	fixture f;

	fixture_open(&f, "alice/demo");
	fixture_nginx(&f);
	check_refused_keeps(&f, 1);
	fixture_close(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("frontdoor");
	TCase *tc;

	tc = tcase_create("subdomain");
	tcase_add_test(tc, test_subdomain_stored_and_claimed);
	tcase_add_test(tc, test_subdomain_clash);
	suite_add_tcase(s, tc);

	tc = tcase_create("url");
	tcase_add_loop_test(tc, test_url_and_host, 0,
	                    sizeof(urls) / sizeof(urls[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_test(tc, test_files_app);
	tcase_add_test(tc, test_files_ipv6_https);
	tcase_add_test(tc, test_files_status);
	tcase_add_test(tc, test_files_static);
	tcase_add_test(tc, test_unchanged_not_reloaded);
	tcase_add_test(tc, test_unroute);
	tcase_add_test(tc, test_reload_not_held);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusal");
	tcase_add_loop_test(tc, test_refuses_unsafe, 0,
	                    sizeof(unsafe) / sizeof(unsafe[0]));
	tcase_add_test(tc, test_refuses_without_domain);
	tcase_add_test(tc, test_test_cannot_run);
	suite_add_tcase(s, tc);

	tc = tcase_create("nginx");
	tcase_add_test(tc, test_nginx_reload_fails_keeps_files);
	tcase_add_test(tc, test_nginx_test_false_keeps_files);
	tcase_add_test(tc, test_nginx_refuses_keeps_files);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
