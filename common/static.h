/* Static Spaces (sdk: static): the tree of a commit written out as files
 * that nginx serves, switched to atomically through a symbolic link. */
#ifndef SP_STATIC_H
#define SP_STATIC_H

#include "redact.h"
#include "repo.h"
#include "settings.h"
#include "space.h"
#include "store.h"

/*
 * The deepest directory nesting a static Space may have (the context's own
 * limit, SP_CONTEXT_MAX_DEPTH, is far more than a site needs).
 */
#define SP_STATIC_MAX_DEPTH 256

/*
 * Layout under spacehook.nginxDir, directories 0755, files 0644 (nginx's
 * workers read them):
 *   static/<slug>/<commit>/   the tree of a commit, regular files only
 *   static/<slug>/current     symbolic link to "<commit>": the version
 *                             served (nginx's root)
 *   static/<slug>/.tmp-*      a tree being written (never served)
 */

/*
 * Publish the tree of `commit` (anything sp_repo_resolve takes) of the
 * Space of `store`: checked first against spacehook.maxBlobSize and
 * spacehook.maxContextSize (sp_context_measure: SP_ETOOBIG and its message,
 * nothing written), then written into a temporary directory beside the
 * others and renamed to <nginxDir>/static/<slug>/<commit> (a commit already
 * written is not written again). Symbolic links and submodules are left out,
 * each said in a line to `log` (may be NULL); an entry that cannot be a file
 * name ("..", a '/'), a directory deeper than SP_STATIC_MAX_DEPTH or an
 * unknown mode is SP_EINVALID. Then `current` is pointed at it atomically
 * (a new link renamed over the old one), and the commit directories other
 * than this one and the one `current` named before are removed, with any
 * temporary directory an earlier run left. On success `*root_out` is
 * "<nginxDir>/static/<slug>/current" (the caller frees it); on failure it
 * is NULL, the temporary directory is gone and `current` is unchanged.
 * Not safe against another publish of the same Space at the same time (the
 * worker holds the Space's lock). Returns 0 or a negative code.
 */
int sp_static_publish(char **root_out, const sp_settings *settings,
                      sp_store *store, sp_repo *repo, const char *commit,
                      sp_redact_sink log, void *payload);

/*
 * Remove <nginxDir>/static/<slug> and everything in it (`spacehook
 * forget`); symbolic links are removed, never followed. Nothing there (or
 * no spacehook.nginxDir) is 0.
 */
int sp_static_remove(const sp_settings *settings, const sp_space *space);

#endif
