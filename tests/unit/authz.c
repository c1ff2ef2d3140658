/* authz: owner, collaborators, admins, read access, gitolite's rules, and
 * the collaborators file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "authz.h"
#include "buf.h"
#include "error.h"
#include "settings.h"
#include "space.h"
#include "testlib.h"

static char dir[256];
static sp_settings settings;

static void setup(void)
{
	sp_buf state = SP_BUF_INIT, script = SP_BUF_INIT;
	sp_space space;
	int changed = 0;

	sp_test_tmpdir(dir, sizeof(dir), "authz");
	memset(&settings, 0, sizeof(settings));
	sp_buf_printf(&state, "%s/state", dir);
	settings.state_dir = sp_buf_detach(&state);
	settings.admins = sp_strdup("root, carol");
	settings.access = sp_strdup("spacehook");
	settings.read_access = sp_strdup("collaborators");
	/* gitolite's answer: W for bob and R for dave on alice/demo; each
	 * question is recorded. */
	sp_buf_printf(&script, "%s/gitolite", dir);
	settings.gitolite = sp_buf_detach(&script);
	sp_test_sh(
	    dir,
	    "printf '%%s\\n' '#!/bin/sh' "
	    "'echo \"$*\" >>\"%s/asked\"' "
	    "'[ \"$*\" = \"access -q alice/demo bob W refs/heads/main\" ] && "
	    "exit 0' "
	    "'[ \"$*\" = \"access -q alice/demo bob R any\" ] && exit 0' "
	    "'[ \"$*\" = \"access -q alice/demo dave R any\" ] && exit 0' "
	    "'exit 1' >gitolite && chmod 755 gitolite",
	    dir);
	ck_assert_int_eq(sp_space_parse(&space, "alice/demo"), 0);
	ck_assert_msg(
	    sp_authz_collaborator_add(&changed, &settings, &space, "bob") == 0,
	    "%s", sp_error_last());
	ck_assert_int_eq(changed, 1);
}

static void teardown(void)
{
	sp_settings_dispose(&settings);
	sp_test_rmtree(dir);
}

static const struct {
	const char *access, *read_access;
	const char *user, *id;
	sp_authz_need need;
	int want;
} check_cases[] = {
    /* the owner */
    {"spacehook", "collaborators", "alice", "alice/demo", SP_AUTHZ_WRITE, 0},
    {"spacehook", "collaborators", "alice", "alice/demo", SP_AUTHZ_OWNER, 0},
    {"spacehook", "collaborators", "alice", "alice/new", SP_AUTHZ_WRITE, 0},
    {"spacehook", "collaborators", "Alice", "alice/demo", SP_AUTHZ_WRITE,
     SP_EDENIED},
    /* a collaborator: read and write, not share */
    {"spacehook", "collaborators", "bob", "alice/demo", SP_AUTHZ_READ, 0},
    {"spacehook", "collaborators", "bob", "alice/demo", SP_AUTHZ_WRITE, 0},
    {"spacehook", "collaborators", "bob", "alice/demo", SP_AUTHZ_OWNER,
     SP_EDENIED},
    {"spacehook", "collaborators", "bob", "alice/other", SP_AUTHZ_WRITE,
     SP_EDENIED},
    /* anyone else */
    {"spacehook", "collaborators", "dave", "alice/demo", SP_AUTHZ_READ,
     SP_EDENIED},
    {"spacehook", "collaborators", "dave", "alice/demo", SP_AUTHZ_WRITE,
     SP_EDENIED},
    {"spacehook", "all", "dave", "alice/demo", SP_AUTHZ_READ, 0},
    {"spacehook", "all", "dave", "alice/demo", SP_AUTHZ_WRITE, SP_EDENIED},
    /* admins */
    {"spacehook", "collaborators", "carol", "alice/demo", SP_AUTHZ_OWNER, 0},
    {"spacehook", "collaborators", "root", "bob/x", SP_AUTHZ_WRITE, 0},
    {"spacehook", "collaborators", "caro", "alice/demo", SP_AUTHZ_WRITE,
     SP_EDENIED},
    /* not user names */
    {"spacehook", "collaborators", "", "alice/demo", SP_AUTHZ_READ, SP_EDENIED},
    {"spacehook", "collaborators", "-alice", "alice/demo", SP_AUTHZ_READ,
     SP_EDENIED},
    {"spacehook", "collaborators", "../alice", "alice/demo", SP_AUTHZ_READ,
     SP_EDENIED},
    {"spacehook", "collaborators", "alice bob", "alice/demo", SP_AUTHZ_READ,
     SP_EDENIED},
    /* gitolite decides (the owner is nobody special there) */
    {"gitolite", "collaborators", "bob", "alice/demo", SP_AUTHZ_WRITE, 0},
    {"gitolite", "collaborators", "bob", "alice/demo", SP_AUTHZ_OWNER, 0},
    {"gitolite", "collaborators", "dave", "alice/demo", SP_AUTHZ_READ, 0},
    {"gitolite", "collaborators", "dave", "alice/demo", SP_AUTHZ_WRITE,
     SP_EDENIED},
    {"gitolite", "collaborators", "alice", "alice/demo", SP_AUTHZ_WRITE,
     SP_EDENIED},
    {"gitolite", "collaborators", "carol", "alice/demo", SP_AUTHZ_WRITE, 0},
};

START_TEST(test_check)
{
	sp_space space;
	int error;

	free(settings.access);
	settings.access = sp_strdup(check_cases[_i].access);
	free(settings.read_access);
	settings.read_access = sp_strdup(check_cases[_i].read_access);
	ck_assert_int_eq(sp_space_parse(&space, check_cases[_i].id), 0);
	error = sp_authz_check(&settings, check_cases[_i].user, &space,
	                       check_cases[_i].need);
	ck_assert_msg(error == check_cases[_i].want,
	              "%s on %s (need %d, access %s): %d, %s",
	              check_cases[_i].user, check_cases[_i].id,
	              (int)check_cases[_i].need, check_cases[_i].access, error,
	              error ? sp_error_last() : "allowed");
}
END_TEST

/* A refusal says the same for a Space that exists and one that does not,
 * and asking creates nothing. */
START_TEST(test_refusal_leaks_nothing)
{
	sp_space there, absent;
	char there_msg[256], absent_msg[256];
	sp_buf path = SP_BUF_INIT;
	struct stat st;

	ck_assert_int_eq(sp_space_parse(&there, "alice/demo"), 0);
	ck_assert_int_eq(sp_space_parse(&absent, "alice/demo2"), 0);
	ck_assert_int_eq(
	    sp_authz_check(&settings, "dave", &there, SP_AUTHZ_WRITE),
	    SP_EDENIED);
	snprintf(there_msg, sizeof(there_msg), "%s", sp_error_last());
	ck_assert_int_eq(
	    sp_authz_check(&settings, "dave", &absent, SP_AUTHZ_WRITE),
	    SP_EDENIED);
	snprintf(absent_msg, sizeof(absent_msg), "%s", sp_error_last());
	ck_assert_str_eq(there_msg,
	                 "no Space 'alice/demo' that 'dave' may write");
	ck_assert_str_eq(absent_msg,
	                 "no Space 'alice/demo2' that 'dave' may write");
	ck_assert_int_eq(sp_store_exists(settings.state_dir, &absent), 0);
	/* An unreadable collaborators file refuses the same way. */
	sp_buf_printf(&path, "%s/state", dir);
	sp_test_sh(dir, "for f in state/spaces/*/collaborators; do "
	                "rm \"$f\" && ln -s /etc/passwd \"$f\"; done");
	ck_assert_int_eq(
	    sp_authz_check(&settings, "bob", &there, SP_AUTHZ_WRITE),
	    SP_EDENIED);
	ck_assert_str_eq(sp_error_last(),
	                 "no Space 'alice/demo' that 'bob' may write");
	ck_assert_int_eq(stat(path.ptr, &st), 0);
	sp_buf_dispose(&path);
}
END_TEST

START_TEST(test_gitolite_asked)
{
	sp_space space;
	char asked[512];

	free(settings.access);
	settings.access = sp_strdup("gitolite");
	ck_assert_int_eq(sp_space_parse(&space, "alice/demo"), 0);
	ck_assert_int_eq(
	    sp_authz_check(&settings, "bob", &space, SP_AUTHZ_READ), 0);
	sp_test_sh_read(asked, sizeof(asked), dir, "cat asked");
	ck_assert_str_eq(asked, "access -q alice/demo bob R any");
	/* gitolite that cannot run refuses, saying why. */
	free(settings.gitolite);
	settings.gitolite = sp_strdup("/nonexistent/gitolite");
	ck_assert_int_eq(
	    sp_authz_check(&settings, "bob", &space, SP_AUTHZ_WRITE),
	    SP_EDENIED);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "cannot ask gitolite"));
	/* Collaborators are gitolite's business then. */
	ck_assert_int_eq(
	    sp_authz_collaborator_add(NULL, &settings, &space, "dave"),
	    SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "gitolite-admin"));
}
END_TEST

START_TEST(test_collaborators)
{
	sp_space space, fresh;
	sp_strvec list = SP_STRVEC_INIT;
	char text[256];
	int changed = -1;

	ck_assert_int_eq(sp_space_parse(&space, "alice/demo"), 0);
	ck_assert_int_eq(
	    sp_authz_collaborator_add(&changed, &settings, &space, "zed"), 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(
	    sp_authz_collaborator_add(&changed, &settings, &space, "amy"), 0);
	ck_assert_int_eq(
	    sp_authz_collaborator_add(&changed, &settings, &space, "bob"), 0);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(sp_authz_collaborators(&list, &settings, &space), 0);
	ck_assert_uint_eq(list.nr, 3);
	ck_assert_str_eq(list.v[0], "amy");
	ck_assert_str_eq(list.v[1], "bob");
	ck_assert_str_eq(list.v[2], "zed");
	sp_test_sh_read(text, sizeof(text), dir,
	                "cat state/spaces/*/collaborators | tr '\\n' ,");
	ck_assert_str_eq(text, "amy,bob,zed,");
	ck_assert_int_eq(
	    sp_authz_collaborator_remove(&changed, &settings, &space, "bob"),
	    0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(
	    sp_authz_collaborator_remove(&changed, &settings, &space, "bob"),
	    0);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(
	    sp_authz_check(&settings, "bob", &space, SP_AUTHZ_WRITE),
	    SP_EDENIED);
	/* Refused: the owner, a malformed name. */
	ck_assert_int_eq(
	    sp_authz_collaborator_add(&changed, &settings, &space, "alice"),
	    SP_EINVALID);
	ck_assert_int_eq(
	    sp_authz_collaborator_add(&changed, &settings, &space, "a\nb"),
	    SP_EINVALID);
	ck_assert_int_eq(sp_authz_collaborators(&list, &settings, &space), 0);
	ck_assert_uint_eq(list.nr, 2);
	/* Removing from a Space never seen creates nothing. */
	ck_assert_int_eq(sp_space_parse(&fresh, "alice/fresh"), 0);
	ck_assert_int_eq(
	    sp_authz_collaborator_remove(&changed, &settings, &fresh, "bob"),
	    0);
	ck_assert_int_eq(sp_store_exists(settings.state_dir, &fresh), 0);
	ck_assert_int_eq(sp_authz_collaborators(&list, &settings, &fresh), 0);
	ck_assert_uint_eq(list.nr, 0);
	sp_strvec_clear(&list);
}
END_TEST

START_TEST(test_admins)
{
	ck_assert_int_eq(sp_authz_is_admin(&settings, "root"), 1);
	ck_assert_int_eq(sp_authz_is_admin(&settings, "carol"), 1);
	ck_assert_int_eq(sp_authz_is_admin(&settings, "roo"), 0);
	ck_assert_int_eq(sp_authz_is_admin(&settings, "root,"), 0);
	ck_assert_int_eq(sp_authz_is_admin(&settings, ""), 0);
	free(settings.admins);
	settings.admins = NULL;
	ck_assert_int_eq(sp_authz_is_admin(&settings, "root"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("authz");
	TCase *tc = tcase_create("check");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(
	    tc, test_check, 0,
	    (int)(sizeof(check_cases) / sizeof(check_cases[0])));
	tcase_add_test(tc, test_refusal_leaks_nothing);
	tcase_add_test(tc, test_gitolite_asked);
	suite_add_tcase(s, tc);
	tc = tcase_create("collaborators");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_collaborators);
	tcase_add_test(tc, test_admins);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
