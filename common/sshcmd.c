/* The command an SSH key's forced command gets: git transports and the
 * spacehook commands a user may run, checked word by word, nothing else. */
#include "sshcmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#include "banned.h"

#define SSHCMD_HINT "run 'ssh git@host help' for the commands"

/* An option of a spacehook command: --name, --name VALUE, -short. */
typedef struct {
	const char *name;
	int has_value;
	char short_name;
} sshcmd_option;

/* One allowed form: the name, its verb, its options, its operands (SPACE
 * first), what it takes, and its usage after "spacehook ". */
typedef struct {
	const char *name;
	const char *verb;
	const sshcmd_option *options;
	int min, max;
	sp_authz_need need;
	const char *usage;
} sshcmd_spec;

static const sshcmd_option sshcmd_none[] = {{NULL, 0, 0}};
static const sshcmd_option sshcmd_no_restart[] = {{"no-restart", 0, 0},
                                                  {NULL, 0, 0}};
static const sshcmd_option sshcmd_status[] = {{"json", 0, 0}, {NULL, 0, 0}};
static const sshcmd_option sshcmd_logs[] = {
    {"build", 0, 0}, {"follow", 0, 'f'}, {"tail", 1, 0}, {NULL, 0, 0}};
static const sshcmd_option sshcmd_restart[] = {{"factory", 0, 0}, {NULL, 0, 0}};

#define SSHCMD_OPTIONS_MAX 3

static const sshcmd_spec sshcmd_specs[] = {
    {"secrets", "set", sshcmd_no_restart, 2, 2, SP_AUTHZ_WRITE,
     "secrets set [--no-restart] SPACE NAME   (the value on stdin)"},
    {"secrets", "list", sshcmd_none, 1, 1, SP_AUTHZ_WRITE,
     "secrets list SPACE   (names only)"},
    {"secrets", "unset", sshcmd_no_restart, 2, 2, SP_AUTHZ_WRITE,
     "secrets unset [--no-restart] SPACE NAME"},
    {"variables", "set", sshcmd_no_restart, 2, 3, SP_AUTHZ_WRITE,
     "variables set [--no-restart] SPACE NAME [VALUE]   (else on stdin)"},
    {"variables", "list", sshcmd_none, 1, 1, SP_AUTHZ_WRITE,
     "variables list SPACE"},
    {"variables", "unset", sshcmd_no_restart, 2, 2, SP_AUTHZ_WRITE,
     "variables unset [--no-restart] SPACE NAME"},
    {"status", NULL, sshcmd_status, 1, 1, SP_AUTHZ_WRITE,
     "status SPACE [--json]"},
    {"logs", NULL, sshcmd_logs, 1, 1, SP_AUTHZ_WRITE,
     "logs SPACE [--build] [--follow] [--tail N]"},
    {"restart", NULL, sshcmd_restart, 1, 1, SP_AUTHZ_WRITE,
     "restart SPACE [--factory]"},
    {"rebuild", NULL, sshcmd_none, 1, 1, SP_AUTHZ_WRITE, "rebuild SPACE"},
    {"stop", NULL, sshcmd_none, 1, 1, SP_AUTHZ_WRITE, "stop SPACE"},
    {"start", NULL, sshcmd_none, 1, 1, SP_AUTHZ_WRITE, "start SPACE"},
    {"cancel", NULL, sshcmd_none, 1, 1, SP_AUTHZ_WRITE, "cancel SPACE"},
    {"sleep-time", NULL, sshcmd_none, 1, 2, SP_AUTHZ_WRITE,
     "sleep-time SPACE [SECONDS|never|default]"},
    {"collaborators", "add", sshcmd_none, 2, 2, SP_AUTHZ_OWNER,
     "collaborators add SPACE USER"},
    {"collaborators", "remove", sshcmd_none, 2, 2, SP_AUTHZ_OWNER,
     "collaborators remove SPACE USER"},
    {"collaborators", "list", sshcmd_none, 1, 1, SP_AUTHZ_WRITE,
     "collaborators list SPACE"},
};

#define SSHCMD_SPECS (sizeof(sshcmd_specs) / sizeof(sshcmd_specs[0]))

/* The administrator's commands: named in the refusal as such. */
static const char *const sshcmd_admin_only[] = {
    "gc",     "install", "doctor",   "serve", "worker", "forget",
    "rebind", "context", "validate", "audit", "shell",
};

static const char *const sshcmd_git_services[] = {
    "receive-pack",
    "upload-pack",
    "upload-archive",
};

static void sshcmd_init(sp_sshcmd *out)
{
	memset(out, 0, sizeof(*out));
	sp_strvec_init(&out->argv);
	sp_buf_init(&out->message);
}

void sp_sshcmd_dispose(sp_sshcmd *cmd)
{
	sp_strvec_clear(&cmd->argv);
	sp_buf_dispose(&cmd->message);
}

/* The message in out->message and in the last-error slot; returns `code`. */
static int sshcmd_fail(sp_sshcmd *out, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int sshcmd_fail(sp_sshcmd *out, int code, const char *fmt, ...)
{
	va_list ap;

	sp_strvec_clear(&out->argv);
	sp_buf_clear(&out->message);
	va_start(ap, fmt);
	sp_buf_vprintf(&out->message, fmt, ap);
	va_end(ap);
	return sp_error_set(code, "%s", out->message.ptr);
}

static int sshcmd_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int sshcmd_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr(SP_SSHCMD_PUNCT, c));
}

/*
 * git-shell's sq_dequote of a whole argument: 'text', where '\'' and '\!'
 * between quoted parts stand for ' and !. 0 with the text in `out`, -1 when
 * it is not one such argument.
 */
static int sshcmd_sq_dequote(sp_buf *out, const char *src)
{
	if (*src != '\'')
		return -1;
	for (;;) {
		char c = *++src;

		if (!c)
			return -1;
		if (c != '\'') {
			sp_buf_putc(out, c);
			continue;
		}
		/* Out of the quotes: the end, or an escape and back in. */
		if (src[1] == '\0')
			return 0;
		if (src[1] == '\\' && (src[2] == '\'' || src[2] == '!') &&
		    src[3] == '\'') {
			sp_buf_putc(out, src[2]);
			src += 3;
			continue;
		}
		return -1;
	}
}

static int sshcmd_strip_suffix(sp_buf *buf, const char *suffix)
{
	size_t n = strlen(suffix);

	if (buf->size < n || memcmp(buf->ptr + buf->size - n, suffix, n))
		return 0;
	sp_buf_truncate(buf, buf->size - n);
	return 1;
}

/* `rest`: the argument of git-<service>, a repository path. */
static int sshcmd_parse_git(sp_sshcmd *out, const char *service,
                            const char *rest)
{
	sp_buf path = SP_BUF_INIT, id = SP_BUF_INIT;
	const char *p;
	int error = 0;

	while (sshcmd_is_blank(*rest))
		rest++;
	if (*rest == '\'') {
		if (sshcmd_sq_dequote(&path, rest) < 0)
			goto bad;
	} else {
		sp_buf_puts(&path, rest);
	}
	p = path.ptr;
	if (*p == '/')
		p++;
	else if (p[0] == '~' && p[1] == '/')
		p += 2;
	sp_buf_puts(&id, p);
	if (!sshcmd_strip_suffix(&id, ".git/"))
		sshcmd_strip_suffix(&id, ".git");
	/* Exactly owner/name as sp_space_parse reads it, nothing dropped. */
	if (!id.size || sp_space_parse(&out->space, id.ptr) < 0 ||
	    strcmp(out->space.id, id.ptr))
		goto bad;
	out->kind = SP_SSHCMD_GIT;
	out->need =
	    strcmp(service, "receive-pack") ? SP_AUTHZ_READ : SP_AUTHZ_WRITE;
	sp_strvec_pushl(&out->argv, "git", service, NULL);
	goto done;
bad:
	memset(&out->space, 0, sizeof(out->space));
	error = sshcmd_fail(out, SP_EINVALID,
	                    "git-%s: the repository must be one Space, "
	                    "OWNER/NAME.git (e.g. git@host:alice/demo.git)",
	                    service);
done:
	sp_buf_dispose(&path);
	sp_buf_dispose(&id);
	return error;
}

/*
 * A git transport: "git-<service> ARG" or "git <service> ARG". 1 when
 * `original` is one (parsed into `out`, or failed with *error set), 0 when
 * it is none.
 */
static int sshcmd_try_git(int *error, sp_sshcmd *out, const char *original)
{
	const char *p = original, *service;
	size_t len;

	if (strncmp(p, "git", 3))
		return 0;
	p += 3;
	if (*p == '-') {
		p++;
	} else if (sshcmd_is_blank(*p)) {
		while (sshcmd_is_blank(*p))
			p++;
	} else {
		return 0;
	}
	len = strcspn(p, " \t");
	for (size_t i = 0;
	     i < sizeof(sshcmd_git_services) / sizeof(sshcmd_git_services[0]);
	     i++) {
		service = sshcmd_git_services[i];
		if (strlen(service) != len || strncmp(p, service, len))
			continue;
		if (!sshcmd_is_blank(p[len])) {
			*error = sshcmd_fail(
			    out, SP_EINVALID,
			    "git-%s: the repository must be one Space, "
			    "OWNER/NAME.git (e.g. git@host:alice/demo.git)",
			    service);
			return 1;
		}
		*error = sshcmd_parse_git(out, service, p + len);
		return 1;
	}
	*error = sshcmd_fail(out, SP_EINVALID,
	                     "only git-receive-pack, git-upload-pack and "
	                     "git-upload-archive run over ssh; " SSHCMD_HINT);
	return 1;
}

static const sshcmd_spec *sshcmd_find(const char *name, const char *verb)
{
	for (size_t i = 0; i < SSHCMD_SPECS; i++)
		if (!strcmp(sshcmd_specs[i].name, name) &&
		    (!verb || !sshcmd_specs[i].verb ||
		     !strcmp(sshcmd_specs[i].verb, verb)))
			return &sshcmd_specs[i];
	return NULL;
}

/* The verbs of `name`, for a message: "set, list or unset". */
static void sshcmd_verbs(sp_buf *out, const char *name)
{
	size_t n = 0, total = 0;

	for (size_t i = 0; i < SSHCMD_SPECS; i++)
		total += !strcmp(sshcmd_specs[i].name, name);
	for (size_t i = 0; i < SSHCMD_SPECS; i++) {
		if (strcmp(sshcmd_specs[i].name, name))
			continue;
		if (n)
			sp_buf_puts(out, ++n == total ? " or " : ", ");
		else
			n++;
		sp_buf_puts(out, sshcmd_specs[i].verb);
	}
}

static int sshcmd_usage(sp_sshcmd *out, const sshcmd_spec *spec,
                        const char *what)
{
	return sshcmd_fail(out, SP_EUSAGE, "%s; usage: spacehook %s", what,
	                   spec->usage);
}

/* words[0] is a spacehook command's name (words checked already). */
static int sshcmd_parse_spacehook(sp_sshcmd *out, char **words, size_t n)
{
	const char *operands[SP_SSHCMD_WORDS];
	const char *values[SSHCMD_OPTIONS_MAX] = {NULL};
	int given[SSHCMD_OPTIONS_MAX] = {0};
	const sshcmd_spec *spec;
	const char *name = words[0];
	size_t first = 1, nops = 0;
	sp_buf text = SP_BUF_INIT;
	int dashdash = 0, error = 0;

	for (size_t i = 0;
	     i < sizeof(sshcmd_admin_only) / sizeof(sshcmd_admin_only[0]); i++)
		if (!strcmp(name, sshcmd_admin_only[i]))
			return sshcmd_fail(
			    out, SP_EINVALID,
			    "'%s' is for the server's "
			    "administrator, not over ssh; " SSHCMD_HINT,
			    name);
	if (!(spec = sshcmd_find(name, NULL)))
		return sshcmd_fail(out, SP_EINVALID,
		                   "unknown command '%.64s'; " SSHCMD_HINT,
		                   name);
	for (size_t i = 1; i < n && strcmp(words[i], "--"); i++) {
		if (strcmp(words[i], "--help") && strcmp(words[i], "-h"))
			continue;
		out->kind = SP_SSHCMD_HELP;
		sp_strvec_pushl(&out->argv, name, "--help", NULL);
		return 0;
	}
	if (spec->verb) {
		if (n < 2 || !(spec = sshcmd_find(name, words[1]))) {
			sshcmd_verbs(&text, name);
			if (n < 2)
				error = sshcmd_fail(
				    out, SP_EUSAGE,
				    "%s: missing subcommand (%s); " SSHCMD_HINT,
				    name, text.ptr);
			else
				error =
				    sshcmd_fail(out, SP_EUSAGE,
				                "%s: unknown subcommand "
				                "'%.64s' (%s); " SSHCMD_HINT,
				                name, words[1], text.ptr);
			sp_buf_dispose(&text);
			return error;
		}
		first = 2;
	}
	for (size_t i = first; i < n; i++) {
		const char *w = words[i], *eq;
		size_t k, len;

		if (dashdash || w[0] != '-' || !w[1]) {
			operands[nops++] = w;
			continue;
		}
		if (!strcmp(w, "--")) {
			dashdash = 1;
			continue;
		}
		for (k = 0; spec->options[k].name; k++) {
			const sshcmd_option *o = &spec->options[k];

			if (w[1] != '-') {
				if (o->short_name && w[1] == o->short_name &&
				    !w[2])
					break;
				continue;
			}
			eq = strchr(w, '=');
			len = eq ? (size_t)(eq - w - 2) : strlen(w + 2);
			if (strlen(o->name) == len &&
			    !strncmp(w + 2, o->name, len))
				break;
		}
		if (!spec->options[k].name) {
			sp_buf_printf(
			    &text, "unknown option '%.*s'",
			    (int)(strcspn(w, "=") > 64 ? 64 : strcspn(w, "=")),
			    w);
			error = sshcmd_usage(out, spec, text.ptr);
			goto done;
		}
		eq = w[1] == '-' ? strchr(w, '=') : NULL;
		if (!spec->options[k].has_value && eq) {
			sp_buf_printf(&text, "--%s takes no value",
			              spec->options[k].name);
			error = sshcmd_usage(out, spec, text.ptr);
			goto done;
		}
		given[k] = 1;
		if (!spec->options[k].has_value)
			continue;
		if (eq) {
			values[k] = eq + 1;
		} else if (i + 1 < n) {
			values[k] = words[++i];
		} else {
			sp_buf_printf(&text, "--%s needs a value",
			              spec->options[k].name);
			error = sshcmd_usage(out, spec, text.ptr);
			goto done;
		}
		len = strlen(values[k]);
		if (!len || len > 7 || strspn(values[k], "0123456789") != len) {
			sp_buf_printf(&text, "--%s takes a number",
			              spec->options[k].name);
			error = sshcmd_usage(out, spec, text.ptr);
			goto done;
		}
	}
	if (nops < (size_t)spec->min || nops > (size_t)spec->max) {
		error = sshcmd_usage(out, spec,
		                     nops < (size_t)spec->min
		                         ? "missing operand"
		                         : "too many operands");
		goto done;
	}
	if (sp_space_parse(&out->space, operands[0]) < 0) {
		sp_buf_sets(&text, sp_error_last());
		memset(&out->space, 0, sizeof(out->space));
		error = sshcmd_fail(out, SP_EUSAGE, "%s (SPACE is OWNER/NAME)",
		                    text.ptr);
		goto done;
	}
	out->kind = SP_SSHCMD_SPACEHOOK;
	out->need = spec->need;
	sp_strvec_push(&out->argv, spec->name);
	if (spec->verb)
		sp_strvec_push(&out->argv, spec->verb);
	for (size_t k = 0; spec->options[k].name; k++) {
		if (!given[k])
			continue;
		sp_strvec_pushf(&out->argv, "--%s", spec->options[k].name);
		if (spec->options[k].has_value)
			sp_strvec_push(&out->argv, values[k]);
	}
	sp_strvec_pushl(&out->argv, "--", out->space.id, NULL);
	for (size_t i = 1; i < nops; i++)
		sp_strvec_push(&out->argv, operands[i]);
done:
	sp_buf_dispose(&text);
	return error;
}

/* Every byte a word character or a blank; else refused, naming the first. */
static int sshcmd_check_chars(sp_sshcmd *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (sshcmd_is_blank((char)*p) || sshcmd_word_char(*p))
			continue;
		if (*p > 0x20 && *p < 0x7f)
			return sshcmd_fail(out, SP_EINVALID,
			                   "character 0x%02x (%c) is not "
			                   "allowed in a command: "
			                   "words are letters, digits and %s, "
			                   "without quotes; " SSHCMD_HINT,
			                   *p, *p, SP_SSHCMD_PUNCT);
		return sshcmd_fail(
		    out, SP_EINVALID,
		    "character 0x%02x is not allowed in a command: words are "
		    "letters, digits and %s, without quotes; " SSHCMD_HINT,
		    *p, SP_SSHCMD_PUNCT);
	}
	return 0;
}

int sp_sshcmd_parse(sp_sshcmd *out, const char *original)
{
	char *copy = NULL, *words[SP_SSHCMD_WORDS];
	size_t n = 0;
	int error = 0;

	sshcmd_init(out);
	out->kind = SP_SSHCMD_HELP;
	if (!original)
		return 0;
	if (strlen(original) > SP_SSHCMD_MAX)
		return sshcmd_fail(
		    out, SP_EINVALID,
		    "the command is longer than %d bytes; " SSHCMD_HINT,
		    SP_SSHCMD_MAX);
	if (sshcmd_try_git(&error, out, original))
		return error;
	if ((error = sshcmd_check_chars(out, original)) < 0)
		return error;
	copy = sp_strdup(original);
	for (char *p = copy; *p;) {
		size_t len;

		while (sshcmd_is_blank(*p))
			*p++ = '\0';
		if (!*p)
			break;
		len = strcspn(p, " \t");
		if (n == SP_SSHCMD_WORDS) {
			error = sshcmd_fail(out, SP_EINVALID,
			                    "the command has more than %d "
			                    "words; " SSHCMD_HINT,
			                    SP_SSHCMD_WORDS);
			goto done;
		}
		if (len > SP_SSHCMD_WORD_MAX) {
			error = sshcmd_fail(out, SP_EINVALID,
			                    "word %zu of the command is longer "
			                    "than %d bytes; " SSHCMD_HINT,
			                    n + 1, SP_SSHCMD_WORD_MAX);
			goto done;
		}
		words[n++] = p;
		p += len;
	}
	if (n && !strcmp(words[0], "spacehook")) {
		memmove(words, words + 1, (n - 1) * sizeof(words[0]));
		n--;
	}
	if (!n || !strcmp(words[0], "help") || !strcmp(words[0], "--help") ||
	    !strcmp(words[0], "-h"))
		goto done;
	error = sshcmd_parse_spacehook(out, words, n);
done:
	free(copy);
	return error;
}

void sp_sshcmd_help(sp_buf *out)
{
	sp_buf_puts(out, "commands (SPACE is OWNER/NAME, e.g. alice/demo):\n");
	for (size_t i = 0; i < SSHCMD_SPECS; i++)
		sp_buf_printf(out, "  spacehook %s\n", sshcmd_specs[i].usage);
	sp_buf_puts(out, "  spacehook help\n"
	                 "  git clone, fetch, push: git@host:OWNER/NAME.git\n");
}
