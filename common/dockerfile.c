/* The Dockerfile check: reads a Dockerfile as BuildKit's parser does, and
 * refuses references to other Spaces' images and privileged build features. */
#include "dockerfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

#include "banned.h"

#define DF_MAX_ERRORS 50      /* then one "too many problems" line */
#define DF_MAX_VARS 256       /* ARG declarations kept, globals and stage */
#define DF_MAX_STAGES 256     /* stage names kept */
#define DF_MAX_LOOKUPS 256    /* variables one reference may name */
#define DF_MAX_EXPANSION 8192 /* bytes an expanded reference may have */
#define DF_MAX_DEPTH 16       /* nesting of ${a:-${b:-...}} and ONBUILD */
#define DF_SUBJECT_MAX 100    /* bytes of a quoted subject in a message */

/* Why a word could not be expanded (internal, positive). */
enum {
	DF_LEX_SYNTAX = 1, /* unterminated quote, bad ${ */
	DF_LEX_FORM,       /* a ${...} form outside the allowed ones */
	DF_LEX_UNKNOWN,    /* a variable whose value cannot be known */
	DF_LEX_LONG,       /* longer than DF_MAX_EXPANSION */
};

typedef enum {
	DF_VAR_VALUE,   /* value known */
	DF_VAR_NOVALUE, /* declared without a value: empty, set or not */
	DF_VAR_UNKNOWN, /* the automatic platform ARGs, unreadable defaults */
} df_var_state;

typedef struct {
	char *name;
	size_t len;  /* of name */
	char *value; /* DF_VAR_VALUE only */
	df_var_state state;
} df_var;

typedef struct {
	df_var *items;
	size_t count, alloc;
} df_vars;

/* Where a byte of the logical line came from. */
typedef struct {
	size_t off;
	unsigned line, column;
} df_seg;

typedef struct {
	sp_diag_list *diags;
	const sp_dockerfile_options *opts;
	char esc;
	sp_buf line; /* the logical line: continuations joined */
	df_seg *segs;
	size_t nsegs, asegs;
	df_vars globals, stage;
	char **stages; /* lowercase stage names, earlier stages only */
	size_t nstages, astages;
	size_t stage_count; /* FROM lines seen */
	size_t errors;      /* errors this check added */
	int stopped;        /* too many errors: nothing more is added */
	int failed;         /* a negative code: out of memory */
} df_ctx;

typedef struct {
	const char *p, *end;
	char esc;
	const df_ctx *ctx;
	int onbuild_or_stage; /* look up stage variables first */
	int depth;
	int lookups;
	char name[64]; /* the variable that could not be known */
} df_lex;

static const char *const df_builtin_args[] = {
    "BUILDPLATFORM",  "BUILDOS",  "BUILDARCH",  "BUILDVARIANT",
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    "TARGETSTAGE",    NULL};

/* --- text helpers ------------------------------------------------------ */

/* Length of the Unicode white space character (Go's unicode.IsSpace) at p. */
static size_t df_space_len(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t n = (size_t)(end - p);

	if (n == 0)
		return 0;
	if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r'))
		return 1;
	if (n >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80)
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x80 &&
	    ((u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 || u[2] == 0xa9 ||
	     u[2] == 0xaf))
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f)
		return 3;
	if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

/* Length of a Unicode white space character ending at end (not before p). */
static size_t df_space_len_before(const char *p, const char *end)
{
	size_t k;

	for (k = 1; k <= 3 && (size_t)(end - p) >= k; k++)
		if (df_space_len(end - k, end) == k)
			return k;
	return 0;
}

static const char *df_ltrim(const char *p, const char *end)
{
	size_t n;

	while ((n = df_space_len(p, end)) > 0)
		p += n;
	return p;
}

static const char *df_rtrim(const char *p, const char *end)
{
	size_t n;

	while (end > p && (n = df_space_len_before(p, end)) > 0)
		end -= n;
	return end;
}

/* The byte-wise white space of BuildKit's flag reader (a byte as a rune). */
static int df_flag_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xa0;
}

/* BuildKit's regexp [\t\v\f\r ]. */
static int df_word_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* Go's regexp \s. */
static int df_re_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/*
 * The instruction keyword in lowercase ASCII, as Go's strings.ToLower sees
 * it: U+0130 lowers to 'i' and U+212A to 'k'. Returns 0 when it has other
 * bytes or is too long for any keyword.
 */
static int df_keyword(char *out, size_t size, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, o = 0;

	while (i < n) {
		char c;

		if (o + 1 >= size)
			return 0;
		if (u[i] >= 'A' && u[i] <= 'Z') {
			c = (char)(u[i] - 'A' + 'a');
			i++;
		} else if (u[i] >= 'a' && u[i] <= 'z') {
			c = (char)u[i];
			i++;
		} else if (n - i >= 2 && u[i] == 0xc4 && u[i + 1] == 0xb0) {
			c = 'i';
			i += 2;
		} else if (n - i >= 3 && u[i] == 0xe2 && u[i + 1] == 0x84 &&
		           u[i + 2] == 0xaa) {
			c = 'k';
			i += 3;
		} else {
			return 0;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return 1;
}

static int df_lower_eq(const char *p, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!word[i] || c != word[i])
			return 0;
	}
	return word[n] == '\0';
}

static void df_lower(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

/* `text` quoted for a message: printable ASCII only, cut at DF_SUBJECT_MAX. */
static void df_quote(sp_buf *out, const char *text, size_t n)
{
	size_t i;

	sp_buf_putc(out, '"');
	for (i = 0; i < n && i < DF_SUBJECT_MAX; i++) {
		unsigned char c = (unsigned char)text[i];

		sp_buf_putc(out, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
	if (n > DF_SUBJECT_MAX)
		sp_buf_puts(out, "...");
	sp_buf_putc(out, '"');
}

/* --- diagnostics ------------------------------------------------------- */

static void df_position(const df_ctx *ctx, size_t off, unsigned *line,
                        unsigned *column)
{
	size_t lo = 0, hi = ctx->nsegs;

	*line = 0;
	*column = 0;
	if (!ctx->nsegs)
		return;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ctx->segs[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	*line = ctx->segs[lo].line;
	*column = ctx->segs[lo].column + (unsigned)(off - ctx->segs[lo].off);
}

/* Add an error at line:column; past DF_MAX_ERRORS the check stops. */
static void df_error_at(df_ctx *ctx, unsigned line, unsigned column,
                        const char *message)
{
	int error;

	if (ctx->stopped || ctx->failed)
		return;
	if (ctx->errors++ >= DF_MAX_ERRORS) {
		error = sp_diag_add(ctx->diags, SP_DIAG_ERROR, line, column,
		                    "too many problems in the Dockerfile; fix "
		                    "these first");
		ctx->stopped = 1;
	} else {
		error = sp_diag_add(ctx->diags, SP_DIAG_ERROR, line, column,
		                    "%s", message);
	}
	if (error < 0)
		ctx->failed = error;
}

static void df_error_off(df_ctx *ctx, size_t off, const char *message)
{
	unsigned line, column;

	df_position(ctx, off, &line, &column);
	df_error_at(ctx, line, column, message);
}

/* --- variables --------------------------------------------------------- */

static void df_vars_clear(df_vars *vars)
{
	size_t i;

	for (i = 0; i < vars->count; i++) {
		free(vars->items[i].name);
		free(vars->items[i].value);
	}
	vars->count = 0;
}

static void df_vars_dispose(df_vars *vars)
{
	df_vars_clear(vars);
	free(vars->items);
	vars->items = NULL;
	vars->alloc = 0;
}

static const df_var *df_vars_find(const df_vars *vars, const char *name,
                                  size_t n)
{
	size_t i;

	for (i = vars->count; i > 0; i--) {
		const df_var *v = &vars->items[i - 1];

		if (v->len == n && !memcmp(v->name, name, n))
			return v;
	}
	return NULL;
}

/* Declare a variable (the newest declaration wins); value copied. */
static int df_vars_set(df_ctx *ctx, df_vars *vars, const char *name, size_t n,
                       df_var_state state, const char *value, size_t vlen)
{
	df_var *v;

	if (vars->count >= DF_MAX_VARS) {
		df_error_at(ctx, 0, 0,
		            "more than 256 ARG declarations; the Dockerfile "
		            "cannot be checked");
		ctx->stopped = 1;
		return 0;
	}
	if (vars->count == vars->alloc) {
		size_t alloc = vars->alloc ? vars->alloc * 2 : 32;
		df_var *items = realloc(vars->items, alloc * sizeof(*items));

		if (!items)
			return sp_error_set(SP_ENOMEM, "out of memory");
		vars->items = items;
		vars->alloc = alloc;
	}
	v = &vars->items[vars->count];
	v->name = malloc(n + 1);
	v->value = state == DF_VAR_VALUE ? malloc(vlen + 1) : NULL;
	if (!v->name || (state == DF_VAR_VALUE && !v->value)) {
		free(v->name);
		free(v->value);
		return sp_error_set(SP_ENOMEM, "out of memory");
	}
	memcpy(v->name, name, n);
	v->name[n] = '\0';
	v->len = n;
	if (v->value) {
		memcpy(v->value, value, vlen);
		v->value[vlen] = '\0';
	}
	v->state = state;
	vars->count++;
	return 0;
}

/* The --build-arg value of `name`, or NULL. */
static const char *df_build_arg(const df_ctx *ctx, const char *name, size_t n)
{
	const char *const *a;

	if (!ctx->opts || !ctx->opts->build_args)
		return NULL;
	for (a = ctx->opts->build_args; *a; a++)
		if (!strncmp(*a, name, n) && (*a)[n] == '=')
			return *a + n + 1;
	return NULL;
}

/* --- expansion (BuildKit's shell lexer, for image references) ---------- */

static int df_lex_word(df_lex *lx, sp_buf *out, char stop);

static int df_lex_put(df_lex *lx, sp_buf *out, const char *p, size_t n)
{
	(void)lx;
	if (out->size + n > DF_MAX_EXPANSION)
		return DF_LEX_LONG;
	sp_buf_put(out, p, n);
	return 0;
}

static const df_var *df_lex_lookup(df_lex *lx, const char *name, size_t n)
{
	const df_var *v = NULL;

	lx->lookups++;
	if (lx->onbuild_or_stage)
		v = df_vars_find(&lx->ctx->stage, name, n);
	if (!v)
		v = df_vars_find(&lx->ctx->globals, name, n);
	return v;
}

static int df_lex_special(char c)
{
	return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' ||
	       c == '$' || c == '!' || c == '0';
}

/* A name after '$': digits, one special character, or [A-Za-z0-9_]*. */
static int df_lex_name(df_lex *lx, const char **name, size_t *n)
{
	const char *s = lx->p;

	if (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
		while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9')
			lx->p++;
	} else if (lx->p < lx->end && df_lex_special(*lx->p)) {
		lx->p++;
	} else {
		while (lx->p < lx->end &&
		       ((*lx->p >= 'a' && *lx->p <= 'z') ||
		        (*lx->p >= 'A' && *lx->p <= 'Z') ||
		        (*lx->p >= '0' && *lx->p <= '9') || *lx->p == '_'))
			lx->p++;
		/* Go reads Unicode letters into names too. */
		if (lx->p < lx->end && (unsigned char)*lx->p >= 0x80)
			return DF_LEX_FORM;
	}
	*name = s;
	*n = (size_t)(lx->p - s);
	return 0;
}

static int df_lex_unknown(df_lex *lx, const char *name, size_t n)
{
	size_t k = n < sizeof(lx->name) - 1 ? n : sizeof(lx->name) - 1;

	memcpy(lx->name, name, k);
	lx->name[k] = '\0';
	return DF_LEX_UNKNOWN;
}

static int df_lex_dollar(df_lex *lx, sp_buf *out)
{
	const df_var *v;
	const char *name;
	sp_buf word = SP_BUF_INIT;
	size_t n;
	char c, mod;
	int error;

	lx->p++; /* '$' */
	if (lx->lookups >= DF_MAX_LOOKUPS)
		return DF_LEX_FORM;
	if (lx->p >= lx->end || *lx->p != '{') {
		if ((error = df_lex_name(lx, &name, &n)) != 0)
			return error;
		if (n == 0)
			return df_lex_put(lx, out, "$", 1);
		v = df_lex_lookup(lx, name, n);
		if (v && v->state == DF_VAR_UNKNOWN)
			return df_lex_unknown(lx, name, n);
		return v && v->value
		           ? df_lex_put(lx, out, v->value, strlen(v->value))
		           : 0;
	}
	lx->p++; /* '{' */
	if (lx->p >= lx->end)
		return DF_LEX_SYNTAX;
	if (*lx->p == '{' || *lx->p == '}' || *lx->p == ':')
		return DF_LEX_SYNTAX;
	if ((error = df_lex_name(lx, &name, &n)) != 0)
		return error;
	if (lx->p >= lx->end)
		return DF_LEX_SYNTAX;
	c = *lx->p++;
	v = df_lex_lookup(lx, name, n);
	if (c == '}') {
		if (v && v->state == DF_VAR_UNKNOWN)
			return df_lex_unknown(lx, name, n);
		return v && v->value
		           ? df_lex_put(lx, out, v->value, strlen(v->value))
		           : 0;
	}
	if (c == ':') {
		if (lx->p >= lx->end)
			return DF_LEX_SYNTAX;
		mod = *lx->p++;
	} else {
		mod = c;
		c = 0;
	}
	if (mod != '-' && mod != '+')
		return DF_LEX_FORM;
	if (++lx->depth > DF_MAX_DEPTH)
		return DF_LEX_FORM;
	error = df_lex_word(lx, &word, '}');
	lx->depth--;
	if (error < 0 || error == DF_LEX_SYNTAX || error == DF_LEX_FORM ||
	    error == DF_LEX_LONG)
		goto done;
	if (v && v->state == DF_VAR_UNKNOWN) {
		error = df_lex_unknown(lx, name, n);
		goto done;
	}
	{
		/* Which side is taken: the word, the value, or nothing. */
		int empty = !v || !v->value || !*v->value;
		int set = v && v->state == DF_VAR_VALUE;
		int take_word;

		if (c == ':')
			take_word = mod == '-' ? empty : !empty;
		else if (v && v->state == DF_VAR_NOVALUE && word.size)
			/* Set-but-empty or unset: BuildKit versions differ. */
			take_word = -1;
		else
			take_word = mod == '-' ? !set && !(v && !v->value)
			                       : set || (v && !v->value);
		if (take_word < 0) {
			error = df_lex_unknown(lx, name, n);
		} else if (take_word) {
			/* A variable of the word that cannot be known. */
			error = error
			            ? error
			            : df_lex_put(lx, out, word.ptr, word.size);
		} else {
			lx->name[0] = '\0';
			error = mod == '-' && v && v->value
			            ? df_lex_put(lx, out, v->value,
			                         strlen(v->value))
			            : 0;
		}
	}
done:
	sp_buf_dispose(&word);
	return error;
}

static int df_lex_single(df_lex *lx, sp_buf *out)
{
	const char *s = ++lx->p;

	while (lx->p < lx->end && *lx->p != '\'')
		lx->p++;
	if (lx->p >= lx->end)
		return DF_LEX_SYNTAX;
	lx->p++;
	return df_lex_put(lx, out, s, (size_t)(lx->p - 1 - s));
}

static int df_lex_double(df_lex *lx, sp_buf *out)
{
	int error;

	lx->p++;
	for (;;) {
		char c;

		if (lx->p >= lx->end)
			return DF_LEX_SYNTAX;
		if (*lx->p == '"') {
			lx->p++;
			return 0;
		}
		if (*lx->p == '$') {
			if ((error = df_lex_dollar(lx, out)) != 0)
				return error;
			continue;
		}
		c = *lx->p++;
		if (c == lx->esc && lx->p < lx->end &&
		    (*lx->p == '"' || *lx->p == '$' || *lx->p == lx->esc))
			c = *lx->p++;
		else if (c == lx->esc && lx->p >= lx->end)
			continue;
		if ((error = df_lex_put(lx, out, &c, 1)) != 0)
			return error;
	}
}

/* Expand up to `stop` (consumed) or the end (stop 0). */
static int df_lex_word(df_lex *lx, sp_buf *out, char stop)
{
	int error;

	while (lx->p < lx->end) {
		char c = *lx->p;

		if (stop && c == stop) {
			lx->p++;
			return 0;
		}
		if (c == '\'')
			error = df_lex_single(lx, out);
		else if (c == '"')
			error = df_lex_double(lx, out);
		else if (c == '$')
			error = df_lex_dollar(lx, out);
		else {
			lx->p++;
			if (c == lx->esc) {
				if (lx->p >= lx->end)
					break;
				c = *lx->p++;
			}
			error = df_lex_put(lx, out, &c, 1);
		}
		if (error)
			return error;
	}
	return stop ? DF_LEX_SYNTAX : 0;
}

/* --- image references -------------------------------------------------- */

static int df_ref_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	       c == '/' || c == ':' || c == '@';
}

/* The repository of a lowercase reference: no tag, no digest, no docker.io/. */
static void df_ref_repository(const char **out, size_t *len, const char *ref,
                              size_t n)
{
	static const char *const hub[] = {"docker.io/", "index.docker.io/",
	                                  "registry-1.docker.io/", NULL};
	const char *at = memchr(ref, '@', n);
	size_t i, slash = 0;
	int again = 1;

	if (at)
		n = (size_t)(at - ref);
	for (i = 0; i < n; i++)
		if (ref[i] == '/')
			slash = i + 1;
	for (i = n; i > slash; i--)
		if (ref[i - 1] == ':') {
			n = i - 1;
			break;
		}
	while (again) {
		again = 0;
		for (i = 0; hub[i]; i++) {
			size_t k = strlen(hub[i]);

			if (n > k && !memcmp(ref, hub[i], k)) {
				ref += k;
				n -= k;
				again = 1;
			}
		}
	}
	*out = ref;
	*len = n;
}

static int df_is_own(const df_ctx *ctx, const char *repo, size_t n)
{
	const char *own = ctx->opts ? ctx->opts->own_repository : NULL;
	const char *orepo;
	sp_buf lower = SP_BUF_INIT;
	size_t olen;
	int same;

	if (!own || !*own)
		return 0;
	sp_buf_sets(&lower, own);
	df_lower(lower.ptr, lower.size);
	df_ref_repository(&orepo, &olen, lower.ptr, lower.size);
	same = olen == n && !memcmp(orepo, repo, n);
	sp_buf_dispose(&lower);
	return same;
}

/* Append `subject`, and the expanded form in parentheses when it differs. */
static void df_subject(sp_buf *msg, const char *subject, size_t slen,
                       const char *raw, size_t rlen, const char *value,
                       size_t vlen)
{
	df_quote(msg, subject, slen);
	if (rlen != vlen || memcmp(raw, value, vlen)) {
		sp_buf_puts(msg, " (");
		df_quote(msg, value, vlen);
		sp_buf_putc(msg, ')');
	}
}

/*
 * Check one expanded image reference; `subject` is the instruction text
 * shown, `raw` the reference as written.
 */
static int df_check_ref(df_ctx *ctx, size_t off, const char *subject,
                        size_t slen, const char *raw, size_t rlen,
                        const char *value, size_t vlen)
{
	sp_buf msg = SP_BUF_INIT, lower = SP_BUF_INIT;
	const char *const *prefix;
	const char *repo;
	size_t i, rn, hex = 0;
	int bad = 0;

	for (i = 0; i < vlen; i++)
		if (!df_ref_char(value[i]))
			bad = 1;
	if (vlen == 0 || bad) {
		df_subject(&msg, subject, slen, raw, rlen, value, vlen);
		sp_buf_puts(&msg,
		            vlen ? " is not a valid image reference; write "
		                   "a public image name such as "
		                   "python:3.10-slim"
		                 : " names no image; write a public image "
		                   "name such as python:3.10-slim");
		df_error_off(ctx, off, msg.ptr);
		goto done;
	}
	if (vlen == 7 && !memcmp(value, "scratch", 7))
		goto done;
	sp_buf_put(&lower, value, vlen);
	df_lower(lower.ptr, lower.size);
	df_ref_repository(&repo, &rn, lower.ptr, lower.size);
	for (i = 0; i < rn && strchr("0123456789abcdef", repo[i]); i++)
		hex++;
	if ((lower.size > 7 && !memcmp(lower.ptr, "sha256:", 7)) ||
	    (hex == rn && rn >= 12 && !memchr(lower.ptr, '/', lower.size))) {
		df_subject(&msg, subject, slen, raw, rlen, value, vlen);
		sp_buf_puts(&msg, " names a local image by its ID; a Space "
		                  "builds only from public images and its own "
		                  "stages");
		df_error_off(ctx, off, msg.ptr);
		goto done;
	}
	if (!ctx->opts || !ctx->opts->reserved || df_is_own(ctx, repo, rn))
		goto done;
	for (prefix = ctx->opts->reserved; *prefix; prefix++) {
		size_t k = strlen(*prefix);

		if (rn >= k && !strncmp(repo, *prefix, k))
			break;
	}
	if (!*prefix)
		goto done;
	df_subject(&msg, subject, slen, raw, rlen, value, vlen);
	sp_buf_puts(&msg, " names another Space's image; a Space "
	                  "builds only from public images and "
	                  "its own stages");
	df_error_off(ctx, off, msg.ptr);
done:
	sp_buf_dispose(&msg);
	sp_buf_dispose(&lower);
	return 0;
}

/*
 * Expand `raw` (an image reference, or a stage for `from`) and check it.
 * `stage_ok`: a name of an earlier stage or a stage index is fine.
 */
static int df_check_word(df_ctx *ctx, size_t off, const char *subject,
                         size_t slen, const char *raw, size_t rlen,
                         int in_stage, int stage_ok)
{
	sp_buf value = SP_BUF_INIT, msg = SP_BUF_INIT;
	df_lex lx;
	size_t i;
	int error;

	memset(&lx, 0, sizeof(lx));
	lx.p = raw;
	lx.end = raw + rlen;
	lx.esc = ctx->esc;
	lx.ctx = ctx;
	lx.onbuild_or_stage = in_stage;
	error = df_lex_word(&lx, &value, 0);
	if (error < 0)
		goto done;
	if (error > 0) {
		int why = error;

		error = 0;
		df_quote(&msg, subject, slen);
		sp_buf_puts(&msg, " cannot be checked: ");
		if (why == DF_LEX_LONG)
			sp_buf_puts(&msg, "it is longer than 8192 bytes "
			                  "once expanded; write a "
			                  "public image name such as "
			                  "python:3.10-slim");
		else if (lx.name[0])
			sp_buf_printf(
			    &msg,
			    "the value of \"%s\" is not known before the "
			    "build; write the image name out",
			    lx.name);
		else
			sp_buf_puts(
			    &msg,
			    "only $NAME, ${NAME}, ${NAME:-word}, "
			    "${NAME:+word}, ${NAME-word} and ${NAME+word} "
			    "with closed quotes are read; write the image "
			    "name out");
		df_error_off(ctx, off, msg.ptr);
		goto done;
	}
	if (stage_ok) {
		sp_buf lower = SP_BUF_INIT;
		int found = 0;

		for (i = 0; i < value.size && value.ptr[i] >= '0' &&
		            value.ptr[i] <= '9';
		     i++)
			;
		if (value.size && i == value.size && value.size <= 9)
			goto done; /* a stage index */
		sp_buf_put(&lower, value.ptr, value.size);
		df_lower(lower.ptr, lower.size);
		for (i = 0; i < ctx->nstages && !found; i++)
			found = !strcmp(ctx->stages[i], lower.ptr) &&
			        strlen(lower.ptr) == lower.size;
		sp_buf_dispose(&lower);
		if (found)
			goto done;
	}
	error = df_check_ref(ctx, off, subject, slen, raw, rlen, value.ptr,
	                     value.size);
done:
	sp_buf_dispose(&value);
	sp_buf_dispose(&msg);
	return error;
}

/* --- flags ------------------------------------------------------------- */

typedef struct {
	sp_buf text; /* the flag word with quotes and escapes removed */
	size_t off;  /* where it starts in the logical line */
} df_flag;

typedef struct {
	df_flag *items;
	size_t count, alloc;
} df_flags;

static void df_flags_dispose(df_flags *flags)
{
	size_t i;

	for (i = 0; i < flags->count; i++)
		sp_buf_dispose(&flags->items[i].text);
	free(flags->items);
	flags->items = NULL;
	flags->count = flags->alloc = 0;
}

static int df_flags_add(df_flags *flags, const sp_buf *word, size_t off)
{
	df_flag *f;

	if (flags->count == flags->alloc) {
		size_t alloc = flags->alloc ? flags->alloc * 2 : 8;
		df_flag *items = realloc(flags->items, alloc * sizeof(*items));

		if (!items)
			return sp_error_set(SP_ENOMEM, "out of memory");
		flags->items = items;
		flags->alloc = alloc;
	}
	f = &flags->items[flags->count];
	sp_buf_init(&f->text);
	f->off = off;
	sp_buf_put(&f->text, word->ptr, word->size);
	flags->count++;
	return 0;
}

/* The same flag words at the same places? */
static int df_flags_equal(const df_flags *a, const df_flags *b)
{
	size_t i;

	if (a->count != b->count)
		return 0;
	for (i = 0; i < a->count; i++)
		if (a->items[i].off != b->items[i].off ||
		    a->items[i].text.size != b->items[i].text.size ||
		    memcmp(a->items[i].text.ptr, b->items[i].text.ptr,
		           a->items[i].text.size))
			return 0;
	return 1;
}

/*
 * BuildKit's extractBuilderFlags: the leading "--" words of `p..end`,
 * quotes and `esc` escapes removed; `*rest` is where the arguments start.
 */
static int df_read_flags(df_flags *flags, const char **rest, const char *base,
                         const char *p, const char *end, char esc)
{
	enum { IN_SPACES, IN_WORD, IN_QUOTE } phase = IN_SPACES;
	sp_buf word = SP_BUF_INIT;
	size_t start = 0;
	char quote = 0;
	int blank_ok = 0, error = 0;

	*rest = end;
	for (; p <= end && !error; p++) {
		unsigned char c = p < end ? (unsigned char)*p : 0;

		if (phase == IN_SPACES) {
			if (p == end)
				break;
			if (df_flag_space(c))
				continue;
			if (c != '-' || p + 1 == end || p[1] != '-') {
				*rest = p;
				goto done;
			}
			phase = IN_WORD;
			start = (size_t)(p - base);
		}
		if (p == end) {
			if ((blank_ok || word.size) &&
			    !(word.size == 2 && !memcmp(word.ptr, "--", 2)))
				error = df_flags_add(flags, &word, start);
			break;
		}
		if (phase == IN_WORD) {
			if (df_flag_space(c)) {
				phase = IN_SPACES;
				if (word.size == 2 &&
				    !memcmp(word.ptr, "--", 2)) {
					*rest = p;
					goto done;
				}
				if (blank_ok || word.size)
					error =
					    df_flags_add(flags, &word, start);
				sp_buf_clear(&word);
				blank_ok = 0;
				continue;
			}
			if (c == '\'' || c == '"') {
				quote = (char)c;
				blank_ok = 1;
				phase = IN_QUOTE;
				continue;
			}
			if ((char)c == esc) {
				if (p + 1 == end)
					continue;
				c = (unsigned char)*++p;
			}
			sp_buf_putc(&word, (char)c);
			continue;
		}
		/* IN_QUOTE */
		if ((char)c == quote) {
			phase = IN_WORD;
			continue;
		}
		if ((char)c == esc) {
			if (p + 1 == end) {
				phase = IN_WORD;
				continue;
			}
			c = (unsigned char)*++p;
		}
		sp_buf_putc(&word, (char)c);
	}
done:
	sp_buf_dispose(&word);
	return error;
}

/*
 * "--name=value": the value (`*vlen` bytes) of a flag called `name` (any
 * case), or NULL.
 */
static const char *df_flag_value(const df_flag *f, const char *name,
                                 int *has_value, size_t *vlen)
{
	const char *t = f->text.ptr;
	const char *eq;
	size_t n;

	if (f->text.size < 2 || t[0] != '-' || t[1] != '-')
		return NULL;
	eq = memchr(t + 2, '=', f->text.size - 2);
	n = eq ? (size_t)(eq - t - 2) : f->text.size - 2;
	if (!df_lower_eq(t + 2, n, name))
		return NULL;
	*has_value = eq != NULL;
	*vlen = eq ? f->text.size - n - 3 : 0;
	return eq ? eq + 1 : t + f->text.size;
}

/* --- instructions ------------------------------------------------------ */

static int df_instruction(df_ctx *ctx, const char *p, const char *end,
                          int depth);

/* Build "PREFIX TEXT" for messages. */
static void df_subject_text(sp_buf *out, const char *prefix, const char *text,
                            size_t n)
{
	sp_buf_clear(out);
	sp_buf_puts(out, prefix);
	sp_buf_put(out, text, n);
}

/* RUN --mount=a=b,from=x,...: a CSV record as Go's encoding/csv reads it. */
static int df_check_mount(df_ctx *ctx, const df_flag *f, const char *value,
                          const char *prefix, int in_stage)
{
	const char *p = value, *end = f->text.ptr + f->text.size;
	sp_buf field = SP_BUF_INIT, subject = SP_BUF_INIT;
	int error = 0;

	if (memchr(value, '\n', (size_t)(end - value)) ||
	    memchr(value, '\r', (size_t)(end - value)))
		goto malformed;
	while (!error) {
		const char *eq;

		sp_buf_clear(&field);
		if (p < end && *p == '"') {
			for (p++;; p++) {
				if (p >= end)
					goto malformed;
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						p++;
					} else {
						p++;
						break;
					}
				}
				sp_buf_putc(&field, *p);
			}
			if (p < end && *p != ',')
				goto malformed;
		} else {
			while (p < end && *p != ',') {
				if (*p == '"')
					goto malformed;
				sp_buf_putc(&field, *p++);
			}
		}
		eq = memchr(field.ptr, '=', field.size);
		if (eq &&
		    df_lower_eq(field.ptr, (size_t)(eq - field.ptr), "from")) {
			size_t vlen = field.size - (size_t)(eq + 1 - field.ptr);

			df_subject_text(&subject, prefix, field.ptr,
			                field.size);
			if ((error = df_check_word(ctx, f->off, subject.ptr,
			                           subject.size, eq + 1, vlen,
			                           in_stage, 1)) < 0)
				goto done;
		}
		if (p >= end)
			break;
		p++; /* ',' */
	}
	goto done;
malformed:
	df_subject_text(&subject, prefix, f->text.ptr, f->text.size);
	{
		sp_buf msg = SP_BUF_INIT;

		df_quote(&msg, subject.ptr, subject.size);
		sp_buf_puts(&msg, " cannot be checked: the mount "
		                  "options are not valid "
		                  "comma-separated values");
		df_error_off(ctx, f->off, msg.ptr);
		sp_buf_dispose(&msg);
	}
done:
	sp_buf_dispose(&field);
	sp_buf_dispose(&subject);
	return error;
}

static int df_check_run_flags(df_ctx *ctx, const df_flags *flags,
                              const char *instr, int in_stage)
{
	sp_buf prefix = SP_BUF_INIT, msg = SP_BUF_INIT;
	size_t i;
	int error = 0;

	for (i = 0; i < flags->count && !error; i++) {
		const df_flag *f = &flags->items[i];
		const char *v, *why = NULL;
		int has_value = 0;
		size_t vlen = 0;

		sp_buf_clear(&msg);
		if ((v = df_flag_value(f, "mount", &has_value, &vlen)) &&
		    has_value) {
			df_subject_text(&prefix, instr, " --mount=", 9);
			error = df_check_mount(ctx, f, v, prefix.ptr, in_stage);
			continue;
		}
		if ((v = df_flag_value(f, "network", &has_value, &vlen))) {
			if (!has_value ||
			    ((vlen != 4 || memcmp(v, "none", 4)) &&
			     (vlen != 7 || memcmp(v, "default", 7))))
				why =
				    vlen == 4 && !memcmp(v, "host", 4)
				        ? " is not allowed: a Space's build "
				          "gets no host network; use "
				          "--network=default or --network=none"
				        : " is not allowed: a Space's build "
				          "takes only --network=default or "
				          "--network=none";
		} else if ((v = df_flag_value(f, "security", &has_value,
		                              &vlen))) {
			if (!has_value || vlen != 7 || memcmp(v, "sandbox", 7))
				why = " is not allowed: a Space's build runs "
				      "sandboxed, never with elevated "
				      "privileges";
		} else if ((v = df_flag_value(f, "device", &has_value,
		                              &vlen))) {
			why = " is not allowed: a Space's build gets no host "
			      "devices";
		}
		if (!why)
			continue;
		df_subject_text(&prefix, instr, " ", 1);
		sp_buf_put(&prefix, f->text.ptr, f->text.size);
		df_quote(&msg, prefix.ptr, prefix.size);
		sp_buf_puts(&msg, why);
		df_error_off(ctx, f->off, msg.ptr);
	}
	sp_buf_dispose(&prefix);
	sp_buf_dispose(&msg);
	return error;
}

static int df_check_copy_flags(df_ctx *ctx, const df_flags *flags,
                               const char *instr, int in_stage, int stage_ok)
{
	sp_buf subject = SP_BUF_INIT;
	size_t i;
	int error = 0;

	for (i = 0; i < flags->count && !error; i++) {
		const df_flag *f = &flags->items[i];
		int has_value = 0;
		size_t vlen = 0;
		const char *v = df_flag_value(f, "from", &has_value, &vlen);

		if (!v || !has_value)
			continue;
		df_subject_text(&subject, instr, " ", 1);
		sp_buf_put(&subject, f->text.ptr, f->text.size);
		error = df_check_word(ctx, f->off, subject.ptr, subject.size, v,
		                      vlen, in_stage, stage_ok);
	}
	sp_buf_dispose(&subject);
	return error;
}

/* BuildKit's parseWords: white-space separated, quotes kept, escapes kept. */
typedef struct {
	const char *p; /* into the logical line */
	size_t n;
} df_span;

static int df_is_valid_stage_name(const char *s, size_t n)
{
	size_t i;

	if (!n || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

static int df_add_stage(df_ctx *ctx, const char *name, size_t n)
{
	char *copy;

	if (ctx->nstages >= DF_MAX_STAGES)
		return 0;
	if (ctx->nstages == ctx->astages) {
		size_t alloc = ctx->astages ? ctx->astages * 2 : 16;
		char **items = realloc(ctx->stages, alloc * sizeof(*items));

		if (!items)
			return sp_error_set(SP_ENOMEM, "out of memory");
		ctx->stages = items;
		ctx->astages = alloc;
	}
	if (!(copy = malloc(n + 1)))
		return sp_error_set(SP_ENOMEM, "out of memory");
	memcpy(copy, name, n);
	copy[n] = '\0';
	df_lower(copy, n);
	ctx->stages[ctx->nstages++] = copy;
	return 0;
}

/* Is the expanded `word` the name of an earlier stage? */
static int df_is_stage(const df_ctx *ctx, const char *word, size_t n)
{
	df_lex lx;
	sp_buf name = SP_BUF_INIT;
	size_t i;
	int found = 0;

	memset(&lx, 0, sizeof(lx));
	lx.p = word;
	lx.end = word + n;
	lx.esc = ctx->esc;
	lx.ctx = ctx;
	if (df_lex_word(&lx, &name, 0) == 0) {
		df_lower(name.ptr, name.size);
		for (i = 0; i < ctx->nstages && !found; i++)
			found = !strcmp(ctx->stages[i], name.ptr) &&
			        strlen(name.ptr) == name.size;
	}
	sp_buf_dispose(&name);
	return found;
}

/*
 * FROM [--flags] image [AS name]. `onbuild`: under ONBUILD (nothing is
 * registered); `count`: this reading starts a stage.
 */
static int df_from(df_ctx *ctx, const char *p, const char *end, int onbuild,
                   int count)
{
	df_span words[3];
	sp_buf subject = SP_BUF_INIT;
	size_t nwords = 0;
	int error = 0;

	while (p < end && nwords < 3) {
		const char *s;

		while (p < end && df_word_space(*p))
			p++;
		if (p >= end)
			break;
		s = p;
		while (p < end && !df_word_space(*p))
			p++;
		words[nwords].p = s;
		words[nwords++].n = (size_t)(p - s);
	}
	if (nwords == 0)
		goto done;
	df_subject_text(&subject, onbuild ? "ONBUILD FROM " : "FROM ",
	                words[0].p, words[0].n);
	/* FROM <earlier stage> uses that stage. */
	if ((onbuild || !df_is_stage(ctx, words[0].p, words[0].n)) &&
	    (error = df_check_word(ctx, (size_t)(words[0].p - ctx->line.ptr),
	                           subject.ptr, subject.size, words[0].p,
	                           words[0].n, onbuild, 0)) < 0)
		goto done;
	if (!count)
		goto done;
	ctx->stage_count++;
	df_vars_clear(&ctx->stage);
	if (nwords == 3 && df_lower_eq(words[1].p, words[1].n, "as")) {
		sp_buf lower = SP_BUF_INIT;

		sp_buf_put(&lower, words[2].p, words[2].n);
		df_lower(lower.ptr, lower.size);
		if (df_is_valid_stage_name(lower.ptr, lower.size))
			error = df_add_stage(ctx, lower.ptr, lower.size);
		sp_buf_dispose(&lower);
	}
done:
	sp_buf_dispose(&subject);
	return error;
}

/* ARG NAME[=value] ...: the defaults that references expand with. */
static int df_arg(df_ctx *ctx, const char *p, const char *end)
{
	int global = ctx->stage_count == 0;
	df_vars *vars = global ? &ctx->globals : &ctx->stage;
	int error = 0;

	while (p < end && !error && !ctx->stopped) {
		const char *s, *eq;
		char quote = 0;
		size_t n;
		const char *arg;

		p = df_ltrim(p, end);
		if (p >= end)
			break;
		s = p;
		/* One word of parseWords: quotes and escapes stay in it. */
		while (p < end) {
			size_t sp = quote ? 0 : df_space_len(p, end);

			if (sp)
				break;
			if (quote) {
				if (*p == quote)
					quote = 0;
				else if (*p == ctx->esc && quote != '\'' &&
				         p + 1 < end)
					p++;
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == ctx->esc && p + 1 < end) {
				p++;
			}
			p++;
		}
		n = (size_t)(p - s);
		eq = memchr(s, '=', n);
		if (eq == s)
			continue;
		if (eq)
			n = (size_t)(eq - s);
		if ((arg = df_build_arg(ctx, s, n))) {
			error = df_vars_set(ctx, vars, s, n, DF_VAR_VALUE, arg,
			                    strlen(arg));
		} else if (eq) {
			sp_buf value = SP_BUF_INIT;
			df_lex lx;
			int r;

			memset(&lx, 0, sizeof(lx));
			lx.p = eq + 1;
			lx.end = p;
			lx.esc = ctx->esc;
			lx.ctx = ctx;
			lx.onbuild_or_stage = !global;
			r = df_lex_word(&lx, &value, 0);
			if (r < 0)
				error = r;
			else
				error = df_vars_set(ctx, vars, s, n,
				                    r ? DF_VAR_UNKNOWN
				                      : DF_VAR_VALUE,
				                    value.ptr, value.size);
			sp_buf_dispose(&value);
		} else {
			const df_var *g =
			    global ? NULL : df_vars_find(&ctx->globals, s, n);

			if (g)
				error = df_vars_set(ctx, vars, s, n, g->state,
				                    g->value ? g->value : "",
				                    g->value ? strlen(g->value)
				                             : 0);
			else
				error = df_vars_set(ctx, vars, s, n,
				                    DF_VAR_NOVALUE, NULL, 0);
		}
	}
	return error;
}

/*
 * One instruction of the logical line (p..end, both inside ctx->line);
 * depth > 0 under ONBUILD.
 */
static int df_instruction(df_ctx *ctx, const char *p, const char *end,
                          int depth)
{
	df_flags flags = {NULL, 0, 0}, alt = {NULL, 0, 0};
	const char *cmd, *rest = NULL, *alt_rest = NULL;
	char kw[16];
	size_t cmdlen;
	int error = 0, in_stage = depth > 0 || ctx->stage_count > 0;

	p = df_ltrim(p, end);
	end = df_rtrim(p, end);
	cmd = p;
	while (p < end && !df_word_space(*p))
		p++;
	cmdlen = (size_t)(p - cmd);
	while (p < end && df_word_space(*p))
		p++;
	if (!df_keyword(kw, sizeof(kw), cmd, cmdlen))
		goto done;
	if (strcmp(kw, "from") && strcmp(kw, "arg") && strcmp(kw, "copy") &&
	    strcmp(kw, "add") && strcmp(kw, "run") && strcmp(kw, "onbuild"))
		goto done;

	if ((error = df_read_flags(&flags, &rest, ctx->line.ptr, p, end,
	                           ctx->esc)) < 0)
		goto done;
	/* Some BuildKit versions read flags with '\' whatever the escape. */
	if (ctx->esc != '\\' &&
	    (error = df_read_flags(&alt, &alt_rest, ctx->line.ptr, p, end,
	                           '\\')) < 0)
		goto done;
	if (alt_rest && df_flags_equal(&flags, &alt) && alt_rest == rest) {
		df_flags_dispose(&alt);
		alt_rest = NULL;
	}
	rest = df_ltrim(rest, end);

	if (!strcmp(kw, "from")) {
		/* With the flags read the other way, check that reading first.
		 */
		if (alt_rest && df_ltrim(alt_rest, end) != rest)
			error = df_from(ctx, df_ltrim(alt_rest, end), end,
			                depth > 0, 0);
		if (error == 0)
			error = df_from(ctx, rest, end, depth > 0, depth == 0);
	} else if (!strcmp(kw, "arg")) {
		if (depth == 0)
			error = df_arg(ctx, rest, end);
	} else if (!strcmp(kw, "copy") || !strcmp(kw, "add")) {
		const char *instr =
		    depth ? (kw[0] == 'c' ? "ONBUILD COPY" : "ONBUILD ADD")
		          : (kw[0] == 'c' ? "COPY" : "ADD");

		error = df_check_copy_flags(ctx, &flags, instr, in_stage,
		                            depth == 0);
		if (error == 0 && alt.count)
			error = df_check_copy_flags(ctx, &alt, instr, in_stage,
			                            depth == 0);
	} else if (!strcmp(kw, "run")) {
		const char *instr = depth ? "ONBUILD RUN" : "RUN";

		error = df_check_run_flags(ctx, &flags, instr, in_stage);
		if (error == 0 && alt.count)
			error = df_check_run_flags(ctx, &alt, instr, in_stage);
	} else if (!strcmp(kw, "onbuild")) {
		if (depth < DF_MAX_DEPTH && rest < end)
			error = df_instruction(ctx, rest, end, depth + 1);
	}
done:
	df_flags_dispose(&flags);
	df_flags_dispose(&alt);
	return error;
}

/*
 * Heredoc delimiters (RUN <<EOF): BuildKit reads the body raw up to a line
 * equal to the delimiter, and this check reads body lines as Dockerfile
 * lines. Both agree where the body ends unless the delimiter line is one
 * this reading skips or continues: a comment, a blank, or one ending in an
 * escape character. Such delimiters are refused; every "<<" word is looked
 * at, whatever the instruction.
 */
static int df_check_heredocs(df_ctx *ctx)
{
	const char *p = ctx->line.ptr, *end = p + ctx->line.size;
	sp_buf name = SP_BUF_INIT, msg = SP_BUF_INIT;

	for (; p + 1 < end; p++) {
		const char *at = p, *n, *wend;
		char quote = 0;
		size_t i, blank = 1, bad = 0;

		if (p[0] != '<' || p[1] != '<')
			continue;
		p += 2;
		if (p < end && *p == '-')
			p++;
		if (p >= end || df_space_len(p, end)) {
			p--;
			continue; /* "<< EOF" is no heredoc for BuildKit */
		}
		sp_buf_clear(&name);
		/* One shell word, quotes and \ escapes removed. */
		while (p < end) {
			if (!quote && df_space_len(p, end))
				break;
			if (quote == '\'') {
				if (*p == '\'')
					quote = 0;
				else
					sp_buf_putc(&name, *p);
			} else if (*p == '\\' && p + 1 < end &&
			           (!quote || p[1] == '"' || p[1] == '\\' ||
			            p[1] == '$')) {
				p++;
				sp_buf_putc(&name, *p);
			} else if (quote && *p == '"') {
				quote = 0;
			} else if (!quote && (*p == '"' || *p == '\'')) {
				quote = *p;
			} else {
				sp_buf_putc(&name, *p);
			}
			p++;
		}
		wend = p--; /* the loop steps past the word's last byte */
		if (name.size && name.ptr[0] == '<')
			continue; /* "<<<": not a heredoc */
		for (i = 0; i < name.size; i++) {
			char c = name.ptr[i];

			if (c == '#' || c == '\\' || c == '`')
				bad = 1;
			if (c != ' ' && c != '\t')
				blank = 0;
		}
		n = df_ltrim(name.ptr, name.ptr + name.size);
		if (n == name.ptr + name.size)
			blank = 1;
		if (!bad && !blank)
			continue;
		df_quote(&msg, at, (size_t)(wend - at));
		sp_buf_puts(&msg, " cannot be checked: a heredoc "
		                  "delimiter must be a plain word "
		                  "such as EOF, without #, \\ or "
		                  "`");
		df_error_off(ctx, (size_t)(at - ctx->line.ptr), msg.ptr);
		sp_buf_clear(&msg);
	}
	sp_buf_dispose(&name);
	sp_buf_dispose(&msg);
	return 0;
}

/* --- lines ------------------------------------------------------------- */

static int df_seg_add(df_ctx *ctx, unsigned line, unsigned column)
{
	if (ctx->nsegs == ctx->asegs) {
		size_t alloc = ctx->asegs ? ctx->asegs * 2 : 16;
		df_seg *segs = realloc(ctx->segs, alloc * sizeof(*segs));

		if (!segs)
			return sp_error_set(SP_ENOMEM, "out of memory");
		ctx->segs = segs;
		ctx->asegs = alloc;
	}
	ctx->segs[ctx->nsegs].off = ctx->line.size;
	ctx->segs[ctx->nsegs].line = line;
	ctx->segs[ctx->nsegs].column = column;
	ctx->nsegs++;
	return 0;
}

/*
 * Does the line (trailing CR/LF gone) continue? Sets `*len` to the text
 * without the escape. Returns 1 yes, 0 no, -1 when BuildKit versions
 * disagree (two escapes at the end).
 */
static int df_continues(const char *p, size_t *len, char esc)
{
	size_t n = *len;

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0 || p[n - 1] != esc)
		return 0;
	if (n >= 2 && p[n - 2] == esc)
		return -1;
	*len = n - 1;
	return 1;
}

/* The frontend a directive names must be the official one. */
static void df_check_syntax(df_ctx *ctx, const char *value, const char *vend,
                            unsigned line, unsigned column, const char *label)
{
	static const char *const prefixes[] = {"docker.io/", "index.docker.io/",
	                                       "registry-1.docker.io/", ""};
	sp_buf msg = SP_BUF_INIT, subject = SP_BUF_INIT;
	const char *ref = df_ltrim(value, vend), *rend = ref, *name;
	size_t i, n;

	while (rend < vend && *rend != ' ')
		rend++;
	n = (size_t)(rend - ref);
	for (i = 0; i < n && df_ref_char(ref[i]); i++)
		;
	if (i == n) {
		for (i = 0; i < 4; i++) {
			size_t k = strlen(prefixes[i]);

			name = ref + k;
			if (n >= k + 17 && !memcmp(ref, prefixes[i], k) &&
			    !memcmp(name, "docker/dockerfile", 17) &&
			    (n == k + 17 || name[17] == ':' || name[17] == '@'))
				return;
		}
	}
	df_subject_text(&subject, label, ref, n);
	df_quote(&msg, subject.ptr, subject.size);
	sp_buf_puts(&msg, " is not allowed: a Space builds with the "
	                  "official Dockerfile frontend only "
	                  "(docker/dockerfile, any version)");
	df_error_at(ctx, line, column, msg.ptr);
	sp_buf_dispose(&msg);
	sp_buf_dispose(&subject);
}

/* "[#|//] key = value" at p..le: the value, or NULL. */
static const char *df_directive_value(const char *s, const char *le,
                                      const char *comment, const char **key,
                                      size_t *klen, const char **vend)
{
	size_t n = strlen(comment);
	const char *v;

	if ((size_t)(le - s) < n || memcmp(s, comment, n))
		return NULL;
	s += n;
	while (s < le && df_re_space(*s))
		s++;
	*key = s;
	if (s < le && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		while (s < le &&
		       ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		        (*s >= '0' && *s <= '9')))
			s++;
	*klen = (size_t)(s - *key);
	while (s < le && df_re_space(*s))
		s++;
	if (!*klen || s >= le || *s != '=')
		return NULL;
	s++;
	while (s < le && df_re_space(*s))
		s++;
	v = s;
	while (le > v && df_re_space(le[-1]))
		le--;
	*vend = le;
	return v == le ? NULL : v;
}

/*
 * Every "syntax" directive any BuildKit version would read: "#" or "//"
 * comments at the top, after a "#!" line, whatever other keys come first;
 * and a file that is a JSON object.
 */
static void df_scan_syntax(df_ctx *ctx, const char *data, const char *end)
{
	static const char *const comments[] = {"#", "//"};
	const char *p;
	size_t c;

	for (p = data;
	     p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r');
	     p++)
		;
	if (p < end && *p == '{') {
		df_error_at(ctx, 1, 1,
		            "a Dockerfile that is a JSON document cannot be "
		            "checked; write Dockerfile instructions");
		return;
	}
	for (c = 0; c < 2; c++) {
		unsigned lineno = 0;

		for (p = data; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end, *s, *key, *v, *vend;
			size_t klen;

			lineno++;
			s = df_ltrim(p, le);
			if (lineno == 1 && le - s >= 2 && s[0] == '#' &&
			    s[1] == '!') {
				p = nl ? nl + 1 : end;
				continue;
			}
			v = df_directive_value(s, le, comments[c], &key, &klen,
			                       &vend);
			if (!v)
				break;
			if (df_lower_eq(key, klen, "syntax"))
				df_check_syntax(ctx, v, vend, lineno,
				                (unsigned)(v - p) + 1,
				                c ? "// syntax=" : "# syntax=");
			p = nl ? nl + 1 : end;
		}
	}
}

/* The parser directives at the top, as they decide the escape character. */
typedef struct {
	int done;
	int seen; /* directives before this line */
	int escape_seen;
} df_directives;

static void df_directive(df_ctx *ctx, df_directives *d, const char *s,
                         const char *le, unsigned lineno)
{
	const char *key, *value, *vend;
	size_t klen;

	if (d->done)
		return;
	value = df_directive_value(s, le, "#", &key, &klen, &vend);
	if (!value || (!df_lower_eq(key, klen, "escape") &&
	               !df_lower_eq(key, klen, "syntax") &&
	               !df_lower_eq(key, klen, "check"))) {
		d->done = 1;
		return;
	}
	if (df_lower_eq(key, klen, "escape")) {
		const char *why = NULL;

		if (d->escape_seen)
			why = "only one \"# escape=\" directive can be used";
		else if (d->seen)
			why = "\"# escape=\" must be the first line; BuildKit "
			      "versions disagree about it after another "
			      "directive";
		else if (vend - value != 1 || (*value != '\\' && *value != '`'))
			why = "\"# escape=\" takes \\ or ` only";
		else if (memchr(s, '\f', (size_t)(le - s)) ||
		         memchr(s, '\r', (size_t)(le - s)))
			why =
			    "\"# escape=\" with unusual white space cannot be "
			    "checked; write it as \"# escape=`\"";
		if (why) {
			df_error_at(ctx, lineno, 1, why);
			ctx->stopped = 1;
		} else {
			ctx->esc = *value;
		}
		d->escape_seen = 1;
	}
	d->seen++;
}

/* Where a physical line ends: its length without CR/LF; 0 past the cap. */
static const char *df_line_end(const char *p, const char *end,
                               const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *le = nl ? nl : end;

	*next = nl ? nl + 1 : end;
	if ((size_t)(le - p) > SP_DOCKERFILE_LINE_MAX)
		return NULL;
	while (le > p && le[-1] == '\r')
		le--;
	return le;
}

static void df_free_stages(df_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nstages; i++)
		free(ctx->stages[i]);
	free(ctx->stages);
}

/* Read the logical lines (continuations joined) and check each. */
static int df_read_lines(df_ctx *ctx, const char *data, const char *end)
{
	static const char too_long[] =
	    "line is longer than 65535 bytes, more than BuildKit reads; "
	    "break it with the escape character at line ends";
	df_directives dirs = {0, 0, 0};
	const char *p = data, *next, *le, *s;
	unsigned lineno = 0;
	int error = 0;

	while (p < end && !error && !ctx->stopped && !ctx->failed) {
		size_t n;
		int cont;

		lineno++;
		if (!(le = df_line_end(p, end, &next))) {
			df_error_at(ctx, lineno, 0, too_long);
			break;
		}
		s = df_ltrim(p, le);
		df_directive(ctx, &dirs, s, le, lineno);
		if (ctx->stopped)
			break;
		if (s == le || *s == '#') {
			p = next;
			continue;
		}
		sp_buf_clear(&ctx->line);
		ctx->nsegs = 0;
		n = (size_t)(le - s);
		cont = df_continues(s, &n, ctx->esc);
		if ((error = df_seg_add(ctx, lineno, (unsigned)(s - p) + 1)) <
		    0)
			break;
		sp_buf_put(&ctx->line, s, n);
		p = next;
		while (cont > 0 && p < end) {
			lineno++;
			if (!(le = df_line_end(p, end, &next))) {
				df_error_at(ctx, lineno, 0, too_long);
				return 0;
			}
			s = df_ltrim(p, le);
			if (s == le || *s == '#') {
				p = next;
				continue;
			}
			n = (size_t)(le - p);
			cont = df_continues(p, &n, ctx->esc);
			if ((error = df_seg_add(ctx, lineno, 1)) < 0)
				return error;
			sp_buf_put(&ctx->line, p, n);
			p = next;
		}
		if (cont < 0) {
			char msg[200];

			snprintf(msg, sizeof(msg),
			         "line ends in two escape characters (%c%c); "
			         "BuildKit versions disagree on whether it "
			         "continues; put a space between them or drop "
			         "one",
			         ctx->esc, ctx->esc);
			df_error_at(ctx, lineno, 0, msg);
			break;
		}
		if ((error = df_check_heredocs(ctx)) < 0)
			break;
		error = df_instruction(ctx, ctx->line.ptr,
		                       ctx->line.ptr + ctx->line.size, 0);
	}
	return error;
}

int sp_dockerfile_check(sp_diag_list *diags, const char *data, size_t len,
                        const sp_dockerfile_options *opts)
{
	df_ctx ctx;
	const char *end = data + len, *v;
	size_t before = diags->errors, i;
	int error = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.diags = diags;
	ctx.opts = opts;
	ctx.esc = '\\';
	sp_buf_init(&ctx.line);

	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		data += 3;
	df_scan_syntax(&ctx, data, end);
	if ((v = df_build_arg(&ctx, "BUILDKIT_SYNTAX", 15)))
		df_check_syntax(&ctx, v, v + strlen(v), 0, 0,
		                "--build-arg BUILDKIT_SYNTAX=");
	for (i = 0; df_builtin_args[i] && !error; i++)
		error = df_vars_set(&ctx, &ctx.globals, df_builtin_args[i],
		                    strlen(df_builtin_args[i]), DF_VAR_UNKNOWN,
		                    NULL, 0);
	if (error == 0)
		error = df_read_lines(&ctx, data, end);
	if (error == 0 && ctx.failed)
		error = ctx.failed;
	sp_buf_dispose(&ctx.line);
	free(ctx.segs);
	df_vars_dispose(&ctx.globals);
	df_vars_dispose(&ctx.stage);
	df_free_stages(&ctx);
	if (error < 0)
		return error;
	return diags->errors > before ? SP_ECONFIG : 0;
}
