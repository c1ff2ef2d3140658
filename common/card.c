/* The card of a Space (title, emoji, colors, description) as card.json, for
 * the list of Spaces that `spacehook serve` shows. */
#include "card.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "error.h"

#define CARD_FILE "card.json"
#define CARD_MAX (64 * 1024)

/* The fields of a card: JSON key and offset in sp_card. */
#define CARD_FIELDS(X)                                                         \
	X("title", title)                                                      \
	X("emoji", emoji)                                                      \
	X("colorFrom", color_from)                                             \
	X("colorTo", color_to)                                                 \
	X("short_description", short_description)                              \
	X("base_path", base_path)                                              \
	X("sdk", sdk)

int sp_card_save(sp_store *store, const sp_spaceconfig *config)
{
	cJSON *json = cJSON_CreateObject();
	char *text = NULL;
	int error;

	if (!json)
		sp_die_oom(0);
#define CARD_PUT(key, field)                                                   \
	if (config->field &&                                                   \
	    !cJSON_AddStringToObject(json, key, config->field))                \
		sp_die_oom(0);
	CARD_FIELDS(CARD_PUT)
#undef CARD_PUT
	if (!(text = cJSON_PrintUnformatted(json)))
		sp_die_oom(0);
	error = sp_store_writeat(store, CARD_FILE, text, strlen(text), 0600);
	cJSON_free(text);
	cJSON_Delete(json);
	return error;
}

int sp_card_load(sp_card *out, sp_store *store)
{
	sp_buf text = SP_BUF_INIT;
	cJSON *json = NULL;
	const cJSON *item;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = sp_store_readat(&text, store, CARD_FILE, CARD_MAX)) < 0) {
		if (error == SP_ENOTFOUND) {
			sp_error_clear();
			error = 0;
		}
		goto done;
	}
	json = cJSON_ParseWithLength(text.ptr, text.size);
	if (!cJSON_IsObject(json)) {
		error = sp_error_set(SP_EINVALID,
		                     "card.json of '%s' is damaged; fix: push "
		                     "again or remove %s/card.json",
		                     sp_store_space(store)->id,
		                     sp_store_dir(store));
		goto done;
	}
#define CARD_GET(key, field)                                                   \
	item = cJSON_GetObjectItemCaseSensitive(json, key);                    \
	if (cJSON_IsString(item))                                              \
		out->field = sp_strdup(item->valuestring);
	CARD_FIELDS(CARD_GET)
#undef CARD_GET
done:
	cJSON_Delete(json);
	sp_buf_dispose(&text);
	return error;
}

void sp_card_dispose(sp_card *card)
{
#define CARD_FREE(key, field)                                                  \
	free(card->field);                                                     \
	card->field = NULL;
	CARD_FIELDS(CARD_FREE)
#undef CARD_FREE
}
