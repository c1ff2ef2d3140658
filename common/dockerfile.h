/* The Dockerfile check: keeps one Space's build away from other Spaces'
 * images and from privileged build features. */
#ifndef SP_DOCKERFILE_H
#define SP_DOCKERFILE_H

#include <stddef.h>

#include "diag.h"

/* The biggest Dockerfile a push may carry (read from the object header). */
#define SP_DOCKERFILE_MAX_SIZE (1024u * 1024u)

/* The longest line BuildKit reads (bufio.MaxScanTokenSize - 1). */
#define SP_DOCKERFILE_LINE_MAX 65535u

/* The repository prefix of the images spacehook builds ("spacehook/<slug>"). */
#define SP_DOCKERFILE_IMAGE_PREFIX "spacehook/"

typedef struct {
	/*
	 * This Space's own image repository ("spacehook/alice--demo"): refs
	 * to it are allowed. NULL: none is.
	 */
	const char *own_repository;
	/*
	 * NULL-terminated repository-name prefixes of Space images
	 * ({"spacehook/", NULL}): an image reference whose normalized
	 * repository starts with one is refused unless it is
	 * own_repository. NULL: none.
	 */
	const char *const *reserved;
	/*
	 * NULL-terminated "NAME=value" strings, the --build-arg values of
	 * the build; they override ARG defaults. NULL: none.
	 */
	const char *const *build_args;
} sp_dockerfile_options;

/*
 * Check the Dockerfile bytes `data` (`len` bytes, NUL bytes allowed) the
 * way BuildKit would read them, and add every problem to `diags` with its
 * line and column (the list's items carry no file name; the caller
 * renders them as "Dockerfile"). Refused: image references (FROM,
 * COPY --from, RUN --mount=from=, also under ONBUILD) naming a reserved
 * repository other than own_repository or a local image ID, references
 * that are not valid or cannot be checked, RUN --network=host,
 * --security=insecure and --device, a "# syntax=" frontend other than
 * docker/dockerfile, a BUILDKIT_SYNTAX build argument naming another
 * one, and a file whose structure cannot be read the same way by every
 * BuildKit version.
 *
 * Returns 0 when no error was found, SP_ECONFIG when `diags` got an
 * error, another negative code (SP_ENOMEM) on failure.
 */
int sp_dockerfile_check(sp_diag_list *diags, const char *data, size_t len,
                        const sp_dockerfile_options *opts);

#endif
