/* Diagnostics: a list of problems with positions, sorted and rendered GCC
 * style. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#include "banned.h"

void sp_diag_list_init(sp_diag_list *list)
{
	list->items = NULL;
	list->count = 0;
	list->alloc = 0;
	list->errors = 0;
	list->warnings = 0;
}

void sp_diag_list_dispose(sp_diag_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++) {
		free(list->items[i].message);
		free(list->items[i].file);
	}
	free(list->items);
	sp_diag_list_init(list);
}

int sp_diag_add(sp_diag_list *list, sp_diag_severity severity, unsigned line,
                unsigned column, const char *fmt, ...)
{
	sp_buf msg = SP_BUF_INIT;
	sp_diag *item;
	va_list ap;
	size_t i;

	if (list->count == list->alloc) {
		size_t alloc = list->alloc ? list->alloc * 2 : 16;
		sp_diag *items;

		if (alloc > ((size_t)-1) / sizeof(*items))
			return sp_error_set(SP_ENOMEM, "too many diagnostics");
		items = realloc(list->items, alloc * sizeof(*items));
		if (!items)
			return sp_error_set(SP_ENOMEM, "out of memory");
		list->items = items;
		list->alloc = alloc;
	}

	va_start(ap, fmt);
	sp_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	/* One line each: a stray line break would forge another diagnostic. */
	for (i = 0; i < msg.size; i++)
		if (msg.ptr[i] == '\n' || msg.ptr[i] == '\r')
			msg.ptr[i] = ' ';

	item = &list->items[list->count++];
	item->severity = severity;
	item->line = line;
	item->column = line ? column : 0;
	item->message = sp_buf_detach(&msg);
	item->file = NULL;
	if (severity == SP_DIAG_ERROR)
		list->errors++;
	else if (severity == SP_DIAG_WARNING)
		list->warnings++;
	return 0;
}

int sp_diag_list_move(sp_diag_list *dst, sp_diag_list *src, const char *file)
{
	size_t i;

	if (dst->count + src->count > dst->alloc) {
		size_t alloc = dst->count + src->count;
		sp_diag *items;

		if (alloc > ((size_t)-1) / sizeof(*items))
			return sp_error_set(SP_ENOMEM, "too many diagnostics");
		items = realloc(dst->items, alloc * sizeof(*items));
		if (!items)
			return sp_error_set(SP_ENOMEM, "out of memory");
		dst->items = items;
		dst->alloc = alloc;
	}
	for (i = 0; i < src->count; i++) {
		sp_diag *d = &src->items[i];

		if (!d->file && file && !(d->file = strdup(file)))
			return sp_error_set(SP_ENOMEM, "out of memory");
	}
	if (src->count) /* both may be NULL while empty */
		memcpy(dst->items + dst->count, src->items,
		       src->count * sizeof(*src->items));
	dst->count += src->count;
	dst->errors += src->errors;
	dst->warnings += src->warnings;
	free(src->items);
	sp_diag_list_init(src);
	return 0;
}

static int diag_before(const sp_diag *a, const sp_diag *b)
{
	if (!a->file != !b->file)
		return !a->file;
	if (a->file && strcmp(a->file, b->file))
		return strcmp(a->file, b->file) < 0;
	if (a->line != b->line)
		return a->line < b->line;
	return a->column < b->column;
}

/* Stable merge sort of items[lo, hi) through tmp. */
static void diag_merge_sort(sp_diag *items, sp_diag *tmp, size_t lo, size_t hi)
{
	size_t mid, i, j, k;

	if (hi - lo < 2)
		return;
	mid = lo + (hi - lo) / 2;
	diag_merge_sort(items, tmp, lo, mid);
	diag_merge_sort(items, tmp, mid, hi);
	for (i = lo, j = mid, k = lo; k < hi; k++) {
		if (i < mid && (j >= hi || !diag_before(&items[j], &items[i])))
			tmp[k] = items[i++];
		else
			tmp[k] = items[j++];
	}
	memcpy(items + lo, tmp + lo, (hi - lo) * sizeof(*items));
}

void sp_diag_sort(sp_diag_list *list)
{
	sp_diag *tmp;
	size_t i;

	if (list->count < 2)
		return;
	tmp = malloc(list->count * sizeof(*tmp));
	if (!tmp) {
		/* Insertion sort needs no memory; only reached when out of it.
		 */
		for (i = 1; i < list->count; i++) {
			sp_diag cur = list->items[i];
			size_t j = i;

			while (j > 0 &&
			       diag_before(&cur, &list->items[j - 1])) {
				list->items[j] = list->items[j - 1];
				j--;
			}
			list->items[j] = cur;
		}
		return;
	}
	diag_merge_sort(list->items, tmp, 0, list->count);
	free(tmp);
}

static const char *diag_severity_name(sp_diag_severity severity)
{
	switch (severity) {
	case SP_DIAG_ERROR:
		return "error";
	case SP_DIAG_WARNING:
		return "warning";
	default:
		return "note";
	}
}

void sp_diag_render(sp_buf *out, const sp_diag_list *list, const char *file)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		const sp_diag *d = &list->items[i];
		int prefixed = 0;

		if (d->file && *d->file) {
			sp_buf_printf(out, "%s:", d->file);
			prefixed = 1;
		} else if (file && *file) {
			sp_buf_printf(out, "%s:", file);
			prefixed = 1;
		}
		if (d->line) {
			sp_buf_printf(out, "%u:", d->line);
			prefixed = 1;
		}
		if (d->line && d->column)
			sp_buf_printf(out, "%u:", d->column);
		sp_buf_printf(out, "%s%s: %s\n", prefixed ? " " : "",
		              diag_severity_name(d->severity), d->message);
	}
}
