/* The build context measured without writing it: tree objects and blob headers
 * only, big trees' sizes kept in a file. Apart from the writer (context.c), so
 * that programs that only measure (pre-receive) do not load libarchive. */
#include "context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "context_private.h"
#include "error.h"
#include "repo_private.h"

#include "banned.h"

static const char *const context_units[] = {"KiB", "MiB", "GiB",
                                            "TiB", "PiB", "EiB"};

/* "512 bytes", "100 MiB", "1.5 GiB"; with `decimal` always one decimal. */
static void context_size_text(char *out, size_t len, uint64_t n, int decimal)
{
	uint64_t unit = 1024;
	int u = 0;

	if (n < 1024) {
		snprintf(out, len, "%llu byte%s", (unsigned long long)n,
		         n == 1 ? "" : "s");
		return;
	}
	while (u < 5 && n / unit >= 1024) {
		unit *= 1024;
		u++;
	}
	if (!decimal && n % unit == 0)
		snprintf(out, len, "%llu %s", (unsigned long long)(n / unit),
		         context_units[u]);
	else
		snprintf(out, len, "%.1f %s", (double)n / (double)unit,
		         context_units[u]);
}

/* A size and a limit in words; in bytes when rounding would hide which is
 * bigger. */
static void context_size_pair(char a[32], char b[32], uint64_t size,
                              uint64_t limit)
{
	context_size_text(a, 32, size, 1);
	context_size_text(b, 32, limit, 1);
	if (!strcmp(a, b)) {
		snprintf(a, 32, "%llu bytes", (unsigned long long)size);
		snprintf(b, 32, "%llu bytes", (unsigned long long)limit);
		return;
	}
	context_size_text(a, 32, size, 0);
	context_size_text(b, 32, limit, 0);
}

/*
 * The limits of `opts` on a blob of `size` bytes at `path`, `bytes` of
 * files before it: the same check, in the same order, for the writer and
 * for sp_context_measure.
 */
int sp_context__limits(const sp_context_options *opts, const char *path,
                       uint64_t size, uint64_t bytes)
{
	char a[32], b[32], c[32];
	uint64_t sum;

	if (!opts)
		return 0;
	if (opts->max_blob && size > opts->max_blob) {
		context_size_pair(a, b, size, opts->max_blob);
		return sp_error_set(SP_ETOOBIG,
		                    "file '%s' is too big for the build "
		                    "context: %s, over the %s limit on a file "
		                    "(spacehook.maxBlobSize)",
		                    path, a, b);
	}
	if (opts->max_total &&
	    (size > opts->max_total || bytes > opts->max_total - size)) {
		sum = bytes > UINT64_MAX - size ? UINT64_MAX : bytes + size;
		context_size_pair(a, b, sum, opts->max_total);
		context_size_text(c, sizeof(c), size, 0);
		return sp_error_set(SP_ETOOBIG,
		                    "the build context is too big: with '%s' "
		                    "(%s) its files come to %s, over the %s "
		                    "limit on them all "
		                    "(spacehook.maxContextSize)",
		                    path, c, a, b);
	}
	return 0;
}

/* The error of a blob of the commit libgit2 could not read. */
int sp_context__blob_error(int error)
{
	return sp_repo__git_error(error == GIT_ENOTFOUND ? SP_ENOTFOUND
	                                                 : SP_ERROR,
	                          "reading a blob of the commit");
}

/*
 * Measuring without writing (sp_context_measure): the same walk, tree
 * objects and blob headers only. The sizes of big trees are kept in a file
 * (opts->size_cache) keyed by tree id: a tree's contents never change, so a
 * tree found there is not read again unless a limit may be passed inside.
 */

/* Trees with fewer entries below than this are not worth keeping. */
#define MEASURE_CACHE_MIN 32
/* A size cache file bigger than this is ignored. */
#define MEASURE_CACHE_MAX ((size_t)64 * 1024 * 1024)
#define MEASURE_CACHE_MAGIC "spacehook tree sizes 1\n"

/* What a tree holds below it, as sp_context_measure counts it. */
struct tree_sizes {
	git_oid id;
	sp_context_stats stats;   /* dirs: directories below it */
	uint64_t biggest;         /* largest blob of any kind (links too) */
	size_t height;            /* levels of directories below: 0 for none */
	const char *largest_path; /* of stats.largest, relative */
	int fresh;                /* measured now, not read from the file */
};

/* Tree sizes by id: open addressing, a power of two of slots. */
struct size_table {
	struct tree_sizes *v;
	size_t count;
	size_t cap;
};

/* A tree being walked: its own counts start at `start`. */
struct measure_level {
	git_tree *tree;
	git_oid id;
	size_t next;
	size_t base;
	sp_context_stats start;
	uint64_t biggest;
	size_t height;
	uint64_t largest;
	sp_buf largest_path; /* full path */
};

struct measure {
	git_repository *git;
	git_odb *odb;
	const sp_context_options *opts;
	sp_context_stats *stats;
	struct measure_level *levels;
	size_t depth;
	size_t levels_cap;
	sp_buf walk;
	struct size_table cache; /* read from the file */
	struct size_table seen;  /* this commit's big trees */
};

static size_t size_table_slot(const struct size_table *t, const git_oid *id)
{
	uint64_t h;
	size_t i;

	memcpy(&h, id->id, sizeof(h));
	for (i = (size_t)h & (t->cap - 1);
	     t->v[i].fresh >= 0 && git_oid_cmp(&t->v[i].id, id);
	     i = (i + 1) & (t->cap - 1))
		;
	return i;
}

static const struct tree_sizes *size_table_get(const struct size_table *t,
                                               const git_oid *id)
{
	size_t i;

	if (!t->count)
		return NULL;
	i = size_table_slot(t, id);
	return t->v[i].fresh >= 0 ? &t->v[i] : NULL;
}

/* Add a copy of `ts` (its path copied too), unless the id is there. */
static void size_table_put(struct size_table *t, const struct tree_sizes *ts)
{
	size_t i;

	if (2 * (t->count + 1) > t->cap) {
		struct size_table bigger = {NULL, 0, t->cap ? 2 * t->cap : 64};

		bigger.v = sp_calloc(bigger.cap, sizeof(*bigger.v));
		for (i = 0; i < bigger.cap; i++)
			bigger.v[i].fresh = -1;
		for (i = 0; i < t->cap; i++)
			if (t->v[i].fresh >= 0) {
				bigger
				    .v[size_table_slot(&bigger, &t->v[i].id)] =
				    t->v[i];
				bigger.count++;
			}
		free(t->v);
		*t = bigger;
	}
	i = size_table_slot(t, &ts->id);
	if (t->v[i].fresh >= 0)
		return;
	t->v[i] = *ts;
	t->v[i].largest_path =
	    sp_strdup(ts->largest_path ? ts->largest_path : "");
	t->count++;
}

static void size_table_dispose(struct size_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		if (t->v[i].fresh >= 0)
			free((void *)t->v[i].largest_path);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* A path in the cache file: printable bytes but '%' as they are, others %XX. */
static void size_path_encode(sp_buf *out, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p > ' ' && *p < 0x7f && *p != '%')
			sp_buf_putc(out, (char)*p);
		else
			sp_buf_printf(out, "%%%02X", *p);
	}
}

static int size_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int size_path_decode(sp_buf *out, const char *s, size_t len)
{
	sp_buf_clear(out);
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '%') {
			sp_buf_putc(out, s[i]);
			continue;
		}
		if (i + 2 >= len || (hi = size_hex(s[i + 1])) < 0 ||
		    (lo = size_hex(s[i + 2])) < 0 || !(hi | lo))
			return -1;
		sp_buf_putc(out, (char)(hi * 16 + lo));
		i += 2;
	}
	return 0;
}

/* Read the cache file; anything wrong in it: start from nothing. */
static void measure_cache_load(struct measure *m)
{
	sp_buf file = SP_BUF_INIT, path = SP_BUF_INIT;
	const char *p, *end;

	if (!m->opts || !m->opts->size_cache ||
	    sp_buf_read_file(&file, m->opts->size_cache, MEASURE_CACHE_MAX) <
	        0 ||
	    strncmp(file.ptr, MEASURE_CACHE_MAGIC,
	            sizeof(MEASURE_CACHE_MAGIC) - 1)) {
		sp_error_clear();
		goto done;
	}
	p = file.ptr + sizeof(MEASURE_CACHE_MAGIC) - 1;
	end = file.ptr + file.size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct tree_sizes ts = {0};
		unsigned long long v[9];
		char hex[GIT_OID_HEXSZ + 1];
		int used = 0;

		if (!nl)
			break;
		if (sscanf(p, "%40s %llu %llu %llu %llu %llu %llu %llu %llu %n",
		           hex, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
		           &v[7], &used) < 9 ||
		    used <= 0 || p + used > nl + 1 ||
		    git_oid_fromstr(&ts.id, hex) < 0 ||
		    size_path_decode(&path, p + used,
		                     (size_t)(nl - (p + used))) < 0) {
			size_table_dispose(&m->cache);
			goto done;
		}
		ts.stats.files = (size_t)v[0];
		ts.stats.dirs = (size_t)v[1];
		ts.stats.symlinks = (size_t)v[2];
		ts.stats.submodules = (size_t)v[3];
		ts.stats.bytes = v[4];
		ts.stats.largest = v[5];
		ts.biggest = v[6];
		ts.height = (size_t)v[7];
		ts.largest_path = path.ptr;
		size_table_put(&m->cache, &ts);
		p = nl + 1;
	}
done:
	git_error_clear();
	sp_buf_dispose(&file);
	sp_buf_dispose(&path);
}

/* Write this commit's big trees to the cache file when any is new. */
static void measure_cache_save(struct measure *m)
{
	sp_buf text = SP_BUF_INIT, tmp = SP_BUF_INIT;
	size_t fresh = 0;
	FILE *f = NULL;
	int ok;

	if (!m->opts || !m->opts->size_cache)
		return;
	for (size_t i = 0; i < m->seen.cap; i++)
		if (m->seen.v[i].fresh > 0)
			fresh++;
	if (!fresh)
		return;
	sp_buf_puts(&text, MEASURE_CACHE_MAGIC);
	for (size_t i = 0; i < m->seen.cap; i++) {
		const struct tree_sizes *ts = &m->seen.v[i];
		char hex[GIT_OID_HEXSZ + 1];

		if (ts->fresh < 0)
			continue;
		git_oid_tostr(hex, sizeof(hex), &ts->id);
		sp_buf_printf(&text, "%s %zu %zu %zu %zu %llu %llu %llu %zu ",
		              hex, ts->stats.files, ts->stats.dirs,
		              ts->stats.symlinks, ts->stats.submodules,
		              (unsigned long long)ts->stats.bytes,
		              (unsigned long long)ts->stats.largest,
		              (unsigned long long)ts->biggest, ts->height);
		size_path_encode(&text, ts->largest_path);
		sp_buf_putc(&text, '\n');
	}
	sp_buf_printf(&tmp, "%s.%ld.tmp", m->opts->size_cache, (long)getpid());
	if ((f = fopen(tmp.ptr, "we"))) {
		ok = fwrite(text.ptr, 1, text.size, f) == text.size;
		ok = fclose(f) == 0 && ok;
		if (!ok || rename(tmp.ptr, m->opts->size_cache) < 0)
			unlink(tmp.ptr);
	}
	sp_buf_dispose(&text);
	sp_buf_dispose(&tmp);
	sp_error_clear();
}

/*
 * Whether the cached sizes of a tree whose entries sit at `level` (0: the
 * root's) can stand for its walk: nothing inside may pass a limit or the
 * depth, given `bytes` before it.
 */
static int measure_can_skip(const struct measure *m,
                            const struct tree_sizes *ts, size_t level)
{
	const sp_context_options *o = m->opts;
	uint64_t bytes = m->stats->bytes;

	if (ts->height && level + ts->height - 1 >= SP_CONTEXT_MAX_DEPTH)
		return 0;
	if (!o)
		return 1;
	if (o->max_blob && ts->biggest > o->max_blob)
		return 0;
	if (o->max_total &&
	    (ts->stats.bytes > o->max_total ||
	     ts->biggest > o->max_total - ts->stats.bytes ||
	     bytes > o->max_total - ts->stats.bytes - ts->biggest))
		return 0;
	return 1;
}

/* Count a whole tree from its cached sizes, its entries at `level`. */
static void measure_add_cached(struct measure *m, const struct tree_sizes *ts,
                               struct measure_level *parent)
{
	sp_context_stats *s = m->stats;

	s->files += ts->stats.files;
	s->dirs += ts->stats.dirs;
	s->symlinks += ts->stats.symlinks;
	s->submodules += ts->stats.submodules;
	s->bytes += ts->stats.bytes;
	if (ts->stats.largest > s->largest)
		s->largest = ts->stats.largest;
	if (parent && ts->stats.largest > parent->largest) {
		parent->largest = ts->stats.largest;
		sp_buf_clear(&parent->largest_path);
		sp_buf_put(&parent->largest_path, m->walk.ptr, m->walk.size);
		sp_buf_puts(&parent->largest_path, ts->largest_path);
	}
	if (parent) {
		if (ts->biggest > parent->biggest)
			parent->biggest = ts->biggest;
		if (ts->height + 1 > parent->height)
			parent->height = ts->height + 1;
	}
	size_table_put(&m->seen, ts);
}

/* Walk into `tree` (owned from now on), whose path is m->walk. */
static void measure_push(struct measure *m, git_tree *tree)
{
	struct measure_level *l;

	if (m->depth == m->levels_cap) {
		size_t cap = m->levels_cap ? 2 * m->levels_cap : 16;
		struct measure_level *levels = sp_calloc(cap, sizeof(*levels));

		if (m->depth)
			memcpy(levels, m->levels, m->depth * sizeof(*levels));
		free(m->levels);
		m->levels = levels;
		m->levels_cap = cap;
	}
	l = &m->levels[m->depth++];
	memset(l, 0, sizeof(*l));
	sp_buf_init(&l->largest_path);
	l->tree = tree;
	git_oid_cpy(&l->id, git_tree_id(tree));
	l->base = m->walk.size;
	l->start = *m->stats;
}

/* Leave the innermost tree: its sizes go to its parent and the cache. */
static void measure_pop(struct measure *m)
{
	struct measure_level *l = &m->levels[--m->depth];
	struct measure_level *parent =
	    m->depth ? &m->levels[m->depth - 1] : NULL;
	struct tree_sizes ts = {0};
	size_t below;

	ts.id = l->id;
	ts.stats.files = m->stats->files - l->start.files;
	ts.stats.dirs = m->stats->dirs - l->start.dirs;
	ts.stats.symlinks = m->stats->symlinks - l->start.symlinks;
	ts.stats.submodules = m->stats->submodules - l->start.submodules;
	ts.stats.bytes = m->stats->bytes - l->start.bytes;
	ts.stats.largest = l->largest;
	ts.biggest = l->biggest;
	ts.height = l->height;
	ts.largest_path = l->largest_path.ptr + (l->largest ? l->base : 0);
	if (!l->largest)
		ts.largest_path = "";
	ts.fresh = 1;
	below = ts.stats.files + ts.stats.dirs + ts.stats.symlinks +
	        ts.stats.submodules;
	if (below >= MEASURE_CACHE_MIN)
		size_table_put(&m->seen, &ts);
	if (parent) {
		if (l->largest > parent->largest) {
			parent->largest = l->largest;
			sp_buf_sets(&parent->largest_path, l->largest_path.ptr);
		}
		if (l->biggest > parent->biggest)
			parent->biggest = l->biggest;
		if (l->height + 1 > parent->height)
			parent->height = l->height + 1;
	}
	git_tree_free(l->tree);
	l->tree = NULL;
	if (parent)
		sp_buf_dispose(&l->largest_path);
}

/* One blob entry: its header, the limits, the counts. */
static int measure_blob(struct measure *m, struct measure_level *l,
                        const git_tree_entry *te)
{
	size_t size = 0;
	git_object_t type;
	int error;

	if ((error = git_odb_read_header(&size, &type, m->odb,
	                                 git_tree_entry_id(te))) < 0)
		return sp_context__blob_error(error);
	if ((error = sp_context__limits(m->opts, m->walk.ptr, (uint64_t)size,
	                                m->stats->bytes)) < 0)
		return error;
	if (size > l->biggest)
		l->biggest = size;
	if (git_tree_entry_filemode(te) == GIT_FILEMODE_LINK) {
		m->stats->symlinks++;
		return 0;
	}
	m->stats->files++;
	m->stats->bytes += size;
	if (size > m->stats->largest)
		m->stats->largest = size;
	if (size > l->largest) {
		l->largest = size;
		sp_buf_sets(&l->largest_path, m->walk.ptr);
	}
	return 0;
}

/* Walk the tree of the commit in the order of the archive. */
static int measure_walk(struct measure *m)
{
	int error;

	while (m->depth > 0) {
		struct measure_level *l = &m->levels[m->depth - 1];
		const git_tree_entry *te;
		const struct tree_sizes *ts;
		git_tree *tree = NULL;

		if (l->next >= git_tree_entrycount(l->tree)) {
			measure_pop(m);
			continue;
		}
		te = git_tree_entry_byindex(l->tree, l->next++);
		sp_buf_truncate(&m->walk, l->base);
		sp_buf_puts(&m->walk, git_tree_entry_name(te));
		switch (git_tree_entry_filemode(te)) {
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
		case GIT_FILEMODE_LINK:
			if ((error = measure_blob(m, l, te)) < 0)
				return error;
			break;
		case GIT_FILEMODE_COMMIT:
			m->stats->submodules++;
			break;
		case GIT_FILEMODE_TREE:
			if (m->depth - 1 >= SP_CONTEXT_MAX_DEPTH)
				return sp_error_set(SP_EINVALID,
				                    "directory '%s' is nested "
				                    "more than %d deep",
				                    m->walk.ptr,
				                    SP_CONTEXT_MAX_DEPTH);
			m->stats->dirs++;
			if (l->height < 1)
				l->height = 1;
			sp_buf_putc(&m->walk, '/');
			ts = size_table_get(&m->cache, git_tree_entry_id(te));
			if (ts && measure_can_skip(m, ts, m->depth)) {
				measure_add_cached(m, ts, l);
				break;
			}
			if ((error = git_tree_lookup(
			         &tree, m->git, git_tree_entry_id(te))) < 0)
				return sp_repo__git_error(
				    error == GIT_ENOTFOUND ? SP_ENOTFOUND
				                           : SP_ERROR,
				    "reading a tree of the commit");
			measure_push(m, tree);
			break;
		default:
			return sp_error_set(
			    SP_EINVALID,
			    "tree entry '%s' has unknown mode "
			    "%06o",
			    m->walk.ptr, (unsigned)git_tree_entry_filemode(te));
		}
	}
	return 0;
}

int sp_context_measure(sp_context_stats *out, sp_repo *repo, const char *commit,
                       const sp_context_options *opts, sp_buf *largest_path)
{
	struct measure m = {0};
	char hex[SP_OID_HEXSZ + 1];
	const struct tree_sizes *ts;
	git_oid id;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	int error;

	memset(out, 0, sizeof(*out));
	if (largest_path)
		sp_buf_clear(largest_path);
	m.git = repo->git;
	m.opts = opts;
	m.stats = out;
	sp_buf_init(&m.walk);

	if ((error = sp_repo_resolve(hex, repo, commit)) < 0)
		goto done;
	if (git_oid_fromstr(&id, hex) < 0 ||
	    (error = git_commit_lookup(&c, repo->git, &id)) < 0) {
		error = sp_repo__git_error(error == GIT_ENOTFOUND ? SP_ENOTFOUND
		                                                  : SP_ERROR,
		                           "reading the tree of the commit");
		goto done;
	}
	if (git_repository_odb(&m.odb, repo->git) < 0) {
		error = sp_repo__git_error(SP_ERROR,
		                           "cannot open the object database");
		goto done;
	}
	measure_cache_load(&m);

	/* The whole tree known and within the limits: nothing to read. */
	ts = size_table_get(&m.cache, git_commit_tree_id(c));
	if (ts && measure_can_skip(&m, ts, 0)) {
		measure_add_cached(&m, ts, NULL);
		if (largest_path)
			sp_buf_sets(largest_path, ts->largest_path);
		goto done;
	}
	if ((error = git_commit_tree(&tree, c)) < 0) {
		error = sp_repo__git_error(error == GIT_ENOTFOUND ? SP_ENOTFOUND
		                                                  : SP_ERROR,
		                           "reading the tree of the commit");
		goto done;
	}
	measure_push(&m, tree);
	tree = NULL;
	if ((error = measure_walk(&m)) < 0)
		goto done;
	if (largest_path && m.levels[0].largest)
		sp_buf_sets(largest_path, m.levels[0].largest_path.ptr);
	measure_cache_save(&m);
done:
	while (m.depth > 0) {
		struct measure_level *l = &m.levels[--m.depth];

		git_tree_free(l->tree);
		sp_buf_dispose(&l->largest_path);
	}
	if (m.levels)
		sp_buf_dispose(&m.levels[0].largest_path);
	free(m.levels);
	size_table_dispose(&m.cache);
	size_table_dispose(&m.seen);
	sp_buf_dispose(&m.walk);
	git_odb_free(m.odb);
	git_tree_free(tree);
	git_commit_free(c);
	return error;
}
