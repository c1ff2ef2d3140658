/* The one owner of libcurl's process-wide set-up, for every module that
 * speaks HTTP (engine, probe, webhook). */
#ifndef SP_HTTP_H
#define SP_HTTP_H

/*
 * Run curl_global_init once per process, whichever thread comes first
 * (pthread_once); later calls return the first one's result. Call it before
 * any other libcurl call. Returns 0, or SP_ERROR when libcurl cannot start
 * (the message names libcurl's reason).
 */
int sp_http_global_init(void);

#endif
