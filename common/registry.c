/* The registry's own API over libcurl (see registry.h). */
#include "registry.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "banned.h"
#include "buf.h"
#include "error.h"
#include "http.h"

#define REGISTRY_TIMEOUT_MS 15000
#define REGISTRY_ANSWER_MAX (4u << 20)

static const char manifest_types[] =
    "Accept: application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.index.v1+json";

typedef struct {
	sp_buf body;
	sp_buf digest; /* Docker-Content-Digest */
} registry_answer;

static size_t registry_write(char *data, size_t size, size_t n, void *payload)
{
	registry_answer *a = payload;

	if (a->body.size + size * n > REGISTRY_ANSWER_MAX)
		return 0;
	sp_buf_put(&a->body, data, size * n);
	return size * n;
}

static size_t registry_header(char *data, size_t size, size_t n, void *payload)
{
	static const char name[] = "docker-content-digest:";
	registry_answer *a = payload;
	size_t len = size * n;

	if (len > sizeof(name) - 1 &&
	    !strncasecmp(data, name, sizeof(name) - 1)) {
		const char *v = data + sizeof(name) - 1;
		size_t vlen = len - (sizeof(name) - 1);

		while (vlen && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
		                v[vlen - 1] == ' '))
			vlen--;
		sp_buf_clear(&a->digest);
		sp_buf_put(&a->digest, v, vlen);
	}
	return len;
}

static int registry_loopback(const char *registry)
{
	return !strncmp(registry, "http://", 7) ||
	       !strncmp(registry, "127.", 4) ||
	       !strncmp(registry, "localhost", 9) ||
	       !strncmp(registry, "[::1]", 5);
}

/* One request; the status goes to `*status`. */
static int registry_call(long *status, registry_answer *a, const char *method,
                         const char *registry, const char *path,
                         const char *accept, const char *auth)
{
	struct curl_slist *headers = NULL;
	cJSON *creds = NULL;
	sp_buf url = SP_BUF_INIT;
	CURL *curl = NULL;
	CURLcode rc;
	int error, plain = registry_loopback(registry);

	*status = 0;
	if ((error = sp_http_global_init()) < 0)
		return error;
	if (!(curl = curl_easy_init()))
		return sp_error_set(SP_ENOMEM, "cannot start an HTTP client");
	if (!strncmp(registry, "http://", 7))
		registry += 7;
	sp_buf_printf(&url, "%s://%s%s", plain ? "http" : "https", registry,
	              path);
	curl_easy_setopt(curl, CURLOPT_URL, url.ptr);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)REGISTRY_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, registry_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, registry_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, a);
	if (accept)
		headers = curl_slist_append(headers, accept);
	if (headers)
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	if (auth && (creds = cJSON_Parse(auth))) {
		const cJSON *u =
		    cJSON_GetObjectItemCaseSensitive(creds, "username");
		const cJSON *p =
		    cJSON_GetObjectItemCaseSensitive(creds, "password");

		if (cJSON_IsString(u) && cJSON_IsString(p)) {
			curl_easy_setopt(curl, CURLOPT_HTTPAUTH,
			                 (long)CURLAUTH_BASIC);
			curl_easy_setopt(curl, CURLOPT_USERNAME,
			                 u->valuestring);
			curl_easy_setopt(curl, CURLOPT_PASSWORD,
			                 p->valuestring);
		}
	}
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	if (rc != CURLE_OK && *status == 0)
		error = sp_error_set(SP_EUNREACHABLE,
		                     "the registry %s does not answer: %s",
		                     registry, curl_easy_strerror(rc));
	cJSON_Delete(creds);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	sp_buf_dispose(&url);
	return error;
}

int sp_registry_tags(sp_strvec *out, const char *registry, const char *repo,
                     const char *auth)
{
	registry_answer a = {SP_BUF_INIT, SP_BUF_INIT};
	sp_buf path = SP_BUF_INIT;
	cJSON *json = NULL, *tag;
	long status;
	int error;

	sp_buf_printf(&path, "/v2/%s/tags/list", repo);
	if ((error = registry_call(&status, &a, "GET", registry, path.ptr, NULL,
	                           auth)) < 0)
		goto done;
	if (status == 404)
		goto done;
	if (status != 200 ||
	    !(json = cJSON_ParseWithLength(a.body.ptr, a.body.size))) {
		error = sp_error_set(SP_EENGINE,
		                     "the registry %s answered %ld to the tags "
		                     "of %s",
		                     registry, status, repo);
		goto done;
	}
	cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(json, "tags"))
	{
		if (cJSON_IsString(tag))
			sp_strvec_push(out, tag->valuestring);
	}
done:
	cJSON_Delete(json);
	sp_buf_dispose(&a.body);
	sp_buf_dispose(&a.digest);
	sp_buf_dispose(&path);
	return error;
}

int sp_registry_delete(const char *registry, const char *repo, const char *tag,
                       const char *auth)
{
	return sp_registry_delete_digest(NULL, registry, repo, tag, auth);
}

int sp_registry_delete_digest(sp_buf *digest, const char *registry,
                              const char *repo, const char *tag,
                              const char *auth)
{
	registry_answer a = {SP_BUF_INIT, SP_BUF_INIT};
	sp_buf path = SP_BUF_INIT;
	long status;
	int error;

	if (digest)
		sp_buf_clear(digest);
	sp_buf_printf(&path, "/v2/%s/manifests/%s", repo, tag);
	if ((error = registry_call(&status, &a, "HEAD", registry, path.ptr,
	                           manifest_types, auth)) < 0)
		goto done;
	if (status == 404)
		goto done;
	if (status != 200 ||
	    strncmp(a.digest.ptr ? a.digest.ptr : "", "sha256:", 7)) {
		error = sp_error_set(SP_EENGINE,
		                     "the registry %s answered %ld for %s:%s",
		                     registry, status, repo, tag);
		goto done;
	}
	if (digest)
		sp_buf_sets(digest, a.digest.ptr);
	sp_buf_clear(&path);
	sp_buf_printf(&path, "/v2/%s/manifests/%s", repo, a.digest.ptr);
	if ((error = registry_call(&status, &a, "DELETE", registry, path.ptr,
	                           NULL, auth)) < 0)
		goto done;
	if (status != 202 && status != 404)
		error = sp_error_set(SP_EENGINE,
		                     "the registry %s refused to delete %s:%s "
		                     "(%ld; is delete enabled in its "
		                     "configuration?)",
		                     registry, repo, tag, status);
done:
	sp_buf_dispose(&a.body);
	sp_buf_dispose(&a.digest);
	sp_buf_dispose(&path);
	return error;
}
