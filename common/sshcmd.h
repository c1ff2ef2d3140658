/* What a user asks over SSH: the command sshd hands `spacehook shell USER` in
 * SSH_ORIGINAL_COMMAND, classified and checked (pure: no I/O, fuzzed). */
#ifndef SP_SSHCMD_H
#define SP_SSHCMD_H

#include "authz.h"
#include "buf.h"
#include "space.h"
#include "strvec.h"

/* The limits of a spacehook command over SSH. */
#define SP_SSHCMD_MAX 4096     /* bytes of the whole command */
#define SP_SSHCMD_WORDS 16     /* words, "spacehook" included */
#define SP_SSHCMD_WORD_MAX 256 /* bytes of one word */

/* The bytes a word of a spacehook command may hold (besides letters and
 * digits): no quotes, no escapes, nothing a shell would act on. */
#define SP_SSHCMD_PUNCT "._/=:@+,%-"

typedef enum {
	/*
	 * Help: no command (a plain `ssh git@host`), `help`, `--help`; or
	 * `<command> --help`, with argv {"<command>", "--help"}.
	 */
	SP_SSHCMD_HELP,
	/* A git transport: argv {"git", "receive-pack"} (or upload-pack,
	 * upload-archive), the repository path to be appended. */
	SP_SSHCMD_GIT,
	/* A spacehook command: argv as its cmd_<name>() takes it. */
	SP_SSHCMD_SPACEHOOK,
} sp_sshcmd_kind;

typedef struct {
	sp_sshcmd_kind kind;
	/*
	 * What to run, owned, NULL-terminated. For SPACEHOOK in a canonical
	 * form: the command name, its verb (set, list, ...), the options
	 * spelt out ("--follow", "--tail" "N"), "--", then the operands with
	 * SPACE as its id: whatever the command's getopt_long makes of it,
	 * SPACE is the Space authorized.
	 */
	sp_strvec argv;
	sp_space space;     /* GIT and SPACEHOOK: the Space acted on */
	sp_authz_need need; /* GIT and SPACEHOOK: what it takes */
	sp_buf message;     /* on failure: the one-line message */
} sp_sshcmd;

/*
 * Classify and check `original` (SSH_ORIGINAL_COMMAND; NULL when unset).
 * `*out` is initialized first in every case: dispose it with
 * sp_sshcmd_dispose. Returns 0, or with out->message and the last error
 * set to a message saying what to do: SP_EINVALID for a refused command
 * (not one of the list, a character outside [A-Za-z0-9] and
 * SP_SSHCMD_PUNCT, named by its code, too long, a bad repository path),
 * SP_EUSAGE for an allowed command with wrong arguments.
 */
int sp_sshcmd_parse(sp_sshcmd *out, const char *original);

/* Free what `cmd` holds (safe on one sp_sshcmd_parse failed on). */
void sp_sshcmd_dispose(sp_sshcmd *cmd);

/* Append the commands a user may send, one usage line each, to `out`. */
void sp_sshcmd_help(sp_buf *out);

#endif
