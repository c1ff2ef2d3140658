/* What the unit suites share (see testlib.h). */
#include "testlib.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "space.h"

static int test_run(Suite *s, enum fork_status fork)
{
	SRunner *sr = srunner_create(s);
	int failed;

	if (fork != CK_FORK_GETENV)
		srunner_set_fork_status(sr, fork);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int sp_test_run(Suite *s)
{
	return test_run(s, CK_FORK_GETENV);
}

int sp_test_run_nofork(Suite *s)
{
	return test_run(s, CK_NOFORK);
}

void sp_test_tmpdir(char *out, size_t size, const char *name)
{
	int n = snprintf(out, size, "/tmp/sp-%s-XXXXXX", name);

	ck_assert_msg(n > 0 && (size_t)n < size, "temp dir name too long: %s",
	              name);
	ck_assert_msg(mkdtemp(out) != NULL, "cannot make %s", out);
}

/*
 * Run `path` with three arguments in `dir` (NULL: here); its exit status, -1
 * when it could not start or died. No assertion: it also serves outside tests.
 */
static int test_spawn(const char *dir, const char *path, const char *a1,
                      const char *a2, const char *a3)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (dir && chdir(dir) < 0)
			_exit(127);
		execl(path, path, a1, a2, a3, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int sp_test_rmtree(const char *dir)
{
	if (test_spawn(NULL, "/bin/rm", "-rf", "--", dir) == 0)
		return 0;
	fprintf(stderr, "cannot remove %s\n", dir);
	return -1;
}

void sp_test_sh(const char *dir, const char *fmt, ...)
{
	sp_buf script = SP_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	sp_buf_vprintf(&script, fmt, ap);
	va_end(ap);
	rc = test_spawn(dir, "/bin/sh", "-e", "-c", script.ptr);
	ck_assert_msg(rc == 0, "command failed (%d) in %s: %s", rc, dir,
	              script.ptr);
	sp_buf_dispose(&script);
}

void sp_test_sh_read(char *out, size_t size, const char *dir, const char *cmd)
{
	sp_buf full = SP_BUF_INIT;
	FILE *p;

	sp_buf_printf(&full, "cd '%s' && %s", dir, cmd);
	ck_assert_ptr_nonnull(p = popen(full.ptr, "r"));
	ck_assert_ptr_nonnull(fgets(out, (int)size, p));
	ck_assert_int_eq(pclose(p), 0);
	out[strcspn(out, "\n")] = '\0';
	sp_buf_dispose(&full);
}

void sp_test_git_env(const char *home, const char *author_date)
{
	setenv("HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "A U Thor", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "C O Mitter", 1);
	setenv("GIT_COMMITTER_EMAIL", "committer@example.com", 1);
	setenv("GIT_AUTHOR_DATE", author_date, 1);
	setenv("GIT_COMMITTER_DATE", "1700000000 +0000", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_OBJECT_DIRECTORY");
	unsetenv("GIT_QUARANTINE_PATH");
}

sp_store *sp_test_store_open(const char *state_dir, const char *id)
{
	sp_space space;
	sp_store *store = NULL;

	ck_assert_int_eq(sp_space_parse(&space, id), 0);
	ck_assert_msg(sp_store_open(&store, state_dir, &space) == 0, "%s",
	              sp_error_last());
	return store;
}

sp_store *sp_test_state_new(char *dir, size_t size, const char *name,
                            const char *id)
{
	sp_test_tmpdir(dir, size, name);
	return sp_test_store_open(dir, id);
}

void sp_test_state_free(sp_store *store, const char *dir)
{
	sp_store_free(store);
	sp_test_rmtree(dir);
}
