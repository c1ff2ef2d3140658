/* Tests of the SSH command parser: git transports, the spacehook commands a
 * user may run (in their canonical argv), help, and every refusal. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "sshcmd.h"
#include "testlib.h"

/* argv joined by single spaces. */
static void joined(sp_buf *out, const sp_sshcmd *cmd)
{
	for (size_t i = 0; i < cmd->argv.nr; i++)
		sp_buf_printf(out, "%s%s", i ? " " : "", cmd->argv.v[i]);
}

START_TEST(test_help)
{
	static const char *const cases[] = {
	    NULL,
	    "",
	    "   ",
	    "\t",
	    "help",
	    "spacehook help",
	    "spacehook --help",
	    "spacehook -h",
	    "spacehook",
	    "--help",
	    " help ",
	    "help secrets",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp_sshcmd cmd;

		ck_assert_msg(sp_sshcmd_parse(&cmd, cases[i]) == 0, "[%s]: %s",
		              cases[i] ? cases[i] : "(null)", sp_error_last());
		ck_assert_int_eq(cmd.kind, SP_SSHCMD_HELP);
		ck_assert_uint_eq(cmd.argv.nr, 0);
		ck_assert_ptr_null(cmd.argv.v[0]);
		sp_sshcmd_dispose(&cmd);
	}
}
END_TEST

START_TEST(test_command_help)
{
	static const struct {
		const char *in, *argv;
	} cases[] = {
	    {"spacehook secrets --help", "secrets --help"},
	    {"secrets set --help", "secrets --help"},
	    {"spacehook logs alice/demo -h", "logs --help"},
	    {"status --help", "status --help"},
	    {"sleep-time --help", "sleep-time --help"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp_buf text = SP_BUF_INIT;
		sp_sshcmd cmd;

		ck_assert_msg(sp_sshcmd_parse(&cmd, cases[i].in) == 0,
		              "[%s]: %s", cases[i].in, sp_error_last());
		ck_assert_int_eq(cmd.kind, SP_SSHCMD_HELP);
		joined(&text, &cmd);
		ck_assert_str_eq(text.ptr, cases[i].argv);
		sp_buf_dispose(&text);
		sp_sshcmd_dispose(&cmd);
	}
}
END_TEST

START_TEST(test_git_accepted)
{
	static const struct {
		const char *in, *service, *id;
		sp_authz_need need;
	} cases[] = {
	    {"git-receive-pack 'alice/demo.git'", "receive-pack", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"git-upload-pack 'alice/demo.git'", "upload-pack", "alice/demo",
	     SP_AUTHZ_READ},
	    {"git-upload-archive 'alice/demo.git'", "upload-archive",
	     "alice/demo", SP_AUTHZ_READ},
	    {"git-upload-pack '/alice/demo.git'", "upload-pack", "alice/demo",
	     SP_AUTHZ_READ},
	    {"git-upload-pack '~/alice/demo.git'", "upload-pack", "alice/demo",
	     SP_AUTHZ_READ},
	    {"git-upload-pack 'alice/demo'", "upload-pack", "alice/demo",
	     SP_AUTHZ_READ},
	    {"git-upload-pack 'alice/demo.git/'", "upload-pack", "alice/demo",
	     SP_AUTHZ_READ},
	    {"git-upload-pack alice/demo.git", "upload-pack", "alice/demo",
	     SP_AUTHZ_READ},
	    {"git-receive-pack /Alice/my_app.v2.git", "receive-pack",
	     "Alice/my_app.v2", SP_AUTHZ_WRITE},
	    {"git receive-pack 'alice/demo.git'", "receive-pack", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"git upload-pack 'alice/demo.git'", "upload-pack", "alice/demo",
	     SP_AUTHZ_READ},
	    {"git-upload-pack 'al'\\''ice/demo'", NULL, NULL, 0},
	    {"git-upload-pack 'alice'\\!'/demo'", NULL, NULL, 0},
	    {"git-upload-pack 'ali''ce/demo'", NULL, NULL, 0},
	    {"git-upload-pack 'alice/de'\\''mo'", NULL, NULL, 0},
	    {"git-upload-pack 'a'\\''b/c'", NULL, NULL, 0},
	    {"git-upload-pack 'alice/demo-'\\!''", NULL, NULL, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp_buf text = SP_BUF_INIT, want = SP_BUF_INIT;
		sp_sshcmd cmd;
		int error = sp_sshcmd_parse(&cmd, cases[i].in);

		if (!cases[i].id) {
			/* Quotes in the id itself: dequoted, then refused. */
			ck_assert_msg(error == SP_EINVALID, "[%s] accepted",
			              cases[i].in);
			ck_assert_ptr_nonnull(
			    strstr(cmd.message.ptr, "must be one Space"));
			sp_sshcmd_dispose(&cmd);
			continue;
		}
		ck_assert_msg(error == 0, "[%s]: %s", cases[i].in,
		              sp_error_last());
		ck_assert_int_eq(cmd.kind, SP_SSHCMD_GIT);
		ck_assert_str_eq(cmd.space.id, cases[i].id);
		ck_assert_int_eq(cmd.need, cases[i].need);
		joined(&text, &cmd);
		sp_buf_printf(&want, "git %s", cases[i].service);
		ck_assert_str_eq(text.ptr, want.ptr);
		sp_buf_dispose(&text);
		sp_buf_dispose(&want);
		sp_sshcmd_dispose(&cmd);
	}
}
END_TEST

START_TEST(test_git_sq_dequote)
{
	/* '\'' escapes as git-shell takes them, kept in a valid name. */
	sp_sshcmd cmd;

	ck_assert_int_eq(sp_sshcmd_parse(&cmd, "git-upload-pack 'al''ice'"),
	                 SP_EINVALID);
	sp_sshcmd_dispose(&cmd);
	ck_assert_int_eq(
	    sp_sshcmd_parse(&cmd, "git-upload-pack 'alice/'\\''demo'"),
	    SP_EINVALID);
	sp_sshcmd_dispose(&cmd);
	/* Splitting a name over escapes of nothing but quotes: refused as
	 * the name then holds a quote. A plain name split in two quoted
	 * halves is no sq_dequote form. */
	ck_assert_int_eq(sp_sshcmd_parse(&cmd, "git-upload-pack 'alice/demo"),
	                 SP_EINVALID);
	sp_sshcmd_dispose(&cmd);
}
END_TEST

START_TEST(test_git_refused)
{
	static const char *const cases[] = {
	    "git-upload-pack '/alice/../bob/x.git'",
	    "git-upload-pack '../alice/demo.git'",
	    "git-upload-pack 'alice/../demo'",
	    "git-upload-pack '..'",
	    "git-upload-pack '/'",
	    "git-upload-pack ''",
	    "git-upload-pack",
	    "git-upload-pack ",
	    "git-upload-pack 'alice'",
	    "git-upload-pack 'alice/demo/x.git'",
	    "git-upload-pack 'alice/demo/.git'",
	    "git-upload-pack '//alice/demo.git'",
	    "git-upload-pack '~alice/demo.git'",
	    "git-upload-pack '~/~/alice/demo.git'",
	    "git-upload-pack '/~/alice/demo.git'",
	    "git-upload-pack 'alice/demo.git.git'",
	    "git-upload-pack 'alice/.git'",
	    "git-upload-pack 'alice/.hidden'",
	    "git-upload-pack '-alice/demo'",
	    "git-upload-pack --upload-pack=x 'a/b'",
	    "git-upload-pack '--upload-pack=x'",
	    "git-upload-pack 'alice/demo.git' extra",
	    "git-upload-pack 'alice/demo.git' 'bob/x.git'",
	    "git-upload-pack 'alice/demo.git'; id",
	    "git-upload-pack 'alice/demo.git'\nid",
	    "git-upload-pack 'alice/demo.git",
	    "git-upload-pack alice/demo.git;id",
	    "git-upload-pack alice/demo$(id)",
	    "git-upload-pack 'alice/de mo'",
	    "git-upload-pack 'alice/de\nmo'",
	    "git-upload-pack \"alice/demo.git\"",
	    "git-upload-pack 'alice/\x1b[31m'",
	    "git-upload-pack 'alice/d\xc3\xa9mo'",
	    "git-upload-pack\t",
	    "git-upload-packx 'alice/demo'",
	    "git-upload-pack\n'alice/demo'",
	    "git-shell -c id",
	    "git-http-backend",
	    "git status",
	    "git -c core.sshCommand=id upload-pack 'a/b'",
	    "git upload-pack --upload-pack=x 'a/b'",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp_sshcmd cmd;
		int error = sp_sshcmd_parse(&cmd, cases[i]);

		ck_assert_msg(error == SP_EINVALID, "case %zu [%s]: %d", i,
		              cases[i], error);
		ck_assert_uint_eq(cmd.argv.nr, 0);
		ck_assert_str_eq(sp_error_last(), cmd.message.ptr);
		ck_assert_msg(!strchr(cmd.message.ptr, '\n') &&
		                  !strchr(cmd.message.ptr, '\x1b'),
		              "case %zu: raw control byte in the message", i);
		sp_sshcmd_dispose(&cmd);
	}
}
END_TEST

START_TEST(test_spacehook_accepted)
{
	static const struct {
		const char *in, *argv, *id;
		sp_authz_need need;
	} cases[] = {
	    {"spacehook secrets set alice/demo HF_TOKEN",
	     "secrets set -- alice/demo HF_TOKEN", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"secrets set alice/demo HF_TOKEN",
	     "secrets set -- alice/demo HF_TOKEN", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook secrets set --no-restart alice/demo HF_TOKEN",
	     "secrets set --no-restart -- alice/demo HF_TOKEN", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook secrets set alice/demo HF_TOKEN --no-restart",
	     "secrets set --no-restart -- alice/demo HF_TOKEN", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook\tsecrets  set\t alice/demo.git HF_TOKEN ",
	     "secrets set -- alice/demo HF_TOKEN", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook secrets list alice/demo", "secrets list -- alice/demo",
	     "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook secrets unset --no-restart alice/demo X",
	     "secrets unset --no-restart -- alice/demo X", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook variables set alice/demo MODEL gpt2",
	     "variables set -- alice/demo MODEL gpt2", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook variables set alice/demo URL https://x.org/a?b", NULL,
	     NULL, 0},
	    {"spacehook variables set alice/demo URL https://x.org/a%20b",
	     "variables set -- alice/demo URL https://x.org/a%20b",
	     "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook variables set alice/demo MODEL",
	     "variables set -- alice/demo MODEL", "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook variables set alice/demo -- NEG -5",
	     "variables set -- alice/demo NEG -5", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook variables list alice/demo",
	     "variables list -- alice/demo", "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook variables unset alice/demo MODEL",
	     "variables unset -- alice/demo MODEL", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook status alice/demo", "status -- alice/demo",
	     "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook status --json alice/demo",
	     "status --json -- alice/demo", "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook status alice/demo --json",
	     "status --json -- alice/demo", "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook logs alice/demo", "logs -- alice/demo", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook logs alice/demo --build --follow --tail 20",
	     "logs --build --follow --tail 20 -- alice/demo", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook logs --tail=5 -f alice/demo",
	     "logs --follow --tail 5 -- alice/demo", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook logs -- alice/demo", "logs -- alice/demo", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook restart alice/demo", "restart -- alice/demo",
	     "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook restart alice/demo --factory",
	     "restart --factory -- alice/demo", "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook rebuild alice/demo", "rebuild -- alice/demo",
	     "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook stop alice/demo", "stop -- alice/demo", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook start alice/demo", "start -- alice/demo", "alice/demo",
	     SP_AUTHZ_WRITE},
	    {"spacehook cancel alice/demo", "cancel -- alice/demo",
	     "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook sleep-time alice/demo", "sleep-time -- alice/demo",
	     "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook sleep-time alice/demo 3600",
	     "sleep-time -- alice/demo 3600", "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook sleep-time alice/demo never",
	     "sleep-time -- alice/demo never", "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook sleep-time alice/demo default",
	     "sleep-time -- alice/demo default", "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook collaborators add alice/demo bob",
	     "collaborators add -- alice/demo bob", "alice/demo",
	     SP_AUTHZ_OWNER},
	    {"spacehook collaborators remove alice/demo bob",
	     "collaborators remove -- alice/demo bob", "alice/demo",
	     SP_AUTHZ_OWNER},
	    {"spacehook collaborators list alice/demo",
	     "collaborators list -- alice/demo", "alice/demo", SP_AUTHZ_WRITE},
	    {"spacehook stop Alice.x/My_App", "stop -- Alice.x/My_App",
	     "Alice.x/My_App", SP_AUTHZ_WRITE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp_buf text = SP_BUF_INIT;
		sp_sshcmd cmd;
		int error = sp_sshcmd_parse(&cmd, cases[i].in);

		if (!cases[i].argv) {
			ck_assert_msg(error < 0, "[%s] accepted", cases[i].in);
			sp_sshcmd_dispose(&cmd);
			continue;
		}
		ck_assert_msg(error == 0, "[%s]: %s", cases[i].in,
		              sp_error_last());
		ck_assert_int_eq(cmd.kind, SP_SSHCMD_SPACEHOOK);
		ck_assert_str_eq(cmd.space.id, cases[i].id);
		ck_assert_int_eq(cmd.need, cases[i].need);
		joined(&text, &cmd);
		ck_assert_str_eq(text.ptr, cases[i].argv);
		ck_assert_ptr_null(cmd.argv.v[cmd.argv.nr]);
		sp_buf_dispose(&text);
		sp_sshcmd_dispose(&cmd);
	}
}
END_TEST

START_TEST(test_spacehook_refused)
{
	static const struct {
		const char *in;
		int code;
		const char *message;
	} cases[] = {
	    /* Shells and their syntax. */
	    {"sh -c id", SP_EINVALID, "unknown command 'sh'"},
	    {"bash", SP_EINVALID, "unknown command 'bash'"},
	    {"/bin/sh", SP_EINVALID, "unknown command '/bin/sh'"},
	    {"spacehook $(id)", SP_EINVALID, "character 0x24 ($)"},
	    {"spacehook `id`", SP_EINVALID, "character 0x60 (`)"},
	    {"spacehook status alice/demo; id", SP_EINVALID,
	     "character 0x3b (;)"},
	    {"spacehook status alice/demo | id", SP_EINVALID,
	     "character 0x7c (|)"},
	    {"spacehook status alice/demo && id", SP_EINVALID,
	     "character 0x26 (&)"},
	    {"spacehook status alice/demo > /tmp/x", SP_EINVALID,
	     "character 0x3e (>)"},
	    {"spacehook status alice/demo < /etc/passwd", SP_EINVALID,
	     "character 0x3c (<)"},
	    {"spacehook status alice/*", SP_EINVALID, "character 0x2a (*)"},
	    {"spacehook status alice/dem?", SP_EINVALID, "character 0x3f (?)"},
	    {"spacehook status (alice/demo)", SP_EINVALID,
	     "character 0x28 (()"},
	    {"spacehook status 'alice/demo'", SP_EINVALID,
	     "character 0x27 (')"},
	    {"spacehook status \"alice/demo\"", SP_EINVALID,
	     "character 0x22 (\")"},
	    {"spacehook status alice\\/demo", SP_EINVALID,
	     "character 0x5c (\\)"},
	    {"spacehook status alice/demo\nid", SP_EINVALID,
	     "character 0x0a is not allowed"},
	    {"spacehook status alice/demo\rid", SP_EINVALID,
	     "character 0x0d is not allowed"},
	    {"spacehook variables set alice/demo X a\nb", SP_EINVALID,
	     "character 0x0a is not allowed"},
	    {"spacehook status alice/\x1b]0;x\x07", SP_EINVALID,
	     "character 0x1b is not allowed"},
	    {"spacehook status alice/d\xc3\xa9mo", SP_EINVALID,
	     "character 0xc3 is not allowed"},
	    {"spacehook status alice/demo\x7f", SP_EINVALID,
	     "character 0x7f is not allowed"},
	    {"spacehook status alice/demo\v", SP_EINVALID,
	     "character 0x0b is not allowed"},
	    {"spacehook status ~alice/demo", SP_EINVALID, "character 0x7e (~)"},
	    {"spacehook status alice/demo#x", SP_EINVALID,
	     "character 0x23 (#)"},
	    {"spacehook status !x", SP_EINVALID, "character 0x21 (!)"},
	    {"spacehook status {a,b}", SP_EINVALID, "character 0x7b ({)"},
	    /* The administrator's commands and unknown ones. */
	    {"spacehook gc", SP_EINVALID, "'gc' is for the server's admin"},
	    {"spacehook install --global", SP_EINVALID, "'install' is for"},
	    {"spacehook doctor", SP_EINVALID, "'doctor' is for"},
	    {"spacehook serve", SP_EINVALID, "'serve' is for"},
	    {"spacehook worker alice/demo", SP_EINVALID, "'worker' is for"},
	    {"spacehook forget alice/demo", SP_EINVALID, "'forget' is for"},
	    {"spacehook rebind alice/demo", SP_EINVALID, "'rebind' is for"},
	    {"spacehook context alice/demo", SP_EINVALID, "'context' is for"},
	    {"spacehook validate .", SP_EINVALID, "'validate' is for"},
	    {"spacehook audit", SP_EINVALID, "'audit' is for"},
	    {"spacehook shell bob", SP_EINVALID, "'shell' is for"},
	    {"spacehook frobnicate", SP_EINVALID,
	     "unknown command 'frobnicate'; run 'ssh git@host help'"},
	    {"spacehook spacehook status alice/demo", SP_EINVALID,
	     "unknown command 'spacehook'"},
	    {"spacehook --version", SP_EINVALID, "unknown command '--version'"},
	    {"scp -t /tmp", SP_EINVALID, "unknown command 'scp'"},
	    {"rsync --server", SP_EINVALID, "unknown command 'rsync'"},
	    {"internal-sftp", SP_EINVALID, "unknown command"},
	    /* Wrong use of an allowed command. */
	    {"spacehook secrets", SP_EUSAGE,
	     "secrets: missing subcommand (set, list or unset)"},
	    {"spacehook secrets get alice/demo X", SP_EUSAGE,
	     "unknown subcommand 'get' (set, list or unset)"},
	    {"spacehook secrets --no-restart set alice/demo X", SP_EUSAGE,
	     "unknown subcommand '--no-restart'"},
	    {"spacehook collaborators", SP_EUSAGE, "(add, remove or list)"},
	    {"spacehook secrets set alice/demo", SP_EUSAGE,
	     "missing operand; usage: spacehook secrets set"},
	    {"spacehook secrets set alice/demo X value", SP_EUSAGE,
	     "too many operands"},
	    {"spacehook secrets list", SP_EUSAGE, "missing operand"},
	    {"spacehook secrets list --no-restart alice/demo", SP_EUSAGE,
	     "unknown option '--no-restart'"},
	    {"spacehook status", SP_EUSAGE, "missing operand"},
	    {"spacehook status alice/demo bob/x", SP_EUSAGE,
	     "too many operands"},
	    {"spacehook status alice/demo --json=1", SP_EUSAGE,
	     "--json takes no value"},
	    {"spacehook status alice/demo --js", SP_EUSAGE,
	     "unknown option '--js'"},
	    {"spacehook logs alice/demo --tail", SP_EUSAGE,
	     "--tail needs a value"},
	    {"spacehook logs alice/demo --tail x", SP_EUSAGE,
	     "--tail takes a number"},
	    {"spacehook logs alice/demo --tail=-1", SP_EUSAGE,
	     "--tail takes a number"},
	    {"spacehook logs alice/demo --tail 123456789", SP_EUSAGE,
	     "--tail takes a number"},
	    {"spacehook logs alice/demo -fb", SP_EUSAGE,
	     "unknown option '-fb'"},
	    {"spacehook logs alice/demo --since=1h", SP_EUSAGE,
	     "unknown option '--since'"},
	    {"spacehook logs --token=abc alice/demo", SP_EUSAGE,
	     "unknown option '--token'"},
	    {"spacehook restart alice/demo --hard", SP_EUSAGE,
	     "unknown option '--hard'; usage: spacehook restart SPACE"},
	    {"spacehook stop alice/demo --force", SP_EUSAGE, "unknown option"},
	    {"spacehook sleep-time alice/demo -1", SP_EUSAGE,
	     "unknown option '-1'"},
	    {"spacehook sleep-time alice/demo 1 2", SP_EUSAGE,
	     "too many operands"},
	    {"spacehook collaborators add alice/demo", SP_EUSAGE,
	     "missing operand"},
	    {"spacehook status alice", SP_EUSAGE,
	     "invalid space 'alice': expected owner/name"},
	    {"spacehook status alice/demo/x", SP_EUSAGE, "invalid space"},
	    {"spacehook status ../etc", SP_EUSAGE, "invalid space"},
	    {"spacehook status alice/..", SP_EUSAGE, "invalid space"},
	    {"spacehook stop -- -x/demo", SP_EUSAGE, "invalid space"},
	    {"spacehook secrets set --no-restart HF_TOKEN alice/demo",
	     SP_EUSAGE, "invalid space 'HF_TOKEN'"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp_sshcmd cmd;
		int error = sp_sshcmd_parse(&cmd, cases[i].in);

		ck_assert_msg(error == cases[i].code, "case %zu [%s]: %d (%s)",
		              i, cases[i].in, error, cmd.message.ptr);
		ck_assert_uint_eq(cmd.argv.nr, 0);
		ck_assert_str_eq(sp_error_last(), cmd.message.ptr);
		ck_assert_msg(strstr(cmd.message.ptr, cases[i].message),
		              "case %zu: [%s] not in [%s]", i, cases[i].message,
		              cmd.message.ptr);
		for (const char *p = cmd.message.ptr; *p; p++)
			ck_assert_msg((unsigned char)*p >= 0x20 &&
			                  (unsigned char)*p < 0x7f,
			              "case %zu: byte 0x%02x in the message", i,
			              (unsigned char)*p);
		sp_sshcmd_dispose(&cmd);
	}
}
END_TEST

START_TEST(test_limits)
{
	sp_buf in = SP_BUF_INIT;
	sp_sshcmd cmd;

	/* 16 words pass the count (and fail as too many operands). */
	sp_buf_puts(&in, "spacehook variables set alice/demo X");
	for (int i = 0; i < 11; i++)
		sp_buf_puts(&in, " w");
	ck_assert_int_eq(sp_sshcmd_parse(&cmd, in.ptr), SP_EUSAGE);
	sp_sshcmd_dispose(&cmd);
	sp_buf_puts(&in, " w");
	ck_assert_int_eq(sp_sshcmd_parse(&cmd, in.ptr), SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(cmd.message.ptr, "more than 16 words"));
	sp_sshcmd_dispose(&cmd);

	/* A word of 256 bytes is fine, 257 is not. */
	sp_buf_sets(&in, "spacehook variables set alice/demo X ");
	for (int i = 0; i < 256; i++)
		sp_buf_putc(&in, 'v');
	ck_assert_int_eq(sp_sshcmd_parse(&cmd, in.ptr), 0);
	ck_assert_uint_eq(strlen(cmd.argv.v[5]), 256);
	sp_sshcmd_dispose(&cmd);
	sp_buf_putc(&in, 'v');
	ck_assert_int_eq(sp_sshcmd_parse(&cmd, in.ptr), SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(
	    cmd.message.ptr, "word 6 of the command is longer than 256"));
	sp_sshcmd_dispose(&cmd);

	/* The whole command: 4096 bytes (blanks count), then refused. */
	sp_buf_sets(&in, "spacehook status alice/demo");
	while (in.size < SP_SSHCMD_MAX)
		sp_buf_putc(&in, ' ');
	ck_assert_int_eq(sp_sshcmd_parse(&cmd, in.ptr), 0);
	sp_sshcmd_dispose(&cmd);
	sp_buf_putc(&in, ' ');
	ck_assert_int_eq(sp_sshcmd_parse(&cmd, in.ptr), SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(cmd.message.ptr, "longer than 4096"));
	sp_sshcmd_dispose(&cmd);

	/* A long git path: refused, and not echoed. */
	sp_buf_sets(&in, "git-upload-pack 'alice/");
	for (int i = 0; i < 3000; i++)
		sp_buf_putc(&in, 'x');
	sp_buf_puts(&in, ".git'");
	ck_assert_int_eq(sp_sshcmd_parse(&cmd, in.ptr), SP_EINVALID);
	ck_assert_ptr_null(strstr(cmd.message.ptr, "xxxx"));
	sp_sshcmd_dispose(&cmd);

	/* A long unknown command is cut in the message. */
	sp_buf_clear(&in);
	for (int i = 0; i < 200; i++)
		sp_buf_putc(&in, 'z');
	ck_assert_int_eq(sp_sshcmd_parse(&cmd, in.ptr), SP_EINVALID);
	ck_assert_uint_lt(cmd.message.size, 200);
	sp_sshcmd_dispose(&cmd);
	sp_buf_dispose(&in);
}
END_TEST

START_TEST(test_help_text)
{
	sp_buf text = SP_BUF_INIT;
	static const char *const lines[] = {
	    "  spacehook secrets set [--no-restart] SPACE NAME",
	    "  spacehook secrets list SPACE",
	    "  spacehook variables set [--no-restart] SPACE NAME [VALUE]",
	    "  spacehook status SPACE [--json]",
	    "  spacehook logs SPACE [--build] [--follow] [--tail N]",
	    "  spacehook restart SPACE [--factory]",
	    "  spacehook sleep-time SPACE",
	    "  spacehook collaborators add SPACE USER",
	    "  spacehook help\n",
	    "git@host:OWNER/NAME.git",
	};

	sp_sshcmd_help(&text);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_msg(strstr(text.ptr, lines[i]), "[%s] missing",
		              lines[i]);
	ck_assert_ptr_null(strstr(text.ptr, "gc"));
	sp_buf_dispose(&text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sshcmd");
	TCase *help = tcase_create("help");
	TCase *git = tcase_create("git");
	TCase *spacehook = tcase_create("spacehook");
	TCase *limits = tcase_create("limits");

	tcase_add_test(help, test_help);
	tcase_add_test(help, test_command_help);
	tcase_add_test(help, test_help_text);
	suite_add_tcase(s, help);
	tcase_add_test(git, test_git_accepted);
	tcase_add_test(git, test_git_sq_dequote);
	tcase_add_test(git, test_git_refused);
	suite_add_tcase(s, git);
	tcase_add_test(spacehook, test_spacehook_accepted);
	tcase_add_test(spacehook, test_spacehook_refused);
	suite_add_tcase(s, spacehook);
	tcase_add_test(limits, test_limits);
	suite_add_tcase(s, limits);
	return sp_test_run(s);
}
