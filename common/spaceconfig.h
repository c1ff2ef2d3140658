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
	char *header;    /* NULL, "mini", "default" */
	char *thumbnail; /* an http(s) URL */
	char *app_file;
	char *python_version; /* as written, even when unquoted */
	char *sdk_version;
	int pinned; /* booleans: 0 when absent */
	int full_width;
	int disable_embedding;
	int hf_oauth;
	int hf_oauth_expiration_minutes; /* 480 when absent */
} sp_spaceconfig;

/*
 * Find the front matter in README bytes and check it against every rule of
 * the Space config. Every problem goes into `diags` (errors and warnings, in
 * one run, positions relative to the README). On success `*out` is a new
 * config (free with sp_spaceconfig_free) and 0 is returned; when any error was
 * found, returns SP_ECONFIG and sets `*out` to NULL. Never reads past `size`;
 * NUL bytes in `data` are input, not terminators.
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

void sp_spaceconfig_free(sp_spaceconfig *config);

#endif
