/*
 * runs.c -- `netsim runs DB`: the runs and campaigns of a results
 * database, as a table for people.
 *
 * The one idea: print what the file says and nothing it does not.  The
 * columns other features may add to runs (policy, wall-clock time,
 * campaign) are shown when the file has them and left out when it does
 * not; a policy not recorded as a column is the scenario's own
 * (interleaving.policy, "time" when it names none).  A campaigns table,
 * when there is one, is printed whole after the runs.
 *
 * Never write: the file is opened read-only, so listing a database
 * another netsim is writing is safe (WAL readers see the last commit).
 * Each table is read twice, once to size its columns and once to print
 * them, so nothing is held in memory beyond one row.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "sim/record/record.h"

#define RUNS_COLS_MAX	16	/* columns a listing shows */
#define RUNS_SQL_MAX	2048	/* bytes of its query */
#define RUNS_CELL_MAX	64	/* bytes shown of a cell (more is cut) */

struct runs_col {
	const char *head;       /* column heading */
	const char *expr;       /* its SQL over runs */
	bool right;             /* right-aligned (numbers) */
};

/* Does the query sql give a row?  (false if it cannot be prepared) */
static bool
runs_has_row(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	bool found;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Whether table has column (both names are ours: no quoting needed). */
static bool
runs_has(sqlite3 *db, const char *table, const char *column)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT 1 FROM pragma_table_info('%s') "
	    "WHERE name = '%s'", table, column);
	return runs_has_row(db, sql);
}

/* Has the table any row? */
static bool
runs_any_row(sqlite3 *db, const char *table)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT 1 FROM \"%s\" LIMIT 1", table);
	return runs_has_row(db, sql);
}

/* Does any run belong to a campaign?  (Schema 9 has the column always.) */
static bool
runs_any_campaign(sqlite3 *db)
{
	return runs_has_row(db, "SELECT 1 FROM runs WHERE campaign_id IS NOT "
	    "NULL LIMIT 1");
}

static const char *
runs_cell(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

/* Bytes of s that make its first RUNS_CELL_MAX characters (UTF-8). */
static int
runs_cut(const char *s)
{
	int n = 0, i = 0;

	for (; s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == RUNS_CELL_MAX)
			break;
	return i;
}

/* Characters shown of s: continuation bytes take no column. */
static int
runs_width(const char *s)
{
	int n = 0;

	for (; *s != '\0' && n < RUNS_CELL_MAX; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Whether column i of a table's own columns holds numbers. */
static bool
runs_numeric(sqlite3_stmt *st, int i)
{
	const char *t = sqlite3_column_decltype(st, i);

	return t != NULL && (strstr(t, "INT") != NULL ||
	    strstr(t, "REAL") != NULL);
}

/*
 * Print the rows of sql as a table: a heading line, then a line a row.
 * heads[i] (or the result column's name when heads is NULL) heads column
 * i; right[i] right-aligns it (when right is NULL, the columns declared
 * as numbers are).
 * => returns 0, or -1 with err set if SQLite failed.
 */
static int
runs_table(sqlite3 *db, const char *sql, const char *const *heads,
    const bool *right, FILE *out, char *err, size_t len)
{
	int width[RUNS_COLS_MAX] = { 0 };
	bool numeric[RUNS_COLS_MAX];
	sqlite3_stmt *st = NULL;
	int ncol, rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	ncol = sqlite3_column_count(st);
	if (ncol > RUNS_COLS_MAX)
		ncol = RUNS_COLS_MAX;
	for (int i = 0; i < ncol; i++)
		numeric[i] = right != NULL ? right[i] : runs_numeric(st, i);
	right = numeric;
	for (int i = 0; i < ncol; i++)
		width[i] = runs_width(heads != NULL ? heads[i] :
		    sqlite3_column_name(st, i));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (int i = 0; i < ncol; i++)
			if (runs_width(runs_cell(st, i)) > width[i])
				width[i] = runs_width(runs_cell(st, i));
	if (rc != SQLITE_DONE || sqlite3_reset(st) != SQLITE_OK)
		goto fail;
	for (int i = 0; i < ncol; i++) {
		const char *h = heads != NULL ? heads[i] :
		    sqlite3_column_name(st, i);
		bool r = right[i];

		fprintf(out, "%s%*s%-*s", i ? "  " : "",
		    r ? width[i] - runs_width(h) : 0, "",
		    i == ncol - 1 ? 0 : (r ? 0 : width[i]), h);
	}
	fputc('\n', out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < ncol; i++) {
			const char *c = runs_cell(st, i);
			int w = runs_width(c);
			bool r = right[i];

			fprintf(out, "%s%*s%.*s%*s", i ? "  " : "",
			    r ? width[i] - w : 0, "",
			    runs_cut(c), c,
			    r || i == ncol - 1 ? 0 : width[i] - w, "");
		}
		fputc('\n', out);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	snprintf(err, len, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

/* The runs listing's columns, from what this file's runs table has. */
static int
runs_columns(sqlite3 *db, struct runs_col *cols)
{
	int n = 0;

	cols[n++] = (struct runs_col){ "id", "id", true };
	if (runs_has(db, "runs", "campaign_id") && runs_any_campaign(db))
		cols[n++] = (struct runs_col){ "campaign",
		    "coalesce(campaign_id, '')", true };
	cols[n++] = (struct runs_col){ "scenario", "scenario", false };
	cols[n++] = (struct runs_col){ "seed", "seed", true };
	if (runs_has(db, "runs", "policy"))
		cols[n++] = (struct runs_col){ "policy",
		    "coalesce(policy, '')", false };
	else
		cols[n++] = (struct runs_col){ "policy",
		    "CASE WHEN json_valid(scenario_text) THEN coalesce("
		    "json_extract(scenario_text, '$.interleaving.policy'), "
		    "'time') ELSE '' END", false };
	cols[n++] = (struct runs_col){ "status", "status", false };
	cols[n++] = (struct runs_col){ "exit",
	    "coalesce(exit_status, '')", true };
	cols[n++] = (struct runs_col){ "virtual ms",
	    "coalesce(printf('%.6f', end_ns / 1e6), '')", true };
	cols[n++] = (struct runs_col){ "fingerprint",
	    "coalesce(fingerprint, '')", false };
	if (runs_has(db, "runs", "wall_ns"))
		cols[n++] = (struct runs_col){ "wall s",
		    "coalesce(printf('%.3f', wall_ns / 1e9), '')", true };
	assert(n <= RUNS_COLS_MAX);
	return n;
}

int
sim_record_list_runs(const char *path, FILE *out, char *err, size_t len)
{
	struct runs_col cols[RUNS_COLS_MAX];
	const char *heads[RUNS_COLS_MAX];
	bool right[RUNS_COLS_MAX];
	char sql[RUNS_SQL_MAX], why[512];
	sqlite3 *db = NULL;
	size_t off;
	int n;

	assert(path != NULL && out != NULL && err != NULL && len > 0);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(err, len, "results database %s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	if (!runs_has(db, "runs", "fingerprint")) {
		snprintf(err, len, "results database %s: not a netsim results "
		    "database (it has no runs table)", path);
		goto fail;
	}
	n = runs_columns(db, cols);
	off = (size_t)snprintf(sql, sizeof(sql), "SELECT ");
	for (int i = 0; i < n; i++) {
		heads[i] = cols[i].head;
		right[i] = cols[i].right;
		off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%s%s",
		    i ? ", " : "", cols[i].expr);
		assert(off < sizeof(sql));
	}
	snprintf(sql + off, sizeof(sql) - off, " FROM runs ORDER BY id");
	if (runs_table(db, sql, heads, right, out, why, sizeof(why)) != 0)
		goto query;
	if (runs_has(db, "campaigns", "id") && runs_any_row(db, "campaigns")) {
		fprintf(out, "\ncampaigns:\n");
		/* Schema 9's campaigns: the columns that fit a line. */
		const char *q = runs_has(db, "campaigns", "scenario_text") ?
		    "SELECT id, scenario, points, coalesce(status, "
		    "'unfinished') AS status, coalesce(fingerprint, '') AS "
		    "fingerprint, command FROM campaigns ORDER BY id" :
		    "SELECT * FROM campaigns ORDER BY id";

		if (runs_table(db, q, NULL, NULL, out, why, sizeof(why)) != 0)
			goto query;
	}
	sqlite3_close(db);
	return 0;
query:
	snprintf(err, len, "results database %s: cannot list its runs: %s",
	    path, why);
fail:
	sqlite3_close(db);
	return -1;
}
