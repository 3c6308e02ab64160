/*
 * merge.c -- many results databases into one (netsim merge): every run of
 * the inputs lands in the output once, with all its rows.
 *
 * What a run is.  A run is a pure function of (binary, scenario, seed),
 * and a finished run's row says which: scenario text, seed, version,
 * fingerprint, end, status, message.  Two rows that agree on every
 * column but the id are the same run, and the same run appends the same
 * rows; so the output keeps one of them, and merging a database twice,
 * or two databases that share runs, duplicates nothing.  A run that did
 * not finish cleanly ('unfinished', 'error') may have any part of its
 * rows, so for it the rows must agree too: as many in every table.  One
 * database may hold the same run twice (run twice into it); the output
 * keeps as many copies as the input with the most has, no more.
 *
 * Ids.  A run keeps its id when the output has no run of that id;
 * otherwise it gets the next free one (after every id in use), and every
 * row that points at it -- every table's run_id, or whatever column is
 * declared REFERENCES runs(id) -- follows.  Tables are found, not listed:
 * any table whose rows reach the runs table through run_id columns or
 * REFERENCES clauses is copied, parents first, so the tables of later
 * schema versions are merged without a change here.  A table whose rows
 * reach no run cannot be merged, and merge says so rather than guess --
 * unless it has keys of its own that the runs point at (campaigns: a
 * run's campaign_id): such a table is copied first, a row the output
 * holds already (every other column the same) keeping the output's key,
 * and the runs and the rows that reference it follow its keys.
 * A table with its own INTEGER PRIMARY KEY gets new keys in the output,
 * and the rows that reference it follow them the same way.
 *
 * All of it is one transaction on the output: a merge that fails leaves
 * the output as it was.  Inputs are only read (an input of an older
 * schema version is first brought up to date, as any netsim does).
 */
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <search.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sim/record/record.h"

#define MG_TABLES_MAX   64              /* tables in a database */
#define MG_COLS_MAX     64              /* columns in a table */
#define MG_FKS_MAX      8               /* references from one table */
#define MG_NAME_MAX     64              /* bytes of a table or column name */
#define MG_SQL_MAX      8192
#define MG_BUSY_MS      60000           /* wait for a busy output */

/* A table of the input, as merge copies it. */
struct mg_table {
	char name[MG_NAME_MAX];
	int ncols;
	char cols[MG_COLS_MAX][MG_NAME_MAX];
	int pk;                         /* INTEGER PRIMARY KEY column, or -1 */
	int nfks;
	struct {
		int col;                /* the referencing column */
		int parent;             /* index in tables[] */
	} fk[MG_FKS_MAX];
	/* Old key -> new key of the rows copied (pk >= 0), sorted by old. */
	int64_t (*map)[2];
	size_t nmap, mapcap;
	bool top;                       /* keys of its own, no run: copied
					   first, the same row kept once */
	bool done;
};

struct mg {
	sqlite3 *out, *in;
	const char *in_path;
	char *err;
	size_t len;
	struct mg_table t[MG_TABLES_MAX];
	int nt;
	int runs;                       /* index of the runs table */
	void *claimed;                  /* tsearch: output runs this input
					   matched or added */
	struct sim_merge_stats *st;
};

static void __attribute__((format(printf, 2, 3)))
mg_errf(struct mg *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->err, g->len, fmt, ap);
	va_end(ap);
}

static int
mg_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* --- the tables ----------------------------------------------------------- */

static int
mg_find_table(const struct mg *g, const char *name)
{
	for (int i = 0; i < g->nt; i++)
		if (strcmp(g->t[i].name, name) == 0)
			return i;
	return -1;
}

static int
mg_find_col(const struct mg_table *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], name) == 0)
			return i;
	return -1;
}

/* The input's tables and their columns.  => 0, or -1 (said in err) */
static int
mg_read_tables(struct mg *g)
{
	sqlite3_stmt *st = NULL, *ci = NULL;
	int rc;

	/*
	 * stage_segments is the schema's own table, the same in every file of
	 * this version and in OUT (brought up to date first): nothing of a
	 * run's to copy.
	 */
	rc = sqlite3_prepare_v2(g->in, "SELECT name FROM sqlite_master WHERE "
	    "type = 'table' AND name NOT LIKE 'sqlite_%' AND name != "
	    "'stage_segments' ORDER BY name", -1, &st, NULL);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		struct mg_table *t = &g->t[g->nt];
		const char *name;

		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		name = (const char *)sqlite3_column_text(st, 0);
		if (g->nt == MG_TABLES_MAX || strlen(name) >= MG_NAME_MAX) {
			mg_errf(g, "%s: more tables than merge knows how to "
			    "take (%d), or a name too long", g->in_path,
			    MG_TABLES_MAX);
			goto fail;
		}
		memset(t, 0, sizeof(*t));
		snprintf(t->name, sizeof(t->name), "%s", name);
		t->pk = -1;
		if ((rc = sqlite3_prepare_v2(g->in, "SELECT name, type, pk FROM "
		    "pragma_table_info(?1) ORDER BY cid", -1, &ci, NULL)) !=
		    SQLITE_OK)
			break;
		sqlite3_bind_text(ci, 1, name, -1, SQLITE_STATIC);
		while (sqlite3_step(ci) == SQLITE_ROW) {
			const char *c = (const char *)sqlite3_column_text(ci, 0);
			const char *type = (const char *)sqlite3_column_text(ci, 1);

			if (t->ncols == MG_COLS_MAX || strlen(c) >= MG_NAME_MAX) {
				mg_errf(g, "%s: table %s has too many columns",
				    g->in_path, name);
				goto fail;
			}
			if (sqlite3_column_int(ci, 2) == 1 && type != NULL &&
			    strcasecmp(type, "INTEGER") == 0)
				t->pk = t->ncols;
			else if (sqlite3_column_int(ci, 2) > 1)
				t->pk = -1;     /* a composite key: no alias */
			snprintf(t->cols[t->ncols++], MG_NAME_MAX, "%s", c);
		}
		sqlite3_finalize(ci);
		ci = NULL;
		g->nt++;
	}
	if (rc != SQLITE_DONE) {
		mg_errf(g, "%s: cannot read its tables: %s", g->in_path,
		    sqlite3_errmsg(g->in));
		goto fail;
	}
	sqlite3_finalize(st);
	g->runs = mg_find_table(g, "runs");
	if (g->runs < 0 || g->t[g->runs].pk < 0) {
		mg_errf(g, "%s: no runs table with an id", g->in_path);
		return -1;
	}
	return 0;
fail:
	sqlite3_finalize(ci);
	sqlite3_finalize(st);
	return -1;
}

/*
 * Which column of each table points at which table: the REFERENCES
 * clauses, and run_id where none is declared.  A table reaching no run
 * is an error.
 */
static int
mg_read_links(struct mg *g)
{
	for (int i = 0; i < g->nt; i++) {
		struct mg_table *t = &g->t[i];
		sqlite3_stmt *st = NULL;
		int run_id = mg_find_col(t, "run_id");
		bool run_id_linked = false;

		if (sqlite3_prepare_v2(g->in, "SELECT \"from\", \"table\", "
		    "\"to\" FROM pragma_foreign_key_list(?1)", -1, &st, NULL) !=
		    SQLITE_OK) {
			mg_errf(g, "%s: %s", g->in_path, sqlite3_errmsg(g->in));
			return -1;
		}
		sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW && t->nfks < MG_FKS_MAX) {
			int col = mg_find_col(t, (const char *)
			    sqlite3_column_text(st, 0));
			int parent = mg_find_table(g, (const char *)
			    sqlite3_column_text(st, 1));
			const char *to = (const char *)sqlite3_column_text(st,
			    2);

			/* Only a reference to a key merge renumbers counts. */
			if (col < 0 || parent < 0 || parent == i ||
			    g->t[parent].pk < 0 || (to != NULL &&
			    strcmp(to, g->t[parent].cols[g->t[parent].pk]) != 0))
				continue;
			t->fk[t->nfks].col = col;
			t->fk[t->nfks++].parent = parent;
			run_id_linked |= col == run_id;
		}
		sqlite3_finalize(st);
		if (i == g->runs)
			continue;       /* its references: campaign_id */
		if (run_id >= 0 && !run_id_linked && t->nfks < MG_FKS_MAX) {
			t->fk[t->nfks].col = run_id;
			t->fk[t->nfks++].parent = g->runs;
		}
		/*
		 * A table of keys of its own that reaches no run (campaigns:
		 * the runs point at it) is copied first, whole.
		 */
		if (t->nfks == 0 && t->pk >= 0) {
			t->top = true;
			continue;
		}
		if (t->nfks == 0) {
			mg_errf(g, "%s: table %s has no run_id column and "
			    "references no table: netsim merge cannot tell "
			    "which run its rows belong to", g->in_path,
			    t->name);
			return -1;
		}
	}
	return 0;
}

/* Every table the input has must be in the output with its columns. */
static int
mg_check_out(struct mg *g)
{
	for (int i = 0; i < g->nt; i++) {
		const struct mg_table *t = &g->t[i];

		for (int c = 0; c < t->ncols; c++) {
			sqlite3_stmt *st = NULL;
			int found = 0;

			if (sqlite3_prepare_v2(g->out, "SELECT count(*) FROM "
			    "pragma_table_info(?1) WHERE name = ?2", -1, &st,
			    NULL) == SQLITE_OK) {
				sqlite3_bind_text(st, 1, t->name, -1,
				    SQLITE_STATIC);
				sqlite3_bind_text(st, 2, t->cols[c], -1,
				    SQLITE_STATIC);
				if (sqlite3_step(st) == SQLITE_ROW)
					found = sqlite3_column_int(st, 0);
			}
			sqlite3_finalize(st);
			if (!found) {
				mg_errf(g, "%s has %s.%s and the output has "
				    "not: not the same schema", g->in_path,
				    t->name, t->cols[c]);
				return -1;
			}
		}
	}
	return 0;
}

/* --- keys ------------------------------------------------------------------ */

static int
mg_map_add(struct mg *g, struct mg_table *t, int64_t old, int64_t new)
{
	if (t->nmap == t->mapcap) {
		size_t cap = t->mapcap ? 2 * t->mapcap : 256;
		int64_t (*m)[2] = realloc(t->map, cap * sizeof(*m));

		if (m == NULL) {
			mg_errf(g, "out of memory");
			return -1;
		}
		t->map = m;
		t->mapcap = cap;
	}
	/* Rows are read in key order: the map stays sorted. */
	assert(t->nmap == 0 || t->map[t->nmap - 1][0] < old);
	t->map[t->nmap][0] = old;
	t->map[t->nmap][1] = new;
	t->nmap++;
	return 0;
}

/* The new key of old in t, or false when that row was not copied. */
static bool
mg_map_get(const struct mg_table *t, int64_t old, int64_t *new)
{
	const int64_t (*p)[2];

	if (t->nmap == 0)
		return false;
	p = bsearch(&old, t->map, t->nmap, sizeof(*p), mg_cmp_i64);
	if (p == NULL)
		return false;
	*new = (*p)[1];
	return true;
}

static bool
mg_claimed(struct mg *g, int64_t id)
{
	return tfind(&id, &g->claimed, mg_cmp_i64) != NULL;
}

static int
mg_claim(struct mg *g, int64_t id)
{
	int64_t *k = malloc(sizeof(*k));

	if (k == NULL || (*k = id, tsearch(k, &g->claimed, mg_cmp_i64)) ==
	    NULL) {
		free(k);
		mg_errf(g, "out of memory");
		return -1;
	}
	return 0;
}

/* --- runs -------------------------------------------------------------------- */

/* How many rows of table t point at run id in db (its run_id columns). */
static int64_t
mg_count_rows(sqlite3 *db, const struct mg *g, const struct mg_table *t,
    int64_t id)
{
	char sql[MG_SQL_MAX];
	sqlite3_stmt *st = NULL;
	int64_t n = -1;
	size_t k = 0;

	k += (size_t)snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\" "
	    "WHERE 0", t->name);
	for (int f = 0; f < t->nfks && k < sizeof(sql); f++)
		if (t->fk[f].parent == g->runs)
			k += (size_t)snprintf(sql + k, sizeof(sql) - k, " OR "
			    "\"%s\" = ?1", t->cols[t->fk[f].col]);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return n;
}

/* Do in's run old and out's run cand have as many rows in every table? */
static bool
mg_same_rows(struct mg *g, int64_t old, int64_t cand)
{
	for (int i = 0; i < g->nt; i++) {
		const struct mg_table *t = &g->t[i];
		int64_t a, b;

		if (i == g->runs)
			continue;
		a = mg_count_rows(g->in, g, t, old);
		b = mg_count_rows(g->out, g, t, cand);
		if (a < 0 || a != b)
			return false;
	}
	return true;
}

/*
 * Bind column c of row to parameter k of st: a reference to a table
 * copied before the runs (a campaign) as the key it has in the output.
 */
static void
mg_bind_mapped(const struct mg *g, const struct mg_table *t,
    sqlite3_stmt *st, int k, sqlite3_stmt *row, int c)
{
	for (int f = 0; f < t->nfks; f++) {
		int64_t new;

		if (t->fk[f].col != c || sqlite3_column_type(row, c) ==
		    SQLITE_NULL)
			continue;
		if (mg_map_get(&g->t[t->fk[f].parent],
		    sqlite3_column_int64(row, c), &new)) {
			sqlite3_bind_int64(st, k, new);
			return;
		}
		sqlite3_bind_null(st, k);       /* it was not copied */
		return;
	}
	sqlite3_bind_value(st, k, sqlite3_column_value(row, c));
}

/*
 * The output's run that is in's run (the row in `row`), not yet claimed
 * by this input; 0 if none.
 */
static int64_t
mg_find_same(struct mg *g, sqlite3_stmt *same, sqlite3_stmt *row)
{
	const struct mg_table *r = &g->t[g->runs];
	int status = mg_find_col(r, "status");
	const char *s = status >= 0 ? (const char *)sqlite3_column_text(row,
	    status) : NULL;
	bool clean = s != NULL && strcmp(s, "unfinished") != 0 &&
	    strcmp(s, "error") != 0;
	int64_t found = 0;

	sqlite3_reset(same);
	for (int c = 0, k = 1; c < r->ncols; c++)
		if (c != r->pk)
			mg_bind_mapped(g, r, same, k++, row, c);
	while (found == 0 && sqlite3_step(same) == SQLITE_ROW) {
		int64_t cand = sqlite3_column_int64(same, 0);

		if (!mg_claimed(g, cand) && (clean ||
		    mg_same_rows(g, sqlite3_column_int64(row, r->pk), cand)))
			found = cand;
	}
	sqlite3_reset(same);
	return found;
}

/* The statement finding an output run equal to an input row. */
static int
mg_prepare_same(struct mg *g, sqlite3_stmt **same)
{
	const struct mg_table *r = &g->t[g->runs];
	char sql[MG_SQL_MAX];
	size_t k = 0;
	int seed = mg_find_col(r, "seed");

	/* seed = first, for the index runs_by_seed. */
	k += (size_t)snprintf(sql, sizeof(sql), "SELECT \"%s\" FROM runs WHERE "
	    "1", r->cols[r->pk]);
	for (int c = 0, n = 1; c < r->ncols && k < sizeof(sql); c++) {
		if (c == r->pk)
			continue;
		k += (size_t)snprintf(sql + k, sizeof(sql) - k, c == seed ?
		    " AND \"%s\" = ?%d" : " AND \"%s\" IS ?%d", r->cols[c], n);
		n++;
	}
	if (k >= sizeof(sql) || sqlite3_prepare_v2(g->out, sql, -1, same,
	    NULL) != SQLITE_OK) {
		mg_errf(g, "cannot look for runs in the output: %s",
		    sqlite3_errmsg(g->out));
		return -1;
	}
	return 0;
}

/* A SELECT of every column of t from the input, in key (rowid) order. */
static int
mg_prepare_select(struct mg *g, const struct mg_table *t, sqlite3_stmt **st)
{
	char sql[MG_SQL_MAX];
	size_t k = 0;

	k += (size_t)snprintf(sql, sizeof(sql), "SELECT ");
	for (int c = 0; c < t->ncols && k < sizeof(sql); c++)
		k += (size_t)snprintf(sql + k, sizeof(sql) - k, "%s\"%s\"",
		    c ? ", " : "", t->cols[c]);
	if (k < sizeof(sql))
		k += (size_t)snprintf(sql + k, sizeof(sql) - k, " FROM \"%s\" "
		    "ORDER BY rowid", t->name);
	if (k >= sizeof(sql) || sqlite3_prepare_v2(g->in, sql, -1, st, NULL) !=
	    SQLITE_OK) {
		mg_errf(g, "%s: cannot read table %s: %s", g->in_path, t->name,
		    sqlite3_errmsg(g->in));
		return -1;
	}
	return 0;
}

/* An INSERT of every column of t into the output, in the same order. */
static int
mg_prepare_insert(struct mg *g, const struct mg_table *t, sqlite3_stmt **st)
{
	char sql[MG_SQL_MAX];
	size_t k = 0;

	k += (size_t)snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" (",
	    t->name);
	for (int c = 0; c < t->ncols && k < sizeof(sql); c++)
		k += (size_t)snprintf(sql + k, sizeof(sql) - k, "%s\"%s\"",
		    c ? ", " : "", t->cols[c]);
	for (int c = 0; c < t->ncols && k < sizeof(sql); c++)
		k += (size_t)snprintf(sql + k, sizeof(sql) - k, "%s?%d",
		    c ? ", " : ") VALUES (", c + 1);
	if (k < sizeof(sql))
		k += (size_t)snprintf(sql + k, sizeof(sql) - k, ")");
	if (k >= sizeof(sql) || sqlite3_prepare_v2(g->out, sql, -1, st, NULL)
	    != SQLITE_OK) {
		mg_errf(g, "cannot write table %s: %s", t->name,
		    sqlite3_errmsg(g->out));
		return -1;
	}
	return 0;
}

static int64_t
mg_scalar(sqlite3 *db, const char *sql, int64_t arg)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, arg);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

/*
 * The runs: first which are already in the output; then ids -- a run
 * keeps its id when the output has none such, the others take ids after
 * the largest in use, in input order; then the rows.
 */
static int
mg_copy_runs(struct mg *g)
{
	struct mg_table *r = &g->t[g->runs];
	sqlite3_stmt *sel = NULL, *same = NULL, *ins = NULL;
	int64_t next, (*plan)[3] = NULL;        /* old, new (0: copy), dup */
	size_t n = 0, cap = 0;
	int rc = -1;

	if (mg_prepare_same(g, &same) != 0 || mg_prepare_select(g, r, &sel) !=
	    0 || mg_prepare_insert(g, r, &ins) != 0)
		goto out;
	/* Pass 1: which runs the output holds already. */
	while (sqlite3_step(sel) == SQLITE_ROW) {
		int64_t old = sqlite3_column_int64(sel, r->pk), dup;

		if (n == cap) {
			int64_t (*p)[3];

			cap = cap ? 2 * cap : 256;
			if ((p = realloc(plan, cap * sizeof(*p))) == NULL) {
				mg_errf(g, "out of memory");
				goto out;
			}
			plan = p;
		}
		dup = mg_find_same(g, same, sel);
		if (dup != 0 && mg_claim(g, dup) != 0)
			goto out;
		plan[n][0] = old;
		plan[n][1] = dup;
		plan[n][2] = dup != 0;
		n++;
	}
	/* Pass 2: ids the output does not use are kept. */
	for (size_t i = 0; i < n; i++)
		if (!plan[i][2] && mg_scalar(g->out, "SELECT count(*) FROM runs "
		    "WHERE id = ?1", plan[i][0]) == 0)
			plan[i][1] = plan[i][0];
	/* Pass 3: the others come after every id in use or kept. */
	next = mg_scalar(g->out, "SELECT coalesce(max(id), 0) FROM runs", 0);
	for (size_t i = 0; i < n; i++)
		if (plan[i][1] > next)
			next = plan[i][1];
	for (size_t i = 0; i < n; i++)
		if (plan[i][1] == 0)
			plan[i][1] = ++next;
	/* The rows, with their new ids. */
	sqlite3_reset(sel);
	for (size_t i = 0; sqlite3_step(sel) == SQLITE_ROW; i++) {
		assert(i < n && sqlite3_column_int64(sel, r->pk) == plan[i][0]);
		if (plan[i][2]) {
			/* Unmapped: its rows are not copied either. */
			g->st->duplicates++;
			continue;
		}
		if (mg_map_add(g, r, plan[i][0], plan[i][1]) != 0)
			goto out;
		for (int c = 0; c < r->ncols; c++)
			if (c == r->pk)
				sqlite3_bind_int64(ins, c + 1, plan[i][1]);
			else
				mg_bind_mapped(g, r, ins, c + 1, sel, c);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			mg_errf(g, "cannot add run %" PRId64 " of %s: %s",
			    plan[i][0], g->in_path, sqlite3_errmsg(g->out));
			goto out;
		}
		sqlite3_reset(ins);
		if (mg_claim(g, plan[i][1]) != 0)
			goto out;
		g->st->added++;
		g->st->renumbered += plan[i][1] != plan[i][0];
	}
	r->done = true;
	rc = 0;
out:
	free(plan);
	sqlite3_finalize(sel);
	sqlite3_finalize(same);
	sqlite3_finalize(ins);
	return rc;
}

/* --- the other tables -------------------------------------------------------- */

/*
 * Copy table t's rows whose parents were copied, each reference mapped
 * to the parent's new key; a key of t's own is given anew.
 */
static int
mg_copy_table(struct mg *g, struct mg_table *t)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int rc = -1;

	if (mg_prepare_select(g, t, &sel) != 0 ||
	    mg_prepare_insert(g, t, &ins) != 0)
		goto out;
	while (sqlite3_step(sel) == SQLITE_ROW) {
		bool keep = true;

		for (int c = 0; c < t->ncols; c++)
			sqlite3_bind_value(ins, c + 1, sqlite3_column_value(sel,
			    c));
		for (int f = 0; f < t->nfks && keep; f++) {
			int col = t->fk[f].col;
			int64_t new;

			if (sqlite3_column_type(sel, col) == SQLITE_NULL)
				continue;
			/* A parent not copied: a run the output held. */
			keep = mg_map_get(&g->t[t->fk[f].parent],
			    sqlite3_column_int64(sel, col), &new);
			if (keep)
				sqlite3_bind_int64(ins, col + 1, new);
		}
		if (!keep) {
			sqlite3_clear_bindings(ins);
			continue;
		}
		if (t->pk >= 0)
			sqlite3_bind_null(ins, t->pk + 1);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			mg_errf(g, "cannot copy a row of %s from %s: %s",
			    t->name, g->in_path, sqlite3_errmsg(g->out));
			goto out;
		}
		sqlite3_reset(ins);
		if (t->pk >= 0 && mg_map_add(g, t, sqlite3_column_int64(sel,
		    t->pk), sqlite3_last_insert_rowid(g->out)) != 0)
			goto out;
		g->st->rows++;
	}
	t->done = true;
	rc = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return rc;
}

/*
 * Copy a top table (keys of its own, reaching no run: campaigns): a row
 * the output holds already (every other column the same) keeps the
 * output's key, so merging twice adds nothing; any other gets a new one.
 */
static int
mg_copy_top(struct mg *g, struct mg_table *t)
{
	sqlite3_stmt *sel = NULL, *ins = NULL, *same = NULL;
	char sql[MG_SQL_MAX];
	size_t k = 0;
	int rc = -1;

	assert(t->top && t->pk >= 0);
	k += (size_t)snprintf(sql, sizeof(sql), "SELECT \"%s\" FROM \"%s\" "
	    "WHERE 1", t->cols[t->pk], t->name);
	for (int c = 0; c < t->ncols && k < sizeof(sql); c++)
		if (c != t->pk)
			k += (size_t)snprintf(sql + k, sizeof(sql) - k,
			    " AND \"%s\" IS ?%d", t->cols[c], c + 1);
	if (k >= sizeof(sql) || sqlite3_prepare_v2(g->out, sql, -1, &same,
	    NULL) != SQLITE_OK) {
		mg_errf(g, "cannot read table %s of the output: %s", t->name,
		    sqlite3_errmsg(g->out));
		goto out;
	}
	if (mg_prepare_select(g, t, &sel) != 0 ||
	    mg_prepare_insert(g, t, &ins) != 0)
		goto out;
	while (sqlite3_step(sel) == SQLITE_ROW) {
		int64_t new;

		sqlite3_reset(same);
		sqlite3_clear_bindings(same);
		for (int c = 0; c < t->ncols; c++)
			if (c != t->pk)
				sqlite3_bind_value(same, c + 1,
				    sqlite3_column_value(sel, c));
		if (sqlite3_step(same) == SQLITE_ROW)
			new = sqlite3_column_int64(same, 0);
		else {
			for (int c = 0; c < t->ncols; c++)
				sqlite3_bind_value(ins, c + 1,
				    sqlite3_column_value(sel, c));
			sqlite3_bind_null(ins, t->pk + 1);
			if (sqlite3_step(ins) != SQLITE_DONE) {
				mg_errf(g, "cannot copy a row of %s from %s: %s",
				    t->name, g->in_path, sqlite3_errmsg(g->out));
				goto out;
			}
			sqlite3_reset(ins);
			new = sqlite3_last_insert_rowid(g->out);
			g->st->rows++;
		}
		if (mg_map_add(g, t, sqlite3_column_int64(sel, t->pk), new) != 0)
			goto out;
	}
	t->done = true;
	rc = 0;
out:
	sqlite3_finalize(same);
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return rc;
}

/* --- one input, all inputs ------------------------------------------------- */

static void
mg_free_tables(struct mg *g)
{
	for (int i = 0; i < g->nt; i++)
		free(g->t[i].map);
	g->nt = 0;
	tdestroy(g->claimed, free);
	g->claimed = NULL;
}

/* Copy every run of the input at path into the output (in its txn). */
static int
mg_merge_one(struct mg *g, const char *path)
{
	int rc = -1, left;

	g->in_path = path;
	if (sqlite3_open_v2(path, &g->in, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		mg_errf(g, "%s: %s", path, g->in ? sqlite3_errmsg(g->in) :
		    "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(g->in, MG_BUSY_MS);
	/* One snapshot of the input, whatever writes it meanwhile. */
	if (sqlite3_exec(g->in, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    mg_read_tables(g) != 0 || mg_read_links(g) != 0 ||
	    mg_check_out(g) != 0)
		goto out;
	/* The tables the runs point at (campaigns), then the runs. */
	for (int i = 0; i < g->nt; i++)
		if (g->t[i].top && mg_copy_top(g, &g->t[i]) != 0)
			goto out;
	if (mg_copy_runs(g) != 0)
		goto out;
	/* Parents before children. */
	left = 0;
	for (int i = 0; i < g->nt; i++)
		left += !g->t[i].done;
	while (left > 0) {
		int copied = 0;

		for (int i = 0; i < g->nt; i++) {
			struct mg_table *t = &g->t[i];
			bool ready = !t->done;

			for (int f = 0; f < t->nfks && ready; f++)
				ready = g->t[t->fk[f].parent].done;
			if (!ready)
				continue;
			if (mg_copy_table(g, t) != 0)
				goto out;
			copied++;
			left--;
		}
		if (copied == 0) {
			mg_errf(g, "%s: its tables reference each other in a "
			    "circle: netsim merge cannot order them", path);
			goto out;
		}
	}
	rc = 0;
out:
	mg_free_tables(g);
	if (g->in != NULL)
		sqlite3_exec(g->in, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(g->in);
	g->in = NULL;
	return rc;
}

/*
 * An input must be a results database; one of an older schema version
 * is brought up to date (which needs it writable), as any netsim does.
 */
static int
mg_prepare_input(struct mg *g, const char *path)
{
	sqlite3 *db = NULL;
	int version = -1;
	struct sim_recorder *r;

	if (access(path, R_OK) != 0) {
		mg_errf(g, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK) {
		sqlite3_stmt *st = NULL;

		sqlite3_busy_timeout(db, MG_BUSY_MS);
		if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
		    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	if (version == SIM_RECORD_SCHEMA_VERSION)
		return 0;
	if (version <= 0) {
		mg_errf(g, "%s: not a netsim results database", path);
		return -1;
	}
	/* Older: upgraded; newer: refused, with the recorder's words. */
	if ((r = sim_record_open(path, g->err, g->len)) == NULL)
		return -1;
	sim_record_close(r);
	return 0;
}

/* Is path the same file as out? */
static bool
mg_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
sim_record_merge(const char *out, const char *const *in, int nin,
    struct sim_merge_stats *st, char *err, size_t len)
{
	struct mg g = { .err = err, .len = len, .st = st };
	struct sim_recorder *r;
	int rc = -1;

	assert(out != NULL && in != NULL && nin > 0 && st != NULL);
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < nin; i++) {
		if (mg_same_file(out, in[i])) {
			mg_errf(&g, "%s is the output: it cannot be an input "
			    "too", in[i]);
			return -1;
		}
		if (mg_prepare_input(&g, in[i]) != 0)
			return -1;
	}
	/* The output: created, or brought up to date, as netsim run would. */
	if ((r = sim_record_open(out, err, len)) == NULL)
		return -1;
	sim_record_close(r);
	if (sqlite3_open_v2(out, &g.out, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		mg_errf(&g, "%s: %s", out, g.out ? sqlite3_errmsg(g.out) :
		    "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(g.out, MG_BUSY_MS);
	if (sqlite3_exec(g.out, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		mg_errf(&g, "%s: cannot lock it: %s", out,
		    sqlite3_errmsg(g.out));
		goto out;
	}
	for (int i = 0; i < nin; i++)
		if (mg_merge_one(&g, in[i]) != 0)
			goto out;
	if (sqlite3_exec(g.out, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		mg_errf(&g, "%s: cannot commit: %s", out,
		    sqlite3_errmsg(g.out));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		if (g.out != NULL)
			sqlite3_exec(g.out, "ROLLBACK", NULL, NULL, NULL);
		memset(st, 0, sizeof(*st));
	}
	sqlite3_close(g.out);
	return rc;
}
