/* Tests of HMAC-SHA256 against the RFC 4231 vectors, and of its hex. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hmac.h"
#include "testlib.h"

/* Hex of a MAC (or its first `len` bytes). */
static void hex_of(sp_buf *out, const unsigned char *mac, size_t len)
{
	sp_buf_clear(out);
	sp_hmac_hex(out, mac, len);
	ck_assert_uint_eq(out->size, 2 * len);
}

/* RFC 4231 test cases 1 to 7 (case 5 compares the first 128 bits, as the RFC
 * does). */
static const struct {
	unsigned char
	    key_byte; /* key is key_len times this byte; 0: bytes 1..key_len */
	size_t key_len;
	const char *key_text; /* used instead when set */
	unsigned char data_byte;
	size_t data_len;
	const char *data_text; /* used instead when set */
	size_t compare;        /* bytes of the MAC compared */
	const char *mac;
} hmac_cases[] = {
    {0x0b, 20, NULL, 0, 0, "Hi There", 32,
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {0, 0, "Jefe", 0, 0, "what do ya want for nothing?", 32,
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {0xaa, 20, NULL, 0xdd, 50, NULL, 32,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {0, 25, NULL, 0xcd, 50, NULL, 32,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    {0x0c, 20, NULL, 0, 0, "Test With Truncation", 16,
     "a3b6167473100ee06e0c796c2955552b"},
    {0xaa, 131, NULL, 0, 0,
     "Test Using Larger Than Block-Size Key - Hash Key First", 32,
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    {0xaa, 131, NULL, 0, 0,
     "This is a test using a larger than block-size key and a larger than "
     "block-size data. The key needs to be hashed before being used by the "
     "HMAC algorithm.",
     32, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    /* Not in the RFC: an empty key and an empty message. */
    {0, 0, "", 0, 0, "", 32,
     "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"},
};

START_TEST(test_hmac_vectors)
{
	unsigned char key[200], data[200], mac[SP_HMAC_SHA256_SIZE];
	size_t key_len, data_len, i;
	sp_buf hex = SP_BUF_INIT;

	if (hmac_cases[_i].key_text) {
		key_len = strlen(hmac_cases[_i].key_text);
		memcpy(key, hmac_cases[_i].key_text, key_len);
	} else {
		key_len = hmac_cases[_i].key_len;
		for (i = 0; i < key_len; i++)
			key[i] = hmac_cases[_i].key_byte
			             ? hmac_cases[_i].key_byte
			             : (unsigned char)(i + 1);
	}
	if (hmac_cases[_i].data_text) {
		data_len = strlen(hmac_cases[_i].data_text);
		memcpy(data, hmac_cases[_i].data_text, data_len);
	} else {
		data_len = hmac_cases[_i].data_len;
		memset(data, hmac_cases[_i].data_byte, data_len);
	}
	ck_assert_int_eq(sp_hmac_sha256(mac, key, key_len, data, data_len), 0);
	hex_of(&hex, mac, hmac_cases[_i].compare);
	ck_assert_str_eq(hex.ptr, hmac_cases[_i].mac);
	sp_buf_dispose(&hex);
}
END_TEST

START_TEST(test_hex_appends)
{
	static const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
	sp_buf out = SP_BUF_INIT;

	sp_buf_puts(&out, "x=");
	sp_hmac_hex(&out, bytes, sizeof(bytes));
	ck_assert_str_eq(out.ptr, "x=000fa5ff");
	sp_hmac_hex(&out, bytes, 0);
	ck_assert_str_eq(out.ptr, "x=000fa5ff");
	sp_buf_dispose(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hmac");
	TCase *hex = tcase_create("hex"), *hmac = tcase_create("hmac");

	tcase_add_test(hex, test_hex_appends);
	tcase_add_loop_test(hmac, test_hmac_vectors, 0,
	                    sizeof(hmac_cases) / sizeof(hmac_cases[0]));
	suite_add_tcase(s, hex);
	suite_add_tcase(s, hmac);
	return sp_test_run(s);
}
