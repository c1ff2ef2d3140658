/* git's ref-update lines ("<old-id> <new-id> <ref>" on a receive hook's
 * stdin) and the ref a Space deploys from. */
#ifndef SP_REFS_H
#define SP_REFS_H

#include <stdio.h>

#include "buf.h"
#include "repo.h"

/* The longest line read, newline included: ref names are far shorter. */
#define SP_REFS_LINE_MAX 4096

/* The id git sends for a ref that did not exist or is being deleted. */
#define SP_REFS_ZERO_ID "0000000000000000000000000000000000000000"

/* One ref update, as git sends it. */
typedef struct {
	char old_id[SP_OID_HEXSZ + 1]; /* lowercase hex, the zero id when new */
	char
	    new_id[SP_OID_HEXSZ + 1]; /* lowercase hex, the zero id to delete */
	char ref[SP_REFS_LINE_MAX];   /* full name, "refs/heads/main" */
} sp_refs_update;

/*
 * Read the next line of `in` into `out`; `*lineno` counts the lines read
 * (start it at 0). A last line without its newline counts. Returns 0 with an
 * update, SP_ENOTFOUND at the end of the input, or, with the line number in
 * the message and the rest of that line skipped (the next call reads the
 * next line): SP_ETOOBIG for a line of SP_REFS_LINE_MAX bytes or more,
 * SP_EINVALID for a NUL byte or a line that is not
 * "<old-id> <new-id> <ref>".
 */
int sp_refs_read(sp_refs_update *out, FILE *in, int *lineno);

/* Is `id` the zero id (a ref created, or deleted when it is the new id)? */
int sp_refs_is_zero(const char *id);

/*
 * Check `branch` against git's rules for branch names
 * (git_branch_name_is_valid) and a few more of ours: at most 255 bytes, no
 * control character. Returns 0 or SP_EINVALID with a message.
 */
int sp_refs_check_branch(const char *branch);

/*
 * Set `out` to the full ref of the deploy branch `branch`,
 * "refs/heads/<branch>", after checking the name (sp_refs_check_branch).
 * Returns 0 or SP_EINVALID; `out` is left empty on failure.
 */
int sp_refs_deploy_ref(sp_buf *out, const char *branch);

#endif
