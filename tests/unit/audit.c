/* Tests of the audit log: records written and read back, the user recorded,
 * concurrent appends, a planted symbolic link, malformed lines. */
#include <check.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "error.h"
#include "settings.h"
#include "testlib.h"

static char state_dir[256];
static sp_settings settings;

static void setup(void)
{
	sp_test_tmpdir(state_dir, sizeof(state_dir), "audit");
	memset(&settings, 0, sizeof(settings));
	settings.state_dir = state_dir;
	unsetenv(SP_AUDIT_USER_ENV);
}

static void teardown(void)
{
	sp_test_rmtree(state_dir);
}

static void log_path(char *out, size_t size)
{
	snprintf(out, size, "%s/audit.log", state_dir);
}

/* The bytes of audit.log. */
static void read_log(sp_buf *out)
{
	char path[300];

	log_path(path, sizeof(path));
	ck_assert_int_eq(sp_buf_read_file(out, path, 1 << 24), 0);
}

/* "admin:<login>" of this process, as the fallback user must be. */
static void admin_actor(char *out, size_t size)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw)
		snprintf(out, size, "admin:%s", pw->pw_name);
	else
		snprintf(out, size, "admin:uid%ld", (long)geteuid());
}

/* Append, read back: fields as given, oldest first, name NULL kept. */
START_TEST(test_round_trip)
{
	sp_audit_log log;
	sp_buf text = SP_BUF_INIT;
	char admin[200], path[300];
	struct stat st;

	ck_assert_int_eq(
	    sp_audit_append(&settings, "alice/demo", "secrets set", "HF_TOKEN"),
	    0);
	setenv(SP_AUDIT_USER_ENV, "bob", 1);
	ck_assert_int_eq(sp_audit_append(&settings, "bob/app.git",
	                                 "restart --factory", NULL),
	                 0);
	ck_assert_int_eq(sp_audit_read(&log, &settings, NULL), 0);
	ck_assert_uint_eq(log.count, 2);
	ck_assert_uint_eq(log.skipped, 0);
	admin_actor(admin, sizeof(admin));
	ck_assert_str_eq(log.items[0].user, admin);
	ck_assert_str_eq(log.items[0].space, "alice/demo");
	ck_assert_str_eq(log.items[0].action, "secrets set");
	ck_assert_str_eq(log.items[0].name, "HF_TOKEN");
	ck_assert_uint_eq(strlen(log.items[0].time), 20);
	ck_assert_int_eq(log.items[0].time[10], 'T');
	ck_assert_int_eq(log.items[0].time[19], 'Z');
	ck_assert_str_eq(log.items[1].user, "bob");
	ck_assert_str_eq(log.items[1].space, "bob/app");
	ck_assert_str_eq(log.items[1].action, "restart --factory");
	ck_assert_ptr_null(log.items[1].name);
	sp_audit_log_dispose(&log);

	/* One Space's records only. */
	ck_assert_int_eq(sp_audit_read(&log, &settings, "bob/app"), 0);
	ck_assert_uint_eq(log.count, 1);
	ck_assert_str_eq(log.items[0].action, "restart --factory");
	sp_audit_log_dispose(&log);
	ck_assert_int_eq(sp_audit_read(&log, &settings, "carol/none"), 0);
	ck_assert_uint_eq(log.count, 0);
	sp_audit_log_dispose(&log);
	ck_assert_int_eq(sp_audit_read(&log, &settings, "not an id"),
	                 SP_EINVALID);

	/* One JSON object a line, the file 0600. */
	read_log(&text);
	ck_assert_ptr_nonnull(strstr(text.ptr, "\"name\":\"HF_TOKEN\"}\n{"));
	ck_assert_ptr_nonnull(strstr(text.ptr, "\"name\":null}\n"));
	ck_assert_int_eq(text.ptr[text.size - 1], '\n');
	log_path(path, sizeof(path));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	sp_buf_dispose(&text);
}
END_TEST

/* No state directory, or no log yet: no records and no error. */
START_TEST(test_no_log)
{
	sp_audit_log log;
	char missing[300];

	ck_assert_int_eq(sp_audit_read(&log, &settings, NULL), 0);
	ck_assert_uint_eq(log.count, 0);
	sp_audit_log_dispose(&log);
	snprintf(missing, sizeof(missing), "%s/none", state_dir);
	settings.state_dir = missing;
	ck_assert_int_eq(sp_audit_read(&log, &settings, "alice/demo"), 0);
	ck_assert_uint_eq(log.count, 0);
	sp_audit_log_dispose(&log);
	/* An append makes the state directory, 0700. */
	ck_assert_int_eq(sp_audit_append(&settings, "alice/demo", "stop", NULL),
	                 0);
	ck_assert_int_eq(sp_audit_read(&log, &settings, NULL), 0);
	ck_assert_uint_eq(log.count, 1);
	sp_audit_log_dispose(&log);
}
END_TEST

/* What may not go in: a bad id, control characters, empty words. */
static const struct {
	const char *space;
	const char *action;
	const char *name;
} refused[] = {
    {"alice", "stop", NULL},
    {"../x/demo", "stop", NULL},
    {NULL, "stop", NULL},
    {"alice/demo", "", NULL},
    {"alice/demo", NULL, NULL},
    {"alice/demo", "secrets set", ""},
    {"alice/demo", "secrets set", "A\nB"},
    {"alice/demo", "stop\033[2J", NULL},
    {"alice/demo", "stop", "\xc2\x9b"},
    {"alice/demo", "stop", "\xff"},
};

START_TEST(test_refused)
{
	sp_audit_log log;

	ck_assert_int_eq(sp_audit_append(&settings, refused[_i].space,
	                                 refused[_i].action, refused[_i].name),
	                 SP_EINVALID);
	ck_assert_int_eq(sp_audit_read(&log, &settings, NULL), 0);
	ck_assert_uint_eq(log.count, 0);
	sp_audit_log_dispose(&log);
}
END_TEST

/* SPACEHOOK_USER as the user when well-formed, else admin:<login>. */
static const struct {
	const char *env; /* NULL: unset */
	int used;        /* 1: the user is env, 0: the admin fallback */
} actors[] = {
    {"alice", 1},
    {"Bob.Smith_2-x", 1},
    {"a", 1},
    {"012345678901234567890123456789012345678901234567890123456789"
     "012345678901234567890123456789012345",
     1}, /* 96 bytes */
    {NULL, 0},
    {"", 0},
    {"-alice", 0},
    {".alice", 0},
    {"..", 0},
    {"alice bob", 0},
    {"alice/bob", 0},
    {"alice\n", 0},
    {"al:ice", 0},
    {"äöü", 0},
    {"012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456",
     0}, /* 97 bytes */
};

START_TEST(test_actor)
{
	sp_buf actor = SP_BUF_INIT;
	sp_audit_log log;
	char admin[200];

	if (actors[_i].env)
		setenv(SP_AUDIT_USER_ENV, actors[_i].env, 1);
	admin_actor(admin, sizeof(admin));
	sp_audit_actor(&actor);
	ck_assert_str_eq(actor.ptr, actors[_i].used ? actors[_i].env : admin);
	ck_assert_int_eq(
	    sp_audit_append(&settings, "alice/demo", "variables unset", "X"),
	    0);
	ck_assert_int_eq(sp_audit_read(&log, &settings, NULL), 0);
	ck_assert_uint_eq(log.count, 1);
	ck_assert_str_eq(log.items[0].user, actor.ptr);
	sp_audit_log_dispose(&log);
	sp_buf_dispose(&actor);
}
END_TEST

#define WRITERS 4
#define APPENDS 200

/* Processes appending at once: every line whole, none lost. */
START_TEST(test_concurrent)
{
	sp_audit_log log;
	sp_buf text = SP_BUF_INIT;
	pid_t pids[WRITERS];
	int counts[WRITERS] = {0}, lines = 0;

	for (int w = 0; w < WRITERS; w++) {
		ck_assert_int_ge(pids[w] = fork(), 0);
		if (pids[w] == 0) {
			char user[16], name[32];
			int bad = 0;

			snprintf(user, sizeof(user), "writer%d", w);
			setenv(SP_AUDIT_USER_ENV, user, 1);
			for (int i = 0; i < APPENDS; i++) {
				/* Long names: a torn write would show. */
				snprintf(name, sizeof(name),
				         "NAME_%d_%04d_XXXXXXXXXXXXXXX", w, i);
				if (sp_audit_append(&settings, "alice/demo",
				                    "secrets set", name) < 0)
					bad = 1;
			}
			_exit(bad);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		int status;

		ck_assert_int_eq(waitpid(pids[w], &status, 0), pids[w]);
		ck_assert(WIFEXITED(status));
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
	read_log(&text);
	for (size_t i = 0; i < text.size; i++)
		lines += text.ptr[i] == '\n';
	ck_assert_int_eq(lines, WRITERS * APPENDS);
	ck_assert_int_eq(sp_audit_read(&log, &settings, NULL), 0);
	ck_assert_uint_eq(log.skipped, 0);
	ck_assert_uint_eq(log.count, WRITERS * APPENDS);
	for (size_t i = 0; i < log.count; i++) {
		int w = -1, n = -1;

		ck_assert_int_eq(sscanf(log.items[i].user, "writer%d", &w), 1);
		ck_assert_int_eq(sscanf(log.items[i].name, "NAME_%*d_%d", &n),
		                 1);
		ck_assert(w >= 0 && w < WRITERS);
		/* Each writer's records in the order it wrote them. */
		ck_assert_int_eq(n, counts[w]);
		counts[w]++;
	}
	for (int w = 0; w < WRITERS; w++)
		ck_assert_int_eq(counts[w], APPENDS);
	sp_audit_log_dispose(&log);
	sp_buf_dispose(&text);
}
END_TEST

/* A symbolic link planted as audit.log is refused, its target untouched. */
START_TEST(test_symlink)
{
	sp_audit_log log;
	sp_buf text = SP_BUF_INIT;
	char path[300], target[300];

	snprintf(target, sizeof(target), "%s/elsewhere", state_dir);
	sp_test_sh(state_dir, "printf 'keep\\n' >elsewhere");
	log_path(path, sizeof(path));
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(sp_audit_append(&settings, "alice/demo", "stop", NULL),
	                 SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "symbolic link"));
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "audit.log"));
	ck_assert_int_eq(sp_audit_read(&log, &settings, NULL), SP_EINVALID);
	ck_assert_uint_eq(log.count, 0);
	ck_assert_int_eq(sp_buf_read_file(&text, target, 100), 0);
	ck_assert_str_eq(text.ptr, "keep\n");
	sp_buf_dispose(&text);
}
END_TEST

/* A state directory others may write is refused, as the store refuses it. */
START_TEST(test_unsafe_dir)
{
	ck_assert_int_eq(chmod(state_dir, 0777), 0);
	ck_assert_int_eq(sp_audit_append(&settings, "alice/demo", "stop", NULL),
	                 SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "fix: "));
	ck_assert_int_eq(chmod(state_dir, 0700), 0);
	ck_assert_int_eq(sp_audit_append(&settings, "alice/demo", "stop", NULL),
	                 0);
}
END_TEST

/* Lines that are no record are skipped and counted, the rest kept. */
START_TEST(test_malformed)
{
	sp_audit_log log;
	char path[300];
	FILE *f;

	ck_assert_int_eq(sp_audit_append(&settings, "alice/demo", "stop", NULL),
	                 0);
	log_path(path, sizeof(path));
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs("not json\n", f);                                          /* 1 */
	fputs("\n", f);                                                  /* 2 */
	fputs("[1,2]\n", f);                                             /* 3 */
	fputs("{\"time\":\"t\",\"user\":\"u\",\"space\":\"a/b\"}\n", f); /* 4 */
	fputs("{\"time\":\"t\",\"user\":\"u\",\"space\":\"a/b\","
	      "\"action\":7}\n",
	      f); /* 5 */
	fputs("{\"time\":\"t\",\"user\":\"u\\u001b[2J\",\"space\":\"a/b\","
	      "\"action\":\"x\"}\n",
	      f); /* 6 */
	fputs("{\"time\":\"t\",\"user\":\"u\",\"space\":\"a/b\","
	      "\"action\":\"x\",\"name\":5}\n",
	      f); /* 7 */
	fputs("{\"time\":\"t\",\"user\":\"u\",\"space\":\"a/b\","
	      "\"action\":\"x\"} trailing\n",
	      f); /* 8 */
	fputc('{', f);
	for (int i = 0; i < SP_AUDIT_LINE_MAX; i++)
		fputc(' ', f);
	fputs("}\n", f); /* 9: too long */
	fputs("{\"time\":\"t\",\"user\":\"u\",\"space\":\"a/b\","
	      "\"action\":\"start\"}\n",
	      f); /* a record: no name is fine */
	fputs("{\"time\":\"t\",\"user\":\"u\",\"space\":\"a/b\","
	      "\"action\":\"cancel\",\"name\":null}", /* no final newline */
	      f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(sp_audit_read(&log, &settings, NULL), 0);
	ck_assert_uint_eq(log.skipped, 9);
	ck_assert_uint_eq(log.count, 3);
	ck_assert_str_eq(log.items[0].action, "stop");
	ck_assert_str_eq(log.items[1].action, "start");
	ck_assert_ptr_null(log.items[1].name);
	ck_assert_str_eq(log.items[2].action, "cancel");
	sp_audit_log_dispose(&log);
}
END_TEST

/* A NUL byte inside a line makes it no record. */
START_TEST(test_nul_byte)
{
	static const char line[] = "{\"time\":\"t\",\"user\":\"u\",\"space\":"
	                           "\"a/b\",\"action\":\"x\"}\0\n";
	sp_audit_log log;
	char path[300];
	int fd;

	log_path(path, sizeof(path));
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT, 0600), 0);
	ck_assert_int_eq(write(fd, line, sizeof(line) - 1),
	                 (ssize_t)sizeof(line) - 1);
	close(fd);
	ck_assert_int_eq(sp_audit_read(&log, &settings, NULL), 0);
	ck_assert_uint_eq(log.count, 0);
	ck_assert_uint_eq(log.skipped, 1);
	sp_audit_log_dispose(&log);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("audit");
	TCase *tc;

	tc = tcase_create("records");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_no_log);
	tcase_add_loop_test(tc, test_refused, 0,
	                    sizeof(refused) / sizeof(refused[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("actor");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_actor, 0,
	                    sizeof(actors) / sizeof(actors[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("concurrency");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_concurrent);
	suite_add_tcase(s, tc);

	tc = tcase_create("safety");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_symlink);
	tcase_add_test(tc, test_unsafe_dir);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_nul_byte);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
