/* Tests of child processes: spawning (argv, environment, directory, fds),
 * exit statuses, capturing output, detaching, exit without reaping, start
 * times, killing a recorded process group only when it is verified, dying
 * with the parent. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "proc.h"
#include "testlib.h"

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

/* Exit statuses as sp_proc_wait reports them: the code, or 128 + signal. */
static const struct {
	const char *script;
	int status;
} status_cases[] = {
    {"exit 0", 0},
    {"exit 1", 1},
    {"exit 3", 3},
    {"exit 255", 255},
    {"kill -TERM $$", 128 + SIGTERM},
    {"kill -KILL $$", 128 + SIGKILL},
    {"kill -USR1 $$", 128 + SIGUSR1},
    {"kill -SEGV $$", 128 + SIGSEGV},
};

START_TEST(test_wait_status)
{
	pid_t pid = spawn_sh(status_cases[_i].script, 0);
	int status = -1;

	ck_assert_int_eq(sp_proc_wait(&status, pid), 0);
	ck_assert_msg(status == status_cases[_i].status, "'%s': %d, want %d",
	              status_cases[_i].script, status, status_cases[_i].status);
}
END_TEST

/* A program that cannot be run fails the spawn itself, by name or path. */
START_TEST(test_spawn_missing)
{
	const char *by_path[] = {"/nonexistent/spacehook-test", NULL};
	const char *by_name[] = {"spacehook-no-such-program", NULL};
	sp_proc_options opts = {0};
	pid_t pid = -1;

	opts.stdin_fd = opts.stdout_fd = opts.stderr_fd = -1;
	opts.argv = by_path;
	ck_assert_int_eq(sp_proc_spawn(&pid, &opts), SP_ENOTFOUND);
	opts.argv = by_name;
	ck_assert_int_eq(sp_proc_spawn(&pid, &opts), SP_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "spacehook-no-such"));
}
END_TEST

/* The child gets the environment, directory and fds it is given. */
START_TEST(test_spawn_wiring)
{
	const char *argv[] = {
	    "sh", "-c", "pwd; echo \"$SP_TEST_VALUE\"; echo err >&2", NULL};
	char value[] = "SP_TEST_VALUE=from the test",
	     path[] = "PATH=/usr/bin:/bin";
	char *env[] = {value, path, NULL};
	sp_proc_options opts = {0};
	sp_buf out = SP_BUF_INIT;
	int status = -1;

	opts.argv = argv;
	opts.envp = env;
	opts.cwd = "/";
	opts.stdin_fd = -1;
	opts.stderr_fd = -2; /* with stdout */
	ck_assert_int_eq(sp_proc_capture(&status, &out, 4096, &opts), 0);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(out.ptr, "/\nfrom the test\nerr\n");

	sp_buf_clear(&out);
	opts.stderr_fd = -1; /* to /dev/null */
	ck_assert_int_eq(sp_proc_capture(&status, &out, 4096, &opts), 0);
	ck_assert_str_eq(out.ptr, "/\nfrom the test\n");
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_spawn_stdin)
{
	const char *argv[] = {"cat", NULL};
	sp_proc_options opts = {0};
	sp_buf out = SP_BUF_INIT;
	int fds[2], status = -1;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], "hello\n", 6), 6);
	close(fds[1]);
	opts.argv = argv;
	opts.stdin_fd = fds[0];
	opts.stderr_fd = -1;
	ck_assert_int_eq(sp_proc_capture(&status, &out, 4096, &opts), 0);
	close(fds[0]);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(out.ptr, "hello\n");

	sp_buf_clear(&out);
	opts.stdin_fd = -1; /* /dev/null: at once at its end */
	ck_assert_int_eq(sp_proc_capture(&status, &out, 4096, &opts), 0);
	ck_assert_uint_eq(out.size, 0);
	sp_buf_dispose(&out);
}
END_TEST

/* Output over the cap fails the capture, and the child is not left behind. */
START_TEST(test_capture_cap)
{
	const char *argv[] = {"sh", "-c", "echo $$; exec yes", NULL};
	sp_proc_options opts = {0};
	sp_buf out = SP_BUF_INIT;
	int status = -1;
	long pid;

	opts.argv = argv;
	opts.stdin_fd = opts.stderr_fd = -1;
	ck_assert_int_eq(sp_proc_capture(&status, &out, 100000, &opts),
	                 SP_ETOOBIG);
	/* Killed, unless the closed pipe got it first. */
	ck_assert_msg(status == 128 + SIGKILL || status == 128 + SIGPIPE,
	              "status %d", status);
	pid = strtol(out.ptr, NULL, 10);
	ck_assert_int_gt(pid, 0);
	ck_assert(!alive((pid_t)pid));

	sp_buf_clear(&out);
	argv[2] = "printf abc; exit 7";
	ck_assert_int_eq(sp_proc_capture(&status, &out, 3, &opts), 0);
	ck_assert_int_eq(status, 7);
	ck_assert_str_eq(out.ptr, "abc");
	sp_buf_dispose(&out);
}
END_TEST

/* Fields 4 (ppid) and 6 (session) of a /proc/<pid>/stat text. */
static void stat_fields(long *ppid, long *sid, const char *text)
{
	const char *p = strrchr(text, ')');
	char state;
	long pgrp;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(
	    sscanf(p + 1, " %c %ld %ld %ld", &state, ppid, &pgrp, sid), 4);
}

/* A detached program is nobody's child here and leads its own session. */
START_TEST(test_detach)
{
	char dir[] = "/tmp/spacehook-proc.XXXXXX", script[512];
	const char *argv[] = {"sh", "-c", script, NULL};
	const char *bad[] = {"/nonexistent/spacehook-test", NULL};
	sp_proc_options opts = {0};
	sp_buf path = SP_BUF_INIT, text = SP_BUF_INIT;
	long pid = 0, ppid = 0, sid = 0;
	int tries;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	sp_buf_printf(&path, "%s/stat", dir);
	snprintf(script, sizeof(script),
	         "sleep 0.2; echo $$ > %s.tmp; cat /proc/$$/stat >> %s.tmp; "
	         "mv %s.tmp %s",
	         path.ptr, path.ptr, path.ptr, path.ptr);
	opts.argv = argv;
	opts.stdin_fd = opts.stdout_fd = opts.stderr_fd = -1;
	ck_assert_int_eq(sp_proc_detach(&opts), 0);
	for (tries = 0; tries < 100; tries++) {
		if (sp_buf_read_file(&text, path.ptr, 4096) == 0)
			break;
		pause_ms(50);
	}
	ck_assert_msg(tries < 100, "the detached program never wrote");
	pid = strtol(text.ptr, NULL, 10);
	stat_fields(&ppid, &sid, text.ptr);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_ne(ppid, (long)getpid());
	ck_assert_int_eq(sid, pid);
	/* It is not ours to reap. */
	ck_assert_int_eq(waitpid((pid_t)pid, NULL, WNOHANG), -1);

	opts.argv = bad;
	ck_assert_int_eq(sp_proc_detach(&opts), SP_ERROR);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "cannot run"));
	unlink(path.ptr);
	rmdir(dir);
	sp_buf_dispose(&path);
	sp_buf_dispose(&text);
}
END_TEST

START_TEST(test_self_dir)
{
	sp_buf dir = SP_BUF_INIT;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	ck_assert_int_eq(sp_proc_self_dir(&dir), 0);
	ck_assert_str_eq(dir.ptr, exe);
	sp_buf_dispose(&dir);
}
END_TEST

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
	TCase *spawn = tcase_create("spawn");
	TCase *wait = tcase_create("wait");
	TCase *groups = tcase_create("groups");

	tcase_add_test(spawn, test_spawn_missing);
	tcase_add_test(spawn, test_spawn_wiring);
	tcase_add_test(spawn, test_spawn_stdin);
	tcase_add_test(spawn, test_capture_cap);
	tcase_add_test(spawn, test_detach);
	tcase_add_test(spawn, test_self_dir);
	suite_add_tcase(s, spawn);
	tcase_add_loop_test(wait, test_wait_status, 0,
	                    sizeof(status_cases) / sizeof(status_cases[0]));
	tcase_add_test(wait, test_exited);
	tcase_add_test(wait, test_start_time);
	suite_add_tcase(s, wait);
	tcase_add_test(groups, test_kill_group);
	tcase_add_test(groups, test_kill_orphans);
	tcase_add_test(groups, test_die_with_parent);
	suite_add_tcase(s, groups);
	return sp_test_run_nofork(s);
}
