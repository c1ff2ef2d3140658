/* A Space's hostname label. */
#include "subdomain.h"

#include <string.h>

#include "banned.h"
#include "buf.h"
#include "hmac.h"

#define SUBDOMAIN_HASH 8 /* hex digits of the hash suffix */

static char subdomain_char(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return c;
	return '-';
}

/* "-" and the first SUBDOMAIN_HASH hex digits of a hash of the id. */
static void subdomain_hash(sp_buf *out, const sp_space *space)
{
	static const char key[] = "spacehook subdomain v1";
	unsigned char mac[SP_HMAC_SHA256_SIZE];

	if (sp_hmac_sha256(mac, key, sizeof(key) - 1, space->id,
	                   strlen(space->id)) < 0)
		memset(mac, 0, sizeof(mac));
	sp_buf_putc(out, '-');
	sp_hmac_hex(out, mac, SUBDOMAIN_HASH / 2);
}

/* Cut the '-' at the end of `label`. */
static void subdomain_trim_end(sp_buf *label)
{
	while (label->size && label->ptr[label->size - 1] == '-')
		sp_buf_truncate(label, label->size - 1);
}

void sp_subdomain(char out[SP_SUBDOMAIN_MAX + 1], const sp_space *space)
{
	sp_buf label = SP_BUF_INIT;
	const char *parts[2] = {space->owner, space->name};

	for (size_t i = 0; i < 2; i++) {
		if (i && label.size)
			sp_buf_putc(&label, '-');
		for (const char *p = parts[i]; *p; p++)
			if (label.size || subdomain_char(*p) != '-')
				sp_buf_putc(&label, subdomain_char(*p));
	}
	subdomain_trim_end(&label);
	if (!label.size) {
		sp_buf_puts(&label, "space");
		subdomain_hash(&label, space);
	} else if (label.size > SP_SUBDOMAIN_MAX) {
		sp_buf_truncate(&label, SP_SUBDOMAIN_MAX - 1 - SUBDOMAIN_HASH);
		subdomain_trim_end(&label);
		subdomain_hash(&label, space);
	}
	memcpy(out, label.ptr, label.size + 1);
	sp_buf_dispose(&label);
}
