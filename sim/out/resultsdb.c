/* resultsdb.c: the SQLite results database of resultsdb.h: schema creation
 * and migration, one transaction per recorded run, and reading runs back. */
#include "sim/out/resultsdb.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/base/sha256.h"

struct rdb {
  sqlite3 *db;
  char *path;
  bool immutable; /* opened read-only as a file nothing changes */
};

/* ---- a growable string ------------------------------------------------------ */

typedef struct rdb_buf {
  char *s;
  size_t n, cap;
  bool oom;
} rdb_buf;

static void buf_add(rdb_buf *b, const char *text, size_t len) {
  if (b->oom) return;
  if (nm_grow((void **)&b->s, &b->cap, b->n + len + 1, 1)) {
    b->oom = true;
    return;
  }
  memcpy(b->s + b->n, text, len);
  b->n += len;
  b->s[b->n] = 0;
}
static void buf_str(rdb_buf *b, const char *text) { buf_add(b, text, strlen(text)); }

/* text as a JSON string literal. */
static void buf_json_str(rdb_buf *b, const char *text) {
  buf_add(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    char esc[8];
    if (*p == '"' || *p == '\\') {
      esc[0] = '\\', esc[1] = (char)*p;
      buf_add(b, esc, 2);
    } else if (*p < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", *p);
      buf_add(b, esc, 6);
    } else {
      buf_add(b, (const char *)p, 1);
    }
  }
  buf_add(b, "\"", 1);
}

/* ---- columns ----------------------------------------------------------------- */

typedef enum { RDB_U64, RDB_U32, RDB_F64, RDB_PS, RDB_PSF, RDB_STR } rdb_kind;

static const struct {
  const char *name, *type;
  rdb_kind kind;
  size_t off;
} metric_cols[] = {
#define X(col, type, kind, field) {#col, #type, RDB_##kind, offsetof(run_summary, field)},
    RDB_METRIC_MAP(X)
#undef X
};

/* The columns of runs before the metrics, in insert order. */
static const char *const meta_cols[] = {
    "scenario_hash", "scenario", "scenario_path", "parameters", "sweep_id",
    "seed",          "chip",     "status",        "error",      "start_time",
    "wall_time_s",   "nmsim_version", "run_file"};
#define N_META NM_ARRAY_LEN(meta_cols)
#define N_METRIC NM_ARRAY_LEN(metric_cols)

void rdb_energy_column(int c, char *buf, size_t n) {
  snprintf(buf, n, "energy_%s_pj", nm_energy_key(c));
}

/* ---- errors ------------------------------------------------------------------- */

/* Record "<path>: <op>: <SQLite's message> (<the OS reason>)"; SQLITE_NOTADB
 * is EFORMAT. A database that cannot be written or opened in WAL mode says
 * that SQLite also writes PATH-wal and PATH-shm beside it. */
static nmsim_status rdb_fail(nmsim_err *err, const char *file, int line, rdb *d, int rc,
                             const char *op) {
  nmsim_status code = rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? NMSIM_EFORMAT : NMSIM_EIO;
  const char *why = d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc);
  if (rc == SQLITE_NOTADB) why = "not an SQLite database";
  int os = d->db ? sqlite3_system_errno(d->db) : 0;
  char reason[160] = "";
  if (os) snprintf(reason, sizeof reason, " (%s)", strerror(os));
  if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN) {
    /* the folder: where SQLite makes the database, its -wal and its -shm */
    const char *slash = strrchr(d->path, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - d->path + 1) : 1,
             slash ? d->path : ".");
    if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0)
      return nm_seterr(err, code, file, line,
                       "%s: %s: the folder %s %s (%s): SQLite makes the database, %s-wal and "
                       "%s-shm there",
                       d->path, op, dir, errno == ENOENT ? "does not exist" : "is not writable",
                       strerror(errno), d->path, d->path);
  }
  return nm_seterr(err, code, file, line, "%s: %s: %s%s", d->path, op, why, reason);
}
#define RDB_FAIL(err, d, rc, op) rdb_fail((err), __FILE__, __LINE__, (d), (rc), (op))

/* Run sql (no results). */
static int rdb_exec(rdb *d, const char *sql) { return sqlite3_exec(d->db, sql, NULL, NULL, NULL); }

/* The first column of the first row of sql as an integer (0 if no row). */
static int rdb_int(rdb *d, const char *sql, int64_t *v) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
  *v = 0;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *v = sqlite3_column_int64(st, 0), rc = SQLITE_OK;
    else if (rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

/* ---- opening ------------------------------------------------------------------ */

static nmsim_status rdb_new(const char *path, int flags, rdb **out, nmsim_err *err) {
  *out = NULL;
  if (!path) return NMSIM_ERR(err, NMSIM_EINVAL, "rdb_open: NULL path");
  rdb *d = nm_calloc(1, sizeof *d);
  if (!d || !(d->path = nm_strdup(path))) {
    nm_free(d);
    return NMSIM_ENOMEM_ERR(err);
  }
  int rc = sqlite3_open_v2(path, &d->db, flags, NULL);
  if (rc != SQLITE_OK) {
    nmsim_status st = rc == SQLITE_NOMEM ? NMSIM_ENOMEM_ERR(err)
                                         : RDB_FAIL(err, d, rc, "cannot open the results database");
    rdb_close(d);
    return st;
  }
  sqlite3_busy_timeout(d->db, RDB_BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes(d->db, 0);
  *out = d;
  return NMSIM_OK;
}

/* The schema of version 1: the tables with their fixed columns; the metric
 * and energy columns are added by rdb_migrate. */
static nmsim_status rdb_create(rdb *d, nmsim_err *err) {
  rdb_buf b = {0};
  buf_str(&b, "CREATE TABLE runs (\n  id INTEGER PRIMARY KEY AUTOINCREMENT");
  static const char *const meta_types[N_META] = {
      "TEXT NOT NULL", "TEXT NOT NULL", "TEXT", "TEXT NOT NULL", "TEXT", "INTEGER", "TEXT",
      "TEXT NOT NULL", "TEXT",          "TEXT", "REAL", "TEXT NOT NULL", "TEXT"};
  for (size_t i = 0; i < N_META; i++) {
    buf_str(&b, ",\n  ");
    buf_str(&b, meta_cols[i]);
    buf_str(&b, " ");
    buf_str(&b, meta_types[i]);
  }
  buf_str(&b, ");\n"
              "CREATE INDEX runs_sweep ON runs(sweep_id);\n"
              "CREATE INDEX runs_hash ON runs(scenario_hash);\n"
              "CREATE TABLE run_populations (\n"
              "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
              "  name TEXT NOT NULL, model TEXT, size INTEGER, spikes INTEGER, rate_hz REAL,\n"
              "  bursts INTEGER, energy_neurons_pj REAL, energy_synapses_pj REAL,\n"
              "  energy_learning_pj REAL, energy_spikes_pj REAL, busy_ps INTEGER,\n"
              "  PRIMARY KEY (run_id, name));\n");
  if (b.oom) {
    nm_free(b.s);
    return NMSIM_ENOMEM_ERR(err);
  }
  int rc = rdb_exec(d, b.s);
  nm_free(b.s);
  if (rc != SQLITE_OK) return RDB_FAIL(err, d, rc, "cannot create the schema");
  char pragma[64];
  snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", RDB_SCHEMA_VERSION);
  if ((rc = rdb_exec(d, pragma)) != SQLITE_OK)
    return RDB_FAIL(err, d, rc, "cannot set the schema version");
  return NMSIM_OK;
}

/* Add the metric and energy columns this nmsim knows and the table lacks. */
static nmsim_status rdb_migrate(rdb *d, nmsim_err *err) {
  for (size_t c = 0; c < N_METRIC + NM_E_COUNT; c++) {
    char col[96], sql[256];
    int64_t has;
    if (c < N_METRIC) snprintf(col, sizeof col, "%s", metric_cols[c].name);
    else rdb_energy_column((int)(c - N_METRIC), col, sizeof col);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('runs') WHERE name = '%s'",
             col);
    int rc = rdb_int(d, sql, &has);
    if (rc != SQLITE_OK) return RDB_FAIL(err, d, rc, "cannot read the schema");
    if (has) continue;
    snprintf(sql, sizeof sql, "ALTER TABLE runs ADD COLUMN %s %s", col,
             c < N_METRIC ? metric_cols[c].type : "REAL");
    if ((rc = rdb_exec(d, sql)) != SQLITE_OK) return RDB_FAIL(err, d, rc, "cannot add a column");
  }
  static const char *const pop_cols[][2] = {
      {"bursts", "INTEGER"},           {"energy_neurons_pj", "REAL"},
      {"energy_synapses_pj", "REAL"},  {"energy_learning_pj", "REAL"},
      {"energy_spikes_pj", "REAL"},    {"busy_ps", "INTEGER"}};
  for (size_t c = 0; c < NM_ARRAY_LEN(pop_cols); c++) {
    char sql[256];
    int64_t has;
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pragma_table_info('run_populations') WHERE name = '%s'",
             pop_cols[c][0]);
    int rc = rdb_int(d, sql, &has);
    if (rc == SQLITE_OK && !has) {
      snprintf(sql, sizeof sql, "ALTER TABLE run_populations ADD COLUMN %s %s", pop_cols[c][0],
               pop_cols[c][1]);
      rc = rdb_exec(d, sql);
    }
    if (rc != SQLITE_OK) return RDB_FAIL(err, d, rc, "cannot add a column");
  }
  return NMSIM_OK;
}

/* Check the schema version; with write, create or migrate the schema. */
static nmsim_status rdb_schema(rdb *d, bool write, nmsim_err *err) {
  int64_t version = 0, tables = 0;
  int rc = rdb_int(d, "PRAGMA user_version", &version);
  if (rc == SQLITE_OK)
    rc = rdb_int(d, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", &tables);
  if (rc != SQLITE_OK) return RDB_FAIL(err, d, rc, "cannot read the database");
  if (version > RDB_SCHEMA_VERSION)
    return NMSIM_ERR(err, NMSIM_EFORMAT,
                     "%s: results database of schema version %lld, newer than this nmsim's %d",
                     d->path, (long long)version, RDB_SCHEMA_VERSION);
  if (version == 0 && tables > 0)
    return NMSIM_ERR(err, NMSIM_EFORMAT,
                     "%s: an SQLite database, but not an nmsim results database (it has "
                     "tables and no schema version)",
                     d->path);
  if (version == 0 && !write)
    return NMSIM_ERR(err, NMSIM_EFORMAT, "%s: an empty database, not an nmsim results database",
                     d->path);
  if (!write) return NMSIM_OK;
  nmsim_status st = version == 0 ? rdb_create(d, err) : NMSIM_OK;
  return st ? st : rdb_migrate(d, err);
}

nmsim_status rdb_open(const char *path, rdb **out, nmsim_err *err) {
  rdb *d;
  nmsim_status st =
      rdb_new(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, &d, err);
  if (st) return st;
  /* WAL: readers never block the writer, writers queue on the busy timeout.
   * Switching the mode needs a moment alone with the file; another process
   * switching it at once makes this one BUSY, so retry within the timeout. */
  int rc = SQLITE_BUSY;
  for (int tries = 0; rc == SQLITE_BUSY && tries < RDB_BUSY_TIMEOUT_MS / 10; tries++) {
    rc = rdb_exec(d, "PRAGMA journal_mode = WAL");
    if (rc == SQLITE_BUSY) nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
  }
  if (rc == SQLITE_OK) rc = rdb_exec(d, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL");
  if (rc != SQLITE_OK) {
    st = RDB_FAIL(err, d, rc, "cannot open the results database");
    rdb_close(d);
    return st;
  }
  /* create or migrate inside one write transaction, so two processes that
   * open a new file at once create the schema once */
  if ((rc = rdb_exec(d, "BEGIN IMMEDIATE")) != SQLITE_OK) {
    st = RDB_FAIL(err, d, rc, "cannot lock the results database");
    rdb_close(d);
    return st;
  }
  st = rdb_schema(d, true, err);
  rc = rdb_exec(d, st ? "ROLLBACK" : "COMMIT");
  if (!st && rc != SQLITE_OK) st = RDB_FAIL(err, d, rc, "cannot write the schema");
  if (st) {
    rdb_close(d);
    return st;
  }
  *out = d;
  return NMSIM_OK;
}

/* "file:" URI of path with immutable=1 (SQLite then takes no locks and makes
 * no -shm file), or NULL when out of memory. */
static char *rdb_immutable_uri(const char *path) {
  size_t n = strlen(path);
  char *u = nm_malloc(3 * n + 32);
  if (!u) return NULL;
  char *o = u + sprintf(u, "file:");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++)
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        strchr("/-_.~", *p))
      *o++ = (char)*p;
    else
      o += sprintf(o, "%%%02X", *p);
  strcpy(o, "?immutable=1");
  return u;
}

nmsim_status rdb_open_readonly(const char *path, rdb **out, nmsim_err *err) {
  FILE *f = path ? fopen(path, "rb") : NULL;
  if (!f) return NMSIM_ERR(err, NMSIM_EIO, "%s: cannot open the results database: %s",
                           path ? path : "(null)", strerror(errno));
  fclose(f);
  rdb *d;
  nmsim_status st = rdb_new(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, &d, err);
  if (st) return st;
  if ((st = rdb_schema(d, false, err))) {
    /* a WAL database in a folder this user cannot write (a read-only copy
     * or mount): SQLite cannot make its -shm file, so read it as a file
     * that nothing changes */
    int rc = sqlite3_errcode(d->db);
    rdb_close(d);
    if (st != NMSIM_EIO || (rc != SQLITE_CANTOPEN && rc != SQLITE_READONLY)) return st;
    char *uri = rdb_immutable_uri(path);
    if (!uri) return NMSIM_ENOMEM_ERR(err);
    nmsim_err first = *err;
    st = rdb_new(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, &d, err);
    nm_free(uri);
    if (!st) {
      nm_free(d->path);
      if (!(d->path = nm_strdup(path))) st = NMSIM_ENOMEM_ERR(err);
      else st = rdb_schema(d, false, err);
    }
    if (st) {
      rdb_close(d);
      *err = first;
      return first.code;
    }
    d->immutable = true;
  }
  *out = d;
  return NMSIM_OK;
}

bool rdb_is_immutable(const rdb *d) { return d && d->immutable; }

void rdb_close(rdb *d) {
  if (!d) return;
  sqlite3_close(d->db);
  nm_free(d->path);
  nm_free(d);
}

/* ---- recording a run -------------------------------------------------------- */

char *rdb_params_json(const nmsim_override *ov, size_t n) {
  rdb_buf b = {0};
  buf_str(&b, "{");
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    bool later = false; /* the last --set of a key wins */
    for (size_t j = i + 1; j < n && !later; j++) later = strcmp(ov[i].key, ov[j].key) == 0;
    if (later) continue;
    if (!first) buf_str(&b, ", ");
    first = false;
    buf_json_str(&b, ov[i].key);
    buf_str(&b, ": ");
    const char *v = ov[i].value;
    char *end = NULL;
    double x = *v ? strtod(v, &end) : 0;
    /* a plain decimal number (no hex, inf or nan, which JSON lacks) */
    bool num = *v && end && *end == 0 && isfinite(x) && !strpbrk(v, "xXnN") &&
               strspn(v, "0123456789+-.eE") == strlen(v);
    if (num) {
      char tmp[64];
      snprintf(tmp, sizeof tmp, "%.17g", x);
      buf_str(&b, strlen(v) < sizeof tmp ? v : tmp);
    } else {
      buf_json_str(&b, v);
    }
  }
  buf_str(&b, "}");
  if (b.oom) {
    nm_free(b.s);
    return NULL;
  }
  return b.s;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v) {
  if (v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(st, i);
}

/* Whether column name is a figure of hardware time, which functional and
 * network mode do not model (stored as NULL for them, never 0). */
static bool timed_only(const char *name) {
  static const char *const cols[] = {"energy_static_pj", "hw_time_ns",    "step_min_ns",
                                     "step_mean_ns",     "step_max_ns",   "packet_mean_ns",
                                     "packet_p99_ns",    "static_power_mw", "pacing_period_ns",
                                     "busy_time_ns",     "power_peak_mw", "tick_overruns",
                                     "late_packets"};
  for (size_t k = 0; k < NM_ARRAY_LEN(cols); k++)
    if (strcmp(name, cols[k]) == 0) return true;
  return false;
}

/* Bind metric column i of sum at parameter p; NaN (a mean of nothing) is NULL,
 * and so is a figure of hardware time in functional and network mode. */
static void bind_metric(sqlite3_stmt *st, int p, size_t i, const run_summary *sum) {
  const void *f = (const char *)sum + metric_cols[i].off;
  const char *name = metric_cols[i].name;
  if ((sum->mode && strcmp(sum->mode, "timed") != 0 && timed_only(name)) ||
      (!strcmp(name, "packets") && !nm_packets_modelled(sum->mode)) ||
      (!strcmp(name, "hops") && !nm_hops_modelled(sum->mode))) {
    sqlite3_bind_null(st, p);
    return;
  }
  double v;
  switch (metric_cols[i].kind) {
  case RDB_U64: sqlite3_bind_int64(st, p, (sqlite3_int64) * (const uint64_t *)f); return;
  case RDB_U32: sqlite3_bind_int64(st, p, *(const uint32_t *)f); return;
  case RDB_STR: {
    const char *t = *(char *const *)f;
    bind_text(st, p, t && *t ? t : NULL);
    return;
  }
  case RDB_F64: v = *(const double *)f; break;
  case RDB_PS: v = (double)*(const nmsim_ps *)f / NMSIM_PS_PER_NS; break;
  default: v = *(const double *)f / NMSIM_PS_PER_NS; break;
  }
  if (isnan(v)) sqlite3_bind_null(st, p);
  else sqlite3_bind_double(st, p, v);
}

/* INSERT INTO runs (...) VALUES (?, ...), over every column. */
static char *insert_sql(void) {
  rdb_buf b = {0};
  buf_str(&b, "INSERT INTO runs (");
  size_t n = 0;
  for (size_t i = 0; i < N_META; i++, n++) {
    if (n) buf_str(&b, ", ");
    buf_str(&b, meta_cols[i]);
  }
  for (size_t i = 0; i < N_METRIC; i++, n++) {
    buf_str(&b, ", ");
    buf_str(&b, metric_cols[i].name);
  }
  for (int c = 0; c < NM_E_COUNT; c++, n++) {
    char col[96];
    rdb_energy_column(c, col, sizeof col);
    buf_str(&b, ", ");
    buf_str(&b, col);
  }
  buf_str(&b, ") VALUES (");
  for (size_t i = 0; i < n; i++) buf_str(&b, i ? ", ?" : "?");
  buf_str(&b, ")");
  if (b.oom) {
    nm_free(b.s);
    return NULL;
  }
  return b.s;
}

nmsim_status rdb_insert(rdb *d, const rdb_run *r, int64_t *id, nmsim_err *err) {
  if (!d || !r) return NMSIM_ERR(err, NMSIM_EINVAL, "rdb_insert: NULL argument");
  const run_summary *s = r->sum;
  char hash[65];
  const char *text = r->scenario_text ? r->scenario_text : "";
  nm_sha256_hex(text, strlen(text), hash);
  char *sql = insert_sql();
  if (!sql) return NMSIM_ENOMEM_ERR(err);
  sqlite3_stmt *st = NULL, *ps = NULL;
  nmsim_status out = NMSIM_OK;
  int rc = rdb_exec(d, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) {
    nm_free(sql);
    return RDB_FAIL(err, d, rc, "cannot lock the results database");
  }
  rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) goto sqlfail;
  int p = 1;
  bind_text(st, p++, hash);
  bind_text(st, p++, s && s->scenario ? s->scenario : r->scenario_name ? r->scenario_name : "");
  bind_text(st, p++, r->scenario_path);
  bind_text(st, p++, r->parameters_json ? r->parameters_json : "{}");
  bind_text(st, p++, r->sweep_id);
  sqlite3_bind_int64(st, p++, (sqlite3_int64)(s ? s->seed : r->seed));
  bind_text(st, p++, s && s->chip ? s->chip : r->chip);
  bind_text(st, p++, r->status ? r->status : s && s->status ? s->status : "unknown");
  bind_text(st, p++, r->error);
  bind_text(st, p++, r->start_time);
  sqlite3_bind_double(st, p++, r->wall_time_s);
  bind_text(st, p++, nmsim_version());
  bind_text(st, p++, r->run_file);
  for (size_t i = 0; i < N_METRIC; i++, p++)
    if (s) bind_metric(st, p, i, s);
  for (int c = 0; c < NM_E_COUNT; c++, p++)
    if (s && nm_energy_modelled(c, s->mode)) sqlite3_bind_double(st, p, s->energy_pj[c]);
  if ((rc = sqlite3_step(st)) != SQLITE_DONE) goto sqlfail;
  int64_t run_id = sqlite3_last_insert_rowid(d->db);
  rc = sqlite3_prepare_v2(d->db,
                          "INSERT INTO run_populations (run_id, name, model, size, spikes, "
                          "rate_hz, bursts, energy_neurons_pj, energy_synapses_pj, "
                          "energy_learning_pj, energy_spikes_pj, busy_ps) VALUES (?, ?, ?, ?, "
                          "?, ?, ?, ?, ?, ?, ?, ?)",
                          -1, &ps, NULL);
  if (rc != SQLITE_OK) goto sqlfail;
  for (size_t i = 0; s && i < s->n_pops; i++) {
    const run_pop_summary *pp = &s->pops[i];
    sqlite3_reset(ps);
    sqlite3_clear_bindings(ps);
    sqlite3_bind_int64(ps, 1, run_id);
    bind_text(ps, 2, pp->name ? pp->name : "");
    bind_text(ps, 3, pp->model);
    sqlite3_bind_int64(ps, 4, pp->size);
    sqlite3_bind_int64(ps, 5, (sqlite3_int64)pp->spikes);
    sqlite3_bind_double(ps, 6, pp->rate_hz);
    sqlite3_bind_int64(ps, 7, (sqlite3_int64)pp->bursts);
    if (s->pop_cost) {
      sqlite3_bind_double(ps, 8, pp->pj_neurons);
      sqlite3_bind_double(ps, 9, pp->pj_synapses);
      sqlite3_bind_double(ps, 10, pp->pj_learning);
      sqlite3_bind_double(ps, 11, pp->pj_spikes);
    }
    /* time per population: timed mode only (NULL: not modelled) */
    if (s->pop_cost && (!s->mode || strcmp(s->mode, "timed") == 0))
      sqlite3_bind_int64(ps, 12, (sqlite3_int64)pp->busy_ps);
    if ((rc = sqlite3_step(ps)) != SQLITE_DONE) goto sqlfail;
  }
  sqlite3_finalize(st);
  sqlite3_finalize(ps);
  st = ps = NULL;
  if ((rc = rdb_exec(d, "COMMIT")) != SQLITE_OK) goto sqlfail;
  if (id) *id = run_id;
  nm_free(sql);
  return NMSIM_OK;
sqlfail:
  out = RDB_FAIL(err, d, rc, "cannot record the run");
  sqlite3_finalize(st);
  sqlite3_finalize(ps);
  rdb_exec(d, "ROLLBACK");
  nm_free(sql);
  return out;
}

/* ---- reading runs back ---------------------------------------------------------- */

static char *col_dup(sqlite3_stmt *st, int i, bool *oom) {
  const unsigned char *t = sqlite3_column_text(st, i);
  if (!t) return NULL;
  char *s = nm_strdup((const char *)t);
  if (!s) *oom = true;
  return s;
}

static void rdb_row_clear(rdb_row *r) {
  nm_free(r->scenario_hash);
  nm_free(r->scenario_path);
  nm_free(r->parameters);
  nm_free(r->sweep_id);
  nm_free(r->error);
  nm_free(r->start_time);
  nm_free(r->run_file);
  for (size_t i = 0; i < r->n_params; i++) {
    nm_free(r->param_keys[i]);
    nm_free(r->param_values[i]);
  }
  nm_free(r->param_keys);
  nm_free(r->param_values);
  nm_free(r->param_numeric);
  run_summary_clear(&r->sum);
  memset(r, 0, sizeof *r);
}

void rdb_rows_free(rdb_row *rows, size_t n) {
  for (size_t i = 0; rows && i < n; i++) rdb_row_clear(&rows[i]);
  nm_free(rows);
}

/* Fill the metric fields of s from the columns starting at col. */
static void read_metrics(sqlite3_stmt *st, int col, run_summary *s) {
  for (size_t i = 0; i < N_METRIC; i++, col++) {
    void *f = (char *)s + metric_cols[i].off;
    bool null = sqlite3_column_type(st, col) == SQLITE_NULL;
    switch (metric_cols[i].kind) {
    case RDB_U64: *(uint64_t *)f = (uint64_t)sqlite3_column_int64(st, col); break;
    case RDB_U32: *(uint32_t *)f = (uint32_t)sqlite3_column_int64(st, col); break;
    case RDB_STR:
      nm_free(*(char **)f);
      *(char **)f = null ? NULL : nm_strdup((const char *)sqlite3_column_text(st, col));
      break;
    case RDB_F64: *(double *)f = null ? NAN : sqlite3_column_double(st, col); break;
    case RDB_PS:
      *(nmsim_ps *)f = (nmsim_ps)llround(sqlite3_column_double(st, col) * NMSIM_PS_PER_NS);
      break;
    default:
      *(double *)f = null ? NAN : sqlite3_column_double(st, col) * NMSIM_PS_PER_NS;
      break;
    }
  }
  for (int c = 0; c < NM_E_COUNT; c++, col++)
    s->energy_pj[c] = sqlite3_column_type(st, col) == SQLITE_NULL
                          ? 0.0
                          : sqlite3_column_double(st, col);
}

/* Whether table has column col (a database opened read-only is not
 * migrated: an older one may lack the newest columns). */
static int has_column(rdb *d, const char *table, const char *col, bool *has) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(d->db, "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?",
                              -1, &st, NULL);
  if (rc == SQLITE_OK) {
    bind_text(st, 1, table);
    bind_text(st, 2, col);
    rc = sqlite3_step(st);
    *has = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
  }
  sqlite3_finalize(st);
  return rc;
}

/* The populations and parameters of row r. */
static int read_children(rdb *d, rdb_row *r, bool *oom) {
  sqlite3_stmt *st = NULL;
  bool bursts = false;
  int rc = has_column(d, "run_populations", "bursts", &bursts);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_prepare_v2(d->db,
                          bursts ? "SELECT name, model, size, spikes, rate_hz, bursts FROM "
                                   "run_populations WHERE run_id = ? ORDER BY rowid"
                                 : "SELECT name, model, size, spikes, rate_hz, 0 FROM "
                                   "run_populations WHERE run_id = ? ORDER BY rowid",
                          -1, &st, NULL);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(st, 1, r->id);
  size_t cap = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (nm_grow((void **)&r->sum.pops, &cap, r->sum.n_pops + 1, sizeof *r->sum.pops)) {
      *oom = true;
      break;
    }
    run_pop_summary *p = &r->sum.pops[r->sum.n_pops++];
    memset(p, 0, sizeof *p);
    p->name = col_dup(st, 0, oom);
    p->model = col_dup(st, 1, oom);
    p->size = (uint32_t)sqlite3_column_int64(st, 2);
    p->spikes = (uint64_t)sqlite3_column_int64(st, 3);
    p->rate_hz = sqlite3_column_double(st, 4);
    p->bursts = (uint64_t)sqlite3_column_int64(st, 5);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return rc;
  if (*oom || !r->parameters) return SQLITE_OK;

  rc = sqlite3_prepare_v2(d->db, "SELECT key, value, type FROM json_each(?) ORDER BY id", -1,
                          &st, NULL);
  if (rc != SQLITE_OK) return rc;
  bind_text(st, 1, r->parameters);
  size_t kcap = 0, vcap = 0, ncap = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    /* parameters nmsim wrote are an object; a scalar (or anything but
     * key/value pairs) in a damaged database has no key: no parameter */
    if (sqlite3_column_type(st, 0) == SQLITE_NULL) continue;
    size_t n = r->n_params + 1;
    if (nm_grow((void **)&r->param_keys, &kcap, n, sizeof(char *)) ||
        nm_grow((void **)&r->param_values, &vcap, n, sizeof(char *)) ||
        nm_grow((void **)&r->param_numeric, &ncap, n, sizeof(bool))) {
      *oom = true;
      break;
    }
    const char *type = (const char *)sqlite3_column_text(st, 2);
    r->param_keys[r->n_params] = col_dup(st, 0, oom);
    r->param_values[r->n_params] = col_dup(st, 1, oom);
    r->param_numeric[r->n_params] =
        type && (strcmp(type, "integer") == 0 || strcmp(type, "real") == 0);
    r->n_params++;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* ", col" to b, or ", NULL" if runs lacks it. */
static int select_col(rdb *d, rdb_buf *b, const char *col) {
  bool has = false;
  int rc = has_column(d, "runs", col, &has);
  buf_str(b, ", ");
  buf_str(b, has ? col : "NULL");
  return rc;
}

nmsim_status rdb_list(rdb *d, const char *sweep_id, rdb_row **rows, size_t *n, nmsim_err *err) {
  *rows = NULL;
  *n = 0;
  rdb_buf b = {0};
  int rc = SQLITE_OK;
  buf_str(&b, "SELECT id, scenario_hash, scenario, scenario_path, parameters, sweep_id, seed, "
              "chip, status, error, start_time, wall_time_s, nmsim_version, run_file, "
              "energy_total_pj IS NOT NULL");
  for (size_t i = 0; i < N_METRIC && rc == SQLITE_OK; i++)
    rc = select_col(d, &b, metric_cols[i].name);
  for (int c = 0; c < NM_E_COUNT && rc == SQLITE_OK; c++) {
    char col[96];
    rdb_energy_column(c, col, sizeof col);
    rc = select_col(d, &b, col);
  }
  buf_str(&b, sweep_id ? " FROM runs WHERE sweep_id = ? ORDER BY id" : " FROM runs ORDER BY id");
  if (b.oom || rc != SQLITE_OK) {
    nm_free(b.s);
    return b.oom ? NMSIM_ENOMEM_ERR(err) : RDB_FAIL(err, d, rc, "cannot read the schema");
  }
  sqlite3_stmt *st = NULL;
  rdb_row *out = NULL;
  size_t cnt = 0, cap = 0;
  bool oom = false;
  rc = sqlite3_prepare_v2(d->db, b.s, -1, &st, NULL);
  nm_free(b.s);
  if (rc != SQLITE_OK) return RDB_FAIL(err, d, rc, "cannot list the runs");
  if (sweep_id) bind_text(st, 1, sweep_id);
  while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (nm_grow((void **)&out, &cap, cnt + 1, sizeof *out)) {
      oom = true;
      break;
    }
    rdb_row *r = &out[cnt++];
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->scenario_hash = col_dup(st, 1, &oom);
    r->sum.scenario = col_dup(st, 2, &oom);
    r->scenario_path = col_dup(st, 3, &oom);
    r->parameters = col_dup(st, 4, &oom);
    r->sweep_id = col_dup(st, 5, &oom);
    r->sum.seed = (uint64_t)sqlite3_column_int64(st, 6);
    r->sum.chip = col_dup(st, 7, &oom);
    r->sum.status = col_dup(st, 8, &oom);
    r->error = col_dup(st, 9, &oom);
    r->start_time = col_dup(st, 10, &oom);
    r->wall_time_s = sqlite3_column_double(st, 11);
    r->sum.nmsim_version = col_dup(st, 12, &oom);
    r->run_file = col_dup(st, 13, &oom);
    r->has_metrics = sqlite3_column_int(st, 14) != 0;
    read_metrics(st, 15, &r->sum);
  }
  sqlite3_finalize(st);
  if (!oom && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    rdb_rows_free(out, cnt);
    return RDB_FAIL(err, d, rc, "cannot list the runs");
  }
  for (size_t i = 0; i < cnt && !oom; i++) {
    rc = read_children(d, &out[i], &oom);
    if (rc != SQLITE_OK) {
      rdb_rows_free(out, cnt);
      return RDB_FAIL(err, d, rc, "cannot read the populations and parameters of a run");
    }
  }
  if (oom) {
    rdb_rows_free(out, cnt);
    return NMSIM_ENOMEM_ERR(err);
  }
  *rows = out;
  *n = cnt;
  return NMSIM_OK;
}
