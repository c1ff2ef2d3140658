/* Tests of the worker module: its pid (only the spacehook program running
 * "worker <space id>" for this Space is taken as the Space's worker), and
 * jobs that end before any build, through the one exit that records them. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "queue.h"
#include "space.h"
#include "store.h"
#include "testlib.h"
#include "worker.h"

static char state_dir[256];
static char self[4096];  /* this test program: it plays the spacehook program */
static char other[4096]; /* a copy of it: the same bytes, another file */

static void setup(void)
{
	char cmd[9000];
	ssize_t n;

	sp_test_tmpdir(state_dir, sizeof(state_dir), "worker");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ck_assert_int_gt(n, 0);
	self[n] = '\0';
	snprintf(other, sizeof(other), "%s/spacehook", state_dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", self, other);
	ck_assert_int_eq(system(cmd), 0);
	setenv("SPACEHOOK_PROGRAM", self, 1);
}

static void teardown(void)
{
	sp_test_rmtree(state_dir);
}

/* Start `path` with `argv` and wait until the kernel shows that argv. */
static pid_t start(const char *path, const char *const *argv)
{
	char proc[64], want[512];
	size_t len = 0;
	sp_buf text = SP_BUF_INIT;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execv(path, (char *const *)argv);
		_exit(127);
	}
	for (size_t i = 0; argv[i]; i++) {
		memcpy(want + len, argv[i], strlen(argv[i]) + 1);
		len += strlen(argv[i]) + 1;
	}
	snprintf(proc, sizeof(proc), "/proc/%ld/cmdline", (long)pid);
	for (int i = 0; i < 200; i++) {
		if (sp_buf_read_file(&text, proc, 4096) == 0 &&
		    text.size == len && !memcmp(text.ptr, want, len))
			break;
		usleep(10 * 1000);
	}
	ck_assert_msg(text.size == len && !memcmp(text.ptr, want, len),
	              "%s did not start", path);
	sp_buf_dispose(&text);
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void write_pid(sp_store *store, pid_t pid)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld\n", (long)pid);
	ck_assert_int_eq(
	    sp_store_writeat(store, "worker.pid", text, strlen(text), 0600), 0);
}

START_TEST(test_worker_pid)
{
	static const struct {
		const char *what;
		int copy;            /* run the copy, not the program itself */
		const char *argv[5]; /* "$P" = the program's path */
		int is_worker;
	} cases[] = {
	    {"the worker of this Space",
	     0,
	     {"$P", "worker", "alice/demo", NULL},
	     1},
	    {"the worker of another Space",
	     0,
	     {"$P", "worker", "bob/other", NULL},
	     0},
	    {"the program doing something else",
	     0,
	     {"$P", "status", "alice/demo", NULL},
	     0},
	    {"an extra argument",
	     0,
	     {"$P", "worker", "alice/demo", "x", NULL},
	     0},
	    {"the command line but another executable",
	     1,
	     {"$P", "worker", "alice/demo", NULL},
	     0},
	};
	sp_store *store = NULL;

	store = sp_test_store_open(state_dir, "alice/demo");
	ck_assert_int_eq(sp_worker_pid(store), 0); /* no pid file */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[5] = {NULL};
		pid_t pid;

		for (size_t j = 0; cases[i].argv[j]; j++)
			argv[j] = strcmp(cases[i].argv[j], "$P")
			              ? cases[i].argv[j]
			              : self;
		pid = start(cases[i].copy ? other : self, argv);
		write_pid(store, pid);
		ck_assert_msg(sp_worker_pid(store) ==
		                  (cases[i].is_worker ? pid : 0),
		              "%s", cases[i].what);
		stop(pid);
	}
	sp_store_free(store);
}
END_TEST

START_TEST(test_not_worker)
{
	const char *sleep_argv[] = {"worker", "30", NULL};
	const char *true_argv[] = {"true", NULL};
	sp_store *store = NULL;
	char link[600];
	pid_t pid;

	store = sp_test_store_open(state_dir, "alice/demo");

	/* A process named worker that is not spacehook (exec -a worker sleep).
	 */
	pid = start("/bin/sleep", sleep_argv);
	write_pid(store, pid);
	ck_assert_int_eq(sp_worker_pid(store), 0);
	stop(pid);

	/* A dead pid. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execv("/bin/true", (char *const *)true_argv);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	write_pid(store, pid);
	ck_assert_int_eq(sp_worker_pid(store), 0);

	/* Not a pid, or a link to a pid file: no worker. */
	ck_assert_int_eq(sp_store_writeat(store, "worker.pid", "1x\n", 3, 0600),
	                 0);
	ck_assert_int_eq(sp_worker_pid(store), 0);
	{
		const char *argv[] = {self, "worker", "alice/demo", NULL};
		char text[32], target[600];
		FILE *f;

		pid = start(self, argv);
		snprintf(target, sizeof(target), "%s/elsewhere.pid", state_dir);
		snprintf(text, sizeof(text), "%ld\n", (long)pid);
		ck_assert_ptr_nonnull(f = fopen(target, "w"));
		fputs(text, f);
		fclose(f);
		snprintf(link, sizeof(link), "%s/worker.pid",
		         sp_store_dir(store));
		ck_assert_int_eq(unlink(link), 0);
		ck_assert_int_eq(symlink(target, link), 0);
		ck_assert_int_eq(sp_worker_pid(store), 0);
		ck_assert_int_eq(unlink(link), 0);
		write_pid(store, pid);
		ck_assert_int_eq(sp_worker_pid(store), pid);
		stop(pid);
	}
	sp_store_free(store);
}
END_TEST

/* ---- jobs that end before any build (no engine needed) ---- */

static char sandbox[256];

static void job_setup(void)
{
	char path[600];

	sp_test_tmpdir(sandbox, sizeof(sandbox), "worker-job");
	snprintf(path, sizeof(path), "%s/home", sandbox);
	sp_test_git_env(path, "1700000000 +0000");
	setenv("SPACEHOOK_PROGRAM", "/nonexistent/spacehook", 1);
	sp_test_sh(sandbox,
	           "mkdir home state && git config --global spacehook.stateDir "
	           "\"$PWD/state\" && git init -q -b main demo.git");
}

static void job_teardown(void)
{
	ck_assert_int_eq(sp_test_rmtree(sandbox), 0);
}

static const struct {
	const char *what;
	const char *files;   /* shell making the commit's files */
	unsigned flags;      /* the job's */
	int paused;          /* the Space is paused */
	const char *stage;   /* state.json's stage afterwards */
	const char *status;  /* logs/<id>.status */
	const char *log;     /* in the job log */
	const char *log_end; /* the job log's last line */
} job_cases[] = {
    {"a Dockerfile with another Space's image",
     "printf '%b' '---\\nsdk: docker\\n---\\n' >README.md && "
     "printf 'FROM spacehook/bob--x:1\\n' >Dockerfile",
     0, 0, "CONFIG_ERROR", "CONFIG_ERROR the Dockerfile has errors\n",
     "Dockerfile:1:", "spacehook: alice/demo is CONFIG_ERROR\n"},
    {"no Dockerfile", "printf '%b' '---\\nsdk: docker\\n---\\n' >README.md", 0,
     0, "NO_APP_FILE",
     "NO_APP_FILE no Dockerfile at the root of the repository\n",
     "spacehook: error: no Dockerfile at the root of ",
     "spacehook: alice/demo is NO_APP_FILE\n"},
    {"a README with errors",
     "printf '%b' '---\\nsdk: gradio\\n---\\n' >README.md && "
     "printf 'FROM busybox\\n' >Dockerfile",
     0, 0, "CONFIG_ERROR",
     "CONFIG_ERROR the Space config of README.md has errors\n",
     "README.md:2:", "spacehook: alice/demo is CONFIG_ERROR\n"},
    {"a restart with nothing built",
     "printf '%b' '---\\nsdk: docker\\n---\\n' >README.md && "
     "printf 'FROM busybox\\n' >Dockerfile",
     SP_JOB_RESTART, 0, "STOPPED", "STOPPED \n", "===== Restart queued at ",
     "spacehook: alice/demo is STOPPED\n"},
    {"a paused Space keeps the push",
     "printf '%b' '---\\nsdk: docker\\n---\\n' >README.md && "
     "printf 'FROM busybox\\n' >Dockerfile",
     0, 1, "PAUSED", "PAUSED \n", "===== Build queued at ",
     "spacehook: alice/demo is paused: the push is kept, nothing is built; "
     "'spacehook start alice/demo' builds and runs the newest commit\n"},
};

START_TEST(test_job_outcome)
{
	char id[SP_JOB_ID_MAX], commit[SP_OID_HEXSZ + 1], path[600];
	sp_buf text = SP_BUF_INIT, name = SP_BUF_INIT;
	sp_space space;
	sp_store *store = NULL;
	sp_state state;
	const char *last;
	FILE *f;

	sp_state_init(&state);
	sp_test_sh(
	    sandbox,
	    "cd demo.git && { %s; } && git add -A . && git commit -q -m c && "
	    "git rev-parse HEAD >../head",
	    job_cases[_i].files);
	snprintf(path, sizeof(path), "%s/head", sandbox);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(commit, sizeof(commit), f));
	fclose(f);
	snprintf(path, sizeof(path), "%s/state", sandbox);
	ck_assert_int_eq(sp_space_parse(&space, "alice/demo"), 0);
	store = sp_test_store_open(path, "alice/demo");
	if (job_cases[_i].paused) {
		state.paused = 1;
		sp_state_set(&state.stage, "PAUSED");
		ck_assert_int_eq(sp_state_save(store, &state), 0);
	}
	snprintf(path, sizeof(path), "%s/demo.git", sandbox);
	ck_assert_int_eq(
	    sp_queue_enqueue(id, store, path, commit, job_cases[_i].flags), 0);

	ck_assert_msg(sp_worker_run(&space) == 0, "%s", sp_error_last());

	ck_assert_int_eq(sp_queue_still_queued(store, id), 0);
	sp_queue_log_name(&name, id, "status");
	ck_assert_int_eq(sp_store_readat(&text, store, name.ptr, 4096), 0);
	ck_assert_str_eq(text.ptr, job_cases[_i].status);
	sp_queue_log_name(&name, id, "log");
	ck_assert_int_eq(sp_store_readat(&text, store, name.ptr, 1 << 20), 0);
	ck_assert_msg(strstr(text.ptr, job_cases[_i].log) != NULL,
	              "%s: '%s' not in the log:\n%s", job_cases[_i].what,
	              job_cases[_i].log, text.ptr);
	ck_assert_uint_ge(text.size, strlen(job_cases[_i].log_end));
	last = text.ptr + text.size - strlen(job_cases[_i].log_end);
	ck_assert_msg(!strcmp(last, job_cases[_i].log_end),
	              "%s: the log does not end with '%s':\n%s",
	              job_cases[_i].what, job_cases[_i].log_end, text.ptr);
	sp_state_dispose(&state);
	sp_state_init(&state);
	ck_assert_int_eq(sp_state_load(&state, store), 0);
	ck_assert_str_eq(state.stage, job_cases[_i].stage);
	ck_assert_ptr_null(state.building_commit);
	/* The worker left: no pid file, the lock free. */
	ck_assert_int_eq(sp_worker_pid(store), 0);
	sp_state_dispose(&state);
	sp_store_free(store);
	sp_buf_dispose(&text);
	sp_buf_dispose(&name);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("worker");
	const struct {
		const char *name;
		const TTest *tests[3];
	} cases[] = {
	    {"worker_pid", {test_worker_pid, test_not_worker, NULL}},
	};

	/* Started by the tests as "spacehook worker SPACE": just be there. */
	if (argc > 1) {
		sleep(30);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		for (size_t j = 0; j < 3 && cases[i].tests[j]; j++)
			tcase_add_test(tc, cases[i].tests[j]);
		suite_add_tcase(s, tc);
	}
	{
		TCase *tc = tcase_create("job");

		tcase_add_checked_fixture(tc, job_setup, job_teardown);
		tcase_add_loop_test(
		    tc, test_job_outcome, 0,
		    (int)(sizeof(job_cases) / sizeof(job_cases[0])));
		suite_add_tcase(s, tc);
	}
	return sp_test_run(s);
}
