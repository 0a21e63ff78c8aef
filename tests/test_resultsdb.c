/* test_resultsdb.c: the results database (sim/out/resultsdb.h), SHA-256, the
 * sweep value lists, and the CLI around them: nmsim run --db, nmsim sweep
 * (two at once into one database lose no row) and nmsim report --db. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/out/resultsdb.h"
#include "sim/base/sha256.h"
#include "tests_util.h"

/* A fresh temporary path in a local buffer (tu_tmp's own buffers are reused
 * by tu_run). */
#define TMP(var, tag, ext)   \
  char var[512];             \
  snprintf(var, sizeof var, "%s", tu_tmp(tag, ext))

#define TINY NMSIM_SOURCE_DIR "/tests/data/outputs_tiny.yaml"

static int nmsim(const char *args, char **out, char **err) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "%s %s", NMSIM_BINARY, args);
  return tu_run(cmd, out, err);
}

#define OK(call)                                                                       \
  do {                                                                                 \
    nmsim_err err_ = {0};                                                              \
    nmsim_status st_ = (call);                                                         \
    cr_assert(st_ == NMSIM_OK, "%s: got %s (%s), expected OK", #call,                 \
              nmsim_status_name(st_), err_.msg);                                       \
  } while (0)
#define E (&err_)

/* One integer from a query on the database at path. */
static long long query_int(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "open %s",
               path);
  sqlite3_stmt *st = NULL;
  cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
               sqlite3_errmsg(db));
  cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
  long long v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

static void exec_sql(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
  char *msg = NULL;
  cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg);
  sqlite3_close(db);
}

static void remove_db(const char *path) {
  char p[600];
  remove(path);
  snprintf(p, sizeof p, "%s-wal", path);
  remove(p);
  snprintf(p, sizeof p, "%s-shm", path);
  remove(p);
}

/* ---- SHA-256 ------------------------------------------------------------------ */

Test(sha256, known_answers) {
  /* Invariant: the digests of FIPS 180-2's examples (and the empty string,
   * and a million 'a') are the published ones; lengths around the 55/56/64
   * byte padding boundaries agree with Python's hashlib. */
  static const struct { const char *in; const char *hex; } v[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
  };
  char hex[65];
  for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
    nm_sha256_hex(v[i].in, strlen(v[i].in), hex);
    cr_assert_str_eq(hex, v[i].hex, "sha256(\"%s\"): got %s, expected %s", v[i].in, hex,
                     v[i].hex);
  }
  char *a = malloc(1000000);
  memset(a, 'a', 1000000);
  nm_sha256_hex(a, 1000000, hex);
  cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
                   "sha256(a x 1e6): got %s", hex);
  free(a);
  /* boundaries, against hashlib */
  char cmd[512], *out = NULL;
  snprintf(cmd, sizeof cmd,
           "%s -c 'import hashlib\nfor n in (55,56,57,63,64,65,119,120,128):"
           " print(hashlib.sha256(bytes(range(n))).hexdigest())'",
           NMSIM_PYTHON);
  cr_assert_eq(tu_run(cmd, &out, NULL), 0, "python hashlib");
  static const size_t lens[] = {55, 56, 57, 63, 64, 65, 119, 120, 128};
  uint8_t buf[128];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)i;
  const char *line = out;
  for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
    nm_sha256_hex(buf, lens[i], hex);
    cr_assert(strncmp(line, hex, 64) == 0, "sha256 of %zu bytes: got %s, expected %.64s",
              lens[i], hex, line);
    line = strchr(line, '\n') + 1;
  }
  free(out);
}

/* ---- parameters and value lists ------------------------------------------------ */

Test(resultsdb, params_json) {
  /* Invariant: --set overrides become a JSON object: plain decimal numbers as
   * numbers, anything else (units, hex, inf, lists) as strings with escapes;
   * a key set twice keeps its last value. */
  nmsim_override ov[] = {{"seed", "2"},          {"tau", "10 ms"},
                         {"w", "-0.5e-3"},       {"hex", "0x10"},
                         {"x", "inf"},           {"list", "[1, \"a\"]"},
                         {"seed", "3"}};
  char *j = rdb_params_json(ov, sizeof ov / sizeof *ov);
  const char *want = "{\"tau\": \"10 ms\", \"w\": -0.5e-3, \"hex\": \"0x10\", \"x\": \"inf\", "
                     "\"list\": \"[1, \\\"a\\\"]\", \"seed\": 3}";
  cr_assert_str_eq(j, want, "got %s, expected %s", j, want);
  nm_free(j);
  j = rdb_params_json(NULL, 0);
  cr_assert_str_eq(j, "{}", "no overrides: got %s", j);
  nm_free(j);
}

Test(resultsdb, split_values) {
  /* Invariant: a --set value list splits on commas outside brackets, braces
   * and quotes, trims blanks, and rejects empty values and unbalanced
   * brackets with the key in the message. */
  static const struct { const char *in; size_t n; const char *v[3]; } ok[] = {
      {"1,2,3", 3, {"1", "2", "3"}},
      {" 10 ms , 20 ms", 2, {"10 ms", "20 ms"}},
      {"[1,2],[3]", 2, {"[1,2]", "[3]"}},
      {"{a: 1, b: [2, 3]},{a: 4}", 2, {"{a: 1, b: [2, 3]}", "{a: 4}"}},
      {"'x,y',\"z,w\"", 2, {"'x,y'", "\"z,w\""}},
      {"single", 1, {"single"}},
  };
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    char **v = NULL;
    size_t n = 0;
    OK(cli_split_values("k", ok[i].in, &v, &n, E));
    cr_assert_eq(n, ok[i].n, "'%s': %zu values, expected %zu", ok[i].in, n, ok[i].n);
    for (size_t j = 0; j < n; j++)
      cr_assert_str_eq(v[j], ok[i].v[j], "'%s' value %zu: got '%s', expected '%s'", ok[i].in, j,
                       v[j], ok[i].v[j]);
    cli_free_values(v, n);
  }
  static const char *const bad[] = {"1,,2", "1,", "[1,2", "1]", "'a,b", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char **v = NULL;
    size_t n = 0;
    nmsim_err err = {0};
    nmsim_status st = cli_split_values("pop.k", bad[i], &v, &n, &err);
    cr_assert(st == NMSIM_EINPUT && strstr(err.msg, "pop.k"),
              "'%s': got %s (%s), expected EINPUT naming the key", bad[i],
              nmsim_status_name(st), err.msg);
  }
  cr_assert_eq(tu_leaks(), 0, "leaks");
}

/* ---- the database ----------------------------------------------------------------- */

static void make_summary(run_summary *s, double scale) {
  memset(s, 0, sizeof *s);
  s->scenario = nm_strdup("tiny");
  s->chip = nm_strdup("test");
  s->nmsim_version = nm_strdup(nmsim_version());
  s->status = nm_strdup("complete");
  s->seed = 42;
  s->steps = 100;
  s->dt_ms = 0.5;
  s->n_cores = 8;
  s->cores_used = 4;
  s->tiles_used = 2;
  for (int c = 0; c < NM_E_COUNT; c++) s->energy_pj[c] = scale * (c + 1);
  s->static_pj = 7.25;
  s->total_pj = 1234.5 * scale;
  s->hw_time_ps = 123456789;
  s->step_min_ps = 1000;
  s->step_max_ps = 3000;
  s->step_mean_ps = 1234.5;
  s->packet_mean_ps = 55.5;
  s->packet_p99_ps = 99.0;
  s->spikes = 77;
  s->synaptic_ops = 88;
  s->neuron_updates = 99;
  s->packets = 11;
  s->hops = 22;
  s->n_pops = 2;
  s->pops = nm_calloc(2, sizeof *s->pops);
  s->pops[0] = (run_pop_summary){.name = nm_strdup("input"), .model = nm_strdup("poisson"),
                                  .size = 16, .spikes = 30, .rate_hz = 15.0};
  s->pops[1] = (run_pop_summary){.name = nm_strdup("exc"), .model = nm_strdup("lif"), .size = 40,
                                  .spikes = 47, .bursts = 6, .rate_hz = 5.875};
}

Test(resultsdb, insert_and_list_round_trip) {
  /* Invariant: a recorded run reads back with every metric, its parameters
   * (numbers as numbers), populations in order, the SHA-256 of its scenario
   * text, and its metadata; a failed run reads back with no metrics; the
   * database is in WAL mode with schema version 1. */
  TMP(path, "rt", ".sqlite");
  rdb *db = NULL;
  OK(rdb_open(path, &db, E));
  run_summary s;
  make_summary(&s, 2.0);
  rdb_run r = {.scenario_text = "name: tiny\n",
               .scenario_path = "/x/tiny.yaml",
               .parameters_json = "{\"seed\": 42, \"tau\": \"10 ms\"}",
               .sweep_id = "sw1",
               .start_time = "2024-01-02T03:04:05Z",
               .wall_time_s = 1.5,
               .run_file = "/x/run.h5",
               .sum = &s};
  int64_t id1 = 0, id2 = 0;
  OK(rdb_insert(db, &r, &id1, E));
  rdb_run f = {.scenario_text = "name: tiny\n", .scenario_name = "tiny", .chip = "test",
               .seed = 5, .status = "failed", .error = "event pool exhausted",
               .start_time = "2024-01-02T03:04:06Z", .wall_time_s = 0.25};
  OK(rdb_insert(db, &f, &id2, E));
  cr_assert(id1 > 0 && id2 == id1 + 1, "ids %" PRId64 ", %" PRId64, id1, id2);
  rdb_close(db);

  cr_assert_eq(query_int(path, "PRAGMA user_version"), RDB_SCHEMA_VERSION, "schema version");
  sqlite3 *raw = NULL;
  sqlite3_open(path, &raw);
  sqlite3_stmt *st = NULL;
  sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, NULL);
  sqlite3_step(st);
  cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal", "journal mode");
  sqlite3_finalize(st);
  sqlite3_close(raw);

  OK(rdb_open_readonly(path, &db, E));
  rdb_row *rows = NULL;
  size_t n = 0;
  OK(rdb_list(db, NULL, &rows, &n, E));
  cr_assert_eq(n, 2, "rows: got %zu, expected 2", n);
  rdb_row *g = &rows[0];
  char hash[65];
  nm_sha256_hex("name: tiny\n", 11, hash);
  cr_assert_str_eq(g->scenario_hash, hash, "hash");
  cr_assert(g->has_metrics && strcmp(g->sum.status, "complete") == 0, "status %s",
            g->sum.status);
  cr_assert_str_eq(g->sweep_id, "sw1");
  cr_assert_str_eq(g->run_file, "/x/run.h5");
  cr_assert_str_eq(g->start_time, "2024-01-02T03:04:05Z");
  cr_assert_str_eq(g->sum.nmsim_version, nmsim_version());
  cr_assert(g->wall_time_s == 1.5 && g->sum.seed == 42 && g->sum.steps == 100 &&
                g->sum.dt_ms == 0.5 && g->sum.n_cores == 8 && g->sum.cores_used == 4 &&
                g->sum.tiles_used == 2,
            "scalars: wall %g seed %" PRIu64 " steps %" PRIu64, g->wall_time_s, g->sum.seed,
            g->sum.steps);
  for (int c = 0; c < NM_E_COUNT; c++)
    cr_assert(g->sum.energy_pj[c] == s.energy_pj[c], "energy %s: got %g, expected %g",
              nm_energy_key(c), g->sum.energy_pj[c], s.energy_pj[c]);
  cr_assert(g->sum.total_pj == s.total_pj && g->sum.static_pj == s.static_pj, "total/static");
  cr_assert(g->sum.hw_time_ps == s.hw_time_ps && g->sum.step_min_ps == s.step_min_ps &&
                g->sum.step_max_ps == s.step_max_ps,
            "times: got %" PRIu64 " %" PRIu64 " %" PRIu64, g->sum.hw_time_ps,
            g->sum.step_min_ps, g->sum.step_max_ps);
  cr_assert(fabs(g->sum.step_mean_ps - 1234.5) < 1e-9 && fabs(g->sum.packet_p99_ps - 99) < 1e-9,
            "means: got %g %g", g->sum.step_mean_ps, g->sum.packet_p99_ps);
  cr_assert(g->sum.spikes == 77 && g->sum.synaptic_ops == 88 && g->sum.neuron_updates == 99 &&
                g->sum.packets == 11 && g->sum.hops == 22,
            "counts");
  cr_assert_eq(g->sum.n_pops, 2, "populations: %zu", g->sum.n_pops);
  cr_assert(strcmp(g->sum.pops[0].name, "input") == 0 && strcmp(g->sum.pops[1].name, "exc") == 0 &&
                g->sum.pops[1].size == 40 && g->sum.pops[1].spikes == 47 &&
                g->sum.pops[1].bursts == 6 && g->sum.pops[1].rate_hz == 5.875,
            "population rows");
  cr_assert_eq(g->n_params, 2, "parameters: %zu", g->n_params);
  cr_assert(strcmp(g->param_keys[0], "seed") == 0 && strcmp(g->param_values[0], "42") == 0 &&
                g->param_numeric[0],
            "param 0: %s=%s", g->param_keys[0], g->param_values[0]);
  cr_assert(strcmp(g->param_keys[1], "tau") == 0 && strcmp(g->param_values[1], "10 ms") == 0 &&
                !g->param_numeric[1],
            "param 1: %s=%s", g->param_keys[1], g->param_values[1]);
  rdb_row *h = &rows[1];
  cr_assert(!h->has_metrics && strcmp(h->sum.status, "failed") == 0 &&
                strcmp(h->error, "event pool exhausted") == 0 && h->sum.seed == 5 &&
                strcmp(h->sum.chip, "test") == 0 && h->n_params == 0,
            "failed row: status %s error %s", h->sum.status, h->error);
  rdb_rows_free(rows, n);
  OK(rdb_list(db, "sw1", &rows, &n, E));
  cr_assert_eq(n, 1, "rows of sweep sw1: %zu", n);
  rdb_rows_free(rows, n);
  rdb_close(db);
  run_summary_clear(&s);
  remove_db(path);
  cr_assert_eq(tu_leaks(), 0, "leaks");
}

Test(resultsdb, untimed_modes_store_null_for_what_they_do_not_model) {
  /* Invariant: a figure a mode does not model is NULL, never 0: functional
   * mode (no network-on-chip) has no hop count and no routing, hop or
   * barrier energy; network mode (no chip) has no packets or spike
   * generation either; both have no hardware time. What they model is
   * stored. */
  static const char *const modes[] = {"timed", "functional", "network"};
  TMP(path, "modes", ".sqlite");
  rdb *db = NULL;
  OK(rdb_open(path, &db, E));
  for (size_t m = 0; m < 3; m++) {
    run_summary s;
    make_summary(&s, 1.0);
    s.mode = nm_strdup(modes[m]);
    rdb_run r = {.scenario_text = modes[m], .sum = &s};
    OK(rdb_insert(db, &r, NULL, E));
    run_summary_clear(&s);
  }
  rdb_close(db);
  char col[96], sql[256];
  for (int c = 0; c < NM_E_COUNT; c++) {
    rdb_energy_column(c, col, sizeof col);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE %s IS NULL", col);
    int want = (c == NM_E_WITHIN_TILE || c == NM_E_LINK_HOP || c == NM_E_CHIP_LINK ||
                c == NM_E_BARRIER) ? 2 : c == NM_E_SPIKE_OUT ? 1 : 0;
    cr_assert_eq(query_int(path, sql), want, "%s NULL in %d rows", col, query_int(path, sql));
  }
  cr_assert_eq(query_int(path, "SELECT count(*) FROM runs WHERE hops IS NULL"), 2);
  cr_assert_eq(query_int(path, "SELECT count(*) FROM runs WHERE packets IS NULL"), 1);
  cr_assert_eq(query_int(path, "SELECT count(*) FROM runs WHERE hw_time_ns IS NULL"), 2);
  cr_assert_eq(query_int(path, "SELECT count(*) FROM runs WHERE spikes = 77"), 3);
  remove_db(path);
  cr_assert_eq(tu_leaks(), 0, "leaks");
}

Test(resultsdb, schema_migration_and_refusals) {
  /* Invariant: opening a database that lacks an energy column of this nmsim
   * (made by an older one) adds it, keeping the old rows (NULL there); a
   * newer schema, a foreign SQLite database, a file that is not SQLite, and
   * (read-only) a missing file are refused with the path in the message. */
  TMP(path, "mig", ".sqlite");
  rdb *db = NULL;
  OK(rdb_open(path, &db, E));
  run_summary s;
  make_summary(&s, 1.0);
  rdb_run r = {.scenario_text = "x", .sum = &s};
  OK(rdb_insert(db, &r, NULL, E));
  rdb_close(db);
  char col[96], sql[256];
  rdb_energy_column(NM_E_COUNT - 1, col, sizeof col);
  snprintf(sql, sizeof sql, "ALTER TABLE runs DROP COLUMN %s", col);
  exec_sql(path, sql);
  exec_sql(path, "ALTER TABLE runs DROP COLUMN late_packets");
  OK(rdb_open(path, &db, E));
  OK(rdb_insert(db, &r, NULL, E));
  rdb_close(db);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE %s IS NULL", col);
  cr_assert_eq(query_int(path, sql), 1, "old row has NULL in the new column %s", col);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE %s = %g", col,
           s.energy_pj[NM_E_COUNT - 1]);
  cr_assert_eq(query_int(path, sql), 1, "new row has its value in %s", col);
  cr_assert_eq(query_int(path, "SELECT count(*) FROM runs WHERE late_packets IS NULL"), 1,
               "a dropped metric column comes back");

  /* an older database read without migrating: the missing column reads as 0 */
  exec_sql(path, "ALTER TABLE runs DROP COLUMN late_packets");
  exec_sql(path, "ALTER TABLE run_populations DROP COLUMN bursts");
  OK(rdb_open_readonly(path, &db, E));
  rdb_row *rows = NULL;
  size_t n = 0;
  OK(rdb_list(db, NULL, &rows, &n, E));
  cr_assert(n == 2 && rows[1].sum.late_packets == 0 && rows[1].sum.hops == s.hops &&
                rows[1].sum.n_pops == 2 && rows[1].sum.pops[1].bursts == 0 &&
                rows[1].sum.pops[1].spikes == 47,
            "read-only list of an older database: %zu rows", n);
  rdb_rows_free(rows, n);
  rdb_close(db);

  exec_sql(path, "PRAGMA user_version = 99");
  nmsim_err err = {0};
  nmsim_status st = rdb_open(path, &db, &err);
  cr_assert(st == NMSIM_EFORMAT && strstr(err.msg, path) && strstr(err.msg, "99"),
            "newer schema: got %s (%s), expected EFORMAT", nmsim_status_name(st), err.msg);
  remove_db(path);

  exec_sql(path, "CREATE TABLE other (x)");
  st = rdb_open(path, &db, &err);
  cr_assert(st == NMSIM_EFORMAT && strstr(err.msg, "not an nmsim results database"),
            "foreign database: got %s (%s)", nmsim_status_name(st), err.msg);
  remove_db(path);

  cr_assert_eq(tu_write(path, "this is text, not a database, and long enough to have a "
                              "header page of some hundred bytes ............................"
                              "..............................................................."),
               0);
  st = rdb_open(path, &db, &err);
  cr_assert(st == NMSIM_EFORMAT && strstr(err.msg, path) && strstr(err.msg, "not an SQLite"),
            "text file: got %s (%s)", nmsim_status_name(st), err.msg);
  remove_db(path);

  st = rdb_open_readonly("/nonexistent/r.sqlite", &db, &err);
  cr_assert(st == NMSIM_EIO && strstr(err.msg, "/nonexistent/r.sqlite"),
            "missing file: got %s (%s)", nmsim_status_name(st), err.msg);
  run_summary_clear(&s);
  cr_assert_eq(tu_leaks(), 0, "leaks");
}

/* ---- out of memory ----------------------------------------------------------------- */

static long fail_after = -1;
static bool oom_ok(void) {
  if (fail_after == 0) return false;
  if (fail_after > 0) fail_after--;
  return true;
}
static void *oom_malloc(size_t n) { return oom_ok() ? malloc(n) : NULL; }
static void *oom_realloc(void *p, size_t n) { return oom_ok() ? realloc(p, n) : NULL; }
static void *oom_calloc(size_t c, size_t n) { return oom_ok() ? calloc(c, n) : NULL; }
static const nm_allocator oom_alloc = {oom_malloc, oom_realloc, oom_calloc, free};

Test(resultsdb, out_of_memory) {
  /* Invariant: failing the Nth allocation of opening and recording, then of
   * listing, for every N until they succeed, gives NMSIM_ENOMEM, records
   * nothing half (a run and its populations commit together) and leaks
   * nothing. */
  TMP(path, "oom", ".sqlite");
  run_summary s;
  make_summary(&s, 1.0);
  rdb_run r = {.scenario_text = "x", .parameters_json = "{\"a\": 1}", .sum = &s};
  long n;
  rdb *db = NULL;
  for (n = 0; n < 1000; n++) {
    nmsim_err err = {0};
    fail_after = n;
    nmsim_set_allocator(&oom_alloc);
    nmsim_status st = rdb_open(path, &db, &err);
    if (!st) st = rdb_insert(db, &r, NULL, &err);
    nmsim_set_allocator(NULL);
    fail_after = -1;
    if (st == NMSIM_OK) break;
    rdb_close(db);
    db = NULL;
    cr_assert(st == NMSIM_ENOMEM, "allocation %ld failed: got %s (%s), expected ENOMEM", n,
              nmsim_status_name(st), err.msg);
  }
  cr_assert_lt(n, 1000, "opening and recording never succeeded");
  /* listing, on the open database (no writes: no checkpoint per try) */
  for (n = 0; n < 1000; n++) {
    nmsim_err err = {0};
    rdb_row *rows = NULL;
    size_t cnt = 0;
    fail_after = n;
    nmsim_set_allocator(&oom_alloc);
    nmsim_status st = rdb_list(db, NULL, &rows, &cnt, &err);
    nmsim_set_allocator(NULL);
    fail_after = -1;
    rdb_rows_free(rows, cnt);
    if (st == NMSIM_OK) {
      cr_assert_eq(cnt, 1, "rows: got %zu, expected 1", cnt);
      break;
    }
    cr_assert(st == NMSIM_ENOMEM && rows == NULL && cnt == 0,
              "allocation %ld of listing failed: got %s (%s), expected ENOMEM and no rows", n,
              nmsim_status_name(st), err.msg);
  }
  cr_assert_lt(n, 1000, "listing never succeeded");
  rdb_close(db);
  long long runs = query_int(path, "SELECT count(*) FROM runs");
  long long pops = query_int(path, "SELECT count(*) FROM run_populations");
  cr_assert(runs == 1 && pops == 2, "%lld runs with %lld populations, expected 1 with 2", runs,
            pops);
  run_summary_clear(&s);
  remove_db(path);
  cr_assert_eq(tu_leaks(), 0, "leaks");
}

/* ---- the command line ------------------------------------------------------------- */

/* A run whose row cannot be written once it has run (a full disk; here a
 * trigger that refuses every insert) is a failed write, exit 1, for run and
 * sweep alike; it exited 2, the status of bad input. */
Test(resultsdb_cli, failed_row_write_exits_1) {
  TMP(db, "full", ".sqlite");
  char args[2048], *err = NULL;
  snprintf(args, sizeof args, "run %s --db %s --set steps=5 --quiet", TINY, db);
  cr_assert_eq(nmsim(args, NULL, NULL), 0);
  exec_sql(db, "CREATE TRIGGER full BEFORE INSERT ON runs BEGIN "
               "SELECT RAISE(FAIL, 'database or disk is full'); END");
  int rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 1, "run: exit %d, expected 1: %s", rc, err);
  cr_assert(strstr(err, "database or disk is full"), "stderr: %s", err);
  free(err);
  snprintf(args, sizeof args, "sweep %s --db %s --set steps=5,6 --quiet", TINY, db);
  rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 1, "sweep: exit %d, expected 1: %s", rc, err);
  free(err);
  remove_db(db);
}

/* report --db --sweep with an id that names no run is bad input, exit 2 (it
 * printed "0 runs" and exited 0). */
Test(resultsdb_cli, unknown_sweep_id) {
  TMP(db, "nosweep", ".sqlite");
  char args[2048], *err = NULL;
  snprintf(args, sizeof args, "run %s --db %s --set steps=5 --quiet", TINY, db);
  cr_assert_eq(nmsim(args, NULL, NULL), 0);
  snprintf(args, sizeof args, "report --db %s --sweep nosuch", db);
  int rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 2, "exit %d, expected 2: %s", rc, err);
  cr_assert(strstr(err, "no run of sweep 'nosuch'"), "stderr: %s", err);
  free(err);
  remove_db(db);
}

/* A row whose parameters are not a JSON object (a damaged or hand-edited
 * database: a scalar has no keys) is reported with no parameters, in text
 * and JSON; it used to hand a NULL key to strcmp. */
Test(resultsdb_cli, parameters_not_an_object) {
  TMP(db, "scalar", ".sqlite");
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "run %s --db %s --set steps=5 --quiet", TINY, db);
  cr_assert_eq(nmsim(args, NULL, NULL), 0);
  snprintf(args, sizeof args, "run %s --db %s --set steps=6 --set seed=2 --quiet", TINY, db);
  cr_assert_eq(nmsim(args, NULL, NULL), 0);
  exec_sql(db, "UPDATE runs SET parameters = '5' WHERE id = 1");
  for (int json = 0; json < 2; json++) {
    snprintf(args, sizeof args, "report --db %s%s", db, json ? " --json" : "");
    int rc = nmsim(args, &out, &err);
    cr_assert_eq(rc, 0, "report%s: exit %d: %s", json ? " --json" : "", rc, err);
    cr_assert(strstr(out, "seed"), "the other row's parameters are still shown: %s", out);
    free(out);
    free(err);
  }
  remove_db(db);
}

Test(resultsdb_cli, run_db_records_the_run) {
  /* Invariant: `nmsim run --db` appends one row: the --set overrides as JSON,
   * the SHA-256 of the scenario text stored in the run file, status, seed,
   * chip, wall time, run file and metrics equal to the report's; a bad --db
   * exits 2 naming it, before running; a failed run is recorded as failed
   * and exits 1. */
  TMP(db, "run", ".sqlite");
  TMP(h5, "run", ".h5");
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "run %s -o %s --db %s --set steps=40 --set seed=5 --quiet --json",
           TINY, h5, db);
  int rc = nmsim(args, &out, &err);
  cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
  free(err);
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs"), 1, "one row");
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE parameters = "
                             "'{\"steps\": 40, \"seed\": 5}' AND seed = 5 AND chip = 'test' AND "
                             "status = 'complete' AND scenario = 'tiny' AND steps = 40 AND "
                             "wall_time_s > 0 AND run_file IS NOT NULL AND error IS NULL"),
               1, "row fields");
  cr_assert_eq(query_int(db, "SELECT count(*) FROM run_populations WHERE run_id = 1"), 2,
               "two populations");
  /* the metrics are the report's, and the hash is that of the stored text */
  char cmd[4096], *py = NULL, *pyerr = NULL;
  TMP(jpath, "run", ".json");
  cr_assert_eq(tu_write(jpath, out), 0);
  snprintf(cmd, sizeof cmd,
           "%s -c 'import sqlite3,json,hashlib,h5py,sys\n"
           "r=json.load(open(sys.argv[1])); c=sqlite3.connect(sys.argv[2])\n"
           "row=c.execute(\"select energy_total_pj, step_mean_ns, spikes, scenario_hash,"
           " energy_synaptic_op_pj from runs\").fetchone()\n"
           "assert abs(row[0]-r[\"energy_pj\"][\"total\"])<=1e-9*row[0], (row[0], r[\"energy_pj\"])\n"
           "assert abs(row[1]-r[\"latency_ns\"][\"step\"][\"mean\"])<=1e-9*row[1], row[1]\n"
           "assert row[2]==r[\"counts\"][\"spikes\"], (row[2], r[\"counts\"])\n"
           "assert row[4]==r[\"energy_pj\"][\"by_category\"][\"synaptic_op\"], row[4]\n"
           "t=h5py.File(sys.argv[3],\"r\")[\"/meta/scenario\"][()]\n"
           "t=t.decode() if isinstance(t,bytes) else t\n"
           "h=hashlib.sha256(t.encode()).hexdigest()\n"
           "assert row[3]==h, (row[3], h)\n"
           "print(\"ok\")' %s %s %s",
           NMSIM_PYTHON, jpath, db, h5);
  rc = tu_run(cmd, &py, &pyerr);
  cr_assert(rc == 0 && py && strcmp(py, "ok\n") == 0, "python check: exit %d [%s] [%s]", rc,
            py ? py : "", pyerr ? pyerr : "");
  free(py);
  free(pyerr);
  free(out);
  remove(jpath);

  snprintf(args, sizeof args, "run %s --db /nonexistent/dir/r.sqlite --quiet", TINY);
  rc = nmsim(args, NULL, &err);
  cr_assert(rc == 2 && strstr(err, "/nonexistent/dir/r.sqlite"), "bad --db: exit %d, %s", rc,
            err);
  free(err);

  snprintf(args, sizeof args, "run %s --db %s --set engine.max_events=3 --quiet", TINY, db);
  rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 1, "failed run: exit %d, expected 1 (%s)", rc, err);
  free(err);
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE status = 'failed' AND error LIKE "
                             "'%max_events%' AND energy_total_pj IS NULL"),
               1, "the failed run is recorded as failed, without metrics");
  remove_db(db);
  remove(h5);
}

Test(resultsdb_cli, two_sweeps_at_once_lose_no_row, .timeout = 120) {
  /* Invariant: two `nmsim sweep` processes writing one (new) database at the
   * same time record every run of both: 2 x 12 rows with distinct ids, 12 per
   * sweep id, every combination once per sweep, and each run's populations;
   * `nmsim report --db` then lists all 24 (text and JSON). */
  TMP(db, "sweeps", ".sqlite");
  char cmd[4096], *out = NULL, *err = NULL;
  snprintf(cmd, sizeof cmd,
           "(%s sweep %s --set seed=1,2,3,4,5,6 --set steps=10,20 --db %s --quiet >/dev/null &"
           " pa=$!; %s sweep %s --set seed=1,2,3,4,5,6 --set steps=10,20 --db %s --quiet"
           " >/dev/null & pb=$!; wait $pa; a=$?; wait $pb; b=$?; echo $a $b)",
           NMSIM_BINARY, TINY, db, NMSIM_BINARY, TINY, db);
  int rc = tu_run(cmd, &out, &err);
  cr_assert(rc == 0 && out && strcmp(out, "0 0\n") == 0,
            "sweeps: exit codes [%s], expected [0 0]; stderr: %s", out ? out : "", err);
  free(out);
  free(err);
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs"), 24, "rows");
  cr_assert_eq(query_int(db, "SELECT count(DISTINCT id) FROM runs"), 24, "distinct ids");
  cr_assert_eq(query_int(db, "SELECT count(DISTINCT sweep_id) FROM runs"), 2, "sweep ids");
  cr_assert_eq(query_int(db, "SELECT max(n) FROM (SELECT count(*) AS n FROM runs GROUP BY "
                             "sweep_id, parameters)"),
               1, "a combination twice in one sweep");
  cr_assert_eq(query_int(db, "SELECT count(DISTINCT parameters) FROM runs"), 12,
               "distinct combinations");
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE status = 'complete'"), 24,
               "complete runs");
  cr_assert_eq(query_int(db, "SELECT count(*) FROM run_populations"), 48, "population rows");
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE seed = 4 AND steps = 20"), 2,
               "seed=4 steps=20 in each sweep");

  snprintf(cmd, sizeof cmd, "report --db %s", db);
  rc = nmsim(cmd, &out, &err);
  cr_assert(rc == 0 && strstr(out, ": 24 runs") && strstr(out, "energy (") &&
                strstr(out, "step mean (") && strstr(out, "lowest energy"),
            "report --db: exit %d:\n%s%s", rc, out, err);
  /* a header names the swept parameters */
  cr_assert(strstr(out, "  id  scenario  seed  steps  chip"),
            "table header lacks the swept parameters:\n%s", out);
  free(out);
  free(err);
  snprintf(cmd, sizeof cmd,
           "(%s report --db %s --json | %s -c 'import json,sys\n"
           "d=json.load(sys.stdin); r=d[\"runs\"]\n"
           "assert d[\"schema_version\"]==1 and len(r)==24, len(r)\n"
           "assert all(x[\"status\"]==\"complete\" and \"energy_pj\" in x for x in r)\n"
           "assert sorted(set((x[\"parameters\"][\"seed\"],x[\"parameters\"][\"steps\"]) for x in r))"
           "==[(s,t) for s in range(1,7) for t in (10,20)]\n"
           "print(\"ok\")')",
           NMSIM_BINARY, db, NMSIM_PYTHON);
  rc = tu_run(cmd, &out, &err);
  cr_assert(rc == 0 && out && strcmp(out, "ok\n") == 0, "report --db --json: exit %d [%s] [%s]",
            rc, out ? out : "", err ? err : "");
  free(out);
  free(err);
  remove_db(db);
}

/* The run file recorded in row id of db (malloc'd). */
static char *run_file_of(const char *db, int id) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT run_file FROM runs WHERE id = %d", id);
  sqlite3 *d = NULL;
  sqlite3_stmt *q = NULL;
  cr_assert_eq(sqlite3_open(db, &d), SQLITE_OK);
  cr_assert_eq(sqlite3_prepare_v2(d, sql, -1, &q, NULL), SQLITE_OK);
  cr_assert_eq(sqlite3_step(q), SQLITE_ROW, "no row %d in %s", id, db);
  char *p = strdup((const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  sqlite3_close(d);
  return p;
}

Test(resultsdb_cli, sweep_jobs_keep_order_and_results, .timeout = 120) {
  /* Invariant: `nmsim sweep --jobs 3` (runs at once, each in its own
   * process) records the same rows as one job, in combination order: every
   * column but the times, the sweep id and the file name equal, row by row,
   * with the same populations; the same run files (h5diff); its lines on
   * stderr come in order; and a combination that fails while running is
   * recorded as failed in its place, the sweep exiting 1. */
  TMP(db1, "jobs1", ".sqlite");
  TMP(db3, "jobs3", ".sqlite");
  TMP(dir1, "jobsdir1", "");
  TMP(dir3, "jobsdir3", "");
  const char *dbs[] = {db1, db3}, *dirs[] = {dir1, dir3};
  char args[2048], *out[2] = {NULL, NULL}, *err = NULL;
  for (int k = 0; k < 2; k++) {
    snprintf(args, sizeof args,
             "sweep %s --set seed=1,2,3,4 --set steps=5,9 --set engine.mode=timed,functional "
             "--db %s -o %s --jobs %d",
             TINY, dbs[k], dirs[k], k ? 3 : 1);
    int rc = nmsim(args, &out[k], &err);
    cr_assert_eq(rc, 0, "%s: exit %d: %s", args, rc, err);
    const char *at = err;
    for (int i = 1; i <= 16; i++) { /* [1/16] ... [16/16], in order */
      char tag[16];
      snprintf(tag, sizeof tag, "[%d/16]", i);
      const char *hit = strstr(at, tag);
      cr_assert(hit, "%s: %s missing or out of order in\n%s", args, tag, err);
      at = hit;
    }
    free(err);
  }
  /* the report's table differs in the wall time column only: compare it
   * through the database instead */
  free(out[0]);
  free(out[1]);
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "%s -c 'import sqlite3,sys\n"
           "def rows(p, t):\n"
           "  c = sqlite3.connect(p); c.row_factory = sqlite3.Row\n"
           "  skip = {\"start_time\", \"wall_time_s\", \"sweep_id\", \"run_file\"}\n"
           "  q = \"SELECT * FROM \" + t + \" ORDER BY rowid\"\n"
           "  return [{k: r[k] for k in r.keys() if k not in skip} for r in c.execute(q)]\n"
           "for t in (\"runs\", \"run_populations\"):\n"
           "  a, b = rows(sys.argv[1], t), rows(sys.argv[2], t)\n"
           "  assert len(a) == len(b) and len(a) >= 16, (t, len(a), len(b))\n"
           "  for x, y in zip(a, b): assert x == y, (t, x, y)\n"
           "print(\"ok\")' %s %s",
           NMSIM_PYTHON, db1, db3);
  char *o = NULL, *e = NULL;
  int rc = tu_run(cmd, &o, &e);
  cr_assert(rc == 0 && o && strcmp(o, "ok\n") == 0, "databases differ: [%s] [%s]", o ? o : "",
            e ? e : "");
  free(o);
  free(e);
  for (int id = 1; id <= 16; id++) {
    char *a = run_file_of(db1, id), *b = run_file_of(db3, id);
    tu_same_h5("sweep --jobs 3 against one job", b, a);
    remove(a);
    remove(b);
    free(a);
    free(b);
  }
  remove(dir1);
  remove(dir3);

  /* a bad number of jobs is bad usage, before anything runs */
  static const char *const bad_jobs[] = {"0", "257", "abc", ""};
  for (size_t k = 0; k < sizeof bad_jobs / sizeof bad_jobs[0]; k++) {
    snprintf(args, sizeof args, "sweep %s --set seed=1,2 --db %s --jobs '%s'", TINY, db3,
             bad_jobs[k]);
    rc = nmsim(args, NULL, &err);
    cr_assert(rc == 2 && strstr(err, "--jobs expects a whole number from 1 to 256"),
              "--jobs '%s': exit %d, stderr %s", bad_jobs[k], rc, err);
    free(err);
  }

  /* a combination that fails while running (a core's neurons over the
   * chip's limit, found when the network is built) is recorded in its place */
  snprintf(args, sizeof args,
           "sweep %s --set populations.exc.size=8,200000,16 --db %s --jobs 2 --quiet", TINY, db3);
  rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 1, "a failed run: exit %d, expected 1: %s", rc, err);
  cr_assert(strstr(err, "run 2 of 3"), "stderr names the run: %s", err);
  free(err);
  cr_assert_eq(query_int(db3, "SELECT count(*) FROM runs WHERE id = 18 AND status = 'failed'"),
               1, "the failed run recorded second of its sweep");
  cr_assert_eq(query_int(db3, "SELECT count(*) FROM runs WHERE id IN (17, 19) AND status = "
                              "'complete'"),
               2, "the runs around it complete");
  remove_db(db1);
  remove_db(db3);
}

Test(resultsdb_cli, sweep_job_that_dies_is_recorded_as_failed, .timeout = 120) {
  /* Invariant: a job killed during its run (here by SIGKILL, as the kernel
   * kills a process out of memory) has that run recorded as failed, naming
   * the signal, in its place; another job takes the runs left and the sweep
   * ends with exit 1 and every row. */
  TMP(db, "jobdies", ".sqlite");
  TMP(dir, "jobdiesdir", "");
  char cmd[4096], *out = NULL, *err = NULL;
  /* the first job (the sweep's first child) holds run 1: kill it mid-run */
  snprintf(cmd, sizeof cmd,
           "(%s sweep %s --set seed=1,2,3 --set steps=60000 --db %s -o %s --jobs 2 --quiet >/dev/null"
           " & p=$!; c=''; for i in $(seq 200); do"
           " c=$(cat /proc/$p/task/$p/children 2>/dev/null | cut -d' ' -f1);"
           " [ -n \"$c\" ] && break; sleep 0.05; done; sleep 0.3; kill -9 $c; wait $p; echo $?)",
           NMSIM_BINARY, TINY, db, dir);
  int rc = tu_run(cmd, &out, &err);
  cr_assert(rc == 0 && out && strcmp(out, "1\n") == 0, "exit [%s], expected 1; stderr %s",
            out ? out : "", err);
  cr_assert(strstr(err, "run 1 of 3") && strstr(err, "killed by signal 9"), "stderr: %s", err);
  free(out);
  free(err);
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs"), 3, "rows");
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE id = 1 AND status = 'failed' AND "
                             "error LIKE '%killed by signal 9%'"),
               1, "run 1 failed, naming the signal");
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE id > 1 AND status = 'complete'"),
               2, "the other runs complete");
  /* the lost run names no file (what its job wrote is not a run file); the others do */
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE id = 1 AND run_file IS NULL"), 1,
               "the lost run's file");
  for (int id = 2; id <= 3; id++) {
    char *f = run_file_of(db, id);
    FILE *h = fopen(f, "rb");
    cr_assert(h != NULL, "%s missing", f);
    fclose(h);
    remove(f);
    free(f);
  }
  char rm[1200];
  snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
  cr_assert_eq(system(rm), 0);
  remove_db(db);
}

Test(resultsdb_cli, sweep_files_and_errors) {
  /* Invariant: `nmsim sweep -o DIR` writes one run file per combination and
   * records its path; the product runs in order (first --set slowest); a value
   * that the scenario rejects exits 2 naming the field before any run (no
   * database is created); missing --db or a bad list is bad usage (exit 2). */
  TMP(db, "sweepf", ".sqlite");
  TMP(dir, "sweepdir", "");
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "sweep %s --set 'populations.exc.params.tau_m=10 ms,20 ms' --set steps=5,6,7 "
           "--db %s -o %s",
           TINY, db, dir);
  int rc = nmsim(args, &out, &err);
  cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
  cr_assert(strstr(err, "[6/6]") && strstr(out, ": 6 runs"), "stderr:\n%s\nstdout:\n%s", err,
            out);
  free(out);
  free(err);
  /* the files the rows name exist, named by the sweep's id; a second sweep
   * into the same folder writes its own files, and the first's stay */
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE run_file LIKE "
                             "'%outputs_tiny-____-__-__T______Z-%-_.h5'"),
               6, "run files recorded with the sweep id");
  rc = nmsim(args, NULL, NULL);
  cr_assert_eq(rc, 0, "second sweep into the same folder: exit %d", rc);
  cr_assert_eq(query_int(db, "SELECT count(DISTINCT run_file) FROM runs"), 12,
               "two sweeps, twelve run files");
  for (int i = 1; i <= 12; i++) {
    char *p = run_file_of(db, i);
    FILE *f = fopen(p, "rb");
    cr_assert(f != NULL, "%s missing", p);
    fclose(f);
    remove(p);
    free(p);
  }
  /* order: run 4 is tau_m=20 ms, steps=5 */
  cr_assert_eq(query_int(db, "SELECT steps FROM runs WHERE id = 4"), 5, "run 4 steps");
  cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE id = 4 AND parameters LIKE "
                             "'%20 ms%'"),
               1, "run 4 tau_m");
  remove_db(db);
  remove(dir);

  snprintf(args, sizeof args,
           "sweep %s --set 'populations.exc.params.tau_m=10 ms,20 mV' --db %s", TINY, db);
  rc = nmsim(args, NULL, &err);
  cr_assert(rc == 2 && strstr(err, "tau_m") && strstr(err, "run 2 of 2"),
            "bad value: exit %d, stderr %s", rc, err);
  free(err);
  FILE *f = fopen(db, "rb");
  cr_assert_null(f, "a database was created for a sweep that did not start");

  static const char *const bad[] = {"--set seed=1,2", "--set seed=1,,2 --db x.sqlite",
                                    "--set 'seed=[1,2' --db x.sqlite", "--db x.sqlite"};
  static const char *const msg[] = {"--db", "empty value", "unbalanced", "nothing to sweep"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    snprintf(args, sizeof args, "sweep %s %s", TINY, bad[i]);
    rc = nmsim(args, NULL, &err);
    cr_assert(rc == 2 && strstr(err, msg[i]), "'%s': exit %d, expected 2 with '%s': %s", bad[i],
              rc, msg[i], err);
    free(err);
  }
  rc = nmsim("sweep --help", &out, NULL);
  cr_assert(rc == 0 && strstr(out, "usage: nmsim sweep"), "sweep --help");
  free(out);
  rc = nmsim("report --db /nonexistent/r.sqlite", NULL, &err);
  cr_assert(rc == 2 && strstr(err, "/nonexistent/r.sqlite"), "report of a missing db: %d %s",
            rc, err);
  free(err);
}

/* A database in a folder the user cannot write (a read-only copy or mount):
 * report reads it all the same (SQLite cannot make its -shm file there, so
 * it is read as a file nothing changes) and says so; run --db says the
 * folder is the trouble. Root writes anywhere, so as root nmsim runs as the
 * user "nobody" (setpriv, of util-linux). */
Test(resultsdb, read_only_folder) {
  TMP(dir, "rodb", "");
  char path[600];
  snprintf(path, sizeof path, "%s/r.sqlite", dir);
  cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s", dir);
  rdb *db = NULL;
  OK(rdb_open(path, &db, E));
  rdb_run r = {.scenario_text = "name: tiny\n", .scenario_name = "tiny", .chip = "test",
               .seed = 5, .status = "complete", .start_time = "2024-01-02T03:04:06Z"};
  OK(rdb_insert(db, &r, NULL, E));
  rdb_close(db);
  cr_assert_eq(chmod(path, 0444), 0);
  cr_assert_eq(chmod(dir, 0555), 0);
  const char *as = geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";

  char cmd[2400], *out = NULL, *errs = NULL;
  snprintf(cmd, sizeof cmd, "%s%s report --db %s", as, NMSIM_BINARY, path);
  int rc = tu_run(cmd, &out, &errs);
  cr_assert(rc == 0 && strstr(out, "1 run") &&
                strstr(errs, "its folder is not writable, so SQLite cannot make") &&
                strstr(errs, "read as a file that nothing changes"),
            "rc %d, out %s, err %s", rc, out, errs);
  free(out);
  free(errs);
  TMP(open_dir, "rodb-out", ""); /* a folder nobody may write the run file in */
  cr_assert_eq(mkdir(open_dir, 0777), 0);
  cr_assert_eq(chmod(open_dir, 0777), 0);
  char h5[700];
  snprintf(h5, sizeof h5, "%s/run.h5", open_dir);
  snprintf(cmd, sizeof cmd, "%s%s run %s --quiet -o %s --db %s", as, NMSIM_BINARY, TINY, h5,
           path);
  rc = tu_run(cmd, &out, &errs);
  cr_assert(rc == 2 && strstr(errs, "cannot open the results database: the folder ") &&
                strstr(errs, " is not writable (Permission denied): SQLite makes the database"),
            "rc %d, err %s", rc, errs);
  free(out);
  free(errs);
  chmod(dir, 0755);
  remove(path);
  remove(h5);
  rmdir(open_dir);
  rmdir(dir);
}
