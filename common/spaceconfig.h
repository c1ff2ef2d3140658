/* The Space config: the YAML block at the top of README.md, parsed and checked
 * against every rule. */
#ifndef SP_SPACECONFIG_H
#define SP_SPACECONFIG_H

#include <stddef.h>

#include "diag.h"

/* Bounds on untrusted input (ours). */
#define SP_README_MAX_SIZE (16u * 1024 * 1024) /* README.md blob */
#define SP_FRONTMATTER_MAX_SIZE (64u * 1024)   /* the YAML block */

/*
 * What the rest of spacehook needs from a valid config. Strings are owned by
 * the struct and NULL when the key is absent.
 */
typedef struct {
	char *sdk;         /* "docker", ... */
	unsigned sdk_line; /* position of the sdk value, for messages */
	unsigned sdk_column;
	char *title;
	char *emoji;
	char *color_from;
	char *color_to;
	char *short_description;
	int app_port;             /* 7860 when absent */
	long startup_timeout;     /* seconds; 1800 when absent */
	char *suggested_hardware; /* NULL = cpu-basic */
	char *suggested_storage;  /* NULL, "small", "medium", "large" */
	char *base_path;
	char *header;             /* NULL, "mini", "default" */
	char *thumbnail;          /* an http(s) URL */
	char *app_file;           /* NULL when absent */
	unsigned app_file_line;   /* position of the app_file value, 0 when */
	unsigned app_file_column; /* absent */
	char *python_version;     /* as written, even when unquoted */
	char *sdk_version;
	int pinned; /* booleans: 0 when absent */
	int full_width;
	int disable_embedding;
	int hf_oauth;
	int hf_oauth_expiration_minutes; /* 480 when absent */
} sp_spaceconfig;

/*
 * Find the front matter in README bytes and check it against every rule of
 * the Space config, for a server that serves only "sdk: docker". Every problem
 * goes into `diags` (errors and warnings, in one run, positions relative to the
 * README). On success `*out` is a new config (free with sp_spaceconfig_free)
 * and 0 is returned; when any error was found, returns SP_ECONFIG and sets
 * `*out` to NULL. Never reads past `size`; NUL bytes in `data` are input, not
 * terminators.
 */
int sp_spaceconfig_parse(sp_spaceconfig **out, sp_diag_list *diags,
                         const char *data, size_t size);

/*
 * Like sp_spaceconfig_parse, but when the block could be read and has errors
 * `*out` still gets what was valid in it (for example `sdk`, so that a
 * missing Dockerfile is reported with the other problems), and SP_ECONFIG is
 * returned. `*out` is NULL only when no block was found or it could not be
 * parsed at all. Free it with sp_spaceconfig_free either way.
 */
int sp_spaceconfig_parse_partial(sp_spaceconfig **out, sp_diag_list *diags,
                                 const char *data, size_t size);

/* sp_spaceconfig_parse_with flags: as sp_spaceconfig_parse_partial; */
#define SP_SPACECONFIG_PARTIAL 0x1
/* "sdk: static" is served; */
#define SP_SPACECONFIG_STATIC 0x2
/* "sdk: docker" is not served (refused). */
#define SP_SPACECONFIG_NO_DOCKER 0x4

/*
 * sp_spaceconfig_parse, or with SP_SPACECONFIG_PARTIAL in `flags`
 * sp_spaceconfig_parse_partial, for a server that serves the sdks `flags`
 * name: "docker" unless SP_SPACECONFIG_NO_DOCKER, "static" with
 * SP_SPACECONFIG_STATIC. Any other sdk is refused as sp_spaceconfig_parse
 * refuses it. The config itself never needs more than the sdk to be
 * served: whether the files it names are there is verify's check.
 */
int sp_spaceconfig_parse_with(sp_spaceconfig **out, sp_diag_list *diags,
                              const char *data, size_t size, unsigned flags);

void sp_spaceconfig_free(sp_spaceconfig *config);

#endif
