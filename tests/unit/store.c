/* Tests of the state store: whole-file writes and modes, secrets and variables,
 * state records, locks, the queue, ports, listing. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "space.h"
#include "store.h"
#include "testlib.h"

static char state_dir[256];

static void setup(void)
{
	sp_test_tmpdir(state_dir, sizeof(state_dir), "store");
}

static void teardown(void)
{
	sp_test_rmtree(state_dir);
}

static mode_t mode_of(const char *dir, const char *file)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ck_assert_msg(stat(path, &st) == 0, "no %s", path);
	return st.st_mode & 07777;
}

static void write_raw(sp_store *store, const char *file, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sp_store_dir(store), file);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_write_file)
{
	char path[300];
	sp_buf buf = SP_BUF_INIT;
	mode_t old = umask(0);

	snprintf(path, sizeof(path), "%s/f", state_dir);
	ck_assert_int_eq(sp_store_write_file(path, "one", 3, 0600), 0);
	ck_assert_int_eq(sp_store_write_file(path, "two\0x", 5, 0640), 0);
	ck_assert_int_eq(sp_buf_read_file(&buf, path, 100), 0);
	ck_assert_uint_eq(buf.size, 5);
	ck_assert_int_eq(memcmp(buf.ptr, "two\0x", 5), 0);
	ck_assert_int_eq(mode_of(state_dir, "f"), 0640);
	umask(077);
	ck_assert_int_eq(sp_store_write_file(path, "", 0, 0644), 0);
	ck_assert_int_eq(mode_of(state_dir, "f"), 0644);
	umask(old);
	snprintf(path, sizeof(path), "%s/missing/f", state_dir);
	ck_assert_int_eq(sp_store_write_file(path, "x", 1, 0600), SP_EIO);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "missing"));
	sp_buf_dispose(&buf);
}
END_TEST

START_TEST(test_open_layout)
{
	sp_store *store = sp_test_store_open(state_dir, "Alice/demo");
	sp_space other;
	sp_store *clash = NULL;
	char path[400];

	ck_assert_int_eq(mode_of(state_dir, "spaces"), 0700);
	ck_assert_int_eq(mode_of(sp_store_dir(store), ""), 0700);
	ck_assert_int_eq(mode_of(sp_store_dir(store), "logs"), 0700);
	ck_assert_int_eq(mode_of(sp_store_dir(store), "space"), 0600);
	ck_assert_str_eq(sp_store_space(store)->id, "Alice/demo");
	ck_assert_int_eq(sp_store_exists(state_dir, sp_store_space(store)), 1);

	/* A directory that holds another id is a slug clash, never shared. */
	write_raw(store, "space", "bob/other\n");
	ck_assert_int_eq(sp_space_parse(&other, "Alice/demo"), 0);
	ck_assert_int_eq(sp_store_open(&clash, state_dir, &other), SP_EEXISTS);
	ck_assert_ptr_null(clash);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "bob/other"));
	sp_store_free(store);

	/* Nested state dirs are created; relative ones refused. */
	snprintf(path, sizeof(path), "%s/a/b/c", state_dir);
	ck_assert_int_eq(sp_space_parse(&other, "x/y"), 0);
	ck_assert_int_eq(sp_store_exists(path, &other), 0);
	ck_assert_int_eq(sp_store_open(&store, path, &other), 0);
	sp_store_free(store);
	ck_assert_int_eq(sp_store_open(&store, "relative", &other),
	                 SP_EINVALID);
	sp_store_free(NULL);
}
END_TEST

START_TEST(test_kv)
{
	sp_store *store = sp_test_store_open(state_dir, "alice/demo");
	sp_kv kv = {NULL, 0};

	ck_assert_int_eq(sp_store_kv_load(&kv, store, SP_KV_SECRETS), 0);
	ck_assert_uint_eq(kv.count, 0);
	ck_assert_int_eq(
	    sp_store_kv_set(store, SP_KV_SECRETS, "HF_TOKEN", "hf_abc"), 0);
	ck_assert_int_eq(
	    sp_store_kv_set(store, SP_KV_SECRETS, "A_KEY", "line1\nline2\"\\"),
	    0);
	ck_assert_int_eq(
	    sp_store_kv_set(store, SP_KV_SECRETS, "HF_TOKEN", "hf_new"), 0);
	ck_assert_int_eq(
	    sp_store_kv_set(store, SP_KV_VARIABLES, "MODEL", "gpt2"), 0);
	ck_assert_int_eq(mode_of(sp_store_dir(store), "secrets.json"), 0600);
	ck_assert_int_eq(mode_of(sp_store_dir(store), "variables.json"), 0600);

	ck_assert_int_eq(sp_store_kv_load(&kv, store, SP_KV_SECRETS), 0);
	ck_assert_uint_eq(kv.count, 2);
	ck_assert_str_eq(kv.items[0].name, "A_KEY"); /* sorted */
	ck_assert_str_eq(kv.items[0].value, "line1\nline2\"\\");
	ck_assert_str_eq(kv.items[1].name, "HF_TOKEN");
	ck_assert_str_eq(kv.items[1].value, "hf_new");
	sp_kv_dispose(&kv);
	ck_assert_ptr_null(kv.items);

	/* A name is a secret or a variable, never both. */
	ck_assert_int_eq(
	    sp_store_kv_set(store, SP_KV_VARIABLES, "HF_TOKEN", "x"),
	    SP_EEXISTS);
	ck_assert_str_eq(sp_error_last(),
	                 "HF_TOKEN is already a secret of alice/demo");
	ck_assert_int_eq(sp_store_kv_set(store, SP_KV_SECRETS, "MODEL", "x"),
	                 SP_EEXISTS);
	ck_assert_str_eq(sp_error_last(),
	                 "MODEL is already a variable of alice/demo");

	ck_assert_int_eq(sp_store_kv_unset(store, SP_KV_SECRETS, "HF_TOKEN"),
	                 0);
	ck_assert_int_eq(sp_store_kv_unset(store, SP_KV_SECRETS, "HF_TOKEN"),
	                 SP_ENOTFOUND);
	ck_assert_str_eq(sp_error_last(),
	                 "HF_TOKEN is not a secret of alice/demo");
	ck_assert_int_eq(
	    sp_store_kv_set(store, SP_KV_VARIABLES, "HF_TOKEN", "now a var"),
	    0);
	ck_assert_int_eq(sp_store_kv_load(&kv, store, SP_KV_VARIABLES), 0);
	ck_assert_uint_eq(kv.count, 2);
	ck_assert_str_eq(kv.items[0].name, "HF_TOKEN");
	ck_assert_str_eq(kv.items[1].value, "gpt2");
	sp_kv_dispose(&kv);
	sp_store_free(store);
}
END_TEST

START_TEST(test_kv_refusals)
{
	static const char *const bad_names[] = {
	    "", "1ABC", "A-B", "A B", "A=B", "A\nB", "ÄB", "A.B", "$A",
	};
	sp_store *store = sp_test_store_open(state_dir, "alice/demo");
	char name[300], *big;

	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		ck_assert_int_eq(sp_kv_name_valid(bad_names[i]), 0);
		ck_assert_int_eq(
		    sp_store_kv_set(store, SP_KV_SECRETS, bad_names[i], "v"),
		    SP_EINVALID);
		for (const char *p = sp_error_last(); *p; p++)
			ck_assert((unsigned char)*p >= 0x20);
	}
	ck_assert_int_eq(sp_kv_name_valid(NULL), 0);
	ck_assert_int_eq(sp_kv_name_valid("_"), 1);
	ck_assert_int_eq(sp_kv_name_valid("a1_B"), 1);
	memset(name, 'A', 256);
	name[256] = '\0';
	ck_assert_int_eq(sp_kv_name_valid(name), 1);
	name[256] = 'A';
	name[257] = '\0';
	ck_assert_int_eq(sp_kv_name_valid(name), 0);

	big = malloc(SP_KV_VALUE_MAX + 2);
	memset(big, 'v', SP_KV_VALUE_MAX + 1);
	big[SP_KV_VALUE_MAX + 1] = '\0';
	ck_assert_int_eq(sp_store_kv_set(store, SP_KV_SECRETS, "BIG", big),
	                 SP_EINVALID);
	ck_assert_ptr_null(strstr(sp_error_last(), "vvvv"));
	big[SP_KV_VALUE_MAX] = '\0';
	ck_assert_int_eq(sp_store_kv_set(store, SP_KV_SECRETS, "BIG", big), 0);
	/* The file as a whole stays under its cap too. */
	for (int i = 0; i < 20; i++) {
		int rc;

		snprintf(name, sizeof(name), "BIG%d", i);
		rc = sp_store_kv_set(store, SP_KV_SECRETS, name, big);
		if (rc < 0) {
			ck_assert_int_eq(rc, SP_ETOOBIG);
			ck_assert_ptr_null(strstr(sp_error_last(), "vvvv"));
			break;
		}
		ck_assert_int_lt(i, 16);
	}
	free(big);
	ck_assert_int_eq(sp_store_kv_set(store, SP_KV_SECRETS, "X", NULL),
	                 SP_EINVALID);
	sp_store_free(store);
}
END_TEST

/* Names the build machinery reads, and values that are not text. */
START_TEST(test_kv_reserved_and_text)
{
	static const struct {
		const char *name;
		const char *prefix;
	} names[] = {
	    {"BUILDKIT_SYNTAX", "BUILDKIT_"},
	    {"BUILDKIT_INLINE_CACHE", "BUILDKIT_"},
	    {"buildkit_syntax", "BUILDKIT_"},
	    {"SPACEHOOK_SECRET_X", "SPACEHOOK_"},
	    {"Spacehook_X", "SPACEHOOK_"},
	    {"BUILDKIT", NULL},
	    {"MY_BUILDKIT_X", NULL},
	    {"SPACEHOOKX", NULL},
	    {"HF_TOKEN", NULL},
	};
	static const char *const not_text[] = {
	    "caf\xe9", "\xc0\x80", "\xed\xa0\x80", "ok\xc3", "\xff\xfe",
	};
	sp_store *store = sp_test_store_open(state_dir, "alice/demo");
	sp_kv kv = {NULL, 0};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *got = sp_kv_name_reserved(names[i].name);

		if (!names[i].prefix) {
			ck_assert_ptr_null(got);
			ck_assert_int_eq(sp_kv_name_settable(names[i].name), 0);
			continue;
		}
		ck_assert_str_eq(got, names[i].prefix);
		ck_assert_int_eq(sp_kv_name_settable(names[i].name),
		                 SP_EINVALID);
		ck_assert_ptr_nonnull(strstr(sp_error_last(), "reserved"));
		ck_assert_int_eq(
		    sp_store_kv_set(store, SP_KV_VARIABLES, names[i].name, "v"),
		    SP_EINVALID);
	}
	for (size_t i = 0; i < sizeof(not_text) / sizeof(not_text[0]); i++) {
		ck_assert_int_eq(
		    sp_store_kv_set(store, SP_KV_SECRETS, "BIN", not_text[i]),
		    SP_EINVALID);
		ck_assert_ptr_nonnull(strstr(sp_error_last(), "UTF-8"));
	}
	ck_assert_int_eq(sp_store_kv_set(store, SP_KV_SECRETS, "TEXT",
	                                 "caf\xc3\xa9 \xf0\x9f\x9a\x80"),
	                 0);
	ck_assert_int_eq(sp_store_kv_load(&kv, store, SP_KV_SECRETS), 0);
	ck_assert_uint_eq(kv.count, 1);
	ck_assert_str_eq(kv.items[0].name, "TEXT");
	sp_kv_dispose(&kv);
	ck_assert_int_eq(sp_store_kv_load(&kv, store, SP_KV_VARIABLES), 0);
	ck_assert_uint_eq(kv.count, 0);
	sp_kv_dispose(&kv);
	sp_store_free(store);
}
END_TEST

START_TEST(test_kv_damaged)
{
	static const char *const damaged[] = {
	    "{\"A\": \"secret-value\"",
	    "[1,2]",
	    "{\"A\": 5}",
	    "{\"1A\": \"x\"}",
	    "{\"A\": \"x\", \"A\": \"y\"}",
	    "\"just a string\"",
	    "",
	};
	sp_store *store = sp_test_store_open(state_dir, "alice/demo");
	sp_kv kv = {NULL, 0};

	for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
		write_raw(store, "secrets.json", damaged[i]);
		ck_assert_msg(sp_store_kv_load(&kv, store, SP_KV_SECRETS) ==
		                  SP_EINVALID,
		              "case %zu loaded", i);
		ck_assert_ptr_nonnull(strstr(sp_error_last(), "secrets.json"));
		ck_assert_ptr_nonnull(strstr(sp_error_last(), "damaged"));
		ck_assert_ptr_null(strstr(sp_error_last(), "secret-value"));
		ck_assert_uint_eq(kv.count, 0);
		/* A change is refused rather than dropping what was there. */
		ck_assert_int_lt(
		    sp_store_kv_set(store, SP_KV_SECRETS, "B", "v"), 0);
		ck_assert_int_lt(
		    sp_store_kv_set(store, SP_KV_VARIABLES, "A", "v"), 0);
	}
	sp_store_free(store);
}
END_TEST

START_TEST(test_state_round_trip)
{
	sp_store *store = sp_test_store_open(state_dir, "alice/demo");
	sp_state st, back;
	time_t before = time(NULL);

	ck_assert_int_eq(sp_state_load(&st, store), 0); /* never deployed */
	ck_assert_ptr_null(st.stage);
	ck_assert_int_eq(st.host_port, 0);
	sp_state_set(&st.stage, "RUNNING");
	sp_state_set(&st.commit, "4be1c2e0000000000000000000000000000000aa");
	sp_state_set(&st.image, "spacehook/alice--demo:4be1c2e");
	sp_state_set(&st.container, "abc123");
	sp_state_set(&st.prev_image, "spacehook/alice--demo:old");
	sp_state_set(&st.url, "http://127.0.0.1:20417");
	sp_state_set(&st.error, "line \"1\"\nline 2\t\x01");
	st.host_port = 20417;
	st.started_at = 1700000000;
	st.worker_pid = 4242;
	st.paused = 1;
	ck_assert_int_eq(sp_state_save(store, &st), 0);
	ck_assert_int_ge(st.updated_at, before);
	ck_assert_int_eq(mode_of(sp_store_dir(store), "state.json"), 0600);

	ck_assert_int_eq(sp_state_load(&back, store), 0);
	ck_assert_str_eq(back.stage, "RUNNING");
	ck_assert_str_eq(back.commit, st.commit);
	ck_assert_str_eq(back.image, st.image);
	ck_assert_str_eq(back.container, "abc123");
	ck_assert_str_eq(back.prev_image, st.prev_image);
	ck_assert_ptr_null(back.building_commit);
	ck_assert_str_eq(back.url, st.url);
	ck_assert_str_eq(back.error, st.error);
	ck_assert_int_eq(back.host_port, 20417);
	ck_assert_int_eq(back.updated_at, st.updated_at);
	ck_assert_int_eq(back.started_at, 1700000000);
	ck_assert_int_eq(back.worker_pid, 4242);
	ck_assert_int_eq(back.paused, 1);

	sp_state_set(&back.error, NULL);
	ck_assert_ptr_null(back.error);
	ck_assert_int_eq(sp_state_save(store, &back), 0);
	sp_state_dispose(&st);
	ck_assert_int_eq(sp_state_load(&st, store), 0);
	ck_assert_ptr_null(st.error);
	ck_assert_str_eq(st.stage, "RUNNING");
	sp_state_dispose(&st);
	sp_state_dispose(&back);
	sp_state_dispose(&back);
	sp_store_free(store);
}
END_TEST

START_TEST(test_state_damaged)
{
	static const char *const damaged[] = {
	    "{\"stage\": \"RUNNING\"",
	    "not json",
	    "[]",
	    "{\"stage\": 5}",
	    "{\"host_port\": \"80\"}",
	    "{\"host_port\": 70000}",
	    "{\"paused\": 1}",
	    "{\"worker_pid\": -1}",
	    "\x89PNG\r\n",
	};
	sp_store *store = sp_test_store_open(state_dir, "alice/demo");
	sp_state st;
	char *big;

	for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
		write_raw(store, "state.json", damaged[i]);
		ck_assert_msg(sp_state_load(&st, store) == SP_EINVALID,
		              "case %zu", i);
		ck_assert_ptr_nonnull(strstr(sp_error_last(), "state.json"));
		ck_assert_ptr_null(st.stage);
	}
	/* Unknown keys and nulls are fine (an older or newer writer). */
	write_raw(store, "state.json",
	          "{\"stage\": null, \"future\": [1], \"host_port\": 5}");
	ck_assert_int_eq(sp_state_load(&st, store), 0);
	ck_assert_int_eq(st.host_port, 5);
	sp_state_dispose(&st);

	big = malloc(SP_STORE_FILE_MAX + 10);
	memset(big, ' ', SP_STORE_FILE_MAX + 9);
	big[0] = '{';
	big[SP_STORE_FILE_MAX + 8] = '}';
	big[SP_STORE_FILE_MAX + 9] = '\0';
	write_raw(store, "state.json", big);
	free(big);
	ck_assert_int_eq(sp_state_load(&st, store), SP_ETOOBIG);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "state.json"));
	sp_store_free(store);
}
END_TEST

START_TEST(test_lock)
{
	sp_store *store = sp_test_store_open(state_dir, "alice/demo");
	int fds[2], fd = -1, fd2 = -1, status;
	char c;
	pid_t child;

	ck_assert_int_eq(sp_store_lock(&fd, store, 0), 0);
	ck_assert_int_ge(fd, 0);
	sp_store_unlock(fd);

	ck_assert_int_eq(pipe(fds), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		int held;

		close(fds[0]);
		if (sp_store_lock(&held, store, 1) < 0)
			_exit(1);
		if (write(fds[1], "L", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	ck_assert_int_eq(sp_store_lock(&fd, store, 0), SP_ELOCKED);
	ck_assert_int_eq(fd, -1);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "alice/demo"));

	/* A worker killed with -9 leaves no stale lock. */
	ck_assert_int_eq(kill(child, SIGKILL), 0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(sp_store_lock(&fd, store, 0), 0);
	ck_assert_int_eq(sp_store_lock(&fd2, store, 0), SP_ELOCKED);
	sp_store_unlock(fd);
	ck_assert_int_eq(sp_store_lock(&fd2, store, 1), 0);
	sp_store_unlock(fd2);
	sp_store_unlock(-1);
	close(fds[0]);
	sp_store_free(store);
}
END_TEST

/* A listening socket on 127.0.0.1:port (or -1 when it cannot be bound). */
static int hold_port(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A range of `n` ports on 127.0.0.1 all free right now. */
static int free_range(int from, int n)
{
	for (int base = from; base < 60000; base += 97) {
		int ok = 1;

		for (int p = base; p < base + n && ok; p++) {
			int fd = hold_port(p);

			ok = fd >= 0;
			if (fd >= 0)
				close(fd);
		}
		if (ok)
			return base;
	}
	ck_abort_msg("no free port range");
	return 0;
}

/* The second slot is a port of its own, kept like the first. */
START_TEST(test_port_slots)
{
	int base = free_range(42000, 3), a = 0, b = 0, again = 0, c = 0;

	ck_assert_int_eq(sp_store_port_slot(&a, state_dir, "alice/slots", 0,
	                                    "127.0.0.1", base, base + 2),
	                 0);
	ck_assert_int_eq(sp_store_port_slot(&b, state_dir, "alice/slots", 1,
	                                    "127.0.0.1", base, base + 2),
	                 0);
	ck_assert_int_ne(a, b);
	ck_assert_int_eq(sp_store_port(&again, state_dir, "alice/slots",
	                               "127.0.0.1", base, base + 2),
	                 0);
	ck_assert_int_eq(again, a);
	ck_assert_int_eq(sp_store_port_slot(&again, state_dir, "alice/slots", 1,
	                                    "127.0.0.1", base, base + 2),
	                 0);
	ck_assert_int_eq(again, b);
	/* Another Space gets neither. */
	ck_assert_int_eq(sp_store_port(&c, state_dir, "bob/slots", "127.0.0.1",
	                               base, base + 2),
	                 0);
	ck_assert_int_ne(c, a);
	ck_assert_int_ne(c, b);
}
END_TEST

START_TEST(test_ports)
{
	int base = free_range(41000, 4), a = 0, b = 0, c = 0, again = 0, busy;
	char path[300];

	ck_assert_int_eq(sp_store_port(&a, state_dir, "alice/demo", "127.0.0.1",
	                               base, base + 3),
	                 0);
	ck_assert_int_eq(a, base);
	ck_assert_int_eq(mode_of(state_dir, "ports.json"), 0600);
	ck_assert_int_eq(sp_store_port(&again, state_dir, "alice/demo",
	                               "127.0.0.1", base, base + 3),
	                 0);
	ck_assert_int_eq(again, a); /* allocated once and kept */

	/* Held by another process right now: skipped. */
	busy = hold_port(base + 1);
	ck_assert_int_ge(busy, 0);
	ck_assert_int_eq(sp_store_port(&b, state_dir, "bob/app", "127.0.0.1",
	                               base, base + 3),
	                 0);
	ck_assert_int_eq(b, base + 2);
	close(busy);
	ck_assert_int_eq(sp_store_port(&c, state_dir, "Alice/demo", "127.0.0.1",
	                               base, base + 3),
	                 0);
	ck_assert_int_eq(c, base + 1);

	/* Kept even while its own container holds it. */
	busy = hold_port(a);
	ck_assert_int_eq(sp_store_port(&again, state_dir, "alice/demo",
	                               "127.0.0.1", base, base + 3),
	                 0);
	ck_assert_int_eq(again, a);
	close(busy);

	ck_assert_int_eq(sp_store_port(&again, state_dir, "carol/x",
	                               "127.0.0.1", base, base + 3),
	                 0);
	ck_assert_int_eq(again, base + 3);
	ck_assert_int_eq(sp_store_port(&again, state_dir, "dave/x", "127.0.0.1",
	                               base, base + 3),
	                 SP_ERROR);
	ck_assert_int_eq(again, 0);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "no free port"));

	/* A changed range allocates anew; bad input is refused. */
	ck_assert_int_eq(sp_store_port(&again, state_dir, "carol/x",
	                               "127.0.0.1", base, base + 2),
	                 SP_ERROR);
	ck_assert_int_eq(
	    sp_store_port(&again, state_dir, "a/b", "127.0.0.1", 10, 5),
	    SP_EINVALID);
	ck_assert_int_eq(
	    sp_store_port(&again, state_dir, "a/b", "127.0.0.1", 0, 5),
	    SP_EINVALID);
	ck_assert_int_eq(sp_store_port(&again, state_dir, "../x", "127.0.0.1",
	                               base, base + 3),
	                 SP_EINVALID);
	ck_assert_int_eq(sp_store_port(&again, state_dir, "e/x", "localhost",
	                               base, base + 3),
	                 SP_EINVALID);
	base = free_range(base + 100, 2);
	ck_assert_int_eq(sp_store_port(&again, state_dir, "e/x", "192.0.2.1",
	                               base, base + 1),
	                 SP_EINVALID);
	ck_assert_ptr_nonnull(
	    strstr(sp_error_last(), "not an address of this host"));

	snprintf(path, sizeof(path), "%s/ports.json", state_dir);
	{
		FILE *f = fopen(path, "w");

		ck_assert_ptr_nonnull(f);
		fputs("{\"alice/demo\": \"x\"}", f);
		fclose(f);
	}
	ck_assert_int_eq(sp_store_port(&again, state_dir, "alice/demo",
	                               "127.0.0.1", base, base + 3),
	                 SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "ports.json"));
}
END_TEST

START_TEST(test_list)
{
	char **ids = NULL;
	size_t n = 99;
	char path[400];
	sp_store *a, *b;

	snprintf(path, sizeof(path), "%s/none", state_dir);
	ck_assert_int_eq(sp_store_list(&ids, &n, path), 0);
	ck_assert_uint_eq(n, 0);
	a = sp_test_store_open(state_dir, "zed/app");
	b = sp_test_store_open(state_dir, "Alice/demo");
	sp_store_free(sp_test_store_open(state_dir, "alice/demo"));
	snprintf(path, sizeof(path), "%s/spaces/junk", state_dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(sp_store_list(&ids, &n, state_dir), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(ids[0], "Alice/demo");
	ck_assert_str_eq(ids[1], "alice/demo");
	ck_assert_str_eq(ids[2], "zed/app");
	sp_store_list_free(ids, n);
	sp_store_free(a);
	sp_store_free(b);
	ck_assert_int_eq(sp_store_list(&ids, &n, "relative"), SP_EINVALID);
}
END_TEST

/* The state tree: a state dir nobody else can plant things in. */

/* Run `cmd` (a fix a message printed) through the shell. */
static int run_fix(const char *cmd)
{
	return system(cmd);
}

/* The text after "fix: " in the last error. */
static const char *fix_of(const char *message)
{
	const char *fix = strstr(message, "; fix: ");

	return fix ? fix + 7 : NULL;
}

START_TEST(test_tree_refusals)
{
	/* Each case damages one level of <tmp>/state after a first open. */
	static const struct {
		const char *what;
		const char *cmd;     /* %1$s = the tmp dir, %2$s = state dir */
		const char *level;   /* the level named, under the tmp dir */
		const char *problem; /* in the message */
		const char *fix;     /* in the fix, %1$s/%2$s as above */
		int runnable;        /* does running the fix heal it? */
		const char *open;    /* the state dir to open then, if moved */
	} cases[] = {
	    {"state dir of another uid", "chown 65534 '%2$s'", "/state",
	     "is owned by uid 65534",
	     "chown -R 0 '%2$s' && chmod -R go-w '%2$s'", 1, NULL},
	    {"spaces/ of another uid", "chown 65534 '%2$s/spaces'",
	     "/state/spaces", "not by you (uid 0)",
	     "chown -R 0 '%2$s' && chmod -R go-w '%2$s'", 1, NULL},
	    {"Space dir group-writable", "chmod 0770 '%2$s/spaces/alice--demo'",
	     "/state/spaces/alice--demo",
	     "is writable by group or others (mode 0770)",
	     "chmod -R go-w '%2$s'", 1, NULL},
	    {"logs/ writable by others",
	     "chmod 0702 '%2$s/spaces/alice--demo/logs'",
	     "/state/spaces/alice--demo/logs",
	     "is writable by group or others (mode 0702)",
	     "chmod -R go-w '%2$s'", 1, NULL},
	    {"spaces/<slug> a symlink elsewhere",
	     "mkdir -m 0700 '%1$s/elsewhere' && "
	     "mv '%2$s/spaces/alice--demo' '%1$s/elsewhere/' && "
	     "ln -s '%1$s/elsewhere/alice--demo' '%2$s/spaces/alice--demo'",
	     "/state/spaces/alice--demo", "is a symbolic link",
	     "rm '%2$s/spaces/alice--demo'", 1, NULL},
	    {"logs a symlink",
	     "mkdir -m 0700 '%1$s/logs2' && "
	     "rmdir '%2$s/spaces/alice--demo/logs' && "
	     "ln -s '%1$s/logs2' '%2$s/spaces/alice--demo/logs'",
	     "/state/spaces/alice--demo/logs", "is a symbolic link",
	     "rm '%2$s/spaces/alice--demo/logs'", 1, NULL},
	    {"state dir a symlink",
	     "mv '%2$s' '%1$s/real' && ln -s '%1$s/real' '%2$s'", "/state",
	     "is a symbolic link",
	     "git config --system spacehook.stateDir '%1$s/real'", 0, NULL},
	    {"a level that is a file",
	     "rm -rf '%2$s/spaces' && touch '%2$s/spaces'", "/state/spaces",
	     "is not a directory", "mv '%2$s/spaces' '%2$s/spaces.moved'", 1,
	     NULL},
	    {"parent writable by others", "chmod 0777 '%1$s'", "",
	     "a parent of state directory", "chmod go-w '%1$s'", 1, NULL},
	    {"parent of another uid",
	     "mkdir -m 0755 '%1$s/p' && mv '%2$s' '%1$s/p/state' && "
	     "chown 65534 '%1$s/p'",
	     "/p", "not by root or you (uid 0)",
	     "chown root '%1$s/p' && chmod go-w '%1$s/p'", 1, "%s/p/state"},
	    {"parent group-writable",
	     "mkdir -m 0775 '%1$s/p' && mv '%2$s' '%1$s/p/state'", "/p",
	     "a parent of state directory", "chmod go-w '%1$s/p'", 1,
	     "%s/p/state"},
	    {"a dir in a sticky shared parent not yours",
	     "chmod 01777 '%1$s' && mkdir -m 0755 '%1$s/mid' && "
	     "mv '%2$s' '%1$s/mid/state' && chown 65534 '%1$s/mid' && "
	     "ln -s mid/state '%1$s/link'",
	     "/mid", "is in the shared directory '", "chown 0 '%1$s/mid'", 1,
	     "%s/link/state"},
	};
	char state[300], cmd[2048], level[400], fix[1024], dir[400];
	sp_space space;
	sp_store *store = NULL;
	sp_buf check = SP_BUF_INIT;

	ck_assert_int_eq(sp_space_parse(&space, "alice/demo"), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -m 0700 '%s'",
		         state_dir, state_dir);
		ck_assert_int_eq(system(cmd), 0);
		snprintf(state, sizeof(state), "%s/state", state_dir);
		ck_assert_msg(sp_store_open(&store, state, &space) == 0, "%s",
		              sp_error_last());
		sp_store_free(store);
		store = NULL;
		snprintf(cmd, sizeof(cmd), cases[i].cmd, state_dir, state);
		ck_assert_msg(system(cmd) == 0, "%s: %s", cases[i].what, cmd);
		if (cases[i].open)
			snprintf(dir, sizeof(dir), cases[i].open, state_dir);
		else
			snprintf(dir, sizeof(dir), "%s", state);
		ck_assert_msg(sp_store_open(&store, dir, &space) == SP_EINVALID,
		              "%s: opened", cases[i].what);
		ck_assert_ptr_null(store);
		snprintf(level, sizeof(level), "'%s%s'", state_dir,
		         cases[i].level);
		ck_assert_msg(strstr(sp_error_last(), level), "%s: no %s in %s",
		              cases[i].what, level, sp_error_last());
		ck_assert_msg(strstr(sp_error_last(), cases[i].problem),
		              "%s: %s", cases[i].what, sp_error_last());
		snprintf(fix, sizeof(fix), cases[i].fix, state_dir, state);
		ck_assert_msg(fix_of(sp_error_last()) &&
		                  !strcmp(fix_of(sp_error_last()), fix),
		              "%s: fix [%s] in %s", cases[i].what, fix,
		              sp_error_last());

		/* doctor's check says the same, the fix apart. */
		ck_assert_int_eq(sp_store_check(&check, dir, geteuid()),
		                 SP_EINVALID);
		ck_assert_str_eq(check.ptr, fix);
		ck_assert_ptr_null(strstr(sp_error_last(), "fix:"));

		if (!cases[i].runnable)
			continue;
		ck_assert_msg(run_fix(fix) == 0, "%s: %s", cases[i].what, fix);
		ck_assert_msg(sp_store_open(&store, dir, &space) == 0,
		              "%s: after the fix: %s", cases[i].what,
		              sp_error_last());
		sp_store_free(store);
		store = NULL;
		ck_assert_int_eq(sp_store_check(&check, dir, geteuid()), 0);
	}
	sp_buf_dispose(&check);
}
END_TEST

START_TEST(test_tree_every_use)
{
	char path[400], **ids = NULL;
	size_t n = 0;
	sp_store *store = sp_test_store_open(state_dir, "alice/demo");
	struct stat st;
	int port = 0, fd;

	/* Global files and listing refuse a bad level too. */
	snprintf(path, sizeof(path), "%s/spaces", state_dir);
	ck_assert_int_eq(chmod(path, 0777), 0);
	ck_assert_int_eq(sp_store_list(&ids, &n, state_dir), SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "chmod -R go-w"));
	ck_assert_int_eq(chmod(path, 0700), 0);
	ck_assert_int_eq(sp_store_list(&ids, &n, state_dir), 0);
	ck_assert_uint_eq(n, 1);
	sp_store_list_free(ids, n);

	ck_assert_int_eq(chmod(state_dir, 0770), 0);
	ck_assert_int_eq(sp_store_port(&port, state_dir, "alice/demo",
	                               "127.0.0.1", 20000, 20100),
	                 SP_EINVALID);
	ck_assert_int_eq(chmod(state_dir, 0700), 0);

	/* slots/ as a symlink: no build slot through it. */
	snprintf(path, sizeof(path), "%s/slots", state_dir);
	ck_assert_int_eq(symlink("/tmp", path), 0);
	fd =
	    sp_store_root_openat(store, "slots/0.lock", O_RDWR | O_CREAT, 0600);
	ck_assert_int_eq(fd, SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "slots' is a symbolic"));
	ck_assert_int_eq(unlink(path), 0);
	fd =
	    sp_store_root_openat(store, "slots/0.lock", O_RDWR | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(mode_of(state_dir, "slots"), 0700);

	/* Files by relative name; nested directories made 0700. */
	ck_assert_int_eq(
	    sp_store_writeat(store, "logs/a.status", "X\n", 2, 0600), 0);
	ck_assert_int_eq(sp_store_statat(&st, store, "logs/a.status"), 0);
	ck_assert_int_eq(sp_store_unlinkat(store, "logs/a.status"), 0);
	ck_assert_int_eq(sp_store_unlinkat(store, "logs/a.status"), 0);
	ck_assert_int_eq(sp_store_statat(&st, store, "logs/a.status"),
	                 SP_ENOTFOUND);
	ck_assert_int_eq(sp_store_openat(store, "../x", O_RDONLY, 0),
	                 SP_EINVALID);
	ck_assert_int_eq(sp_store_openat(store, "/etc/passwd", O_RDONLY, 0),
	                 SP_EINVALID);

	/* The binding and the cache key: read through the checked tree. */
	{
		sp_buf bound = SP_BUF_INIT;
		unsigned char key[SP_STORE_KEY_SIZE];

		ck_assert_int_eq(sp_store_bind(store, state_dir, 0), 0);
		ck_assert_int_eq(
		    sp_store_binding(&bound, state_dir, sp_store_space(store)),
		    0);
		snprintf(path, sizeof(path), "%s/spaces", state_dir);
		ck_assert_int_eq(chmod(path, 0777), 0);
		ck_assert_int_eq(
		    sp_store_binding(&bound, state_dir, sp_store_space(store)),
		    SP_EINVALID);
		ck_assert_ptr_nonnull(strstr(sp_error_last(), "fix: chmod"));
		ck_assert_int_eq(chmod(path, 0700), 0);
		snprintf(path, sizeof(path), "%s/repo", sp_store_dir(store));
		ck_assert_int_eq(unlink(path), 0);
		ck_assert_int_eq(symlink("/etc/hostname", path), 0);
		ck_assert_int_eq(
		    sp_store_binding(&bound, state_dir, sp_store_space(store)),
		    SP_EINVALID);
		ck_assert_ptr_nonnull(strstr(sp_error_last(), "symbolic link"));
		ck_assert_int_eq(sp_store_bind(store, state_dir, 0),
		                 SP_EINVALID);

		snprintf(path, sizeof(path), "%s/cache.key", state_dir);
		ck_assert_int_eq(symlink("/etc/hostname", path), 0);
		ck_assert_int_eq(sp_store_cache_key(key, state_dir),
		                 SP_EINVALID);
		ck_assert_int_eq(unlink(path), 0);
		ck_assert_int_eq(sp_store_cache_key(key, state_dir), 0);
		ck_assert_int_eq(mode_of(state_dir, "cache.key"), 0600);
		sp_buf_dispose(&bound);
	}
	sp_store_free(store);
}
END_TEST

START_TEST(test_tree_planted_files)
{
	static const char *const files[] = {"secrets.json", "state.json",
	                                    "kv.lock", "lock"};
	sp_store *alice = sp_test_store_open(state_dir, "alice/demo");
	sp_store *bob = sp_test_store_open(state_dir, "bob/other");
	char target[600], link[600];
	sp_buf before = SP_BUF_INIT, after = SP_BUF_INIT;
	sp_kv kv = {NULL, 0};
	sp_state state;
	int fd, existed;

	ck_assert_int_eq(
	    sp_store_kv_set(bob, SP_KV_SECRETS, "HF_TOKEN", "bob-token"), 0);
	sp_state_init(&state);
	sp_state_set(&state.stage, "RUNNING");
	ck_assert_int_eq(sp_state_save(bob, &state), 0);
	sp_state_dispose(&state);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(target, sizeof(target), "%s/%s", sp_store_dir(bob),
		         files[i]);
		snprintf(link, sizeof(link), "%s/%s", sp_store_dir(alice),
		         files[i]);
		existed = access(target, F_OK) == 0;
		unlink(link); /* kv.lock: made by a refused set before */
		ck_assert_int_eq(symlink(target, link), 0);
		sp_buf_read_file(&before, target, 1 << 20);

		if (!strcmp(files[i], "secrets.json")) {
			ck_assert_int_eq(
			    sp_store_kv_load(&kv, alice, SP_KV_SECRETS),
			    SP_EINVALID);
			ck_assert_uint_eq(kv.count, 0);
			ck_assert_int_eq(
			    sp_store_kv_set(alice, SP_KV_VARIABLES, "A", "b"),
			    SP_EINVALID);
		} else if (!strcmp(files[i], "state.json")) {
			ck_assert_int_eq(sp_state_load(&state, alice),
			                 SP_EINVALID);
		} else if (!strcmp(files[i], "kv.lock")) {
			ck_assert_int_eq(
			    sp_store_kv_set(alice, SP_KV_SECRETS, "A", "b"),
			    SP_EINVALID);
		} else {
			ck_assert_int_eq(sp_store_lock(&fd, alice, 0),
			                 SP_EINVALID);
		}
		ck_assert_msg(strstr(sp_error_last(), link) &&
		                  strstr(sp_error_last(), "is a symbolic link"),
		              "%s: %s", files[i], sp_error_last());
		ck_assert_ptr_null(strstr(sp_error_last(), "bob-token"));
		sp_buf_read_file(&after, target, 1 << 20);
		ck_assert_int_eq(access(target, F_OK) == 0, existed);
		ck_assert_uint_eq(before.size, after.size);
		ck_assert_int_eq(memcmp(before.ptr, after.ptr, before.size), 0);
		ck_assert_int_eq(unlink(link), 0);
	}
	/* Removed, alice's own file is made again; bob's kept his. */
	ck_assert_int_eq(
	    sp_store_kv_set(alice, SP_KV_SECRETS, "HF_TOKEN", "alice-token"),
	    0);
	ck_assert_int_eq(sp_store_kv_load(&kv, bob, SP_KV_SECRETS), 0);
	ck_assert_str_eq(kv.items[0].value, "bob-token");
	sp_kv_dispose(&kv);
	sp_buf_dispose(&before);
	sp_buf_dispose(&after);
	sp_store_free(alice);
	sp_store_free(bob);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	const struct {
		const char *name;
		const TTest *tests[5];
	} cases[] = {
	    {"files", {test_write_file, test_open_layout, test_list, NULL}},
	    {"kv",
	     {test_kv, test_kv_refusals, test_kv_reserved_and_text,
	      test_kv_damaged, NULL}},
	    {"state", {test_state_round_trip, test_state_damaged, NULL, NULL}},
	    {"lock", {test_lock, NULL, NULL, NULL}},
	    {"ports", {test_ports, test_port_slots, NULL, NULL}},
	    {"tree",
	     {test_tree_refusals, test_tree_every_use, test_tree_planted_files,
	      NULL}},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		for (size_t j = 0; j < 5 && cases[i].tests[j]; j++)
			tcase_add_test(tc, cases[i].tests[j]);
		suite_add_tcase(s, tc);
	}
	return sp_test_run(s);
}
