/* The health probe over libcurl. */
#include "probe.h"

#include <curl/curl.h>
#include <pthread.h>

#include "banned.h"
#include "error.h"

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static void probe_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t probe_discard(char *data, size_t size, size_t n, void *payload)
{
	return size * n;
}

int sp_probe_http(long *status, const char *url, long timeout_ms)
{
	CURL *curl;
	CURLcode rc;
	long code = 0;

	pthread_once(&probe_once, probe_global_init);
	if (!(curl = curl_easy_init()))
		return sp_error_set(SP_ENOMEM, "cannot start an HTTP client");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, probe_discard);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE, 1L << 20);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(curl);
	if (code > 0) {
		*status = code;
		return 0;
	}
	return sp_error_set(SP_EUNREACHABLE, "no answer at %s: %s", url,
	                    curl_easy_strerror(rc));
}
