/* What the list of Spaces shows of a Space: its card, saved at each deploy. */
#ifndef SP_CARD_H
#define SP_CARD_H

#include "spaceconfig.h"
#include "store.h"

/*
 * The card of a Space, from its README.md config (card.json in the Space's
 * directory). Strings are owned by the struct; NULL when the config has none.
 */
typedef struct {
	char *title;             /* title */
	char *emoji;             /* emoji */
	char *color_from;        /* colorFrom, one of Hugging Face's names */
	char *color_to;          /* colorTo */
	char *short_description; /* short_description */
	char *base_path;         /* base_path: where its landing link points */
	char *sdk;               /* sdk */
} sp_card;

/*
 * Save the card of `config` as card.json in the Space's directory (written
 * whole, 0600). Returns 0 or the store's error.
 */
int sp_card_save(sp_store *store, const sp_spaceconfig *config);

/*
 * Load the Space's card into `out` (the caller disposes it). No card yet:
 * `out` zeroed and 0. A damaged card.json: SP_EINVALID naming it.
 */
int sp_card_load(sp_card *out, sp_store *store);

/* Release the strings of `card` (safe on a zeroed or disposed card). */
void sp_card_dispose(sp_card *card);

#endif
