/* Durations as people write them in config: "90s", "30m", "1h", "1h30m". */
#ifndef SP_DURATION_H
#define SP_DURATION_H

#include <stddef.h>

/* What sp_duration_parse accepts beyond "<digits><unit>..." (units h, m, s). */
enum {
	SP_DURATION_SECONDS = 1 << 0, /* a number alone is seconds: "1800" */
	SP_DURATION_ORDERED = 1
	                      << 1, /* units in the order h, m, s, each once */
};

/*
 * Parse the `len` bytes at `s` (no NUL needed) as a duration in seconds into
 * `out`: numbers each followed by a unit, h (3600), m (60) or s (1), added
 * up; zero is a duration (callers that want more say so). `flags` is a set of
 * SP_DURATION_*. Returns 0, SP_EINVALID when it is no duration, or
 * SP_ETOOBIG when it is one of more than `max` seconds; a message is set.
 */
int sp_duration_parse(long *out, const char *s, size_t len, unsigned flags,
                      long max);

#endif
