/* Finds the YAML block at the top of README bytes, with bounded scanning. */
#include "frontmatter.h"

#include <string.h>

#include "error.h"
#include "spaceconfig.h"

#include "banned.h"

/* Longest delimiter line looked at: "---", trailing spaces, CR. */
#define FRONTMATTER_MAX_DELIM 256

/*
 * Is data[0, len) (one line without its LF) a delimiter line: `mark` ("---"
 * or "..."), then only spaces or tabs, then an optional CR?
 */
static int frontmatter_is_delim(const char *line, size_t len, const char *mark)
{
	size_t i;

	if (len < 3 || memcmp(line, mark, 3) != 0)
		return 0;
	if (line[len - 1] == '\r')
		len--;
	for (i = 3; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return 0;
	return 1;
}

static int frontmatter_is_close(const char *line, size_t len)
{
	return frontmatter_is_delim(line, len, "---") ||
	       frontmatter_is_delim(line, len, "...");
}

int sp_frontmatter_find(sp_frontmatter *out, sp_diag_list *diags,
                        const char *data, size_t size)
{
	size_t pos = 0, body, limit, len;
	const char *nl;
	unsigned line;

	memset(out, 0, sizeof(*out));
	if (size >= 2 && ((data[0] == '\xff' && data[1] == '\xfe') ||
	                  (data[0] == '\xfe' && data[1] == '\xff'))) {
		sp_diag_add(diags, SP_DIAG_ERROR, 1, 1,
		            "README.md is UTF-16 encoded; it must be UTF-8");
		return sp_error_set(SP_ECONFIG, "readme is utf-16");
	}
	if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		pos = 3;

	/* The opening line. */
	len = size - pos < FRONTMATTER_MAX_DELIM ? size - pos
	                                         : FRONTMATTER_MAX_DELIM;
	nl = memchr(data + pos, '\n', len);
	if (!nl || !frontmatter_is_delim(data + pos,
	                                 (size_t)(nl - (data + pos)), "---")) {
		if (!nl && len < FRONTMATTER_MAX_DELIM &&
		    frontmatter_is_delim(data + pos, len, "---"))
			goto unterminated;
		sp_diag_add(
		    diags, SP_DIAG_ERROR, 1, 1,
		    "README.md has no YAML front matter: its first line "
		    "must be '---', followed by the config (such as "
		    "'sdk: docker') and a closing line '---'");
		return sp_error_set(SP_ECONFIG, "no front matter");
	}
	body = (size_t)(nl - data) + 1;

	/* Each following line, until a closing one or the size limit. */
	limit = size - body > SP_FRONTMATTER_MAX_SIZE
	            ? body + SP_FRONTMATTER_MAX_SIZE
	            : size;
	line = 2;
	pos = body;
	while (pos <= limit && pos < size) {
		size_t avail = size - pos, end;

		if (avail > FRONTMATTER_MAX_DELIM)
			avail = FRONTMATTER_MAX_DELIM;
		nl = memchr(data + pos, '\n', avail);
		len = nl ? (size_t)(nl - (data + pos)) : avail;
		if ((nl || pos + len == size) &&
		    frontmatter_is_close(data + pos, len)) {
			out->body = data + body;
			out->body_size = pos - body;
			out->body_offset = body;
			out->body_line = 2;
			out->end_line = line;
			return 0;
		}
		/* Not a delimiter: skip to the end of this (maybe long) line.
		 */
		if (!nl) {
			size_t rest = limit > pos ? limit - pos : 0;

			nl = memchr(data + pos, '\n', rest);
			if (!nl)
				break;
		}
		end = (size_t)(nl - data) + 1;
		pos = end;
		line++;
	}

	if (size - body > SP_FRONTMATTER_MAX_SIZE) {
		sp_diag_add(diags, SP_DIAG_ERROR, 1, 1,
		            "the YAML front matter is larger than %u KiB, the "
		            "most this server reads (or its closing line '---' "
		            "is missing)",
		            SP_FRONTMATTER_MAX_SIZE / 1024);
		return sp_error_set(SP_ECONFIG, "front matter too large");
	}

unterminated:
	sp_diag_add(diags, SP_DIAG_ERROR, 1, 1,
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

		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*column = c;
}
