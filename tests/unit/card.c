/* Tests of the card of a Space: saved from a README's config, loaded back,
 * absent and damaged cards. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "diag.h"
#include "error.h"
#include "spaceconfig.h"
#include "store.h"
#include "testlib.h"

static char state_dir[256];
static sp_store *store;

static void setup(void)
{
	store = sp_test_state_new(state_dir, sizeof(state_dir), "card",
	                          "alice/demo");
}

static void teardown(void)
{
	sp_test_state_free(store, state_dir);
	store = NULL;
}

static const struct {
	const char *what;
	const char *readme;
	const char *title, *emoji, *from, *to, *desc, *base, *sdk;
} save_cases[] = {
    {"every field",
     "---\ntitle: Demo <b>\nemoji: \"\xf0\x9f\x9a\x80\"\n"
     "colorFrom: red\ncolorTo: blue\nsdk: docker\n"
     "short_description: \"a \\\"quoted\\\" one\"\n"
     "base_path: /app\n---\n",
     "Demo <b>", "\xf0\x9f\x9a\x80", "red", "blue", "a \"quoted\" one", "/app",
     "docker"},
    {"only the sdk", "---\nsdk: docker\n---\n", NULL, NULL, NULL, NULL, NULL,
     NULL, "docker"},
};

static void expect_str(const char *got, const char *want)
{
	if (want)
		ck_assert_str_eq(got, want);
	else
		ck_assert_ptr_null(got);
}

START_TEST(test_save_load)
{
	sp_spaceconfig *config = NULL;
	sp_diag_list diags;
	sp_card card;
	const char *readme = save_cases[_i].readme;

	sp_diag_list_init(&diags);
	ck_assert_int_eq(
	    sp_spaceconfig_parse(&config, &diags, readme, strlen(readme)), 0);
	ck_assert_int_eq(sp_card_save(store, config), 0);
	ck_assert_int_eq(sp_card_load(&card, store), 0);
	expect_str(card.title, save_cases[_i].title);
	expect_str(card.emoji, save_cases[_i].emoji);
	expect_str(card.color_from, save_cases[_i].from);
	expect_str(card.color_to, save_cases[_i].to);
	expect_str(card.short_description, save_cases[_i].desc);
	expect_str(card.base_path, save_cases[_i].base);
	expect_str(card.sdk, save_cases[_i].sdk);
	sp_card_dispose(&card);
	sp_card_dispose(&card); /* twice is fine */
	sp_spaceconfig_free(config);
	sp_diag_list_dispose(&diags);
}
END_TEST

START_TEST(test_absent)
{
	sp_card card;

	memset(&card, 0xff, sizeof(card));
	ck_assert_int_eq(sp_card_load(&card, store), 0);
	ck_assert_ptr_null(card.title);
	ck_assert_ptr_null(card.sdk);
	sp_card_dispose(&card);
}
END_TEST

static const char *const damaged[] = {"not json", "[1,2]", "\"title\""};

START_TEST(test_damaged)
{
	sp_card card;

	ck_assert_int_eq(sp_store_writeat(store, "card.json", damaged[_i],
	                                  strlen(damaged[_i]), 0600),
	                 0);
	ck_assert_int_eq(sp_card_load(&card, store), SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "card.json"));
	ck_assert_ptr_null(card.title);
	sp_card_dispose(&card);
}
END_TEST

START_TEST(test_wrong_types)
{
	static const char text[] =
	    "{\"title\":7,\"emoji\":null,\"sdk\":\"docker\"}";
	sp_card card;

	ck_assert_int_eq(
	    sp_store_writeat(store, "card.json", text, strlen(text), 0600), 0);
	ck_assert_int_eq(sp_card_load(&card, store), 0);
	ck_assert_ptr_null(card.title);
	ck_assert_ptr_null(card.emoji);
	ck_assert_str_eq(card.sdk, "docker");
	sp_card_dispose(&card);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("card");
	TCase *save = tcase_create("save"), *load = tcase_create("load");

	tcase_add_checked_fixture(save, setup, teardown);
	tcase_add_loop_test(save, test_save_load, 0,
	                    (int)(sizeof(save_cases) / sizeof(save_cases[0])));
	suite_add_tcase(s, save);
	tcase_add_checked_fixture(load, setup, teardown);
	tcase_add_test(load, test_absent);
	tcase_add_loop_test(load, test_damaged, 0,
	                    (int)(sizeof(damaged) / sizeof(damaged[0])));
	tcase_add_test(load, test_wrong_types);
	suite_add_tcase(s, load);
	return sp_test_run(s);
}
