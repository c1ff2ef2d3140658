/* Fuzz target: the command sshd hands `spacehook shell USER`. Whatever is
 * accepted is safe to run: a spacehook command's every word is of the allowed
 * characters and its SPACE follows "--"; a git command's Space is one
 * sp_space_parse accepts; a refusal is one printable line.
 */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "space.h"
#include "sshcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sshcmd_word_ok(const char *w)
{
	size_t len = strlen(w);

	if (!len || len > SP_SSHCMD_WORD_MAX)
		return 0;
	for (const char *p = w; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(SP_SSHCMD_PUNCT, *p)))
			return 0;
	return 1;
}

static void check_accepted(const sp_sshcmd *cmd)
{
	sp_space again;
	size_t dashdash = 0;

	if (cmd->argv.v[cmd->argv.nr])
		__builtin_trap();
	switch (cmd->kind) {
	case SP_SSHCMD_HELP:
		if (cmd->argv.nr != 0 &&
		    (cmd->argv.nr != 2 || strcmp(cmd->argv.v[1], "--help")))
			__builtin_trap();
		break;
	case SP_SSHCMD_GIT:
		if (cmd->argv.nr != 2 || strcmp(cmd->argv.v[0], "git") ||
		    (strcmp(cmd->argv.v[1], "receive-pack") &&
		     strcmp(cmd->argv.v[1], "upload-pack") &&
		     strcmp(cmd->argv.v[1], "upload-archive")))
			__builtin_trap();
		if (sp_space_parse(&again, cmd->space.id) != 0 ||
		    strcmp(again.id, cmd->space.id) ||
		    !strcmp(cmd->space.owner, "..") ||
		    !strcmp(cmd->space.name, "..") ||
		    strchr(strchr(cmd->space.id, '/') + 1, '/') ||
		    (cmd->need == SP_AUTHZ_WRITE) !=
		        !strcmp(cmd->argv.v[1], "receive-pack"))
			__builtin_trap();
		break;
	case SP_SSHCMD_SPACEHOOK:
		if (cmd->argv.nr < 3 || cmd->argv.nr > SP_SSHCMD_WORDS + 1)
			__builtin_trap();
		for (size_t i = 0; i < cmd->argv.nr; i++) {
			if (!sshcmd_word_ok(cmd->argv.v[i]))
				__builtin_trap();
			if (!dashdash && !strcmp(cmd->argv.v[i], "--"))
				dashdash = i;
		}
		/* SPACE right after "--", the Space authorized. */
		if (!dashdash || dashdash + 1 >= cmd->argv.nr ||
		    strcmp(cmd->argv.v[dashdash + 1], cmd->space.id) ||
		    sp_space_parse(&again, cmd->space.id) != 0 ||
		    strcmp(again.id, cmd->space.id))
			__builtin_trap();
		if (cmd->need == SP_AUTHZ_OWNER &&
		    strcmp(cmd->argv.v[0], "collaborators"))
			__builtin_trap();
		break;
	default:
		__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_buf in = SP_BUF_INIT;
	sp_sshcmd cmd;
	int error;

	sp_buf_put(&in, data, strnlen((const char *)data, size));
	error = sp_sshcmd_parse(&cmd, in.ptr);
	if (error == 0) {
		check_accepted(&cmd);
	} else {
		if ((error != SP_EINVALID && error != SP_EUSAGE) ||
		    cmd.argv.nr != 0 || !cmd.message.size ||
		    strcmp(cmd.message.ptr, sp_error_last()))
			__builtin_trap();
		for (const char *p = cmd.message.ptr; *p; p++)
			if ((unsigned char)*p < 0x20 ||
			    (unsigned char)*p >= 0x7f)
				__builtin_trap();
	}
	sp_sshcmd_dispose(&cmd);
	sp_buf_dispose(&in);
	return 0;
}
