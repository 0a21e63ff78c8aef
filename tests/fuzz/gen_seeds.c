/* gen_seeds.c: writes the binary seeds of the fuzz harnesses into DIR, one
 * folder per harness: gen_seeds DIR.
 *   DIR/dvs:     small spec-built recordings of every format, each behind the
 *                format byte fuzz_dvs.c reads (memory, and gzip through a file)
 *   DIR/nir:     small NIR graphs (tests/nir_gen.h)
 *   DIR/runfile: run files of a tiny scenario (timed and functional)
 *   DIR/db:      a results database holding those runs and a failed one,
 *                vacuumed to 512-byte pages */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "nmsim/scenario.h"
#include "sim/base/stats.h"
#include "sim/out/resultsdb.h"
#include "sim/system/run_int.h"
#include "tests/dvs_gen.h"
#include "tests/nir_gen.h"

static char dir[4096];

static const char *at(const char *sub, const char *name) {
  static char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, sub);
  mkdir(path, 0777);
  snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
  return path;
}

/* buf behind format byte fb, as one seed */
static int put_dvs(const tg_buf *b, unsigned char fb, const char *name, bool gz) {
  tg_buf o = {0};
  tg_put(&o, &fb, 1);
  tg_buf z = {0};
  if (gz) { /* gzip the recording through a file, then read it back */
    const char *tmp = at("dvs", "tmp.gz");
    if (tg_write(b, tmp, true)) return 1;
    FILE *f = fopen(tmp, "rb");
    if (!f) return 1;
    unsigned char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) tg_put(&z, chunk, n);
    fclose(f);
    remove(tmp);
    tg_put(&o, z.b, z.n);
    tg_free(&z);
  } else {
    tg_put(&o, b->b, b->n);
  }
  int rc = tg_write(&o, at("dvs", name), false);
  tg_free(&o);
  return rc;
}

static int gen_dvs(void) {
  static const struct {
    dvs_format f;
    unsigned w, h;
  } fmts[] = {{DVS_AEDAT2, 240, 180}, {DVS_AEDAT2, 128, 128}, {DVS_AEDAT3, 128, 128},
              {DVS_AEDAT4, 320, 240}, {DVS_NMNIST, 34, 34},   {DVS_EVT2, 640, 480},
              {DVS_EVT3, 1280, 720},  {DVS_DAT, 304, 240}};
  char name[64];
  for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
    dvs_event *e = tg_events(30, i + 1, 1000, 40, fmts[i].w, fmts[i].h);
    tg_buf b = {0};
    tg_format(&b, fmts[i].f, e, 30, fmts[i].w, fmts[i].h);
    const char *fn = dvs_format_name(fmts[i].f);
    snprintf(name, sizeof name, "%s-%zu", fn, i);
    if (put_dvs(&b, (unsigned char)fmts[i].f, name, false)) return 1;
    snprintf(name, sizeof name, "auto-%s-%zu", fn, i);
    if (put_dvs(&b, DVS_AUTO, name, false)) return 1;
    snprintf(name, sizeof name, "gzip-%s-%zu", fn, i);
    if (put_dvs(&b, 0x80 | DVS_AUTO, name, true)) return 1;
    tg_free(&b);
    if (fmts[i].f == DVS_AEDAT4) { /* the other compressions, and no table */
      tg_aedat4(&b, e, 30, 10, TG_A4_ZSTD, 2, 320, 240, false);
      if (put_dvs(&b, DVS_AEDAT4, "aedat4-zstd", false)) return 1;
      tg_free(&b);
      tg_aedat4(&b, e, 30, 10, TG_A4_NONE, 0, 320, 240, true);
      if (put_dvs(&b, DVS_AEDAT4, "aedat4-none", false)) return 1;
      tg_free(&b);
    }
    free(e);
  }
  return 0;
}

static int gen_nir(void) {
  /* in [3] -> fc (Affine 2 x 3) -> lif (LIF [2]) -> out [2] */
  ng_write_lif(at("nir", "lif.nir"), false, false, "0.2.0");
  hid_t g, f, n;

  /* in [4] -> sub (a nested graph: Linear 4 x 4, CubaLIF [4], gzip) -> out [4] */
  f = ng_create(at("nir", "nested-cuba.nir"), NULL, &g);
  int64_t s4[] = {4};
  ng_io(g, "in", "Input", 1, s4);
  ng_io(g, "out", "Output", 1, s4);
  hid_t sub = ng_subgraph(g, "sub");
  ng_io(sub, "input", "Input", 1, s4);
  ng_io(sub, "output", "Output", 1, s4);
  n = ng_node(sub, "lin", "Linear");
  double w16[16];
  hsize_t d44[2] = {4, 4};
  ng_num(n, "weight", true, true, 2, d44, ng_fill(w16, 16, 0.5));
  H5Gclose(n);
  n = ng_node(sub, "cuba", "CubaLIF");
  double v4[4];
  ng_vec(n, "tau_mem", true, true, 4, ng_fill(v4, 4, 0.02));
  ng_vec(n, "tau_syn", true, true, 4, ng_fill(v4, 4, 0.005));
  ng_vec(n, "r", true, true, 4, ng_fill(v4, 4, 1));
  ng_vec(n, "v_leak", true, true, 4, ng_fill(v4, 4, 0));
  ng_vec(n, "v_threshold", true, true, 4, ng_fill(v4, 4, 1));
  H5Gclose(n);
  const char *se[] = {"input", "lin", "lin", "cuba", "cuba", "output"};
  ng_edges(sub, 3, se);
  H5Gclose(sub);
  const char *ge[] = {"in", "sub", "sub", "out"};
  ng_edges(g, 2, ge);
  H5Gclose(g);
  H5Fclose(f);
  return 0;
}

static const char scenario[] =
    "name: seed\n"
    "seed: 2\n"
    "chip: test\n"
    "steps: 4\n"
    "dt: 1 ms\n"
    "engine: {mode: %s}\n"
    "populations:\n"
    "  in: {size: 4, model: poisson, params: {rate: 500 Hz}}\n"
    "  a: {size: 6, model: lif, params: {v_th: -60 mV, v_init: -61 mV}}\n"
    "projections:\n"
    "  - {from: in, to: a, connector: all_to_all, weight: 2 nA, delay: 1, site: exc}\n"
    "record:\n"
    "  spikes: all\n"
    "  state: {a: {vars: [v], neurons: [0, 1]}}\n";

static int gen_runs(void) {
  const char *modes[] = {"timed", "functional"};
  char db_path[4200];
  snprintf(db_path, sizeof db_path, "%s", at("db", "runs.db"));
  remove(db_path);
  rdb *db = NULL;
  nmsim_err err = {0};
  if (rdb_open(db_path, &db, &err) != NMSIM_OK) goto fail;
  for (int m = 0; m < 2; m++) {
    char text[2048], name[64];
    snprintf(text, sizeof text, scenario, modes[m]);
    snprintf(name, sizeof name, "%s.h5", modes[m]);
    nmsim_scenario *s = NULL;
    if (nmsim_scenario_load_string("seed.yaml", text, NULL, 0, &s, &err) != NMSIM_OK) goto fail;
    const char *h5 = at("runfile", name);
    char h5_path[4200];
    snprintf(h5_path, sizeof h5_path, "%s", h5);
    run_opts o = {.h5_path = h5_path, .overrides_json = "{\"seed\": 2}"};
    run_summary sum = {0};
    nmsim_status rc = run_scenario(s, &o, &sum, &err);
    nmsim_scenario_destroy(s);
    if (rc != NMSIM_OK) goto fail;
    rdb_run r = {.scenario_text = text, .scenario_name = "seed", .scenario_path = "seed.yaml",
                 .parameters_json = "{\"seed\": 2, \"tau\": \"10 ms\"}",
                 .sweep_id = m ? "sw1" : NULL, .chip = "test", .seed = 2,
                 .status = "complete", .start_time = "2024-01-02T03:04:05Z",
                 .wall_time_s = 0.5, .run_file = name, .sum = &sum};
    rc = rdb_insert(db, &r, NULL, &err);
    run_summary_clear(&sum);
    if (rc != NMSIM_OK) goto fail;
  }
  rdb_run f = {.scenario_text = "name: x\n", .scenario_name = "x", .chip = "test", .seed = 5,
               .status = "failed", .error = "event pool exhausted",
               .start_time = "2024-01-02T03:04:06Z", .wall_time_s = 0.25};
  if (rdb_insert(db, &f, NULL, &err) != NMSIM_OK) goto fail;
  rdb_close(db);
  /* a rollback journal and small pages: a smaller file, which the fuzzer mutates better */
  sqlite3 *q = NULL;
  if (sqlite3_open(db_path, &q) != SQLITE_OK ||
      sqlite3_exec(q, "PRAGMA journal_mode=DELETE; PRAGMA page_size=512; VACUUM;", NULL, NULL,
                   NULL) != SQLITE_OK) {
    fprintf(stderr, "gen_seeds: vacuum: %s\n", sqlite3_errmsg(q));
    sqlite3_close(q);
    return 1;
  }
  sqlite3_close(q);
  return 0;
fail:
  fprintf(stderr, "gen_seeds: %s\n", err.msg);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen_seeds DIR\n");
    return 2;
  }
  snprintf(dir, sizeof dir, "%s", argv[1]);
  mkdir(dir, 0777);
  if (gen_dvs() || gen_nir() || gen_runs()) return 1;
  return 0;
}
