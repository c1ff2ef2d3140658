/* Tests of Space identity: owner/name rules, slugs (Docker-safe, no
 * collisions), ids from repository paths. */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "space.h"
#include "testlib.h"

/* What Docker accepts for a repository path component, and for a container
 * name. */
static int docker_safe(const char *slug)
{
	regex_t repo, container;
	int ok;

	ck_assert_int_eq(regcomp(&repo, "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
	                         REG_EXTENDED | REG_NOSUB),
	                 0);
	ck_assert_int_eq(regcomp(&container, "^[a-zA-Z0-9][a-zA-Z0-9_.-]+$",
	                         REG_EXTENDED | REG_NOSUB),
	                 0);
	ok = regexec(&repo, slug, 0, NULL, 0) == 0 &&
	     regexec(&container, slug, 0, NULL, 0) == 0 && strlen(slug) <= 204;
	regfree(&repo);
	regfree(&container);
	return ok;
}

static int double_dashes(const char *slug)
{
	int n = 0;

	for (const char *p = slug; (p = strstr(p, "--")); p += 2)
		n++;
	return n;
}

START_TEST(test_parse_valid)
{
	static const struct {
		const char *id, *owner, *name, *slug;
	} cases[] = {
	    {"alice/demo", "alice", "demo", "alice--demo"},
	    {"alice/demo.git", "alice", "demo", "alice--demo"},
	    {"a1/my-app", "a1", "my-app", "a1--my-app"},
	    {"x/x.git", "x", "x", "x--x"},
	    {"Alice/demo", "Alice", "demo", NULL},
	    {"alice/Demo", "alice", "Demo", NULL},
	    {"a.b/c_d", "a.b", "c_d", NULL},
	    {"_x/y", "_x", "y", NULL},
	    {"a/b.", "a", "b.", NULL},
	    {"a--b/c", "a--b", "c", NULL},
	    {"a/b-", "a", "b-", NULL},
	    {"a/_", "a", "_", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp_space s;

		ck_assert_msg(sp_space_parse(&s, cases[i].id) == 0, "%s: %s",
		              cases[i].id, sp_error_last());
		ck_assert_str_eq(s.owner, cases[i].owner);
		ck_assert_str_eq(s.name, cases[i].name);
		if (cases[i].slug)
			ck_assert_str_eq(s.slug, cases[i].slug);
		else
			ck_assert_msg(double_dashes(s.slug) == 2 &&
			                  strlen(strrchr(s.slug, '-') + 1) == 8,
			              "%s: slug '%s' has no hash", cases[i].id,
			              s.slug);
		ck_assert_msg(docker_safe(s.slug),
		              "%s: slug '%s' not docker-safe", cases[i].id,
		              s.slug);
	}
}
END_TEST

START_TEST(test_parse_hostile)
{
	static const char *const cases[] = {
	    "",      "alice",  "/demo",   "alice/", "a/b/c",      "..",
	    "../x",  "x/..",   "./x",     "x/.",    "a/.git",     "a/x.git.git",
	    "-a/b",  "a/-b",   ".a/b",    "a/.b",   "a b/c",      "a/b c",
	    "a/b\n", "a\t/b",  "a/b\x01", "a/\x7f", "a/\xc3\xa9", "a\\b/c",
	    "a/b:c", "a/b;rm", "a/b$x",   "a/b/",   "//",         "a//b",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp_space s;
		const char *msg;

		ck_assert_msg(sp_space_parse(&s, cases[i]) == SP_EINVALID,
		              "case %zu accepted", i);
		msg = sp_error_last();
		ck_assert_ptr_nonnull(strstr(msg, "invalid space"));
		for (const char *p = msg; *p; p++)
			ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f,
			              "case %zu: control char in message", i);
		ck_assert_str_eq(s.slug, "");
	}
	{
		sp_space s;

		ck_assert_int_eq(sp_space_parse(&s, NULL), SP_EINVALID);
	}
}
END_TEST

START_TEST(test_lengths)
{
	char id[400];
	sp_space s;

	memset(id, 'a', 96);
	id[96] = '/';
	memset(id + 97, 'B', 96);
	id[193] = '\0';
	ck_assert_int_eq(sp_space_parse(&s, id), 0);
	ck_assert(docker_safe(s.slug));
	ck_assert_uint_eq(strlen(s.slug), 96 + 2 + 96 + 2 + 8);

	memcpy(id + 193, ".git", 5); /* 96 chars plus .git is still fine */
	ck_assert_int_eq(sp_space_parse(&s, id), 0);

	memset(id, 'a', 97);
	id[97] = '/';
	id[98] = 'x';
	id[99] = '\0';
	ck_assert_int_eq(sp_space_parse(&s, id), SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "longer than 96"));

	id[0] = 'x';
	id[1] = '/';
	memset(id + 2, 'n', 97);
	id[99] = '\0';
	ck_assert_int_eq(sp_space_parse(&s, id), SP_EINVALID);
}
END_TEST

START_TEST(test_no_collisions)
{
	/* Ids that a naive mapping would send to the same slug. */
	static const char *const ids[] = {
	    "alice/demo", "Alice/demo", "ALICE/demo",   "alice/Demo",
	    "alice/DEMO", "a.b/c",      "a_b/c",        "a-b/c",
	    "a/b-c",      "a/b.c",      "a/b_c",        "a--b/c",
	    "a/b--c",     "a-/b",       "a/-b.x",       "a/b-",
	    "a__b/c",     "a/b",        "x/y-0badf00d", "X/y",
	    "x/y",        "a.b/c.d",    "a/b.c.d",      "a.b.c/d",
	    "_a/b",       "a/_b",       "a/b_",         "a/_",
	    "a/__",
	};
	sp_space spaces[sizeof(ids) / sizeof(ids[0])];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (sp_space_parse(&spaces[n], ids[i]) < 0)
			continue; /* "a/-b.x" is refused; the rest must differ
			           */
		ck_assert(docker_safe(spaces[n].slug));
		n++;
	}
	ck_assert_uint_ge(n, sizeof(ids) / sizeof(ids[0]) - 1);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ck_assert_msg(strcmp(spaces[i].slug, spaces[j].slug),
			              "'%s' and '%s' share the slug '%s'",
			              spaces[i].id, spaces[j].id,
			              spaces[i].slug);
}
END_TEST

START_TEST(test_from_path)
{
	static const struct {
		const char *root, *path, *id; /* id NULL: refused with `code` */
		int code;
	} cases[] = {
	    /* No reposRoot: no id at all, whatever the path. */
	    {NULL, "/srv/git/alice/demo.git", NULL, SP_ENOTFOUND},
	    {NULL, "/srv/git/mallory/x/alice/demo.git", NULL, SP_ENOTFOUND},
	    {"", "/srv/git/alice/demo.git", NULL, SP_ENOTFOUND},
	    {"/srv/git", "/srv/git/alice/demo.git", "alice/demo", 0},
	    {"/srv/git/", "/srv/git/alice/demo.git", "alice/demo", 0},
	    {"/srv/git", "/srv/git/alice/demo.git/", "alice/demo", 0},
	    {"/srv/git", "/srv/git/Alice/Demo.git", "Alice/Demo", 0},
	    /* Exactly <root>/<owner>/<name>.git and nothing else. */
	    {"/srv/git", "/srv/git/alice/demo", NULL, SP_ENOTFOUND},
	    {"/srv/git", "/srv/git/alice/demo/.git", NULL, SP_ENOTFOUND},
	    {"/srv/git", "/srv/git/alice/.git", NULL, SP_ENOTFOUND},
	    {"/srv/git", "/srv/git/demo.git", NULL, SP_ENOTFOUND},
	    {"/srv/git", "/srv/git/a/b/c.git", NULL, SP_ENOTFOUND},
	    {"/srv/git", "/srv/git/mallory/x/alice/demo.git", NULL,
	     SP_ENOTFOUND},
	    {"/srv/git", "/srv/gitx/alice/demo.git", NULL, SP_ENOTFOUND},
	    {"/srv/git", "/elsewhere/alice/demo.git", NULL, SP_ENOTFOUND},
	    {"/srv/git", "/srv/git/../x/alice/demo.git", NULL, SP_ENOTFOUND},
	    {"/srv/git", "", NULL, SP_EINVALID},
	    {"/srv/git", "/srv/git/alice/x.git.git", NULL, SP_EINVALID},
	    {"/srv/git", "/srv/git/al ice/demo.git", NULL, SP_EINVALID},
	    {"/", "/alice/demo.git", "alice/demo", 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp_space s;
		int rc = sp_space_from_path(&s, cases[i].root, cases[i].path);

		if (cases[i].id) {
			ck_assert_msg(rc == 0, "%s: %s", cases[i].path,
			              sp_error_last());
			ck_assert_str_eq(s.id, cases[i].id);
		} else {
			ck_assert_msg(rc == cases[i].code,
			              "%s: got %d (%s), expected %d",
			              cases[i].path, rc, s.id, cases[i].code);
			ck_assert_str_eq(s.id, "");
		}
	}
}
END_TEST

START_TEST(test_resolve)
{
	static char any[] = "*/*", spaces[] = "spaces/*",
	            demo[] = "alice/demo*";
	static char *patterns_any[] = {any, NULL};
	static char *patterns_some[] = {spaces, demo, NULL};
	static const struct {
		const char *root;
		char **patterns;
		int flag; /* spacehook.space: -1 unset */
		const char *path;
		sp_space_role role;
		int rc;
		const char *id;
	} cases[] = {
	    {"/srv/git", patterns_any, -1, "/srv/git/alice/demo.git",
	     SP_SPACE_DEPLOY, 0, "alice/demo"},
	    {"/srv/git", patterns_any, 0, "/srv/git/alice/demo.git",
	     SP_SPACE_NONE, 0, ""},
	    {NULL, patterns_any, -1, "/srv/git/alice/demo.git", SP_SPACE_CHECK,
	     0, ""},
	    {NULL, patterns_any, 0, "/srv/git/alice/demo.git", SP_SPACE_NONE, 0,
	     ""},
	    {"/srv/git", patterns_any, -1, "/srv/git/mallory/x/alice/demo.git",
	     SP_SPACE_NONE, 0, ""},
	    {"/srv/git", patterns_any, 1, "/srv/git/mallory/x/alice/demo.git",
	     SP_SPACE_CHECK, SP_EINVALID, ""},
	    {"/srv/git", patterns_any, -1, "/elsewhere/alice/demo.git",
	     SP_SPACE_NONE, 0, ""},
	    {"/srv/git", patterns_any, -1, "/srv/git/al ice/demo.git",
	     SP_SPACE_CHECK, SP_EINVALID, ""},
	    {"/srv/git", patterns_some, -1, "/srv/git/spaces/x.git",
	     SP_SPACE_DEPLOY, 0, "spaces/x"},
	    {"/srv/git", patterns_some, -1, "/srv/git/alice/demo2.git",
	     SP_SPACE_DEPLOY, 0, "alice/demo2"},
	    {"/srv/git", patterns_some, -1, "/srv/git/alice/dotfiles.git",
	     SP_SPACE_NONE, 0, ""},
	    {"/srv/git", patterns_some, 1, "/srv/git/alice/dotfiles.git",
	     SP_SPACE_DEPLOY, 0, "alice/dotfiles"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp_settings settings = {0};
		sp_space_role role = SP_SPACE_DEPLOY;
		sp_space s;
		int rc;

		settings.repos_root = (char *)cases[i].root;
		settings.spaces = cases[i].patterns;
		settings.space = cases[i].flag;
		rc = sp_space_resolve(&role, &s, &settings, cases[i].path);
		ck_assert_msg(rc == cases[i].rc && role == cases[i].role,
		              "case %zu (%s): rc %d role %d: %s", i,
		              cases[i].path, rc, (int)role, sp_error_last());
		ck_assert_str_eq(s.id, cases[i].id);
	}
}
END_TEST

START_TEST(test_from_real_path)
{
	char root[] = "/tmp/sp-space-XXXXXX", path[256], link[256], cwd[4096];
	sp_space s;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/git", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/git/bob", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/git/bob/app.git", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(link, sizeof(link), "%s/link", root);
	snprintf(path, sizeof(path), "%s/git", root);
	ck_assert_int_eq(symlink(path, link), 0);

	/* Through a symbolic link to the root, and as "." from inside the
	 * repository. */
	snprintf(path, sizeof(path), "%s/link/bob/app.git", root);
	ck_assert_int_eq(sp_space_from_path(&s, link, path), 0);
	ck_assert_str_eq(s.id, "bob/app");
	snprintf(path, sizeof(path), "%s/git", root);
	ck_assert_int_eq(sp_space_from_path(&s, path, link) == SP_ENOTFOUND, 1);

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	snprintf(path, sizeof(path), "%s/git/bob/app.git", root);
	ck_assert_int_eq(chdir(path), 0);
	ck_assert_int_eq(sp_space_from_path(&s, NULL, "."), SP_ENOTFOUND);
	snprintf(path, sizeof(path), "%s/link", root);
	ck_assert_int_eq(sp_space_from_path(&s, path, "."), 0);
	ck_assert_str_eq(s.slug, "bob--app");
	ck_assert_int_eq(chdir(cwd), 0);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("space");
	TCase *parse = tcase_create("parse");
	TCase *slug = tcase_create("slug");
	TCase *path = tcase_create("path");

	tcase_add_test(parse, test_parse_valid);
	tcase_add_test(parse, test_parse_hostile);
	tcase_add_test(parse, test_lengths);
	suite_add_tcase(s, parse);
	tcase_add_test(slug, test_no_collisions);
	suite_add_tcase(s, slug);
	tcase_add_test(path, test_from_path);
	tcase_add_test(path, test_from_real_path);
	tcase_add_test(path, test_resolve);
	suite_add_tcase(s, path);
	return sp_test_run(s);
}
