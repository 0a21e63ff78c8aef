/* test_dvs_shared.c: every recording in ../shared/data/dvs (read at test time)
 * decodes to its SOURCES.md facts, plain, gzipped and via `nmsim dvs info`; cut
 * copies fail with their offset; the DvsGesture labels become trials. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dvs_gen.h"
#include "sim/dvs/dvs_replay.h"
#include "sim/load/scenario_int.h"
#include "tests_util.h"

#define DVS_DIR NMSIM_SHARED_DIR "/data/dvs/"

typedef struct fact {
  const char *file;
  dvs_format format;
  uint32_t width, height; /* as the header states (0: not stated) */
  uint64_t events, on, off;
  int64_t t_first, t_last;
  uint16_t x_max, y_max;  /* x_min = y_min = 0 in every file */
  dvs_event first[3], last;
} fact;

/* SOURCES.md, sections 1-7 */
static const fact facts[] = {
    {"aedat4_dvxplorer_320x240_tonic_sample.aedat4", DVS_AEDAT4, 320, 240, 111954, 55023, 56931,
     INT64_C(1605537493718345), INT64_C(1605537494308262), 319, 239,
     {{INT64_C(1605537493718345), 154, 204, 0}, {INT64_C(1605537493718348), 149, 206, 0},
      {INT64_C(1605537493718349), 148, 199, 1}},
     {INT64_C(1605537494308262), 88, 237, 1}},
    {"nmnist_34x34_tonic_sample.bin", DVS_NMNIST, 0, 0, 4325, 2145, 2180, 654, 311175, 33, 33,
     {{654, 7, 15, 1}, {2999, 19, 18, 0}, {3017, 21, 17, 0}},
     {311175, 21, 14, 1}},
    {"prophesee_dat_v2_ncars_tonic_sample.dat", DVS_DAT, 0, 0, 2009, 1350, 659, 0, 99952, 77, 41,
     {{0, 25, 8, 0}, {35, 67, 35, 0}, {152, 56, 27, 1}},
     {99952, 75, 28, 1}},
    {"aedat2_header_only_davis346red_tonic.aedat", DVS_AEDAT2, 346, 260, 0, 0, 0, 0, 0, 0, 0,
     {{0, 0, 0, 0}}, {0, 0, 0, 0}},
    {"evt2_gen3_640x480_faery.raw", DVS_EVT2, 640, 480, 521252, 185861, 335391, 913716224,
     913812095, 639, 479,
     {{913716224, 35, 443, 1}, {913716224, 36, 443, 1}, {913716224, 74, 443, 1}},
     {913812095, 12, 471, 0}},
    {"evt3_gen41_1280x720_expelliarmus.raw", DVS_EVT3, 1280, 720, 219596, 115532, 104064,
     11718656, 11727457, 1279, 719,
     {{11718656, 874, 200, 0}, {11718656, 806, 200, 1}, {11718656, 882, 201, 0}},
     {11727457, 1218, 572, 1}},
};

static bool same(const dvs_event *a, const dvs_event *b) {
  return a->t_us == b->t_us && a->x == b->x && a->y == b->y && a->p == b->p;
}

/* Decode path completely and check it against f. */
static void check_file(const char *path, const fact *f, dvs_format asked, bool gz) {
  dvs_reader *r = NULL;
  nmsim_err err = {0};
  nmsim_status rc = dvs_open(path, asked, &r, &err);
  cr_assert_eq(rc, NMSIM_OK, "%s: %s", path, err.msg);
  const dvs_info *in = dvs_reader_info(r);
  cr_assert_eq(in->format, f->format, "%s: format %s, expected %s", path,
               dvs_format_name(in->format), dvs_format_name(f->format));
  cr_assert(in->width == f->width && in->height == f->height, "%s: %u x %u, expected %u x %u",
            path, in->width, in->height, f->width, f->height);
  cr_assert_eq(in->gzip, gz);
  static dvs_event b[4096];
  dvs_event firsts[3] = {{0}}, last = {0};
  dvs_stats st = {0};
  size_t n;
  bool first = true;
  while ((rc = dvs_read(r, b, 4096, &n, &err)) == NMSIM_OK && n) {
    for (size_t i = 0; i < n; i++) {
      const dvs_event *e = &b[i];
      if (st.events + i < 3) firsts[st.events + i] = *e;
      if (first) st.x_min = st.x_max = e->x, st.y_min = st.y_max = e->y, first = false;
      if (e->x < st.x_min) st.x_min = e->x;
      if (e->x > st.x_max) st.x_max = e->x;
      if (e->y < st.y_min) st.y_min = e->y;
      if (e->y > st.y_max) st.y_max = e->y;
      st.on += e->p;
    }
    if (!st.events) st.t_first = b[0].t_us;
    st.events += n;
    last = b[n - 1];
  }
  cr_assert_eq(rc, NMSIM_OK, "%s: %s", path, err.msg);
  st.off = st.events - st.on;
  printf("%s: %llu events, t %lld..%lld, x %u..%u, y %u..%u, ON %llu, OFF %llu\n", path,
         (unsigned long long)st.events, (long long)st.t_first, (long long)last.t_us, st.x_min,
         st.x_max, st.y_min, st.y_max, (unsigned long long)st.on, (unsigned long long)st.off);
  cr_assert(st.events == f->events && st.on == f->on && st.off == f->off,
            "%s: %llu events (ON %llu, OFF %llu), expected %llu (%llu, %llu)", path,
            (unsigned long long)st.events, (unsigned long long)st.on, (unsigned long long)st.off,
            (unsigned long long)f->events, (unsigned long long)f->on, (unsigned long long)f->off);
  if (!f->events) {
    dvs_close(r);
    return;
  }
  cr_assert(st.t_first == f->t_first && last.t_us == f->t_last,
            "%s: t %lld..%lld, expected %lld..%lld", path, (long long)st.t_first,
            (long long)last.t_us, (long long)f->t_first, (long long)f->t_last);
  cr_assert(st.x_min == 0 && st.x_max == f->x_max && st.y_min == 0 && st.y_max == f->y_max,
            "%s: x %u..%u y %u..%u, expected 0..%u, 0..%u", path, st.x_min, st.x_max, st.y_min,
            st.y_max, f->x_max, f->y_max);
  for (int i = 0; i < 3; i++)
    cr_assert(same(&firsts[i], &f->first[i]), "%s: event %d is (%lld, %u, %u, %u), expected "
              "(%lld, %u, %u, %u)", path, i, (long long)firsts[i].t_us, firsts[i].x, firsts[i].y,
              firsts[i].p, (long long)f->first[i].t_us, f->first[i].x, f->first[i].y,
              f->first[i].p);
  cr_assert(same(&last, &f->last), "%s: last event (%lld, %u, %u, %u), expected (%lld, %u, %u, "
            "%u)", path, (long long)last.t_us, last.x, last.y, last.p, (long long)f->last.t_us,
            f->last.x, f->last.y, f->last.p);
  dvs_close(r);
}

/* Each shared file, detected from its header and named explicitly, gives
 * the SOURCES.md facts. */
Test(dvs_shared, sources_facts, .timeout = 120) {
  for (size_t i = 0; i < NM_ARRAY_LEN(facts); i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s%s", DVS_DIR, facts[i].file);
    check_file(path, &facts[i], DVS_AUTO, false);
    check_file(path, &facts[i], facts[i].format, false);
  }
}

/* The same facts from gzip-compressed copies made at test time (in the
 * build's tmp folder, removed afterwards). */
Test(dvs_shared, gzip_copies, .timeout = 120) {
  for (size_t i = 0; i < NM_ARRAY_LEN(facts); i++) {
    char path[1024], gz[512];
    snprintf(path, sizeof path, "%s%s", DVS_DIR, facts[i].file);
    snprintf(gz, sizeof gz, "%s", tu_tmp("shared", ".gz"));
    tg_buf b = {0};
    b.b = (unsigned char *)tu_read(path, &b.n);
    cr_assert(b.b, "read %s", path);
    cr_assert_eq(tg_write(&b, gz, true), 0);
    check_file(gz, &facts[i], DVS_AUTO, true);
    tg_free(&b);
    remove(gz);
  }
}

/* `nmsim dvs info --json` prints the facts of each file. */
Test(dvs_shared, cli_info_json, .timeout = 120) {
  for (size_t i = 0; i < NM_ARRAY_LEN(facts); i++) {
    const fact *f = &facts[i];
    char cmd[2048], *out = NULL, *err = NULL, want[256];
    snprintf(cmd, sizeof cmd, "%s dvs info --json %s%s", NMSIM_BINARY, DVS_DIR, f->file);
    int rc = tu_run(cmd, &out, &err);
    cr_assert_eq(rc, 0, "%s: exit %d: %s", f->file, rc, err);
    snprintf(want, sizeof want, "\"format\": \"%s\"", dvs_format_name(f->format));
    cr_assert(strstr(out, want), "%s: %s lacks %s", f->file, out, want);
    snprintf(want, sizeof want, "\"events\": %llu", (unsigned long long)f->events);
    cr_assert(strstr(out, want), "%s: %s lacks %s", f->file, out, want);
    snprintf(want, sizeof want, "\"on\": %llu, \"off\": %llu", (unsigned long long)f->on,
             (unsigned long long)f->off);
    cr_assert(strstr(out, want), "%s: %s lacks %s", f->file, out, want);
    if (f->events) {
      snprintf(want, sizeof want, "\"t_first_us\": %lld, \"t_last_us\": %lld",
               (long long)f->t_first, (long long)f->t_last);
      cr_assert(strstr(out, want), "%s: %s lacks %s", f->file, out, want);
      /* width/height: the header's, else one past the largest coordinate */
      snprintf(want, sizeof want, "\"width\": %u, \"height\": %u",
               f->width ? f->width : f->x_max + 1u, f->height ? f->height : f->y_max + 1u);
      cr_assert(strstr(out, want), "%s: %s lacks %s", f->file, out, want);
    }
    free(out), free(err);
  }
}

/* Copies cut short fail with the byte offset of the cut record: the AEDAT
 * 4.0 sample inside a packet (also inside its last one), the EVT 2.0 sample
 * inside a word, the DAT sample before its event size byte. */
Test(dvs_shared, cut_copies) {
  struct {
    const char *file;
    size_t cut;
    const char *says;
  } cuts[] = {
      {"aedat4_dvxplorer_320x240_tonic_sample.aedat4", 300000, "at byte 300000: truncated packet"},
      {"aedat4_dvxplorer_320x240_tonic_sample.aedat4", 945240, "truncated packet"},
      {"evt2_gen3_640x480_faery.raw", 100003, "at byte 100002: truncated 4-byte word"},
      {"prophesee_dat_v2_ncars_tonic_sample.dat", 92, "at byte 91: the file ends after the header"},
  };
  for (size_t i = 0; i < NM_ARRAY_LEN(cuts); i++) {
    char path[1024], cut[512];
    snprintf(path, sizeof path, "%s%s", DVS_DIR, cuts[i].file);
    snprintf(cut, sizeof cut, "%s", tu_tmp("cut", ".dvs"));
    tg_buf b = {0};
    b.b = (unsigned char *)tu_read(path, &b.n);
    cr_assert(b.b && b.n > cuts[i].cut);
    b.n = cuts[i].cut;
    cr_assert_eq(tg_write(&b, cut, false), 0);
    dvs_reader *r = NULL;
    nmsim_err err = {0};
    dvs_stats st;
    nmsim_status rc = dvs_open(cut, DVS_AUTO, &r, &err);
    if (!rc) rc = dvs_scan(r, &st, &err);
    cr_assert_eq(rc, NMSIM_EFORMAT, "%s cut at %zu: %s", cuts[i].file, cuts[i].cut,
                 nmsim_status_name(rc));
    cr_assert(strstr(err.msg, cut) && strstr(err.msg, cuts[i].says), "'%s' lacks '%s'", err.msg,
              cuts[i].says);
    dvs_close(r);
    tg_free(&b);
    remove(cut);
  }
}

/* The DvsGesture label file (SOURCES.md section 8) over a DVS128 AEDAT 3.1
 * recording built from the specification (an event every 997 us from 50 s to
 * 180 s): 12 trials with classes 1,2,3,5,4,6,7,8,8,9,10,11, each
 * ceil(duration / 10 ms) steps, back to back; every step's spikes are exactly
 * the events of its trial window. */
Test(dvs_shared, dvsgesture_labels_as_trials, .timeout = 120) {
  static const int32_t cls[12] = {1, 2, 3, 5, 4, 6, 7, 8, 8, 9, 10, 11};
  static const int64_t dur[12] = {6471483, 8807578, 6929305, 10635087, 8401464, 9899007,
                                  7538474, 9239073, 6396281, 6700866,  7411564, 6624720};
  size_t n = (180000000 - 50000000) / 997;
  dvs_event *e = malloc(n * sizeof *e);
  uint64_t seed = 3;
  for (size_t i = 0; i < n; i++) {
    uint64_t r = tg_rand(&seed);
    e[i] = (dvs_event){.t_us = 50000000 + 997 * (int64_t)i, .x = (uint16_t)(r % 128),
                       .y = (uint16_t)((r >> 8) % 128), .p = (uint8_t)(r >> 63)};
  }
  tg_buf b = {0};
  tg_aedat3(&b, e, n, 4096);
  char rec[512], text[2048];
  snprintf(rec, sizeof rec, "%s", tu_tmp("user01", ".aedat"));
  cr_assert_eq(tg_write(&b, rec, false), 0);
  tg_free(&b);
  uint64_t steps = 0, nsteps[12];
  for (int k = 0; k < 12; k++) steps += nsteps[k] = (uint64_t)((dur[k] + 9999) / 10000);
  snprintf(text, sizeof text,
           "chip: loihi\nsteps: %llu\ndt: 10 ms\npopulations:\n"
           "  cam: {size: 512, model: dvs, input: {dvs: {file: %s, downsample: 8, labels: %s}}}\n",
           (unsigned long long)steps, rec, DVS_DIR "dvsgesture_user01_natural_labels.csv");
  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load_string("g.yaml", text, NULL, 0, &s, &err);
  cr_assert_eq(rc, NMSIM_OK, "%s", err.msg);
  dvs_replay *r = s->pops[0].dvs;
  size_t nt;
  const dvs_trial *t = dvs_replay_trials(r, &nt);
  cr_assert_eq(nt, 12, "%zu trials", nt);
  uint64_t at = 0;
  for (int k = 0; k < 12; k++) {
    cr_assert(t[k].label == cls[k] && t[k].t_end_us - t[k].t_start_us == dur[k] &&
                  t[k].start_step == at && t[k].n_steps == nsteps[k],
              "trial %d: class %d, %lld us, steps %llu+%llu; expected %d, %lld us, %llu+%llu", k,
              t[k].label, (long long)(t[k].t_end_us - t[k].t_start_us),
              (unsigned long long)t[k].start_step, (unsigned long long)t[k].n_steps, cls[k],
              (long long)dur[k], (unsigned long long)at, (unsigned long long)nsteps[k]);
    at += nsteps[k];
  }
  cr_assert(t[0].t_start_us == 53036986 && t[11].t_end_us == 177991967);
  /* walk the steps and the events together */
  size_t i = 0;
  uint8_t want[512];
  uint64_t spikes = 0;
  for (int k = 0; k < 12; k++) {
    while (i < n && e[i].t_us < t[k].t_start_us) i++;
    for (uint64_t st = t[k].start_step; st < t[k].start_step + t[k].n_steps; st++) {
      memset(want, 0, sizeof want);
      while (i < n && e[i].t_us < t[k].t_end_us &&
             t[k].start_step + (uint64_t)(e[i].t_us - t[k].t_start_us) / 10000 == st) {
        want[e[i].p * 256 + e[i].y / 8 * 16 + e[i].x / 8] = 1;
        i++;
      }
      const uint64_t *bits = dvs_replay_step(r, st);
      cr_assert(bits);
      for (unsigned c = 0; c < 512; c++) {
        bool got = bits[c / 64] >> (c % 64) & 1;
        cr_assert_eq(got, want[c], "trial %d step %llu channel %u", k, (unsigned long long)st, c);
        spikes += got;
      }
    }
  }
  cr_assert_gt(spikes, 90000, "%llu spikes", (unsigned long long)spikes);
  nmsim_scenario_destroy(s);
  free(e);
  remove(rec);
}
