/* Tests of the Space config validator: every key's rule, YAML edge cases,
 * bounds, exact messages. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "licenses.h"
#include "spaceconfig.h"
#include "testlib.h"

#define BYTES(s) s, sizeof(s) - 1

/* Parse README bytes; the rendered diagnostics go to `text`. */
static int parse(sp_spaceconfig **config, sp_buf *text, const char *data,
                 size_t size)
{
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	int rc;

	rc = sp_spaceconfig_parse(config, &diags, data, size);
	sp_buf_clear(text);
	sp_diag_render(text, &diags, "README.md");
	if (rc == 0)
		ck_assert_uint_eq(diags.errors, 0);
	else
		ck_assert_uint_gt(diags.errors, 0);
	sp_diag_list_dispose(&diags);
	return rc;
}

/*
 * Each key's values, after "---\nsdk: docker\n" (so line 3 is the first
 * line of `yaml`). `expect` is the whole rendered output: "" for none. A
 * case passes (rc 0) exactly when `expect` has no error.
 */
static const struct {
	const char *yaml;
	const char *expect;
} key_cases[] = {
    /* title, free text */
    {"title: My Space\n", ""},
    {"title: 2048\n", ""},
    {"title: \"a\\0b\"\n", "README.md:3:8: error: \"title\" must not hold "
                           "control characters (got \"a\\x00b\")\n"},
    {"title: [a]\n", "README.md:3:8: error: \"title\" must be a string "
                     "(got a list)\n"},
    {"title:\n", "README.md:3:7: warning: \"title\" has no value (ignored)\n"},
    /* emoji */
    {"emoji: \xf0\x9f\x9a\x80\n", ""},                 /* rocket */
    {"emoji: \xe2\x9d\xa4\xef\xb8\x8f\n", ""},         /* heart + VS16 */
    {"emoji: \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd\n", ""}, /* thumbs up, tone */
    {"emoji: \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb\n", ""}, /* ZWJ */
    {"emoji: \xf0\x9f\x87\xab\xf0\x9f\x87\xb7\n", ""},             /* flag FR */
    {"emoji: \"1\xef\xb8\x8f\xe2\x83\xa3\"\n", ""}, /* keycap 1 */
    {"emoji: \xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81"
     "\xb3\xf3\xa0\x81\xa3\xf3\xa0\x81\xb4\xf3\xa0\x81\xbf\n",
     ""}, /* Scotland */
    {"emoji: rocket\n", "README.md:3:8: error: \"emoji\" must be a single "
                        "emoji (got \"rocket\")\n"},
    {"emoji: \xf0\x9f\x9a\x80\xf0\x9f\x9a\x80\n",
     "README.md:3:8: error: "
     "\"emoji\" must be a single emoji (got \"\xf0\x9f\x9a\x80\xf0\x9f\x9a"
     "\x80\")\n"},
    {"emoji: 1\n", "README.md:3:8: error: \"emoji\" must be a single emoji "
                   "(got \"1\")\n"},
    {"emoji: \xf0\x9f\x87\xab\n",
     "README.md:3:8: error: \"emoji\" must be "
     "a single emoji (got \"\xf0\x9f\x87\xab\")\n"}, /* half a flag */
    {"emoji: \xe2\x80\x8d\n",
     "README.md:3:8: error: \"emoji\" must be a "
     "single emoji (got \"\xe2\x80\x8d\")\n"}, /* lone ZWJ */
    /* colors */
    {"colorFrom: red\ncolorTo: gray\n", ""},
    {"colorTo: orange\n",
     "README.md:3:10: error: \"colorTo\" must be one of "
     "[red, yellow, green, blue, indigo, purple, pink, gray] (got "
     "\"orange\")\n"},
    {"colorFrom: Red\n",
     "README.md:3:12: error: \"colorFrom\" must be one "
     "of [red, yellow, green, blue, indigo, purple, pink, gray] (got "
     "\"Red\")\n"},
    /* app_port */
    {"app_port: 8000\n", ""},
    {"app_port: 65535\n", ""},
    {"app_port: 1025\n", ""},
    {"app_port: 1024\n",
     "README.md:3:11: warning: \"app_port\" 1024 is below 1025, the "
     "lowest port Hugging Face is reported to accept; use 7860 or another "
     "port from 1025\n"},
    {"app_port: 1023\n",
     "README.md:3:11: warning: \"app_port\" 1023 is below "
     "1024: the app runs as uid 1000, which may not listen there (Hugging "
     "Face is reported to require 1025 or more)\n"},
    {"app_port: \"1024\"\n",
     "README.md:3:11: warning: \"app_port\" should be an integer, not the "
     "string \"1024\"; read as 1024\n"
     "README.md:3:11: warning: \"app_port\" 1024 is below 1025, the "
     "lowest port Hugging Face is reported to accept; use 7860 or another "
     "port from 1025\n"},
    {"app_port: http\n", "README.md:3:11: error: \"app_port\" must be an "
                         "integer from 1 to 65535 (got \"http\")\n"},
    {"app_port: 0\n", "README.md:3:11: error: \"app_port\" must be an "
                      "integer from 1 to 65535 (got \"0\")\n"},
    {"app_port: 65536\n", "README.md:3:11: error: \"app_port\" must be an "
                          "integer from 1 to 65535 (got \"65536\")\n"},
    {"app_port: -1\n", "README.md:3:11: error: \"app_port\" must be an "
                       "integer from 1 to 65535 (got \"-1\")\n"},
    {"app_port: 99999999999999999999999999\n",
     "README.md:3:11: error: "
     "\"app_port\" must be an integer from 1 to 65535 (got "
     "\"99999999999999999999999999\")\n"},
    {"app_port: 8000.5\n", "README.md:3:11: error: \"app_port\" must be an "
                           "integer from 1 to 65535 (got \"8000.5\")\n"},
    {"app_port: \"http\"\n", "README.md:3:11: error: \"app_port\" must be "
                             "an integer from 1 to 65535 (got \"http\")\n"},
    {"app_port: 80\n",
     "README.md:3:11: warning: \"app_port\" 80 is below "
     "1024: the app runs as uid 1000, which may not listen there (Hugging "
     "Face is reported to require 1025 or more)\n"},
    {"app_port: \"8000\"\n",
     "README.md:3:11: warning: \"app_port\" should "
     "be an integer, not the string \"8000\"; read as 8000\n"},
    /* short_description */
    {"short_description: A demo\n", ""},
    {"short_description: [a]\n",
     "README.md:3:20: error: "
     "\"short_description\" must be a string (got a list)\n"},
    /* startup_duration_timeout */
    {"startup_duration_timeout: 30m\n", ""},
    {"startup_duration_timeout: 1h\n", ""},
    {"startup_duration_timeout: 90s\n", ""},
    {"startup_duration_timeout: 1h30m\n", ""},
    {"startup_duration_timeout: 0s\n",
     "README.md:3:27: error: "
     "\"startup_duration_timeout\" must be above zero (got \"0s\")\n"},
    {"startup_duration_timeout: 1800\n",
     "README.md:3:27: error: "
     "\"startup_duration_timeout\" must be a duration such as 30m, 1h, 90s "
     "or 1h30m (got \"1800\", a number without a unit)\n"},
    {"startup_duration_timeout: 30 minutes\n",
     "README.md:3:27: error: "
     "\"startup_duration_timeout\" must be a duration such as 30m, 1h, 90s "
     "or 1h30m (got \"30 minutes\")\n"},
    {"startup_duration_timeout: 30m1h\n",
     "README.md:3:27: error: "
     "\"startup_duration_timeout\" must be a duration such as 30m, 1h, 90s "
     "or 1h30m (got \"30m1h\")\n"},
    {"startup_duration_timeout: 2d\n",
     "README.md:3:27: error: "
     "\"startup_duration_timeout\" must be a duration such as 30m, 1h, 90s "
     "or 1h30m (got \"2d\")\n"},
    {"startup_duration_timeout: 99999999999999999999h\n",
     "README.md:3:27: "
     "error: \"startup_duration_timeout\" must be at most 8760h (got "
     "\"99999999999999999999h\")\n"},
    /* suggested_hardware, suggested_storage, header */
    {"suggested_hardware: t4-small\nsuggested_storage: large\n", ""},
    {"suggested_hardware: h100\n",
     "README.md:3:21: error: "
     "\"suggested_hardware\" must be one of [cpu-basic, cpu-upgrade, "
     "cpu-performance, cpu-xl, sprx8, zero-a10g, inf2x6, t4-small, "
     "t4-medium, l4x1, l4x4, l40sx1, l40sx4, l40sx8, a10g-small, "
     "a10g-large, a10g-largex2, a10g-largex4, a100-large, a100x4, a100x8] "
     "(got \"h100\")\n"},
    {"suggested_hardware: cpu-xl\n", ""},
    {"suggested_hardware: cpu-performance\n", ""},
    {"suggested_hardware: sprx8\n", ""},
    {"suggested_hardware: inf2x6\n", ""},
    {"suggested_hardware: zero-a10g\n", ""},
    {"suggested_hardware: a100x8\n", ""},
    {"suggested_storage: huge\n",
     "README.md:3:20: error: "
     "\"suggested_storage\" must be one of [small, medium, large] (got "
     "\"huge\")\n"},
    {"header: mini\n", ""},
    {"header: big\n", "README.md:3:9: error: \"header\" must be one of "
                      "[mini, default] (got \"big\")\n"},
    /* booleans */
    {"pinned: true\nfullWidth: false\ndisable_embedding: True\n"
     "hf_oauth: FALSE\n",
     ""},
    {"pinned: yes\n", "README.md:3:9: error: \"pinned\" must be true or "
                      "false (got \"yes\")\n"},
    {"fullWidth: \"true\"\n", "README.md:3:12: error: \"fullWidth\" must be "
                              "true or false (got \"true\")\n"},
    {"hf_oauth: 1\n", "README.md:3:11: error: \"hf_oauth\" must be true or "
                      "false (got \"1\")\n"},
    /* base_path, thumbnail */
    {"base_path: /app\n", ""},
    {"base_path: app\n", "README.md:3:12: error: \"base_path\" must start "
                         "with \"/\" (got \"app\")\n"},
    {"thumbnail: https://example.com/a.png\n", ""},
    {"thumbnail: HTTP://example.com\n", ""},
    {"thumbnail: ftp://example.com/a.png\n",
     "README.md:3:12: error: "
     "\"thumbnail\" must be an http:// or https:// URL (got "
     "\"ftp://example.com/a.png\")\n"},
    {"thumbnail: https://\n",
     "README.md:3:12: error: \"thumbnail\" must be "
     "an http:// or https:// URL (got \"https://\")\n"},
    /* versions and other text */
    {"python_version: \"3.10\"\nsdk_version: 4.36.1\napp_file: app.py\n"
     "app_build_command: npm run build\nduplicated_from: a/b\n",
     ""},
    {"python_version: 3.12\n", ""},
    {"python_version: 3.10\n",
     "README.md:3:17: warning: \"python_version\" "
     "3.10 is a number, which YAML readers take as 3.1; quote it: "
     "\"3.10\"\n"},
    {"python_version: [3]\n", "README.md:3:17: error: \"python_version\" "
                              "must be a string (got a list)\n"},
    /* lists of strings */
    {"models: [gpt2, a/b]\ndatasets:\n  - x/y\ntags: [demo]\n", ""},
    {"tags: demo\n", "README.md:3:7: error: \"tags\" must be a list of "
                     "strings (got \"demo\")\n"},
    {"models:\n  - a\n  - [b]\n  -\n",
     "README.md:5:5: error: each item of "
     "\"models\" must be a string (got a list)\nREADME.md:6:4: error: each "
     "item of \"models\" must be a string (got nothing)\n"},
    {"datasets: {a: 1}\n", "README.md:3:11: error: \"datasets\" must be a "
                           "list of strings (got a mapping)\n"},
    /* license, hf_oauth_authorized_org: string or list */
    {"license: mit\n", ""},
    {"license: [mit, apache-2.0]\n", ""},
    {"hf_oauth_authorized_org: [a, b]\n", ""},
    {"license: {a: b}\n", "README.md:3:10: error: \"license\" must be a list "
                          "of strings or a string (got a mapping)\n"},
    /* license: Hugging Face's ids, a suggestion for near misses */
    {"license: apache-2.0\n", ""},
    {"license: llama3.1\n", ""},
    {"license: cc-by-nc-4.0\n", ""},
    {"license: eupl-1.2\n", ""},
    {"license: unknown\n", ""},
    {"license: [openrail, bsd-3-clause, cc0-1.0]\n", ""},
    {"license: MIT\n", "README.md:3:10: error: \"license\" must be one of "
                       "Hugging Face's license ids (got \"MIT\"; did you "
                       "mean \"mit\"?)\n"},
    {"license: apache2\n",
     "README.md:3:10: error: \"license\" must be one of "
     "Hugging Face's license ids (got \"apache2\"; did you mean "
     "\"apache-2.0\"?)\n"},
    {"license: Apache License 2.0\n",
     "README.md:3:10: error: \"license\" must be one of Hugging Face's "
     "license ids (got \"Apache License 2.0\"; did you mean "
     "\"apache-2.0\"?)\n"},
    {"license: gpl-3\n", "README.md:3:10: error: \"license\" must be one of "
                         "Hugging Face's license ids (got \"gpl-3\"; did "
                         "you mean \"gpl-3.0\"?)\n"},
    {"license: cc-by-nc-4\n",
     "README.md:3:10: error: \"license\" must be one of Hugging Face's "
     "license ids (got \"cc-by-nc-4\"; did you mean \"cc-by-nc-4.0\"?)\n"},
    {"license: bsd-3\n", "README.md:3:10: error: \"license\" must be one of "
                         "Hugging Face's license ids (got \"bsd-3\"; did "
                         "you mean \"bsd-3-clause\"?)\n"},
    {"license: GPLv3\n", "README.md:3:10: error: \"license\" must be one of "
                         "Hugging Face's license ids (got \"GPLv3\"; did "
                         "you mean \"gpl-3.0\"?)\n"},
    {"license: cc-by\n", "README.md:3:10: error: \"license\" must be one of "
                         "Hugging Face's license ids (got \"cc-by\"; did "
                         "you mean \"cc-by-4.0\"?)\n"},
    {"license: unlicensed\n",
     "README.md:3:10: error: \"license\" must be one of Hugging Face's "
     "license ids (got \"unlicensed\"; did you mean \"unlicense\"?)\n"},
    {"license: foo-bar\n",
     "README.md:3:10: error: \"license\" must be one of Hugging Face's "
     "license ids, such as mit, apache-2.0 or other (got \"foo-bar\"); see "
     "https://huggingface.co/docs/hub/repositories-licenses\n"},
    {"license: 2\n", "README.md:3:10: error: \"license\" must be one of "
                     "Hugging Face's license ids, such as mit, apache-2.0 or "
                     "other (got \"2\"); see "
                     "https://huggingface.co/docs/hub/"
                     "repositories-licenses\n"},
    {"license: [mit, not-a-license]\n",
     "README.md:3:16: error: each item of \"license\" must be one of Hugging "
     "Face's license ids, such as mit, apache-2.0 or other (got "
     "\"not-a-license\"); see "
     "https://huggingface.co/docs/hub/repositories-licenses\n"},
    {"license:\n  - Mit\n  - [a]\n",
     "README.md:4:5: error: each item of \"license\" must be one of Hugging "
     "Face's license ids (got \"Mit\"; did you mean \"mit\"?)\n"
     "README.md:5:5: error: each item of \"license\" must be a string (got "
     "a list)\n"},
    /* license: other wants license_name and license_link */
    {"license: other\nlicense_name: my-license-1.0\nlicense_link: LICENSE\n",
     ""},
    {"license: other\n",
     "README.md:3:10: warning: \"license\" is \"other\" but "
     "\"license_name\" is missing: add a short id for the license, such as "
     "\"license_name: my-license-1.0\"\n"
     "README.md:3:10: warning: \"license\" is \"other\" but "
     "\"license_link\" is missing: add the license's text as LICENSE and "
     "\"license_link: LICENSE\", or a URL\n"},
    {"license_link: https://example.com/l\nlicense: other\n",
     "README.md:4:10: warning: \"license\" is \"other\" but "
     "\"license_name\" is missing: add a short id for the license, such as "
     "\"license_name: my-license-1.0\"\n"},
    {"license: [mit, other]\nlicense_name: x\nlicense_link:\n",
     "README.md:3:16: warning: \"license\" is \"other\" but "
     "\"license_link\" is missing: add the license's text as LICENSE and "
     "\"license_link: LICENSE\", or a URL\n"
     "README.md:5:14: warning: \"license_link\" has no value (ignored)\n"},
    {"license: mit\nlicense_name: x\n", ""},
    {"license: other\ntitle: \"x\n",
     "README.md:5:1: error: invalid YAML: found unexpected end of stream "
     "(while scanning a quoted scalar at line 4)\n"},
    {"license_name: [a]\n", "README.md:3:15: error: \"license_name\" must "
                            "be a string (got a list)\n"},
    /* hf_oauth_scopes, hf_oauth_expiration_minutes */
    {"hf_oauth_scopes: [email, read-repos, openid, jobs]\n", ""},
    {"hf_oauth_scopes: [email, admin]\n",
     "README.md:3:26: error: each "
     "item of \"hf_oauth_scopes\" must be one of [openid, profile, email, "
     "read-billing, read-memberships, read-repos, gated-repos, "
     "contribute-repos, write-repos, manage-repos, read-collections, "
     "write-collections, inference-api, read-endpoints, write-endpoints, "
     "jobs, webhooks, write-discussions] (got \"admin\")\n"},
    {"hf_oauth_expiration_minutes: 43200\n", ""},
    {"hf_oauth_expiration_minutes: 43201\n",
     "README.md:3:30: error: "
     "\"hf_oauth_expiration_minutes\" must be an integer from 1 to 43200 "
     "(got \"43201\")\n"},
    {"hf_oauth_expiration_minutes: 0\n",
     "README.md:3:30: error: "
     "\"hf_oauth_expiration_minutes\" must be an integer from 1 to 43200 "
     "(got \"0\")\n"},
    /* custom_headers */
    {"custom_headers:\n  cross-origin-embedder-policy: require-corp\n"
     "  cross-origin-opener-policy: same-origin\n"
     "  cross-origin-resource-policy: cross-origin\n",
     ""},
    {"custom_headers:\n  Cross-Origin-Opener-Policy: same-origin\n",
     "README.md:4:3: error: \"custom_headers\" keys must be lowercase: "
     "write \"cross-origin-opener-policy\" (got "
     "\"Cross-Origin-Opener-Policy\")\n"},
    {"custom_headers:\n  x-frame-options: deny\n",
     "README.md:4:3: error: "
     "\"custom_headers\" keys must be one of [cross-origin-embedder-policy, "
     "cross-origin-opener-policy, cross-origin-resource-policy] (got "
     "\"x-frame-options\")\n"},
    {"custom_headers:\n  cross-origin-embedder-policy: Require-Corp\n",
     "README.md:4:33: error: \"custom_headers\" cross-origin-embedder-policy "
     "must be one of [unsafe-none, require-corp, credentialless] (got "
     "\"Require-Corp\")\n"},
    {"custom_headers: [a]\n",
     "README.md:3:17: error: \"custom_headers\" "
     "must be a mapping of header names to values (got a list)\n"},
    /* preload_from_hub */
    {"preload_from_hub:\n  - gpt2\n  - openai/whisper-large-v3\n"
     "  - warp-ai/w a/b.safetensors,c.json\n"
     "  - gpt2 config.json 11c5a3d5811f50298f278a704980280950aedb10\n",
     ""},
    {"preload_from_hub:\n  - a b c d\n",
     "README.md:4:5: error: each item "
     "of \"preload_from_hub\" must be \"repo\", \"repo file1,file2\" or "
     "\"repo file1,file2 commit\" (got \"a b c d\")\n"},
    {"preload_from_hub:\n  - a/b/c\n",
     "README.md:4:5: error: each item of "
     "\"preload_from_hub\" must be \"repo\", \"repo file1,file2\" or \"repo "
     "file1,file2 commit\" (got \"a/b/c\")\n"},
    {"preload_from_hub:\n  - a x,,y\n",
     "README.md:4:5: error: each item of "
     "\"preload_from_hub\" must be \"repo\", \"repo file1,file2\" or \"repo "
     "file1,file2 commit\" (got \"a x,,y\")\n"},
    {"preload_from_hub: gpt2\n",
     "README.md:3:19: error: "
     "\"preload_from_hub\" must be a list of strings (got \"gpt2\")\n"},
    /* unknown keys */
    {"language: en\n", "README.md:3:1: warning: unknown key \"language\"\n"},
    {"colour_from: red\n", "README.md:3:1: warning: unknown key "
                           "\"colour_from\" (did you mean \"colorFrom\"?)\n"},
    {"color_to: red\n", "README.md:3:1: warning: unknown key \"color_to\" "
                        "(did you mean \"colorTo\"?)\n"},
    {"full_width: true\n", "README.md:3:1: warning: unknown key "
                           "\"full_width\" (did you mean \"fullWidth\"?)\n"},
    {"appPort: 8000\n", "README.md:3:1: warning: unknown key \"appPort\" "
                        "(did you mean \"app_port\"?)\n"},
    {"sdk_verison: 1\n", "README.md:3:1: warning: unknown key "
                         "\"sdk_verison\" (did you mean \"sdk_version\"?)\n"},
    {"app_type: x\n", "README.md:3:1: warning: unknown key \"app_type\"\n"},
    {"license_nme: x\n", "README.md:3:1: warning: unknown key "
                         "\"license_nme\" (did you mean "
                         "\"license_name\"?)\n"},
    {"licenseLink: x\n", "README.md:3:1: warning: unknown key "
                         "\"licenseLink\" (did you mean "
                         "\"license_link\"?)\n"},
    {"\"a\\tb\": 1\n", "README.md:3:1: warning: unknown key \"a\\x09b\"\n"},
    {"[a]: 1\n", "README.md:3:1: warning: unknown key a list\n"},
    /* the whole mapping */
    {"title: a\ntitle: b\n", "README.md:4:1: error: duplicate key \"title\" "
                             "(first at line 3)\n"},
    {"sdk: docker\n", "README.md:3:1: error: duplicate key \"sdk\" (first "
                      "at line 2)\n"},
    {"x:\n  a: 1\n  a: 2\n",
     "README.md:3:1: warning: unknown key \"x\"\n"
     "README.md:5:3: error: duplicate key \"a\" (first at line 4)\n"},
    {"t: &t [a, b]\ntags: *t\n", "README.md:3:1: warning: unknown key "
                                 "\"t\"\n"},
    {"tags: *nope\n", "README.md:3:7: error: alias \"nope\" refers to no "
                      "anchor defined before it\n"},
    {"tags: &r [*r]\n", "README.md:3:11: error: alias \"r\" refers to no "
                        "anchor defined before it\n"},
    {"--- x\n", "README.md:3:1: error: the front matter must hold one YAML "
                "document; a second one starts here\n"},
    {"title: \"x\n",
     "README.md:4:1: error: invalid YAML: found unexpected "
     "end of stream (while scanning a quoted scalar at line 3)\n"},
    {"title: x\n\tpinned: true\n",
     "README.md:4:1: error: invalid YAML: "
     "found a tab character that violates indentation (while scanning a "
     "plain scalar at line 3)\n"},
    {"title: x\n  bad: indent\n",
     "README.md:4:6: error: invalid YAML: "
     "mapping values are not allowed in this context\n"},
    {"title: a\xff\n", "README.md:3:9: error: invalid YAML: invalid leading "
                       "UTF-8 octet (#xFF)\n"},
    {"title: \xc3\xa9\xff\n", "README.md:3:9: error: invalid YAML: invalid "
                              "leading UTF-8 octet (#xFF)\n"},
    {"title: a\x01\n", "README.md:3:9: error: invalid YAML: control "
                       "characters are not allowed (#x01)\n"},
    /* several problems in one run, sorted by position */
    {"colorTo: orange\ncolour_from: red\napp_port: http\n",
     "README.md:3:10: error: \"colorTo\" must be one of [red, yellow, green, "
     "blue, indigo, purple, pink, gray] (got \"orange\")\n"
     "README.md:4:1: warning: unknown key \"colour_from\" (did you mean "
     "\"colorFrom\"?)\n"
     "README.md:5:11: error: \"app_port\" must be an integer from 1 to 65535 "
     "(got \"http\")\n"},
};

START_TEST(test_key)
{
	sp_buf readme = SP_BUF_INIT, text = SP_BUF_INIT;
	sp_spaceconfig *config = NULL;
	int rc, want;

	sp_buf_puts(&readme, "---\nsdk: docker\n");
	sp_buf_puts(&readme, key_cases[_i].yaml);
	sp_buf_puts(&readme, "---\n# Demo\n");
	want = strstr(key_cases[_i].expect, ": error: ") ? SP_ECONFIG : 0;
	rc = parse(&config, &text, readme.ptr, readme.size);
	ck_assert_msg(!strcmp(text.ptr, key_cases[_i].expect),
	              "case %d:\n%s\ngot:\n%s\nwant:\n%s", _i, readme.ptr,
	              text.ptr, key_cases[_i].expect);
	ck_assert_int_eq(rc, want);
	if (want)
		ck_assert_ptr_null(config);
	else
		ck_assert_ptr_nonnull(config);
	sp_spaceconfig_free(config);
	sp_buf_dispose(&readme);
	sp_buf_dispose(&text);
}
END_TEST

/* Whole READMEs, byte for byte (NULs, BOM, CRLF, no block). */
static const struct {
	const char *name;
	const char *data;
	size_t size;
	const char *expect;
} readme_cases[] = {
    {"bom crlf",
     BYTES("\xef\xbb\xbf---\r\nsdk: docker\r\ncolorTo: orange"
           "\r\n---\r\n"),
     "README.md:3:10: error: \"colorTo\" must be one of [red, yellow, "
     "green, blue, indigo, purple, pink, gray] (got \"orange\")\n"},
    {"nul byte", BYTES("---\nsdk: docker\ntitle: a\0b\n---\n"),
     "README.md:3:9: error: invalid YAML: control characters are not "
     "allowed (#x00)\n"},
    {"no block", BYTES("# Demo\n"),
     "README.md:1:1: error: README.md has no YAML front matter: its first "
     "line must be '---', followed by the config (such as 'sdk: docker') "
     "and a closing line '---'\n"},
    {"unterminated", BYTES("---\nsdk: docker\n"),
     "README.md:1:1: error: the YAML front matter that starts here never "
     "ends: add a line '---' after the config\n"},
    {"empty", BYTES("---\n---\n"),
     "README.md:2:1: error: the YAML front "
     "matter is empty; it needs at least \"sdk: docker\"\n"},
    {"comments only", BYTES("---\n# nothing\n---\n"),
     "README.md:2:1: "
     "error: the YAML front matter is empty; it needs at least \"sdk: "
     "docker\"\n"},
    {"list", BYTES("---\n- sdk\n---\n"),
     "README.md:2:1: error: the YAML "
     "front matter must be a mapping of keys to values, such as \"sdk: "
     "docker\" (got a list)\n"},
    {"scalar", BYTES("---\nsdk docker\n---\n"),
     "README.md:2:1: error: the "
     "YAML front matter must be a mapping of keys to values, such as "
     "\"sdk: docker\" (got \"sdk docker\")\n"},
    {"no sdk", BYTES("---\ntitle: a\n---\n"),
     "README.md:1:1: error: "
     "missing required key \"sdk\" (this server serves \"sdk: docker\")\n"},
    {"sdk case", BYTES("---\nSDK: docker\n---\n"),
     "README.md:1:1: error: "
     "missing required key \"sdk\" (this server serves \"sdk: docker\")\n"
     "README.md:2:1: warning: unknown key \"SDK\" (did you mean "
     "\"sdk\"?)\n"},
    {"gradio", BYTES("---\nsdk: gradio\n---\n"),
     "README.md:2:6: error: "
     "\"sdk\" is \"gradio\", but this server serves only Docker Spaces "
     "(\"sdk: docker\" with a Dockerfile)\n"},
    {"static", BYTES("---\nsdk: static\n---\n"),
     "README.md:2:6: error: "
     "\"sdk\" is \"static\", but this server serves only Docker Spaces "
     "(\"sdk: docker\" with a Dockerfile)\n"},
    {"streamlit", BYTES("---\nsdk: streamlit\n---\n"),
     "README.md:2:6: "
     "error: \"sdk\" is \"streamlit\", but this server serves only Docker "
     "Spaces (\"sdk: docker\" with a Dockerfile)\n"},
    {"other sdk", BYTES("---\nsdk: flask\n---\n"),
     "README.md:2:6: error: "
     "\"sdk\" must be one of [docker, gradio, static, streamlit] (got "
     "\"flask\"); this server serves only \"docker\"\n"},
    {"null sdk", BYTES("---\nsdk:\n---\n"),
     "README.md:2:5: error: \"sdk\" "
     "must be one of [docker, gradio, static, streamlit] (got nothing); "
     "this server serves only \"docker\"\n"},
    {"flow mapping", BYTES("---\n{sdk: docker, app_port: 9}\n---\n"),
     "README.md:2:25: warning: \"app_port\" 9 is below 1024: the app runs "
     "as uid 1000, which may not listen there (Hugging Face is reported to "
     "require 1025 or more)\n"},
    /* the block as Hugging Face's regex finds it */
    {"leading blank lines",
     BYTES("\n\r\n---\nsdk: docker\ncolorTo: orange\n---\n"),
     "README.md:5:10: error: \"colorTo\" must be one of [red, yellow, "
     "green, blue, indigo, purple, pink, gray] (got \"orange\")\n"},
    {"empty line then config", BYTES("---\n---\nsdk: docker\n---\n# Demo\n"),
     ""},
    {"empty block, crlf", BYTES("---\r\n---\r\n# Demo\r\n"),
     "README.md:2:1: error: the YAML front matter is empty; it needs at "
     "least \"sdk: docker\"\n"},
    {"lone cr", BYTES("---\rsdk: docker\rcolorTo: orange\r---\r\n"),
     "README.md:3:10: error: \"colorTo\" must be one of [red, yellow, "
     "green, blue, indigo, purple, pink, gray] (got \"orange\")\n"},
    {"dots close", BYTES("---\nsdk: docker\n...\n# Demo\n"),
     "README.md:3:1: error: the YAML front matter closes with '...'; "
     "Hugging Face expects '---': write '---' on this line\n"},
    {"blanks after the opener", BYTES("--- \nsdk: docker\n---\n"),
     "README.md:1:4: error: the opening '---' is followed by spaces or "
     "tabs; Hugging Face expects exactly '---' on that line: remove them\n"},
    {"columns in characters",
     BYTES("---\nsdk: docker\ntitle: "
           "\xc3\xa9t\xc3\xa9\ncolorTo: [\xc3\xa9"
           "]\n---\n"),
     "README.md:4:10: error: \"colorTo\" must be one of [red, yellow, "
     "green, blue, indigo, purple, pink, gray] (got a list)\n"},
};

START_TEST(test_readme)
{
	sp_buf text = SP_BUF_INIT;
	sp_spaceconfig *config = NULL;
	int rc, want;

	want = strstr(readme_cases[_i].expect, ": error: ") ? SP_ECONFIG : 0;
	rc =
	    parse(&config, &text, readme_cases[_i].data, readme_cases[_i].size);
	ck_assert_msg(!strcmp(text.ptr, readme_cases[_i].expect),
	              "%s: got:\n%s\nwant:\n%s", readme_cases[_i].name,
	              text.ptr, readme_cases[_i].expect);
	ck_assert_int_eq(rc, want);
	sp_spaceconfig_free(config);
	sp_buf_dispose(&text);
}
END_TEST

/* The sdks a server serves (spacehook.sdks), through the parser's flags. */
static const struct {
	const char *name;
	unsigned flags;
	const char *data;
	size_t size;
	const char *expect;
} sdk_cases[] = {
    {"static served", SP_SPACECONFIG_STATIC, BYTES("---\nsdk: static\n---\n"),
     ""},
    {"static and its page", SP_SPACECONFIG_STATIC,
     BYTES("---\nsdk: static\napp_file: site/home.html\n---\n"), ""},
    {"docker still served", SP_SPACECONFIG_STATIC,
     BYTES("---\nsdk: docker\n---\n"), ""},
    {"static not served", 0, BYTES("---\nsdk: static\n---\n"),
     "README.md:2:6: error: "
     "\"sdk\" is \"static\", but this server serves only Docker Spaces "
     "(\"sdk: docker\" with a Dockerfile)\n"},
    {"gradio with static served", SP_SPACECONFIG_STATIC,
     BYTES("---\nsdk: gradio\n---\n"),
     "README.md:2:6: error: "
     "\"sdk\" is \"gradio\", but this server serves only Docker Spaces "
     "(\"sdk: docker\" with a Dockerfile)\n"},
    {"streamlit with static served", SP_SPACECONFIG_STATIC,
     BYTES("---\nsdk: streamlit\n---\n"),
     "README.md:2:6: "
     "error: \"sdk\" is \"streamlit\", but this server serves only Docker "
     "Spaces (\"sdk: docker\" with a Dockerfile)\n"},
    {"other sdk with static served", SP_SPACECONFIG_STATIC,
     BYTES("---\nsdk: flask\n---\n"),
     "README.md:2:6: error: "
     "\"sdk\" must be one of [docker, gradio, static, streamlit] (got "
     "\"flask\"); this server serves \"docker\" and \"static\"\n"},
    {"no sdk with static served", SP_SPACECONFIG_STATIC,
     BYTES("---\ntitle: a\n---\n"),
     "README.md:1:1: error: missing required key \"sdk\" (this server "
     "serves \"sdk: docker\" or \"sdk: static\")\n"},
    {"docker not served", SP_SPACECONFIG_STATIC | SP_SPACECONFIG_NO_DOCKER,
     BYTES("---\nsdk: docker\n---\n"),
     "README.md:2:6: error: \"sdk\" is \"docker\", but this server serves "
     "only static Spaces (\"sdk: static\" with an index.html)\n"},
    {"static alone", SP_SPACECONFIG_STATIC | SP_SPACECONFIG_NO_DOCKER,
     BYTES("---\nsdk: static\n---\n"), ""},
};

START_TEST(test_sdks)
{
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_buf text = SP_BUF_INIT;
	sp_spaceconfig *config = NULL;
	int rc, want;

	want = strstr(sdk_cases[_i].expect, ": error: ") ? SP_ECONFIG : 0;
	rc = sp_spaceconfig_parse_with(&config, &diags, sdk_cases[_i].data,
	                               sdk_cases[_i].size, sdk_cases[_i].flags);
	sp_diag_render(&text, &diags, "README.md");
	ck_assert_msg(!strcmp(text.ptr, sdk_cases[_i].expect),
	              "%s: got:\n%s\nwant:\n%s", sdk_cases[_i].name, text.ptr,
	              sdk_cases[_i].expect);
	ck_assert_int_eq(rc, want);
	ck_assert((config != NULL) == (rc == 0));
	sp_spaceconfig_free(config);
	sp_diag_list_dispose(&diags);
	sp_buf_dispose(&text);
}
END_TEST

/* app_file's position, for the error that its file is missing. */
START_TEST(test_app_file_position)
{
	static const char data[] = "---\nsdk: static\ntitle: x\n"
	                           "app_file:   pages/a.html\n---\n";
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_spaceconfig *config = NULL;

	ck_assert_int_eq(sp_spaceconfig_parse_with(&config, &diags, data,
	                                           sizeof(data) - 1,
	                                           SP_SPACECONFIG_STATIC),
	                 0);
	ck_assert_str_eq(config->sdk, "static");
	ck_assert_str_eq(config->app_file, "pages/a.html");
	ck_assert_uint_eq(config->app_file_line, 4);
	ck_assert_uint_eq(config->app_file_column, 13);
	ck_assert_uint_eq(config->sdk_line, 2);
	ck_assert_uint_eq(config->sdk_column, 6);
	sp_spaceconfig_free(config);
	sp_diag_list_dispose(&diags);
}
END_TEST

/* PARTIAL keeps what was valid, as sp_spaceconfig_parse_partial does. */
START_TEST(test_partial_flag)
{
	static const char data[] = "---\nsdk: static\ncolorTo: orange\n---\n";
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_spaceconfig *config = NULL;

	ck_assert_int_eq(sp_spaceconfig_parse_with(
	                     &config, &diags, data, sizeof(data) - 1,
	                     SP_SPACECONFIG_STATIC | SP_SPACECONFIG_PARTIAL),
	                 SP_ECONFIG);
	ck_assert_ptr_nonnull(config);
	ck_assert_str_eq(config->sdk, "static");
	sp_spaceconfig_free(config);
	config = (sp_spaceconfig *)1;
	ck_assert_int_eq(sp_spaceconfig_parse_with(&config, &diags, data,
	                                           sizeof(data) - 1,
	                                           SP_SPACECONFIG_STATIC),
	                 SP_ECONFIG);
	ck_assert_ptr_null(config);
	sp_diag_list_dispose(&diags);
}
END_TEST

START_TEST(test_values_and_defaults)
{
	static const char full[] =
	    "---\ntitle: Demo\nemoji: \xf0\x9f\x9a\x80\ncolorFrom: red\n"
	    "colorTo: blue\nsdk: docker\napp_port: \"8000\"\n"
	    "short_description: A demo\nstartup_duration_timeout: 1h30m\n"
	    "suggested_hardware: cpu-upgrade\nsuggested_storage: small\n"
	    "base_path: /ui\nheader: mini\npinned: true\nfullWidth: true\n"
	    "hf_oauth: true\nhf_oauth_expiration_minutes: 60\n"
	    "python_version: 3.10\nthumbnail: https://x.org/t.png\n---\n";
	sp_buf text = SP_BUF_INIT;
	sp_spaceconfig *config = NULL;

	ck_assert_int_eq(parse(&config, &text, BYTES(full)), 0);
	ck_assert_str_eq(config->sdk, "docker");
	ck_assert_uint_eq(config->sdk_line, 6);
	ck_assert_uint_eq(config->sdk_column, 6);
	ck_assert_str_eq(config->title, "Demo");
	ck_assert_str_eq(config->emoji, "\xf0\x9f\x9a\x80");
	ck_assert_str_eq(config->color_from, "red");
	ck_assert_str_eq(config->color_to, "blue");
	ck_assert_int_eq(config->app_port, 8000);
	ck_assert_str_eq(config->short_description, "A demo");
	ck_assert_int_eq(config->startup_timeout, 5400);
	ck_assert_str_eq(config->suggested_hardware, "cpu-upgrade");
	ck_assert_str_eq(config->suggested_storage, "small");
	ck_assert_str_eq(config->base_path, "/ui");
	ck_assert_str_eq(config->header, "mini");
	ck_assert_int_eq(config->pinned, 1);
	ck_assert_int_eq(config->full_width, 1);
	ck_assert_int_eq(config->disable_embedding, 0);
	ck_assert_int_eq(config->hf_oauth, 1);
	ck_assert_int_eq(config->hf_oauth_expiration_minutes, 60);
	ck_assert_str_eq(config->python_version, "3.10");
	ck_assert_str_eq(config->thumbnail, "https://x.org/t.png");
	/* Two warnings: the quoted port and the unquoted 3.10. */
	ck_assert_ptr_nonnull(strstr(text.ptr, "README.md:7:11: warning:"));
	ck_assert_ptr_nonnull(strstr(text.ptr, "README.md:18:17: warning:"));
	sp_spaceconfig_free(config);

	ck_assert_int_eq(
	    parse(&config, &text, BYTES("---\nsdk: docker\n---\n")), 0);
	ck_assert_str_eq(text.ptr, "");
	ck_assert_int_eq(config->app_port, 7860);
	ck_assert_int_eq(config->startup_timeout, 1800);
	ck_assert_int_eq(config->hf_oauth_expiration_minutes, 480);
	ck_assert_ptr_null(config->title);
	ck_assert_ptr_null(config->suggested_hardware);
	sp_spaceconfig_free(config);
	sp_buf_dispose(&text);
}
END_TEST

/* 60 UTF-16 code units pass, 61 do not; an emoji outside the BMP counts 2. */
START_TEST(test_short_description_length)
{
	static const struct {
		size_t letters, rockets;
		int ok;
		size_t units;
	} cases[] = {
	    {60, 0, 1, 60}, {61, 0, 0, 61}, {0, 30, 1, 60},
	    {0, 31, 0, 62}, {58, 1, 1, 60}, {59, 1, 0, 61},
	};
	size_t c, i;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		sp_buf readme = SP_BUF_INIT, text = SP_BUF_INIT,
		       want = SP_BUF_INIT;
		sp_spaceconfig *config = NULL;
		int rc;

		sp_buf_puts(&readme, "---\nsdk: docker\nshort_description: \"");
		for (i = 0; i < cases[c].letters; i++)
			sp_buf_putc(&readme, 'a');
		for (i = 0; i < cases[c].rockets; i++)
			sp_buf_puts(&readme, "\xf0\x9f\x9a\x80");
		sp_buf_puts(&readme, "\"\n---\n");
		rc = parse(&config, &text, readme.ptr, readme.size);
		if (cases[c].ok) {
			ck_assert_int_eq(rc, 0);
			ck_assert_str_eq(text.ptr, "");
			ck_assert_uint_eq(strlen(config->short_description),
			                  cases[c].letters +
			                      4 * cases[c].rockets);
		} else {
			ck_assert_int_eq(rc, SP_ECONFIG);
			sp_buf_printf(
			    &want,
			    "README.md:3:20: error: "
			    "\"short_description\" must be at most 60 "
			    "characters (got %zu, counted in UTF-16 "
			    "code units as Hugging Face does)\n",
			    cases[c].units);
			ck_assert_str_eq(text.ptr, want.ptr);
		}
		sp_spaceconfig_free(config);
		sp_buf_dispose(&readme);
		sp_buf_dispose(&text);
		sp_buf_dispose(&want);
	}
}
END_TEST

/* Every id of Hugging Face's list passes, alone and in a list. */
START_TEST(test_every_license)
{
	const sp_license *license = sp_license_get((size_t)_i);
	sp_buf readme = SP_BUF_INIT, text = SP_BUF_INIT;
	sp_spaceconfig *config = NULL;

	ck_assert_ptr_nonnull(license);
	sp_buf_printf(&readme,
	              "---\nsdk: docker\nlicense: %s\nlicense_name: x\n"
	              "license_link: LICENSE\n---\n",
	              license->id);
	ck_assert_int_eq(parse(&config, &text, readme.ptr, readme.size), 0);
	ck_assert_msg(!strcmp(text.ptr, ""), "%s: %s", license->id, text.ptr);
	sp_spaceconfig_free(config);
	sp_buf_clear(&readme);
	sp_buf_printf(&readme,
	              "---\nsdk: docker\nlicense: [mit, \"%s\"]\n---\n",
	              license->id);
	ck_assert_int_eq(parse(&config, &text, readme.ptr, readme.size), 0);
	sp_spaceconfig_free(config);
	sp_buf_dispose(&readme);
	sp_buf_dispose(&text);
}
END_TEST

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The classic "billion laughs": refused at once, without expanding it. */
START_TEST(test_billion_laughs)
{
	sp_buf readme = SP_BUF_INIT, text = SP_BUF_INIT;
	sp_spaceconfig *config = NULL;
	struct timespec start;
	char name = 'a';
	int i;

	sp_buf_puts(&readme, "---\nsdk: docker\na: &a [lol, lol, lol, lol, "
	                     "lol, lol, lol, lol, lol]\n");
	for (name = 'b'; name <= 'i'; name++) {
		sp_buf_printf(&readme, "%c: &%c [", name, name);
		for (i = 0; i < 9; i++)
			sp_buf_printf(&readme, "%s*%c", i ? ", " : "",
			              name - 1);
		sp_buf_puts(&readme, "]\n");
	}
	sp_buf_puts(&readme, "---\n");
	clock_gettime(CLOCK_MONOTONIC, &start);
	ck_assert_int_eq(parse(&config, &text, readme.ptr, readme.size),
	                 SP_ECONFIG);
	ck_assert(seconds_since(&start) < 1.0);
	ck_assert_ptr_nonnull(strstr(text.ptr,
	                             "README.md:7:8: error: alias \"d\" "
	                             "makes the front matter stand for more "
	                             "than 10000 values"));
	sp_buf_dispose(&readme);
	sp_buf_dispose(&text);
}
END_TEST

START_TEST(test_deep_nesting)
{
	sp_buf readme = SP_BUF_INIT, text = SP_BUF_INIT;
	sp_spaceconfig *config = NULL;
	int i;

	/* 64 levels are fine (the top mapping is one of them). */
	sp_buf_puts(&readme, "---\nsdk: docker\nx: ");
	for (i = 0; i < 63; i++)
		sp_buf_putc(&readme, '[');
	for (i = 0; i < 63; i++)
		sp_buf_putc(&readme, ']');
	sp_buf_puts(&readme, "\n---\n");
	ck_assert_int_eq(parse(&config, &text, readme.ptr, readme.size), 0);
	sp_spaceconfig_free(config);

	sp_buf_clear(&readme);
	sp_buf_puts(&readme, "---\nsdk: docker\nx: ");
	for (i = 0; i < 30000; i++)
		sp_buf_putc(&readme, '[');
	for (i = 0; i < 30000; i++)
		sp_buf_putc(&readme, ']');
	sp_buf_puts(&readme, "\n---\n");
	ck_assert_int_eq(parse(&config, &text, readme.ptr, readme.size),
	                 SP_ECONFIG);
	ck_assert_str_eq(text.ptr, "README.md:3:67: error: the front matter "
	                           "nests deeper than 64 levels\n");
	sp_buf_dispose(&readme);
	sp_buf_dispose(&text);
}
END_TEST

/* Nearly 64 KiB of config is checked fast (it runs on every push). */
START_TEST(test_large_block_is_fast)
{
	sp_buf readme = SP_BUF_INIT, text = SP_BUF_INIT;
	sp_spaceconfig *config = NULL;
	struct timespec start;
	int i, rc;

	sp_buf_puts(&readme, "---\nsdk: docker\ntags:\n");
	for (i = 0; readme.size < 40000; i++)
		sp_buf_printf(&readme, "  - tag%d\n", i);
	sp_buf_puts(&readme, "anchor: &x [a, b]\n");
	for (i = 0; readme.size < 60000; i++)
		sp_buf_printf(&readme, "unknown_%d: [*x, *x]\n", i);
	sp_buf_puts(&readme, "---\n");
	ck_assert_uint_le(readme.size, 4 + SP_FRONTMATTER_MAX_SIZE);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < 10; i++) {
		rc = parse(&config, &text, readme.ptr, readme.size);
		sp_spaceconfig_free(config);
	}
	ck_assert_msg(seconds_since(&start) < 2.0, "10 runs took %.3fs",
	              seconds_since(&start));
	/* Only warnings (unknown keys); the list stops at 500 and says so. */
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(text.ptr, "README.md: note: "));
	ck_assert_ptr_nonnull(strstr(text.ptr, " more problems not shown\n"));
	sp_buf_dispose(&readme);
	sp_buf_dispose(&text);
}
END_TEST

/* Bytes past the README bound are refused without looking. */
START_TEST(test_readme_too_large)
{
	sp_buf text = SP_BUF_INIT;
	sp_spaceconfig *config = NULL;
	char *data = calloc(1, SP_README_MAX_SIZE + 1);

	ck_assert_int_eq(parse(&config, &text, data, SP_README_MAX_SIZE + 1),
	                 SP_ECONFIG);
	ck_assert_str_eq(text.ptr, "README.md: error: README.md is larger than "
	                           "16 MiB\n");
	free(data);
	sp_buf_dispose(&text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spaceconfig");
	TCase *tc_keys = tcase_create("keys");
	TCase *tc_readme = tcase_create("readme");
	TCase *tc_values = tcase_create("values");
	TCase *tc_bounds = tcase_create("bounds");
	TCase *tc_sdks = tcase_create("sdks");

	tcase_add_loop_test(tc_keys, test_key, 0,
	                    sizeof(key_cases) / sizeof(key_cases[0]));
	tcase_add_loop_test(tc_readme, test_readme, 0,
	                    sizeof(readme_cases) / sizeof(readme_cases[0]));
	tcase_add_test(tc_values, test_values_and_defaults);
	tcase_add_test(tc_values, test_short_description_length);
	tcase_add_loop_test(tc_values, test_every_license, 0,
	                    (int)sp_license_count());
	tcase_add_test(tc_bounds, test_billion_laughs);
	tcase_add_test(tc_bounds, test_deep_nesting);
	tcase_add_test(tc_bounds, test_large_block_is_fast);
	tcase_add_test(tc_bounds, test_readme_too_large);
	suite_add_tcase(s, tc_keys);
	suite_add_tcase(s, tc_readme);
	suite_add_tcase(s, tc_values);
	suite_add_tcase(s, tc_bounds);
	tcase_add_loop_test(tc_sdks, test_sdks, 0,
	                    sizeof(sdk_cases) / sizeof(sdk_cases[0]));
	tcase_add_test(tc_sdks, test_app_file_position);
	tcase_add_test(tc_sdks, test_partial_flag);
	suite_add_tcase(s, tc_sdks);
	return sp_test_run(s);
}
