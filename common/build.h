/* The image build: the commit's tree as a tar on the BuildKit client's stdin,
 * secrets only in the client's environment, output redacted. */
#ifndef SP_BUILD_H
#define SP_BUILD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "redact.h"
#include "repo.h"
#include "store.h"

typedef struct {
	const char *docker_cli;  /* a client that runs BuildKit builds */
	const char *docker_host; /* "unix:///..." for the client */
	sp_repo *repo;
	const char *commit;
	const char *image;      /* the tag to give the image */
	const char **labels;    /* "key=value", NULL-terminated */
	const sp_kv *variables; /* passed as --build-arg NAME=value */
	const sp_kv *secrets; /* passed as --secret id=NAME,env=...; values only
	                         in the environment */
	int no_cache;         /* --no-cache (factory rebuild) */
	/*
	 * Isolation of the engine's shared build cache (see
	 * sp_build_cache_salt): `cache_salt` is a host name given to every RUN
	 * step (--add-host <salt>:127.0.0.1), which BuildKit keeps in the
	 * step's cache key, so no step is reused from a build with another
	 * salt; `cache_namespace` prefixes the id of every RUN
	 * --mount=type=cache (BuildKit's BUILDKIT_CACHE_MOUNT_NS). NULL: shared
	 * (not for Spaces).
	 */
	const char *cache_salt;
	const char *cache_namespace;
	size_t log_max; /* output bytes kept; the rest is cut with a note (0: no
	                   cap) */
	uint64_t
	    max_blob; /* the largest file of the context, bytes (0: any); past
	                 it the build fails before the client gets the file */
	uint64_t max_context; /* all files of the context, bytes (0: any) */
	/*
	 * Receives the build output, already redacted (every secret value
	 * replaced by "***"), in order.
	 */
	sp_redact_sink output;
	void *payload;
	/* When set to non-zero (e.g. from a signal handler) the build is
	 * stopped. */
	volatile sig_atomic_t *cancel;
	/* Seconds the build may take (spacehook.buildTimeout); 0: no limit. */
	long timeout;
	/*
	 * May be NULL. Called once the client runs, with its process group
	 * (the client leads a session of its own; it dies with the caller's
	 * thread) and the group leader's start time (sp_proc_start_time, 0
	 * when unknown): e.g. to record it for sp_proc_kill_group.
	 */
	void (*started)(pid_t pgid, unsigned long long start_time,
	                void *payload);
	void *started_payload;
} sp_build_options;

/*
 * The cache salt of a build: "spacehook-cache-" and 32 hex digits of the
 * HMAC-SHA256, under the server's `key` (`key_len` bytes, never shown to a
 * build), of the Space id and of every secret's name and value. Two Spaces
 * never share one; one Space gets a new one when any of its secrets
 * changes, so a step that ran with a secret mounted is never reused with
 * another value or by another Space. Into `out`.
 */
int sp_build_cache_salt(sp_buf *out, const void *key, size_t key_len,
                        const char *space_id, const sp_kv *secrets);

/*
 * Build the image. Stopping (cancel or timeout) sends the client's process
 * group SIGTERM, then SIGKILL 5 seconds later. Returns 0 when the client
 * exited 0; SP_EBUILD when the build failed (the output says why),
 * SP_ECANCELED when stopped through `cancel`, SP_ETIMEOUT when it ran past
 * `timeout`, or another code when the client could not run at all.
 */
int sp_build_run(const sp_build_options *opts);

#endif
