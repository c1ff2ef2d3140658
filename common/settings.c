/* Server and per-repository settings: defaults, git config (spacehook.*), and
 * the parsers of their values. */
#include "settings.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"
#include "buf.h"
#include "duration.h"
#include "error.h"
#include "proc.h"
#include "refs.h"
#include "space.h"

#define SETTINGS_VALUE_MAX 4096
#define SETTINGS_WEBHOOKS_MAX 64
#define SETTINGS_SPACES_MAX 256

/* Where values come from: a repository's view of git config, or system +
 * global. */
typedef struct {
	sp_repo *repo;
	git_config *cfg;
} config_source;

static int source_open(config_source *src, sp_repo *repo)
{
	static const struct {
		int (*find)(git_buf *out);
		git_config_level_t level;
		int system;
	} files[] = {
	    {git_config_find_programdata, GIT_CONFIG_LEVEL_PROGRAMDATA, 1},
	    {git_config_find_system, GIT_CONFIG_LEVEL_SYSTEM, 1},
	    {git_config_find_xdg, GIT_CONFIG_LEVEL_XDG, 0},
	    {git_config_find_global, GIT_CONFIG_LEVEL_GLOBAL, 0},
	};
	const char *nosystem = getenv("GIT_CONFIG_NOSYSTEM");
	int skip_system = nosystem && *nosystem && strcmp(nosystem, "0") &&
	                  strcasecmp(nosystem, "false");
	int error = 0;

	src->repo = repo;
	src->cfg = NULL;
	if (repo)
		return 0;
	if (git_libgit2_init() < 0)
		return sp_error_set(SP_ERROR, "cannot initialise libgit2");
	if (git_config_new(&src->cfg) < 0) {
		git_libgit2_shutdown();
		return sp_error_set(SP_ENOMEM, "cannot read git config");
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		git_buf path = {0};

		if (files[i].system && skip_system)
			continue;
		if (files[i].find(&path) == 0 &&
		    git_config_add_file_ondisk(src->cfg, path.ptr,
		                               files[i].level, NULL, 0) < 0) {
			const git_error *e = git_error_last();

			error = sp_error_set(
			    SP_EINVALID, "cannot read git config '%s': %s",
			    path.ptr, e && e->message ? e->message : "error");
		}
		git_buf_dispose(&path);
		if (error < 0)
			break;
	}
	return error;
}

static void source_close(config_source *src)
{
	if (src->cfg) {
		git_config_free(src->cfg);
		git_libgit2_shutdown();
	}
	src->cfg = NULL;
}

/* The value of `key` into `*out` (caller frees); SP_ENOTFOUND when unset. */
static int source_get(char **out, config_source *src, const char *key)
{
	git_buf value = {0};
	int error;

	*out = NULL;
	if (src->repo)
		return sp_repo_config_get(out, src->repo, key);
	error = git_config_get_string_buf(&value, src->cfg, key);
	if (error == GIT_ENOTFOUND)
		return SP_ENOTFOUND;
	if (error < 0) {
		const git_error *e = git_error_last();

		return sp_error_set(SP_EINVALID, "%s: %s", key,
		                    e && e->message ? e->message
		                                    : "cannot read");
	}
	*out = sp_strdup(value.ptr ? value.ptr : "");
	git_buf_dispose(&value);
	return 0;
}

typedef struct {
	int (*cb)(const char *value, void *payload);
	void *payload;
	int error;
} multivar_relay;

static int multivar_entry(const git_config_entry *entry, void *payload)
{
	multivar_relay *relay = payload;

	relay->error =
	    relay->cb(entry->value ? entry->value : "", relay->payload);
	return relay->error < 0 ? -1 : 0;
}

static int source_foreach(config_source *src, const char *key,
                          int (*cb)(const char *value, void *payload),
                          void *payload)
{
	multivar_relay relay = {cb, payload, 0};
	int error;

	if (src->repo) {
		error = sp_repo_config_foreach(src->repo, key, cb, payload);
		return error == SP_ENOTFOUND ? 0 : error;
	}
	error = git_config_get_multivar_foreach(src->cfg, key, NULL,
	                                        multivar_entry, &relay);
	if (error == GIT_ENOTFOUND)
		return 0;
	if (relay.error < 0)
		return relay.error;
	if (error < 0) {
		const git_error *e = git_error_last();

		return sp_error_set(SP_EINVALID, "%s: %s", key,
		                    e && e->message ? e->message
		                                    : "cannot read");
	}
	return error;
}

static int parse_unsigned(unsigned long long *out, const char **end,
                          const char *s)
{
	unsigned long long v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (ULLONG_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	*end = p;
	return 0;
}

/* libgit2's parsers report through its error slot: it must be set up. */
static pthread_once_t settings_git_once = PTHREAD_ONCE_INIT;

static void settings_git_init(void)
{
	git_libgit2_init(); /* kept for the life of the process */
}

int sp_settings_parse_bool(int *out, const char *value)
{
	int truth = 0;

	/* A bare key is true, "key =" too (git would say false for that). */
	if (!value || !*value) {
		*out = 1;
		return 0;
	}
	/* What git config --type=bool writes needs no libgit2: its start-up
	 * would cost the hooks' fast way out (sp_settings_load_identity). */
	if (!strcmp(value, "true") || !strcmp(value, "false")) {
		*out = value[0] == 't';
		return 0;
	}
	pthread_once(&settings_git_once, settings_git_init);
	/* git takes any integer as a boolean; only 0 and 1 are taken here. */
	if (git_config_parse_bool(&truth, value) < 0 ||
	    (!isalpha((unsigned char)value[0]) && strcmp(value, "0") &&
	     strcmp(value, "1")))
		return sp_error_set(
		    SP_EINVALID,
		    "'%s' is not a boolean (true/false, yes/no, "
		    "on/off, 1/0)",
		    value);
	*out = truth;
	return 0;
}

int sp_settings_parse_size(long long *out, const char *value)
{
	size_t len = strlen(value);
	int64_t bytes = 0, stem = 0;
	char *number = NULL;
	int shift = 0, error = 0;

	pthread_once(&settings_git_once, settings_git_init);
	/* git's integer syntax with a k, m or g suffix, but never negative. */
	if (!isdigit((unsigned char)value[0]) ||
	    git_config_parse_int64(&bytes, value) < 0)
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not a size (a number of bytes, or "
		                    "with a k, m or g suffix)",
		                    value);
	switch (tolower((unsigned char)value[len - 1])) {
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	}
	/* libgit2 multiplies by the suffix unchecked: check the number. */
	if (shift) {
		number = sp_strdup(value);
		number[len - 1] = '\0';
		if (git_config_parse_int64(&stem, number) < 0 ||
		    stem > (int64_t)(LLONG_MAX >> shift))
			error = sp_error_set(SP_EINVALID, "'%s' is too large",
			                     value);
		else
			bytes = stem * ((int64_t)1 << shift);
	}
	free(number);
	if (error < 0)
		return error;
	*out = (long long)bytes;
	return 0;
}

static int parse_duration(long *out, const char *value, int allow_zero)
{
	long v = 0;
	int error = sp_duration_parse(&v, value, strlen(value),
	                              SP_DURATION_SECONDS, LONG_MAX);

	if (error == SP_ETOOBIG)
		return sp_error_set(SP_EINVALID, "'%s' is too long", value);
	if (error < 0)
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not a duration (seconds, or e.g. "
		                    "90s, 30m, 1h, 1h30m)",
		                    value);
	if (v == 0 && !allow_zero)
		return sp_error_set(SP_EINVALID, "'%s' must be above zero",
		                    value);
	*out = v;
	return 0;
}

int sp_settings_parse_duration(long *out, const char *value)
{
	return parse_duration(out, value, 0);
}

int sp_settings_parse_timeout(long *out, const char *value)
{
	return parse_duration(out, value, 1);
}

static int parse_int_in(long long *out, const char *value, long long min,
                        long long max)
{
	unsigned long long v;
	const char *end;

	if (parse_unsigned(&v, &end, value) < 0 || *end)
		return sp_error_set(SP_EINVALID, "'%s' is not a whole number",
		                    value);
	if (v < (unsigned long long)min || v > (unsigned long long)max)
		return sp_error_set(SP_EINVALID,
		                    "'%s' must be from %lld to %lld", value,
		                    min, max);
	*out = (long long)v;
	return 0;
}

int sp_settings_parse_port_range(int *min, int *max, const char *value)
{
	unsigned long long a, b;
	const char *end;

	if (parse_unsigned(&a, &end, value) < 0 || *end != '-' ||
	    parse_unsigned(&b, &end, end + 1) < 0 || *end)
		return sp_error_set(
		    SP_EINVALID, "'%s' is not a port range (e.g. 20000-29999)",
		    value);
	if (a < 1 || b > 65535 || a > 65535 || b < 1)
		return sp_error_set(
		    SP_EINVALID, "'%s': ports must be from 1 to 65535", value);
	if (a > b)
		return sp_error_set(SP_EINVALID,
		                    "'%s': the first port is above the last",
		                    value);
	*min = (int)a;
	*max = (int)b;
	return 0;
}

static int check_no_controls(const char *value)
{
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return sp_error_set(
			    SP_EINVALID, "control characters are not allowed");
	return 0;
}

static int check_absolute(const char *value)
{
	if (value[0] != '/')
		return sp_error_set(SP_EINVALID, "'%s' is not an absolute path",
		                    value);
	return check_no_controls(value);
}

static int check_branch(const char *value)
{
	return sp_refs_check_branch(value);
}

static int check_docker_host(const char *value)
{
	if (!strncmp(value, "unix://", 7) && value[7] == '/')
		return check_no_controls(value);
	if (!strncmp(value, "tcp://", 6) && value[6])
		return check_no_controls(value);
	return sp_error_set(
	    SP_EINVALID,
	    "'%s' is not a docker host (unix:///path or tcp://host:port)",
	    value);
}

static int check_address(const char *value)
{
	unsigned char addr[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, value, addr) == 1 ||
	    inet_pton(AF_INET6, value, addr) == 1)
		return 0;
	return sp_error_set(SP_EINVALID, "'%s' is not an IPv4 or IPv6 address",
	                    value);
}

static int check_user(const char *value)
{
	size_t len = strlen(value);

	if (!len || len > 64 || value[0] == '-' ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                  "0123456789._:-") != len)
		return sp_error_set(
		    SP_EINVALID, "'%s' is not a user (uid, uid:gid or a name)",
		    value);
	return 0;
}

static int check_nonempty(const char *value)
{
	if (!*value)
		return sp_error_set(SP_EINVALID, "must not be empty");
	return check_no_controls(value);
}

/* A runtime name as dockerd knows it ("runc", "runsc", "kata-runtime"). */
static int check_runtime(const char *value)
{
	size_t len = strlen(value);

	if (!len || len > 64 || value[0] == '-' ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                  "0123456789._-") != len)
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not a runtime name (e.g. runsc)",
		                    value);
	return 0;
}

/* A domain for the Spaces' hostnames: DNS labels, maybe ":port". */
static int check_domain(const char *value)
{
	size_t host = strcspn(value, ":");
	long long port;

	if (!host || host > 200 || value[0] == '.' || value[0] == '-' ||
	    value[host - 1] == '.' || value[host - 1] == '-' ||
	    strstr(value, "..") ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789.-") != host ||
	    (value[host] &&
	     parse_int_in(&port, value + host + 1, 1, 65535) < 0))
		return sp_error_set(
		    SP_EINVALID,
		    "'%s' is not a domain in lowercase, with "
		    "an optional :port (e.g. spaces.example.com)",
		    value);
	return 0;
}

/* "root, carol bob": user names, as Space owners are named. */
static int check_admins(const char *value)
{
	const char *p = value;
	int error;

	if ((error = check_no_controls(value)) < 0)
		return error;
	while (*p) {
		size_t n = strcspn(p, " ,");
		sp_buf name = SP_BUF_INIT;
		int ok;

		if (n) {
			sp_buf_put(&name, p, n);
			ok = sp_space_owner_valid(name.ptr);
			if (!ok)
				sp_error_set(SP_EINVALID,
				             "'%.64s' is not a user name",
				             name.ptr);
			sp_buf_dispose(&name);
			if (!ok)
				return SP_EINVALID;
		}
		p += n;
		p += strspn(p, " ,");
	}
	return 0;
}

static int check_access(const char *value)
{
	if (strcmp(value, "spacehook") && strcmp(value, "gitolite"))
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not spacehook or gitolite", value);
	return 0;
}

static int check_read_access(const char *value)
{
	if (strcmp(value, "collaborators") && strcmp(value, "all"))
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not collaborators or all", value);
	return 0;
}

static int check_backend(const char *value)
{
	if (strcmp(value, "docker") && strcmp(value, "swarm"))
		return sp_error_set(SP_EINVALID, "'%s' is not docker or swarm",
		                    value);
	return 0;
}

/* "host[:port]" of a registry: what an image reference starts with. */
static int check_registry(const char *value)
{
	size_t host = strcspn(value, ":");
	long long port;

	if (!host || host > 200 || value[0] == '.' || value[0] == '-' ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                  "0123456789.-") != host ||
	    (value[host] &&
	     parse_int_in(&port, value + host + 1, 1, 65535) < 0))
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not a registry host[:port] (e.g. "
		                    "registry.example.org:5000)",
		                    value);
	return 0;
}

/* "node.labels.spaces==true, node.role!=manager": each has == or !=. */
static int check_placement(const char *value)
{
	const char *p = value;

	while (*p) {
		size_t n;
		const char *op;

		p += strspn(p, " ,");
		if (!(n = strcspn(p, ",")))
			break;
		op = strstr(p, "==");
		if (!op || op > p + n)
			op = strstr(p, "!=");
		if (!op || op >= p + n - 2 || op == p)
			return sp_error_set(
			    SP_EINVALID,
			    "'%.*s' is not a placement constraint (e.g. "
			    "node.labels.spaces==true)",
			    (int)n, p);
		p += n;
	}
	return check_no_controls(value);
}

/* A generic resource kind ("NVIDIA-GPU", "gpu"). */
static int check_resource_kind(const char *value)
{
	size_t len = strlen(value);

	if (!len || len > 64 ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                  "0123456789._-") != len)
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not a resource kind (e.g. "
		                    "NVIDIA-GPU)",
		                    value);
	return 0;
}

static int check_scheme(const char *value)
{
	if (strcmp(value, "http") && strcmp(value, "https"))
		return sp_error_set(SP_EINVALID, "'%s' is not http or https",
		                    value);
	return 0;
}

/* A directory nginx reads literally: no quotes, spaces, ';', '$', ... */
static int check_nginx_path(const char *value)
{
	size_t len = strlen(value);

	if (value[0] != '/' ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                  "0123456789._/+@-") != len)
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not an absolute path of letters, "
		                    "digits and ._/+@-",
		                    value);
	return 0;
}

/* "port" or "address:port" ("[v6]:port"). */
static int check_listen(const char *value)
{
	const char *colon = strrchr(value, ':');
	long long port;

	if (colon && value[0] == '[' && colon[-1] != ']')
		colon = NULL;
	if (parse_int_in(&port, colon ? colon + 1 : value, 1, 65535) < 0 ||
	    (colon && colon == value) ||
	    strspn(value, "0123456789abcdefABCDEF.:[]") != strlen(value))
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not a port or address:port "
		                    "(e.g. 80 or 127.0.0.1:8080)",
		                    value);
	return 0;
}

/* "address:port" with an IP address. */
static int check_address_port(const char *value)
{
	const char *colon = strrchr(value, ':');
	sp_buf host = SP_BUF_INIT;
	long long port;
	int error;

	if (!colon || parse_int_in(&port, colon + 1, 1, 65535) < 0)
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not address:port (e.g. "
		                    "127.0.0.1:7800)",
		                    value);
	if (value[0] == '[' && colon > value + 1 && colon[-1] == ']')
		sp_buf_put(&host, value + 1, (size_t)(colon - value - 2));
	else
		sp_buf_put(&host, value, (size_t)(colon - value));
	error = check_address(host.ptr);
	sp_buf_dispose(&host);
	return error;
}

static int check_webhook(const char *value)
{
	if (strncmp(value, "http://", 7) && strncmp(value, "https://", 8))
		return sp_error_set(SP_EINVALID, "'%s' is not an http(s) URL",
		                    value);
	return check_no_controls(value);
}

/* Replace `*field` with a copy of `value` once `check` accepts it. */
static int set_string(char **field, const char *value,
                      int (*check)(const char *))
{
	int error;

	if (check && (error = check(value)) < 0)
		return error;
	free(*field);
	*field = sp_strdup(value);
	return 0;
}

typedef struct {
	char **items;
	size_t count;
} string_list;

static int collect_webhook(const char *value, void *payload)
{
	string_list *list = payload;
	int error;

	if ((error = check_webhook(value)) < 0)
		return error;
	if (list->count >= SETTINGS_WEBHOOKS_MAX)
		return sp_error_set(SP_EINVALID, "more than %d webhooks",
		                    SETTINGS_WEBHOOKS_MAX);
	list->items[list->count++] = sp_strdup(value);
	return 0;
}

/* Space id patterns: [A-Za-z0-9._-], '*', '?', '[...]' and one '/'. */
static int check_space_pattern(const char *value)
{
	size_t len = strlen(value);
	const char *slash = strchr(value, '/');

	if (!len || len > 200 || !slash || strchr(slash + 1, '/') ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                  "0123456789._-*?[]!/") != len)
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not a Space pattern (OWNER/NAME "
		                    "with * ? [...], e.g. */* or alice/*)",
		                    value);
	return 0;
}

/* Each value holds patterns separated by spaces or commas. */
static int collect_spaces(const char *value, void *payload)
{
	string_list *list = payload;
	sp_buf word = SP_BUF_INIT;
	const char *p = value;
	int error = 0;

	while (*p && error == 0) {
		size_t n;

		p += strspn(p, " \t,");
		if (!(n = strcspn(p, " \t,")))
			break;
		sp_buf_clear(&word);
		sp_buf_put(&word, p, n);
		p += n;
		if ((error = check_space_pattern(word.ptr)) < 0)
			break;
		if (list->count >= SETTINGS_SPACES_MAX)
			error =
			    sp_error_set(SP_EINVALID, "more than %d patterns",
			                 SETTINGS_SPACES_MAX);
		else
			list->items[list->count++] = sp_strdup(word.ptr);
	}
	sp_buf_dispose(&word);
	return error;
}

enum setting_kind {
	KIND_STRING,
	KIND_PORT_RANGE,
	KIND_DURATION,
	KIND_SIZE,
	KIND_BOOL,
	KIND_INT,
	KIND_CPUS,
	KIND_SDKS,
};

static const struct setting {
	const char *key;
	enum setting_kind kind;
	int (*check)(const char *value);
	long long min, max;
} setting_table[] = {
    {"spacehook.stateDir", KIND_STRING, check_absolute, 0, 0},
    {"spacehook.deployBranch", KIND_STRING, check_branch, 0, 0},
    {"spacehook.dockerHost", KIND_STRING, check_docker_host, 0, 0},
    {"spacehook.dockerCli", KIND_STRING, check_nonempty, 0, 0},
    {"spacehook.bindAddress", KIND_STRING, check_address, 0, 0},
    {"spacehook.portRange", KIND_PORT_RANGE, NULL, 0, 0},
    {"spacehook.reposRoot", KIND_STRING, check_absolute, 0, 0},
    {"spacehook.runAsUser", KIND_STRING, check_user, 0, 0},
    {"spacehook.startupTimeout", KIND_DURATION, NULL, 1, 0},
    {"spacehook.maxConcurrentBuilds", KIND_INT, NULL, 1, 64},
    {"spacehook.maxBuildsPerOwner", KIND_INT, NULL, 1, 64},
    {"spacehook.buildTimeout", KIND_DURATION, NULL, 0, 0},
    {"spacehook.maxCpus", KIND_CPUS, NULL, 0, 1024},
    {"spacehook.maxMemory", KIND_SIZE, NULL, 6LL * 1024 * 1024, LLONG_MAX},
    {"spacehook.pidsLimit", KIND_INT, NULL, 16, 4194304},
    {"spacehook.persistentStorage", KIND_BOOL, NULL, 0, 0},
    {"spacehook.buildLogMax", KIND_SIZE, NULL, 4096, 1LL << 30},
    {"spacehook.maxBlobSize", KIND_SIZE, NULL, 0, LLONG_MAX},
    {"spacehook.maxContextSize", KIND_SIZE, NULL, 0, LLONG_MAX},
    {"spacehook.webhookSecret", KIND_STRING, check_nonempty, 0, 0},
    {"spacehook.space", KIND_BOOL, NULL, 0, 0},
    {"spacehook.runtime", KIND_STRING, check_runtime, 0, 0},
    {"spacehook.logMaxSize", KIND_SIZE, NULL, 64 * 1024, 1LL << 40},
    {"spacehook.logMaxFiles", KIND_INT, NULL, 1, 100},
    {"spacehook.domain", KIND_STRING, check_domain, 0, 0},
    {"spacehook.publicScheme", KIND_STRING, check_scheme, 0, 0},
    {"spacehook.nginxDir", KIND_STRING, check_nginx_path, 0, 0},
    {"spacehook.httpListen", KIND_STRING, check_listen, 0, 0},
    {"spacehook.nginxTest", KIND_STRING, check_nonempty, 0, 0},
    {"spacehook.nginxReload", KIND_STRING, check_nonempty, 0, 0},
    {"spacehook.serveListen", KIND_STRING, check_address_port, 0, 0},
    {"spacehook.drainTimeout", KIND_DURATION, NULL, 0, 0},
    {"spacehook.sleepTime", KIND_DURATION, NULL, 0, 0},
    {"spacehook.sleepCheck", KIND_DURATION, NULL, 0, 0},
    {"spacehook.sdks", KIND_SDKS, NULL, 0, 0},
    {"spacehook.admins", KIND_STRING, check_admins, 0, 0},
    {"spacehook.access", KIND_STRING, check_access, 0, 0},
    {"spacehook.readAccess", KIND_STRING, check_read_access, 0, 0},
    {"spacehook.gitolite", KIND_STRING, check_nonempty, 0, 0},
    {"spacehook.backend", KIND_STRING, check_backend, 0, 0},
    {"spacehook.registry", KIND_STRING, check_registry, 0, 0},
    {"spacehook.registryAuth", KIND_STRING, check_absolute, 0, 0},
    {"spacehook.placement", KIND_STRING, check_placement, 0, 0},
    {"spacehook.swarmSecrets", KIND_BOOL, NULL, 0, 0},
    {"spacehook.gpuResource", KIND_STRING, check_resource_kind, 0, 0},
    {"spacehook.nodeSocket", KIND_STRING, check_absolute, 0, 0},
};

static char **string_field(sp_settings *s, const char *key)
{
	if (!strcmp(key, "spacehook.stateDir"))
		return &s->state_dir;
	if (!strcmp(key, "spacehook.deployBranch"))
		return &s->deploy_branch;
	if (!strcmp(key, "spacehook.dockerHost"))
		return &s->docker_host;
	if (!strcmp(key, "spacehook.dockerCli"))
		return &s->docker_cli;
	if (!strcmp(key, "spacehook.bindAddress"))
		return &s->bind_address;
	if (!strcmp(key, "spacehook.reposRoot"))
		return &s->repos_root;
	if (!strcmp(key, "spacehook.runAsUser"))
		return &s->run_as_user;
	if (!strcmp(key, "spacehook.runtime"))
		return &s->runtime;
	if (!strcmp(key, "spacehook.domain"))
		return &s->domain;
	if (!strcmp(key, "spacehook.publicScheme"))
		return &s->public_scheme;
	if (!strcmp(key, "spacehook.nginxDir"))
		return &s->nginx_dir;
	if (!strcmp(key, "spacehook.httpListen"))
		return &s->http_listen;
	if (!strcmp(key, "spacehook.nginxTest"))
		return &s->nginx_test;
	if (!strcmp(key, "spacehook.nginxReload"))
		return &s->nginx_reload;
	if (!strcmp(key, "spacehook.serveListen"))
		return &s->serve_listen;
	if (!strcmp(key, "spacehook.admins"))
		return &s->admins;
	if (!strcmp(key, "spacehook.access"))
		return &s->access;
	if (!strcmp(key, "spacehook.readAccess"))
		return &s->read_access;
	if (!strcmp(key, "spacehook.gitolite"))
		return &s->gitolite;
	if (!strcmp(key, "spacehook.backend"))
		return &s->backend;
	if (!strcmp(key, "spacehook.registry"))
		return &s->registry;
	if (!strcmp(key, "spacehook.registryAuth"))
		return &s->registry_auth;
	if (!strcmp(key, "spacehook.placement"))
		return &s->placement;
	if (!strcmp(key, "spacehook.gpuResource"))
		return &s->gpu_resource;
	if (!strcmp(key, "spacehook.nodeSocket"))
		return &s->node_socket;
	return &s->webhook_secret;
}

static int parse_cpus(double *out, const char *value, double max)
{
	char *end = NULL;
	double v;

	errno = 0;
	v = strtod(value, &end);
	if (!*value || *end || errno || !isfinite(v) ||
	    !isdigit((unsigned char)*value))
		return sp_error_set(SP_EINVALID, "'%s' is not a number of CPUs",
		                    value);
	if (v <= 0 || v > max)
		return sp_error_set(SP_EINVALID,
		                    "'%s' must be above 0 and at most %g",
		                    value, max);
	*out = v;
	return 0;
}

int sp_settings_parse_sleep_time(long *out, const char *value)
{
	if (!strcmp(value, "never") || !strcmp(value, "-1")) {
		*out = -1;
		return 0;
	}
	return sp_settings_parse_duration(out, value);
}

/* "docker", "docker,static", "docker static": the sdks served. */
static int parse_sdks(unsigned *out, const char *value)
{
	const char *p = value;
	unsigned sdks = 0;

	while (*p) {
		size_t n;

		p += strspn(p, " \t,");
		if (!(n = strcspn(p, " \t,")))
			break;
		if (n == 6 && !strncmp(p, "docker", n))
			sdks |= SP_SDK_DOCKER;
		else if (n == 6 && !strncmp(p, "static", n))
			sdks |= SP_SDK_STATIC;
		else
			return sp_error_set(SP_EINVALID,
			                    "'%.*s' is not an sdk this server "
			                    "can serve (docker, static)",
			                    (int)n, p);
		p += n;
	}
	if (!sdks)
		return sp_error_set(
		    SP_EINVALID, "'%s' names no sdk (docker, static)", value);
	*out = sdks;
	return 0;
}

static int apply_setting(sp_settings *s, const struct setting *def,
                         const char *value)
{
	long long n = 0;
	int error = 0;

	switch (def->kind) {
	case KIND_STRING:
		if (!strcmp(def->key, "spacehook.deployBranch") &&
		    !strncmp(value, "refs/heads/", 11))
			value += 11;
		error =
		    set_string(string_field(s, def->key), value, def->check);
		break;
	case KIND_PORT_RANGE:
		error = sp_settings_parse_port_range(&s->port_min, &s->port_max,
		                                     value);
		break;
	case KIND_DURATION:
		if (!strcmp(def->key, "spacehook.buildTimeout"))
			error =
			    sp_settings_parse_timeout(&s->build_timeout, value);
		else if (!strcmp(def->key, "spacehook.drainTimeout"))
			error =
			    sp_settings_parse_timeout(&s->drain_timeout, value);
		else if (!strcmp(def->key, "spacehook.sleepCheck"))
			error =
			    sp_settings_parse_duration(&s->sleep_check, value);
		else if (!strcmp(def->key, "spacehook.sleepTime"))
			error =
			    sp_settings_parse_sleep_time(&s->sleep_time, value);
		else
			error = sp_settings_parse_duration(&s->startup_timeout,
			                                   value);
		break;
	case KIND_SIZE:
		if ((error = sp_settings_parse_size(&n, value)) < 0)
			break;
		if (n < def->min || n > def->max) {
			error = sp_error_set(
			    SP_EINVALID, "'%s' must be from %lld to %lld bytes",
			    value, def->min, def->max);
			break;
		}
		if (!strcmp(def->key, "spacehook.maxMemory"))
			s->max_memory = n;
		else if (!strcmp(def->key, "spacehook.maxBlobSize"))
			s->max_blob_size = n;
		else if (!strcmp(def->key, "spacehook.maxContextSize"))
			s->max_context_size = n;
		else if (!strcmp(def->key, "spacehook.logMaxSize"))
			s->log_max_size = n;
		else
			s->build_log_max = (size_t)n;
		break;
	case KIND_BOOL:
		error = sp_settings_parse_bool(
		    !strcmp(def->key, "spacehook.space") ? &s->space
		    : !strcmp(def->key, "spacehook.swarmSecrets")
		        ? &s->swarm_secrets
		        : &s->persistent_storage,
		    value);
		break;
	case KIND_INT:
		if ((error = parse_int_in(&n, value, def->min, def->max)) < 0)
			break;
		if (!strcmp(def->key, "spacehook.maxConcurrentBuilds"))
			s->max_concurrent_builds = (int)n;
		else if (!strcmp(def->key, "spacehook.maxBuildsPerOwner"))
			s->max_builds_per_owner = (int)n;
		else if (!strcmp(def->key, "spacehook.logMaxFiles"))
			s->log_max_files = (int)n;
		else
			s->pids_limit = (long)n;
		break;
	case KIND_CPUS:
		error = parse_cpus(&s->max_cpus, value, (double)def->max);
		break;
	case KIND_SDKS:
		error = parse_sdks(&s->sdks, value);
		break;
	}
	return error;
}

static void settings_defaults(sp_settings *s)
{
	const char *docker_cli = getenv("SP_DOCKER_CLI");

	memset(s, 0, sizeof(*s));
	s->state_dir = sp_strdup("/var/lib/spacehook");
	s->deploy_branch = sp_strdup("main");
	s->docker_host = sp_strdup("unix:///var/run/docker.sock");
	s->node_socket = sp_strdup("/var/run/docker.sock");
	/*
	 * Debian's docker.io (and Docker's own packages) put a client that can
	 * run BuildKit builds at /usr/bin/docker; one found first on PATH may
	 * lack buildx (`spacehook doctor` tells).
	 */
	if (!docker_cli || !*docker_cli)
		docker_cli = access("/usr/bin/docker", X_OK) == 0
		                 ? "/usr/bin/docker"
		                 : "docker";
	s->docker_cli = sp_strdup(docker_cli);
	s->bind_address = sp_strdup("127.0.0.1");
	s->port_min = 20000;
	s->port_max = 29999;
	s->repos_root = NULL;
	s->run_as_user = sp_strdup("1000");
	s->startup_timeout = 1800;
	s->max_concurrent_builds = 2;
	s->max_builds_per_owner = 0; /* unset: from max_concurrent_builds */
	s->build_timeout = 3600;
	s->max_cpus = 2;
	s->max_memory = 16LL * 1024 * 1024 * 1024;
	s->pids_limit = 1024;
	s->persistent_storage = 0;
	s->build_log_max = 8u * 1024 * 1024;
	/* GitHub's hard limit on a file; a build context of 1 GiB is a lot. */
	s->max_blob_size = 100LL * 1024 * 1024;
	s->max_context_size = 1024LL * 1024 * 1024;
	s->webhooks = sp_calloc(1, sizeof(char *));
	s->webhook_secret = NULL;
	s->spaces = sp_calloc(2, sizeof(char *));
	s->spaces[0] = sp_strdup("*/*");
	s->space = -1;
	s->runtime = NULL;
	s->log_max_size = 10LL * 1024 * 1024;
	s->log_max_files = 3;
	s->public_scheme = sp_strdup("http");
	s->http_listen = sp_strdup("80");
	s->nginx_test = sp_strdup("nginx -t");
	s->nginx_reload = sp_strdup("nginx -s reload");
	s->serve_listen = sp_strdup("127.0.0.1:7800");
	s->drain_timeout = 30;
	s->sleep_time = 48 * 3600;
	s->sleep_check = 60;
	s->sdks = SP_SDK_DOCKER;
	s->access = sp_strdup("spacehook");
	s->read_access = sp_strdup("collaborators");
	s->gitolite = sp_strdup("gitolite");
	s->backend = sp_strdup("docker");
}

static void free_list(char **list)
{
	if (list)
		for (char **p = list; *p; p++)
			free(*p);
	free(list);
}

/* Record the current last error as "KEY: message" (SP_EINVALID unless more
 * specific). */
static int key_error(const char *key, int error)
{
	sp_buf msg = SP_BUF_INIT;

	sp_buf_puts(&msg, sp_error_last());
	error = sp_error_set(error == SP_ENOMEM ? SP_ENOMEM : SP_EINVALID,
	                     "%s: %s", key, msg.ptr);
	sp_buf_dispose(&msg);
	return error;
}

int sp_settings_load(sp_settings *out, sp_repo *repo)
{
	config_source src;
	string_list hooks = {NULL, 0};
	char *value = NULL;
	int docker_host_set = 0;
	int error;

	settings_defaults(out);
	if ((error = source_open(&src, repo)) < 0)
		goto done;
	for (size_t i = 0; i < sizeof(setting_table) / sizeof(setting_table[0]);
	     i++) {
		const struct setting *def = &setting_table[i];

		free(value);
		value = NULL;
		error = source_get(&value, &src, def->key);
		if (error == SP_ENOTFOUND) {
			error = 0;
			continue;
		}
		if (error < 0)
			goto done;
		if (strlen(value) > SETTINGS_VALUE_MAX) {
			error = sp_error_set(SP_EINVALID,
			                     "%s: value longer than %d bytes",
			                     def->key, SETTINGS_VALUE_MAX);
			goto done;
		}
		if ((error = apply_setting(out, def, value)) < 0) {
			error = key_error(def->key, error);
			goto done;
		}
		if (!strcmp(def->key, "spacehook.dockerHost"))
			docker_host_set = 1;
	}
	if (out->max_builds_per_owner == 0)
		out->max_builds_per_owner =
		    (out->max_concurrent_builds + 1) / 2;
	if (!out->nginx_dir) {
		sp_buf dir = SP_BUF_INIT;

		sp_buf_printf(&dir, "%s/nginx", out->state_dir);
		out->nginx_dir = sp_buf_detach(&dir);
	}
	if (!docker_host_set) {
		const char *env = getenv("DOCKER_HOST");

		if (env && *env) {
			if ((error = check_docker_host(env)) < 0) {
				error = key_error("$DOCKER_HOST", error);
				goto done;
			}
			free(out->docker_host);
			out->docker_host = sp_strdup(env);
		}
	}
	hooks.items = sp_calloc(SETTINGS_WEBHOOKS_MAX + 1, sizeof(char *));
	if ((error = source_foreach(&src, "spacehook.webhook", collect_webhook,
	                            &hooks)) < 0) {
		error = key_error("spacehook.webhook", error);
		goto done;
	}
	free(out->webhooks);
	out->webhooks = hooks.items;
	hooks.items = NULL;
	hooks.count = 0;
	hooks.items = sp_calloc(SETTINGS_SPACES_MAX + 1, sizeof(char *));
	if ((error = source_foreach(&src, "spacehook.spaces", collect_spaces,
	                            &hooks)) < 0) {
		error = key_error("spacehook.spaces", error);
		goto done;
	}
	if (hooks.count) {
		free_list(out->spaces);
		out->spaces = hooks.items;
		hooks.items = NULL;
	}
done:
	if (hooks.items) {
		for (size_t i = 0; i < hooks.count; i++)
			free(hooks.items[i]);
		free(hooks.items);
	}
	free(value);
	source_close(&src);
	if (error < 0)
		sp_settings_dispose(out);
	return error;
}

void sp_settings_dispose(sp_settings *s)
{
	free(s->state_dir);
	free(s->deploy_branch);
	free(s->docker_host);
	free(s->docker_cli);
	free(s->bind_address);
	free(s->repos_root);
	free(s->run_as_user);
	free_list(s->webhooks);
	free(s->webhook_secret);
	free_list(s->spaces);
	free(s->runtime);
	free(s->domain);
	free(s->public_scheme);
	free(s->nginx_dir);
	free(s->http_listen);
	free(s->nginx_test);
	free(s->nginx_reload);
	free(s->serve_listen);
	free(s->admins);
	free(s->access);
	free(s->read_access);
	free(s->gitolite);
	free(s->backend);
	free(s->registry);
	free(s->registry_auth);
	free(s->placement);
	free(s->node_socket);
	free(s->gpu_resource);
	memset(s, 0, sizeof(*s));
}

int sp_settings_load_identity(sp_settings *out)
{
	static const char *const argv[] = {
	    "git",
	    "config",
	    "-z",
	    "--get-regexp",
	    "^spacehook\\.(reposroot|spaces|space)$",
	    NULL};
	sp_proc_options opts = {0};
	string_list spaces = {NULL, 0};
	sp_buf text = SP_BUF_INIT;
	const char *p, *end;
	int status = 0, error;

	settings_defaults(out);
	opts.argv = argv;
	opts.stdin_fd = -1;
	opts.stderr_fd = -1;
	if ((error = sp_proc_capture(&status, &text, 64 * 1024, &opts)) < 0)
		goto done;
	/* Exit 1: none of the keys is set, the defaults stand. */
	if (status != 0 && status != 1) {
		error =
		    sp_error_set(SP_ERROR, "git config exited with %d", status);
		goto done;
	}
	spaces.items = sp_calloc(SETTINGS_SPACES_MAX + 1, sizeof(char *));
	for (p = text.ptr, end = text.ptr + text.size; p < end;) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		const char *nl =
		    memchr(p, '\n', (size_t)((nul ? nul : end) - p));
		sp_buf key = SP_BUF_INIT;
		const char *value = nl ? nl + 1 : NULL;

		if (!nul) {
			error =
			    sp_error_set(SP_EINVALID, "git config: cut short");
			break;
		}
		sp_buf_put(&key, p, (size_t)((nl ? nl : nul) - p));
		if (!strcmp(key.ptr, "spacehook.reposroot"))
			error = value ? set_string(&out->repos_root, value,
			                           check_absolute)
			              : SP_EINVALID;
		else if (!strcmp(key.ptr, "spacehook.spaces"))
			error = collect_spaces(value ? value : "", &spaces);
		else if (!strcmp(key.ptr, "spacehook.space"))
			error = sp_settings_parse_bool(&out->space, value);
		sp_buf_dispose(&key);
		if (error < 0)
			break;
		p = nul + 1;
	}
	if (error == 0 && spaces.count) {
		free_list(out->spaces);
		out->spaces = spaces.items;
		spaces.items = NULL;
	}
done:
	if (spaces.items) {
		for (size_t i = 0; i < spaces.count; i++)
			free(spaces.items[i]);
		free(spaces.items);
	}
	sp_buf_dispose(&text);
	if (error < 0)
		sp_settings_dispose(out);
	return error;
}

int sp_settings_config_get(char **out, const char *key)
{
	config_source src;
	int error;

	*out = NULL;
	if ((error = source_open(&src, NULL)) == 0)
		error = source_get(out, &src, key);
	source_close(&src);
	return error == SP_ENOTFOUND ? 0 : error;
}
