/* What the unit suites share: running a suite, temp directories, shell
 * snippets run in them, a pinned git identity and an opened state store. */
#ifndef SP_TEST_TESTLIB_H
#define SP_TEST_TESTLIB_H

#include <check.h>
#include <stddef.h>

#include "store.h"

/*
 * Run every test of `s` (Check forks for each test unless CK_FORK=no says
 * otherwise) and free the runner, which frees `s`. Returns EXIT_SUCCESS when
 * no test failed, EXIT_FAILURE otherwise.
 */
int sp_test_run(Suite *s);

/* sp_test_run with every test in this process (CK_NOFORK). */
int sp_test_run_nofork(Suite *s);

/*
 * Make a fresh directory "/tmp/sp-<name>-XXXXXX" and write its path to `out`
 * (`size` bytes); the test fails when it cannot.
 */
void sp_test_tmpdir(char *out, size_t size, const char *name);

/*
 * Remove `dir` and everything under it (rm -rf). Returns 0, or -1 after
 * saying on stderr that it could not; callers choose whether that fails.
 */
int sp_test_rmtree(const char *dir);

/*
 * Run a shell snippet with `sh -e` in `dir`; the test fails, showing the
 * snippet, when it exits non-zero.
 */
void sp_test_sh(const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The first line (without its newline, at most `size` - 1 bytes) that the
 * shell command `cmd` prints when run in `dir`, into `out`; the test fails
 * when it prints nothing or exits non-zero.
 */
void sp_test_sh_read(char *out, size_t size, const char *dir, const char *cmd);

/*
 * The environment git runs in for a test: HOME at `home`, no system config,
 * a fixed author and committer, the author date `author_date` and the
 * committer date "1700000000 +0000", no GIT_DIR, GIT_OBJECT_DIRECTORY or
 * GIT_QUARANTINE_PATH inherited.
 */
void sp_test_git_env(const char *home, const char *author_date);

/*
 * Open the store of the Space `id` ("owner/name") under `state_dir`; the
 * test fails, with the store's message, when it cannot. The caller frees the
 * store with sp_store_free.
 */
sp_store *sp_test_store_open(const char *state_dir, const char *id);

/*
 * A fresh state dir (sp_test_tmpdir with `name`, path into `dir`) holding the
 * opened store of the Space `id`; free both with sp_test_state_free.
 */
sp_store *sp_test_state_new(char *dir, size_t size, const char *name,
                            const char *id);

/* Free `store` (NULL is fine) and remove the state dir `dir`. */
void sp_test_state_free(sp_store *store, const char *dir);

#endif
