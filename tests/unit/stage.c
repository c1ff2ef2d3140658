/* Tests of the stage setter: the record saved, the webhook tried when the
 * stage changed, the line in the job log. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "settings.h"
#include "space.h"
#include "stage.h"
#include "store.h"
#include "testlib.h"

static char state_dir[256];
static char webhooks_log[300];

static void setup(void)
{
	sp_test_tmpdir(state_dir, sizeof(state_dir), "stage");
	snprintf(webhooks_log, sizeof(webhooks_log), "%s/webhooks.log",
	         state_dir);
}

static void teardown(void)
{
	sp_test_rmtree(state_dir);
}

/* sp_redact_sink: collect the job log. */
static int collect(const char *data, size_t len, void *payload)
{
	sp_buf_put(payload, data, len);
	return 0;
}

/* Lines of webhooks.log holding `needle`, waited for up to `ms`. */
static int webhook_lines(const char *needle, int want, long ms)
{
	sp_buf text = SP_BUF_INIT;
	int count = 0;

	for (long waited = 0;; waited += 20) {
		const char *p;

		count = 0;
		sp_buf_clear(&text);
		if (sp_buf_read_file(&text, webhooks_log, 1 << 20) == 0)
			for (p = text.ptr; (p = strstr(p, needle)); p++)
				count++;
		if (count >= want || waited >= ms)
			break;
		usleep(20 * 1000);
	}
	sp_buf_dispose(&text);
	return count;
}

static const struct {
	const char *what;
	const char *old;       /* recorded stage before; NULL: never deployed */
	int serving;           /* an older version serves */
	int with_settings;     /* webhooks configured */
	const char *stage;     /* the new stage */
	const char *error;     /* the new error, NULL: kept */
	const char *old_error; /* recorded error before */
	int webhook;           /* a webhook for the new stage is tried */
	const char *log;       /* the job log afterwards */
	const char *want_error; /* state.json's error afterwards */
} set_cases[] = {
    {"first build", NULL, 0, 1, "BUILDING", NULL, NULL, 1, "", NULL},
    {"build of a serving Space", "RUNNING", 1, 1, "RUNNING_BUILDING", NULL,
     NULL, 1, "", NULL},
    {"build failed, the old one serves", "RUNNING_BUILDING", 1, 1,
     "BUILD_ERROR", "step 2 failed", NULL, 1,
     "spacehook: alice/demo is BUILD_ERROR; still serving "
     "http://127.0.0.1:7860\n",
     "step 2 failed"},
    {"config refused, nothing serves", "BUILDING", 0, 1, "CONFIG_ERROR",
     "the Dockerfile has errors", NULL, 1,
     "spacehook: alice/demo is CONFIG_ERROR\n", "the Dockerfile has errors"},
    {"deployed", "APP_STARTING", 1, 1, "RUNNING", NULL, NULL, 1, "", NULL},
    {"no change: no webhook", "RUNNING", 1, 1, "RUNNING", NULL, NULL, 0, "",
     NULL},
    {"an error is kept when none is given", "RUNTIME_ERROR", 0, 1, "STOPPED",
     NULL, "old trouble", 1, "spacehook: alice/demo is STOPPED\n",
     "old trouble"},
    {"no settings: nobody told", "RUNNING", 1, 0, "RUNTIME_ERROR",
     "the container is gone", NULL, 0,
     "spacehook: alice/demo is RUNTIME_ERROR; still serving "
     "http://127.0.0.1:7860\n",
     "the container is gone"},
};

START_TEST(test_set)
{
	char hook[] = "ftp://127.0.0.1/hook";
	char *hooks[] = {hook, NULL};
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_state state, saved;
	sp_buf log = SP_BUF_INIT, needle = SP_BUF_INIT;
	sp_stage_target to = {NULL, NULL, "0123456789abcdef", collect, &log};

	settings.state_dir = state_dir;
	settings.webhooks = hooks;
	sp_state_init(&state);
	sp_state_init(&saved);
	store = sp_test_store_open(state_dir, "alice/demo");
	to.store = store;
	to.settings = set_cases[_i].with_settings ? &settings : NULL;
	sp_state_set(&state.stage, set_cases[_i].old);
	sp_state_set(&state.error, set_cases[_i].old_error);
	if (set_cases[_i].serving) {
		sp_state_set(&state.commit, "0123456789abcdef");
		sp_state_set(&state.container, "c0ffee");
		sp_state_set(&state.url, "http://127.0.0.1:7860");
	}

	ck_assert_int_eq(
	    sp_stage_set(&state, &to, set_cases[_i].stage, set_cases[_i].error),
	    0);
	ck_assert_str_eq(state.stage, set_cases[_i].stage);
	ck_assert_int_eq(sp_state_load(&saved, store), 0);
	ck_assert_str_eq(saved.stage, set_cases[_i].stage);
	if (set_cases[_i].want_error)
		ck_assert_str_eq(saved.error, set_cases[_i].want_error);
	else
		ck_assert_ptr_null(saved.error);
	ck_assert_str_eq(log.ptr, set_cases[_i].log);
	/* The URL is refused by the delivery process, which logs the try. */
	sp_buf_printf(&needle, "alice/demo %s ftp://", set_cases[_i].stage);
	ck_assert_int_eq(
	    webhook_lines(needle.ptr, 1, set_cases[_i].webhook ? 5000 : 300),
	    set_cases[_i].webhook);

	sp_state_dispose(&state);
	sp_state_dispose(&saved);
	sp_store_free(store);
	sp_buf_dispose(&log);
	sp_buf_dispose(&needle);
}
END_TEST

/* The arguments may point into the record that changes. */
START_TEST(test_set_from_record)
{
	sp_store *store = NULL;
	sp_state state;
	sp_stage_target to = {NULL, NULL, NULL, NULL, NULL};

	sp_state_init(&state);
	store = sp_test_store_open(state_dir, "alice/demo");
	to.store = store;
	sp_state_set(&state.stage, "RUNTIME_ERROR");
	sp_state_set(&state.error, "it crashed");
	ck_assert_int_eq(sp_stage_set(&state, &to, state.stage, state.error),
	                 0);
	ck_assert_str_eq(state.stage, "RUNTIME_ERROR");
	ck_assert_str_eq(state.error, "it crashed");
	sp_state_dispose(&state);
	sp_store_free(store);
}
END_TEST

/* A record that cannot be saved: the error is returned, nobody is told. */
START_TEST(test_set_unsaved)
{
	char hook[] = "ftp://127.0.0.1/hook";
	char *hooks[] = {hook, NULL};
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_state state;
	sp_stage_target to = {&settings, NULL, NULL, NULL, NULL};
	char path[600];

	settings.state_dir = state_dir;
	settings.webhooks = hooks;
	sp_state_init(&state);
	store = sp_test_store_open(state_dir, "alice/demo");
	to.store = store;
	/* state.json as a directory: the rename over it fails. */
	snprintf(path, sizeof(path), "%s/state.json", sp_store_dir(store));
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_lt(sp_stage_set(&state, &to, "BUILDING", NULL), 0);
	ck_assert_int_eq(webhook_lines("alice/demo BUILDING", 1, 300), 0);
	sp_state_dispose(&state);
	sp_store_free(store);
}
END_TEST

static const struct {
	const char *stage;
	int in_job;
} in_job_cases[] = {
    {"BUILDING", 1},      {"RUNNING_BUILDING", 1},
    {"APP_STARTING", 1},  {"RUNNING_APP_STARTING", 1},
    {"RUNNING", 0},       {"BUILD_ERROR", 0},
    {"RUNTIME_ERROR", 0}, {"PAUSED", 0},
    {"building", 0},      {NULL, 0},
};

START_TEST(test_in_job)
{
	ck_assert_msg(
	    sp_stage_in_job(in_job_cases[_i].stage) == in_job_cases[_i].in_job,
	    "%s", in_job_cases[_i].stage ? in_job_cases[_i].stage : "(null)");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage");
	TCase *set = tcase_create("set"), *in_job = tcase_create("in_job");

	tcase_add_checked_fixture(set, setup, teardown);
	tcase_add_loop_test(set, test_set, 0,
	                    (int)(sizeof(set_cases) / sizeof(set_cases[0])));
	tcase_add_test(set, test_set_from_record);
	tcase_add_test(set, test_set_unsaved);
	suite_add_tcase(s, set);
	tcase_add_loop_test(
	    in_job, test_in_job, 0,
	    (int)(sizeof(in_job_cases) / sizeof(in_job_cases[0])));
	suite_add_tcase(s, in_job);
	return sp_test_run(s);
}
