/* A Space's hostname label, as Hugging Face makes it for <sub>.hf.space. */
#ifndef SP_SUBDOMAIN_H
#define SP_SUBDOMAIN_H

#include "space.h"

/* A DNS label: at most 63 characters, plus the NUL. */
#define SP_SUBDOMAIN_MAX 63

/*
 * The subdomain of `space`: "owner-name" lowercased, every character other
 * than [a-z0-9-] turned into '-' (Hugging Face's scheme), no '-' at either
 * end. A label longer than 63 characters is cut to 54 and ends in '-' and 8
 * hex digits of a hash of the id, so long names stay apart; a label left
 * empty is "space-" and that hash. Different ids can give the same label
 * ("Alice/demo", "alice/demo", "a_b/c", "a-b/c"): whoever stores it checks
 * that no other Space holds it.
 */
void sp_subdomain(char out[SP_SUBDOMAIN_MAX + 1], const sp_space *space);

#endif
