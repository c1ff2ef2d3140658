/* Server and per-repository settings, read from git config (spacehook.*). */
#ifndef SP_SETTINGS_H
#define SP_SETTINGS_H

#include <stddef.h>

#include "repo.h"

typedef struct {
	char *state_dir; /* spacehook.stateDir, default /var/lib/spacehook */
	char *deploy_branch; /* spacehook.deployBranch, default "main" (a
	                        leading refs/heads/ is dropped) */
	char *docker_host;   /* spacehook.dockerHost, default
	                        unix:///var/run/docker.sock ($DOCKER_HOST when
	                        unset) */
	char *docker_cli;   /* spacehook.dockerCli, default /usr/bin/docker when
	                       present, else "docker" (a client that runs BuildKit
	                       builds) */
	char *bind_address; /* spacehook.bindAddress, default 127.0.0.1 */
	int port_min, port_max; /* spacehook.portRange, default 20000-29999 */
	char *repos_root;     /* spacehook.reposRoot; NULL = parent of the owner
	                         directory */
	char *run_as_user;    /* spacehook.runAsUser, default "1000" */
	long startup_timeout; /* spacehook.startupTimeout seconds, default 1800:
	                         cap on a Space's own */
	int max_concurrent_builds; /* spacehook.maxConcurrentBuilds, default 2
	                            */
	/*
	 * spacehook.maxBuildsPerOwner: build slots one owner may hold at
	 * once; default half of max_concurrent_builds rounded up
	 */
	int max_builds_per_owner;
	/* spacehook.buildTimeout seconds, default 3600; 0 = none */
	long build_timeout;
	double max_cpus;        /* spacehook.maxCpus, default 2 */
	long long max_memory;   /* spacehook.maxMemory bytes (k/m/g suffixes),
	                           default 16 GiB */
	long pids_limit;        /* spacehook.pidsLimit, default 1024 */
	int persistent_storage; /* spacehook.persistentStorage bool, default
	                           false: /data volume */
	size_t build_log_max;   /* spacehook.buildLogMax bytes, default 8 MiB:
	                           output beyond is cut with a note */
	long long
	    max_blob_size; /* spacehook.maxBlobSize bytes, default 100 MiB: the
	                      largest file of a build context; 0 = no limit */
	long long
	    max_context_size; /* spacehook.maxContextSize bytes, default 1 GiB:
	                         all files of a build context; 0 = no limit */
	char **webhooks; /* spacehook.webhook (multivar), NULL-terminated; may
	                    be empty */
	char *webhook_secret; /* spacehook.webhookSecret, or NULL */
	char **spaces; /* spacehook.spaces (multivar; values split at spaces and
	                  commas): id patterns (fnmatch, '/' matched only by
	                  '/'); default: the one pattern "any owner, any name";
	                  NULL-terminated */
	int space; /* spacehook.space bool: 1 a Space whatever the patterns, 0
	              never one, -1 unset (the default) */
	char *runtime; /* spacehook.runtime: the engine's container runtime for
	                  Spaces (e.g. runsc), or NULL = the engine's default */
	long long log_max_size; /* spacehook.logMaxSize bytes, default 10 MiB:
	                           one container log file's cap */
	int log_max_files; /* spacehook.logMaxFiles, default 3: container log
	                      files kept per container */
	/* The front door (frontdoor.h); off while domain is NULL. */
	char *domain; /* spacehook.domain: Spaces at <label>.<domain>; may end
	                 in :port (the port in public URLs); NULL = none */
	char *public_scheme; /* spacehook.publicScheme, "http" (default) or
	                        "https": the scheme of public URLs */
	char *nginx_dir;     /* spacehook.nginxDir, default <stateDir>/nginx */
	char *http_listen;   /* spacehook.httpListen, default "80": nginx's
	                        listen for the Spaces' hostnames ([addr:]port) */
	char *nginx_test;    /* spacehook.nginxTest, default "nginx -t" (run by
	                        /bin/sh) */
	char *nginx_reload;  /* spacehook.nginxReload, default
	                        "nginx -s reload" (run by /bin/sh) */
	char *serve_listen;  /* spacehook.serveListen, default
	                        "127.0.0.1:7800": where `spacehook serve`
	                        listens (address:port) */
	long drain_timeout;  /* spacehook.drainTimeout seconds, default 30: how
	                        long a replaced version keeps running for the
	                        requests it still serves; 0 = none */
	long sleep_time;     /* spacehook.sleepTime seconds, default 172800
	                        (48 h): idle time before a Space sleeps; -1 =
	                        never ("never") */
	long sleep_check;    /* spacehook.sleepCheck seconds, default 60: how
	                        often `spacehook serve` looks for idle Spaces */
	unsigned sdks;       /* spacehook.sdks (values split at spaces and
	                        commas): SP_SDK_* bits; default SP_SDK_DOCKER */
	char *admins;        /* spacehook.admins: user names (split at spaces
	                        and commas) who may manage every Space over
	                        SSH; NULL = none */
	char *access;        /* spacehook.access: who decides who may write a
	                        Space: "spacehook" (owner, collaborators,
	                        admins; the default) or "gitolite" */
	char *read_access;   /* spacehook.readAccess: who may clone a Space
	                        through `spacehook shell`: "collaborators"
	                        (its writers; the default) or "all" */
	char *gitolite;      /* spacehook.gitolite: the gitolite command,
	                        default "gitolite" */
	/* Where Spaces run (backend.h). */
	char *backend;       /* spacehook.backend: "docker" (one engine, the
	                        default) or "swarm" (services of a Docker Swarm
	                        cluster, images through a registry) */
	char *registry;      /* spacehook.registry: "host[:port]" of the
	                        registry every node pulls from; NULL = none */
	char *registry_auth; /* spacehook.registryAuth: absolute path of a
	                        JSON file {"username":..,"password":..} for the
	                        registry; NULL = no credentials */
	char *placement;     /* spacehook.placement: swarm placement
	                        constraints separated by commas; NULL = none */
	int swarm_secrets;   /* spacehook.swarmSecrets bool, default false:
	                        secrets also as files in /run/secrets */
	char *gpu_resource;  /* spacehook.gpuResource: the generic resource
	                        kind the nodes advertise for GPUs; NULL = GPU
	                        flavours reserve none */
	char *node_socket;   /* spacehook.nodeSocket: the engine's socket on
	                        every node, for `gc` to remove old images there
	                        ({{.Node.ID}}, {{.Node.Hostname}} expanded by
	                        the swarm); default /var/run/docker.sock */
} sp_settings;

#define SP_SDK_DOCKER 1u
#define SP_SDK_STATIC 2u

/*
 * Fill `out` with defaults, then override from git config as `repo` sees it
 * (system, global, repository; `repo` may be NULL for system/global only,
 * the system file skipped when $GIT_CONFIG_NOSYSTEM is set as git does).
 * $DOCKER_HOST replaces the docker_host default and $SP_DOCKER_CLI the
 * docker_cli default when the key is unset. A value that does not parse
 * fails with SP_EINVALID naming the key ("spacehook.portRange: ..."); `out`
 * is then left disposed. On success the caller disposes `out`.
 */
int sp_settings_load(sp_settings *out, sp_repo *repo);

/*
 * Only what tells whether the repository in the current directory is a
 * Space (spacehook.reposRoot, spacehook.spaces, spacehook.space), the rest
 * left at the defaults, read through `git config` as the hook's git sees
 * it: the hooks' fast way out for a repository that is no Space, without
 * libgit2's start-up (which parses the system's CA bundle). Any failure is
 * an error, and the caller then takes the full way.
 */
int sp_settings_load_identity(sp_settings *out);

/*
 * The raw value of `key` as a command outside any repository sees it
 * (system and global config, $GIT_CONFIG_NOSYSTEM honoured), into `*out`
 * (caller frees); NULL when unset. Read with libgit2.
 */
int sp_settings_config_get(char **out, const char *key);

/* Release the strings of `settings` (safe on a zeroed or disposed struct). */
void sp_settings_dispose(sp_settings *settings);

/*
 * The parsers of setting values, each failing with SP_EINVALID and a message
 * quoting the value (without the key; sp_settings_load adds it).
 */

/* "20000-29999": 1 <= min <= max <= 65535. */
int sp_settings_parse_port_range(int *min, int *max, const char *value);

/* Bytes, or with a k, m or g suffix (powers of 1024, either case). */
int sp_settings_parse_size(long long *out, const char *value);

/* Seconds, or units s/m/h, combined as in "1h30m"; above zero. */
int sp_settings_parse_duration(long *out, const char *value);

/* As sp_settings_parse_duration, but zero ("0", "0s") is allowed: none. */
int sp_settings_parse_timeout(long *out, const char *value);

/* As sp_settings_parse_duration, or "never" (or -1): -1. */
int sp_settings_parse_sleep_time(long *out, const char *value);

/* true/false, yes/no, on/off, 1/0 (any case); NULL or "" (a bare key) is true.
 */
int sp_settings_parse_bool(int *out, const char *value);

#endif
