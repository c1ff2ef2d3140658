/* Tests of SHA-256 and HMAC-SHA256 against the NIST and RFC 4231 vectors. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sha256.h"

/* Hex of a digest (or its first `len` bytes). */
static void hex_of(sp_buf *out, const unsigned char *digest, size_t len)
{
	sp_buf_clear(out);
	ck_assert_int_eq(sp_sha256_hex(out, digest, len), 0);
}

/* FIPS 180-4 examples (NIST CSRC) and padding boundaries. */
static const struct {
	const char *text;
	size_t repeat; /* text is this many 'a' when nonzero */
	const char *digest;
} digest_cases[] = {
    {"", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", 0,
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
     0, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    {NULL, 55,
     "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
    {NULL, 56,
     "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
    {NULL, 63,
     "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
    {NULL, 64,
     "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
    {NULL, 65,
     "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
    {NULL, 119,
     "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
    {NULL, 120,
     "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    {NULL, 1000000,
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};

START_TEST(test_digest_vectors)
{
	unsigned char digest[SP_SHA256_SIZE];
	sp_buf hex = SP_BUF_INIT;
	char *data = NULL;
	size_t len;

	if (digest_cases[_i].text) {
		len = strlen(digest_cases[_i].text);
		data = strdup(digest_cases[_i].text);
	} else {
		len = digest_cases[_i].repeat;
		data = malloc(len);
		memset(data, 'a', len);
	}
	sp_sha256_digest(digest, data, len);
	hex_of(&hex, digest, sizeof(digest));
	ck_assert_str_eq(hex.ptr, digest_cases[_i].digest);
	free(data);
	sp_buf_dispose(&hex);
}
END_TEST

/* Feeding the same bytes in any split gives the one-shot digest. */
START_TEST(test_incremental_splits)
{
	unsigned char whole[SP_SHA256_SIZE], parts[SP_SHA256_SIZE];
	unsigned char data[300];
	size_t len, cut, i;
	sp_sha256 ctx;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	for (len = 0; len <= sizeof(data); len += 13) {
		sp_sha256_digest(whole, data, len);
		for (cut = 0; cut <= len; cut++) {
			sp_sha256_init(&ctx);
			sp_sha256_update(&ctx, data, cut);
			sp_sha256_update(&ctx, data + cut, 0);
			sp_sha256_update(&ctx, data + cut, len - cut);
			sp_sha256_final(parts, &ctx);
			ck_assert_mem_eq(whole, parts, SP_SHA256_SIZE);
		}
	}
	/* One byte at a time across a million bytes. */
	sp_sha256_init(&ctx);
	for (i = 0; i < 1000000; i++)
		sp_sha256_update(&ctx, "a", 1);
	sp_sha256_final(parts, &ctx);
	{
		sp_buf hex = SP_BUF_INIT;

		hex_of(&hex, parts, sizeof(parts));
		ck_assert_str_eq(hex.ptr, "cdc76e5c9914fb9281a1c7e284d73e67f180"
		                          "9a48a497200e046d39ccc7112cd0");
		sp_buf_dispose(&hex);
	}
}
END_TEST

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
};

START_TEST(test_hmac_vectors)
{
	unsigned char key[200], data[200], mac[SP_SHA256_SIZE];
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
	sp_sha256_hmac(mac, key, key_len, data, data_len);
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
	ck_assert_int_eq(sp_sha256_hex(&out, bytes, sizeof(bytes)), 0);
	ck_assert_str_eq(out.ptr, "x=000fa5ff");
	ck_assert_int_eq(sp_sha256_hex(&out, bytes, 0), 0);
	ck_assert_str_eq(out.ptr, "x=000fa5ff");
	sp_buf_dispose(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sha256");
	TCase *digest = tcase_create("digest"), *hmac = tcase_create("hmac");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(digest, test_digest_vectors, 0,
	                    sizeof(digest_cases) / sizeof(digest_cases[0]));
	tcase_add_test(digest, test_incremental_splits);
	tcase_add_test(digest, test_hex_appends);
	tcase_add_loop_test(hmac, test_hmac_vectors, 0,
	                    sizeof(hmac_cases) / sizeof(hmac_cases[0]));
	suite_add_tcase(s, digest);
	suite_add_tcase(s, hmac);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
