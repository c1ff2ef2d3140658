/* The Engine API calls of a Docker Swarm cluster and its registry: image push
 * and pull, the swarm and its nodes, services, tasks, service logs, secrets.
 */
#ifndef SP_ENGINE_SWARM_H
#define SP_ENGINE_SWARM_H

#include <stddef.h>

#include "buf.h"
#include "engine.h"

/*
 * Everything here speaks API 1.41 (Docker 20.10) at most and follows
 * engine.h: 0 or a negative code with the last error set; SP_ENOTFOUND for
 * a 404; SP_EENGINE with the engine's message for other refusals (a node
 * that is not in a swarm answers 503: "This node is not a swarm manager...").
 */

/*
 * Split an image reference into the repository and the tag (or digest) the
 * API takes apart: "127.0.0.1:5000/spaces/a--b:abc" gives
 * "127.0.0.1:5000/spaces/a--b" and "abc"; "repo@sha256:..." gives the digest
 * as the tag; no tag gives "latest". A registry's port is never a tag.
 * SP_EINVALID for what is not a reference (engine.h's names).
 */
int sp_engine_ref_split(sp_buf *repo, sp_buf *tag, const char *ref);

/*
 * Push image `ref` (it must have the registry in its name) to its registry
 * (POST /images/{repo}/push?tag=T). `auth` is the registry's auth JSON
 * ({"username":..,"password":..,"serveraddress":..}), sent base64url-encoded
 * as X-Registry-Auth; NULL sends the empty credentials "{}" (the header is
 * required even then). The answer's JSON lines are read as they come: each
 * "status" line (with its "id" and "progress" when given) is appended to
 * `log` (NULL: dropped), one line each; an "error" line is SP_EENGINE with
 * its message. Credentials never appear in `log` or a message. The push may
 * take up to 10 times the engine's timeout. The manifest's digest
 * ("sha256:" and 64 hex digits) goes to `digest` (NULL: dropped; left empty
 * when the engine does not tell it).
 */
int sp_engine_image_push(sp_buf *log, sp_buf *digest, sp_engine *engine,
                         const char *ref, const char *auth);

/* Pull image `ref` (POST /images/create?fromImage=..&tag=..), as push. */
int sp_engine_image_pull(sp_buf *log, sp_engine *engine, const char *ref,
                         const char *auth);

/* The swarm as this engine sees it (GET /info, Swarm). Strings never NULL. */
typedef struct {
	/* LocalNodeState: "inactive" (no swarm), "pending", "active",
	 * "error", "locked"; "" when the engine does not say */
	char *state;
	char *node_id;         /* this engine's node, "" outside a swarm */
	char *node_addr;       /* its address in the swarm */
	char *error;           /* Error, "" when none */
	int control_available; /* this node is a manager */
	int nodes;             /* nodes in the swarm (managers only know) */
	int managers;
} sp_swarm_info;

/* Read the swarm state; a non-swarm engine is state "inactive", not an error.
 */
int sp_engine_swarm_info(sp_swarm_info *out, sp_engine *engine);
void sp_swarm_info_dispose(sp_swarm_info *info);

/* One node of the swarm (GET /nodes). Strings never NULL. */
typedef struct {
	char *id;
	char *hostname;     /* Description.Hostname */
	char *role;         /* Spec.Role: "manager", "worker" */
	char *availability; /* Spec.Availability: "active", "pause", "drain" */
	char *state; /* Status.State: "ready", "down", "unknown", "disconnected"
	              */
	char *message;        /* Status.Message */
	char *address;        /* Status.Addr */
	char *engine_version; /* Description.Engine.EngineVersion */
	int leader;           /* ManagerStatus.Leader */
	char *reachability;   /* ManagerStatus.Reachability, "" for workers */
	long long nano_cpus;  /* Description.Resources */
	long long memory;
	sp_engine_labels labels;        /* Spec.Labels (node.labels.*) */
	sp_engine_labels engine_labels; /* Description.Engine.Labels */
} sp_node;

typedef struct {
	sp_node *items;
	size_t count;
} sp_node_list;

/*
 * Whether the engine speaks plain HTTP to `registry` ("host[:port]"): listed
 * in its "insecure-registries" (GET /info, RegistryConfig: IndexConfigs, or
 * an IPv4 address in InsecureRegistryCIDRs, 127.0.0.0/8 by default).
 */
int sp_engine_registry_insecure(int *insecure, sp_engine *engine,
                                const char *registry);

/* Every node of the swarm; only a manager can tell. */
int sp_engine_node_list(sp_node_list *out, sp_engine *engine);
void sp_node_list_dispose(sp_node_list *list);

/* A volume mount of a service's tasks, or a bind mount of a node's path. */
typedef struct {
	const char *source; /* volume name (created on the node if absent);
	                       with `bind` the node's path (the engine
	                       expands {{.Node.ID}} and {{.Node.Hostname}}) */
	const char *target; /* absolute path in the container, e.g. "/data" */
	int read_only;
	int copy; /* copy the image's content into an empty volume (!NoCopy) */
	int bind; /* Type "bind" */
} sp_service_mount;

/* A swarm secret given to a service's tasks as a file in /run/secrets. */
typedef struct {
	const char *secret_id;   /* required */
	const char *secret_name; /* required */
	const char *file;        /* file name; NULL = secret_name */
	const char *uid;         /* NULL = "1000" */
	const char *gid;         /* NULL = "1000" */
	unsigned mode;           /* 0 = 0400 */
} sp_service_secret;

/*
 * What a service is made of. The caller owns every string; lists are
 * NULL-terminated, NULL or 0 means none or the engine's default. A service
 * runs its image's command (none is set) and replicates `replicas` tasks.
 * Updates roll one task at a time, the new task started before the old one
 * stops, watched for `update_monitor` seconds and rolled back when it fails;
 * a rollback goes the same way.
 */
typedef struct {
	const char *name;  /* required: the service's name */
	const char *image; /* required: the image reference nodes pull */
	const char *registry_auth; /* the registry's auth JSON, sent with
	                              create and update so the nodes pull
	                              with it; NULL: none ("{}") */
	const char **labels; /* service labels "key=value" (also the tasks'
	                        containers') */
	const char **env;    /* "KEY=value" */
	const char *user;    /* "1000", "1000:1000"; NULL = image's */
	long long replicas;  /* 0: none runs (paused) */
	/* Mode GlobalJob: one task on every node, run once to its end; no
	 * update or rollback config (the engine refuses one for a job) */
	int global_job;
	const char **command; /* ContainerSpec.Command; NULL: the image's */
	/* Resources.Limits and Resources.Reservations; 0 = none */
	long long nano_cpus_limit;
	long long memory_limit; /* bytes */
	long long pids_limit;
	long long nano_cpus_reservation;
	long long memory_reservation;
	/* Reservations.GenericResources: "kind=value" (a number: discrete,
	 * else named), e.g. "gpu=1", "GPU=UUID1" */
	const char **generic_resources;
	/* RestartPolicy: "none", "on-failure", "any"; NULL = "any" */
	const char *restart_condition;
	int restart_delay;        /* seconds between restarts; 0 = default */
	int restart_max_attempts; /* 0 = unbounded */
	const char **constraints; /* "node.labels.x==y", "node.id==..." */
	const sp_service_mount *mounts;
	size_t mount_count;
	/* EndpointSpec: tcp `target_port` published in host mode on
	 * `published_port` of the node that runs the task (0 = the engine
	 * picks one per task; read it from its task). 0 target = none. */
	int target_port;
	int published_port;
	/* A second tcp target port published the same way (0: none). The
	 * swarm keeps a host-mode port it once assigned for as long as the
	 * target ports stay the same: from a fixed published port to 0 a new
	 * task would wait for the old one's port. A port the Endpoint lacks
	 * makes it assign them all anew. */
	int spare_port;
	/* EndpointSpec.Mode: "vip" (NULL; a virtual IP balanced by IPVS)
	 * or "dnsrr" (DNS round robin: no IPVS needed) */
	const char *endpoint_mode;
	const char **networks; /* names or ids (TaskTemplate.Networks) */
	const sp_service_secret *secrets;
	size_t secret_count;
	/* ContainerSpec.Healthcheck: a shell command ("CMD-SHELL") run in the
	 * task `health_interval_ms` after the last run ended, given
	 * `health_timeout` seconds (0: 3); failures count once
	 * `health_start_period` seconds have passed. NULL: the image's. A task
	 * with a health check runs (and replaces the old one in an update)
	 * only once it passed. */
	const char *health_cmd;
	int health_interval_ms;
	int health_timeout;
	int health_start_period;
	int update_monitor; /* seconds an updated task is watched; 0 = 5 */
	int stop_first;     /* updates stop the old task before the new one
	                       starts (a fixed published port) */
	int stop_grace;     /* seconds before SIGKILL; 0 = engine's 10 */
	int cap_drop_all;   /* CapabilityDrop ["ALL"] */
	unsigned long long force_update; /* TaskTemplate.ForceUpdate: a new
	                                    value restarts every task */
} sp_service_spec;

/*
 * Create service `spec->name` (POST /services/create, X-Registry-Auth "{}":
 * nodes pull from the registry without credentials). Its id goes to
 * `*id_out` (caller frees). A name in use: SP_EEXISTS. The environment
 * never appears in a message.
 */
int sp_engine_service_create(char **id_out, sp_engine *engine,
                             const sp_service_spec *spec);

/* What inspect tells of a service. Strings owned by it, never NULL. */
typedef struct {
	char *id;
	char *name;
	long long version; /* Version.Index: the one an update names */
	char *image;       /* Spec.TaskTemplate.ContainerSpec.Image */
	sp_engine_labels labels;
	long long replicas; /* Spec.Mode.Replicated.Replicas; -1: not
	                       replicated */
	unsigned long long force_update;
	int tty;
	/* UpdateStatus: "updating", "paused", "completed",
	 * "rollback_started", "rollback_paused", "rollback_completed"; ""
	 * when no update ever ran */
	char *update_state;
	char *update_message;
	int has_previous; /* PreviousSpec present: a rollback is possible */
	/* Endpoint.Ports: the first tcp one's PublishedPort (0: assigned per
	 * task, or none) */
	int published_port;
	/* Spec.EndpointSpec.Ports: the first tcp one's TargetPort (the
	 * Space's app port; a spare port comes after it), 0: none */
	int target_port;
	char *previous_image;
	/* ContainerSpec.Healthcheck's command when its Test is ["CMD-SHELL",
	 * command]; "" otherwise */
	char *health_cmd;
	char *created_at;
	char *updated_at;
} sp_service_info;

/* Inspect a service by id or name; SP_ENOTFOUND when there is none. */
int sp_engine_service_inspect(sp_service_info *out, sp_engine *engine,
                              const char *id_or_name);
void sp_service_info_dispose(sp_service_info *info);

/*
 * Replace the spec of service `id` (POST /services/{id}/update?version=N,
 * X-Registry-Auth "{}"). `version` is the Version.Index read by inspect
 * (0: read it now); an outdated one is refused by the engine (SP_EENGINE,
 * "update out of sequence"). With `rollback` the engine goes back to the
 * service's previous spec (rollback=previous): `spec` is ignored and may be
 * NULL; the current spec is sent back, as the API wants a body. A service
 * that does not exist: SP_ENOTFOUND.
 */
int sp_engine_service_update(sp_engine *engine, const char *id,
                             long long version, const sp_service_spec *spec,
                             int rollback);

/*
 * Whether the last error is the engine refusing an update for an outdated
 * version ("update out of sequence"). The engine bumps a service's version
 * itself as an update it runs moves on (updating, completed, rolled back),
 * so a version read a moment ago can be outdated with nobody else at work.
 */
int sp_engine_out_of_sequence(void);

/* How often an update refused as out of sequence is tried, in all. */
#define SP_SERVICE_UPDATE_TRIES 5

/*
 * Change only the number of tasks of service `id` (`replicas` >= 0; -1
 * keeps it) and, with `force`, replace every task (ForceUpdate + 1), from
 * the spec it has now. Refused as out of sequence, it reads the version
 * again, up to SP_SERVICE_UPDATE_TRIES times.
 */
int sp_engine_service_scale(sp_engine *engine, const char *id,
                            long long replicas, int force);

/* Remove a service (its tasks stop). Missing: SP_ENOTFOUND. */
int sp_engine_service_remove(sp_engine *engine, const char *id);

typedef struct {
	sp_service_info *items;
	size_t count;
} sp_service_list;

/* Services carrying `label_filter` ("key=value" or "key"; NULL = all). */
int sp_engine_service_list(sp_service_list *out, sp_engine *engine,
                           const char *label_filter);
void sp_service_list_dispose(sp_service_list *list);

/* One task of a service (GET /tasks). Strings never NULL. */
typedef struct {
	char *id;
	char *service_id;
	char *node_id; /* "" until scheduled */
	int slot;
	char *desired_state; /* "running", "shutdown", ... */
	/* Status.State: "new", "allocated", "pending", "assigned",
	 * "accepted", "preparing", "ready", "starting", "running",
	 * "complete", "shutdown", "failed", "rejected", "remove", "orphaned" */
	char *state;
	char *message;      /* Status.Message */
	char *error;        /* Status.Err, "" when none */
	char *container_id; /* Status.ContainerStatus.ContainerID */
	int exit_code;
	char *image;                     /* Spec.ContainerSpec.Image */
	unsigned long long force_update; /* Spec.ForceUpdate */
	char *created_at;
	char *updated_at;
	char *timestamp; /* Status.Timestamp */
	/* NetworksAttachments[].Addresses without their prefix length */
	char **addresses;
	size_t address_count;
	/* Status.PortStatus: the first tcp port published; 0 when none */
	int target_port;
	int published_port;
	/* all of its tcp ports (at most four), for sp_task_port */
	int ports[4][2]; /* target, published */
	size_t port_count;
} sp_task;

/* The port task `t` publishes for its `target` port; 0 when none. */
int sp_task_port(const sp_task *t, int target);

typedef struct {
	sp_task *items;
	size_t count;
} sp_task_list;

/*
 * The tasks of service `service_id` (id or name), old ones included (the
 * engine keeps a few per slot), in the engine's order.
 */
int sp_engine_task_list(sp_task_list *out, sp_engine *engine,
                        const char *service_id);
void sp_task_list_dispose(sp_task_list *list);

/*
 * Read a service's logs (every task's), as sp_engine_container_logs reads
 * a container's: the last `tail` lines (-1 = all), `follow` to keep reading.
 */
int sp_engine_service_logs(sp_engine *engine, const char *id, int tail,
                           int follow, sp_engine_log_cb cb, void *payload);

/* The same for one task `task` of service `service` (GET /tasks/{id}/logs).
 */
int sp_engine_task_logs(sp_engine *engine, const char *service,
                        const char *task, int tail, int follow,
                        sp_engine_log_cb cb, void *payload);

/*
 * Create swarm secret `name` holding `len` bytes of `data` (at most 500 KiB;
 * sent base64-encoded, the copies wiped) with `labels` ("key=value",
 * NULL-terminated, may be NULL). Its id goes to `*id_out` (caller frees).
 * The value never appears in a message. A name in use: SP_EEXISTS.
 */
int sp_engine_secret_create(char **id_out, sp_engine *engine, const char *name,
                            const void *data, size_t len, const char **labels);

/* Remove a secret; missing: SP_ENOTFOUND; in use by a service: SP_EENGINE.
 */
int sp_engine_secret_remove(sp_engine *engine, const char *id);

typedef struct {
	char *id;
	char *name;
	char *created_at;
	long long version;
	sp_engine_labels labels;
} sp_secret_summary;

typedef struct {
	sp_secret_summary *items;
	size_t count;
} sp_secret_list;

/* Secrets carrying `label_filter` ("key=value" or "key"; NULL = all). */
int sp_engine_secret_list(sp_secret_list *out, sp_engine *engine,
                          const char *label_filter);
void sp_secret_list_dispose(sp_secret_list *list);

#endif
