/* Tests of the settings: value parsers, defaults, git config (global and
 * repository), bad values. */
#include <check.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "repo.h"
#include "settings.h"
#include "testlib.h"

static char sandbox[] = "/tmp/sp-settings-XXXXXX";

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_global(const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/.gitconfig", sandbox);
	write_text(path, text);
}

START_TEST(test_port_range)
{
	static const struct {
		const char *value;
		int ok, min, max;
	} cases[] = {
	    {"20000-29999", 1, 20000, 29999},
	    {"1-65535", 1, 1, 65535},
	    {"8080-8080", 1, 8080, 8080},
	    {"29999-20000", 0, 0, 0},
	    {"0-100", 0, 0, 0},
	    {"100-65536", 0, 0, 0},
	    {"20000", 0, 0, 0},
	    {"20000-", 0, 0, 0},
	    {"-20000", 0, 0, 0},
	    {"a-b", 0, 0, 0},
	    {" 1-2", 0, 0, 0},
	    {"1-2 ", 0, 0, 0},
	    {"1--2", 0, 0, 0},
	    {"99999999999999999999-1", 0, 0, 0},
	    {"", 0, 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int min = -1, max = -1;
		int rc =
		    sp_settings_parse_port_range(&min, &max, cases[i].value);

		ck_assert_msg((rc == 0) == cases[i].ok, "'%s': rc %d",
		              cases[i].value, rc);
		if (cases[i].ok) {
			ck_assert_int_eq(min, cases[i].min);
			ck_assert_int_eq(max, cases[i].max);
		} else {
			ck_assert_int_eq(rc, SP_EINVALID);
			ck_assert_ptr_nonnull(
			    strstr(sp_error_last(), cases[i].value));
		}
	}
}
END_TEST

START_TEST(test_size)
{
	static const struct {
		const char *value;
		int ok;
		long long bytes;
	} cases[] = {
	    {"0", 1, 0},
	    {"512", 1, 512},
	    {"4k", 1, 4096},
	    {"4K", 1, 4096},
	    {"8m", 1, 8LL << 20},
	    {"16g", 1, 16LL << 30},
	    {"16G", 1, 16LL << 30},
	    {"1t", 0, 0},
	    {"1kb", 0, 0},
	    {"k", 0, 0},
	    {"-1", 0, 0},
	    {"1.5g", 0, 0},
	    {"", 0, 0},
	    {"99999999999999999g", 0, 0},
	    {"9223372036854775808", 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long v = -1;
		int rc = sp_settings_parse_size(&v, cases[i].value);

		ck_assert_msg((rc == 0) == cases[i].ok, "'%s': rc %d",
		              cases[i].value, rc);
		if (cases[i].ok)
			ck_assert_int_eq(v, cases[i].bytes);
		else
			ck_assert_int_eq(rc, SP_EINVALID);
	}
}
END_TEST

START_TEST(test_duration)
{
	static const struct {
		const char *value;
		int ok;
		long seconds;
	} cases[] = {
	    {"1800", 1, 1800},
	    {"90s", 1, 90},
	    {"30m", 1, 1800},
	    {"1h", 1, 3600},
	    {"1h30m", 1, 5400},
	    {"2h0m5s", 1, 7205},
	    {"0", 0, 0},
	    {"0s", 0, 0},
	    {"1h30", 0, 0},
	    {"1d", 0, 0},
	    {"m", 0, 0},
	    {"", 0, 0},
	    {"-5", 0, 0},
	    {"1.5h", 0, 0},
	    {"99999999999999999999h", 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long v = -1;
		int rc = sp_settings_parse_duration(&v, cases[i].value);

		ck_assert_msg((rc == 0) == cases[i].ok, "'%s': rc %d",
		              cases[i].value, rc);
		if (cases[i].ok)
			ck_assert_int_eq(v, cases[i].seconds);
		else
			ck_assert_int_eq(rc, SP_EINVALID);
	}
}
END_TEST

START_TEST(test_timeout)
{
	static const struct {
		const char *value;
		int ok;
		long seconds;
	} cases[] = {
	    {"0", 1, 0},
	    {"0s", 1, 0},
	    {"0h0m", 1, 0},
	    {"45s", 1, 45},
	    {"90m", 1, 5400},
	    {"1h", 1, 3600},
	    {"3", 1, 3},
	    {"", 0, 0},
	    {"-1", 0, 0},
	    {"none", 0, 0},
	    {"1h30", 0, 0},
	    {"2d", 0, 0},
	    {"99999999999999999999s", 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long v = -1;
		int rc = sp_settings_parse_timeout(&v, cases[i].value);

		ck_assert_msg((rc == 0) == cases[i].ok, "'%s': rc %d",
		              cases[i].value, rc);
		if (cases[i].ok)
			ck_assert_int_eq(v, cases[i].seconds);
		else
			ck_assert_int_eq(rc, SP_EINVALID);
	}
}
END_TEST

START_TEST(test_bool)
{
	static const struct {
		const char *value;
		int ok, truth;
	} cases[] = {
	    {"true", 1, 1},  {"TRUE", 1, 1}, {"yes", 1, 1},   {"on", 1, 1},
	    {"1", 1, 1},     {"", 1, 1},     {"false", 1, 0}, {"No", 1, 0},
	    {"off", 1, 0},   {"0", 1, 0},    {"2", 0, 0},     {"maybe", 0, 0},
	    {"truee", 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int v = -1;
		int rc = sp_settings_parse_bool(&v, cases[i].value);

		ck_assert_msg((rc == 0) == cases[i].ok, "'%s': rc %d",
		              cases[i].value, rc);
		if (cases[i].ok)
			ck_assert_int_eq(v, cases[i].truth);
	}
}
END_TEST

START_TEST(test_defaults)
{
	sp_settings s;

	write_global("");
	unsetenv("DOCKER_HOST");
	unsetenv("SP_DOCKER_CLI");
	ck_assert_int_eq(sp_settings_load(&s, NULL), 0);
	ck_assert_str_eq(s.state_dir, "/var/lib/spacehook");
	ck_assert_str_eq(s.deploy_branch, "main");
	ck_assert_str_eq(s.docker_host, "unix:///var/run/docker.sock");
	ck_assert_str_eq(s.docker_cli, access("/usr/bin/docker", X_OK) == 0
	                                   ? "/usr/bin/docker"
	                                   : "docker");
	ck_assert_str_eq(s.bind_address, "127.0.0.1");
	ck_assert_int_eq(s.port_min, 20000);
	ck_assert_int_eq(s.port_max, 29999);
	ck_assert_ptr_null(s.repos_root);
	ck_assert_str_eq(s.run_as_user, "1000");
	ck_assert_int_eq(s.startup_timeout, 1800);
	ck_assert_int_eq(s.max_concurrent_builds, 2);
	ck_assert_int_eq(s.max_builds_per_owner, 1);
	ck_assert_int_eq(s.build_timeout, 3600);
	ck_assert(s.max_cpus == 2.0);
	ck_assert_int_eq(s.max_memory, 16LL << 30);
	ck_assert_int_eq(s.pids_limit, 1024);
	ck_assert_int_eq(s.persistent_storage, 0);
	ck_assert_uint_eq(s.build_log_max, 8u << 20);
	ck_assert_int_eq(s.max_blob_size, 100LL << 20);
	ck_assert_int_eq(s.max_context_size, 1LL << 30);
	ck_assert_ptr_nonnull(s.webhooks);
	ck_assert_ptr_null(s.webhooks[0]);
	ck_assert_ptr_null(s.webhook_secret);
	ck_assert_str_eq(s.spaces[0], "*/*");
	ck_assert_ptr_null(s.spaces[1]);
	ck_assert_int_eq(s.space, -1);
	ck_assert_ptr_null(s.runtime);
	ck_assert_ptr_null(s.admins);
	ck_assert_str_eq(s.access, "spacehook");
	ck_assert_str_eq(s.read_access, "collaborators");
	ck_assert_str_eq(s.gitolite, "gitolite");
	ck_assert_str_eq(s.backend, "docker");
	ck_assert_ptr_null(s.registry);
	ck_assert_ptr_null(s.registry_auth);
	ck_assert_ptr_null(s.placement);
	ck_assert_int_eq(s.swarm_secrets, 0);
	ck_assert_ptr_null(s.gpu_resource);
	ck_assert_int_eq(s.log_max_size, 10LL << 20);
	ck_assert_int_eq(s.log_max_files, 3);
	sp_settings_dispose(&s);

	setenv("DOCKER_HOST", "unix:///tmp/other.sock", 1);
	setenv("SP_DOCKER_CLI", "/usr/bin/docker", 1);
	ck_assert_int_eq(sp_settings_load(&s, NULL), 0);
	ck_assert_str_eq(s.docker_host, "unix:///tmp/other.sock");
	ck_assert_str_eq(s.docker_cli, "/usr/bin/docker");
	sp_settings_dispose(&s);

	setenv("DOCKER_HOST", "ssh://somewhere", 1);
	ck_assert_int_eq(sp_settings_load(&s, NULL), SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "$DOCKER_HOST"));
	unsetenv("DOCKER_HOST");
	unsetenv("SP_DOCKER_CLI");
}
END_TEST

START_TEST(test_global_config)
{
	sp_settings s;

	setenv("DOCKER_HOST", "unix:///tmp/ignored.sock", 1);
	write_global("[spacehook]\n"
	             "\tstateDir = /srv/spacehook/state\n"
	             "\tdeployBranch = refs/heads/prod\n"
	             "\tdockerHost = unix:///run/d.sock\n"
	             "\tdockerCli = /usr/bin/docker\n"
	             "\tbindAddress = ::1\n"
	             "\tportRange = 30000-30010\n"
	             "\treposRoot = /srv/git\n"
	             "\trunAsUser = 1000:1000\n"
	             "\tstartupTimeout = 1h30m\n"
	             "\tmaxConcurrentBuilds = 4\n"
	             "\tmaxBuildsPerOwner = 3\n"
	             "\tbuildTimeout = 90m\n"
	             "\tmaxCpus = 0.5\n"
	             "\tmaxMemory = 512m\n"
	             "\tpidsLimit = 256\n"
	             "\tpersistentStorage\n"
	             "\tbuildLogMax = 64k\n"
	             "\tmaxBlobSize = 50M\n"
	             "\tmaxContextSize = 2g\n"
	             "\twebhook = https://a.example/hook\n"
	             "\twebhook = http://127.0.0.1:9/hook\n"
	             "\twebhookSecret = s3\n"
	             "\tspaces = spaces/* alice/demo*\n"
	             "\tspaces = bob/[ab]*,carol/x\n"
	             "\tspace = false\n"
	             "\truntime = runsc\n"
	             "\tlogMaxSize = 1m\n"
	             "\tlogMaxFiles = 5\n"
	             "\tbackend = swarm\n"
	             "\tregistry = registry.example.org:5000\n"
	             "\tregistryAuth = /etc/spacehook/registry.json\n"
	             "\tplacement = node.labels.spaces==true, "
	             "node.role!=manager\n"
	             "\tswarmSecrets = yes\n"
	             "\tgpuResource = NVIDIA-GPU\n");
	ck_assert_int_eq(sp_settings_load(&s, NULL), 0);
	ck_assert_str_eq(s.state_dir, "/srv/spacehook/state");
	ck_assert_str_eq(s.deploy_branch, "prod");
	ck_assert_str_eq(s.docker_host, "unix:///run/d.sock");
	ck_assert_str_eq(s.docker_cli, "/usr/bin/docker");
	ck_assert_str_eq(s.bind_address, "::1");
	ck_assert_int_eq(s.port_min, 30000);
	ck_assert_int_eq(s.port_max, 30010);
	ck_assert_str_eq(s.repos_root, "/srv/git");
	ck_assert_str_eq(s.run_as_user, "1000:1000");
	ck_assert_int_eq(s.startup_timeout, 5400);
	ck_assert_int_eq(s.max_concurrent_builds, 4);
	ck_assert_int_eq(s.max_builds_per_owner, 3);
	ck_assert_int_eq(s.build_timeout, 5400);
	ck_assert(s.max_cpus == 0.5);
	ck_assert_int_eq(s.max_memory, 512LL << 20);
	ck_assert_int_eq(s.pids_limit, 256);
	ck_assert_int_eq(s.persistent_storage, 1);
	ck_assert_uint_eq(s.build_log_max, 65536);
	ck_assert_int_eq(s.max_blob_size, 50LL << 20);
	ck_assert_int_eq(s.max_context_size, 2LL << 30);
	ck_assert_str_eq(s.webhooks[0], "https://a.example/hook");
	ck_assert_str_eq(s.webhooks[1], "http://127.0.0.1:9/hook");
	ck_assert_ptr_null(s.webhooks[2]);
	ck_assert_str_eq(s.webhook_secret, "s3");
	ck_assert_str_eq(s.spaces[0], "spaces/*");
	ck_assert_str_eq(s.spaces[1], "alice/demo*");
	ck_assert_str_eq(s.spaces[2], "bob/[ab]*");
	ck_assert_str_eq(s.spaces[3], "carol/x");
	ck_assert_ptr_null(s.spaces[4]);
	ck_assert_int_eq(s.space, 0);
	ck_assert_str_eq(s.runtime, "runsc");
	ck_assert_int_eq(s.log_max_size, 1LL << 20);
	ck_assert_int_eq(s.log_max_files, 5);
	ck_assert_str_eq(s.backend, "swarm");
	ck_assert_str_eq(s.registry, "registry.example.org:5000");
	ck_assert_str_eq(s.registry_auth, "/etc/spacehook/registry.json");
	ck_assert_str_eq(s.placement,
	                 "node.labels.spaces==true, node.role!=manager");
	ck_assert_int_eq(s.swarm_secrets, 1);
	ck_assert_str_eq(s.gpu_resource, "NVIDIA-GPU");
	sp_settings_dispose(&s);
	sp_settings_dispose(&s); /* twice is harmless */
	unsetenv("DOCKER_HOST");
}
END_TEST

START_TEST(test_bad_values)
{
	static const struct {
		const char *key, *value;
	} cases[] = {
	    {"spaces", "alice"},
	    {"spaces", "a/b/c"},
	    {"spaces", "*/* a b"},
	    {"spaces", "$(x)/y"},
	    {"space", "maybe"},
	    {"runtime", "run sc"},
	    {"runtime", "-x"},
	    {"admins", "root,-carol"},
	    {"admins", "root; id"},
	    {"admins", "a/b"},
	    {"access", "ldap"},
	    {"access", ""},
	    {"readAccess", "everyone"},
	    {"gitolite", ""},
	    {"backend", "kubernetes"},
	    {"backend", ""},
	    {"registry", "http://r:5000"},
	    {"registry", "r/spaces"},
	    {"registry", "r:99999"},
	    {"registryAuth", "auth.json"},
	    {"placement", "node.labels.a"},
	    {"placement", "==x"},
	    {"placement", "node.role==manager,node.labels.x="},
	    {"swarmSecrets", "maybe"},
	    {"gpuResource", "gpu;rm"},
	    {"logMaxSize", "1k"},
	    {"logMaxSize", "big"},
	    {"logMaxFiles", "0"},
	    {"logMaxFiles", "1000"},
	    {"portRange", "29999-20000"},
	    {"portRange", "20000"},
	    {"portRange", "0-10"},
	    {"stateDir", "relative/dir"},
	    {"reposRoot", "srv/git"},
	    {"deployBranch", "a..b"},
	    {"deployBranch", "-x"},
	    {"deployBranch", "has space"},
	    {"deployBranch", "x.lock"},
	    {"dockerHost", "/var/run/docker.sock"},
	    {"dockerHost", "ssh://host"},
	    {"bindAddress", "localhost"},
	    {"bindAddress", "256.1.1.1"},
	    {"runAsUser", "root; rm"},
	    {"runAsUser", ""},
	    {"startupTimeout", "soon"},
	    {"startupTimeout", "0"},
	    {"maxConcurrentBuilds", "0"},
	    {"maxConcurrentBuilds", "two"},
	    {"maxBuildsPerOwner", "0"},
	    {"maxBuildsPerOwner", "65"},
	    {"maxBuildsPerOwner", "-1"},
	    {"maxBuildsPerOwner", "one"},
	    {"buildTimeout", "soon"},
	    {"buildTimeout", "-5"},
	    {"buildTimeout", "1d"},
	    {"buildTimeout", ""},
	    {"maxCpus", "0"},
	    {"maxCpus", "-1"},
	    {"maxCpus", "nan"},
	    {"maxCpus", "1e9"},
	    {"maxMemory", "1k"},
	    {"maxMemory", "lots"},
	    {"pidsLimit", "-1"},
	    {"persistentStorage", "maybe"},
	    {"buildLogMax", "10"},
	    {"maxBlobSize", "-1"},
	    {"maxBlobSize", "100mb"},
	    {"maxBlobSize", "lots"},
	    {"maxContextSize", "1t"},
	    {"maxContextSize", "99999999999g"},
	    {"maxContextSize", ""},
	    {"webhook", "ftp://x"},
	    {"dockerCli", ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512], key[64];
		sp_settings s;

		snprintf(text, sizeof(text), "[spacehook]\n\t%s = \"%s\"\n",
		         cases[i].key, cases[i].value);
		snprintf(key, sizeof(key), "spacehook.%s: ", cases[i].key);
		write_global(text);
		ck_assert_msg(sp_settings_load(&s, NULL) == SP_EINVALID,
		              "%s=%s accepted", cases[i].key, cases[i].value);
		ck_assert_msg(!strncmp(sp_error_last(), key, strlen(key)),
		              "%s=%s: message '%s'", cases[i].key,
		              cases[i].value, sp_error_last());
		ck_assert_ptr_null(s.state_dir);
	}
}
END_TEST

/* The build context limits: sizes with k/m/g, 0 for none. */
START_TEST(test_context_limits)
{
	static const struct {
		const char *config;
		long long blob, context;
	} cases[] = {
	    {"", 100LL << 20, 1LL << 30},
	    {"\tmaxBlobSize = 0\n\tmaxContextSize = 0\n", 0, 0},
	    {"\tmaxBlobSize = 1\n", 1, 1LL << 30},
	    {"\tmaxBlobSize = 512k\n\tmaxContextSize = 3G\n", 512LL << 10,
	     3LL << 30},
	    {"\tmaxContextSize = 123456789\n", 100LL << 20, 123456789},
	    {"\tmaxBlobSize = 8g\n", 8LL << 30, 1LL << 30},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		sp_settings s;

		snprintf(text, sizeof(text), "[spacehook]\n%s",
		         cases[i].config);
		write_global(text);
		ck_assert_msg(sp_settings_load(&s, NULL) == 0, "%s: %s",
		              cases[i].config, sp_error_last());
		ck_assert_msg(s.max_blob_size == cases[i].blob &&
		                  s.max_context_size == cases[i].context,
		              "%s: %lld %lld", cases[i].config, s.max_blob_size,
		              s.max_context_size);
		sp_settings_dispose(&s);
	}
}
END_TEST

/* The per-owner limit follows maxConcurrentBuilds unless set. */
START_TEST(test_build_limits)
{
	static const struct {
		const char *config;
		int concurrent, per_owner;
		long timeout;
	} cases[] = {
	    {"", 2, 1, 3600},
	    {"\tmaxConcurrentBuilds = 1\n", 1, 1, 3600},
	    {"\tmaxConcurrentBuilds = 3\n", 3, 2, 3600},
	    {"\tmaxConcurrentBuilds = 5\n", 5, 3, 3600},
	    {"\tmaxConcurrentBuilds = 64\n", 64, 32, 3600},
	    {"\tmaxConcurrentBuilds = 4\n\tmaxBuildsPerOwner = 4\n", 4, 4,
	     3600},
	    {"\tmaxBuildsPerOwner = 1\n\tmaxConcurrentBuilds = 8\n", 8, 1,
	     3600},
	    {"\tbuildTimeout = 0\n", 2, 1, 0},
	    {"\tbuildTimeout = 45s\n", 2, 1, 45},
	    {"\tbuildTimeout = 2h\n", 2, 1, 7200},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		sp_settings s;

		snprintf(text, sizeof(text), "[spacehook]\n%s",
		         cases[i].config);
		write_global(text);
		ck_assert_int_eq(sp_settings_load(&s, NULL), 0);
		ck_assert_msg(s.max_concurrent_builds == cases[i].concurrent &&
		                  s.max_builds_per_owner ==
		                      cases[i].per_owner &&
		                  s.build_timeout == cases[i].timeout,
		              "case %zu: %d %d %ld", i, s.max_concurrent_builds,
		              s.max_builds_per_owner, s.build_timeout);
		sp_settings_dispose(&s);
	}
}
END_TEST

START_TEST(test_repository_config)
{
	char path[512], config[600];
	git_repository *git = NULL;
	sp_repo *repo = NULL;
	sp_settings s;
	FILE *f;

	write_global(
	    "[spacehook]\n\tdeployBranch = global\n\tportRange = 1000-2000\n");
	snprintf(path, sizeof(path), "%s/alice/demo.git", sandbox);
	git_libgit2_init();
	ck_assert_int_eq(git_repository_init(&git, path, 1), 0);
	git_repository_free(git);
	snprintf(config, sizeof(config), "%s/config", path);
	ck_assert_ptr_nonnull(f = fopen(config, "a"));
	fputs("[spacehook]\n\tdeployBranch = deploy\n", f);
	ck_assert_int_eq(fclose(f), 0);

	ck_assert_int_eq(sp_repo_open(&repo, path), 0);
	ck_assert_int_eq(sp_settings_load(&s, repo), 0);
	ck_assert_str_eq(s.deploy_branch, "deploy");
	ck_assert_int_eq(s.port_min, 1000);
	sp_settings_dispose(&s);

	ck_assert_ptr_nonnull(f = fopen(config, "a"));
	fputs("\tportRange = 5-4\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(sp_settings_load(&s, repo), SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "spacehook.portRange: "));
	sp_repo_free(repo);
	git_libgit2_shutdown();
}
END_TEST

START_TEST(test_damaged_config)
{
	sp_settings s;

	write_global("[spacehook\n\tstateDir = /x\n");
	ck_assert_int_lt(sp_settings_load(&s, NULL), 0);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), ".gitconfig"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("settings");
	TCase *parse = tcase_create("parse");
	TCase *load = tcase_create("load");
	char xdg[600];
	int failed;

	if (!mkdtemp(sandbox))
		return EXIT_FAILURE;
	snprintf(xdg, sizeof(xdg), "%s/xdg", sandbox);
	setenv("HOME", sandbox, 1);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);

	tcase_add_test(parse, test_port_range);
	tcase_add_test(parse, test_size);
	tcase_add_test(parse, test_duration);
	tcase_add_test(parse, test_timeout);
	tcase_add_test(parse, test_bool);
	suite_add_tcase(s, parse);
	tcase_add_test(load, test_defaults);
	tcase_add_test(load, test_global_config);
	tcase_add_test(load, test_bad_values);
	tcase_add_test(load, test_build_limits);
	tcase_add_test(load, test_context_limits);
	tcase_add_test(load, test_repository_config);
	tcase_add_test(load, test_damaged_config);
	suite_add_tcase(s, load);
	failed = sp_test_run_nofork(s);
	/* A failed run leaves the sandbox to look at. */
	if (failed == EXIT_SUCCESS && sp_test_rmtree(sandbox) < 0)
		failed = EXIT_FAILURE;
	return failed;
}
