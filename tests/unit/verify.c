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
#include "settings.h"
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

#define README_STATIC "---\\nsdk: static\\ntitle: site\\n---\\n"
#define README_STATIC_PAGE                                                     \
	"---\\nsdk: static\\napp_file: site/home.html\\n---\\n"

/*
 * sdk static: the push check (sp_verify_commit), the build's check
 * (sp_verify_build) and the directory check (sp_verify_dir) of the same
 * files, for the sdks `flags` serve. `says` is in every check's
 * diagnostics (rendered for README.md), or "" when they must be empty.
 */
static const struct {
	const char *what;
	const char *files;
	unsigned flags;
	int error;
	sp_verify_verdict verdict;
	const char *says;
} static_cases[] = {
    {"static served, index.html there",
     "printf '%b' '" README_STATIC "' >README.md && printf hi >index.html",
     SP_VERIFY_SDK_STATIC, 0, SP_VERIFY_OK, ""},
    {"static served, its app_file there",
     "printf '%b' '" README_STATIC_PAGE "' >README.md && mkdir site && "
     "printf hi >site/home.html",
     SP_VERIFY_SDK_STATIC, 0, SP_VERIFY_OK, ""},
    {"static not served",
     "printf '%b' '" README_STATIC "' >README.md && printf hi >index.html", 0,
     SP_ECONFIG, SP_VERIFY_BAD_README,
     "README.md:2:6: error: \"sdk\" is \"static\", but this server serves "
     "only Docker Spaces (\"sdk: docker\" with a Dockerfile)\n"},
    {"no index.html",
     "printf '%b' '" README_STATIC "' >README.md && printf hi >other.html",
     SP_VERIFY_SDK_STATIC, SP_ECONFIG, SP_VERIFY_MISSING_APP_FILE,
     "README.md:2:6: error: sdk \"static\" serves index.html, but the "
     "repository has none at its root; add index.html, or set \"app_file\" "
     "to the page to serve\n"},
    {"no app_file",
     "printf '%b' '" README_STATIC_PAGE "' >README.md && printf hi "
     ">index.html",
     SP_VERIFY_SDK_STATIC, SP_ECONFIG, SP_VERIFY_MISSING_APP_FILE,
     "README.md:3:11: error: \"app_file\" is \"site/home.html\", but the "
     "repository has no such file there; add that file, or set "
     "\"app_file\" to the page to serve\n"},
    {"app_file a link",
     "printf '%b' '" README_STATIC_PAGE "' >README.md && mkdir site && "
     "printf hi >index.html && ln -s ../index.html site/home.html",
     SP_VERIFY_SDK_STATIC, SP_ECONFIG, SP_VERIFY_MISSING_APP_FILE,
     "README.md:3:11: error: \"app_file\" is \"site/home.html\", but the "
     "repository has a symbolic link there (it must be a regular file)"},
    {"app_file through a linked directory",
     "printf '%b' '" README_STATIC_PAGE "' >README.md && mkdir real && "
     "printf hi >real/home.html && ln -s real site",
     SP_VERIFY_SDK_STATIC, SP_ECONFIG, SP_VERIFY_MISSING_APP_FILE,
     "no such file there"},
    {"app_file outside",
     "printf '%b' '---\\nsdk: static\\napp_file: ../x.html\\n---\\n' "
     ">README.md && printf hi >index.html",
     SP_VERIFY_SDK_STATIC, SP_ECONFIG, SP_VERIFY_BAD_README,
     "README.md:3:11: error: \"app_file\" must name a file inside the "
     "repository, without empty, \".\" or \"..\" parts (got \"../x.html\")"},
    {"app_file with a space",
     "printf '%b' '---\\nsdk: static\\napp_file: a b.html\\n---\\n' "
     ">README.md && printf hi >'a b.html'",
     SP_VERIFY_SDK_STATIC, SP_ECONFIG, SP_VERIFY_BAD_README,
     "README.md:3:11: error: \"app_file\" may hold only letters, digits, "
     "'.', '_', '+', '@', '-' and '/' (got \"a b.html\")"},
    {"a static Space's Dockerfile is not checked",
     "printf '%b' '" README_STATIC "' >README.md && printf hi >index.html "
     "&& printf 'FROM spacehook/bob--other:1\\n' >Dockerfile",
     SP_VERIFY_SDK_STATIC, 0, SP_VERIFY_OK, ""},
    {"gradio with static served",
     "printf '%b' '" README_BAD "' >README.md && printf hi >index.html",
     SP_VERIFY_SDK_STATIC, SP_ECONFIG, SP_VERIFY_BAD_README,
     "README.md:2:6: error: \"sdk\" is \"gradio\", but this server serves "
     "only Docker Spaces (\"sdk: docker\" with a Dockerfile)\n"},
    {"docker with static served",
     "printf '%b' '" README_OK "' >README.md && printf 'FROM busybox\\n' "
     ">Dockerfile",
     SP_VERIFY_SDK_STATIC, 0, SP_VERIFY_OK, ""},
    {"docker with static served, no Dockerfile",
     "printf '%b' '" README_OK "' >README.md", SP_VERIFY_SDK_STATIC, SP_ECONFIG,
     SP_VERIFY_MISSING_DOCKERFILE, "needs a Dockerfile at the root"},
    {"docker not served",
     "printf '%b' '" README_OK "' >README.md && printf 'FROM busybox\\n' "
     ">Dockerfile",
     SP_VERIFY_SDK_STATIC | SP_VERIFY_SDK_NO_DOCKER, SP_ECONFIG,
     SP_VERIFY_BAD_README, "serves only static Spaces"},
};

/* The checks' diagnostics hold `says` ("": none at all). */
static void says(const char *what, const char *check, const sp_diag_list *d,
                 const char *want)
{
	sp_buf text = SP_BUF_INIT;

	sp_diag_render(&text, d, "README.md");
	if (!*want)
		ck_assert_msg(!text.size, "%s (%s): unexpected: %s", what,
		              check, text.ptr);
	else
		ck_assert_msg(strstr(text.ptr, want) != NULL,
		              "%s (%s): '%s' not in: %s", what, check, want,
		              text.ptr);
	sp_buf_dispose(&text);
}

START_TEST(test_static)
{
	char commit[SP_OID_HEXSZ + 1], work[4096];
	sp_repo *repo = NULL;
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_spaceconfig *config = NULL;
	sp_verify_verdict verdict = (sp_verify_verdict)-1;
	const char *what = static_cases[_i].what;
	unsigned flags = static_cases[_i].flags;
	sp_buf out = SP_BUF_INIT;
	int error;

	snprintf(work, sizeof(work), "%s/work", sandbox);
	commit_of(commit, static_cases[_i].files);
	ck_assert_int_eq(sp_repo_open(&repo, work), 0);

	error = sp_verify_commit(&config, &diags, repo, commit, NULL, flags);
	ck_assert_msg(error == static_cases[_i].error, "%s: commit gave %d",
	              what, error);
	ck_assert((config != NULL) == (error == 0));
	says(what, "commit", &diags, static_cases[_i].says);
	if (config) {
		sp_verify_report(&out, &diags, config, "README.md",
		                 SP_VERIFY_REPORT_LOCAL);
		if (!strcmp(config->sdk, "static"))
			ck_assert_msg(strstr(out.ptr, "ok (sdk: static, "
			                              "app_file: ") != NULL,
			              "%s: %s", what, out.ptr);
	}
	sp_spaceconfig_free(config);
	config = NULL;
	sp_diag_list_dispose(&diags);

	/* The build's check: a static Space needs no Dockerfile. */
	error = sp_verify_build(&config, &verdict, &diags, repo, commit, NULL,
	                        flags);
	ck_assert_msg(error == static_cases[_i].error, "%s: build gave %d",
	              what, error);
	ck_assert_msg(verdict == static_cases[_i].verdict,
	              "%s: verdict %d, not %d", what, (int)verdict,
	              (int)static_cases[_i].verdict);
	says(what, "build", &diags, static_cases[_i].says);
	sp_spaceconfig_free(config);
	config = NULL;
	sp_diag_list_dispose(&diags);

	/* The same files on disk (spacehook validate DIR). */
	error = sp_verify_dir(&config, &diags, work, NULL, flags);
	ck_assert_msg(error == static_cases[_i].error, "%s: dir gave %d", what,
	              error);
	says(what, "dir", &diags, static_cases[_i].says);
	sp_spaceconfig_free(config);
	sp_diag_list_dispose(&diags);
	sp_buf_dispose(&out);
	sp_repo_free(repo);
}
END_TEST

/* settings->sdks to the checks' flags. */
START_TEST(test_sdk_flags)
{
	ck_assert_uint_eq(sp_verify_sdk_flags(SP_SDK_DOCKER), 0);
	ck_assert_uint_eq(sp_verify_sdk_flags(SP_SDK_DOCKER | SP_SDK_STATIC),
	                  SP_VERIFY_SDK_STATIC);
	ck_assert_uint_eq(sp_verify_sdk_flags(SP_SDK_STATIC),
	                  SP_VERIFY_SDK_STATIC | SP_VERIFY_SDK_NO_DOCKER);
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
	tc = tcase_create("static");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_static, 0,
	                    sizeof(static_cases) / sizeof(static_cases[0]));
	tcase_add_test(tc, test_sdk_flags);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
