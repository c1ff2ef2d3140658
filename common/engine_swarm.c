/* The Docker Swarm and registry calls of the engine client (engine_swarm.h),
 * on the HTTP exchange and JSON helpers of engine.c (engine_private.h). */
#include "engine_swarm.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "engine_private.h"
#include "error.h"

/* The longest JSON line of a push or pull answer kept whole. */
#define PROGRESS_LINE_MAX (64u * 1024)
/* Swarmkit's largest secret (MaxSecretSize). */
#define SECRET_MAX (500u * 1024)
#define NANOS 1000000000LL

/* Base64 of `len` bytes (RFC 4648, padded): the URL-safe alphabet (the
 * engine's X-Registry-Auth) or the standard one (secret data). */
static void base64_put(sp_buf *out, const void *data, size_t len, int url)
{
	static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                           "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *abc = url ? safe : std;
	const unsigned char *p = data;
	char quad[4];
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		quad[0] = abc[p[i] >> 2];
		quad[1] = abc[(p[i] & 3) << 4 | p[i + 1] >> 4];
		quad[2] = abc[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		quad[3] = abc[p[i + 2] & 63];
		sp_buf_put(out, quad, 4);
	}
	if (i < len) {
		quad[0] = abc[p[i] >> 2];
		if (i + 1 < len) {
			quad[1] = abc[(p[i] & 3) << 4 | p[i + 1] >> 4];
			quad[2] = abc[(p[i + 1] & 15) << 2];
		} else {
			quad[1] = abc[(p[i] & 3) << 4];
			quad[2] = '=';
		}
		quad[3] = '=';
		sp_buf_put(out, quad, 4);
	}
}

/* "X-Registry-Auth: <base64url of auth>" ("{}" when NULL) into `header`. */
static int registry_auth_header(sp_buf *header, const char *auth)
{
	cJSON *json;

	if (auth) {
		json = cJSON_Parse(auth);
		if (!cJSON_IsObject(json)) {
			cJSON_Delete(json);
			return sp_error_set(
			    SP_EINVALID, "registry credentials are not a JSON "
			                 "object: give "
			                 "{\"username\":..,\"password\":..}");
		}
		cJSON_Delete(json);
	}
	sp_buf_puts(header, "X-Registry-Auth: ");
	base64_put(header, auth ? auth : "{}", auth ? strlen(auth) : 2, 1);
	return 0;
}

/* A name of a swarm object (service, secret): no '/', ':' or '@'. */
static int swarm_check_name(const char *what, const char *name)
{
	int error;

	if ((error = engine_check_name(what, name)) < 0)
		return error;
	if (strpbrk(name, "/:@"))
		return sp_error_set(SP_EINVALID,
		                    "invalid %s '%.64s': no '/', ':' or '@' "
		                    "allowed",
		                    what, name);
	return 0;
}

int sp_engine_ref_split(sp_buf *repo, sp_buf *tag, const char *ref)
{
	const char *at, *slash, *colon, *cut = NULL, *rest = "latest";

	sp_buf_clear(repo);
	sp_buf_clear(tag);
	if (engine_check_name("image reference", ref) < 0)
		return SP_EINVALID;
	if ((at = strchr(ref, '@'))) {
		cut = at;
		rest = at + 1;
	} else {
		slash = strrchr(ref, '/');
		colon = strrchr(ref, ':');
		if (colon && (!slash || colon > slash)) {
			cut = colon;
			rest = colon + 1;
		}
	}
	if (cut == ref || !*rest || (at && strchr(rest, '@')))
		return sp_error_set(
		    SP_EINVALID,
		    "invalid image reference '%.128s': expected "
		    "[registry[:port]/]name[:tag]",
		    ref);
	sp_buf_put(repo, ref, cut ? (size_t)(cut - ref) : strlen(ref));
	sp_buf_puts(tag, rest);
	return 0;
}

/* The JSON lines of a push or pull answer, read as they come. */
typedef struct {
	sp_buf line;    /* a line not ended yet */
	sp_buf *log;    /* status lines, NULL = dropped */
	sp_buf *digest; /* a push's aux.Digest, NULL = dropped */
	sp_buf error;   /* the first error line's message */
	int failed;
	int toolong;
} progress;

static void progress_line(progress *p, const char *text, size_t len)
{
	cJSON *json = cJSON_ParseWithLength(text, len);
	const cJSON *detail;
	const char *message, *status, *id;
	sp_buf clean = SP_BUF_INIT, out = SP_BUF_INIT;

	if (!cJSON_IsObject(json))
		goto done;
	detail = cJSON_GetObjectItemCaseSensitive(json, "errorDetail");
	message = json_str(detail, "message");
	if (!message || !*message)
		message = json_str(json, "error");
	if (cJSON_IsObject(detail) && (!message || !*message))
		message = "the engine gave an error without a message";
	if (message) {
		if (!p->failed)
			engine_clean_text(&p->error, message, strlen(message));
		p->failed = 1;
		goto done;
	}
	message =
	    json_str(cJSON_GetObjectItemCaseSensitive(json, "aux"), "Digest");
	if (p->digest && message && strlen(message) == 71 &&
	    !strncmp(message, "sha256:", 7) &&
	    strspn(message + 7, "0123456789abcdef") == 64)
		sp_buf_sets(p->digest, message);
	status = json_str(json, "status");
	/* Progress bars are left out: one line per layer step is enough. */
	if (!p->log || !status || json_str(json, "progress"))
		goto done;
	if ((id = json_str(json, "id")) && *id)
		sp_buf_printf(&out, "%s: ", id);
	sp_buf_puts(&out, status);
	engine_clean_text(&clean, out.ptr, out.size);
	sp_buf_printf(p->log, "%s\n", clean.ptr);
done:
	cJSON_Delete(json);
	sp_buf_dispose(&clean);
	sp_buf_dispose(&out);
}

static int progress_feed(const char *data, size_t len, void *payload)
{
	progress *p = payload;
	const char *nl;

	while (len) {
		size_t n;

		nl = memchr(data, '\n', len);
		n = nl ? (size_t)(nl - data) : len;
		if (p->line.size + n > PROGRESS_LINE_MAX) {
			p->toolong = 1;
			return -1;
		}
		sp_buf_put(&p->line, data, n);
		if (!nl)
			break;
		progress_line(p, p->line.ptr, p->line.size);
		sp_buf_clear(&p->line);
		data += n + 1;
		len -= n + 1;
	}
	return 0;
}

/* POST `path` with registry credentials and read its JSON lines. */
static int registry_call(sp_buf *log, sp_buf *digest, sp_engine *engine,
                         const char *path, const char *auth, const char *what)
{
	sp_buf header = SP_BUF_INIT;
	const char *headers[2] = {NULL, NULL};
	progress p = {SP_BUF_INIT, log, digest, SP_BUF_INIT, 0, 0};
	engine_extra extra = {NULL, headers, progress_feed, &p};
	int error;

	if ((error = registry_auth_header(&header, auth)) < 0)
		goto done;
	headers[0] = header.ptr;
	if ((error = engine_call_extra(NULL, engine, "POST", path, &extra,
	                               10L * engine->timeout, 0, what)) < 0)
		goto done;
	if (p.toolong) {
		error =
		    sp_error_set(SP_EENGINE,
		                 "%s: the engine's answer has a line longer "
		                 "than %u bytes",
		                 what, PROGRESS_LINE_MAX);
		goto done;
	}
	if (p.line.size)
		progress_line(&p, p.line.ptr, p.line.size);
	if (p.failed)
		error = sp_error_set(SP_EENGINE, "%s: %s", what, p.error.ptr);
done:
	sp_buf_dispose_wipe(&header);
	sp_buf_dispose(&p.line);
	sp_buf_dispose(&p.error);
	return error;
}

int sp_engine_image_push(sp_buf *log, sp_buf *digest, sp_engine *engine,
                         const char *ref, const char *auth)
{
	sp_buf repo = SP_BUF_INIT, tag = SP_BUF_INIT, path = SP_BUF_INIT;
	sp_buf what = SP_BUF_INIT;
	int error;

	if ((error = sp_engine_ref_split(&repo, &tag, ref)) < 0)
		goto done;
	if (!strchr(repo.ptr, '/')) {
		error = sp_error_set(SP_EINVALID,
		                     "push image '%s': its name has no "
		                     "registry (registry[:port]/name:tag)",
		                     ref);
		goto done;
	}
	sp_buf_printf(&path, "/images/%s/push", repo.ptr);
	sp_buf_printf(&what, "push image '%s'", ref);
	if ((error = engine_escape_param(&path, engine, "tag", tag.ptr)) < 0)
		goto done;
	if (digest)
		sp_buf_clear(digest);
	error = registry_call(log, digest, engine, path.ptr, auth, what.ptr);
done:
	sp_buf_dispose(&repo);
	sp_buf_dispose(&tag);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_image_pull(sp_buf *log, sp_engine *engine, const char *ref,
                         const char *auth)
{
	sp_buf repo = SP_BUF_INIT, tag = SP_BUF_INIT, path = SP_BUF_INIT;
	sp_buf what = SP_BUF_INIT;
	int error;

	if ((error = sp_engine_ref_split(&repo, &tag, ref)) < 0)
		goto done;
	sp_buf_puts(&path, "/images/create");
	sp_buf_printf(&what, "pull image '%s'", ref);
	if ((error = engine_escape_param(&path, engine, "fromImage",
	                                 repo.ptr)) < 0 ||
	    (error = engine_escape_param(&path, engine, "tag", tag.ptr)) < 0)
		goto done;
	error = registry_call(log, NULL, engine, path.ptr, auth, what.ptr);
done:
	sp_buf_dispose(&repo);
	sp_buf_dispose(&tag);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_swarm_info(sp_swarm_info *out, sp_engine *engine)
{
	cJSON *answer = NULL;
	const cJSON *swarm;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = engine_call(&answer, engine, "GET", "/info", NULL, 0, 0,
	                         "read the engine's swarm state")) < 0)
		goto done;
	swarm = cJSON_GetObjectItemCaseSensitive(answer, "Swarm");
	out->state = json_dup(swarm, "LocalNodeState");
	out->node_id = json_dup(swarm, "NodeID");
	out->node_addr = json_dup(swarm, "NodeAddr");
	out->error = json_dup(swarm, "Error");
	out->control_available = json_bool(swarm, "ControlAvailable");
	out->nodes = json_int(swarm, "Nodes");
	out->managers = json_int(swarm, "Managers");
done:
	cJSON_Delete(answer);
	return error;
}

/* Whether IPv4 address `host` is in CIDR `cidr` ("10.0.0.0/8"). */
static int cidr_has(const char *cidr, const char *host)
{
	unsigned a[4], b[4], bits;
	unsigned long net, ip, mask;
	char tail;

	if (sscanf(cidr, "%u.%u.%u.%u/%u%c", &a[0], &a[1], &a[2], &a[3], &bits,
	           &tail) != 5 ||
	    sscanf(host, "%u.%u.%u.%u%c", &b[0], &b[1], &b[2], &b[3], &tail) !=
	        4 ||
	    bits > 32)
		return 0;
	for (int i = 0; i < 4; i++)
		if (a[i] > 255 || b[i] > 255)
			return 0;
	net = (unsigned long)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
	ip = (unsigned long)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
	mask = bits ? (0xffffffffUL << (32 - bits)) & 0xffffffffUL : 0;
	return (net & mask) == (ip & mask);
}

int sp_engine_registry_insecure(int *insecure, sp_engine *engine,
                                const char *registry)
{
	cJSON *answer = NULL;
	const cJSON *config, *index, *cidr;
	char host[256];
	int error;

	*insecure = 0;
	if ((error = engine_call(&answer, engine, "GET", "/info", NULL, 0, 0,
	                         "read the engine's registry settings")) < 0)
		goto done;
	config = cJSON_GetObjectItemCaseSensitive(answer, "RegistryConfig");
	index = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(config, "IndexConfigs"), registry);
	if (index) {
		*insecure = cJSON_IsFalse(
		    cJSON_GetObjectItemCaseSensitive(index, "Secure"));
		goto done;
	}
	snprintf(host, sizeof(host), "%s", registry);
	host[strcspn(host, ":")] = '\0';
	cJSON_ArrayForEach(cidr, cJSON_GetObjectItemCaseSensitive(
	                             config, "InsecureRegistryCIDRs"))
	{
		if (cJSON_IsString(cidr) && cidr_has(cidr->valuestring, host))
			*insecure = 1;
	}
done:
	cJSON_Delete(answer);
	return error;
}

void sp_swarm_info_dispose(sp_swarm_info *info)
{
	if (!info)
		return;
	free(info->state);
	free(info->node_id);
	free(info->node_addr);
	free(info->error);
	memset(info, 0, sizeof(*info));
}

static const cJSON *json_obj(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Wipe the environment of a ServiceSpec (`task` NULL) or TaskSpec. */
static void env_wipe(cJSON *spec, const char *task)
{
	cJSON *at = task ? cJSON_GetObjectItemCaseSensitive(spec, task) : spec;

	at = cJSON_GetObjectItemCaseSensitive(at, "ContainerSpec");
	engine_json_wipe_strings(cJSON_GetObjectItemCaseSensitive(at, "Env"));
}

/* Wipe the environments of a service object (its spec and previous spec). */
static void service_wipe(cJSON *service)
{
	env_wipe(cJSON_GetObjectItemCaseSensitive(service, "Spec"),
	         "TaskTemplate");
	env_wipe(cJSON_GetObjectItemCaseSensitive(service, "PreviousSpec"),
	         "TaskTemplate");
}

int sp_engine_node_list(sp_node_list *out, sp_engine *engine)
{
	cJSON *answer = NULL;
	const cJSON *item, *spec, *desc, *status, *manager, *res, *eng;
	size_t n;
	int error;

	out->items = NULL;
	out->count = 0;
	if ((error = engine_list(&answer, &n, engine, "/nodes", NULL,
	                         "list the swarm's nodes")) < 0)
		goto done;
	out->items = n ? sp_calloc(n, sizeof(*out->items)) : NULL;
	cJSON_ArrayForEach(item, answer)
	{
		sp_node *node;

		if (!cJSON_IsObject(item) || !json_str(item, "ID"))
			continue;
		node = &out->items[out->count++];
		spec = json_obj(item, "Spec");
		desc = json_obj(item, "Description");
		status = json_obj(item, "Status");
		manager = json_obj(item, "ManagerStatus");
		res = json_obj(desc, "Resources");
		eng = json_obj(desc, "Engine");
		node->id = json_dup(item, "ID");
		node->hostname = json_dup(desc, "Hostname");
		node->role = json_dup(spec, "Role");
		node->availability = json_dup(spec, "Availability");
		node->state = json_dup(status, "State");
		node->message = json_dup(status, "Message");
		node->address = json_dup(status, "Addr");
		node->engine_version = json_dup(eng, "EngineVersion");
		node->leader = json_bool(manager, "Leader");
		node->reachability = json_dup(manager, "Reachability");
		node->nano_cpus = json_num(res, "NanoCPUs");
		node->memory = json_num(res, "MemoryBytes");
		labels_from_json(&node->labels, json_obj(spec, "Labels"));
		labels_from_json(&node->engine_labels, json_obj(eng, "Labels"));
	}
done:
	cJSON_Delete(answer);
	return error;
}

void sp_node_list_dispose(sp_node_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++) {
		sp_node *node = &list->items[i];

		free(node->id);
		free(node->hostname);
		free(node->role);
		free(node->availability);
		free(node->state);
		free(node->message);
		free(node->address);
		free(node->engine_version);
		free(node->reachability);
		sp_engine_labels_dispose(&node->labels);
		sp_engine_labels_dispose(&node->engine_labels);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* Printable, non-empty text of at most 1024 bytes (constraints, ids). */
static int text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s || !*s || strlen(s) > 1024)
		return 0;
	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static int digits_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 10)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int spec_check(const sp_service_spec *spec)
{
	static const char *const conditions[] = {"none", "on-failure", "any"};
	size_t i;
	int error;

	if (!spec)
		return sp_error_set(SP_EINVALID, "no service spec");
	if ((error = swarm_check_name("service name", spec->name)) < 0 ||
	    (error = engine_check_name("image", spec->image)) < 0)
		return error;
	if (spec->replicas < 0 || spec->nano_cpus_limit < 0 ||
	    spec->memory_limit < 0 || spec->pids_limit < 0 ||
	    spec->nano_cpus_reservation < 0 || spec->memory_reservation < 0 ||
	    spec->restart_delay < 0 || spec->restart_max_attempts < 0 ||
	    spec->update_monitor < 0 || spec->stop_grace < 0)
		return sp_error_set(SP_EINVALID,
		                    "service '%s': a negative count, limit or "
		                    "time",
		                    spec->name);
	if (spec->target_port < 0 || spec->target_port > 65535 ||
	    spec->published_port < 0 || spec->published_port > 65535 ||
	    spec->spare_port < 0 || spec->spare_port > 65535 ||
	    (spec->spare_port &&
	     (!spec->target_port || spec->spare_port == spec->target_port)) ||
	    (spec->published_port && !spec->target_port))
		return sp_error_set(SP_EINVALID,
		                    "service '%s': bad ports (%d published on "
		                    "%d)",
		                    spec->name, spec->target_port,
		                    spec->published_port);
	if (spec->restart_condition) {
		for (i = 0; i < 3; i++)
			if (!strcmp(spec->restart_condition, conditions[i]))
				break;
		if (i == 3)
			return sp_error_set(SP_EINVALID,
			                    "service '%s': unknown restart "
			                    "condition '%.32s': expected none, "
			                    "on-failure or any",
			                    spec->name,
			                    spec->restart_condition);
	}
	if (spec->endpoint_mode && strcmp(spec->endpoint_mode, "vip") &&
	    strcmp(spec->endpoint_mode, "dnsrr"))
		return sp_error_set(SP_EINVALID,
		                    "service '%s': unknown endpoint mode "
		                    "'%.32s': expected vip or dnsrr",
		                    spec->name, spec->endpoint_mode);
	/* An entry is never shown: a malformed one may be a secret's value. */
	for (i = 0; spec->env && spec->env[i]; i++)
		if (!strchr(spec->env[i], '=') || spec->env[i][0] == '=')
			return sp_error_set(
			    SP_EINVALID,
			    "service '%s': environment entry %zu "
			    "is not KEY=value",
			    spec->name, i + 1);
	for (const char **c = spec->constraints; c && *c; c++)
		if (!text_ok(*c) || (!strstr(*c, "==") && !strstr(*c, "!=")))
			return sp_error_set(
			    SP_EINVALID,
			    "invalid placement constraint "
			    "'%.64s': expected attribute==value "
			    "or attribute!=value",
			    text_ok(*c) ? *c : "");
	for (const char **g = spec->generic_resources; g && *g; g++) {
		const char *eq = strchr(*g, '=');

		if (!text_ok(*g) || !eq || eq == *g || !eq[1])
			return sp_error_set(SP_EINVALID,
			                    "invalid generic resource '%.64s': "
			                    "expected kind=value",
			                    text_ok(*g) ? *g : "");
	}
	for (const char **net = spec->networks; net && *net; net++)
		if ((error = swarm_check_name("network", *net)) < 0)
			return error;
	for (i = 0; i < spec->mount_count; i++) {
		const sp_service_mount *m = &spec->mounts[i];

		if (m->bind) {
			/* A node's path, the engine's templates allowed. */
			if (!m->source || m->source[0] != '/' ||
			    strlen(m->source) > 1024 ||
			    strpbrk(m->source, "\n\r\t"))
				return sp_error_set(
				    SP_EINVALID,
				    "invalid bind source '%.64s': "
				    "expected an absolute path",
				    m->source ? m->source : "(null)");
		} else if ((error = swarm_check_name("volume", m->source)) <
		           0) {
			return error;
		}
		if (!m->target || m->target[0] != '/' ||
		    engine_check_name("mount target", m->target + 1) < 0)
			return sp_error_set(SP_EINVALID,
			                    "invalid mount target '%.64s': "
			                    "expected an absolute path",
			                    m->target ? m->target : "(null)");
	}
	for (i = 0; i < spec->secret_count; i++) {
		const sp_service_secret *s = &spec->secrets[i];

		if ((error = swarm_check_name("secret id", s->secret_id)) < 0 ||
		    (error = swarm_check_name("secret name", s->secret_name)) <
		        0 ||
		    (s->file &&
		     (error = swarm_check_name("secret file", s->file)) < 0))
			return error;
		if ((s->uid && !digits_ok(s->uid)) ||
		    (s->gid && !digits_ok(s->gid)) || s->mode > 0777)
			return sp_error_set(SP_EINVALID,
			                    "secret '%s': uid and gid are "
			                    "numbers, the mode at most 0777",
			                    s->secret_name);
	}
	return 0;
}

static void add_number(cJSON *obj, const char *key, long long value)
{
	if (value)
		cJSON_AddNumberToObject(obj, key, (double)value);
}

/* Reservations.GenericResources from "kind=value" strings. */
static cJSON *generic_to_json(const char **list)
{
	cJSON *arr = cJSON_CreateArray(), *item, *res;
	sp_buf kind = SP_BUF_INIT;

	for (; list && *list; list++) {
		const char *eq = strchr(*list, '=');
		int discrete = digits_ok(eq + 1) && strlen(eq + 1) <= 9;

		sp_buf_clear(&kind);
		sp_buf_put(&kind, *list, (size_t)(eq - *list));
		item = cJSON_CreateObject();
		res = cJSON_AddObjectToObject(item, discrete
		                                        ? "DiscreteResourceSpec"
		                                        : "NamedResourceSpec");
		cJSON_AddStringToObject(res, "Kind", kind.ptr);
		if (discrete)
			cJSON_AddNumberToObject(
			    res, "Value", (double)strtol(eq + 1, NULL, 10));
		else
			cJSON_AddStringToObject(res, "Value", eq + 1);
		cJSON_AddItemToArray(arr, item);
	}
	sp_buf_dispose(&kind);
	return arr;
}

/* The strategy of updates and rollbacks: one task at a time, start first. */
static void update_config(cJSON *obj, const char *failure, int monitor,
                          int stop_first)
{
	cJSON_AddNumberToObject(obj, "Parallelism", 1);
	cJSON_AddStringToObject(obj, "Order",
	                        stop_first ? "stop-first" : "start-first");
	cJSON_AddStringToObject(obj, "FailureAction", failure);
	cJSON_AddNumberToObject(obj, "Monitor",
	                        (double)((monitor ? monitor : 5) * NANOS));
	cJSON_AddNumberToObject(obj, "MaxFailureRatio", 0);
}

static int service_to_json(cJSON **out, const sp_service_spec *spec)
{
	cJSON *json = NULL, *task, *container, *obj, *item, *arr, *limits,
	      *reservations;
	size_t i;
	int error;

	if ((error = spec_check(spec)) < 0)
		return error;
	json = cJSON_CreateObject();
	cJSON_AddStringToObject(json, "Name", spec->name);
	if ((error = labels_to_json(cJSON_AddObjectToObject(json, "Labels"),
	                            spec->labels)) < 0)
		goto done;

	task = cJSON_AddObjectToObject(json, "TaskTemplate");
	container = cJSON_AddObjectToObject(task, "ContainerSpec");
	cJSON_AddStringToObject(container, "Image", spec->image);
	labels_to_json(cJSON_AddObjectToObject(container, "Labels"),
	               spec->labels);
	cJSON_AddItemToObject(container, "Env", strings_to_json(spec->env));
	if (spec->command)
		cJSON_AddItemToObject(container, "Command",
		                      strings_to_json(spec->command));
	if (spec->user)
		cJSON_AddStringToObject(container, "User", spec->user);
	if (spec->stop_grace)
		cJSON_AddNumberToObject(container, "StopGracePeriod",
		                        (double)(spec->stop_grace * NANOS));
	if (spec->health_cmd) {
		obj = cJSON_AddObjectToObject(container, "Healthcheck");
		arr = cJSON_AddArrayToObject(obj, "Test");
		cJSON_AddItemToArray(arr, cJSON_CreateString("CMD-SHELL"));
		cJSON_AddItemToArray(arr, cJSON_CreateString(spec->health_cmd));
		cJSON_AddNumberToObject(obj, "Interval",
		                        (double)((spec->health_interval_ms
		                                      ? spec->health_interval_ms
		                                      : 1000) *
		                                 1000000LL));
		cJSON_AddNumberToObject(
		    obj, "Timeout",
		    (double)((spec->health_timeout ? spec->health_timeout : 3) *
		             NANOS));
		cJSON_AddNumberToObject(obj, "Retries", 3);
		add_number(obj, "StartPeriod",
		           spec->health_start_period * NANOS);
	}
	if (spec->cap_drop_all) {
		arr = cJSON_AddArrayToObject(container, "CapabilityDrop");
		cJSON_AddItemToArray(arr, cJSON_CreateString("ALL"));
	}
	arr = cJSON_AddArrayToObject(container, "Mounts");
	for (i = 0; i < spec->mount_count; i++) {
		const sp_service_mount *m = &spec->mounts[i];

		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "Type",
		                        m->bind ? "bind" : "volume");
		cJSON_AddStringToObject(item, "Source", m->source);
		cJSON_AddStringToObject(item, "Target", m->target);
		cJSON_AddBoolToObject(item, "ReadOnly", m->read_only);
		if (!m->bind)
			cJSON_AddBoolToObject(
			    cJSON_AddObjectToObject(item, "VolumeOptions"),
			    "NoCopy", !m->copy);
		cJSON_AddItemToArray(arr, item);
	}
	arr = cJSON_AddArrayToObject(container, "Secrets");
	for (i = 0; i < spec->secret_count; i++) {
		const sp_service_secret *s = &spec->secrets[i];

		item = cJSON_CreateObject();
		obj = cJSON_AddObjectToObject(item, "File");
		cJSON_AddStringToObject(obj, "Name",
		                        s->file ? s->file : s->secret_name);
		cJSON_AddStringToObject(obj, "UID", s->uid ? s->uid : "1000");
		cJSON_AddStringToObject(obj, "GID", s->gid ? s->gid : "1000");
		cJSON_AddNumberToObject(obj, "Mode", s->mode ? s->mode : 0400);
		cJSON_AddStringToObject(item, "SecretID", s->secret_id);
		cJSON_AddStringToObject(item, "SecretName", s->secret_name);
		cJSON_AddItemToArray(arr, item);
	}

	obj = cJSON_AddObjectToObject(task, "Resources");
	limits = cJSON_AddObjectToObject(obj, "Limits");
	add_number(limits, "NanoCPUs", spec->nano_cpus_limit);
	add_number(limits, "MemoryBytes", spec->memory_limit);
	add_number(limits, "Pids", spec->pids_limit);
	reservations = cJSON_AddObjectToObject(obj, "Reservations");
	add_number(reservations, "NanoCPUs", spec->nano_cpus_reservation);
	add_number(reservations, "MemoryBytes", spec->memory_reservation);
	if (spec->generic_resources && *spec->generic_resources)
		cJSON_AddItemToObject(reservations, "GenericResources",
		                      generic_to_json(spec->generic_resources));

	obj = cJSON_AddObjectToObject(task, "RestartPolicy");
	cJSON_AddStringToObject(
	    obj, "Condition",
	    spec->restart_condition ? spec->restart_condition : "any");
	add_number(obj, "Delay", spec->restart_delay * NANOS);
	cJSON_AddNumberToObject(obj, "MaxAttempts", spec->restart_max_attempts);

	obj = cJSON_AddObjectToObject(task, "Placement");
	cJSON_AddItemToObject(obj, "Constraints",
	                      strings_to_json(spec->constraints));
	arr = cJSON_AddArrayToObject(task, "Networks");
	for (const char **net = spec->networks; net && *net; net++) {
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "Target", *net);
		cJSON_AddItemToArray(arr, item);
	}
	cJSON_AddNumberToObject(task, "ForceUpdate",
	                        (double)spec->force_update);

	obj = cJSON_AddObjectToObject(json, "Mode");
	if (spec->global_job) {
		cJSON_AddObjectToObject(obj, "GlobalJob");
	} else {
		cJSON_AddNumberToObject(
		    cJSON_AddObjectToObject(obj, "Replicated"), "Replicas",
		    (double)spec->replicas);
		update_config(cJSON_AddObjectToObject(json, "UpdateConfig"),
		              "rollback", spec->update_monitor,
		              spec->stop_first);
		update_config(cJSON_AddObjectToObject(json, "RollbackConfig"),
		              "pause", spec->update_monitor, spec->stop_first);
	}

	obj = cJSON_AddObjectToObject(json, "EndpointSpec");
	cJSON_AddStringToObject(
	    obj, "Mode", spec->endpoint_mode ? spec->endpoint_mode : "vip");
	arr = cJSON_AddArrayToObject(obj, "Ports");
	if (spec->target_port) {
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "Protocol", "tcp");
		cJSON_AddNumberToObject(item, "TargetPort", spec->target_port);
		add_number(item, "PublishedPort", spec->published_port);
		cJSON_AddStringToObject(item, "PublishMode", "host");
		cJSON_AddItemToArray(arr, item);
	}
	if (spec->spare_port) {
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "Protocol", "tcp");
		cJSON_AddNumberToObject(item, "TargetPort", spec->spare_port);
		cJSON_AddStringToObject(item, "PublishMode", "host");
		cJSON_AddItemToArray(arr, item);
	}
	*out = json;
	json = NULL;
done:
	cJSON_Delete(json);
	return error;
}

/* Print a spec for a request; NULL when out of memory. */
static char *spec_text(cJSON *json)
{
	char *text = cJSON_PrintUnformatted(json);

	if (!text)
		sp_error_set(SP_ENOMEM, "out of memory");
	return text;
}

/* Free a spec and its text, the environment wiped (it holds secrets). */
static void spec_free(cJSON *json, char *text)
{
	if (text)
		explicit_bzero(text, strlen(text));
	free(text);
	env_wipe(json, "TaskTemplate");
	cJSON_Delete(json);
}

int sp_engine_service_create(char **id_out, sp_engine *engine,
                             const sp_service_spec *spec)
{
	cJSON *body = NULL, *answer = NULL;
	sp_buf header = SP_BUF_INIT, what = SP_BUF_INIT;
	const char *headers[2] = {NULL, NULL};
	engine_body request = {NULL, 0, "application/json"};
	engine_extra extra = {&request, headers, NULL, NULL};
	char *text = NULL;
	const char *id;
	int error;

	*id_out = NULL;
	if ((error = service_to_json(&body, spec)) < 0 ||
	    (error = registry_auth_header(&header, spec->registry_auth)) < 0)
		goto done;
	if (!(text = spec_text(body))) {
		error = SP_ENOMEM;
		goto done;
	}
	headers[0] = header.ptr;
	request.data = text;
	request.len = strlen(text);
	sp_buf_printf(&what, "create service '%s'", spec->name);
	if ((error =
	         engine_call_extra(&answer, engine, "POST", "/services/create",
	                           &extra, 0, SP_EEXISTS, what.ptr)) < 0)
		goto done;
	id = json_str(answer, "ID");
	if (!id || !engine_name_ok(id)) {
		error = sp_error_set(
		    SP_EENGINE, "%s: no service id in the answer", what.ptr);
		goto done;
	}
	*id_out = sp_strdup(id);
done:
	spec_free(body, text);
	cJSON_Delete(answer);
	sp_buf_dispose(&header);
	sp_buf_dispose(&what);
	return error;
}

/* Of a list of port objects, the first tcp one's `field` (a port number),
 * 0 when there is none or it is not a port. */
static int first_tcp_port(const cJSON *ports, const char *field)
{
	const cJSON *port;

	cJSON_ArrayForEach(port, ports)
	{
		const char *proto = json_str(port, "Protocol");
		long long value = json_num(port, field);

		if (proto && *proto && strcmp(proto, "tcp"))
			continue;
		return value > 0 && value <= 65535 ? (int)value : 0;
	}
	return 0;
}

/* An answer's service object into `out`. */
static void service_from_json(sp_service_info *out, const cJSON *item)
{
	const cJSON *spec = json_obj(item, "Spec");
	const cJSON *task = json_obj(spec, "TaskTemplate");
	const cJSON *container = json_obj(task, "ContainerSpec");
	const cJSON *replicated =
	    json_obj(json_obj(spec, "Mode"), "Replicated");
	const cJSON *update = json_obj(item, "UpdateStatus");
	const cJSON *previous = json_obj(item, "PreviousSpec");

	out->id = json_dup(item, "ID");
	out->name = json_dup(spec, "Name");
	out->version = json_num(json_obj(item, "Version"), "Index");
	out->image = json_dup(container, "Image");
	labels_from_json(&out->labels, json_obj(spec, "Labels"));
	out->replicas =
	    cJSON_IsObject(replicated) ? json_num(replicated, "Replicas") : -1;
	out->force_update = (unsigned long long)json_num(task, "ForceUpdate");
	out->tty = json_bool(container, "TTY");
	out->update_state = json_dup(update, "State");
	out->update_message = json_dup(update, "Message");
	out->has_previous = cJSON_IsObject(previous);
	out->previous_image = json_dup(
	    json_obj(json_obj(previous, "TaskTemplate"), "ContainerSpec"),
	    "Image");
	{
		const cJSON *test =
		    json_obj(json_obj(container, "Healthcheck"), "Test");
		const cJSON *kind = cJSON_GetArrayItem(test, 0);
		const cJSON *cmd = cJSON_GetArrayItem(test, 1);

		out->health_cmd = sp_strdup(
		    cJSON_IsString(kind) &&
		            !strcmp(kind->valuestring, "CMD-SHELL") &&
		            cJSON_IsString(cmd) && cJSON_GetArraySize(test) == 2
		        ? cmd->valuestring
		        : "");
	}
	out->created_at = json_dup(item, "CreatedAt");
	out->updated_at = json_dup(item, "UpdatedAt");
	out->published_port = first_tcp_port(
	    json_obj(json_obj(item, "Endpoint"), "Ports"), "PublishedPort");
	out->target_port = first_tcp_port(
	    json_obj(json_obj(spec, "EndpointSpec"), "Ports"), "TargetPort");
}

/* GET /services/{id}: the whole answer (caller deletes). */
static int service_get(cJSON **answer, sp_engine *engine, const char *id)
{
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	int error;

	*answer = NULL;
	if ((error = engine_check_name("service", id)) < 0)
		return error;
	sp_buf_printf(&path, "/services/%s", id);
	sp_buf_printf(&what, "inspect service '%s'", id);
	if ((error = engine_call(answer, engine, "GET", path.ptr, NULL, 0, 0,
	                         what.ptr)) < 0)
		goto done;
	if (!json_str(*answer, "ID") ||
	    !cJSON_IsObject(json_obj(*answer, "Spec"))) {
		error = sp_error_set(
		    SP_EENGINE, "%s: no ID or Spec in the answer", what.ptr);
		cJSON_Delete(*answer);
		*answer = NULL;
	}
done:
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_service_inspect(sp_service_info *out, sp_engine *engine,
                              const char *id_or_name)
{
	cJSON *answer = NULL;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = service_get(&answer, engine, id_or_name)) < 0)
		return error;
	service_from_json(out, answer);
	service_wipe(answer);
	cJSON_Delete(answer);
	return 0;
}

void sp_service_info_dispose(sp_service_info *info)
{
	if (!info)
		return;
	free(info->id);
	free(info->name);
	free(info->image);
	sp_engine_labels_dispose(&info->labels);
	free(info->update_state);
	free(info->update_message);
	free(info->previous_image);
	free(info->health_cmd);
	free(info->created_at);
	free(info->updated_at);
	memset(info, 0, sizeof(*info));
}

/*
 * The update itself: `spec` (a service spec), or the current spec changed
 * by `change` (replicas >= 0: that many; force: ForceUpdate + 1), or the
 * previous one (`rollback`).
 */
typedef struct {
	long long replicas; /* -1: unchanged */
	int force;
} service_change;

static int service_update(sp_engine *engine, const char *id, long long version,
                          const sp_service_spec *spec, int rollback,
                          const service_change *change)
{
	cJSON *body = NULL, *current = NULL, *answer = NULL;
	sp_buf header = SP_BUF_INIT, path = SP_BUF_INIT, what = SP_BUF_INIT;
	const char *headers[2] = {NULL, NULL};
	engine_body request = {NULL, 0, "application/json"};
	engine_extra extra = {&request, headers, NULL, NULL};
	char *text = NULL;
	int error;

	if ((error = engine_check_name("service", id)) < 0)
		return error;
	if (version < 0)
		return sp_error_set(
		    SP_EINVALID, "update service '%s': negative version", id);
	if (spec && (error = service_to_json(&body, spec)) < 0)
		goto done;
	if (!spec || !version) {
		if ((error = service_get(&current, engine, id)) < 0)
			goto done;
		if (!version)
			version =
			    json_num(json_obj(current, "Version"), "Index");
		if (!spec)
			body = cJSON_DetachItemFromObjectCaseSensitive(current,
			                                               "Spec");
		if (!body) {
			error = sp_error_set(SP_EENGINE,
			                     "service '%s' has no spec", id);
			goto done;
		}
	}
	if (change && change->replicas >= 0) {
		cJSON *mode = cJSON_GetObjectItemCaseSensitive(body, "Mode");
		cJSON *rep =
		    cJSON_GetObjectItemCaseSensitive(mode, "Replicated");

		if (!cJSON_IsObject(rep)) {
			error = sp_error_set(
			    SP_EENGINE, "service '%s' is not replicated", id);
			goto done;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(rep, "Replicas");
		cJSON_AddNumberToObject(rep, "Replicas",
		                        (double)change->replicas);
	}
	if (change && change->force) {
		cJSON *task =
		    cJSON_GetObjectItemCaseSensitive(body, "TaskTemplate");
		double n = json_num(task, "ForceUpdate");

		cJSON_DeleteItemFromObjectCaseSensitive(task, "ForceUpdate");
		cJSON_AddNumberToObject(task, "ForceUpdate", n + 1);
	}
	if ((error = registry_auth_header(&header, spec ? spec->registry_auth
	                                                : NULL)) < 0)
		goto done;
	if (!(text = spec_text(body))) {
		error = SP_ENOMEM;
		goto done;
	}
	headers[0] = header.ptr;
	request.data = text;
	request.len = strlen(text);
	sp_buf_printf(&path, "/services/%s/update?version=%lld%s", id, version,
	              rollback ? "&rollback=previous" : "");
	sp_buf_printf(&what, "%s service '%s'",
	              rollback ? "roll back" : "update", id);
	error = engine_call_extra(&answer, engine, "POST", path.ptr, &extra, 0,
	                          0, what.ptr);
done:
	spec_free(body, text);
	service_wipe(current);
	cJSON_Delete(current);
	cJSON_Delete(answer);
	sp_buf_dispose(&header);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_out_of_sequence(void)
{
	return strstr(sp_error_last(), "update out of sequence") != NULL;
}

int sp_engine_service_update(sp_engine *engine, const char *id,
                             long long version, const sp_service_spec *spec,
                             int rollback)
{
	return service_update(engine, id, version, rollback ? NULL : spec,
	                      rollback, NULL);
}

int sp_engine_service_scale(sp_engine *engine, const char *id,
                            long long replicas, int force)
{
	service_change change = {replicas, force};
	int error, tries = 0;

	/* The version is read right before; the engine bumps it as an update
	 * it runs moves on (updating, completed), so a refusal is retried. */
	do
		error = service_update(engine, id, 0, NULL, 0, &change);
	while (error == SP_EENGINE && sp_engine_out_of_sequence() &&
	       ++tries < SP_SERVICE_UPDATE_TRIES);
	return error;
}

int sp_engine_service_remove(sp_engine *engine, const char *id)
{
	int error;

	if ((error = engine_check_name("service", id)) < 0)
		return error;
	return engine_delete(engine, "services", "service", id, "");
}

int sp_engine_service_list(sp_service_list *out, sp_engine *engine,
                           const char *label_filter)
{
	cJSON *answer = NULL;
	cJSON *item;
	size_t n;
	int error;

	out->items = NULL;
	out->count = 0;
	if ((error = engine_list(&answer, &n, engine, "/services", label_filter,
	                         "list services")) < 0)
		goto done;
	out->items = n ? sp_calloc(n, sizeof(*out->items)) : NULL;
	cJSON_ArrayForEach(item, answer)
	{
		if (!cJSON_IsObject(item) || !json_str(item, "ID"))
			continue;
		service_from_json(&out->items[out->count++], item);
		service_wipe(item);
	}
done:
	cJSON_Delete(answer);
	return error;
}

void sp_service_list_dispose(sp_service_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++)
		sp_service_info_dispose(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* NetworksAttachments[].Addresses, the "/prefix" cut off. */
static void task_addresses(sp_task *task, const cJSON *attachments)
{
	const cJSON *att, *addr;
	size_t n = 0;

	cJSON_ArrayForEach(att, attachments)
	{
		n += (size_t)cJSON_GetArraySize(json_obj(att, "Addresses"));
	}
	if (!n)
		return;
	task->addresses = sp_calloc(n, sizeof(char *));
	cJSON_ArrayForEach(att, attachments)
	{
		cJSON_ArrayForEach(addr, json_obj(att, "Addresses"))
		{
			char *ip, *slash;

			if (!cJSON_IsString(addr) || !*addr->valuestring ||
			    task->address_count == n)
				continue;
			ip = sp_strdup(addr->valuestring);
			if ((slash = strchr(ip, '/')))
				*slash = '\0';
			task->addresses[task->address_count++] = ip;
		}
	}
}

/* Status.PortStatus.Ports: the tcp ones, the first also on its own. */
static void task_port(sp_task *task, const cJSON *ports)
{
	const cJSON *port;
	const char *proto;
	size_t max = sizeof(task->ports) / sizeof(task->ports[0]);

	cJSON_ArrayForEach(port, ports)
	{
		long long target = json_num(port, "TargetPort");
		long long published = json_num(port, "PublishedPort");

		proto = json_str(port, "Protocol");
		if ((proto && *proto && strcmp(proto, "tcp")) || target <= 0 ||
		    target > 65535 || published < 0 || published > 65535)
			continue;
		if (!task->port_count) {
			task->target_port = (int)target;
			task->published_port = (int)published;
		}
		if (task->port_count == max)
			break;
		task->ports[task->port_count][0] = (int)target;
		task->ports[task->port_count][1] = (int)published;
		task->port_count++;
	}
}

int sp_task_port(const sp_task *t, int target)
{
	for (size_t i = 0; i < t->port_count; i++)
		if (t->ports[i][0] == target)
			return t->ports[i][1];
	return 0;
}

int sp_engine_task_list(sp_task_list *out, sp_engine *engine,
                        const char *service_id)
{
	cJSON *answer = NULL, *item;
	const cJSON *status, *container;
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	size_t n;
	int error;

	out->items = NULL;
	out->count = 0;
	if ((error = engine_check_name("service", service_id)) < 0)
		return error;
	sp_buf_puts(&path, "/tasks");
	sp_buf_printf(&what, "list the tasks of service '%s'", service_id);
	if ((error = engine_filter(&path, engine, "service", service_id)) < 0 ||
	    (error = engine_call(&answer, engine, "GET", path.ptr, NULL, 0, 0,
	                         what.ptr)) < 0)
		goto done;
	if (!cJSON_IsArray(answer)) {
		error = sp_error_set(SP_EENGINE, "%s: the answer is not a list",
		                     what.ptr);
		goto done;
	}
	n = (size_t)cJSON_GetArraySize(answer);
	out->items = n ? sp_calloc(n, sizeof(*out->items)) : NULL;
	cJSON_ArrayForEach(item, answer)
	{
		sp_task *task;

		if (!cJSON_IsObject(item) || !json_str(item, "ID"))
			continue;
		task = &out->items[out->count++];
		status = json_obj(item, "Status");
		container = json_obj(status, "ContainerStatus");
		task->id = json_dup(item, "ID");
		task->service_id = json_dup(item, "ServiceID");
		task->node_id = json_dup(item, "NodeID");
		task->slot = json_int(item, "Slot");
		task->desired_state = json_dup(item, "DesiredState");
		task->state = json_dup(status, "State");
		task->message = json_dup(status, "Message");
		task->error = json_dup(status, "Err");
		task->container_id = json_dup(container, "ContainerID");
		task->exit_code = json_int(container, "ExitCode");
		task->image = json_dup(
		    json_obj(json_obj(item, "Spec"), "ContainerSpec"), "Image");
		task->force_update = (unsigned long long)json_num(
		    json_obj(item, "Spec"), "ForceUpdate");
		task->created_at = json_dup(item, "CreatedAt");
		task->updated_at = json_dup(item, "UpdatedAt");
		task->timestamp = json_dup(status, "Timestamp");
		task_addresses(task, json_obj(item, "NetworksAttachments"));
		task_port(task,
		          json_obj(json_obj(status, "PortStatus"), "Ports"));
		env_wipe(cJSON_GetObjectItemCaseSensitive(item, "Spec"), NULL);
	}
done:
	cJSON_Delete(answer);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

void sp_task_list_dispose(sp_task_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++) {
		sp_task *task = &list->items[i];

		free(task->id);
		free(task->service_id);
		free(task->node_id);
		free(task->desired_state);
		free(task->state);
		free(task->message);
		free(task->error);
		free(task->container_id);
		free(task->image);
		free(task->created_at);
		free(task->updated_at);
		free(task->timestamp);
		strings_free(task->addresses, task->address_count);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* The logs of a service, or of one of its tasks (`task` not NULL). */
static int swarm_logs(sp_engine *engine, const char *id, const char *task,
                      int tail, int follow, sp_engine_log_cb cb, void *payload)
{
	sp_service_info info;
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	int raw, error;

	if (!cb)
		return sp_error_set(SP_EINVALID, "no log callback");
	if (task && (error = engine_check_name("task", task)) < 0)
		return error;
	if ((error = sp_engine_service_inspect(&info, engine, id)) < 0)
		return error;
	raw = info.tty;
	sp_service_info_dispose(&info);

	if (task) {
		sp_buf_printf(&what, "logs of task '%s'", task);
		sp_buf_printf(&path, "/tasks/%s/logs?stdout=1&stderr=1", task);
	} else {
		sp_buf_printf(&what, "logs of service '%s'", id);
		sp_buf_printf(&path, "/services/%s/logs?stdout=1&stderr=1", id);
	}
	if (follow)
		sp_buf_puts(&path, "&follow=1");
	if (tail >= 0)
		sp_buf_printf(&path, "&tail=%d", tail);
	else
		sp_buf_puts(&path, "&tail=all");
	error = engine_stream_logs(engine, path.ptr, what.ptr, raw, follow, cb,
	                           payload);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_service_logs(sp_engine *engine, const char *id, int tail,
                           int follow, sp_engine_log_cb cb, void *payload)
{
	return swarm_logs(engine, id, NULL, tail, follow, cb, payload);
}

int sp_engine_task_logs(sp_engine *engine, const char *service,
                        const char *task, int tail, int follow,
                        sp_engine_log_cb cb, void *payload)
{
	return swarm_logs(engine, service, task, tail, follow, cb, payload);
}

/* Whether `hay` holds `len` bytes of `needle` (never for under 4 bytes). */
static int holds(const char *hay, const void *needle, size_t len)
{
	return len >= 4 && memmem(hay, strlen(hay), needle, len) != NULL;
}

int sp_engine_secret_create(char **id_out, sp_engine *engine, const char *name,
                            const void *data, size_t len, const char **labels)
{
	cJSON *body = NULL, *answer = NULL;
	sp_buf what = SP_BUF_INIT, encoded = SP_BUF_INIT;
	engine_body request = {NULL, 0, "application/json"};
	engine_extra extra = {&request, NULL, NULL, NULL};
	const char *id;
	char *text = NULL;
	cJSON *item;
	int error;

	*id_out = NULL;
	if ((error = swarm_check_name("secret", name)) < 0)
		return error;
	if (!data || !len || len > SECRET_MAX)
		return sp_error_set(SP_EINVALID,
		                    "secret '%s': its value must hold 1 to %u "
		                    "bytes",
		                    name, SECRET_MAX);
	sp_buf_printf(&what, "create secret '%s'", name);
	base64_put(&encoded, data, len, 0);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "Name", name);
	if ((error = labels_to_json(cJSON_AddObjectToObject(body, "Labels"),
	                            labels)) < 0)
		goto done;
	cJSON_AddStringToObject(body, "Data", encoded.ptr);
	if (!(text = spec_text(body))) {
		error = SP_ENOMEM;
		goto done;
	}
	request.data = text;
	request.len = strlen(text);
	error = engine_call_extra(&answer, engine, "POST", "/secrets/create",
	                          &extra, 0, SP_EEXISTS, what.ptr);
	if (error < 0) {
		/* The engine's message is not trusted to leave the value out.
		 */
		if (holds(sp_error_last(), data, len) ||
		    holds(sp_error_last(), encoded.ptr, encoded.size))
			sp_error_set(error,
			             "%s: the Docker engine refused it (its "
			             "message, which held the value, is not "
			             "shown)",
			             what.ptr);
		goto done;
	}
	id = json_str(answer, "ID");
	if (!id || !engine_name_ok(id)) {
		error = sp_error_set(
		    SP_EENGINE, "%s: no secret id in the answer", what.ptr);
		goto done;
	}
	*id_out = sp_strdup(id);
done:
	if (text)
		explicit_bzero(text, strlen(text));
	free(text);
	item = cJSON_GetObjectItemCaseSensitive(body, "Data");
	if (cJSON_IsString(item))
		explicit_bzero(item->valuestring, strlen(item->valuestring));
	cJSON_Delete(body);
	cJSON_Delete(answer);
	sp_buf_dispose_wipe(&encoded);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_secret_remove(sp_engine *engine, const char *id)
{
	int error;

	if ((error = swarm_check_name("secret", id)) < 0)
		return error;
	return engine_delete(engine, "secrets", "secret", id, "");
}

int sp_engine_secret_list(sp_secret_list *out, sp_engine *engine,
                          const char *label_filter)
{
	cJSON *answer = NULL;
	const cJSON *item, *spec;
	size_t n;
	int error;

	out->items = NULL;
	out->count = 0;
	if ((error = engine_list(&answer, &n, engine, "/secrets", label_filter,
	                         "list secrets")) < 0)
		goto done;
	out->items = n ? sp_calloc(n, sizeof(*out->items)) : NULL;
	cJSON_ArrayForEach(item, answer)
	{
		sp_secret_summary *s;

		if (!cJSON_IsObject(item) || !json_str(item, "ID"))
			continue;
		s = &out->items[out->count++];
		spec = json_obj(item, "Spec");
		s->id = json_dup(item, "ID");
		s->name = json_dup(spec, "Name");
		s->created_at = json_dup(item, "CreatedAt");
		s->version = json_num(json_obj(item, "Version"), "Index");
		labels_from_json(&s->labels, json_obj(spec, "Labels"));
	}
done:
	cJSON_Delete(answer);
	return error;
}

void sp_secret_list_dispose(sp_secret_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++) {
		free(list->items[i].id);
		free(list->items[i].name);
		free(list->items[i].created_at);
		sp_engine_labels_dispose(&list->items[i].labels);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
