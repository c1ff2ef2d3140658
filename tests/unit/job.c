/* Tests of the admin operations on a Space's jobs that need no engine:
 * cancel a queued job, pause and unpause a Space with nothing serving. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "job.h"
#include "space.h"
#include "store.h"
#include "testlib.h"

#define C1 "1111111111111111111111111111111111111111"

static char state_dir[256];
static sp_store *store;

static void setup(void)
{
	store = sp_test_state_new(state_dir, sizeof(state_dir), "job",
	                          "alice/demo");
	setenv("SPACEHOOK_PROGRAM", "/nonexistent/spacehook", 1);
}

static void teardown(void)
{
	sp_test_state_free(store, state_dir);
	store = NULL;
}

START_TEST(test_cancel)
{
	char id[SP_JOB_ID_MAX];
	sp_buf text = SP_BUF_INIT, name = SP_BUF_INIT;
	int canceled = -1;

	ck_assert_int_eq(sp_job_cancel(&canceled, store, 1), 0);
	ck_assert_int_eq(canceled, 0);
	ck_assert_int_eq(sp_queue_enqueue(id, store, NULL, C1, 0), 0);
	ck_assert_int_eq(sp_job_cancel(&canceled, store, 1), 0);
	ck_assert_int_eq(canceled, 1);
	ck_assert_int_eq(sp_queue_still_queued(store, id), 0);
	sp_queue_log_name(&name, id, "log");
	ck_assert_int_eq(sp_store_readat(&text, store, name.ptr, 4096), 0);
	ck_assert_str_eq(text.ptr, "spacehook: canceled by the administrator "
	                           "before it started\n");
	sp_queue_log_name(&name, id, "status");
	ck_assert_int_eq(sp_store_readat(&text, store, name.ptr, 4096), 0);
	ck_assert_str_eq(text.ptr, "CANCELED canceled by the administrator\n");
	sp_buf_dispose(&text);
	sp_buf_dispose(&name);
}
END_TEST

static const struct {
	const char *what;
	const char *stage; /* before */
	int paused;        /* what is asked */
	const char *want;  /* the stage after */
	int want_paused;
} pause_cases[] = {
    {"pause a stopped Space", "STOPPED", 1, "PAUSED", 1},
    {"pause a Space that failed", "BUILD_ERROR", 1, "PAUSED", 1},
    {"pause a Space never deployed", NULL, 1, "PAUSED", 1},
    {"unpause keeps the stage until the job runs", "PAUSED", 0, "PAUSED", 0},
};

START_TEST(test_pause)
{
	sp_settings settings = {0};
	sp_state state, saved;
	char id[SP_JOB_ID_MAX];
	struct stat st;

	settings.state_dir = state_dir;
	sp_state_init(&state);
	sp_state_init(&saved);
	sp_state_set(&state.stage, pause_cases[_i].stage);
	sp_state_set(&state.error, "old trouble");
	state.paused = !pause_cases[_i].paused;
	ck_assert_int_eq(sp_state_save(store, &state), 0);
	ck_assert_int_eq(sp_queue_enqueue(id, store, NULL, C1, 0), 0);

	ck_assert_int_eq(sp_job_pause(&settings, store, pause_cases[_i].paused),
	                 0);
	ck_assert_int_eq(sp_state_load(&saved, store), 0);
	ck_assert_str_eq(saved.stage, pause_cases[_i].want);
	ck_assert_int_eq(saved.paused, pause_cases[_i].want_paused);
	if (pause_cases[_i].paused) {
		/* The queued job is dropped and the error cleared. */
		ck_assert_ptr_null(saved.error);
		ck_assert_int_eq(sp_store_statat(&st, store, "queue"),
		                 SP_ENOTFOUND);
	} else {
		ck_assert_str_eq(saved.error, "old trouble");
		ck_assert_int_eq(sp_store_statat(&st, store, "queue"), 0);
	}
	sp_state_dispose(&state);
	sp_state_dispose(&saved);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("job");
	TCase *cancel = tcase_create("cancel"), *pause = tcase_create("pause");

	tcase_add_checked_fixture(cancel, setup, teardown);
	tcase_add_test(cancel, test_cancel);
	suite_add_tcase(s, cancel);
	tcase_add_checked_fixture(pause, setup, teardown);
	tcase_add_loop_test(
	    pause, test_pause, 0,
	    (int)(sizeof(pause_cases) / sizeof(pause_cases[0])));
	suite_add_tcase(s, pause);
	return sp_test_run(s);
}
