/* A Docker Engine API client over the engine's unix socket: containers, logs,
 * images, volumes. */
#ifndef SP_ENGINE_H
#define SP_ENGINE_H

#include <stddef.h>

#include "buf.h"

/*
 * One connection to one engine (a reused HTTP handle, keep-alive). An engine
 * is NOT thread-safe: use one per thread. Nothing here prints anything; every
 * failure sets the last error (error.h):
 *   SP_EUNREACHABLE  the socket is missing or refuses connections
 *   SP_ETIMEOUT      the engine did not answer within the timeout
 *   SP_ENOTFOUND     the engine answered 404 (no such container, image, ...)
 *   SP_EEXISTS       a container name already in use (create only)
 *   SP_EENGINE       any other 4xx/5xx; the message ends with the engine's own
 *   SP_ETOOBIG       an answer larger than SP_ENGINE_MAX_ANSWER
 *   SP_EENGINE       also: a cut-short answer, or one that is not the JSON
 * expected SP_EINVALID      bad arguments (refused before anything is sent)
 * Names and ids given to these functions must be 1..255 chars of
 * [A-Za-z0-9_.:/@-] (image references included); others are SP_EINVALID.
 */
typedef struct sp_engine sp_engine;

/* The newest API version this client speaks; older ones are negotiated down. */
#define SP_ENGINE_API_NEWEST "1.41"
/* The oldest API version this client accepts from an engine. */
#define SP_ENGINE_API_OLDEST "1.24"
/* Default timeout of one call, seconds. */
#define SP_ENGINE_TIMEOUT_DEFAULT 60
/* Largest answer body read (logs excepted: they are streamed). */
#define SP_ENGINE_MAX_ANSWER (16u * 1024 * 1024)

/*
 * Connect to the engine at `host`: "unix:///path/docker.sock" or a bare
 * "/path/docker.sock" (NULL: unix:///var/run/docker.sock). tcp://, ssh:// and
 * other schemes are SP_EINVALID. Negotiates the API version with GET /_ping
 * (API-Version header, else GET /version): the smaller of the engine's and
 * SP_ENGINE_API_NEWEST; every later call goes to /v<version>/... .
 * An engine that does not answer: SP_EUNREACHABLE, "Docker engine unreachable
 * at <path>: <reason>", within about 3 seconds (connect timeout).
 * Free with sp_engine_free.
 */
int sp_engine_new(sp_engine **out, const char *host);
void sp_engine_free(sp_engine *engine);

/* The negotiated API version, e.g. "1.41" (owned by the engine). */
const char *sp_engine_version(const sp_engine *engine);

/* The socket path in use (owned by the engine). */
const char *sp_engine_socket(const sp_engine *engine);

/*
 * The most one call may take, in seconds (default SP_ENGINE_TIMEOUT_DEFAULT;
 * <= 0 restores the default). Followed logs have no overall timeout.
 */
void sp_engine_set_timeout(sp_engine *engine, int seconds);

/*
 * Escape hatch: one request to `path` (e.g. "/containers/json?all=1"), which
 * is sent under the version prefix ("/v1.41/containers/json?all=1"); the
 * caller escapes any query. `json_body` NULL sends no body. The answer body
 * goes to `out` (replaced, capped at SP_ENGINE_MAX_ANSWER) and its HTTP
 * status to `*status`; an HTTP error status is NOT a failure here, only
 * transport failures are (SP_EUNREACHABLE, SP_ETIMEOUT, SP_ETOOBIG, ...).
 */
int sp_engine_request(sp_buf *out, long *status, sp_engine *engine,
                      const char *method, const char *path,
                      const char *json_body);

/* Labels of a container or image, as key/value pairs. */
typedef struct {
	char *key;
	char *value;
} sp_engine_label;

typedef struct {
	sp_engine_label *items;
	size_t count;
} sp_engine_labels;

/* The value of label `key`, or NULL when absent (owned by `labels`). */
const char *sp_engine_labels_get(const sp_engine_labels *labels,
                                 const char *key);
void sp_engine_labels_dispose(sp_engine_labels *labels);

/*
 * What a container is made from. The caller owns every string. Lists are
 * NULL-terminated; NULL or 0 means "none"/"engine default" unless noted.
 * The container is never privileged and never gets host binds.
 */
typedef struct {
	const char *image;     /* required: image reference or id */
	const char **cmd;      /* argv; NULL = the image's CMD */
	const char **env;      /* "KEY=value" */
	const char **labels;   /* "key=value" ("key" alone = empty value) */
	const char *user;      /* "1000", "1000:1000", "user"; NULL = image's */
	int container_port;    /* tcp port to expose and publish; 0 = none */
	const char *host_ip;   /* publish on this address; NULL = 127.0.0.1 */
	int host_port;         /* publish on this port; 0 = engine picks one */
	double cpus;           /* CPU limit (NanoCpus = cpus * 1e9) */
	long long memory;      /* memory limit, bytes */
	long pids_limit;       /* most processes */
	int no_new_privileges; /* SecurityOpt no-new-privileges */
	int cap_drop_all;      /* CapDrop ["ALL"] */
	const char
	    *volume; /* named volume at /data (no copy of the image's /data) */
	/*
	 * With `volume`: an empty volume takes the content, owner and mode of
	 * the image's /data when the container is created (the engine's
	 * copy-up). 0: no copy (NoCopy), the default for Spaces.
	 */
	int volume_copy;
	const char *runtime; /* the engine's runtime (HostConfig.Runtime); NULL
	                        = default */
	/* json-file logs rotated at this many bytes, this many files kept; 0 =
	 * engine default */
	long long log_max_size;
	int log_max_files;
	/* "bridge", "none", ...; NULL = the engine's default */
	const char *network_mode;
	/* "no", "unless-stopped", "on-failure", "always"; NULL = "no" */
	const char *restart_policy;
} sp_container_spec;

/*
 * Create (not start) container `name` (NULL: engine-made name). The new id
 * goes to `*id_out` (caller frees). A name already used: SP_EEXISTS.
 */
int sp_engine_container_create(char **id_out, sp_engine *engine,
                               const char *name, const sp_container_spec *spec);

/* Start; starting a running container succeeds. */
int sp_engine_container_start(sp_engine *engine, const char *id);

/* Stop, killing after `timeout_seconds`; stopping a stopped one succeeds. */
int sp_engine_container_stop(sp_engine *engine, const char *id,
                             int timeout_seconds);

/* Restart, killing after `timeout_seconds` if it does not stop. */
int sp_engine_container_restart(sp_engine *engine, const char *id,
                                int timeout_seconds);

/* Send `signal` ("SIGTERM", "9"; NULL = SIGKILL). Not running: SP_EENGINE. */
int sp_engine_container_kill(sp_engine *engine, const char *id,
                             const char *signal);

/*
 * A change to a container's host settings (POST /containers/<id>/update);
 * what is NULL or 0 stays as it is.
 */
typedef struct {
	/* "no", "unless-stopped", "on-failure", "always" */
	const char *restart_policy;
} sp_container_update;

/*
 * Change a running or stopped container's settings. An unknown restart
 * policy or nothing to change: SP_EINVALID, before anything is sent; a
 * container that does not exist: SP_ENOTFOUND; the engine refusing the
 * change: SP_EENGINE with its message.
 */
int sp_engine_container_update(sp_engine *engine, const char *id,
                               const sp_container_update *update);

/*
 * Remove with its anonymous volumes (named volumes stay). `force` also kills
 * a running one. A container that does not exist: SP_ENOTFOUND.
 */
int sp_engine_container_remove(sp_engine *engine, const char *id, int force);

/*
 * Wait until the container is not running and give its exit code, waiting
 * at most `timeout_seconds` (<= 0: the engine's timeout). SP_ETIMEOUT.
 */
int sp_engine_container_wait(int *exit_code, sp_engine *engine, const char *id,
                             int timeout_seconds);

/* What inspect tells of a container; strings owned by it, never NULL. */
typedef struct {
	char *id;
	char *name;        /* without the leading '/' */
	char *image;       /* Config.Image: the reference it was created from */
	char *image_id;    /* Image: "sha256:..." */
	char *status;      /* State.Status: created, running, exited, ... */
	char *started_at;  /* RFC 3339, "0001-01-01T00:00:00Z" when never */
	char *finished_at; /* RFC 3339 */
	char *error;       /* State.Error, "" when none */
	char *user;        /* Config.User, "" when image default */
	int running;       /* State.Running */
	int restarting;    /* State.Restarting */
	int exit_code;     /* State.ExitCode */
	int oom_killed;    /* State.OOMKilled */
	int pid;           /* State.Pid, 0 when not running */
	int restart_count; /* RestartCount */
	int tty;           /* Config.Tty: logs are raw, not multiplexed */
	/* The first published tcp port, 0 = none; where it is bound ("" =
	 * none); the host port bound when running, else the one requested. */
	int container_port;
	char *host_ip;
	int host_port;
	/* Its IPv4 address on its network (HostConfig.NetworkMode's, else the
	 * first that has one); "" when it has none (not running, host or no
	 * network). */
	char *ip;
	sp_engine_labels labels;
	/* HostConfig, as the engine holds it */
	long long memory;
	long long nano_cpus;
	long long pids_limit;
	int no_new_privileges;
	int cap_drop_all;
	int privileged;
	char *network_mode;
} sp_container_info;

/* Inspect a container by id or name; SP_ENOTFOUND when there is none. */
int sp_engine_container_inspect(sp_container_info *out, sp_engine *engine,
                                const char *id);
void sp_container_info_dispose(sp_container_info *info);

/*
 * Where a process on this host reaches running container `id` without the
 * engine's port proxy: its IP on its network (`ip`, replaced) and the
 * container port it publishes first (`*port`). SP_ENOTFOUND when it is not
 * running, has no address or publishes no TCP port.
 */
int sp_engine_container_address(sp_buf *ip, int *port, sp_engine *engine,
                                const char *id);

/* One line of a container list. Strings owned by the list, never NULL. */
typedef struct {
	char *id;
	char *name; /* without the leading '/' */
	char *image;
	char *image_id;
	char *state;       /* created, running, exited, paused, ... */
	char *status;      /* human text, "Up 3 minutes" */
	long long created; /* unix seconds */
	sp_engine_labels labels;
} sp_container_summary;

typedef struct {
	sp_container_summary *items;
	size_t count;
} sp_container_list;

/*
 * All containers, running or not, that carry `label_filter` ("key=value" or
 * "key"; NULL = every container).
 */
int sp_engine_container_list(sp_container_list *out, sp_engine *engine,
                             const char *label_filter);
void sp_container_list_dispose(sp_container_list *list);

/*
 * Log callback: `stream` 1 = stdout, 2 = stderr (a TTY container's output is
 * all stdout); `data` is not NUL-terminated and is a piece of a frame, in
 * order. While following, it is also called with stream 0 and `len` 0 about
 * once a second when nothing arrives, so that it can end a quiet follow.
 * A non-zero return stops the logs.
 */
typedef int (*sp_engine_log_cb)(int stream, const char *data, size_t len,
                                void *payload);

/*
 * Read a container's logs: the last `tail` lines (-1 = all), with engine
 * timestamps if `timestamps`, and with `follow` keep reading while it runs
 * (no overall timeout then; stop from the callback). Decodes the engine's
 * multiplexed stream, or passes a TTY container's raw stream through.
 * Returns 0 at the end of the logs, the callback's value when it stopped
 * them, or an error.
 */
int sp_engine_container_logs(sp_engine *engine, const char *id, int tail,
                             int follow, int timestamps, sp_engine_log_cb cb,
                             void *payload);

/*
 * Decode a whole multiplexed log body as the engine sends it for a container
 * without a TTY: frames of an 8-byte header (stream 0/1 = stdout, 2/3 =
 * stderr; three zero bytes; a 32-bit big-endian length) and that many bytes,
 * given to `cb` in order. Returns 0, the callback's non-zero value when it
 * stopped, or SP_EENGINE for a malformed or cut-short frame.
 */
int sp_engine_log_decode(const char *data, size_t len, sp_engine_log_cb cb,
                         void *payload);

/* What inspect tells of an image. Strings owned by the struct, never NULL. */
typedef struct {
	char *id;      /* "sha256:..." */
	char *created; /* RFC 3339 */
	char **tags;   /* RepoTags */
	size_t tag_count;
	long long size;
	sp_engine_labels labels; /* Config.Labels */
	char **history;          /* CreatedBy of each layer, newest first */
	size_t history_count;
	int healthcheck; /* Config.Healthcheck: the image checks itself */
	/* RootFS.Layers joined by ',': what its file system is made of */
	char *layers;
} sp_image_info;

/* Inspect an image and read its history; SP_ENOTFOUND when there is none. */
/*
 * Is there a file (or link, or directory) at `path` in container `id`
 * (created, not necessarily started)? `*exists` gets 1 or 0.
 */
int sp_engine_container_path_exists(int *exists, sp_engine *engine,
                                    const char *id, const char *path);

int sp_engine_image_inspect(sp_image_info *out, sp_engine *engine,
                            const char *name);
void sp_image_info_dispose(sp_image_info *info);

/* Remove an image (or untag one of its names). Missing: SP_ENOTFOUND. */
int sp_engine_image_remove(sp_engine *engine, const char *name, int force);

/* Give image `source` the name `repo`:`tag`. */
int sp_engine_image_tag(sp_engine *engine, const char *source, const char *repo,
                        const char *tag);

typedef struct {
	char *id;
	char **tags; /* RepoTags, without "<none>:<none>" */
	size_t tag_count;
	long long created; /* unix seconds */
	long long size;
	sp_engine_labels labels;
} sp_image_summary;

typedef struct {
	sp_image_summary *items;
	size_t count;
} sp_image_list;

/* Images carrying `label_filter` ("key=value" or "key"; NULL = all). */
int sp_engine_image_list(sp_image_list *out, sp_engine *engine,
                         const char *label_filter);
void sp_image_list_dispose(sp_image_list *list);

/*
 * Create named volume `name` with `labels` ("key=value", NULL-terminated,
 * may be NULL); an existing volume of that name is fine.
 */
int sp_engine_volume_create(sp_engine *engine, const char *name,
                            const char **labels);

/* Remove a named volume. Missing: SP_ENOTFOUND; in use: SP_EENGINE. */
int sp_engine_volume_remove(sp_engine *engine, const char *name, int force);

/*
 * Create the bridge network `name` (a Space's own: Docker's isolation rules
 * keep other networks' containers out; outbound traffic is allowed) with
 * `labels` ("key=value", NULL-terminated). One that exists already: 0.
 */
int sp_engine_network_create(sp_engine *engine, const char *name,
                             const char **labels);

/* The same with driver `driver` ("overlay": a swarm's, across its nodes). */
int sp_engine_network_create_driver(sp_engine *engine, const char *name,
                                    const char *driver, const char **labels);

/* Remove network `name`; SP_ENOTFOUND when there is none, SP_EEXISTS when a
 * container still uses it. */
int sp_engine_network_remove(sp_engine *engine, const char *name);

/*
 * Make image `name` ("repo:tag") from the tar archive `data` (`len` bytes)
 * as its only layer (POST /images/create?fromSrc=-), then check it exists.
 */
int sp_engine_image_import(sp_engine *engine, const char *name,
                           const void *data, size_t len);

/*
 * Prune the BuildKit build cache older than `until` (e.g. "24h"; NULL = all
 * unused); bytes reclaimed go to `*reclaimed` when not NULL.
 */
int sp_engine_build_prune(long long *reclaimed, sp_engine *engine,
                          const char *until);

#endif
