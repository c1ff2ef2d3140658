/* Hugging Face's license ids: the values a README's "license" may take. */
#ifndef SP_LICENSES_H
#define SP_LICENSES_H

#include <stddef.h>

/* One license of Hugging Face's list. */
typedef struct {
	const char *id;   /* lowercase, as written in a README: "apache-2.0" */
	const char *name; /* its full name: "Apache license 2.0" */
} sp_license;

/*
 * The license whose id is exactly s[0, len) (case matters: "MIT" is not
 * "mit"), or NULL. Points into a static table.
 */
const sp_license *sp_license_find(const char *s, size_t len);

/* How many licenses the list holds. */
size_t sp_license_count(void);

/* The license at `index` (list order), or NULL past the end. */
const sp_license *sp_license_get(size_t index);

#endif
