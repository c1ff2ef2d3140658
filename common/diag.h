/* Diagnostics: problems found in a file, each with severity, line and column,
 * rendered GCC style. */
#ifndef SP_DIAG_H
#define SP_DIAG_H

#include <stddef.h>

#include "buf.h"

typedef enum {
	SP_DIAG_ERROR,
	SP_DIAG_WARNING,
	SP_DIAG_NOTE,
} sp_diag_severity;

typedef struct {
	sp_diag_severity severity;
	unsigned line;   /* 1-based; 0 when the problem has no position */
	unsigned column; /* 1-based; 0 when the problem has no position */
	char *message;   /* one line, owned by the list */
	char *file;      /* owned; NULL: the file named to sp_diag_render */
} sp_diag;

typedef struct {
	sp_diag *items; /* in the order added */
	size_t count;
	size_t alloc;
	size_t errors;   /* how many items are SP_DIAG_ERROR */
	size_t warnings; /* how many items are SP_DIAG_WARNING */
} sp_diag_list;

#define SP_DIAG_LIST_INIT                                                      \
	{                                                                      \
		NULL, 0, 0, 0, 0                                               \
	}

void sp_diag_list_init(sp_diag_list *list);
void sp_diag_list_dispose(sp_diag_list *list);

/* Add a problem at line:column (printf-style message). */
int sp_diag_add(sp_diag_list *list, sp_diag_severity severity, unsigned line,
                unsigned column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Move every item of `src` to the end of `dst`, each naming `file` (copied)
 * when it names none; `src` is left empty.
 */
int sp_diag_list_move(sp_diag_list *dst, sp_diag_list *src, const char *file);

/*
 * Sort by file (items naming none first), then line, then column, keeping
 * the order of equal positions.
 */
void sp_diag_sort(sp_diag_list *list);

/*
 * Append every item as "FILE:LINE:COL: error: MESSAGE\n" (position parts
 * left out when 0), GCC style, to `out`; FILE is the item's own file when
 * it names one, else `file`.
 */
void sp_diag_render(sp_buf *out, const sp_diag_list *list, const char *file);

#endif
