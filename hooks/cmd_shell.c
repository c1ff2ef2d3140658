/* spacehook shell USER: the forced command of a user's SSH key. Runs git and
 * the spacehook commands of sshcmd for the Spaces the user may use; never a
 * shell. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authz.h"
#include "buf.h"
#include "commands.h"
#include "error.h"
#include "install.h"
#include "proc.h"
#include "settings.h"
#include "space.h"
#include "sshcmd.h"
#include "strvec.h"

#include "banned.h"

static const char shell_usage[] =
    "usage: spacehook shell USER\n\n"
    "The forced command of USER's key in the git user's authorized_keys:\n"
    "  command=\"spacehook shell alice\",restrict ssh-ed25519 AAAA...\n"
    "It runs what the client asked (SSH_ORIGINAL_COMMAND): git clone, fetch\n"
    "and push of <reposRoot>/OWNER/NAME.git, and the spacehook commands of\n"
    "'ssh git@host help', each only on the Spaces USER may use. A login\n"
    "without a command gets the help and no shell.\n";

/* The commands a user may run, by the name sshcmd gives as argv[0]. */
static const struct shell_command {
	const char *name;
	int (*run)(int argc, char **argv);
} shell_commands[] = {
    {"secrets", cmd_secrets},
    {"variables", cmd_variables},
    {"status", cmd_status},
    {"logs", cmd_logs},
    {"restart", cmd_restart},
    {"rebuild", cmd_rebuild},
    {"stop", cmd_stop},
    {"start", cmd_start},
    {"cancel", cmd_cancel},
    {"sleep-time", cmd_sleep_time},
    {"collaborators", cmd_collaborators},
};

static void shell_help(FILE *out, const char *user)
{
	sp_buf text = SP_BUF_INIT;

	sp_sshcmd_help(&text);
	fprintf(out, "hi %s, this key runs git and these spacehook commands:\n",
	        user);
	fputs(text.ptr, out);
	sp_buf_dispose(&text);
}

/* The same refusal sp_authz_check gives, for a repository not there. */
static int shell_denied(const char *user, const sp_space *space,
                        sp_authz_need need)
{
	return sp_error_set(SP_EDENIED, "no Space '%s' that '%s' may %s",
	                    space->id, user,
	                    need == SP_AUTHZ_READ ? "read" : "write");
}

/* A new bare repository at `path` with the hooks as `spacehook install` links
 * them; nothing on stdout (git's protocol goes there). */
static int shell_create_repo(const char *path)
{
	sp_strvec argv = SP_STRVEC_INIT;
	sp_buf pre = SP_BUF_INIT, post = SP_BUF_INIT, dir = SP_BUF_INIT;
	sp_install_options opts = {0};
	sp_install_result result;
	sp_proc_options proc = {0};
	const char *slash;
	pid_t pid;
	int status = 0, changed, error;

	slash = strrchr(path, '/');
	sp_buf_put(&dir, path, (size_t)(slash - path));
	if (mkdir(dir.ptr, 0755) < 0 && errno != EEXIST) {
		error = sp_error_set_os(SP_EIO, "cannot make '%s'", dir.ptr);
		goto done;
	}
	sp_strvec_pushl(&argv, "git", "init", "--quiet", "--bare", path, NULL);
	proc.argv = argv.v;
	proc.stdin_fd = -1;
	proc.stdout_fd = STDERR_FILENO;
	proc.stderr_fd = STDERR_FILENO;
	if ((error = sp_proc_spawn(&pid, &proc)) < 0 ||
	    (error = sp_proc_wait(&status, pid)) < 0)
		goto done;
	if (status != 0) {
		error =
		    sp_error_set(SP_ERROR, "git init --bare '%s' failed", path);
		goto done;
	}
	opts.uid = geteuid();
	opts.gid = getegid();
	sp_buf_clear(&dir);
	sp_buf_printf(&dir, "%s/hooks", path);
	if ((error = sp_install_programs(&pre, &post)) < 0 ||
	    (error = sp_install_hook(&result, dir.ptr, "pre-receive", pre.ptr,
	                             &opts)) < 0 ||
	    (error = sp_install_hook(&result, dir.ptr, "post-receive", post.ptr,
	                             &opts)) < 0)
		goto done;
	sp_buf_clear(&dir);
	sp_buf_printf(&dir, "%s/config", path);
	error = sp_install_config_set(&changed, dir.ptr,
	                              "receive.advertisePushOptions", "true");
done:
	sp_strvec_clear(&argv);
	sp_buf_dispose(&pre);
	sp_buf_dispose(&post);
	sp_buf_dispose(&dir);
	return error;
}

/* git receive-pack (upload-pack, upload-archive) of the Space's repository,
 * in place of this process. Returns only when it could not start. */
static int shell_git(const sp_settings *settings, const char *user,
                     sp_sshcmd *cmd)
{
	sp_buf path = SP_BUF_INIT;
	struct stat st;
	int error = 0;

	if (!settings->repos_root || !*settings->repos_root)
		return sp_error_set(SP_ECONFIG,
		                    "git over ssh needs spacehook.reposRoot: "
		                    "ask the server's administrator to set it "
		                    "(git config --global spacehook.reposRoot "
		                    "/srv/git)");
	sp_buf_printf(&path, "%s/%s/%s.git", settings->repos_root,
	              cmd->space.owner, cmd->space.name);
	if (stat(path.ptr, &st) < 0 || !S_ISDIR(st.st_mode)) {
		/* The owner's first push makes it; to anyone else it is
		 * refused as one they may not use. */
		if (cmd->need != SP_AUTHZ_WRITE ||
		    strcmp(user, cmd->space.owner)) {
			error = shell_denied(user, &cmd->space, cmd->need);
			goto done;
		}
		if ((error = shell_create_repo(path.ptr)) < 0)
			goto done;
	}
	sp_strvec_push(&cmd->argv, path.ptr);
	fflush(stdout);
	fflush(stderr);
	execvp("git", (char *const *)cmd->argv.v);
	error = sp_error_set_os(SP_ERROR, "cannot run git");
done:
	sp_buf_dispose(&path);
	return error;
}

static int shell_spacehook(const sp_sshcmd *cmd)
{
	for (size_t i = 0;
	     i < sizeof(shell_commands) / sizeof(shell_commands[0]); i++) {
		if (strcmp(cmd->argv.v[0], shell_commands[i].name))
			continue;
		optind = 0; /* the command's getopt_long starts afresh */
		return shell_commands[i].run((int)cmd->argv.nr,
		                             (char **)cmd->argv.v);
	}
	cmd_die_message("'%s' is not available here", cmd->argv.v[0]);
	return 1;
}

int cmd_shell(int argc, char **argv)
{
	sp_settings settings = {0};
	sp_sshcmd cmd;
	const char *user, *original;
	int first, status = 1, error;

	if (cmd_wants_help(argc, argv)) {
		fputs(shell_usage, stdout);
		return 0;
	}
	if ((first = cmd_operands(argc, argv)) < 0 || argc - first != 1) {
		cmd_die_message("usage: spacehook shell USER");
		return 2;
	}
	user = argv[first];
	if (!sp_authz_user_valid(user)) {
		cmd_die_message("the user name of this key is not valid "
		                "(letters, digits, '.', '_', '-'): the "
		                "administrator must fix its command= in "
		                "authorized_keys");
		return 2;
	}
	/* Whatever runs next acts for USER (the audit log reads it). */
	if (setenv("SPACEHOOK_USER", user, 1) < 0) {
		cmd_die_message("cannot set SPACEHOOK_USER: %s",
		                strerror(errno));
		return 1;
	}
	original = getenv("SSH_ORIGINAL_COMMAND");
	if ((error = sp_sshcmd_parse(&cmd, original)) < 0) {
		cmd_die_message("%s", cmd.message.ptr);
		status = error == SP_EUSAGE ? 2 : 1;
		goto done;
	}
	if (cmd.kind == SP_SSHCMD_HELP) {
		if (cmd.argv.nr) {
			status = shell_spacehook(&cmd);
		} else if (!original || !original[strspn(original, " \t")]) {
			shell_help(stderr, user);
			fputs("no shell access: run one of the commands above, "
			      "e.g. ssh git@host help\n",
			      stderr);
		} else {
			shell_help(stdout, user);
			status = 0;
		}
		goto done;
	}
	if (sp_settings_load(&settings, NULL) < 0 ||
	    sp_authz_check(&settings, user, &cmd.space, cmd.need) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	if (cmd.kind == SP_SSHCMD_GIT) {
		shell_git(&settings, user, &cmd);
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	status = shell_spacehook(&cmd);
done:
	sp_sshcmd_dispose(&cmd);
	sp_settings_dispose(&settings);
	return status;
}
