/* Who may do what to a Space: owner, collaborators and admins, or gitolite's
 * own rules. */
#include "authz.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "banned.h"
#include "buf.h"
#include "error.h"
#include "proc.h"
#include "store.h"
#include "strvec.h"

/* The collaborators file: at most this many names. */
#define AUTHZ_COLLABORATORS_MAX 1000

int sp_authz_user_valid(const char *user)
{
	return sp_space_owner_valid(user);
}

int sp_authz_is_admin(const sp_settings *settings, const char *user)
{
	const char *p = settings->admins;
	size_t len = strlen(user);

	if (!p || !sp_authz_user_valid(user))
		return 0;
	while (*p) {
		size_t n = strcspn(p, " ,");

		if (n == len && !strncmp(p, user, n))
			return 1;
		p += n;
		p += strspn(p, " ,");
	}
	return 0;
}

static int authz_gitolite(const sp_settings *settings)
{
	return settings->access && !strcmp(settings->access, "gitolite");
}

static const char *authz_verb(sp_authz_need need)
{
	switch (need) {
	case SP_AUTHZ_READ:
		return "read";
	case SP_AUTHZ_WRITE:
		return "write";
	case SP_AUTHZ_OWNER:
		break;
	}
	return "share";
}

static int authz_denied(const char *user, const sp_space *space,
                        sp_authz_need need)
{
	return sp_error_set(SP_EDENIED, "no Space '%s' that '%s' may %s",
	                    space->id, user, authz_verb(need));
}

/* Names in `text`, one per line, into `out` (cleared first); malformed
 * lines are skipped. */
static void authz_parse(sp_strvec *out, const char *text)
{
	const char *p = text;
	sp_buf name = SP_BUF_INIT;

	sp_strvec_clear(out);
	while (*p && out->nr < AUTHZ_COLLABORATORS_MAX) {
		size_t len = strcspn(p, "\n");

		sp_buf_clear(&name);
		sp_buf_put(&name, p, len);
		if (sp_authz_user_valid(name.ptr))
			sp_strvec_push(out, name.ptr);
		p += len;
		if (*p == '\n')
			p++;
	}
	sp_buf_dispose(&name);
}

int sp_authz_collaborators(sp_strvec *out, const sp_settings *settings,
                           const sp_space *space)
{
	sp_store *store = NULL;
	sp_buf text = SP_BUF_INIT;
	int error = 0;

	if (sp_store_exists(settings->state_dir, space)) {
		if ((error =
		         sp_store_open(&store, settings->state_dir, space)) < 0)
			goto done;
		error =
		    sp_store_readat(&text, store, "collaborators", 64 * 1024);
		if (error == SP_ENOTFOUND) {
			sp_error_clear();
			error = 0;
		}
		if (error < 0)
			goto done;
	}
	authz_parse(out, text.ptr ? text.ptr : "");
done:
	sp_buf_dispose(&text);
	sp_store_free(store);
	return error;
}

/*
 * `gitolite access -q <id> <user> R any` to read; to write, W on the deploy
 * branch (`refs/heads/main`): one who may push only other branches does
 * not manage the Space. 0 allowed, 1 not.
 */
static int authz_ask_gitolite(int *allowed, const sp_settings *settings,
                              const char *user, const sp_space *space,
                              sp_authz_need need)
{
	sp_buf ref = SP_BUF_INIT, out = SP_BUF_INIT;
	const char *argv[8];
	sp_proc_options opts = {0};
	int status = 0, error;

	sp_buf_printf(&ref, "refs/heads/%s",
	              settings->deploy_branch ? settings->deploy_branch
	                                      : "main");
	argv[0] = settings->gitolite;
	argv[1] = "access";
	argv[2] = "-q";
	argv[3] = space->id;
	argv[4] = user;
	argv[5] = need == SP_AUTHZ_READ ? "R" : "W";
	argv[6] = need == SP_AUTHZ_READ ? "any" : ref.ptr;
	argv[7] = NULL;
	opts.argv = argv;
	opts.stdin_fd = -1;
	opts.stderr_fd = -1;
	error = sp_proc_capture(&status, &out, 4096, &opts);
	sp_buf_dispose(&out);
	sp_buf_dispose(&ref);
	if (error < 0)
		return sp_error_set(error,
		                    "cannot ask gitolite (spacehook.gitolite "
		                    "'%s'): %s",
		                    settings->gitolite, sp_error_last());
	*allowed = status == 0;
	return 0;
}

int sp_authz_check(const sp_settings *settings, const char *user,
                   const sp_space *space, sp_authz_need need)
{
	sp_strvec list = SP_STRVEC_INIT;
	int allowed = 0, error;

	if (!sp_authz_user_valid(user))
		return sp_error_set(SP_EDENIED, "'%.64s' is not a user name",
		                    user ? user : "");
	if (sp_authz_is_admin(settings, user))
		return 0;
	if (authz_gitolite(settings)) {
		if ((error = authz_ask_gitolite(&allowed, settings, user, space,
		                                need)) < 0)
			return error == SP_EDENIED ? error : SP_EDENIED;
		return allowed ? 0 : authz_denied(user, space, need);
	}
	if (!strcmp(space->owner, user))
		return 0;
	if (need == SP_AUTHZ_OWNER)
		return authz_denied(user, space, need);
	if (need == SP_AUTHZ_READ && settings->read_access &&
	    !strcmp(settings->read_access, "all"))
		return 0;
	/* A file that cannot be read refuses like any other Space would: the
	 * reason could tell that the Space exists. */
	if (sp_authz_collaborators(&list, settings, space) < 0) {
		sp_strvec_clear(&list);
		return authz_denied(user, space, need);
	}
	for (size_t i = 0; i < list.nr && !allowed; i++)
		allowed = !strcmp(list.v[i], user);
	sp_strvec_clear(&list);
	return allowed ? 0 : authz_denied(user, space, need);
}

static int authz_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Add (`add`) or remove `user`, under the collaborators file's lock. */
static int authz_change(int *changed, const sp_settings *settings,
                        const sp_space *space, const char *user, int add)
{
	sp_store *store = NULL;
	sp_buf text = SP_BUF_INIT;
	sp_strvec list = SP_STRVEC_INIT, next = SP_STRVEC_INIT;
	int lock = -1, found = 0, error;

	if (changed)
		*changed = 0;
	if (authz_gitolite(settings))
		return sp_error_set(SP_EINVALID,
		                    "gitolite decides who may write '%s' "
		                    "(spacehook.access = gitolite): edit "
		                    "gitolite-admin's conf/gitolite.conf",
		                    space->id);
	if (!sp_authz_user_valid(user))
		return sp_error_set(SP_EINVALID, "'%.64s' is not a user name",
		                    user);
	if (!strcmp(user, space->owner))
		return sp_error_set(SP_EINVALID,
		                    "'%s' owns '%s': an owner is no "
		                    "collaborator",
		                    user, space->id);
	if (!add && !sp_store_exists(settings->state_dir, space))
		return 0;
	if ((error = sp_store_open(&store, settings->state_dir, space)) < 0)
		goto done;
	if ((lock = sp_store_openat(store, "collaborators.lock",
	                            O_RDWR | O_CREAT, 0600)) < 0) {
		error = lock;
		goto done;
	}
	if (flock(lock, LOCK_EX) < 0) {
		error = sp_error_set_os(
		    SP_EIO, "cannot lock the collaborators of '%s'", space->id);
		goto done;
	}
	error = sp_store_readat(&text, store, "collaborators", 64 * 1024);
	if (error == SP_ENOTFOUND) {
		sp_error_clear();
		error = 0;
	}
	if (error < 0)
		goto done;
	authz_parse(&list, text.ptr ? text.ptr : "");
	for (size_t i = 0; i < list.nr; i++) {
		if (!strcmp(list.v[i], user))
			found = 1;
		else
			sp_strvec_push(&next, list.v[i]);
	}
	if (found == add)
		goto done;
	if (add && next.nr >= AUTHZ_COLLABORATORS_MAX) {
		error = sp_error_set(SP_ETOOBIG,
		                     "'%s' has %d collaborators already",
		                     space->id, AUTHZ_COLLABORATORS_MAX);
		goto done;
	}
	if (add)
		sp_strvec_push(&next, user);
	qsort(next.v, next.nr, sizeof(char *), authz_cmp);
	sp_buf_clear(&text);
	for (size_t i = 0; i < next.nr; i++)
		sp_buf_printf(&text, "%s\n", next.v[i]);
	if ((error = sp_store_writeat(store, "collaborators",
	                              text.ptr ? text.ptr : "", text.size,
	                              0600)) < 0)
		goto done;
	if (changed)
		*changed = 1;
done:
	if (lock >= 0)
		close(lock);
	sp_strvec_clear(&list);
	sp_strvec_clear(&next);
	sp_buf_dispose(&text);
	sp_store_free(store);
	return error;
}

int sp_authz_collaborator_add(int *changed, const sp_settings *settings,
                              const sp_space *space, const char *user)
{
	return authz_change(changed, settings, space, user, 1);
}

int sp_authz_collaborator_remove(int *changed, const sp_settings *settings,
                                 const sp_space *space, const char *user)
{
	return authz_change(changed, settings, space, user, 0);
}
