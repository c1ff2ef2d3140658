/* The health probe: does an HTTP server answer at a URL (any status counts)? */
#ifndef SP_PROBE_H
#define SP_PROBE_H

/*
 * One GET of `url` with a timeout in milliseconds. Returns 0 and the HTTP
 * status in `*status` when a server answered with any status;
 * SP_EUNREACHABLE when nothing answered (refused, reset, timed out).
 */
int sp_probe_http(long *status, const char *url, long timeout_ms);

#endif
