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

/* Flags of the checks: the sdks served (spacehook.sdks). */
#define SP_VERIFY_SDK_STATIC                                                   \
	0x4 /* "sdk: static" is served: needs its app_file, no Dockerfile */
#define SP_VERIFY_SDK_NO_DOCKER 0x8 /* "sdk: docker" is not served */
#define SP_VERIFY_SDKS (SP_VERIFY_SDK_STATIC | SP_VERIFY_SDK_NO_DOCKER)

/*
 * The flags for the sdks a server serves, from settings->sdks (SP_SDK_*
 * bits of settings.h): 0 for docker alone, the default.
 */
unsigned sp_verify_sdk_flags(unsigned sdks);

/* The page a static Space serves when its config names none. */
#define SP_VERIFY_STATIC_INDEX "index.html"

/* The page a static Space serves: its app_file, else SP_VERIFY_STATIC_INDEX
 * (owned by `config`, or static). */
const char *sp_verify_app_file(const sp_spaceconfig *config);

/*
 * Check the Space in the tree of `commit`: README.md at the root must be a
 * regular file of at most SP_README_MAX_SIZE bytes (its size is read from
 * the object header, a bigger one is never loaded) holding a valid config
 * for the sdks `flags` say are served (SP_VERIFY_SDK_*; 0: docker only);
 * with sdk "docker" a Dockerfile must be a regular file at the root too;
 * with sdk "static" its app_file (index.html when absent) must be a regular
 * file of the tree at a plain relative path, the error pointing at the
 * app_file key, or at the sdk key when app_file is absent. The Dockerfile of
 * a static Space is not checked (nothing builds it).
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
                     const char *commit, const sp_verify_options *opts,
                     unsigned flags);

/* Which part of a Space a check refused, in the order a build meets them. */
typedef enum {
	SP_VERIFY_OK = 0,
	SP_VERIFY_BAD_README,         /* README.md missing, not a regular file,
	                                 too big, or its config has errors */
	SP_VERIFY_MISSING_DOCKERFILE, /* no regular file Dockerfile at the root
	                               */
	SP_VERIFY_BAD_DOCKERFILE,     /* the Dockerfile has errors */
	SP_VERIFY_MISSING_APP_FILE,   /* sdk static: no regular file at its
	                                 app_file */
} sp_verify_verdict;

/* sp_verify_build flags. */
#define SP_VERIFY_DOCKERFILE_PRESENCE                                          \
	0x1 /* the Dockerfile must be there; its text is not checked */
#define SP_VERIFY_DOCKERFILE_REQUIRED                                          \
	0x2 /* a Dockerfile is needed whatever the config says (implied),      \
	       unless the Space is a static one */

/*
 * The check of sp_verify_commit again, as a build of `commit` will read
 * it: `opts->build_args` are the Space's variables, a Dockerfile is needed
 * at the root, and with SP_VERIFY_DOCKERFILE_PRESENCE in `flags` (a restart,
 * which builds nothing) its text is not checked; with the SP_VERIFY_SDK_*
 * flags as sp_verify_commit's, a static Space needs no Dockerfile and its
 * missing app_file is SP_VERIFY_MISSING_APP_FILE. The worker runs it before
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
 * "Dockerfile" for "."), for sdk static its app_file under DIR. Symbolic
 * links count as links, as git would store them. `flags`: the
 * SP_VERIFY_SDK_* ones.
 */
int sp_verify_dir(sp_spaceconfig **out, sp_diag_list *diags, const char *dir,
                  const sp_verify_options *opts, unsigned flags);

/* Only the README file at `path` (no Dockerfile or app_file check). */
int sp_verify_file(sp_spaceconfig **out, sp_diag_list *diags, const char *path,
                   unsigned flags);

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
 * `spacehook: <file> ok (sdk: docker, app_port: 7860)`, or
 * `spacehook: <file> ok (sdk: static, app_file: index.html)` (config not
 * NULL).
 */
void sp_verify_report(sp_buf *out, const sp_diag_list *diags,
                      const sp_spaceconfig *config, const char *file,
                      sp_verify_report_style style);

#endif
