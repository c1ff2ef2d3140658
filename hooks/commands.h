/* The subcommands of the spacehook admin command, one file each (cmd_<name>.c).
 */
#ifndef SP_COMMANDS_H
#define SP_COMMANDS_H

#include "settings.h"
#include "space.h"
#include "store.h"

/*
 * Each takes the arguments after its own name (argv[0] is the command
 * name) and returns the process exit status: 0 success, 1 failure, 2 usage.
 */
int cmd_validate(int argc, char **argv);
int cmd_context(int argc, char **argv);
int cmd_secrets(int argc, char **argv);
int cmd_variables(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_rebuild(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_cancel(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_rebind(int argc, char **argv);
int cmd_forget(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_sleep_time(int argc, char **argv);
int cmd_shell(int argc, char **argv);
int cmd_collaborators(int argc, char **argv);
int cmd_audit(int argc, char **argv);

/* Print "spacehook: <message>" to stderr (printf-style). */
void cmd_die_message(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* True when argv holds -h or --help. */
int cmd_wants_help(int argc, char **argv);

/*
 * Queue a job for the Space (sp_job_submit), record `action` (may be NULL:
 * none) in the audit log once it is queued, then show its log until it
 * ends; the exit status: 0 when it serves and the record was written, 1
 * otherwise (said on stderr).
 */
int cmd_submit_follow(const sp_settings *settings, sp_store *store,
                      const sp_space *space, unsigned flags,
                      const char *action);

/*
 * Record in the audit log that `action` was done to the Space `space_id`
 * about `name` (may be NULL; never a value), by the user sp_audit_actor
 * names. 0 when it is written; else says "spacehook: <id>: changed, but
 * the audit log could not be written: <why>" on stderr and returns 1.
 */
int cmd_audit_change(const sp_settings *settings, const char *space_id,
                     const char *action, const char *name);

/*
 * For a command that takes no options: read argv with getopt_long (so "--"
 * ends the options and "-x" is one) and return the index of the first
 * operand, or -1 when an option was given.
 */
int cmd_operands(int argc, char **argv);

/* Option values of long options without a short form start here, so that
 * optopt tells them from a short option's letter. */
#define CMD_LONG_ONLY 256

/*
 * The option getopt_long just stopped at ('?' or ':'), for a message: "-x"
 * for a short one, else the argument as given ("--tokn=..."). Points into
 * argv or a static buffer.
 */
const char *cmd_bad_option(char **argv);

#endif
