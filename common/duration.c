/* One parser for "1h30m"-style durations: git config settings and the Space
 * config's startup_duration_timeout. */
#include "duration.h"

#include "error.h"

#include "banned.h"

/* Seconds in unit `c`, and its place in the order h, m, s; 0 for no unit. */
static long duration_unit(size_t *place, char c)
{
	switch (c) {
	case 'h':
		*place = 0;
		return 3600;
	case 'm':
		*place = 1;
		return 60;
	case 's':
		*place = 2;
		return 1;
	default:
		return 0;
	}
}

int sp_duration_parse(long *out, const char *s, size_t len, unsigned flags,
                      long max)
{
	unsigned long long cap = max > 0 ? (unsigned long long)max : 0;
	long total = 0;
	size_t i = 0, units = 0, next = 0, place = 0;
	int big = 0;

	if (!len)
		goto bad;
	while (i < len) {
		unsigned long long v = 0;
		size_t digits = 0;
		long scale;

		/* Saturates past `max`: the syntax is checked to the end. */
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
			if (v <= cap)
				v = v * 10 + (unsigned)(s[i] - '0');
		if (!digits)
			goto bad;
		if (i == len) {
			if (units || !(flags & SP_DURATION_SECONDS))
				goto bad; /* "1h30": the unit of 30 is missing
				           */
			scale = 1;
		} else {
			if (!(scale = duration_unit(&place, s[i])))
				goto bad;
			if ((flags & SP_DURATION_ORDERED) && place < next)
				goto bad;
			next = place + 1;
			i++;
		}
		units++;
		if (v > cap / (unsigned long long)scale ||
		    (unsigned long long)total >
		        cap - v * (unsigned long long)scale)
			big = 1;
		else
			total += (long)v * scale;
	}
	if (big)
		return sp_error_set(SP_ETOOBIG,
		                    "'%.*s' is longer than %ld seconds",
		                    (int)len, s, max);
	*out = total;
	return 0;
bad:
	return sp_error_set(SP_EINVALID,
	                    "'%.*s' is not a duration (e.g. 90s, 30m, 1h, "
	                    "1h30m)",
	                    (int)len, s);
}
