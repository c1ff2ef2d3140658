/* The Space config validator: libyaml events into a small bounded tree, then
 * every rule of the config. */
#include "spaceconfig.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "duration.h"
#include "error.h"
#include "frontmatter.h"
#include "licenses.h"
#include "utf8.h"

#include "banned.h"

/* Bounds (ours). */
#define SPACECONFIG_MAX_DEPTH 64        /* nested collections */
#define SPACECONFIG_MAX_EXPANSION 10000 /* nodes that aliases stand for */
#define SPACECONFIG_MAX_DIAGS 500       /* problems listed; then a count */
#define SPACECONFIG_MAX_QUOTED 60       /* code points of a value quoted */
#define SPACECONFIG_MAX_TIMEOUT (365L * 24 * 3600)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

typedef enum { NODE_SCALAR, NODE_SEQUENCE, NODE_MAPPING, NODE_ALIAS } node_kind;

typedef enum {
	TYPE_NULL,
	TYPE_BOOL,
	TYPE_INT,
	TYPE_FLOAT,
	TYPE_STR
} scalar_type;

typedef struct node {
	node_kind kind;
	unsigned line, column; /* README position of the node's start */
	char *value;           /* scalar text, NUL-terminated (may hold NULs) */
	size_t len;
	scalar_type type;    /* of a scalar, by the core schema */
	char *anchor;        /* registered when the node is complete */
	struct node *target; /* of an alias */
	struct node **items; /* sequence items; mapping keys and values */
	size_t count, alloc;
	size_t size;       /* nodes it stands for, aliases expanded */
	int open;          /* collection not ended yet */
	int duplicate;     /* a mapping key seen before in its mapping */
	struct node *next; /* every node, for freeing */
} node;

typedef struct {
	char *name;
	node *target;
} anchor_entry;

typedef struct {
	sp_diag_list diags; /* this run's problems, sorted at the end */
	int errors;         /* errors found, shown or not */
	size_t hidden;      /* problems past SPACECONFIG_MAX_DIAGS */
	const sp_frontmatter *fm;
	node *all;
	node *stack[SPACECONFIG_MAX_DEPTH];
	size_t depth;
	node *root;
	anchor_entry *anchors; /* open addressing, power-of-two size */
	size_t anchors_count, anchors_alloc;
	size_t expanded;
	int fatal;      /* the YAML could not be read to its end */
	unsigned flags; /* SP_SPACECONFIG_*: the sdks served */
} parse_ctx;

/*
 * Problems
 */

static void ctx_vdiag(parse_ctx *ctx, sp_diag_severity severity, unsigned line,
                      unsigned column, const char *fmt, va_list ap)
{
	sp_buf msg = SP_BUF_INIT;

	if (severity == SP_DIAG_ERROR)
		ctx->errors++;
	if (ctx->diags.count >= SPACECONFIG_MAX_DIAGS) {
		ctx->hidden++;
		return;
	}
	sp_buf_vprintf(&msg, fmt, ap);
	sp_diag_add(&ctx->diags, severity, line, column, "%s", msg.ptr);
	sp_buf_dispose(&msg);
}

static void ctx_diag_at(parse_ctx *ctx, sp_diag_severity severity,
                        unsigned line, unsigned column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void ctx_diag_at(parse_ctx *ctx, sp_diag_severity severity,
                        unsigned line, unsigned column, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctx_vdiag(ctx, severity, line, column, fmt, ap);
	va_end(ap);
}

static void ctx_error(parse_ctx *ctx, const node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ctx_error(parse_ctx *ctx, const node *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctx_vdiag(ctx, SP_DIAG_ERROR, at->line, at->column, fmt, ap);
	va_end(ap);
}

static void ctx_warning(parse_ctx *ctx, const node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ctx_warning(parse_ctx *ctx, const node *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctx_vdiag(ctx, SP_DIAG_WARNING, at->line, at->column, fmt, ap);
	va_end(ap);
}

/* Append `s` quoted and escaped, cut after SPACECONFIG_MAX_QUOTED code points.
 */
static void quote_put(sp_buf *out, const char *s, size_t len)
{
	size_t i, chars = 0;

	sp_buf_putc(out, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c & 0xc0) != 0x80 && chars++ == SPACECONFIG_MAX_QUOTED) {
			sp_buf_puts(out, "...");
			break;
		}
		if (c == '"' || c == '\\')
			sp_buf_printf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			sp_buf_printf(out, "\\x%02x", c);
		else
			sp_buf_putc(out, (char)c);
	}
	sp_buf_putc(out, '"');
}

/* What a value is, for "(got ...)": the quoted scalar, or its kind. */
static const char *node_got(sp_buf *out, const node *n)
{
	sp_buf_clear(out);
	if (n->kind == NODE_SEQUENCE)
		sp_buf_puts(out, "a list");
	else if (n->kind == NODE_MAPPING)
		sp_buf_puts(out, "a mapping");
	else if (n->type == TYPE_NULL && n->len == 0)
		sp_buf_puts(out, "nothing");
	else
		quote_put(out, n->value, n->len);
	return out->ptr;
}

/*
 * The tree
 */

static node *node_new(parse_ctx *ctx, node_kind kind, yaml_mark_t mark)
{
	node *n = sp_calloc(1, sizeof(*n));

	n->kind = kind;
	n->line = ctx->fm->body_line + (unsigned)mark.line;
	n->column = (unsigned)mark.column + 1;
	n->size = 1;
	n->next = ctx->all;
	ctx->all = n;
	return n;
}

static void node_free_all(node *n)
{
	while (n) {
		node *next = n->next;

		free(n->value);
		free(n->anchor);
		free(n->items);
		free(n);
		n = next;
	}
}

static const node *node_resolve(const node *n)
{
	return n->kind == NODE_ALIAS ? n->target : n;
}

static void node_append(node *parent, node *child)
{
	if (parent->count == parent->alloc) {
		size_t alloc = parent->alloc ? parent->alloc * 2 : 8;
		node **items = realloc(parent->items, alloc * sizeof(*items));

		if (!items)
			abort();
		parent->items = items;
		parent->alloc = alloc;
	}
	parent->items[parent->count++] = child;
}

static size_t size_add(size_t a, size_t b)
{
	size_t sum = a + b;

	return sum < a || sum > SPACECONFIG_MAX_EXPANSION + 1
	           ? SPACECONFIG_MAX_EXPANSION + 1
	           : sum;
}

static int is_digits(const char *s, size_t len, const char *set)
{
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		if (!s[i] || !strchr(set, s[i]))
			return 0;
	return 1;
}

static int text_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* The YAML 1.2 core schema type of a plain scalar's text. */
static scalar_type core_type(const char *s, size_t len)
{
	const char *p = s;
	size_t n = len, digits = 0;

	if (len == 0 || text_is(s, len, "~") || text_is(s, len, "null") ||
	    text_is(s, len, "Null") || text_is(s, len, "NULL"))
		return TYPE_NULL;
	if (text_is(s, len, "true") || text_is(s, len, "True") ||
	    text_is(s, len, "TRUE") || text_is(s, len, "false") ||
	    text_is(s, len, "False") || text_is(s, len, "FALSE"))
		return TYPE_BOOL;
	if (len > 2 && s[0] == '0' && s[1] == 'o' &&
	    is_digits(s + 2, len - 2, "01234567"))
		return TYPE_INT;
	if (len > 2 && s[0] == '0' && s[1] == 'x' &&
	    is_digits(s + 2, len - 2, "0123456789abcdefABCDEF"))
		return TYPE_INT;
	if (*p == '-' || *p == '+') {
		p++;
		n--;
	}
	if (is_digits(p, n, "0123456789"))
		return TYPE_INT;
	if (text_is(p, n, ".inf") || text_is(p, n, ".Inf") ||
	    text_is(p, n, ".INF") || text_is(s, len, ".nan") ||
	    text_is(s, len, ".NaN") || text_is(s, len, ".NAN"))
		return TYPE_FLOAT;
	/* [0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)? with a digit in the mantissa */
	while (n && *p >= '0' && *p <= '9') {
		p++;
		n--;
		digits++;
	}
	if (n && *p == '.') {
		p++;
		n--;
		while (n && *p >= '0' && *p <= '9') {
			p++;
			n--;
			digits++;
		}
	}
	if (!digits)
		return TYPE_STR;
	if (n && (*p == 'e' || *p == 'E')) {
		p++;
		n--;
		if (n && (*p == '-' || *p == '+')) {
			p++;
			n--;
		}
		if (!is_digits(p, n, "0123456789"))
			return TYPE_STR;
		n = 0;
	}
	return n ? TYPE_STR : TYPE_FLOAT;
}

static scalar_type scalar_event_type(const yaml_event_t *event)
{
	const char *tag = (const char *)event->data.scalar.tag;
	const char *value = (const char *)event->data.scalar.value;
	size_t len = event->data.scalar.length;
	int plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;

	if (tag) {
		if (!strcmp(tag, "!") || !strcmp(tag, YAML_STR_TAG))
			return TYPE_STR;
		if (!strcmp(tag, YAML_NULL_TAG) ||
		    !strcmp(tag, YAML_BOOL_TAG) || !strcmp(tag, YAML_INT_TAG) ||
		    !strcmp(tag, YAML_FLOAT_TAG))
			plain = 1;
	}
	return plain ? core_type(value, len) : TYPE_STR;
}

static uint32_t anchor_hash(const char *name)
{
	uint32_t h = 2166136261u;

	while (*name)
		h = (h ^ (unsigned char)*name++) * 16777619u;
	return h;
}

static anchor_entry *anchor_slot(parse_ctx *ctx, const char *name)
{
	size_t mask = ctx->anchors_alloc - 1, i;

	for (i = anchor_hash(name) & mask;; i = (i + 1) & mask)
		if (!ctx->anchors[i].name ||
		    !strcmp(ctx->anchors[i].name, name))
			return &ctx->anchors[i];
}

static void anchor_register(parse_ctx *ctx, node *n)
{
	anchor_entry *slot;

	if (!n->anchor)
		return;
	if ((ctx->anchors_count + 1) * 2 > ctx->anchors_alloc) {
		anchor_entry *old = ctx->anchors;
		size_t old_alloc = ctx->anchors_alloc, i;

		ctx->anchors_alloc = old_alloc ? old_alloc * 2 : 64;
		ctx->anchors = sp_calloc(ctx->anchors_alloc, sizeof(*old));
		for (i = 0; i < old_alloc; i++)
			if (old[i].name)
				*anchor_slot(ctx, old[i].name) = old[i];
		free(old);
	}
	slot = anchor_slot(ctx, n->anchor);
	if (!slot->name)
		ctx->anchors_count++;
	slot->name = n->anchor; /* owned by the node */
	slot->target = n;
}

static node *anchor_find(parse_ctx *ctx, const char *name)
{
	anchor_entry *slot;

	if (!ctx->anchors_alloc)
		return NULL;
	slot = anchor_slot(ctx, name);
	return slot->name ? slot->target : NULL;
}

static char *copy_bytes(const unsigned char *data, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		abort();
	if (len)
		memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/* Put a complete node (scalar or alias) or a new collection in its parent. */
static void tree_attach(parse_ctx *ctx, node *n, const unsigned char *anchor)
{
	if (anchor)
		n->anchor = copy_bytes(anchor, strlen((const char *)anchor));
	if (ctx->depth)
		node_append(ctx->stack[ctx->depth - 1], n);
	else if (!ctx->root)
		ctx->root = n;
}

typedef struct {
	const node *key;
	size_t index;
} key_ref;

static int key_ref_cmp(const void *a, const void *b)
{
	const key_ref *x = a, *y = b;
	int c;

	if (x->key->len != y->key->len)
		return x->key->len < y->key->len ? -1 : 1;
	c = memcmp(x->key->value, y->key->value, x->key->len);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Mark the keys seen before in a mapping (sorted, so large ones stay fast). */
static void tree_check_duplicates(parse_ctx *ctx, node *map)
{
	key_ref *refs;
	size_t i, n = 0, first;
	sp_buf quoted = SP_BUF_INIT;

	refs = sp_calloc(map->count / 2 + 1, sizeof(*refs));
	for (i = 0; i + 1 < map->count; i += 2) {
		const node *key = node_resolve(map->items[i]);

		if (key->kind != NODE_SCALAR)
			continue;
		refs[n].key = key;
		refs[n].index = i;
		n++;
	}
	qsort(refs, n, sizeof(*refs), key_ref_cmp);
	for (i = 1, first = 0; i < n; i++) {
		node *dup;

		if (refs[i].key->len != refs[first].key->len ||
		    memcmp(refs[i].key->value, refs[first].key->value,
		           refs[i].key->len)) {
			first = i;
			continue;
		}
		dup = map->items[refs[i].index];
		dup->duplicate = 1;
		sp_buf_clear(&quoted);
		quote_put(&quoted, refs[i].key->value, refs[i].key->len);
		ctx_error(ctx, dup, "duplicate key %s (first at line %u)",
		          quoted.ptr, map->items[refs[first].index]->line);
	}
	sp_buf_dispose(&quoted);
	free(refs);
}

static void tree_libyaml_error(parse_ctx *ctx, const yaml_parser_t *parser)
{
	unsigned line, column;
	const char *problem =
	    parser->problem ? parser->problem : "unknown error";

	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		ctx_diag_at(ctx, SP_DIAG_ERROR, ctx->fm->body_line, 1,
		            "out of memory while reading the YAML");
		break;
	case YAML_READER_ERROR:
		sp_frontmatter_position(&line, &column, ctx->fm,
		                        parser->problem_offset);
		if (parser->problem_value != -1)
			ctx_diag_at(ctx, SP_DIAG_ERROR, line, column,
			            "invalid YAML: %s (#x%02X)", problem,
			            (unsigned)parser->problem_value);
		else
			ctx_diag_at(ctx, SP_DIAG_ERROR, line, column,
			            "invalid YAML: %s", problem);
		break;
	default:
		line = ctx->fm->body_line + (unsigned)parser->problem_mark.line;
		column = (unsigned)parser->problem_mark.column + 1;
		if (parser->context)
			ctx_diag_at(ctx, SP_DIAG_ERROR, line, column,
			            "invalid YAML: %s (%s at line %u)", problem,
			            parser->context,
			            ctx->fm->body_line +
			                (unsigned)parser->context_mark.line);
		else
			ctx_diag_at(ctx, SP_DIAG_ERROR, line, column,
			            "invalid YAML: %s", problem);
		break;
	}
}

/* One event into the tree; 0 to go on, 1 at the end, -1 when it cannot. */
static int tree_event(parse_ctx *ctx, const yaml_event_t *event,
                      unsigned *documents)
{
	node *n;
	const unsigned char *anchor = NULL;

	switch (event->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		if (++*documents > 1) {
			n = node_new(ctx, NODE_SCALAR, event->start_mark);
			ctx_error(ctx, n,
			          "the front matter must hold one YAML "
			          "document; a second one starts here");
			return -1;
		}
		return 0;
	case YAML_SCALAR_EVENT:
		n = node_new(ctx, NODE_SCALAR, event->start_mark);
		n->value = copy_bytes(event->data.scalar.value,
		                      event->data.scalar.length);
		n->len = event->data.scalar.length;
		n->type = scalar_event_type(event);
		tree_attach(ctx, n, event->data.scalar.anchor);
		anchor_register(ctx, n);
		return 0;
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)event->data.alias.anchor;
		node *target = anchor_find(ctx, name);
		sp_buf quoted = SP_BUF_INIT;

		n = node_new(ctx, NODE_ALIAS, event->start_mark);
		quote_put(&quoted, name, strlen(name));
		if (!target) {
			ctx_error(ctx, n,
			          "alias %s refers to no anchor defined "
			          "before it",
			          quoted.ptr);
			sp_buf_dispose(&quoted);
			return -1;
		}
		ctx->expanded = size_add(ctx->expanded, target->size);
		if (ctx->expanded > SPACECONFIG_MAX_EXPANSION) {
			ctx_error(ctx, n,
			          "alias %s makes the front matter "
			          "stand for more than %d values; anchors and "
			          "aliases are refused past that",
			          quoted.ptr, SPACECONFIG_MAX_EXPANSION);
			sp_buf_dispose(&quoted);
			return -1;
		}
		sp_buf_dispose(&quoted);
		n->target = target;
		n->size = target->size;
		tree_attach(ctx, n, NULL);
		return 0;
	}
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		n = node_new(ctx,
		             event->type == YAML_SEQUENCE_START_EVENT
		                 ? NODE_SEQUENCE
		                 : NODE_MAPPING,
		             event->start_mark);
		if (ctx->depth == SPACECONFIG_MAX_DEPTH) {
			ctx_error(ctx, n,
			          "the front matter nests deeper than "
			          "%d levels",
			          SPACECONFIG_MAX_DEPTH);
			return -1;
		}
		anchor = event->type == YAML_SEQUENCE_START_EVENT
		             ? event->data.sequence_start.anchor
		             : event->data.mapping_start.anchor;
		n->open = 1;
		tree_attach(ctx, n, anchor);
		ctx->stack[ctx->depth++] = n;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		size_t i;

		if (!ctx->depth)
			return -1;
		n = ctx->stack[--ctx->depth];
		n->open = 0;
		for (i = 0; i < n->count; i++)
			n->size = size_add(n->size, n->items[i]->size);
		if (n->kind == NODE_MAPPING)
			tree_check_duplicates(ctx, n);
		anchor_register(ctx, n);
		return 0;
	}
	default:
		return 0;
	}
}

/* Read the whole block into ctx->root; reports what stops it. */
static void tree_build(parse_ctx *ctx)
{
	yaml_parser_t parser;
	yaml_event_t event;
	unsigned documents = 0;
	int rc = 0;

	if (!yaml_parser_initialize(&parser)) {
		ctx_diag_at(ctx, SP_DIAG_ERROR, ctx->fm->body_line, 1,
		            "out of memory while reading the YAML");
		ctx->fatal = 1;
		return;
	}
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(
	    &parser, (const unsigned char *)ctx->fm->body, ctx->fm->body_size);
	while (rc == 0) {
		if (!yaml_parser_parse(&parser, &event)) {
			tree_libyaml_error(ctx, &parser);
			rc = -1;
			break;
		}
		rc = tree_event(ctx, &event, &documents);
		yaml_event_delete(&event);
	}
	if (rc < 0)
		ctx->fatal = 1;
	yaml_parser_delete(&parser);
}

/*
 * Values
 */

static const char *const sdk_values[] = {"docker", "gradio", "static",
                                         "streamlit"};
static const char *const color_values[] = {"red",    "yellow", "green", "blue",
                                           "indigo", "purple", "pink",  "gray"};
/*
 * huggingface.js SpaceHardwareFlavor (packages/hub/src/types/public.ts), in
 * its order; huggingface_hub's SpaceHardware (src/huggingface_hub/
 * _space_api.py) lists a subset of it.
 */
static const char *const hardware_values[] = {
    "cpu-basic",  "cpu-upgrade",  "cpu-performance", "cpu-xl",     "sprx8",
    "zero-a10g",  "inf2x6",       "t4-small",        "t4-medium",  "l4x1",
    "l4x4",       "l40sx1",       "l40sx4",          "l40sx8",     "a10g-small",
    "a10g-large", "a10g-largex2", "a10g-largex4",    "a100-large", "a100x4",
    "a100x8"};
static const char *const storage_values[] = {"small", "medium", "large"};
static const char *const header_values[] = {"mini", "default"};
static const char *const scope_values[] = {
    "openid",        "profile",          "email",
    "read-billing",  "read-memberships", "read-repos",
    "gated-repos",   "contribute-repos", "write-repos",
    "manage-repos",  "read-collections", "write-collections",
    "inference-api", "read-endpoints",   "write-endpoints",
    "jobs",          "webhooks",         "write-discussions"};
static const char *const coep_values[] = {"unsafe-none", "require-corp",
                                          "credentialless"};
static const char *const coop_values[] = {
    "same-origin", "same-origin-allow-popups", "unsafe-none"};
static const char *const corp_values[] = {"same-site", "same-origin",
                                          "cross-origin"};

static const char *list_text(sp_buf *out, const char *const *values,
                             size_t count)
{
	size_t i;

	sp_buf_clear(out);
	sp_buf_putc(out, '[');
	for (i = 0; i < count; i++)
		sp_buf_printf(out, "%s%s", i ? ", " : "", values[i]);
	sp_buf_putc(out, ']');
	return out->ptr;
}

static int in_list(const node *v, const char *const *values, size_t count)
{
	size_t i;

	if (v->kind != NODE_SCALAR || v->type == TYPE_NULL)
		return 0;
	for (i = 0; i < count; i++)
		if (text_is(v->value, v->len, values[i]))
			return 1;
	return 0;
}

/* Report `what` must be one of `values` unless it is; 1 when it is. */
static int check_one_of(parse_ctx *ctx, const char *what, const node *at,
                        const node *v, const char *const *values, size_t count)
{
	sp_buf list = SP_BUF_INIT, got = SP_BUF_INIT;

	if (in_list(v, values, count))
		return 1;
	ctx_error(ctx, at, "%s must be one of %s (got %s)", what,
	          list_text(&list, values, count), node_got(&got, v));
	sp_buf_dispose(&list);
	sp_buf_dispose(&got);
	return 0;
}

static int has_control(const node *v)
{
	size_t i;

	for (i = 0; i < v->len; i++) {
		unsigned char c = (unsigned char)v->value[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0x7f)
			return 1;
	}
	return 0;
}

/* A text value: any scalar but null, kept as written. 1 when it is one. */
static int check_text(parse_ctx *ctx, const char *what, const node *at,
                      const node *v)
{
	sp_buf got = SP_BUF_INIT;

	if (v->kind != NODE_SCALAR || v->type == TYPE_NULL) {
		ctx_error(ctx, at, "%s must be a string (got %s)", what,
		          node_got(&got, v));
		sp_buf_dispose(&got);
		return 0;
	}
	if (has_control(v)) {
		ctx_error(ctx, at,
		          "%s must not hold control characters "
		          "(got %s)",
		          what, node_got(&got, v));
		sp_buf_dispose(&got);
		return 0;
	}
	return 1;
}

/* Parse a core-schema integer's text; 0 when it fits in a long long. */
static int int_parse(long long *out, const char *s, size_t len)
{
	unsigned long long value = 0, limit = (unsigned long long)LLONG_MAX;
	unsigned base = 10;
	int negative = 0;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
		base = s[1] == 'x' ? 16 : 8;
		i = 2;
	} else if (len && (s[0] == '-' || s[0] == '+')) {
		negative = s[0] == '-';
		i = 1;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		if (d >= base || value > (limit - d) / base)
			return -1;
		value = value * base + d;
	}
	*out = negative ? -(long long)value : (long long)value;
	return 0;
}

/*
 * An integer from lo to hi. A quoted number is taken with a warning (ours).
 * 1 and `*out` set when it is one.
 */
static int check_int(parse_ctx *ctx, const char *what, const node *at,
                     const node *v, long long lo, long long hi, long long *out)
{
	sp_buf got = SP_BUF_INIT;
	long long value;
	int ok = 0;

	if (v->kind == NODE_SCALAR &&
	    (v->type == TYPE_INT ||
	     (v->type == TYPE_STR &&
	      core_type(v->value, v->len) == TYPE_INT)) &&
	    int_parse(&value, v->value, v->len) == 0 && value >= lo &&
	    value <= hi) {
		if (v->type == TYPE_STR)
			ctx_warning(ctx, at,
			            "%s should be an integer, not the "
			            "string %s; read as %lld",
			            what, node_got(&got, v), value);
		*out = value;
		ok = 1;
	} else {
		ctx_error(ctx, at,
		          "%s must be an integer from %lld to %lld "
		          "(got %s)",
		          what, lo, hi, node_got(&got, v));
	}
	sp_buf_dispose(&got);
	return ok;
}

static int check_bool(parse_ctx *ctx, const char *what, const node *at,
                      const node *v, int *out)
{
	sp_buf got = SP_BUF_INIT;

	if (v->kind == NODE_SCALAR && v->type == TYPE_BOOL) {
		*out = v->value[0] == 't' || v->value[0] == 'T';
		return 1;
	}
	ctx_error(ctx, at, "%s must be true or false (got %s)", what,
	          node_got(&got, v));
	sp_buf_dispose(&got);
	return 0;
}

/* Length as Hugging Face counts it: UTF-16 code units. */
static size_t utf16_length(const char *s, size_t len)
{
	size_t pos = 0, units = 0;
	uint32_t c;

	while (pos < len) {
		pos += sp_utf8_decode(&c, s + pos, len - pos);
		units += c >= 0x10000 ? 2 : 1;
	}
	return units;
}

/* Extended_Pictographic, closely enough for "is this an emoji". */
static int is_pictographic(uint32_t c)
{
	static const uint32_t ranges[][2] = {
	    {0x00a9, 0x00a9},   {0x00ae, 0x00ae},   {0x203c, 0x203c},
	    {0x2049, 0x2049},   {0x2122, 0x2122},   {0x2139, 0x2139},
	    {0x2194, 0x2199},   {0x21a9, 0x21aa},   {0x231a, 0x231b},
	    {0x2328, 0x2328},   {0x2388, 0x2388},   {0x23cf, 0x23cf},
	    {0x23e9, 0x23f3},   {0x23f8, 0x23fa},   {0x24c2, 0x24c2},
	    {0x25aa, 0x25ab},   {0x25b6, 0x25b6},   {0x25c0, 0x25c0},
	    {0x25fb, 0x25fe},   {0x2600, 0x27bf},   {0x2934, 0x2935},
	    {0x2b05, 0x2b07},   {0x2b1b, 0x2b1c},   {0x2b50, 0x2b50},
	    {0x2b55, 0x2b55},   {0x3030, 0x3030},   {0x303d, 0x303d},
	    {0x3297, 0x3297},   {0x3299, 0x3299},   {0x1f000, 0x1f1e5},
	    {0x1f200, 0x1f3fa}, {0x1f400, 0x1faff}, {0x1fc00, 0x1fffd},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ranges); i++)
		if (c >= ranges[i][0] && c <= ranges[i][1])
			return 1;
	return 0;
}

#define IS_REGIONAL(c) ((c) >= 0x1f1e6 && (c) <= 0x1f1ff)
#define IS_MODIFIER(c) ((c) >= 0x1f3fb && (c) <= 0x1f3ff)
#define IS_TAG(c) ((c) >= 0xe0020 && (c) <= 0xe007e)

/* One emoji element at cps[*i]: flag, keycap, or pictograph with its extras. */
static int emoji_element(const uint32_t *cps, size_t n, size_t *i)
{
	size_t k = *i;

	if (k >= n)
		return 0;
	if (IS_REGIONAL(cps[k])) {
		if (k + 1 >= n || !IS_REGIONAL(cps[k + 1]))
			return 0;
		*i = k + 2;
		return 1;
	}
	if ((cps[k] >= '0' && cps[k] <= '9') || cps[k] == '#' ||
	    cps[k] == '*') {
		k++;
		if (k < n && cps[k] == 0xfe0f)
			k++;
		if (k >= n || cps[k] != 0x20e3)
			return 0;
		*i = k + 1;
		return 1;
	}
	if (IS_MODIFIER(cps[k])) {
		*i = k + 1;
		return 1;
	}
	if (!is_pictographic(cps[k]))
		return 0;
	k++;
	if (k < n && (cps[k] == 0xfe0f || cps[k] == 0xfe0e))
		k++;
	if (k < n && IS_MODIFIER(cps[k]))
		k++;
	if (k < n && IS_TAG(cps[k])) {
		while (k < n && IS_TAG(cps[k]))
			k++;
		if (k >= n || cps[k] != 0xe007f)
			return 0;
		k++;
	}
	*i = k;
	return 1;
}

/* Is the text one emoji (one grapheme: ZWJ sequences, flags, keycaps)? */
static int is_single_emoji(const char *s, size_t len)
{
	uint32_t cps[32] = {0};
	size_t n = 0, pos = 0, i = 0;

	while (pos < len) {
		if (n == ARRAY_SIZE(cps))
			return 0;
		pos += sp_utf8_decode(&cps[n++], s + pos, len - pos);
	}
	if (!emoji_element(cps, n, &i))
		return 0;
	while (i < n && cps[i] == 0x200d) {
		i++;
		if (!emoji_element(cps, n, &i))
			return 0;
	}
	return i == n;
}

/* A Hub repository id: "name" or "owner/name" of [A-Za-z0-9._-]. */
static int is_repo_id(const char *s, size_t len)
{
	size_t i, slashes = 0;

	if (!len || s[0] == '/' || s[len - 1] == '/' || len > 200)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '/') {
			if (++slashes > 1 || s[i - 1] == '/')
				return 0;
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		             (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		             c == '-')) {
			return 0;
		}
	}
	return 1;
}

/* "repo", "repo file1,file2" or "repo file1,file2 commit". */
static int preload_entry_ok(const char *s, size_t len)
{
	const char *fields[4];
	size_t lens[4], n = 0, i = 0, k;

	while (i < len) {
		size_t start;

		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			break;
		if (n == 3)
			return 0;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		fields[n] = s + start;
		lens[n++] = i - start;
	}
	if (!n || !is_repo_id(fields[0], lens[0]))
		return 0;
	if (n >= 2) {
		/* file1,file2: no empty name */
		const char *f = fields[1];

		if (f[0] == ',' || f[lens[1] - 1] == ',')
			return 0;
		for (k = 1; k < lens[1]; k++)
			if (f[k] == ',' && f[k - 1] == ',')
				return 0;
	}
	return 1;
}

/*
 * The keys
 */

typedef struct key_def key_def;

/* Check one key's value `v` (aliases resolved), found at `at`. */
typedef void (*key_check_fn)(parse_ctx *ctx, sp_spaceconfig *config,
                             const key_def *def, const node *at, const node *v);

#define NO_FIELD ((size_t)-1)

struct key_def {
	const char *name;
	key_check_fn check;
	size_t field;              /* offsetof a char * or int, or NO_FIELD */
	const char *const *values; /* allowed values, when a fixed set */
	size_t nvalues;
};

/* Messages name a key quoted: "app_port". */
typedef struct {
	char text[48];
} key_what;

static const char *what_of(key_what *w, const char *name)
{
	size_t len = strlen(name);

	if (len > sizeof(w->text) - 3)
		len = sizeof(w->text) - 3;
	w->text[0] = '"';
	memcpy(w->text + 1, name, len);
	w->text[len + 1] = '"';
	w->text[len + 2] = '\0';
	return w->text;
}

static void store_text(sp_spaceconfig *config, const key_def *def,
                       const node *v)
{
	char **slot;

	if (def->field == NO_FIELD)
		return;
	slot = (char **)(void *)((char *)config + def->field);
	free(*slot);
	*slot = sp_strdup(v->value);
}

static void store_int(sp_spaceconfig *config, const key_def *def, int value)
{
	if (def->field != NO_FIELD)
		*(int *)(void *)((char *)config + def->field) = value;
}

static void key_text(parse_ctx *ctx, sp_spaceconfig *config, const key_def *def,
                     const node *at, const node *v)
{
	key_what w;

	if (check_text(ctx, what_of(&w, def->name), at, v))
		store_text(config, def, v);
}

static void key_one_of(parse_ctx *ctx, sp_spaceconfig *config,
                       const key_def *def, const node *at, const node *v)
{
	key_what w;

	if (check_one_of(ctx, what_of(&w, def->name), at, v, def->values,
	                 def->nvalues))
		store_text(config, def, v);
}

static void key_bool(parse_ctx *ctx, sp_spaceconfig *config, const key_def *def,
                     const node *at, const node *v)
{
	key_what w;
	int value;

	if (check_bool(ctx, what_of(&w, def->name), at, v, &value))
		store_int(config, def, value);
}

/* The sdks served, as the messages name them. */
static const char *sdk_served(const parse_ctx *ctx)
{
	if (ctx->flags & SP_SPACECONFIG_NO_DOCKER)
		return "only \"static\"";
	if (ctx->flags & SP_SPACECONFIG_STATIC)
		return "\"docker\" and \"static\"";
	return "only \"docker\"";
}

static void key_sdk(parse_ctx *ctx, sp_spaceconfig *config, const key_def *def,
                    const node *at, const node *v)
{
	int docker = !(ctx->flags & SP_SPACECONFIG_NO_DOCKER),
	    is_static = (ctx->flags & SP_SPACECONFIG_STATIC) != 0;
	sp_buf got = SP_BUF_INIT;

	config->sdk_line = at->line;
	config->sdk_column = at->column;
	if (v->kind == NODE_SCALAR &&
	    ((docker && text_is(v->value, v->len, "docker")) ||
	     (is_static && text_is(v->value, v->len, "static")))) {
		store_text(config, def, v);
	} else if (!docker && in_list(v, sdk_values, ARRAY_SIZE(sdk_values))) {
		ctx_error(ctx, at,
		          "\"sdk\" is %s, but this server serves only "
		          "static Spaces (\"sdk: static\" with an index.html)",
		          node_got(&got, v));
	} else if (in_list(v, sdk_values, ARRAY_SIZE(sdk_values))) {
		ctx_error(ctx, at,
		          "\"sdk\" is %s, but this server serves only "
		          "Docker Spaces (\"sdk: docker\" with a Dockerfile)",
		          node_got(&got, v));
	} else {
		sp_buf list = SP_BUF_INIT;

		ctx_error(ctx, at,
		          "\"sdk\" must be one of %s (got %s); this "
		          "server serves %s",
		          list_text(&list, sdk_values, ARRAY_SIZE(sdk_values)),
		          node_got(&got, v), sdk_served(ctx));
		sp_buf_dispose(&list);
	}
	sp_buf_dispose(&got);
}

static void key_app_file(parse_ctx *ctx, sp_spaceconfig *config,
                         const key_def *def, const node *at, const node *v)
{
	key_text(ctx, config, def, at, v);
	if (config->app_file) {
		config->app_file_line = at->line;
		config->app_file_column = at->column;
	}
}

static void key_emoji(parse_ctx *ctx, sp_spaceconfig *config,
                      const key_def *def, const node *at, const node *v)
{
	sp_buf got = SP_BUF_INIT;

	if (!check_text(ctx, "\"emoji\"", at, v))
		return;
	if (is_single_emoji(v->value, v->len))
		store_text(config, def, v);
	else
		ctx_error(ctx, at, "\"emoji\" must be a single emoji (got %s)",
		          node_got(&got, v));
	sp_buf_dispose(&got);
}

static void key_app_port(parse_ctx *ctx, sp_spaceconfig *config,
                         const key_def *def, const node *at, const node *v)
{
	long long port;

	if (!check_int(ctx, "\"app_port\"", at, v, 1, 65535, &port))
		return;
	/*
	 * Hugging Face is reported to refuse "app_port" below 1025 ("must be
	 * greater than or equal to 1025"); below 1024 uid 1000 cannot listen
	 * either, without extra capabilities.
	 */
	if (port < 1024)
		ctx_warning(
		    ctx, at,
		    "\"app_port\" %lld is below 1024: the app "
		    "runs as uid 1000, which may not listen there "
		    "(Hugging Face is reported to require 1025 or more)",
		    port);
	else if (port < 1025)
		ctx_warning(ctx, at,
		            "\"app_port\" %lld is below 1025, the lowest port "
		            "Hugging Face is reported to accept; use 7860 or "
		            "another port from 1025",
		            port);
	config->app_port = (int)port;
}

static void key_oauth_expiration(parse_ctx *ctx, sp_spaceconfig *config,
                                 const key_def *def, const node *at,
                                 const node *v)
{
	long long minutes;

	if (check_int(ctx, "\"hf_oauth_expiration_minutes\"", at, v, 1, 43200,
	              &minutes))
		config->hf_oauth_expiration_minutes = (int)minutes;
}

static void key_short_description(parse_ctx *ctx, sp_spaceconfig *config,
                                  const key_def *def, const node *at,
                                  const node *v)
{
	size_t units;

	if (!check_text(ctx, "\"short_description\"", at, v))
		return;
	units = utf16_length(v->value, v->len);
	if (units > 60)
		ctx_error(ctx, at,
		          "\"short_description\" must be at most 60 "
		          "characters (got %zu, counted in UTF-16 code units "
		          "as Hugging Face does)",
		          units);
	else
		store_text(config, def, v);
}

static void key_timeout(parse_ctx *ctx, sp_spaceconfig *config,
                        const key_def *def, const node *at, const node *v)
{
	sp_buf got = SP_BUF_INIT;
	long seconds = 0;
	int rc = -1;

	/* "30m", "1h", "90s", "1h30m": units h, m, s in that order, each
	 * once; a number alone is not one. */
	if (v->kind == NODE_SCALAR && v->type != TYPE_NULL)
		rc = sp_duration_parse(&seconds, v->value, v->len,
		                       SP_DURATION_ORDERED,
		                       SPACECONFIG_MAX_TIMEOUT);
	if (rc == 0 && seconds > 0)
		config->startup_timeout = seconds;
	else if (rc == SP_ETOOBIG)
		ctx_error(ctx, at,
		          "\"startup_duration_timeout\" must be at most "
		          "%ldh (got %s)",
		          SPACECONFIG_MAX_TIMEOUT / 3600, node_got(&got, v));
	else if (rc == 0)
		ctx_error(ctx, at,
		          "\"startup_duration_timeout\" must be above "
		          "zero (got %s)",
		          node_got(&got, v));
	else
		ctx_error(ctx, at,
		          "\"startup_duration_timeout\" must be a "
		          "duration such as 30m, 1h, 90s or 1h30m (got %s%s)",
		          node_got(&got, v),
		          v->kind == NODE_SCALAR && v->type == TYPE_INT
		              ? ", a number without a unit"
		              : "");
	sp_buf_dispose(&got);
}

static void key_base_path(parse_ctx *ctx, sp_spaceconfig *config,
                          const key_def *def, const node *at, const node *v)
{
	sp_buf got = SP_BUF_INIT;

	if (!check_text(ctx, "\"base_path\"", at, v))
		return;
	if (v->len && v->value[0] == '/')
		store_text(config, def, v);
	else
		ctx_error(ctx, at,
		          "\"base_path\" must start with \"/\" (got %s)",
		          node_got(&got, v));
	sp_buf_dispose(&got);
}

static int has_prefix_nocase(const char *s, size_t len, const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (len < n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != prefix[i])
			return 0;
	}
	return 1;
}

static void key_thumbnail(parse_ctx *ctx, sp_spaceconfig *config,
                          const key_def *def, const node *at, const node *v)
{
	sp_buf got = SP_BUF_INIT;
	size_t skip = 0, i;
	int ok;

	if (!check_text(ctx, "\"thumbnail\"", at, v))
		return;
	if (has_prefix_nocase(v->value, v->len, "https://"))
		skip = 8;
	else if (has_prefix_nocase(v->value, v->len, "http://"))
		skip = 7;
	ok = skip && v->len > skip && v->value[skip] != '/';
	for (i = 0; ok && i < v->len; i++)
		if (v->value[i] == ' ')
			ok = 0;
	if (ok)
		store_text(config, def, v);
	else
		ctx_error(ctx, at,
		          "\"thumbnail\" must be an http:// or https:// "
		          "URL (got %s)",
		          node_got(&got, v));
	sp_buf_dispose(&got);
}

/* A number where a version string is meant: kept, with a warning (ours). */
static void key_version(parse_ctx *ctx, sp_spaceconfig *config,
                        const key_def *def, const node *at, const node *v)
{
	key_what w;
	const char *dot;

	if (!check_text(ctx, what_of(&w, def->name), at, v))
		return;
	dot = v->type == TYPE_FLOAT ? memchr(v->value, '.', v->len) : NULL;
	if (dot && v->value[v->len - 1] == '0' &&
	    !memchr(v->value, 'e', v->len) && !memchr(v->value, 'E', v->len)) {
		size_t keep = v->len;

		while (keep > (size_t)(dot - v->value) + 2 &&
		       v->value[keep - 1] == '0')
			keep--;
		if (keep < v->len)
			ctx_warning(
			    ctx, at,
			    "%s %s is a number, which YAML readers take "
			    "as %.*s; quote it: \"%s\"",
			    w.text, v->value, (int)keep, v->value, v->value);
	}
	store_text(config, def, v);
}

/* Each item of a list: a string (and in `values`, when given). */
static void check_list(parse_ctx *ctx, const key_def *def, const node *at,
                       const node *v, int string_allowed, int preload)
{
	sp_buf got = SP_BUF_INIT;
	key_what w;
	size_t i;

	what_of(&w, def->name);
	if (v->kind == NODE_SCALAR && string_allowed) {
		check_text(ctx, w.text, at, v);
		return;
	}
	if (v->kind != NODE_SEQUENCE) {
		ctx_error(ctx, at, "%s must be a list of strings%s (got %s)",
		          w.text, string_allowed ? " or a string" : "",
		          node_got(&got, v));
		sp_buf_dispose(&got);
		return;
	}
	for (i = 0; i < v->count; i++) {
		const node *item_at = v->items[i];
		const node *item = node_resolve(item_at);

		if (def->values) {
			sp_buf what = SP_BUF_INIT;

			sp_buf_printf(&what, "each item of %s", w.text);
			check_one_of(ctx, what.ptr, item_at, item, def->values,
			             def->nvalues);
			sp_buf_dispose(&what);
		} else if (item->kind != NODE_SCALAR ||
		           item->type == TYPE_NULL) {
			ctx_error(ctx, item_at,
			          "each item of %s must be a "
			          "string (got %s)",
			          w.text, node_got(&got, item));
		} else if (has_control(item)) {
			ctx_error(ctx, item_at,
			          "each item of %s must not hold "
			          "control characters (got %s)",
			          w.text, node_got(&got, item));
		} else if (preload) {
			if (!preload_entry_ok(item->value, item->len))
				ctx_error(ctx, item_at,
				          "each item of %s must "
				          "be \"repo\", \"repo file1,file2\" "
				          "or \"repo file1,file2 commit\" "
				          "(got %s)",
				          w.text, node_got(&got, item));
		}
	}
	sp_buf_dispose(&got);
}

static void key_list(parse_ctx *ctx, sp_spaceconfig *config, const key_def *def,
                     const node *at, const node *v)
{
	check_list(ctx, def, at, v, 0, 0);
}

static void key_text_or_list(parse_ctx *ctx, sp_spaceconfig *config,
                             const key_def *def, const node *at, const node *v)
{
	check_list(ctx, def, at, v, 1, 0);
}

static void key_preload(parse_ctx *ctx, sp_spaceconfig *config,
                        const key_def *def, const node *at, const node *v)
{
	check_list(ctx, def, at, v, 0, 1);
}

static const struct {
	const char *name;
	const char *const *values;
	size_t nvalues;
} header_defs[] = {
    {"cross-origin-embedder-policy", coep_values, ARRAY_SIZE(coep_values)},
    {"cross-origin-opener-policy", coop_values, ARRAY_SIZE(coop_values)},
    {"cross-origin-resource-policy", corp_values, ARRAY_SIZE(corp_values)},
};

static void key_custom_headers(parse_ctx *ctx, sp_spaceconfig *config,
                               const key_def *def, const node *at,
                               const node *v)
{
	sp_buf got = SP_BUF_INIT, what = SP_BUF_INIT, list = SP_BUF_INIT;
	size_t i, h;

	if (v->kind != NODE_MAPPING) {
		ctx_error(ctx, at,
		          "\"custom_headers\" must be a mapping of "
		          "header names to values (got %s)",
		          node_got(&got, v));
		goto done;
	}
	for (i = 0; i + 1 < v->count; i += 2) {
		const node *key_at = v->items[i], *key = node_resolve(key_at);
		const node *val_at = v->items[i + 1];
		const node *val = node_resolve(val_at);
		int found = 0;

		if (key_at->duplicate)
			continue;
		for (h = 0;
		     h < ARRAY_SIZE(header_defs) && key->kind == NODE_SCALAR;
		     h++) {
			if (text_is(key->value, key->len,
			            header_defs[h].name)) {
				sp_buf_clear(&what);
				sp_buf_printf(&what, "\"custom_headers\" %s",
				              header_defs[h].name);
				check_one_of(ctx, what.ptr, val_at, val,
				             header_defs[h].values,
				             header_defs[h].nvalues);
				found = 1;
			} else if (!found &&
			           key->len == strlen(header_defs[h].name) &&
			           has_prefix_nocase(key->value, key->len,
			                             header_defs[h].name)) {
				ctx_error(ctx, key_at,
				          "\"custom_headers\" keys "
				          "must be lowercase: write \"%s\" "
				          "(got %s)",
				          header_defs[h].name,
				          node_got(&got, key));
				found = 1;
			}
		}
		if (!found) {
			const char *names[ARRAY_SIZE(header_defs)];

			for (h = 0; h < ARRAY_SIZE(header_defs); h++)
				names[h] = header_defs[h].name;
			ctx_error(ctx, key_at,
			          "\"custom_headers\" keys must "
			          "be one of %s (got %s)",
			          list_text(&list, names, ARRAY_SIZE(names)),
			          node_got(&got, key));
		}
	}
done:
	sp_buf_dispose(&got);
	sp_buf_dispose(&what);
	sp_buf_dispose(&list);
}

/*
 * Licenses: Hugging Face's ids (common/licenses.c), a suggestion for near
 * misses.
 */

static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb);

static int license_is_sep(char c)
{
	return c == '-' || c == '_' || c == '.' || c == ' ';
}

/* Lowercase, without "-", "_", ".", spaces, the word "license" and a "v"
 * before a digit: "Apache License 2.0" -> apache20, "GPLv3" -> gpl3. */
static size_t license_normalize(char *out, size_t max, const char *s,
                                size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n < max; i++) {
		char c = s[i];

		if ((i == 0 || license_is_sep(s[i - 1])) && len - i >= 7 &&
		    has_prefix_nocase(s + i, len - i, "license") &&
		    (len - i == 7 || license_is_sep(s[i + 7]))) {
			i += 6;
			continue;
		}
		if (license_is_sep(c) ||
		    ((c == 'v' || c == 'V') && i + 1 < len && s[i + 1] >= '0' &&
		     s[i + 1] <= '9'))
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[n++] = c;
	}
	return n;
}

/*
 * The closest license id: same letters and digits but for case and
 * separators, or an edit distance of 1 (2 for ids of 8 or more), or an id the
 * text begins (at least 3 of its characters); on a tie the id that begins
 * with the text, then the shorter one, then (among ids the text begins) the
 * later one in the list, the newer version: "cc-by" -> cc-by-4.0.
 */
static const char *license_suggest(const char *s, size_t len)
{
	char a[64], b[64];
	size_t na, nb, i, dist, best = (size_t)-1, best_len = 0;
	int best_prefix = 0;
	const char *found = NULL;

	if (len > 64)
		return NULL;
	na = license_normalize(a, sizeof(a), s, len);
	if (!na)
		return NULL;
	for (i = 0; i < sp_license_count(); i++) {
		const char *id = sp_license_get(i)->id;
		size_t allowed;
		int prefix;

		nb = license_normalize(b, sizeof(b), id, strlen(id));
		allowed = nb >= 8 ? 2 : nb >= 3 ? 1 : 0;
		prefix = na >= 3 && na < nb && memcmp(a, b, na) == 0;
		if (prefix)
			dist = 1;
		else if ((na > nb ? na - nb : nb - na) > allowed)
			continue;
		else
			dist = edit_distance(a, na, b, nb);
		if (dist > allowed && !prefix)
			continue;
		if (dist < best || (dist == best && prefix > best_prefix) ||
		    (dist == best && prefix == best_prefix &&
		     (nb < best_len || (prefix && nb == best_len)))) {
			best = dist;
			best_prefix = prefix;
			best_len = nb;
			found = id;
		}
	}
	return found;
}

/* One license id; `what` names it in messages. */
static void license_check_one(parse_ctx *ctx, const char *what, const node *at,
                              const node *v)
{
	sp_buf got = SP_BUF_INIT;
	const char *suggestion;

	if (!check_text(ctx, what, at, v) || sp_license_find(v->value, v->len))
		return;
	suggestion = license_suggest(v->value, v->len);
	if (suggestion)
		ctx_error(ctx, at,
		          "%s must be one of Hugging Face's license ids (got "
		          "%s; did you mean \"%s\"?)",
		          what, node_got(&got, v), suggestion);
	else
		ctx_error(ctx, at,
		          "%s must be one of Hugging Face's license ids, such "
		          "as mit, apache-2.0 or other (got %s); see "
		          "https://huggingface.co/docs/hub/"
		          "repositories-licenses",
		          what, node_got(&got, v));
	sp_buf_dispose(&got);
}

static void key_license(parse_ctx *ctx, sp_spaceconfig *config,
                        const key_def *def, const node *at, const node *v)
{
	sp_buf got = SP_BUF_INIT;
	size_t i;

	if (v->kind == NODE_SCALAR) {
		license_check_one(ctx, "\"license\"", at, v);
	} else if (v->kind == NODE_SEQUENCE) {
		for (i = 0; i < v->count; i++)
			license_check_one(ctx, "each item of \"license\"",
			                  v->items[i],
			                  node_resolve(v->items[i]));
	} else {
		ctx_error(ctx, at,
		          "\"license\" must be a list of strings or a string "
		          "(got %s)",
		          node_got(&got, v));
	}
	sp_buf_dispose(&got);
}

#define FIELD(f) offsetof(sp_spaceconfig, f)
#define VALUES(v) v, ARRAY_SIZE(v)

static const key_def key_defs[] = {
    {"sdk", key_sdk, FIELD(sdk), NULL, 0},
    {"title", key_text, FIELD(title), NULL, 0},
    {"emoji", key_emoji, FIELD(emoji), NULL, 0},
    {"colorFrom", key_one_of, FIELD(color_from), VALUES(color_values)},
    {"colorTo", key_one_of, FIELD(color_to), VALUES(color_values)},
    {"app_port", key_app_port, NO_FIELD, NULL, 0},
    {"short_description", key_short_description, FIELD(short_description), NULL,
     0},
    {"startup_duration_timeout", key_timeout, NO_FIELD, NULL, 0},
    {"suggested_hardware", key_one_of, FIELD(suggested_hardware),
     VALUES(hardware_values)},
    {"suggested_storage", key_one_of, FIELD(suggested_storage),
     VALUES(storage_values)},
    {"pinned", key_bool, FIELD(pinned), NULL, 0},
    {"fullWidth", key_bool, FIELD(full_width), NULL, 0},
    {"disable_embedding", key_bool, FIELD(disable_embedding), NULL, 0},
    {"hf_oauth", key_bool, FIELD(hf_oauth), NULL, 0},
    {"header", key_one_of, FIELD(header), VALUES(header_values)},
    {"base_path", key_base_path, FIELD(base_path), NULL, 0},
    {"app_file", key_app_file, FIELD(app_file), NULL, 0},
    {"app_build_command", key_text, NO_FIELD, NULL, 0},
    {"python_version", key_version, FIELD(python_version), NULL, 0},
    {"sdk_version", key_version, FIELD(sdk_version), NULL, 0},
    {"duplicated_from", key_text, NO_FIELD, NULL, 0},
    {"thumbnail", key_thumbnail, FIELD(thumbnail), NULL, 0},
    {"models", key_list, NO_FIELD, NULL, 0},
    {"datasets", key_list, NO_FIELD, NULL, 0},
    {"tags", key_list, NO_FIELD, NULL, 0},
    {"license", key_license, NO_FIELD, NULL, 0},
    {"license_name", key_text, NO_FIELD, NULL, 0},
    {"license_link", key_text, NO_FIELD, NULL, 0},
    {"hf_oauth_scopes", key_list, NO_FIELD, VALUES(scope_values)},
    {"hf_oauth_expiration_minutes", key_oauth_expiration, NO_FIELD, NULL, 0},
    {"hf_oauth_authorized_org", key_text_or_list, NO_FIELD, NULL, 0},
    {"custom_headers", key_custom_headers, NO_FIELD, NULL, 0},
    {"preload_from_hub", key_preload, NO_FIELD, NULL, 0},
};

/*
 * Unknown keys: a suggestion when a known key is close.
 */

/* Lowercase, without "_", "-" and spaces: colour_from -> colourfrom. */
static size_t key_normalize(char *out, size_t max, const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n < max; i++) {
		char c = s[i];

		if (c == '_' || c == '-' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[n++] = c;
	}
	return n;
}

/* Edit distance with adjacent transpositions (optimal string alignment). */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t d[3][65], i, j;
	size_t *prev2 = d[0], *prev = d[1], *cur = d[2];

	for (j = 0; j <= nb; j++)
		prev[j] = j;
	for (i = 1; i <= na; i++) {
		size_t *t;

		cur[0] = i;
		for (j = 1; j <= nb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = prev[j - 1] + cost;

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[nb];
}

static const char *key_suggest(const char *s, size_t len)
{
	char a[64], b[64];
	size_t na, nb, i, best = (size_t)-1, dist;
	const char *found = NULL;

	if (len > 64)
		return NULL;
	na = key_normalize(a, sizeof(a), s, len);
	if (!na)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(key_defs); i++) {
		const char *name = key_defs[i].name;
		size_t allowed;

		nb = key_normalize(b, sizeof(b), name, strlen(name));
		allowed = nb >= 8 ? 2 : nb >= 3 ? 1 : 0;
		if ((na > nb ? na - nb : nb - na) > allowed)
			continue;
		dist = edit_distance(a, na, b, nb);
		if (dist <= allowed && dist < best) {
			best = dist;
			found = name;
		}
	}
	return found;
}

static void check_unknown_key(parse_ctx *ctx, const node *key_at,
                              const node *key)
{
	sp_buf got = SP_BUF_INIT;
	const char *suggestion = NULL;

	if (key->kind == NODE_SCALAR) {
		quote_put(&got, key->value, key->len);
		suggestion = key_suggest(key->value, key->len);
	} else {
		node_got(&got, key);
	}
	if (suggestion)
		ctx_warning(ctx, key_at,
		            "unknown key %s (did you mean \"%s\"?)", got.ptr,
		            suggestion);
	else
		ctx_warning(ctx, key_at, "unknown key %s", got.ptr);
	sp_buf_dispose(&got);
}

/*
 * The whole config
 */

/* The value (as written, alias or not) of key `name` in the top mapping. */
static const node *root_value(const node *root, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < root->count; i += 2) {
		const node *key = node_resolve(root->items[i]);

		if (!root->items[i]->duplicate && key->kind == NODE_SCALAR &&
		    text_is(key->value, key->len, name))
			return root->items[i + 1];
	}
	return NULL;
}

static int value_is_set(const node *at)
{
	const node *v = at ? node_resolve(at) : NULL;

	return v && !(v->kind == NODE_SCALAR && v->type == TYPE_NULL);
}

/*
 * "license: other" (alone or in a list) wants "license_name" and
 * "license_link" (Hugging Face's Licenses page); a warning for each missing.
 * Not after a YAML error: the keys may be in the part not read.
 */
static void check_license_other(parse_ctx *ctx, const node *root)
{
	const node *at = root_value(root, "license"), *v, *other = NULL;
	size_t i;

	if (!at)
		return;
	v = node_resolve(at);
	if (v->kind == NODE_SCALAR && text_is(v->value, v->len, "other"))
		other = at;
	for (i = 0; v->kind == NODE_SEQUENCE && !other && i < v->count; i++) {
		const node *item = node_resolve(v->items[i]);

		if (item->kind == NODE_SCALAR &&
		    text_is(item->value, item->len, "other"))
			other = v->items[i];
	}
	if (!other)
		return;
	if (!value_is_set(root_value(root, "license_name")))
		ctx_warning(ctx, other,
		            "\"license\" is \"other\" but \"license_name\" "
		            "is missing: add a short id for the license, such "
		            "as \"license_name: my-license-1.0\"");
	if (!value_is_set(root_value(root, "license_link")))
		ctx_warning(ctx, other,
		            "\"license\" is \"other\" but \"license_link\" "
		            "is missing: add the license's text as LICENSE and "
		            "\"license_link: LICENSE\", or a URL");
}

static void config_check(parse_ctx *ctx, sp_spaceconfig *config)
{
	const node *root = ctx->root ? node_resolve(ctx->root) : NULL;
	int seen_sdk = 0;
	size_t i, k;
	sp_buf got = SP_BUF_INIT;

	if (!root) {
		if (!ctx->fatal)
			ctx_diag_at(
			    ctx, SP_DIAG_ERROR, ctx->fm->body_line, 1,
			    "the YAML front matter is empty; it needs at "
			    "least \"sdk: docker\"");
		return;
	}
	if (root->kind != NODE_MAPPING) {
		ctx_error(ctx, ctx->root,
		          "the YAML front matter must be a "
		          "mapping of keys to values, such as \"sdk: docker\" "
		          "(got %s)",
		          node_got(&got, root));
		sp_buf_dispose(&got);
		return;
	}
	for (i = 0; i + 1 < root->count; i += 2) {
		const node *key_at = root->items[i],
		           *key = node_resolve(key_at);
		const node *val_at = root->items[i + 1];
		const node *val = node_resolve(val_at);
		const key_def *def = NULL;

		if (key_at->duplicate || val->open)
			continue;
		for (k = 0;
		     key->kind == NODE_SCALAR && k < ARRAY_SIZE(key_defs); k++)
			if (text_is(key->value, key->len, key_defs[k].name)) {
				def = &key_defs[k];
				break;
			}
		if (!def) {
			check_unknown_key(ctx, key_at, key);
			continue;
		}
		if (def->check == key_sdk)
			seen_sdk = 1;
		if (val->kind == NODE_SCALAR && val->type == TYPE_NULL &&
		    def->check != key_sdk) {
			ctx_warning(ctx, val_at,
			            "\"%s\" has no value (ignored)", def->name);
			continue;
		}
		def->check(ctx, config, def, val_at, val);
	}
	if (!ctx->fatal)
		check_license_other(ctx, root);
	if (!seen_sdk && !ctx->fatal)
		ctx_diag_at(ctx, SP_DIAG_ERROR, 1, 1,
		            "missing required key \"sdk\" (this server serves "
		            "%s)",
		            ctx->flags & SP_SPACECONFIG_NO_DOCKER
		                ? "\"sdk: static\""
		            : ctx->flags & SP_SPACECONFIG_STATIC
		                ? "\"sdk: docker\" or \"sdk: static\""
		                : "\"sdk: docker\"");
}

void sp_spaceconfig_free(sp_spaceconfig *config)
{
	if (!config)
		return;
	free(config->sdk);
	free(config->title);
	free(config->emoji);
	free(config->color_from);
	free(config->color_to);
	free(config->short_description);
	free(config->suggested_hardware);
	free(config->suggested_storage);
	free(config->base_path);
	free(config->header);
	free(config->thumbnail);
	free(config->app_file);
	free(config->python_version);
	free(config->sdk_version);
	free(config);
}

static int spaceconfig_parse(sp_spaceconfig **out, sp_diag_list *diags,
                             const char *data, size_t size, unsigned flags);

int sp_spaceconfig_parse(sp_spaceconfig **out, sp_diag_list *diags,
                         const char *data, size_t size)
{
	return sp_spaceconfig_parse_with(out, diags, data, size, 0);
}

int sp_spaceconfig_parse_partial(sp_spaceconfig **out, sp_diag_list *diags,
                                 const char *data, size_t size)
{
	return sp_spaceconfig_parse_with(out, diags, data, size,
	                                 SP_SPACECONFIG_PARTIAL);
}

int sp_spaceconfig_parse_with(sp_spaceconfig **out, sp_diag_list *diags,
                              const char *data, size_t size, unsigned flags)
{
	int error = spaceconfig_parse(out, diags, data, size, flags);

	if (error < 0 && !(flags & SP_SPACECONFIG_PARTIAL)) {
		sp_spaceconfig_free(*out);
		*out = NULL;
	}
	return error;
}

/* Parse as sp_spaceconfig_parse_partial, for the sdks `flags` name. */
static int spaceconfig_parse(sp_spaceconfig **out, sp_diag_list *diags,
                             const char *data, size_t size, unsigned flags)
{
	parse_ctx ctx;
	sp_frontmatter fm;
	sp_spaceconfig *config = NULL;
	size_t i;
	int error = 0;

	*out = NULL;
	memset(&ctx, 0, sizeof(ctx));
	sp_diag_list_init(&ctx.diags);
	ctx.fm = &fm;
	ctx.flags = flags;

	if (size > SP_README_MAX_SIZE) {
		sp_diag_add(diags, SP_DIAG_ERROR, 0, 0,
		            "README.md is larger than %u MiB",
		            SP_README_MAX_SIZE / (1024 * 1024));
		return sp_error_set(SP_ECONFIG, "readme too large");
	}
	if ((error = sp_frontmatter_find(&fm, diags, data, size)) < 0)
		return error;

	config = sp_calloc(1, sizeof(*config));
	config->app_port = 7860;
	config->startup_timeout = 1800;
	config->hf_oauth_expiration_minutes = 480;

	tree_build(&ctx);
	config_check(&ctx, config);

	sp_diag_sort(&ctx.diags);
	for (i = 0; i < ctx.diags.count; i++) {
		const sp_diag *d = &ctx.diags.items[i];

		sp_diag_add(diags, d->severity, d->line, d->column, "%s",
		            d->message);
	}
	if (ctx.hidden)
		sp_diag_add(diags, SP_DIAG_NOTE, 0, 0,
		            "%zu more problems not shown", ctx.hidden);

	if (ctx.errors)
		error = sp_error_set(SP_ECONFIG,
		                     "README.md front matter has "
		                     "%d error%s",
		                     ctx.errors, ctx.errors == 1 ? "" : "s");
	*out = config;
	config = NULL;
	sp_spaceconfig_free(config);
	sp_diag_list_dispose(&ctx.diags);
	node_free_all(ctx.all);
	free(ctx.anchors);
	return error;
}
