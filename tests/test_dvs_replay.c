/* test_dvs_replay.c: DVS input of a population (model dvs, sim/dvs/dvs_replay.h):
 * bitmaps against a brute-force mapping, labels and trials, independence from
 * the cores, reruns, the run file's trials, located errors, out-of-memory. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dvs_gen.h"
#include "sim/dvs/dvs_replay.h"
#include "sim/system/run_int.h"
#include "sim/load/scenario_int.h"
#include "tests_util.h"

#define SW 16 /* the test recording's sensor */
#define SH 12
#define T0 1000

/* ---- helpers ---------------------------------------------------------------- */

/* A DAT recording of n random events on the 16 x 12 sensor from T0 us. */
static dvs_event *write_rec(const char *path, size_t n, uint64_t seed) {
  dvs_event *e = tg_events(n, seed, T0, 40, SW, SH);
  tg_buf b = {0};
  tg_dat(&b, e, n, SW, SH);
  cr_assert_eq(tg_write(&b, path, false), 0);
  tg_free(&b);
  return e;
}

static nmsim_scenario *load(const char *text, nmsim_err *err, nmsim_status *rc) {
  nmsim_scenario *s = NULL;
  *rc = nmsim_scenario_load_string("t.yaml", text, NULL, 0, &s, err);
  return s;
}

static nmsim_scenario *load_ok(const char *text) {
  nmsim_err err = {0};
  nmsim_status rc;
  nmsim_scenario *s = load(text, &err, &rc);
  cr_assert_eq(rc, NMSIM_OK, "load: %s\n%s", err.msg, text);
  return s;
}

/* The documented mapping, by brute force. */
typedef struct map_cfg {
  unsigned x0, y0, cw, ch, ds;
  bool split;
  double scale, offset_us, dt_us;
  bool has_from, has_to;
  int64_t from, to;
} map_cfg;

/* Expected bitmap of step s (bits[] of nch channels) from the whole event list. */
static void expected_step(const dvs_event *e, size_t n, const map_cfg *m, uint64_t s, uint8_t *bits,
                          unsigned nch) {
  memset(bits, 0, nch);
  unsigned ow = (m->cw + m->ds - 1) / m->ds, oh = (m->ch + m->ds - 1) / m->ds;
  int64_t from = m->has_from ? m->from : e[0].t_us;
  for (size_t i = 0; i < n; i++) {
    if (e[i].t_us < from || (m->has_to && e[i].t_us >= m->to)) continue;
    if (e[i].x < m->x0 || e[i].x >= m->x0 + m->cw || e[i].y < m->y0 || e[i].y >= m->y0 + m->ch)
      continue;
    double q = (m->offset_us + (double)(e[i].t_us - from) * m->scale) / m->dt_us;
    if ((uint64_t)q != s) continue;
    unsigned c = (e[i].y - m->y0) / m->ds * ow + (e[i].x - m->x0) / m->ds +
                 (m->split ? e[i].p * ow * oh : 0);
    bits[c] = 1;
  }
}

static void expect_bitmaps(dvs_replay *r, const dvs_event *e, size_t n, const map_cfg *m,
                           uint64_t steps, const char *what) {
  unsigned nch = dvs_replay_channels(r);
  uint8_t *want = malloc(nch);
  uint64_t total = 0;
  for (uint64_t s = 0; s < steps; s++) {
    const uint64_t *bits = dvs_replay_step(r, s);
    cr_assert(bits, "%s: step %llu failed", what, (unsigned long long)s);
    expected_step(e, n, m, s, want, nch);
    for (unsigned c = 0; c < nch; c++) {
      bool got = bits[c / 64] >> (c % 64) & 1;
      cr_assert_eq(got, want[c], "%s: step %llu channel %u: got %d, expected %d", what,
                   (unsigned long long)s, c, got, want[c]);
      total += got;
    }
  }
  cr_assert_gt(total, 0, "%s: some channel spiked", what);
  free(want);
}

/* ---- mapping ----------------------------------------------------------------- */

/* The whole sensor, both polarity planes: every step's bitmap is the set of
 * channels with an event in [s dt, (s+1) dt) after the first event. */
Test(dvs_replay, whole_sensor_split) {
  char path[512], text[2048];
  snprintf(path, sizeof path, "%s", tu_tmp("rep", ".dat"));
  size_t n = 2000;
  dvs_event *e = write_rec(path, n, 1);
  snprintf(text, sizeof text,
           "chip: loihi\nsteps: 90\ndt: 1 ms\npopulations:\n"
           "  cam: {size: %d, model: dvs, input: {dvs: {file: %s}}}\n", SW * SH * 2, path);
  nmsim_scenario *s = load_ok(text);
  dvs_replay *r = s->pops[0].dvs;
  cr_assert(r);
  map_cfg m = {0, 0, SW, SH, 1, true, 1.0, 0, 1000, false, false, 0, 0};
  expect_bitmaps(r, e, n, &m, 90, "whole sensor");
  dvs_replay_counts k = dvs_replay_get_counts(r);
  cr_assert_eq(k.used, n, "events used %llu, expected %zu", (unsigned long long)k.used, n);
  cr_assert_eq(k.late, 0);
  nmsim_scenario_destroy(s);
  free(e);
  remove(path);
}

/* The HDF5 events `nmsim dvs convert` writes are a recording again: the
 * replay of the converted file gives the bitmaps of the original, its header's
 * sensor size included, detected (format auto) or named (format h5). */
Test(dvs_replay, converted_hdf5_replays_as_the_original, .timeout = 60) {
  char path[512], h5[512], cmd[2048], text[2048];
  snprintf(path, sizeof path, "%s", tu_tmp("rep_src", ".dat"));
  snprintf(h5, sizeof h5, "%s", tu_tmp("rep_conv", ".h5"));
  size_t n = 3000;
  dvs_event *e = write_rec(path, n, 5);
  snprintf(cmd, sizeof cmd, "%s dvs convert %s -o %s", NMSIM_BINARY, path, h5);
  char *out = NULL, *err = NULL;
  cr_assert_eq(tu_run(cmd, &out, &err), 0, "%s", err);
  free(out), free(err);
  for (int named = 0; named < 2; named++) {
    snprintf(text, sizeof text,
             "chip: loihi\nsteps: 130\ndt: 1 ms\npopulations:\n"
             "  cam: {size: %d, model: dvs, input: {dvs: {file: %s%s}}}\n", SW * SH * 2, h5,
             named ? ", format: h5" : "");
    nmsim_scenario *s = load_ok(text);
    map_cfg m = {0, 0, SW, SH, 1, true, 1.0, 0, 1000, false, false, 0, 0};
    expect_bitmaps(s->pops[0].dvs, e, n, &m, 130, named ? "h5 named" : "h5 detected");
    cr_assert_eq(dvs_replay_get_counts(s->pops[0].dvs).used, n);
    nmsim_scenario_destroy(s);
  }
  /* a damaged copy (its datasets cut) is refused with the file named */
  FILE *f = fopen(h5, "r+b");
  cr_assert(f);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fclose(f);
  cr_assert_eq(truncate(h5, len / 2), 0);
  snprintf(text, sizeof text,
           "chip: loihi\nsteps: 130\ndt: 1 ms\npopulations:\n"
           "  cam: {size: %d, model: dvs, input: {dvs: {file: %s}}}\n", SW * SH * 2, h5);
  nmsim_err er = {0};
  nmsim_status rc;
  nmsim_scenario *bad = load(text, &er, &rc);
  cr_assert_neq(rc, NMSIM_OK, "a cut HDF5 file loaded");
  cr_assert(strstr(er.msg, h5), "%s", er.msg);
  nmsim_scenario_destroy(bad);
  free(e);
  remove(path), remove(h5);
}

/* Crop, 3 x 3 downsampling, merged polarity, time scale 2.5, an offset of
 * 1.5 ms, a from/to window and a 0.5 ms step; and a sensor given larger than
 * the header's with 4 x 4 downsampling and split polarity. */
Test(dvs_replay, crop_downsample_time_window) {
  char path[512], text[2048];
  snprintf(path, sizeof path, "%s", tu_tmp("rep", ".dat"));
  size_t n = 3000;
  dvs_event *e = write_rec(path, n, 2);
  /* crop 11 x 9 from (2, 1), N = 3: 4 x 3 channels */
  snprintf(text, sizeof text,
           "chip: loihi\nsteps: 400\ndt: 0.5 ms\npopulations:\n"
           "  cam: {size: 12, model: dvs, input: {dvs: {file: %s, format: dat, crop: [2, 1, 11, 9],"
           " downsample: 3, polarity: merged, time_scale: 2.5, offset: 1.5 ms, from: %d us, "
           "to: 0.04 s}}}\n", path, T0 + 3000);
  nmsim_scenario *s = load_ok(text);
  map_cfg m = {2, 1, 11, 9, 3, false, 2.5, 1500, 500, true, true, T0 + 3000, 40000};
  expect_bitmaps(s->pops[0].dvs, e, n, &m, 400, "crop/downsample/time");
  uint32_t c, h, w;
  dvs_replay_shape(s->pops[0].dvs, &c, &h, &w);
  cr_assert(c == 1 && h == 3 && w == 4, "shape %u x %u x %u, expected 1 x 3 x 4", c, h, w);
  nmsim_scenario_destroy(s);

  snprintf(text, sizeof text,
           "chip: loihi\nsteps: 100\npopulations:\n"
           "  cam: {size: 50, model: dvs, input: {dvs: {file: %s, sensor: [20, 20], downsample: 4}}}\n",
           path);
  s = load_ok(text);
  map_cfg m2 = {0, 0, 20, 20, 4, true, 1.0, 0, 1000, false, false, 0, 0};
  expect_bitmaps(s->pops[0].dvs, e, n, &m2, 100, "given sensor");
  nmsim_scenario_destroy(s);
  free(e);
  remove(path);
}

/* Asking for an earlier step starts the replay again (a second run), and
 * gives the same bitmaps; asking twice for a step gives the same bitmap. */
Test(dvs_replay, restart_and_repeat) {
  char path[512], text[2048];
  snprintf(path, sizeof path, "%s", tu_tmp("rep", ".dat"));
  size_t n = 1000;
  dvs_event *e = write_rec(path, n, 3);
  snprintf(text, sizeof text, "chip: loihi\nsteps: 50\npopulations:\n"
           "  cam: {size: %d, model: dvs, input: {dvs: {file: %s}}}\n", SW * SH * 2, path);
  nmsim_scenario *s = load_ok(text);
  dvs_replay *r = s->pops[0].dvs;
  map_cfg m = {0, 0, SW, SH, 1, true, 1.0, 0, 1000, false, false, 0, 0};
  expect_bitmaps(r, e, n, &m, 50, "first run");
  expect_bitmaps(r, e, n, &m, 50, "second run");
  const uint64_t *a = dvs_replay_step(r, 7);
  uint64_t first = a[0];
  cr_assert_eq(dvs_replay_step(r, 7)[0], first, "the same step twice");
  cr_assert_eq(dvs_replay_status(r, NULL), NMSIM_OK);
  nmsim_scenario_destroy(s);
  free(e);
  remove(path);
}

/* ---- blocks and cores ---------------------------------------------------------- */

/* The model's update over blocks of any size, in any order, yields exactly
 * the bitmap's channels: a step is binned once for the whole population. */
Test(dvs_replay, blocks_in_any_order) {
  char path[512], text[2048];
  snprintf(path, sizeof path, "%s", tu_tmp("rep", ".dat"));
  size_t n = 2000;
  dvs_event *e = write_rec(path, n, 4);
  snprintf(text, sizeof text, "chip: loihi\nsteps: 80\npopulations:\n"
           "  cam: {size: %d, model: dvs, input: {dvs: {file: %s}}}\n", SW * SH * 2, path);
  nmsim_scenario *s = load_ok(text);
  const nmsim_neuron_type *t = nmsim_neuron_type_find("dvs");
  cr_assert(t && (t->flags & NMSIM_MODEL_SOURCE));
  const uint32_t cuts[] = {0, 1, 37, 64, 65, 130, 200, 383, 384};
  const size_t nb = NM_ARRAY_LEN(cuts) - 1;
  uint32_t *sp = malloc(384 * sizeof *sp);
  map_cfg m = {0, 0, SW, SH, 1, true, 1.0, 0, 1000, false, false, 0, 0};
  uint8_t want[384], got[384];
  for (uint64_t step = 0; step < 80; step++) {
    memset(got, 0, sizeof got);
    for (size_t k = 0; k < nb; k++) {
      size_t bi = (k * 5 + step) % nb; /* a different block order every step */
      nmsim_block b = {.n = cuts[bi + 1] - cuts[bi], .step = step, .dt_ms = 1, .first = cuts[bi],
                       .aux = &s->pops[0].spikes};
      size_t ns = 0;
      t->update(NULL, &b, sp, &ns);
      for (size_t i = 0; i < ns; i++) {
        cr_assert_lt(sp[i], b.n, "local index %u in a block of %zu", sp[i], b.n);
        if (i) cr_assert_gt(sp[i], sp[i - 1], "spikes in increasing order");
        got[b.first + sp[i]] = 1;
      }
    }
    expected_step(e, n, &m, step, want, 384);
    cr_assert_arr_eq(got, want, 384, "step %llu: block spikes differ from the mapping",
                     (unsigned long long)step);
  }
  free(sp);
  nmsim_scenario_destroy(s);
  free(e);
  remove(path);
}

static void *read_ds(hid_t f, const char *path, hid_t type, size_t el, size_t *n) {
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  cr_assert_geq(d, 0, "dataset %s", path);
  hid_t sp = H5Dget_space(d);
  *n = (size_t)H5Sget_simple_extent_npoints(sp);
  void *buf = malloc(*n * el + 1);
  if (*n) cr_assert_geq(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
  H5Sclose(sp);
  H5Dclose(d);
  return buf;
}

/* Run a scenario to path; return the cam population's spikes (step, neuron). */
static size_t run_spikes(const char *text, const char *h5, uint64_t **steps, uint32_t **neurons) {
  nmsim_scenario *s = load_ok(text);
  run_summary sum;
  nmsim_err err = {0};
  run_opts o = {.h5_path = h5};
  cr_assert_eq(run_scenario(s, &o, &sum, &err), NMSIM_OK, "run: %s", err.msg);
  for (size_t p = 0; p < s->n_pops; p++)
    if (s->pops[p].dvs)
      cr_assert_eq(dvs_replay_status(s->pops[p].dvs, &err), NMSIM_OK, "%s", err.msg);
  run_summary_clear(&sum);
  nmsim_scenario_destroy(s);
  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  size_t n, m;
  *steps = read_ds(f, "/populations/cam/spikes/step", H5T_NATIVE_UINT64, 8, &n);
  *neurons = read_ds(f, "/populations/cam/spikes/neuron", H5T_NATIVE_UINT32, 4, &m);
  cr_assert_eq(n, m);
  H5Fclose(f);
  /* order within a step follows the cores: sort by (step, neuron) */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && ((*steps)[j - 1] > (*steps)[j] ||
                                 ((*steps)[j - 1] == (*steps)[j] && (*neurons)[j - 1] > (*neurons)[j]));
         j--) {
      uint64_t ts = (*steps)[j];
      (*steps)[j] = (*steps)[j - 1], (*steps)[j - 1] = ts;
      uint32_t tn = (*neurons)[j];
      (*neurons)[j] = (*neurons)[j - 1], (*neurons)[j - 1] = tn;
    }
  return n;
}

/* End to end: the same recording on a chip of 16 neurons per core (the
 * population spread over 6 cores), on one Loihi core, and spread round robin
 * over many: the recorded input spikes are identical, and they are the
 * mapping's. */
Test(dvs_replay, same_spikes_whatever_the_cores, .timeout = 120) {
  char path[512], text[2048], h5[3][512];
  snprintf(path, sizeof path, "%s", tu_tmp("rep", ".dat"));
  size_t n = 2000;
  dvs_event *e = write_rec(path, n, 5);
  const char *chips[] = {"test", "loihi", "loihi"};
  const char *maps[] = {"", "", "mapping: {strategy: round_robin}\n"};
  uint64_t *st[3];
  uint32_t *nr[3];
  size_t ns[3];
  for (int k = 0; k < 3; k++) {
    snprintf(h5[k], sizeof h5[k], "%s", tu_tmp("rep", ".h5"));
    snprintf(text, sizeof text,
             "chip: %s\nsteps: 70\n%spopulations:\n"
             "  cam: {size: 96, model: dvs, input: {dvs: {file: %s, downsample: 2}}}\n"
             "  out: {size: 8, model: lif}\n"
             "projections:\n  - {from: cam, to: out, connector: all_to_all, weight: 0.2}\n"
             "record: {spikes: all}\n", chips[k], maps[k], path);
    ns[k] = run_spikes(text, h5[k], &st[k], &nr[k]);
  }
  cr_assert_gt(ns[0], 0, "the input spiked");
  for (int k = 1; k < 3; k++) {
    cr_assert_eq(ns[k], ns[0], "run %d: %zu input spikes, run 0: %zu", k, ns[k], ns[0]);
    cr_assert_arr_eq(st[k], st[0], ns[0] * 8, "run %d: spike steps differ", k);
    cr_assert_arr_eq(nr[k], nr[0], ns[0] * 4, "run %d: spike neurons differ", k);
  }
  /* and the spikes are the mapping's */
  map_cfg m = {0, 0, SW, SH, 2, true, 1.0, 0, 1000, false, false, 0, 0};
  uint8_t want[96];
  size_t i = 0, expected = 0;
  for (uint64_t s = 0; s < 70; s++) {
    expected_step(e, n, &m, s, want, 96);
    for (unsigned c = 0; c < 96; c++) expected += want[c];
    for (; i < ns[0] && st[0][i] == s; i++)
      cr_assert(want[nr[0][i]], "step %llu: neuron %u spiked without an event",
                (unsigned long long)s, nr[0][i]);
  }
  cr_assert_eq(ns[0], expected, "%zu input spikes, the mapping gives %zu", ns[0], expected);
  for (int k = 0; k < 3; k++) free(st[k]), free(nr[k]), remove(h5[k]);
  free(e);
  remove(path);
}

/* ---- labels and trials ------------------------------------------------------------ */

/* A label file's segments become trials back to back from step 0, each
 * ceil((offset + duration x time_scale) / dt) steps long; an event of segment
 * k drives step start_k + floor((offset + (t - t_start_k) x scale) / dt);
 * events between segments are not replayed. The run file gets the trial
 * table (label, start_step, n_steps, t_start_us, t_end_us). */
Test(dvs_replay, labels_trials_and_run_file, .timeout = 60) {
  char path[512], csv[512], text[2048], h5[512];
  snprintf(path, sizeof path, "%s", tu_tmp("rep", ".dat"));
  snprintf(csv, sizeof csv, "%s", tu_tmp("labels", ".csv"));
  snprintf(h5, sizeof h5, "%s", tu_tmp("trials", ".h5"));
  size_t n = 2000;
  dvs_event *e = write_rec(path, n, 6);
  cr_assert_eq(tu_write(csv, "class,startTime_usec,endTime_usec\r\n4,2000,6000\r\n"
                             "7,9000,9500\r\n\r\n1,21000,32000\r\n"), 0);
  snprintf(text, sizeof text,
           "chip: loihi\nsteps: 18\npopulations:\n"
           "  cam: {size: %d, model: dvs, input: {dvs: {file: %s, labels: %s, offset: 200 us}}}\n"
           "record: {spikes: all}\n", SW * SH * 2, path, csv);
  nmsim_scenario *s = load_ok(text);
  dvs_replay *r = s->pops[0].dvs;
  size_t nt;
  const dvs_trial *t = dvs_replay_trials(r, &nt);
  const int32_t lab[] = {4, 7, 1};
  const uint64_t start[] = {0, 5, 6}, len[] = {5, 1, 12};
  const int64_t t0[] = {2000, 9000, 21000}, t1[] = {6000, 9500, 32000};
  cr_assert_eq(nt, 3);
  for (size_t k = 0; k < 3; k++)
    cr_assert(t[k].label == lab[k] && t[k].start_step == start[k] && t[k].n_steps == len[k] &&
                  t[k].t_start_us == t0[k] && t[k].t_end_us == t1[k],
              "trial %zu: label %d start %llu steps %llu [%lld, %lld), expected %d %llu %llu "
              "[%lld, %lld)", k, t[k].label, (unsigned long long)t[k].start_step,
              (unsigned long long)t[k].n_steps, (long long)t[k].t_start_us,
              (long long)t[k].t_end_us, lab[k], (unsigned long long)start[k],
              (unsigned long long)len[k], (long long)t0[k], (long long)t1[k]);
  /* brute force per step */
  uint8_t want[384];
  for (uint64_t step = 0; step < 18; step++) {
    memset(want, 0, sizeof want);
    for (size_t i = 0; i < n; i++)
      for (size_t k = 0; k < 3; k++) {
        if (e[i].t_us < t0[k] || e[i].t_us >= t1[k]) continue;
        uint64_t st = start[k] + (uint64_t)((200.0 + (double)(e[i].t_us - t0[k])) / 1000.0);
        if (st == step) want[e[i].y * SW + e[i].x + e[i].p * SW * SH] = 1;
      }
    const uint64_t *bits = dvs_replay_step(r, step);
    for (unsigned c = 0; c < 384; c++)
      cr_assert_eq((bits[c / 64] >> (c % 64)) & 1, want[c], "step %llu channel %u",
                   (unsigned long long)step, c);
  }
  nmsim_scenario_destroy(s);

  /* the run file: a run of 6 steps holds the two trials that start in it */
  snprintf(text, sizeof text,
           "chip: loihi\nsteps: 6\npopulations:\n"
           "  cam: {size: %d, model: dvs, input: {dvs: {file: %s, labels: %s, offset: 200 us}}}\n"
           "record: {spikes: all}\n", SW * SH * 2, path, csv);
  s = load_ok(text);
  run_summary sum;
  nmsim_err err = {0};
  run_opts o = {.h5_path = h5};
  cr_assert_eq(run_scenario(s, &o, &sum, &err), NMSIM_OK, "%s", err.msg);
  run_summary_clear(&sum);
  nmsim_scenario_destroy(s);
  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  size_t k;
  int32_t *l = read_ds(f, "/populations/cam/input/trials/label", H5T_NATIVE_INT32, 4, &k);
  cr_assert_eq(k, 2, "trials in a 6-step run: %zu, expected 2", k);
  cr_assert(l[0] == 4 && l[1] == 7, "labels %d %d", l[0], l[1]);
  uint64_t *ss = read_ds(f, "/populations/cam/input/trials/start_step", H5T_NATIVE_UINT64, 8, &k);
  cr_assert(ss[0] == 0 && ss[1] == 5, "start steps %llu %llu", (unsigned long long)ss[0],
            (unsigned long long)ss[1]);
  int64_t *te = read_ds(f, "/populations/cam/input/trials/t_end_us", H5T_NATIVE_INT64, 8, &k);
  cr_assert(te[0] == 6000 && te[1] == 9500);
  hid_t g = H5Gopen2(f, "/populations/cam/input", H5P_DEFAULT);
  uint32_t shape[3];
  hid_t a = H5Aopen(g, "shape", H5P_DEFAULT);
  cr_assert_geq(H5Aread(a, H5T_NATIVE_UINT32, shape), 0);
  cr_assert(shape[0] == 2 && shape[1] == SH && shape[2] == SW, "shape %u %u %u", shape[0],
            shape[1], shape[2]);
  H5Aclose(a);
  H5Gclose(g);
  H5Fclose(f);
  free(l), free(ss), free(te);
  free(e);
  remove(path), remove(csv), remove(h5);
}

/* ---- errors ------------------------------------------------------------------------ */

/* Replace every whole-word placeholder `from` in s (cap bytes) by `to`. */
static void subst(char *s, size_t cap, const char *from, const char *to) {
  char tmp[1024];
  size_t fl = strlen(from);
  for (char *at = strstr(s, from); at; at = strstr(at, from)) {
    bool word = (at == s || at[-1] == ' ') && (at[fl] == '}' || at[fl] == ',' || at[fl] == ':');
    if (!word) {
      at += fl;
      continue;
    }
    size_t pre = (size_t)(at - s);
    snprintf(tmp, sizeof tmp, "%.*s%s%s", (int)pre, s, to, at + fl);
    snprintf(s, cap, "%s", tmp);
    at = s + pre + strlen(to);
  }
}

/* Every bad input is reported at its field (file:line:col: field: ...), with
 * the status of its kind; nothing is left allocated. */
Test(dvs_replay, located_errors) {
  char path[512], nm[512], csv[512], bad[512], text[2048];
  snprintf(path, sizeof path, "%s", tu_tmp("rep", ".dat"));
  snprintf(nm, sizeof nm, "%s", tu_tmp("rep", ".bin"));
  snprintf(csv, sizeof csv, "%s", tu_tmp("bad", ".csv"));
  snprintf(bad, sizeof bad, "%s", tu_tmp("over", ".csv"));
  dvs_event *e = write_rec(path, 500, 7);
  tg_buf b = {0};
  tg_nmnist(&b, e, 500);
  cr_assert_eq(tg_write(&b, nm, false), 0);
  tg_free(&b);
  cr_assert_eq(tu_write(csv, "label,start,end\n1,2,3\n"), 0);
  cr_assert_eq(tu_write(bad, "class,startTime_usec,endTime_usec\n1,100,500\n2,400,900\n"), 0);
  struct {
    const char *dvs;   /* the dvs mapping's fields after file */
    int size;
    const char *model;
    nmsim_status st;
    const char *field, *says;
  } cases[] = {
      {"format: dat", 384, "dvs", NMSIM_OK, "", ""},
      {"format: evt2", 384, "dvs", NMSIM_EINPUT, "input.dvs.format",
       "format evt2, but the file's header says dat"},
      {"format: mp4", 384, "dvs", NMSIM_EINPUT, "input.dvs.format", "expected a DVS format"},
      {"format: dat", 100, "dvs", NMSIM_EINPUT, "cam.size", "expected 384, one neuron per channel"},
      {"crop: [10, 0, 8, 4]", 64, "dvs", NMSIM_EINPUT, "input.dvs.crop", "not a non-empty window"},
      {"crop: [1, 2]", 64, "dvs", NMSIM_EINPUT, "input.dvs.crop", "list of 4 whole numbers"},
      {"downsample: 0", 64, "dvs", NMSIM_EINPUT, "input.dvs.downsample", ""},
      {"downsample: 13", 64, "dvs", NMSIM_EINPUT, "input.dvs.downsample", "does not fit"},
      {"polarity: both", 192, "dvs", NMSIM_EINPUT, "input.dvs.polarity", "split or merged"},
      {"time_scale: 0", 384, "dvs", NMSIM_EINPUT, "input.dvs.time_scale", "> 0"},
      {"offset: -1 ms", 384, "dvs", NMSIM_EINPUT, "input.dvs.offset", ""},
      {"offset: 3 mV", 384, "dvs", NMSIM_EINPUT, "input.dvs.offset", "time"},
      {"from: 5 ms, to: 2 ms", 384, "dvs", NMSIM_EINPUT, "input.dvs.to", "after from"},
      /* recording times are at least 0 and at most 1e17 us (U9: both were
       * accepted); AEDAT 4 counts from 1970 (1.7e15 us) */
      {"to: -5 us", 384, "dvs", NMSIM_EINPUT, "input.dvs.to", "expected a value in [0, 1e+17] us"},
      {"from: 1e18 us", 384, "dvs", NMSIM_EINPUT, "input.dvs.from", "in [0, 1e+17] us"},
      {"fps: 30", 384, "dvs", NMSIM_EINPUT, "input.dvs.fps", "unknown field"},
      {"sensor: [8, 8]", 128, "dvs", NMSIM_EINPUT, "input.dvs.sensor", "outside the 8 x 8 sensor"},
      /* 65536 x 65536 pixels: a channel count that wrapped to 0 in 32 bits */
      {"sensor: [65536, 65536]", 128, "dvs", NMSIM_EINPUT, "input.dvs.downsample",
       "8589934592 channels: more than a population may hold"},
      {"sensor: [65536, 65536], polarity: merged", 128, "dvs", NMSIM_EINPUT,
       "input.dvs.downsample", "4294967296 channels: more than a population may hold"},
      {"format: dat", 384, "lif", NMSIM_EINPUT, "cam.input", "only for model dvs"},
  };
  for (size_t i = 0; i < NM_ARRAY_LEN(cases); i++) {
    snprintf(text, sizeof text,
             "chip: loihi\nsteps: 30\npopulations:\n"
             "  cam: {size: %d, model: %s, input: {dvs: {file: %s, %s}}}\n", cases[i].size,
             cases[i].model, path, cases[i].dvs);
    nmsim_err err = {0};
    nmsim_status rc;
    nmsim_scenario *s = load(text, &err, &rc);
    cr_assert_eq(rc, cases[i].st, "'%s': %s (%s), expected %s", cases[i].dvs,
                 nmsim_status_name(rc), err.msg, nmsim_status_name(cases[i].st));
    if (rc) {
      cr_assert(strstr(err.msg, "t.yaml:4:") && strstr(err.msg, cases[i].field) &&
                    strstr(err.msg, cases[i].says),
                "'%s': message '%s' lacks t.yaml:4:, '%s' or '%s'", cases[i].dvs, err.msg,
                cases[i].field, cases[i].says);
    }
    nmsim_scenario_destroy(s);
  }
  /* files: missing, no sensor size, labels */
  struct {
    const char *text;
    nmsim_status st;
    const char *says;
  } files[] = {
      {"  cam: {size: 4, model: dvs, input: {dvs: {file: /nonexistent.raw}}}\n", NMSIM_EIO,
       "input.dvs.file: /nonexistent.raw: No such file"},
      {"  cam: {size: 4, model: dvs, input: {dvs: {file: NM}}}\n", NMSIM_EINPUT,
       "input.dvs.sensor: NM: the N-MNIST/N-Caltech101 binary header does not state the sensor"},
      {"  cam: {size: 4, model: dvs}\n", NMSIM_EINPUT, "cam.input: required field is missing"},
      {"  cam: {size: 384, model: dvs, input: {dvs: {file: REC, labels: CSV}}}\n", NMSIM_EINPUT,
       "input.dvs.labels: CSV:1: expected the header 'class,startTime_usec,endTime_usec'"},
      {"  cam: {size: 384, model: dvs, input: {dvs: {file: REC, labels: OVER}}}\n", NMSIM_EINPUT,
       "OVER:3: segment starts at 400 us, before the previous one ends (500 us)"},
      {"  cam: {size: 384, model: dvs, input: {dvs: {file: REC, labels: OVER, from: 0}}}\n",
       NMSIM_EINPUT, "input.dvs.from: from/to cannot be combined with labels"},
      {"  cam: {size: 384, model: dvs, input: {dvs: {file: REC, labels: /nonexistent.csv}}}\n",
       NMSIM_EIO, "input.dvs.labels: /nonexistent.csv: No such file"},
      {"  cam: {size: 384, model: dvs, input: {camera: {file: REC}}}\n", NMSIM_EINPUT,
       "input.camera: unknown field"},
  };
  for (size_t i = 0; i < NM_ARRAY_LEN(files); i++) {
    char body[1024], says[1024];
    const char *from[] = {"NM", "REC", "CSV", "OVER"}, *to[] = {nm, path, csv, bad};
    snprintf(body, sizeof body, "%s", files[i].text);
    snprintf(says, sizeof says, "%s", files[i].says);
    for (int k = 0; k < 4; k++) {
      subst(body, sizeof body, from[k], to[k]);
      subst(says, sizeof says, from[k], to[k]);
    }
    snprintf(text, sizeof text, "chip: loihi\nsteps: 30\npopulations:\n%s", body);
    nmsim_err err = {0};
    nmsim_status rc;
    nmsim_scenario *s = load(text, &err, &rc);
    cr_assert_eq(rc, files[i].st, "case %zu: %s (%s)", i, nmsim_status_name(rc), err.msg);
    cr_assert(strstr(err.msg, "t.yaml:4:") && strstr(err.msg, says),
              "case %zu: message '%s' lacks '%s'", i, err.msg, says);
    nmsim_scenario_destroy(s);
  }
  free(e);
  remove(path), remove(nm), remove(csv), remove(bad);
}

/* A from/to window that lies wholly outside the recording (from after its
 * last event, to at or before its first) is refused at the field at fault
 * with the recording's time range (EINPUT; `nmsim run` exits 2) instead of
 * replaying no events; a window that overlaps the recording, even by one
 * event, is accepted. */
Test(dvs_replay, window_outside_the_recording) {
  char path[512], yaml[512], text[2048];
  snprintf(path, sizeof path, "%s", tu_tmp("rep", ".dat"));
  size_t n = 500;
  dvs_event *e = write_rec(path, n, 12);
  long long first = e[0].t_us, last = e[n - 1].t_us;
  struct {
    long long from, to; /* -1: not given */
    const char *field;  /* the field refused, or NULL: accepted */
  } cases[] = {
      {1000000, -1, "from"},          {1000000000000000LL, -1, "from"},
      {last + 1, 1000000, "from"},    {-1, 500, "to"},
      {0, first, "to"},               {last, -1, NULL},
      {-1, first + 1, NULL},          {0, first + 1, NULL},
      {500, last + 1, NULL},          {first + 1, 1000000, NULL},
  };
  for (size_t i = 0; i < NM_ARRAY_LEN(cases); i++) {
    char dvs[128] = "", *d = dvs;
    if (cases[i].from >= 0) d += snprintf(d, 64, "from: %lld us, ", cases[i].from);
    if (cases[i].to >= 0) snprintf(d, 64, "to: %lld us, ", cases[i].to);
    snprintf(text, sizeof text,
             "chip: loihi\nsteps: 30\npopulations:\n"
             "  cam: {size: 384, model: dvs, input: {dvs: {%sfile: %s}}}\n", dvs, path);
    nmsim_err err = {0};
    nmsim_status rc;
    nmsim_scenario *s = load(text, &err, &rc);
    if (!cases[i].field) {
      cr_assert_eq(rc, NMSIM_OK, "'%s' overlaps %lld .. %lld us: %s", dvs, first, last, err.msg);
      dvs_replay *rp = s->pops[0].dvs;
      for (uint64_t k = 0; k < 30; k++) cr_assert(dvs_replay_step(rp, k), "'%s'", dvs);
      cr_assert_gt(dvs_replay_get_counts(rp).used, 0, "'%s' replays events", dvs);
      nmsim_scenario_destroy(s);
      continue;
    }
    cr_assert_eq(rc, NMSIM_EINPUT, "'%s' lies outside %lld .. %lld us: %s (%s)", dvs, first,
                 last, nmsim_status_name(rc), err.msg);
    bool from = !strcmp(cases[i].field, "from");
    char want[700];
    snprintf(want, sizeof want, "input.dvs.%s: %s: %s (%lld us) is %s (t = %lld us; the "
             "recording spans %lld .. %lld us)", cases[i].field, path, cases[i].field,
             from ? cases[i].from : cases[i].to,
             from ? "after the recording's last event" :
                    "at or before the recording's first event",
             from ? last : first, first, last);
    cr_assert(strstr(err.msg, "t.yaml:4:") && strstr(err.msg, want),
              "'%s': message '%s' lacks '%s'", dvs, err.msg, want);
    nmsim_scenario_destroy(s);
  }
  /* the command line: exit 2 with the message */
  snprintf(yaml, sizeof yaml, "%s", tu_tmp("window", ".yaml"));
  snprintf(text, sizeof text, "chip: loihi\nsteps: 30\npopulations:\n"
           "  cam: {size: 384, model: dvs, input: {dvs: {file: %s, from: 2 s}}}\n", path);
  cr_assert_eq(tu_write(yaml, text), 0);
  char cmd[1200], *out = NULL, *err = NULL;
  snprintf(cmd, sizeof cmd, "%s run %s --quiet", NMSIM_BINARY, yaml);
  int code = tu_run(cmd, &out, &err);
  cr_assert_eq(code, 2, "'%s': exit %d (%s)", cmd, code, err);
  cr_assert(strstr(err, "input.dvs.from") &&
                strstr(err, "from (2000000 us) is after the recording's last event"),
            "stderr '%s'", err);
  free(out), free(err);
  free(e);
  remove(path), remove(yaml);
}

/* A format given in the scenario that disagrees with the format the file's
 * header declares is refused at input.dvs.format, naming both (format:
 * nmnist on a DAT file replayed the header bytes as events); the header's own
 * format is accepted. */
Test(dvs_replay, format_disagreeing_with_header) {
  char path[512], text[2048];
  snprintf(path, sizeof path, "%s", tu_tmp("rep", ".dat"));
  dvs_event *e = write_rec(path, 300, 13);
  const char *asked[] = {"nmnist", "evt2", "evt3", "aedat2", "aedat3", "aedat4", "dat"};
  for (size_t i = 0; i < NM_ARRAY_LEN(asked); i++) {
    bool same = !strcmp(asked[i], "dat");
    snprintf(text, sizeof text,
             "chip: loihi\nsteps: 30\npopulations:\n"
             "  cam: {size: 384, model: dvs, input: {dvs: {file: %s, sensor: [16, 12], "
             "format: %s}}}\n", path, asked[i]);
    nmsim_err err = {0};
    nmsim_status rc;
    nmsim_scenario *s = load(text, &err, &rc);
    if (same) {
      cr_assert_eq(rc, NMSIM_OK, "format: dat: %s", err.msg);
    } else {
      char want[700];
      snprintf(want, sizeof want, "input.dvs.format: %s: format %s, but the file's header says "
               "dat", path, asked[i]);
      cr_assert_eq(rc, NMSIM_EINPUT, "format: %s: %s (%s)", asked[i], nmsim_status_name(rc),
                   err.msg);
      cr_assert(strstr(err.msg, "t.yaml:4:") && strstr(err.msg, want),
                "format: %s: message '%s' lacks '%s'", asked[i], err.msg, want);
    }
    nmsim_scenario_destroy(s);
  }
  free(e);
  remove(path);
}

/* Corrupt data inside the part of the recording a run replays fails the
 * load with the byte offset (EFORMAT); the same damage beyond the last step's
 * events is never read, so the scenario loads. */
Test(dvs_replay, corrupt_inside_and_beyond_the_window) {
  char path[512], text[2048];
  snprintf(path, sizeof path, "%s", tu_tmp("rep", ".raw"));
  size_t n = 5000;
  dvs_event *e = tg_events(n, 8, 0, 20, 64, 48); /* about 50 ms */
  tg_buf b = {0};
  tg_evt2(&b, e, n, true);
  size_t at = b.n - 400; /* a word near the end (t about 49 ms) */
  at -= (at - strlen("% Date 2020-09-25 07:48:31\n% plugin_name hal_plugin_gen3_fx3\n"
                     "% geometry 640x480\n% evt 2.0\n% end\n")) % 4;
  b.b[at + 3] = 0x30;
  cr_assert_eq(tg_write(&b, path, false), 0);
  for (int k = 0; k < 2; k++) {
    snprintf(text, sizeof text, "chip: loihi\nsteps: %d\npopulations:\n"
             "  cam: {size: 64, model: dvs, input: {dvs: {file: %s, sensor: [64, 48], crop: [0, 0,"
             " 8, 8], polarity: merged}}}\n", k ? 10 : 100, path);
    nmsim_err err = {0};
    nmsim_status rc;
    nmsim_scenario *s = load(text, &err, &rc);
    if (k == 0) {
      cr_assert_eq(rc, NMSIM_EFORMAT, "damage in the window: %s", nmsim_status_name(rc));
      char want[64];
      snprintf(want, sizeof want, "at byte %zu: unknown EVT 2.0 word type 0x3", at);
      cr_assert(strstr(err.msg, want) && strstr(err.msg, "input.dvs.file"), "'%s' lacks '%s'",
                err.msg, want);
    } else {
      cr_assert_eq(rc, NMSIM_OK, "damage beyond 10 steps: %s", err.msg);
    }
    nmsim_scenario_destroy(s);
  }
  tg_free(&b);
  free(e);
  remove(path);
}

static long budget;
static void *fail_malloc(size_t n) { return budget-- == 0 ? NULL : malloc(n); }
static void *fail_calloc(size_t a, size_t b) { return budget-- == 0 ? NULL : calloc(a, b); }
static void *fail_realloc(void *p, size_t n) { return budget-- == 0 ? NULL : realloc(p, n); }

/* Out of memory at every allocation while loading a scenario with a DVS
 * input and labels: ENOMEM each time, nothing leaked, then success. */
Test(dvs_replay, out_of_memory) {
  char path[512], csv[512], text[2048];
  snprintf(path, sizeof path, "%s", tu_tmp("rep", ".dat"));
  snprintf(csv, sizeof csv, "%s", tu_tmp("labels", ".csv"));
  dvs_event *e = write_rec(path, 300, 9);
  cr_assert_eq(tu_write(csv, "class,startTime_usec,endTime_usec\n1,1000,3000\n2,4000,5000\n"), 0);
  snprintf(text, sizeof text, "chip: loihi\nsteps: 10\npopulations:\n"
           "  cam: {size: 384, model: dvs, input: {dvs: {file: %s, labels: %s}}}\n", path, csv);
  nm_allocator a = {fail_malloc, fail_realloc, fail_calloc, free};
  for (long n = 0;; n++) {
    budget = n;
    nmsim_set_allocator(&a);
    nmsim_err err = {0};
    nmsim_status rc;
    nmsim_scenario *s = load(text, &err, &rc);
    nmsim_set_allocator(NULL);
    nmsim_scenario_destroy(s);
    if (rc == NMSIM_OK) break;
    cr_assert_eq(rc, NMSIM_ENOMEM, "allocation %ld: %s (%s)", n, nmsim_status_name(rc), err.msg);
    cr_assert_lt(n, 100000);
  }
  cr_assert_eq(tu_leaks(), 0, "LeakSanitizer found leaks (see stderr)");
  free(e);
  remove(path), remove(csv);
}

/* Energy and time per trial of a labelled recording: every step of the run
 * lies in one of its three trials (5, 1 and 12 steps), so the trials' energies
 * add up to the run's (dynamic plus static) and their times to its hardware
 * time; a run that stops inside the third trial reports it with the steps it
 * ran; the report read back from the run file says the same. */
Test(dvs_replay, energy_and_time_per_trial, .timeout = 60) {
  char path[512], csv[512], text[2048], h5[512];
  snprintf(path, sizeof path, "%s", tu_tmp("ptr", ".dat"));
  snprintf(csv, sizeof csv, "%s", tu_tmp("ptr_labels", ".csv"));
  snprintf(h5, sizeof h5, "%s", tu_tmp("ptr", ".h5"));
  dvs_event *ev = write_rec(path, 2000, 9);
  cr_assert_eq(tu_write(csv, "class,startTime_usec,endTime_usec\n4,2000,6000\n"
                             "7,9000,9500\n1,21000,32000\n"), 0);
  const uint64_t len[] = {5, 1, 12};
  for (int steps = 18; steps >= 10; steps -= 8) {
    snprintf(text, sizeof text,
             "chip: loihi\nsteps: %d\npopulations:\n"
             "  cam: {size: %d, model: dvs, input: {dvs: {file: %s, labels: %s, offset: 200 us}}}\n"
             "  out: {size: 20, model: lif}\n"
             "projections:\n  - {from: cam, to: out, connector: {fixed_probability: 0.2}, "
             "weight: 1 nA}\n", steps, SW * SH * 2, path, csv);
    nmsim_scenario *s = load_ok(text);
    run_summary sum;
    nmsim_err err = {0};
    run_opts o = {.h5_path = h5};
    cr_assert_eq(run_scenario(s, &o, &sum, &err), NMSIM_OK, "%s", err.msg);
    cr_assert_eq(sum.n_trials, 3, "%zu trials", sum.n_trials);
    double e = 0;
    uint64_t t = 0;
    for (size_t k = 0; k < 3; k++) {
      uint64_t want = steps == 18 ? len[k] : k < 2 ? len[k] : 4;
      cr_assert_eq(sum.trials[k].steps, want, "trial %zu: %llu steps", k,
                   (unsigned long long)sum.trials[k].steps);
      cr_assert_gt(sum.trials[k].energy_pj, 0);
      cr_assert_eq(sum.trials[k].complete, want == len[k], "trial %zu: complete %u", k,
                   sum.trials[k].complete);
      e += sum.trials[k].energy_pj, t += sum.trials[k].time_ps;
    }
    cr_assert_eq(sum.trials[1].label, 7);
    cr_assert(fabs(e - sum.total_pj) <= 1e-9 * sum.total_pj, "trials %.17g pJ, run %.17g", e,
              sum.total_pj);
    cr_assert_eq(t, sum.hw_time_ps, "trials %llu ps, run %llu", (unsigned long long)t,
                 (unsigned long long)sum.hw_time_ps);
    /* the report from the file: the same per-trial figures */
    run_summary back;
    cr_assert_eq(h5o_read_summary(h5, &back, &err), NMSIM_OK, "%s", err.msg);
    cr_assert_eq(back.n_trials, 3);
    for (size_t k = 0; k < 3; k++)
      cr_assert(back.trials[k].energy_pj == sum.trials[k].energy_pj &&
                    back.trials[k].time_ps == sum.trials[k].time_ps &&
                    back.trials[k].steps == sum.trials[k].steps &&
                    back.trials[k].label == sum.trials[k].label,
                "trial %zu read back differs", k);
    run_summary_clear(&back);
    run_summary_clear(&sum);
    nmsim_scenario_destroy(s);
  }
  free(ev);
  remove(path), remove(csv), remove(h5);
}

/* engine.pacing recording: a step lasts the recording time it replays, dt /
 * time_scale: at time_scale 0.5 and dt 1 ms, 2 ms a step; recordings replayed
 * at two different scales are refused. */
Test(dvs_replay, pacing_by_the_recording_follows_time_scale, .timeout = 60) {
  char path[512], text[2048];
  snprintf(path, sizeof path, "%s", tu_tmp("pace", ".dat"));
  dvs_event *ev = write_rec(path, 500, 4);
  snprintf(text, sizeof text,
           "chip: loihi\nsteps: 10\nengine: {pacing: recording}\npopulations:\n"
           "  cam: {size: %d, model: dvs, input: {dvs: {file: %s, time_scale: 0.5}}}\n",
           SW * SH * 2, path);
  nmsim_scenario *s = load_ok(text);
  run_summary sum;
  nmsim_err err = {0};
  run_opts o = {0};
  cr_assert_eq(run_scenario(s, &o, &sum, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(sum.hw_time_ps, 10 * 2000000000ull, "hardware time %llu ps, expected 20 ms",
               (unsigned long long)sum.hw_time_ps);
  run_summary_clear(&sum);
  nmsim_scenario_destroy(s);
  snprintf(text, sizeof text,
           "chip: loihi\nsteps: 10\nengine: {pacing: recording}\npopulations:\n"
           "  cam: {size: %d, model: dvs, input: {dvs: {file: %s, time_scale: 0.5}}}\n"
           "  cam2: {size: %d, model: dvs, input: {dvs: {file: %s, time_scale: 0.25}}}\n",
           SW * SH * 2, path, SW * SH * 2, path);
  s = load_ok(text);
  cr_assert_eq(run_scenario(s, &o, &sum, &err), NMSIM_EINPUT);
  cr_assert(strstr(err.msg, "different time scales (0.5 and 0.25)"), "%s", err.msg);
  nmsim_scenario_destroy(s);
  free(ev);
  remove(path);
}
