/* The health probe over libcurl. */
#include "probe.h"

#include <curl/curl.h>

#include "banned.h"
#include "error.h"
#include "http.h"

static size_t probe_discard(char *data, size_t size, size_t n, void *payload)
{
	return size * n;
}

int sp_probe_http(long *status, const char *url, long timeout_ms)
{
	CURL *curl;
	CURLcode rc;
	long code = 0;
	int error;

	if ((error = sp_http_global_init()) < 0)
		return error;
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
