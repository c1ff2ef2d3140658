/* libcurl's global set-up, done once for the whole process. */
#include "http.h"

#include <curl/curl.h>
#include <pthread.h>

#include "banned.h"
#include "error.h"

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static CURLcode http_init_result;

static void http_global_init_once(void)
{
	http_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int sp_http_global_init(void)
{
	pthread_once(&http_once, http_global_init_once);
	if (http_init_result != CURLE_OK)
		return sp_error_set(SP_ERROR, "cannot initialise libcurl: %s",
		                    curl_easy_strerror(http_init_result));
	return 0;
}
