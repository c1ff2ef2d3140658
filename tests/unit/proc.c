/* Tests of child processes: exit without reaping, start times, killing a
 * recorded process group only when it is verified, dying with the parent. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "proc.h"

static void pause_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&t, NULL);
}

/* Is `pid` there and not a zombie? */
static int alive(pid_t pid)
{
	char path[64], text[512];
	const char *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	p = strrchr(text, ')');
	return p && p[1] == ' ' && p[2] != 'Z';
}

/* `sh -c SCRIPT` in a session of its own. */
static pid_t spawn_sh(const char *script, int die_with_parent)
{
	const char *argv[] = {"sh", "-c", script, NULL};
	sp_proc_options opts = {0};
	pid_t pid = -1;

	opts.argv = argv;
	opts.stdin_fd = opts.stdout_fd = opts.stderr_fd = -1;
	opts.new_session = 1;
	opts.die_with_parent = die_with_parent;
	ck_assert_int_eq(sp_proc_spawn(&pid, &opts), 0);
	return pid;
}

START_TEST(test_exited)
{
	static const struct {
		const char *script;
		int status;
	} cases[] = {
	    {"exit 0", 0},
	    {"exit 3", 3},
	    {"kill -9 $$", 128 + 9},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pid_t pid = spawn_sh(cases[i].script, 0);
		int exited = 0, status = -1;

		for (int t = 0; t < 500 && !exited; t++) {
			ck_assert_int_eq(sp_proc_exited(&exited, pid), 0);
			if (!exited)
				pause_ms(10);
		}
		ck_assert_msg(exited, "'%s' not seen exiting", cases[i].script);
		/* Not reaped: still there to wait for. */
		ck_assert_int_eq(sp_proc_exited(&exited, pid), 0);
		ck_assert_int_eq(exited, 1);
		ck_assert_int_eq(sp_proc_wait(&status, pid), 0);
		ck_assert_int_eq(status, cases[i].status);
	}
	{
		pid_t pid = spawn_sh("sleep 5", 0);
		int exited = 1, status;

		ck_assert_int_eq(sp_proc_exited(&exited, pid), 0);
		ck_assert_int_eq(exited, 0);
		kill(pid, SIGKILL);
		sp_proc_wait(&status, pid);
	}
}
END_TEST

START_TEST(test_start_time)
{
	unsigned long long mine = 0, again = 0, child = 0;
	pid_t pid = spawn_sh("sleep 5", 0);
	int status;

	ck_assert_int_eq(sp_proc_start_time(&mine, getpid()), 0);
	ck_assert_int_eq(sp_proc_start_time(&again, getpid()), 0);
	ck_assert(mine > 0);
	ck_assert(mine == again);
	ck_assert_int_eq(sp_proc_start_time(&child, pid), 0);
	ck_assert(child >= mine);
	kill(pid, SIGKILL);
	sp_proc_wait(&status, pid);
	ck_assert_int_eq(sp_proc_start_time(&child, pid), SP_ENOTFOUND);
}
END_TEST

START_TEST(test_kill_group)
{
	/* start offset, whether the group is killed */
	static const struct {
		long long offset;
		int killed;
	} cases[] = {
	    {0, 1},
	    {1, 0},
	    {-1, 0},
	    {1000000, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* A leader and a member of its group. */
		pid_t pid = spawn_sh("sleep 30 & wait", 0);
		unsigned long long start = 0;
		int killed = -1, status;

		pause_ms(100);
		ck_assert_int_eq(sp_proc_start_time(&start, pid), 0);
		ck_assert_int_eq(
		    sp_proc_kill_group(&killed, pid, start + cases[i].offset),
		    0);
		ck_assert_msg(killed == cases[i].killed, "case %zu: killed %d",
		              i, killed);
		if (cases[i].killed) {
			ck_assert_int_eq(sp_proc_wait(&status, pid), 0);
			ck_assert_int_eq(status, 128 + SIGKILL);
			ck_assert_int_ne(kill(-pid, 0), 0);
		} else {
			ck_assert(alive(pid));
			ck_assert_int_eq(kill(-pid, 0), 0);
			kill(-pid, SIGKILL);
			sp_proc_wait(&status, pid);
		}
	}
	ck_assert_int_eq(sp_proc_kill_group(NULL, 0, 1), SP_EINVALID);
	ck_assert_int_eq(sp_proc_kill_group(NULL, 1, 1), SP_EINVALID);
}
END_TEST

/* The leader is gone: the members left in its session are still verified. */
START_TEST(test_kill_orphans)
{
	char path[] = "/tmp/sp-proc-XXXXXX", script[256], text[32];
	unsigned long long start = 0;
	pid_t pid, child;
	int killed = -1, status;
	FILE *f;

	ck_assert_int_eq(mkstemp(path) >= 0, 1);
	snprintf(script, sizeof(script), "sleep 30 & echo $! >%s; exit 0",
	         path);
	pid = spawn_sh(script, 0);
	ck_assert_int_eq(sp_proc_start_time(&start, pid), 0);
	ck_assert_int_eq(sp_proc_wait(&status, pid), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
	fclose(f);
	unlink(path);
	child = (pid_t)strtol(text, NULL, 10);
	ck_assert(alive(child));

	/* Started before the recorded leader: not that group. */
	ck_assert_int_eq(sp_proc_kill_group(&killed, pid, start + 1000000), 0);
	ck_assert_int_eq(killed, 0);
	ck_assert(alive(child));
	ck_assert_int_eq(sp_proc_kill_group(&killed, pid, start), 0);
	ck_assert_int_eq(killed, 1);
	for (int t = 0; t < 200 && alive(child); t++)
		pause_ms(10);
	ck_assert(!alive(child));
	/* Nothing left: nothing to kill. */
	ck_assert_int_eq(sp_proc_kill_group(&killed, pid, start), 0);
	ck_assert_int_eq(killed, 0);
}
END_TEST

/*
 * A child spawned with die_with_parent by a process that is then killed
 * with SIGKILL dies too; without it, it lives on.
 */
START_TEST(test_die_with_parent)
{
	static const int cases[] = {1, 0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fds[2], status;
		pid_t middle, child = 0;

		ck_assert_int_eq(pipe(fds), 0);
		middle = fork();
		ck_assert_int_ge(middle, 0);
		if (middle == 0) {
			pid_t pid = spawn_sh("sleep 30", cases[i]);

			if (write(fds[1], &pid, sizeof(pid)) != sizeof(pid))
				_exit(1);
			pause();
			_exit(0);
		}
		close(fds[1]);
		ck_assert_int_eq(read(fds[0], &child, sizeof(child)),
		                 sizeof(child));
		close(fds[0]);
		ck_assert(alive(child));
		kill(middle, SIGKILL);
		waitpid(middle, &status, 0);
		for (int t = 0; t < 200 && alive(child); t++)
			pause_ms(10);
		ck_assert_msg(alive(child) == !cases[i],
		              "die_with_parent %d: child alive %d", cases[i],
		              alive(child));
		kill(child, SIGKILL);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proc");
	TCase *wait = tcase_create("wait");
	TCase *groups = tcase_create("groups");
	SRunner *sr;
	int failed;

	tcase_add_test(wait, test_exited);
	tcase_add_test(wait, test_start_time);
	suite_add_tcase(s, wait);
	tcase_add_test(groups, test_kill_group);
	tcase_add_test(groups, test_kill_orphans);
	tcase_add_test(groups, test_die_with_parent);
	suite_add_tcase(s, groups);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
