/* Tests of verify: the push check of a commit and the build's check of it
 * (sp_verify_build), on commits made by real git in a temp repository. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "error.h"
#include "repo.h"
#include "testlib.h"
#include "verify.h"

static char sandbox[256];

static void setup(void)
{
	char home[4096];

	sp_test_tmpdir(sandbox, sizeof(sandbox), "verify");
	snprintf(home, sizeof(home), "%s/home", sandbox);
	sp_test_git_env(home, "1700000000 +0000");
	sp_test_sh(sandbox, "mkdir home && git init -q -b main work");
}

static void teardown(void)
{
	ck_assert_int_eq(sp_test_rmtree(sandbox), 0);
}

#define README_OK "---\\nsdk: docker\\napp_port: 8080\\n---\\n# demo\\n"
#define README_BAD "---\\nsdk: gradio\\n---\\n"

/*
 * A commit of the work tree holding only what `files` makes (a shell
 * snippet run in the emptied work tree); its id goes to `out`.
 */
static void commit_of(char out[SP_OID_HEXSZ + 1], const char *files)
{
	char path[4096];
	FILE *f;

	sp_test_sh(
	    sandbox,
	    "cd work && git rm -rq --ignore-unmatch . && rm -rf ./* && { %s; } "
	    "&& git add -A . && git commit -q --allow-empty -m c && "
	    "git rev-parse HEAD >../head",
	    files);
	snprintf(path, sizeof(path), "%s/head", sandbox);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(out, SP_OID_HEXSZ + 1, f));
	fclose(f);
}

static const struct {
	const char *what;
	const char *files;      /* shell making the commit's files */
	const char *build_args; /* one "NAME=value" for the build, or NULL */
	unsigned flags;         /* sp_verify_build flags */
	int commit_error;       /* sp_verify_commit (no build arguments) */
	int build_error;        /* sp_verify_build */
	sp_verify_verdict verdict;
	const char *says; /* in the build check's diagnostics, or NULL */
} cases[] = {
    {"a good Space",
     "printf '%b' '" README_OK "' >README.md && printf 'FROM busybox\\n' "
     ">Dockerfile",
     NULL, 0, 0, 0, SP_VERIFY_OK, NULL},
    {"no README.md", "printf 'FROM busybox\\n' >Dockerfile", NULL, 0,
     SP_ECONFIG, SP_ECONFIG, SP_VERIFY_BAD_README, "no README.md at the root"},
    {"README.md a directory",
     "mkdir README.md && touch README.md/x && printf 'FROM busybox\\n' "
     ">Dockerfile",
     NULL, 0, SP_ECONFIG, SP_ECONFIG, SP_VERIFY_BAD_README,
     "README.md is a directory"},
    {"a config with errors",
     "printf '%b' '" README_BAD "' >README.md && printf 'FROM busybox\\n' "
     ">Dockerfile",
     NULL, 0, SP_ECONFIG, SP_ECONFIG, SP_VERIFY_BAD_README, "sdk"},
    {"a config with errors and no Dockerfile",
     "printf '%b' '" README_BAD "' >README.md", NULL, 0, SP_ECONFIG, SP_ECONFIG,
     SP_VERIFY_BAD_README, NULL},
    {"no Dockerfile", "printf '%b' '" README_OK "' >README.md", NULL, 0,
     SP_ECONFIG, SP_ECONFIG, SP_VERIFY_MISSING_DOCKERFILE,
     "needs a Dockerfile at the root of the repository (none found)"},
    {"a Dockerfile that is a link",
     "printf '%b' '" README_OK "' >README.md && printf 'FROM busybox\\n' >real "
     "&& ln -s real Dockerfile",
     NULL, 0, SP_ECONFIG, SP_ECONFIG, SP_VERIFY_MISSING_DOCKERFILE,
     "symbolic link"},
    {"no Dockerfile, even for a restart",
     "printf '%b' '" README_OK "' >README.md", NULL,
     SP_VERIFY_DOCKERFILE_PRESENCE, SP_ECONFIG, SP_ECONFIG,
     SP_VERIFY_MISSING_DOCKERFILE, NULL},
    {"another Space's image",
     "printf '%b' '" README_OK "' >README.md && printf 'FROM "
     "spacehook/bob--other:1\\n' >Dockerfile",
     NULL, 0, SP_ECONFIG, SP_ECONFIG, SP_VERIFY_BAD_DOCKERFILE,
     "Dockerfile:1:"},
    {"another Space's image, not checked for a restart",
     "printf '%b' '" README_OK "' >README.md && printf 'FROM "
     "spacehook/bob--other:1\\n' >Dockerfile",
     NULL, SP_VERIFY_DOCKERFILE_PRESENCE, SP_ECONFIG, 0, SP_VERIFY_OK, NULL},
    {"its own image",
     "printf '%b' '" README_OK "' >README.md && printf 'FROM "
     "spacehook/alice--demo:1\\n' >Dockerfile",
     NULL, 0, SP_ECONFIG, 0, SP_VERIFY_OK, NULL},
    {"another Space's image from a build argument",
     "printf '%b' '" README_OK "' >README.md && printf 'ARG "
     "BASE=busybox\\nFROM $BASE\\n' >Dockerfile",
     "BASE=spacehook/bob--other:1", 0, 0, SP_ECONFIG, SP_VERIFY_BAD_DOCKERFILE,
     "Dockerfile:2:"},
    {"a public image from a build argument",
     "printf '%b' '" README_OK "' >README.md && printf 'ARG "
     "BASE=busybox\\nFROM $BASE\\n' >Dockerfile",
     "BASE=alpine:3", 0, 0, 0, SP_VERIFY_OK, NULL},
    {"config errors come before Dockerfile errors",
     "printf '%b' '" README_BAD "' >README.md && printf 'FROM "
     "spacehook/bob--other:1\\n' >Dockerfile",
     NULL, 0, SP_ECONFIG, SP_ECONFIG, SP_VERIFY_BAD_README, "Dockerfile:1:"},
};

START_TEST(test_commit_and_build)
{
	char commit[SP_OID_HEXSZ + 1], work[4096];
	sp_repo *repo = NULL;

	snprintf(work, sizeof(work), "%s/work", sandbox);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp_diag_list diags = SP_DIAG_LIST_INIT;
		sp_spaceconfig *config = NULL;
		sp_verify_verdict verdict = (sp_verify_verdict)-1;
		const char *args[2] = {cases[i].build_args, NULL};
		sp_verify_options opts = {"spacehook/alice--demo", args};
		sp_buf text = SP_BUF_INIT;
		int error;

		commit_of(commit, cases[i].files);
		ck_assert_int_eq(sp_repo_open(&repo, work), 0);

		/* The push check: no build arguments, no own image. */
		error = sp_verify_commit(NULL, &diags, repo, commit, NULL, 0);
		ck_assert_msg(error == cases[i].commit_error,
		              "%s: sp_verify_commit gave %d", cases[i].what,
		              error);
		sp_diag_list_dispose(&diags);

		error = sp_verify_build(&config, &verdict, &diags, repo, commit,
		                        &opts, cases[i].flags);
		sp_diag_render(&text, &diags, "README.md");
		ck_assert_msg(error == cases[i].build_error,
		              "%s: sp_verify_build gave %d: %s", cases[i].what,
		              error, text.ptr);
		ck_assert_msg(verdict == cases[i].verdict,
		              "%s: verdict %d, not %d: %s", cases[i].what,
		              (int)verdict, (int)cases[i].verdict, text.ptr);
		ck_assert_msg((config != NULL) == (error == 0),
		              "%s: config only when it passed", cases[i].what);
		if (config)
			ck_assert_int_eq(config->app_port, 8080);
		if (cases[i].says)
			ck_assert_msg(strstr(text.ptr, cases[i].says) != NULL,
			              "%s: '%s' not in: %s", cases[i].what,
			              cases[i].says, text.ptr);
		sp_spaceconfig_free(config);
		sp_diag_list_dispose(&diags);
		sp_buf_dispose(&text);
		sp_repo_free(repo);
		repo = NULL;
	}
}
END_TEST

/* A commit that is not there: the repository's error, not a verdict. */
START_TEST(test_unknown_commit)
{
	char work[4096];
	sp_repo *repo = NULL;
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_spaceconfig *config = NULL;
	sp_verify_verdict verdict;
	int error;

	snprintf(work, sizeof(work), "%s/work", sandbox);
	ck_assert_int_eq(sp_repo_open(&repo, work), 0);
	error = sp_verify_build(&config, &verdict, &diags, repo,
	                        "0123456789012345678901234567890123456789",
	                        NULL, 0);
	ck_assert_int_lt(error, 0);
	ck_assert_int_ne(error, SP_ECONFIG);
	ck_assert_ptr_null(config);
	ck_assert_uint_eq(diags.errors, 0);
	sp_diag_list_dispose(&diags);
	sp_repo_free(repo);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("commit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_commit_and_build);
	tcase_add_test(tc, test_unknown_commit);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
