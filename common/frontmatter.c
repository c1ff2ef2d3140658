/* Finds the YAML block at the top of README bytes, as Hugging Face does, with
 * bounded scanning. */
#include "frontmatter.h"

#include <string.h>

#include "error.h"
#include "spaceconfig.h"

#include "banned.h"

/*
 * Hugging Face finds the block with one regular expression, which
 * huggingface_hub's repocard.py (REGEX_YAML_BLOCK) keeps "exactly the same
 * as in the Hub server":
 *
 *   ^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))
 *
 * (before July 2026: ^(\s*---[\r\n]+)([\S\s]*?)([\r\n]+---(\r\n|\n|$)), the
 * same blocks but for the blanks after the closing "---"). So: blank lines
 * and spaces before the opening "---", nothing after it on its line; the
 * block ends at the first later line that is "---", then spaces or tabs, then
 * CRLF, LF or the end of the file. The line right after the opening one
 * cannot end the block (the regex needs a line break inside the block before
 * the closing "---"). Line breaks are CRLF, CR or LF.
 */

/* `\s` of the regex, ASCII part. */
static int frontmatter_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* Length of the line break at data[pos]: 2 for CRLF, 1 for CR or LF, else 0. */
static size_t frontmatter_break(const char *data, size_t size, size_t pos)
{
	if (pos >= size)
		return 0;
	if (data[pos] == '\r')
		return pos + 1 < size && data[pos + 1] == '\n' ? 2 : 1;
	return data[pos] == '\n';
}

/*
 * Is there a delimiter line at data[pos]: `mark` ("---" or "..."), spaces or
 * tabs, then CRLF, LF or the end of the data? The blanks are counted in
 * `*blanks` (when not NULL) either way.
 */
static int frontmatter_is_fence(const char *data, size_t size, size_t pos,
                                const char *mark, size_t *blanks)
{
	size_t i;

	if (blanks)
		*blanks = 0;
	if (size - pos < 3 || memcmp(data + pos, mark, 3) != 0)
		return 0;
	for (i = pos + 3; i < size && (data[i] == ' ' || data[i] == '\t'); i++)
		;
	if (blanks)
		*blanks = i - (pos + 3);
	return i == size || data[i] == '\n' ||
	       (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n');
}

/* Line breaks in data[from, to), counted as the regex and libyaml do. */
static unsigned frontmatter_count_lines(const char *data, size_t from,
                                        size_t to)
{
	unsigned lines = 0;
	size_t pos = from, b;

	while (pos < to) {
		b = frontmatter_break(data, to, pos);
		if (b) {
			lines++;
			pos += b;
		} else {
			pos++;
		}
	}
	return lines;
}

int sp_frontmatter_find(sp_frontmatter *out, sp_diag_list *diags,
                        const char *data, size_t size)
{
	size_t start = 0, open, line_start, body, pos, b, blanks;
	unsigned open_line, line, dots_line = 0;
	int have_dots = 0;

	memset(out, 0, sizeof(*out));
	if (size >= 2 && ((data[0] == '\xff' && data[1] == '\xfe') ||
	                  (data[0] == '\xfe' && data[1] == '\xff'))) {
		sp_diag_add(diags, SP_DIAG_ERROR, 1, 1,
		            "README.md is UTF-16 encoded; it must be UTF-8");
		return sp_error_set(SP_ECONFIG, "readme is utf-16");
	}
	if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		start = 3;

	/* The opening line: `\s*---` and one line break. */
	for (open = start; open < size && frontmatter_is_space(data[open]);
	     open++)
		;
	open_line = 1 + frontmatter_count_lines(data, start, open);
	for (line_start = open;
	     line_start > start && data[line_start - 1] != '\n' &&
	     data[line_start - 1] != '\r';
	     line_start--)
		;
	if (size - open >= 3 && memcmp(data + open, "---", 3) == 0 &&
	    !frontmatter_break(data, size, open + 3)) {
		if (open + 3 == size)
			goto unterminated;
		if (frontmatter_is_fence(data, size, open, "---", &blanks) &&
		    blanks) {
			sp_diag_add(
			    diags, SP_DIAG_ERROR, open_line,
			    (unsigned)(open + 3 - line_start) + 1,
			    "the opening '---' is followed by spaces or tabs; "
			    "Hugging Face expects exactly '---' on that line: "
			    "remove them");
			return sp_error_set(SP_ECONFIG,
			                    "blanks after the opening line");
		}
	}
	if (size - open < 3 || memcmp(data + open, "---", 3) != 0 ||
	    !frontmatter_break(data, size, open + 3)) {
		sp_diag_add(
		    diags, SP_DIAG_ERROR, 1, 1,
		    "README.md has no YAML front matter: its first line "
		    "must be '---', followed by the config (such as "
		    "'sdk: docker') and a closing line '---'");
		return sp_error_set(SP_ECONFIG, "no front matter");
	}
	body = open + 3 + frontmatter_break(data, size, open + 3);
	out->body = data + body;
	out->body_offset = body;
	out->body_line = open_line + 1;

	/*
	 * The closing line: after a line break inside the block, never past
	 * the size bound.
	 */
	line = out->body_line;
	for (pos = body; pos < size && pos - body < SP_FRONTMATTER_MAX_SIZE;
	     pos += b ? b : 1) {
		size_t next;

		b = frontmatter_break(data, size, pos);
		if (!b)
			continue;
		line++;
		next = pos + b;
		if (next - body > SP_FRONTMATTER_MAX_SIZE)
			break;
		if (frontmatter_is_fence(data, size, next, "---", NULL)) {
			out->body_size = next - body;
			out->end_line = line;
			return 0;
		}
		if (!have_dots &&
		    frontmatter_is_fence(data, size, next, "...", NULL)) {
			have_dots = 1;
			dots_line = line;
		}
	}

	/*
	 * No closing line. A '---' right after the opening one is an empty
	 * block (Hugging Face reads it so with CRLF line ends, and finds no
	 * block with LF; both are refused, as empty).
	 */
	if (frontmatter_is_fence(data, size, body, "---", NULL)) {
		out->body_size = 0;
		out->end_line = out->body_line;
		return 0;
	}
	if (size - body > SP_FRONTMATTER_MAX_SIZE) {
		sp_diag_add(diags, SP_DIAG_ERROR, open_line, 1,
		            "the YAML front matter is larger than %u KiB, the "
		            "most this server reads (or its closing line '---' "
		            "is missing)",
		            SP_FRONTMATTER_MAX_SIZE / 1024);
		return sp_error_set(SP_ECONFIG, "front matter too large");
	}
	if (have_dots) {
		sp_diag_add(diags, SP_DIAG_ERROR, dots_line, 1,
		            "the YAML front matter closes with '...'; Hugging "
		            "Face expects '---': write '---' on this line");
		return sp_error_set(SP_ECONFIG,
		                    "front matter closes with dots");
	}

unterminated:
	sp_diag_add(diags, SP_DIAG_ERROR, open_line,
	            (unsigned)(open - line_start) + 1,
	            "the YAML front matter that starts here never ends: "
	            "add a line '---' after the config");
	return sp_error_set(SP_ECONFIG, "unterminated front matter");
}

void sp_frontmatter_position(unsigned *line, unsigned *column,
                             const sp_frontmatter *fm, size_t offset)
{
	unsigned l = fm->body_line, c = 1;
	size_t i;

	if (offset > fm->body_size)
		offset = fm->body_size;
	for (i = 0; i < offset; i++) {
		unsigned char ch = (unsigned char)fm->body[i];

		if (ch == '\n' || (ch == '\r' && (i + 1 >= fm->body_size ||
		                                  fm->body[i + 1] != '\n'))) {
			l++;
			c = 1;
		} else if (ch != '\r' && (ch & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*column = c;
}
