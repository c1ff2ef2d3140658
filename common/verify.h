/* The checks a push of a Space goes through: README.md at the root, its config,
 * and the Dockerfile that sdk docker needs. */
#ifndef SP_VERIFY_H
#define SP_VERIFY_H

#include "buf.h"
#include "diag.h"
#include "dockerfile.h"
#include "repo.h"
#include "spaceconfig.h"

/* What the caller knows about the Space a check is for. */
typedef struct {
	/*
	 * The Space's own image repository, "spacehook/<slug>": its images
	 * are allowed in its Dockerfile. NULL: every "spacehook/" image is
	 * refused.
	 */
	const char *own_repository;
	/* NULL-terminated "NAME=value" build arguments; NULL: none. */
	const char *const *build_args;
} sp_verify_options;

/*
 * Check the Space in the tree of `commit`: README.md at the root must be a
 * regular file of at most SP_README_MAX_SIZE bytes (its size is read from
 * the object header, a bigger one is never loaded) holding a valid config;
 * with sdk "docker" a Dockerfile must be a regular file at the root too.
 * A Dockerfile at the root (at most SP_DOCKERFILE_MAX_SIZE bytes) goes
 * through sp_dockerfile_check with the "spacehook/" images reserved and
 * `opts` (may be NULL). Every problem goes into `diags`: positions inside
 * README.md name no file, those of the Dockerfile name "Dockerfile".
 *
 * Returns 0 when no error was found and, when `out` is not NULL, sets `*out`
 * to the config (caller frees with sp_spaceconfig_free); SP_ECONFIG when
 * the Space has an error (`*out` NULL); another negative code when the
 * repository could not be read (message in sp_error_last()).
 */
int sp_verify_commit(sp_spaceconfig **out, sp_diag_list *diags, sp_repo *repo,
                     const char *commit, const sp_verify_options *opts);

/* Which part of a Space a check refused, in the order a build meets them. */
typedef enum {
	SP_VERIFY_OK = 0,
	SP_VERIFY_BAD_README,         /* README.md missing, not a regular file,
	                                 too big, or its config has errors */
	SP_VERIFY_MISSING_DOCKERFILE, /* no regular file Dockerfile at the root
	                               */
	SP_VERIFY_BAD_DOCKERFILE,     /* the Dockerfile has errors */
} sp_verify_verdict;

/* sp_verify_build flags. */
#define SP_VERIFY_DOCKERFILE_PRESENCE                                          \
	0x1 /* the Dockerfile must be there; its text is not checked */
#define SP_VERIFY_DOCKERFILE_REQUIRED                                          \
	0x2 /* a Dockerfile is needed whatever the config says (implied) */

/*
 * The check of sp_verify_commit again, as a build of `commit` will read
 * it: `opts->build_args` are the Space's variables, a Dockerfile is needed
 * at the root, and with SP_VERIFY_DOCKERFILE_PRESENCE in `flags` (a restart,
 * which builds nothing) its text is not checked. The worker runs it before
 * each job, for commits pushed before a check existed and for variables
 * that change an ARG. Returns as sp_verify_commit; `*verdict` says which
 * part failed (SP_VERIFY_OK with 0).
 */
int sp_verify_build(sp_spaceconfig **out, sp_verify_verdict *verdict,
                    sp_diag_list *diags, sp_repo *repo, const char *commit,
                    const sp_verify_options *opts, unsigned flags);

/*
 * The same checks on a directory of the file system: DIR/README.md and, for
 * sdk docker, DIR/Dockerfile (its problems name "DIR/Dockerfile", or
 * "Dockerfile" for "."). Symbolic links count as links, as git would store
 * them.
 */
int sp_verify_dir(sp_spaceconfig **out, sp_diag_list *diags, const char *dir,
                  const sp_verify_options *opts);

/* Only the README file at `path` (no Dockerfile check). */
int sp_verify_file(sp_spaceconfig **out, sp_diag_list *diags, const char *path);

typedef enum {
	SP_VERIFY_REPORT_PUSH,  /* errors headed by Hugging Face's refusal line
	                         */
	SP_VERIFY_REPORT_LOCAL, /* errors followed by a count (spacehook
	                           validate) */
} sp_verify_report_style;

/* Hugging Face's first line of a refused push. */
#define SP_VERIFY_REFUSED                                                      \
	"Sorry, your push was rejected during YAML metadata verification:"

/*
 * Append what a human reads about a check to `out`, one line each: the
 * problems GCC style as `file:line:col: severity: message`, headed by
 * SP_VERIFY_REFUSED (push) or followed by a count (local) when there is an
 * error; otherwise the warnings and then
 * `spacehook: <file> ok (sdk: docker, app_port: 7860)` (config not NULL).
 */
void sp_verify_report(sp_buf *out, const sp_diag_list *diags,
                      const sp_spaceconfig *config, const char *file,
                      sp_verify_report_style style);

#endif
