/* Tests of the job queue: newest push wins, restarts join a queued build, the
 * log files, their rotation, and following a job's log. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "queue.h"
#include "space.h"
#include "store.h"
#include "testlib.h"

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define C3 "3333333333333333333333333333333333333333"

static char state_dir[256];
static sp_store *store;

static void setup(void)
{
	store = sp_test_state_new(state_dir, sizeof(state_dir), "queue",
	                          "alice/demo");
	/* No worker program to find: followers see none. */
	setenv("SPACEHOOK_PROGRAM", "/nonexistent/spacehook", 1);
}

static void teardown(void)
{
	sp_test_state_free(store, state_dir);
	store = NULL;
}

/* The text of a job's file ("" when missing). */
static void job_file(sp_buf *out, const char *id, const char *ext)
{
	sp_buf name = SP_BUF_INIT;

	sp_queue_log_name(&name, id, ext);
	sp_buf_clear(out);
	if (sp_store_readat(out, store, name.ptr, 1 << 20) < 0)
		sp_buf_clear(out);
	sp_buf_dispose(&name);
}

START_TEST(test_enqueue)
{
	char id[SP_JOB_ID_MAX];
	sp_queue_entry e;
	sp_buf text = SP_BUF_INIT;

	ck_assert_int_eq(sp_queue_enqueue(id, store, NULL, C1, SP_JOB_NO_CACHE),
	                 0);
	/* "<yyyymmdd>T<hhmmss>Z-<commit12>-<pid>" */
	ck_assert_int_eq(strlen(id) > 30, 1);
	ck_assert_msg(strstr(id, "Z-111111111111-") != NULL, "%s", id);
	ck_assert_int_eq(sp_queue_still_queued(store, id), 1);
	job_file(&text, id, "log");
	ck_assert_uint_eq(text.size, 0);
	ck_assert_int_eq(sp_queue_peek(&e, store), 0);
	ck_assert_str_eq(e.id, id);
	ck_assert_str_eq(e.commit, C1);
	ck_assert_uint_eq(e.flags, SP_JOB_NO_CACHE);
	ck_assert_int_gt(e.queued_at, 0);
	/* Peeking leaves it; taking it empties the queue. */
	ck_assert_int_eq(sp_queue_dequeue(&e, store), 0);
	ck_assert_str_eq(e.id, id);
	ck_assert_int_eq(sp_queue_still_queued(store, id), 0);
	ck_assert_int_eq(sp_queue_dequeue(&e, store), SP_ENOTFOUND);
	ck_assert_int_eq(sp_queue_peek(&e, store), SP_ENOTFOUND);
	sp_buf_dispose(&text);
}
END_TEST

START_TEST(test_newest_wins)
{
	char first[SP_JOB_ID_MAX], second[SP_JOB_ID_MAX];
	sp_queue_entry e;
	sp_buf text = SP_BUF_INIT;

	ck_assert_int_eq(sp_queue_enqueue(first, store, NULL, C1, 0), 0);
	ck_assert_int_eq(sp_queue_enqueue(second, store, NULL, C2, 0), 0);
	ck_assert_str_ne(first, second);
	ck_assert_int_eq(sp_queue_still_queued(store, first), 0);
	ck_assert_int_eq(sp_queue_still_queued(store, second), 1);
	job_file(&text, first, "log");
	ck_assert_str_eq(text.ptr,
	                 "spacehook: superseded by a newer push (2222222): "
	                 "only the newest queued commit is built\n");
	job_file(&text, first, "status");
	ck_assert_str_eq(text.ptr, "SUPERSEDED by 2222222\n");
	job_file(&text, second, "status");
	ck_assert_str_eq(text.ptr, "");
	ck_assert_int_eq(sp_queue_peek(&e, store), 0);
	ck_assert_str_eq(e.commit, C2);
	sp_buf_dispose(&text);
}
END_TEST

/* A restart while a build waits joins that build; after a restart, a build
 * replaces it. */
START_TEST(test_restart_joins_build)
{
	char build[SP_JOB_ID_MAX], restart[SP_JOB_ID_MAX], again[SP_JOB_ID_MAX];
	sp_queue_entry e;

	ck_assert_int_eq(sp_queue_enqueue(build, store, NULL, C1, 0), 0);
	ck_assert_int_eq(
	    sp_queue_enqueue(restart, store, NULL, C2, SP_JOB_RESTART), 0);
	ck_assert_str_eq(restart, build);
	ck_assert_int_eq(sp_queue_peek(&e, store), 0);
	ck_assert_str_eq(e.commit, C1);
	ck_assert_uint_eq(e.flags, 0);
	ck_assert_int_eq(sp_queue_dequeue(&e, store), 0);
	ck_assert_int_eq(
	    sp_queue_enqueue(restart, store, NULL, C2, SP_JOB_RESTART), 0);
	ck_assert_int_eq(sp_queue_enqueue(again, store, NULL, C3, 0), 0);
	ck_assert_str_ne(again, restart);
	ck_assert_int_eq(sp_queue_peek(&e, store), 0);
	ck_assert_str_eq(e.commit, C3);
}
END_TEST

static const struct {
	const char *what;
	const char *text; /* the queue file */
	int error;        /* what peeking gives */
} bad_cases[] = {
    {"not a full commit", "id 1234 0 5\n", SP_EINVALID},
    {"missing fields", "id " C1 "\n", SP_EINVALID},
    {"empty", "", SP_EINVALID},
    {"well formed", "id " C1 " 2 5\n", 0},
};

START_TEST(test_damaged_queue)
{
	sp_queue_entry e;
	struct stat st;

	ck_assert_int_eq(sp_store_writeat(store, "queue", bad_cases[_i].text,
	                                  strlen(bad_cases[_i].text), 0600),
	                 0);
	ck_assert_msg(sp_queue_peek(&e, store) == bad_cases[_i].error, "%s",
	              bad_cases[_i].what);
	/* A damaged file is removed: the next push starts afresh. */
	ck_assert_int_eq(sp_store_statat(&st, store, "queue") == 0,
	                 bad_cases[_i].error == 0);
}
END_TEST

START_TEST(test_enqueue_refuses_short_commit)
{
	char id[SP_JOB_ID_MAX];

	ck_assert_int_eq(sp_queue_enqueue(id, store, NULL, "1234567", 0),
	                 SP_EINVALID);
	ck_assert_str_eq(sp_error_last(), "not a full commit id: '1234567'");
}
END_TEST

START_TEST(test_drop)
{
	char id[SP_JOB_ID_MAX];
	sp_buf text = SP_BUF_INIT;
	int dropped = -1;

	ck_assert_int_eq(sp_queue_drop(&dropped, store, "CANCELED", "x", "y"),
	                 0);
	ck_assert_int_eq(dropped, 0);
	ck_assert_int_eq(sp_queue_enqueue(id, store, NULL, C1, 0), 0);
	ck_assert_int_eq(sp_queue_drop(&dropped, store, "CANCELED",
	                               "canceled before it started",
	                               "canceled"),
	                 0);
	ck_assert_int_eq(dropped, 1);
	ck_assert_int_eq(sp_queue_still_queued(store, id), 0);
	job_file(&text, id, "log");
	ck_assert_str_eq(text.ptr, "spacehook: canceled before it started\n");
	job_file(&text, id, "status");
	ck_assert_str_eq(text.ptr, "CANCELED canceled\n");
	sp_buf_dispose(&text);
}
END_TEST

/* Only the newest SP_QUEUE_KEEP_LOGS logs stay, with their status files. */
START_TEST(test_rotation)
{
	char id[SP_JOB_ID_MAX], name[128];
	struct stat st;
	int kept = 0;

	for (int i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "logs/20200101T0000%02dZ-old.log",
		         i);
		ck_assert_int_eq(sp_store_writeat(store, name, "x", 1, 0600),
		                 0);
		snprintf(name, sizeof(name),
		         "logs/20200101T0000%02dZ-old.status", i);
		ck_assert_int_eq(
		    sp_store_writeat(store, name, "RUNNING \n", 9, 0600), 0);
	}
	ck_assert_int_eq(sp_queue_enqueue(id, store, NULL, C1, 0), 0);
	for (int i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "logs/20200101T0000%02dZ-old.log",
		         i);
		if (sp_store_statat(&st, store, name) == 0) {
			kept++;
			ck_assert_msg(i >= 6, "%s should be gone", name);
		}
		snprintf(name, sizeof(name),
		         "logs/20200101T0000%02dZ-old.status", i);
		ck_assert_int_eq(sp_store_statat(&st, store, name) == 0,
		                 i >= 6);
	}
	ck_assert_int_eq(kept, SP_QUEUE_KEEP_LOGS - 1);
	snprintf(name, sizeof(name), "logs/%s.log", id);
	ck_assert_int_eq(sp_store_statat(&st, store, name), 0);
}
END_TEST

/* Follow a job into a file; returns what follow returned. */
static int follow(sp_buf *out, sp_buf *stage, const char *id)
{
	char path[300];
	int fd, error;

	snprintf(path, sizeof(path), "%s/followed", state_dir);
	ck_assert_int_ge(fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), 0);
	error = sp_queue_follow(stage, store, id, fd);
	close(fd);
	sp_buf_clear(out);
	ck_assert_int_eq(sp_buf_read_file(out, path, 1 << 20), 0);
	return error;
}

static const struct {
	const char *what;
	const char *log;    /* the job's log */
	const char *status; /* its status file, NULL: none */
	int error;
	const char *stage;
	const char *shown; /* what the follower printed */
} follow_cases[] = {
    {"ended RUNNING", "building\nspacehook: ok\n", "RUNNING \n", 0, "RUNNING",
     "building\nspacehook: ok\n"},
    {"superseded", "spacehook: superseded\n", "SUPERSEDED by 2222222\n", 0,
     "SUPERSEDED", "spacehook: superseded\n"},
    {"ended BUILD_ERROR", "step 1 failed\n", "BUILD_ERROR step 1 failed\n",
     SP_ERROR, "BUILD_ERROR", "step 1 failed\n"},
    {"control characters escaped", "red \033[31m bell \a\n", "RUNNING \n", 0,
     "RUNNING", "red \\x1b[31m bell \\x07\n"},
    {"no worker, no longer queued", "started\n", NULL, SP_ERROR, "LOST",
     "started\nspacehook: error: the worker stopped before the job ended; "
     "see 'spacehook status' and 'spacehook rebuild'\n"},
};

START_TEST(test_follow)
{
	const char *id = "20200101T000000Z-111111111111-1";
	sp_buf out = SP_BUF_INIT, stage = SP_BUF_INIT, name = SP_BUF_INIT;

	sp_queue_log_name(&name, id, "log");
	ck_assert_int_eq(sp_store_writeat(store, name.ptr, follow_cases[_i].log,
	                                  strlen(follow_cases[_i].log), 0600),
	                 0);
	if (follow_cases[_i].status) {
		sp_queue_log_name(&name, id, "status");
		ck_assert_int_eq(
		    sp_store_writeat(store, name.ptr, follow_cases[_i].status,
		                     strlen(follow_cases[_i].status), 0600),
		    0);
	}
	ck_assert_msg(follow(&out, &stage, id) == follow_cases[_i].error, "%s",
	              follow_cases[_i].what);
	ck_assert_str_eq(stage.ptr, follow_cases[_i].stage);
	ck_assert_str_eq(out.ptr, follow_cases[_i].shown);
	sp_buf_dispose(&out);
	sp_buf_dispose(&stage);
	sp_buf_dispose(&name);
}
END_TEST

START_TEST(test_log_append)
{
	const char *id = "20200101T000000Z-111111111111-1";
	sp_buf text = SP_BUF_INIT;
	int fd;

	ck_assert_int_eq(sp_queue_log_append(store, id, "one\n"), 0);
	ck_assert_int_ge(fd = sp_queue_log_open(store, id), 0);
	ck_assert_int_eq(sp_queue_write_all(fd, "two\n", 4), 0);
	close(fd);
	job_file(&text, id, "log");
	ck_assert_str_eq(text.ptr, "one\ntwo\n");
	ck_assert_int_eq(sp_queue_write_status(store, id, "RUNNING", NULL), 0);
	job_file(&text, id, "status");
	ck_assert_str_eq(text.ptr, "RUNNING \n");
	sp_buf_dispose(&text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("queue");
	TCase *queue = tcase_create("queue"),
	      *damaged = tcase_create("damaged"), *logs = tcase_create("logs"),
	      *follows = tcase_create("follow");

	tcase_add_checked_fixture(queue, setup, teardown);
	tcase_add_test(queue, test_enqueue);
	tcase_add_test(queue, test_newest_wins);
	tcase_add_test(queue, test_restart_joins_build);
	tcase_add_test(queue, test_enqueue_refuses_short_commit);
	tcase_add_test(queue, test_drop);
	suite_add_tcase(s, queue);
	tcase_add_checked_fixture(damaged, setup, teardown);
	tcase_add_loop_test(damaged, test_damaged_queue, 0,
	                    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	suite_add_tcase(s, damaged);
	tcase_add_checked_fixture(logs, setup, teardown);
	tcase_add_test(logs, test_rotation);
	tcase_add_test(logs, test_log_append);
	suite_add_tcase(s, logs);
	tcase_add_checked_fixture(follows, setup, teardown);
	tcase_add_loop_test(
	    follows, test_follow, 0,
	    (int)(sizeof(follow_cases) / sizeof(follow_cases[0])));
	suite_add_tcase(s, follows);
	return sp_test_run(s);
}
