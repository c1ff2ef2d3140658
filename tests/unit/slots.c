/* Tests of the build slots: the owner's limit, the server's, and the build a
 * dead holder left running. */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "proc.h"
#include "slots.h"
#include "testlib.h"

static char state_dir[256];
static sp_store *store;
static sp_settings settings;
static sp_buf said = SP_BUF_INIT;

static int collect(const char *data, size_t len, void *payload)
{
	sp_buf_put(payload, data, len);
	return 0;
}

static void setup(void)
{
	store = sp_test_state_new(state_dir, sizeof(state_dir), "slots",
	                          "alice/demo");
	memset(&settings, 0, sizeof(settings));
	settings.state_dir = state_dir;
	settings.max_concurrent_builds = 2;
	settings.max_builds_per_owner = 1;
	sp_buf_clear(&said);
}

static void teardown(void)
{
	sp_test_state_free(store, state_dir);
	store = NULL;
}

static volatile sig_atomic_t cancel;

static void *cancel_soon(void *arg)
{
	(void)arg;
	usleep(1500 * 1000);
	cancel = 1;
	return NULL;
}

/* Try to take slots for `owner` while others are held: canceled after
 * 1.5 s, with what it said it waits for in `said`. */
static int take_until_canceled(sp_slots *slots, const char *owner)
{
	pthread_t t;
	int error;

	cancel = 0;
	ck_assert_int_eq(pthread_create(&t, NULL, cancel_soon, NULL), 0);
	error = sp_slots_take(slots, &settings, store, owner, &cancel, collect,
	                      &said);
	pthread_join(t, NULL);
	return error;
}

START_TEST(test_take_and_release)
{
	sp_slots slots = SP_SLOTS_INIT, again = SP_SLOTS_INIT;

	ck_assert_int_eq(sp_slots_take(&slots, &settings, store, "alice", NULL,
	                               collect, &said),
	                 0);
	ck_assert_int_ge(slots.owner, 0);
	ck_assert_int_ge(slots.server, 0);
	sp_slots_release(&slots);
	ck_assert_int_eq(slots.owner, -1);
	ck_assert_int_eq(slots.server, -1);
	/* Released: the same owner gets one again at once. */
	ck_assert_int_eq(sp_slots_take(&again, &settings, store, "alice", NULL,
	                               collect, &said),
	                 0);
	sp_slots_release(&again);
	ck_assert_str_eq(said.ptr, "");
}
END_TEST

START_TEST(test_owner_limit)
{
	sp_slots first = SP_SLOTS_INIT, second = SP_SLOTS_INIT,
	         other = SP_SLOTS_INIT;

	ck_assert_int_eq(sp_slots_take(&first, &settings, store, "alice", NULL,
	                               collect, &said),
	                 0);
	ck_assert_int_eq(take_until_canceled(&second, "alice"), SP_ECANCELED);
	ck_assert_ptr_nonnull(strstr(said.ptr,
	                             "alice already runs 1 build "
	                             "(spacehook.maxBuildsPerOwner)"));
	/* Another owner is not held up by alice's limit. */
	ck_assert_int_eq(sp_slots_take(&other, &settings, store, "bob", NULL,
	                               collect, &said),
	                 0);
	sp_slots_release(&other);
	sp_slots_release(&second);
	sp_slots_release(&first);
}
END_TEST

START_TEST(test_server_limit)
{
	sp_slots a = SP_SLOTS_INIT, b = SP_SLOTS_INIT, c = SP_SLOTS_INIT;

	ck_assert_int_eq(
	    sp_slots_take(&a, &settings, store, "alice", NULL, collect, &said),
	    0);
	ck_assert_int_eq(
	    sp_slots_take(&b, &settings, store, "bob", NULL, collect, &said),
	    0);
	ck_assert_int_eq(take_until_canceled(&c, "carol"), SP_ECANCELED);
	ck_assert_ptr_nonnull(strstr(
	    said.ptr, "2 builds run at once: spacehook.maxConcurrentBuilds"));
	/* carol's own slot was not kept while she waited for the server's. */
	sp_slots_release(&c);
	ck_assert_int_eq(c.owner, -1);
	sp_slots_release(&b);
	sp_slots_release(&a);
}
END_TEST

START_TEST(test_dead_holder_build_killed)
{
	sp_slots slots = SP_SLOTS_INIT;
	int fds[2], status;
	pid_t holder, build = -1;

	settings.max_concurrent_builds = 1;
	ck_assert_int_eq(pipe(fds), 0);
	holder = fork();
	ck_assert_int_ge(holder, 0);
	if (holder == 0) {
		/* A worker: takes the slots, starts a "build" in a process
		 * group of its own, records it, and dies without releasing. */
		sp_slots mine = SP_SLOTS_INIT;
		unsigned long long start;
		pid_t child;

		if (sp_slots_take(&mine, &settings, store, "alice", NULL, NULL,
		                  NULL) < 0)
			_exit(1);
		child = fork();
		if (child == 0) {
			setsid();
			execl("/bin/sleep", "sleep", "60", (char *)NULL);
			_exit(127);
		}
		while (sp_proc_start_time(&start, child) < 0 ||
		       getpgid(child) != child)
			usleep(10000);
		sp_slots_record(child, start, &mine);
		if (write(fds[1], &child, sizeof(child)) != sizeof(child))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &build, sizeof(build)),
	                 (ssize_t)sizeof(build));
	close(fds[0]);
	ck_assert_int_eq(waitpid(holder, &status, 0), holder);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The build outlived its worker... */
	ck_assert_int_eq(kill(build, 0), 0);
	/* ...until the next taker of the slot. */
	ck_assert_int_eq(sp_slots_take(&slots, &settings, store, "bob", NULL,
	                               collect, &said),
	                 0);
	ck_assert_ptr_nonnull(strstr(said.ptr, "stopped the build"));
	for (int i = 0; i < 200 && kill(build, 0) == 0; i++)
		usleep(10000);
	ck_assert_int_ne(kill(build, 0), 0);
	sp_slots_release(&slots);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("slots");
	TCase *tc = tcase_create("limits");
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_take_and_release);
	tcase_add_test(tc, test_owner_limit);
	tcase_add_test(tc, test_server_limit);
	suite_add_tcase(s, tc);
	tc = tcase_create("sweep");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_dead_holder_build_killed);
	suite_add_tcase(s, tc);
	failed = sp_test_run(s);
	sp_buf_dispose(&said);
	return failed;
}
