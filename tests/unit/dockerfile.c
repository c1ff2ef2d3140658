/* Tests of the Dockerfile check: public images pass; other Spaces' images,
 * local image IDs, privileged RUN flags and foreign frontends are refused,
 * however the Dockerfile spells them. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dockerfile.h"
#include "error.h"
#include "testlib.h"

#define OWN "spacehook/mallory--app"
#define REFUSED(line, col, what, why)                                          \
	"Dockerfile:" #line ":" #col ": error: \"" what "\" " why "\n"
#define OTHER                                                                  \
	"names another Space's image; a Space builds only from public "        \
	"images and its own stages"
#define BY_ID                                                                  \
	"names a local image by its ID; a Space builds only from "             \
	"public images and its own stages"
#define NO_HOST                                                                \
	"is not allowed: a Space's build gets no host network; use "           \
	"--network=default or --network=none"

static const char *const reserved[] = {"spacehook/", NULL};

/* Run the check; `out` gets the rendered problems. */
static int check_text(sp_buf *out, const char *text, size_t len,
                      const char *own, const char *const *build_args)
{
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_dockerfile_options opts = {own, reserved, build_args};
	int error = sp_dockerfile_check(&diags, text, len, &opts);

	sp_diag_render(out, &diags, "Dockerfile");
	ck_assert_int_eq(error, diags.errors ? SP_ECONFIG : 0);
	sp_diag_list_dispose(&diags);
	return error;
}

static const char *const args_public[] = {"BASE=python:3.11", NULL};
static const char *const args_other[] = {"BASE=spacehook/alice--demo:1", NULL};
static const char *const args_syntax[] = {"BUILDKIT_SYNTAX=evil/frontend",
                                          NULL};

static const struct {
	const char *name;
	const char *text;
	const char *const *build_args;
	const char *expect; /* "" when it passes */
} cases[] = {
    /* Public images and stages pass. */
    {"python slim", "FROM python:3.10-slim\nCMD [\"python\"]\n", NULL, ""},
    {"ghcr", "FROM ghcr.io/x/y:1\n", NULL, ""},
    {"cuda", "FROM nvidia/cuda:12.1.0-runtime-ubuntu22.04\n", NULL, ""},
    {"digest",
     "FROM python@sha256:"
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
     NULL, ""},
    {"multi-stage",
     "FROM python:3.10 AS builder\nRUN pip wheel .\n"
     "FROM python:3.10-slim\nCOPY --from=builder /w /w\n"
     "COPY --from=0 /w /x\nRUN --mount=type=bind,from=builder,target=/b "
     "ls /b\n",
     NULL, ""},
    {"stage names any case",
     "FROM alpine AS Build\nFROM alpine\nCOPY --from=BUILD /a /a\n", NULL, ""},
    {"from an earlier stage", "FROM alpine AS base\nFROM base\n", NULL, ""},
    {"scratch", "FROM scratch\nCOPY a /a\n", NULL, ""},
    {"network none and default",
     "FROM alpine\nRUN --network=none true\nRUN --network=default true\n", NULL,
     ""},
    {"security sandbox", "FROM alpine\nRUN --security=sandbox true\n", NULL,
     ""},
    {"cache and secret mounts",
     "FROM alpine\nRUN --mount=type=cache,target=/root/.cache "
     "--mount=type=secret,id=tok cat /run/secrets/tok\n",
     NULL, ""},
    {"official frontend", "# syntax=docker/dockerfile:1\nFROM alpine\n", NULL,
     ""},
    {"official labs frontend",
     "# syntax=docker.io/docker/dockerfile:1-labs\nFROM alpine\n", NULL, ""},
    {"own image", "FROM " OWN ":abc\nCOPY --from=" OWN ":d /a /a\n", NULL, ""},
    {"ARG public default", "ARG BASE=python:3.11\nFROM $BASE\n", NULL, ""},
    {"build arg overrides to public",
     "ARG BASE=spacehook/alice--demo:x\nFROM ${BASE}\n", args_public, ""},
    {"spacehook without slash", "FROM spacehook-base:busybox\n", NULL, ""},
    {"short hex name", "FROM abc123\n", NULL, ""},
    {"empty file", "", NULL, ""},
    {"comments only", "# just a comment\n\n   # another\n", NULL, ""},

    /* Other Spaces' images are refused wherever they are named. */
    {"FROM other", "FROM spacehook/alice--demo:1234\n", NULL,
     REFUSED(1, 6, "FROM spacehook/alice--demo:1234", OTHER)},
    {"from lowercase", "from spacehook/alice--demo\n", NULL,
     REFUSED(1, 6, "FROM spacehook/alice--demo", OTHER)},
    {"FROM uppercase repository", "FROM SpaceHook/Alice--demo:x\n", NULL,
     REFUSED(1, 6, "FROM SpaceHook/Alice--demo:x", OTHER)},
    {"FROM with platform and alias",
     "FROM --platform=linux/amd64 spacehook/alice--demo:1 AS x\n", NULL,
     REFUSED(1, 29, "FROM spacehook/alice--demo:1", OTHER)},
    {"docker.io prefix", "FROM docker.io/spacehook/alice--demo:1\n", NULL,
     REFUSED(1, 6, "FROM docker.io/spacehook/alice--demo:1", OTHER)},
    {"index.docker.io prefix", "FROM index.docker.io/spacehook/alice--demo\n",
     NULL, REFUSED(1, 6, "FROM index.docker.io/spacehook/alice--demo", OTHER)},
    {"digest of another Space",
     "FROM spacehook/alice--demo@sha256:"
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
     NULL,
     "Dockerfile:1:6: error: \"FROM spacehook/alice--demo@sha256:"
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\" " OTHER
     "\n"},
    {"Copy --from", "FROM alpine\nCopy --from=spacehook/alice--demo:1 /x /x\n",
     NULL, REFUSED(2, 6, "COPY --from=spacehook/alice--demo:1", OTHER)},
    {"ADD --from too",
     "FROM alpine\nADD --from=spacehook/alice--demo:1 /x /x\n", NULL,
     REFUSED(2, 5, "ADD --from=spacehook/alice--demo:1", OTHER)},
    /* A quoted word is an argument, not a flag: a file named so. */
    {"quoted flag is an argument",
     "FROM alpine\nCOPY \"--from=spacehook/alice--demo:1\" /x\n", NULL, ""},
    {"quoted COPY --from",
     "FROM alpine\nCOPY --\"from=spacehook/alice--demo:1\" /x /x\n", NULL,
     REFUSED(2, 6, "COPY --from=spacehook/alice--demo:1", OTHER)},
    {"RUN mount from, second mount",
     "FROM alpine\nRUN --mount=type=cache,target=/c "
     "--mount=type=bind,from=spacehook/alice--demo:t,target=/m ls\n",
     NULL, REFUSED(2, 34, "RUN --mount=from=spacehook/alice--demo:t", OTHER)},
    {"RUN mount quoted csv field",
     "FROM alpine\nRUN --mount='type=bind,\"from=spacehook/alice--demo\"' "
     "ls\n",
     NULL, REFUSED(2, 5, "RUN --mount=from=spacehook/alice--demo", OTHER)},
    {"ONBUILD COPY --from",
     "FROM alpine\nONBUILD COPY --from=spacehook/alice--demo:1 / /\n", NULL,
     REFUSED(2, 14, "ONBUILD COPY --from=spacehook/alice--demo:1", OTHER)},
    {"ONBUILD with dotted I",
     "FROM alpine\nONBU\xc4\xb0LD RUN --network=host true\n", NULL,
     REFUSED(2, 14, "ONBUILD RUN --network=host", NO_HOST)},
    {"leading no-break space",
     "\xc2\xa0"
     "FROM spacehook/alice--demo:1\n",
     NULL, REFUSED(1, 8, "FROM spacehook/alice--demo:1", OTHER)},
    {"quotes inside the reference", "FROM \"spacehook/alice--demo\":x\n", NULL,
     REFUSED(1, 6, "FROM \"spacehook/alice--demo\":x",
             "(\"spacehook/alice--demo:x\") " OTHER)},
    {"escaped characters", "FROM spacehook\\/alice--demo\n", NULL,
     REFUSED(1, 6, "FROM spacehook\\/alice--demo",
             "(\"spacehook/alice--demo\") " OTHER)},

    /* ARG expansion. */
    {"ARG default other", "ARG BASE=spacehook/alice--demo:x\nFROM $BASE\n",
     NULL, REFUSED(2, 6, "FROM $BASE", "(\"spacehook/alice--demo:x\") " OTHER)},
    {"default word", "ARG X\nFROM ${X:-spacehook/alice--demo:x}\n", NULL,
     REFUSED(2, 6, "FROM ${X:-spacehook/alice--demo:x}",
             "(\"spacehook/alice--demo:x\") " OTHER)},
    {"alternative word", "ARG X=1\nFROM ${X:+spacehook/alice--demo}\n", NULL,
     REFUSED(2, 6, "FROM ${X:+spacehook/alice--demo}",
             "(\"spacehook/alice--demo\") " OTHER)},
    {"pieces", "ARG A=space\nARG B=hook\nFROM ${A}${B}/alice--demo\n", NULL,
     REFUSED(3, 6, "FROM ${A}${B}/alice--demo",
             "(\"spacehook/alice--demo\") " OTHER)},
    {"build arg to other", "ARG BASE=python:3.11\nFROM $BASE\n", args_other,
     REFUSED(2, 6, "FROM $BASE", "(\"spacehook/alice--demo:1\") " OTHER)},
    {"escaped dollar is literal", "FROM \\$BASE\n", NULL,
     REFUSED(1, 6, "FROM \\$BASE",
             "(\"$BASE\") is not a valid image reference; write a public "
             "image name such as python:3.10-slim")},
    {"other substitution forms", "ARG X=a\nFROM ${X#a}spacehook/x\n", NULL,
     REFUSED(2, 6, "FROM ${X#a}spacehook/x",
             "cannot be checked: only $NAME, ${NAME}, ${NAME:-word}, "
             "${NAME:+word}, ${NAME-word} and ${NAME+word} with closed "
             "quotes are read; write the image name out")},
    {"platform argument", "FROM spacehook/${TARGETARCH}\n", NULL,
     REFUSED(1, 6, "FROM spacehook/${TARGETARCH}",
             "cannot be checked: the value of \"TARGETARCH\" is not known "
             "before the build; write the image name out")},
    {"stage ARG in COPY --from",
     "FROM alpine\nARG S=spacehook/alice--demo\nCOPY --from=$S / /\n", NULL,
     REFUSED(3, 6, "COPY --from=$S", "(\"spacehook/alice--demo\") " OTHER)},

    /* Local image IDs. */
    {"sha256 ID",
     "FROM sha256:"
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
     NULL,
     "Dockerfile:1:6: error: \"FROM sha256:"
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\" " BY_ID
     "\n"},
    {"short ID", "FROM 1a2b3c4d5e6f\n", NULL,
     REFUSED(1, 6, "FROM 1a2b3c4d5e6f", BY_ID)},
    {"ID in COPY --from", "FROM alpine\nCOPY --from=1a2b3c4d5e6f / /\n", NULL,
     REFUSED(2, 6, "COPY --from=1a2b3c4d5e6f", BY_ID)},
    {"bad characters", "FROM alpine;rm\n", NULL,
     REFUSED(1, 6, "FROM alpine;rm",
             "is not a valid image reference; write a public image name "
             "such as python:3.10-slim")},

    /* RUN flags. */
    {"network host", "FROM alpine\nRUN --network=host curl x\n", NULL,
     REFUSED(2, 5, "RUN --network=host", NO_HOST)},
    {"continuation hides the flag",
     "FROM alpine\nRUN \\\n --network=host true\n", NULL,
     REFUSED(3, 2, "RUN --network=host", NO_HOST)},
    {"comment inside the continuation",
     "FROM alpine\nRUN \\\n# a comment\n\n --network=host true\n", NULL,
     REFUSED(5, 2, "RUN --network=host", NO_HOST)},
    {"flag after others",
     "FROM alpine\nRUN --mount=type=tmpfs,target=/t --network=host true\n",
     NULL, REFUSED(2, 34, "RUN --network=host", NO_HOST)},
    {"security insecure", "FROM alpine\nRUN --security=insecure true\n", NULL,
     REFUSED(2, 5, "RUN --security=insecure",
             "is not allowed: a Space's build runs sandboxed, never with "
             "elevated privileges")},
    {"device", "FROM alpine\nRUN --device=/dev/kvm true\n", NULL,
     REFUSED(2, 5, "RUN --device=/dev/kvm",
             "is not allowed: a Space's build gets no host devices")},
    {"backtick escape",
     "# escape=`\nFROM alpine\nRUN `\n  --network=host true\n", NULL,
     REFUSED(4, 3, "RUN --network=host", NO_HOST)},
    {"backslash is text with backtick escape",
     "# escape=`\nFROM alpine\nRUN dir c:\\\nFROM spacehook/alice--demo\n",
     NULL, REFUSED(4, 6, "FROM spacehook/alice--demo", OTHER)},
    {"two escapes at a line end", "FROM alpine\nRUN echo \\\\\nRUN true\n",
     NULL,
     "Dockerfile:2: error: line ends in two escape characters (\\\\); "
     "BuildKit versions disagree on whether it continues; put a space "
     "between them or drop one\n"},

    /* Frontends. */
    {"other frontend", "# syntax=evil/frontend:1\nFROM alpine\n", NULL,
     REFUSED(1, 10, "# syntax=evil/frontend:1",
             "is not allowed: a Space builds with the official Dockerfile "
             "frontend only (docker/dockerfile, any version)")},
    {"frontend after escape, any case",
     "# escape=\\\n#SYNTAX = docker/dockerfile-upstream\nFROM alpine\n", NULL,
     REFUSED(2, 11, "# syntax=docker/dockerfile-upstream",
             "is not allowed: a Space builds with the official Dockerfile "
             "frontend only (docker/dockerfile, any version)")},
    {"frontend after a shebang line",
     "#!/usr/bin/env buildctl\n// syntax=evil\nFROM alpine\n", NULL,
     REFUSED(2, 11, "// syntax=evil",
             "is not allowed: a Space builds with the official Dockerfile "
             "frontend only (docker/dockerfile, any version)")},
    {"frontend in a build argument", "FROM alpine\n", args_syntax,
     "Dockerfile: error: \"--build-arg BUILDKIT_SYNTAX=evil/frontend\" is "
     "not allowed: a Space builds with the official Dockerfile frontend "
     "only (docker/dockerfile, any version)\n"},
    {"JSON document", " {\"syntax\": \"evil\"}\n", NULL,
     "Dockerfile:1:1: error: a Dockerfile that is a JSON document cannot "
     "be checked; write Dockerfile instructions\n"},
    {"escape after another directive",
     "# syntax=docker/dockerfile:1\n# escape=`\nFROM alpine\n", NULL,
     "Dockerfile:2:1: error: \"# escape=\" must be the first line; "
     "BuildKit versions disagree about it after another directive\n"},

    /*
     * Heredoc bodies are read as lines too: a body line that looks like a
     * reference to another Space's image is refused, though BuildKit would
     * take it as text. A false refusal, never a missed reference.
     */
    {"heredoc body is scanned",
     "# syntax=docker/dockerfile:1\nFROM alpine\nRUN <<EOF\n"
     "FROM spacehook/alice--demo:1\nEOF\n",
     NULL, REFUSED(4, 6, "FROM spacehook/alice--demo:1", OTHER)},

    {"heredoc delimiters",
     "FROM alpine\nRUN cat <<\\EOF <<-\"EOT\" 3<<'A B'\n"
     "EOF\nRUN cat << EOF\nRUN echo $((1<<2)) \"a <<b\"\n",
     NULL, ""},
    /* A delimiter line that would be read as a continuation or a comment
     * could hide the instruction after it: refused. */
    {"heredoc delimiter ending in an escape",
     "FROM alpine\nRUN <<'E\\'\nbody\nE\\\nCOPY --from=spacehook/a--b / /\n",
     NULL,
     REFUSED(2, 5, "<<'E\\'",
             "cannot be checked: a heredoc delimiter must be a plain word "
             "such as EOF, without #, \\ or `")},
    {"heredoc delimiter like a comment",
     "FROM alpine\nRUN <<\"#E\"\nx \\\n#E\nCOPY --from=spacehook/a--b / /\n",
     NULL,
     REFUSED(2, 5, "<<\"#E\"",
             "cannot be checked: a heredoc delimiter must be a plain word "
             "such as EOF, without #, \\ or `")},
    {"body line continued into the delimiter",
     "FROM alpine\nRUN <<EOF\nx \\\nEOF\nCOPY --from=spacehook/a--b / /\n",
     NULL, REFUSED(5, 6, "COPY --from=spacehook/a--b", OTHER)},

    /* Line endings and encodings. */
    {"CRLF", "FROM alpine\r\nRUN \\\r\n --network=host x\r\n", NULL,
     REFUSED(3, 2, "RUN --network=host", NO_HOST)},
    {"BOM",
     "\xef\xbb\xbf"
     "FROM spacehook/alice--demo\n",
     NULL, REFUSED(1, 6, "FROM spacehook/alice--demo", OTHER)},
    {"BOM before syntax", "\xef\xbb\xbf# syntax=evil\nFROM alpine\n", NULL,
     REFUSED(1, 10, "# syntax=evil",
             "is not allowed: a Space builds with the official Dockerfile "
             "frontend only (docker/dockerfile, any version)")},
    {"no final newline", "FROM spacehook/alice--demo", NULL,
     REFUSED(1, 6, "FROM spacehook/alice--demo", OTHER)},
};

START_TEST(test_cases)
{
	sp_buf out = SP_BUF_INIT;

	check_text(&out, cases[_i].text, strlen(cases[_i].text), OWN,
	           cases[_i].build_args);
	ck_assert_msg(!strcmp(out.ptr, cases[_i].expect),
	              "%s: got\n%s\nwant\n%s", cases[_i].name, out.ptr,
	              cases[_i].expect);
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_no_own_repository)
{
	sp_buf out = SP_BUF_INIT;
	const char text[] = "FROM " OWN ":1\n";

	ck_assert_int_eq(check_text(&out, text, strlen(text), NULL, NULL),
	                 SP_ECONFIG);
	ck_assert_str_eq(out.ptr, REFUSED(1, 6, "FROM " OWN ":1", OTHER));
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_nul_bytes)
{
	static const char text[] = "FROM alpine\nRUN --network=ho\0st x\n"
	                           "FROM spacehook/al\0ice\n";
	sp_buf out = SP_BUF_INIT;

	ck_assert_int_eq(check_text(&out, text, sizeof(text) - 1, OWN, NULL),
	                 SP_ECONFIG);
	ck_assert_str_eq(
	    out.ptr,
	    REFUSED(2, 5, "RUN --network=ho?st",
	            "is not allowed: a Space's build takes only "
	            "--network=default or --network=none")
	        REFUSED(3, 6, "FROM spacehook/al?ice",
	                "is not a valid image reference; write a public image "
	                "name such as python:3.10-slim"));
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_long_line)
{
	sp_buf text = SP_BUF_INIT, out = SP_BUF_INIT;
	size_t i;

	/* Up to BuildKit's limit: read, the reference cut in messages. */
	sp_buf_puts(&text, "FROM spacehook/");
	for (i = text.size; i < SP_DOCKERFILE_LINE_MAX; i++)
		sp_buf_putc(&text, 'a');
	ck_assert_int_eq(check_text(&out, text.ptr, text.size, OWN, NULL),
	                 SP_ECONFIG);
	ck_assert_ptr_nonnull(strstr(out.ptr, "aaa...\" cannot be checked: "
	                                      "it is longer than 8192 bytes"));
	ck_assert_uint_lt(out.size, 400);

	/* One byte more: refused as BuildKit refuses it. */
	sp_buf_clear(&out);
	sp_buf_putc(&text, 'a');
	ck_assert_int_eq(check_text(&out, text.ptr, text.size, OWN, NULL),
	                 SP_ECONFIG);
	ck_assert_str_eq(out.ptr,
	                 "Dockerfile:1: error: line is longer than 65535 "
	                 "bytes, more than BuildKit reads; break it with the "
	                 "escape character at line ends\n");
	sp_buf_dispose(&text);
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_many_lines)
{
	sp_buf text = SP_BUF_INIT, out = SP_BUF_INIT;
	size_t i;

	sp_buf_puts(&text, "FROM alpine AS base\n");
	for (i = 0; i < 100000; i++)
		sp_buf_puts(&text, "COPY --from=base /a /b\n");
	sp_buf_puts(&text, "FROM spacehook/alice--demo\n");
	ck_assert_int_eq(check_text(&out, text.ptr, text.size, OWN, NULL),
	                 SP_ECONFIG);
	ck_assert_str_eq(
	    out.ptr, REFUSED(100002, 6, "FROM spacehook/alice--demo", OTHER));
	sp_buf_dispose(&text);
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_many_continuations_and_errors)
{
	sp_buf text = SP_BUF_INIT, out = SP_BUF_INIT;
	size_t i;

	/* One instruction over 50000 lines. */
	sp_buf_puts(&text, "FROM alpine\nRUN \\\n");
	for (i = 0; i < 50000; i++)
		sp_buf_puts(&text, " --mount=type=tmpfs,target=/t \\\n");
	sp_buf_puts(&text, " --network=host true\n");
	ck_assert_int_eq(check_text(&out, text.ptr, text.size, OWN, NULL),
	                 SP_ECONFIG);
	ck_assert_str_eq(out.ptr,
	                 REFUSED(50003, 2, "RUN --network=host", NO_HOST));

	/* Problems stop at 50 with a last line saying so. */
	sp_buf_clear(&text);
	sp_buf_clear(&out);
	for (i = 0; i < 1000; i++)
		sp_buf_puts(&text, "FROM spacehook/alice--demo\n");
	ck_assert_int_eq(check_text(&out, text.ptr, text.size, OWN, NULL),
	                 SP_ECONFIG);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Dockerfile:51:6: error: too "
	                                      "many problems in the "
	                                      "Dockerfile; fix these first\n"));
	ck_assert_ptr_null(strstr(out.ptr, "Dockerfile:52:"));
	sp_buf_dispose(&text);
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_expansion_bounded)
{
	sp_buf text = SP_BUF_INIT, out = SP_BUF_INIT;
	size_t i;

	/* A reference that names a variable thousands of times. */
	sp_buf_puts(&text, "ARG A=aaaaaaaaaaaaaaaa\nFROM x");
	for (i = 0; i < 5000; i++)
		sp_buf_puts(&text, "$A");
	sp_buf_puts(&text, "\n");
	ck_assert_int_eq(check_text(&out, text.ptr, text.size, OWN, NULL),
	                 SP_ECONFIG);
	ck_assert_ptr_nonnull(strstr(out.ptr, "cannot be checked"));

	/* Nested defaults past the depth limit. */
	sp_buf_clear(&text);
	sp_buf_clear(&out);
	sp_buf_puts(&text, "FROM ");
	for (i = 0; i < 100; i++)
		sp_buf_puts(&text, "${X:-");
	sp_buf_puts(&text, "alpine");
	for (i = 0; i < 100; i++)
		sp_buf_puts(&text, "}");
	sp_buf_puts(&text, "\n");
	ck_assert_int_eq(check_text(&out, text.ptr, text.size, OWN, NULL),
	                 SP_ECONFIG);
	ck_assert_ptr_nonnull(strstr(out.ptr, "cannot be checked"));
	sp_buf_dispose(&text);
	sp_buf_dispose(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dockerfile");
	TCase *tc_cases = tcase_create("cases");
	TCase *tc_options = tcase_create("options");
	TCase *tc_bounds = tcase_create("bounds");

	tcase_add_loop_test(tc_cases, test_cases, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc_options, test_no_own_repository);
	tcase_add_test(tc_bounds, test_nul_bytes);
	tcase_add_test(tc_bounds, test_long_line);
	tcase_add_test(tc_bounds, test_many_lines);
	tcase_add_test(tc_bounds, test_many_continuations_and_errors);
	tcase_add_test(tc_bounds, test_expansion_bounded);
	suite_add_tcase(s, tc_cases);
	suite_add_tcase(s, tc_options);
	suite_add_tcase(s, tc_bounds);
	return sp_test_run(s);
}
