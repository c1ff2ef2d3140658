/* The registry's own API (distribution v2): the tags of a repository, and
 * the deletion of one, for garbage collection of a Space's images. */
#ifndef SP_REGISTRY_H
#define SP_REGISTRY_H

#include "buf.h"
#include "strvec.h"

/*
 * The tags of repository `repo` ("spaces/<slug>") on `registry`
 * ("host[:port]"; spoken to over plain HTTP on a loopback address, else
 * HTTPS; "http://host[:port]": plain HTTP, for a registry the engines list
 * as insecure) into `out`. `auth` is the registryAuth JSON
 * ({"username":..,"password":..}) or NULL. A repository the registry does
 * not know has no tags (0).
 */
int sp_registry_tags(sp_strvec *out, const char *registry, const char *repo,
                     const char *auth);

/*
 * Delete tag `tag` of `repo`: its manifest, by digest (the registry needs
 * `delete: enabled: true`; its garbage collector frees the blobs later).
 * A tag that is gone: 0.
 */
int sp_registry_delete(const char *registry, const char *repo, const char *tag,
                       const char *auth);

/* Like sp_registry_delete; the manifest's digest ("sha256:...") goes to
 * `digest` (left empty when the tag was gone). */
int sp_registry_delete_digest(sp_buf *digest, const char *registry,
                              const char *repo, const char *tag,
                              const char *auth);

#endif
