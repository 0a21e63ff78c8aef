/* test_dvs.c: the DVS readers (sim/dvs/dvs.h) on files built from the format specs:
 * round trips, AEDAT 3.1 overflow, wraps, detection, truncated/corrupt input
 * (EFORMAT with the byte offset, no crash or hang), bounded memory, OOM. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dvs_gen.h"
#include "sim/dvs/dvs.h"
#include "tests_util.h"

/* ---- helpers ------------------------------------------------------------------ */

/* A format's test sensor and a generator of its events. */
typedef struct fmt_case {
  dvs_format f;
  unsigned w, h;
} fmt_case;

static const fmt_case cases[] = {
    {DVS_AEDAT2, 240, 180}, {DVS_AEDAT3, 128, 128}, {DVS_AEDAT4, 320, 240},
    {DVS_NMNIST, 34, 34},   {DVS_EVT2, 640, 480},   {DVS_EVT3, 1280, 720},
    {DVS_DAT, 304, 240},
};

/* Decode everything with batches of cap events; *rc is the final status. */
static dvs_event *decode_all(dvs_reader *r, size_t cap, size_t *n, nmsim_status *rc,
                             nmsim_err *err) {
  size_t have = 0, room = 1024;
  dvs_event *all = malloc(room * sizeof *all), *b = malloc(cap * sizeof *b);
  size_t k;
  while ((*rc = dvs_read(r, b, cap, &k, err)) == NMSIM_OK && k > 0) {
    cr_assert_leq(k, cap, "read %zu events into a batch of %zu", k, cap);
    if (have + k > room) {
      while (have + k > room) room *= 2;
      all = realloc(all, room * sizeof *all);
    }
    memcpy(all + have, b, k * sizeof *b);
    have += k;
  }
  free(b);
  *n = have;
  return all;
}

static void expect_events(const dvs_event *got, size_t ng, const dvs_event *want, size_t nw,
                          const char *what) {
  cr_assert_eq(ng, nw, "%s: %zu events decoded, expected %zu", what, ng, nw);
  for (size_t i = 0; i < nw; i++)
    cr_assert(got[i].t_us == want[i].t_us && got[i].x == want[i].x && got[i].y == want[i].y &&
                  got[i].p == want[i].p,
              "%s: event %zu is (t %lld, x %u, y %u, p %u), expected (%lld, %u, %u, %u)", what, i,
              (long long)got[i].t_us, got[i].x, got[i].y, got[i].p, (long long)want[i].t_us,
              want[i].x, want[i].y, want[i].p);
}

/* Open a file, decode it and compare with want. */
static void expect_file(const char *path, dvs_format f, const dvs_event *want, size_t nw,
                        size_t cap) {
  dvs_reader *r = NULL;
  nmsim_err err = {0};
  nmsim_status rc = dvs_open(path, f, &r, &err);
  cr_assert_eq(rc, NMSIM_OK, "open %s: %s", path, err.msg);
  size_t n;
  dvs_event *got = decode_all(r, cap, &n, &rc, &err);
  cr_assert_eq(rc, NMSIM_OK, "decode %s: %s", path, err.msg);
  expect_events(got, n, want, nw, path);
  free(got);
  dvs_close(r);
}

/* Decode a memory buffer to the end; returns the status (and events, count). */
static nmsim_status decode_mem(const tg_buf *b, dvs_format f, size_t *n, nmsim_err *err,
                               dvs_event **out) {
  dvs_reader *r = NULL;
  nmsim_status rc = dvs_open_mem("mem", b->b, b->n, f, &r, err);
  *n = 0;
  if (out) *out = NULL;
  if (rc) return rc;
  dvs_event *ev = decode_all(r, 333, n, &rc, err);
  if (out) *out = ev;
  else free(ev);
  dvs_close(r);
  return rc;
}

/* The byte offset named in an error message ("at byte N"), or -1. */
static long long msg_offset(const char *msg) {
  const char *a = strstr(msg, "at byte ");
  return a ? atoll(a + 8) : -1;
}

/* ---- round trips ----------------------------------------------------------------- */

/* Every format decodes back to exactly the events it was written from,
 * through a file, a gzip-compressed file and memory, whatever the batch size,
 * detected from the header or named; the header's sensor size is reported. */
Test(dvs, roundtrip_every_format, .timeout = 120) {
  for (size_t c = 0; c < NM_ARRAY_LEN(cases); c++) {
    const fmt_case *fc = &cases[c];
    size_t n = 5000;
    dvs_event *e = tg_events(n, 100 + c, 17, 90, fc->w, fc->h);
    tg_buf b = {0};
    tg_format(&b, fc->f, e, n, fc->w, fc->h);
    const char *plain = tu_tmp("rt", ".dvs"), *gz = tu_tmp("rt", ".dvs.gz");
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s", plain);
    snprintf(p2, sizeof p2, "%s", gz);
    cr_assert_eq(tg_write(&b, p1, false), 0);
    cr_assert_eq(tg_write(&b, p2, true), 0);
    size_t caps[] = {1, 13, 4096};
    for (size_t k = 0; k < 3; k++) {
      expect_file(p1, DVS_AUTO, e, n, caps[k]);
      expect_file(p2, DVS_AUTO, e, n, caps[k]);
    }
    expect_file(p1, fc->f, e, n, 500);
    size_t nm;
    nmsim_err err = {0};
    dvs_event *got;
    cr_assert_eq(decode_mem(&b, fc->f, &nm, &err, &got), NMSIM_OK, "%s from memory: %s",
                 dvs_format_name(fc->f), err.msg);
    expect_events(got, nm, e, n, "memory");
    free(got);

    dvs_reader *r = NULL;
    cr_assert_eq(dvs_open(p2, DVS_AUTO, &r, &err), NMSIM_OK);
    const dvs_info *in = dvs_reader_info(r);
    cr_assert_eq(in->format, fc->f, "detected %s, expected %s", dvs_format_name(in->format),
                 dvs_format_name(fc->f));
    cr_assert(in->gzip, "gzip flag of %s", p2);
    unsigned ew = fc->f == DVS_NMNIST ? 0 : fc->w, eh = fc->f == DVS_NMNIST ? 0 : fc->h;
    cr_assert(in->width == ew && in->height == eh, "%s: sensor %u x %u, expected %u x %u",
              dvs_format_name(fc->f), in->width, in->height, ew, eh);
    dvs_close(r);
    remove(p1);
    remove(p2);
    tg_free(&b);
    free(e);
  }
}

/* ---- AEDAT 3.1 from its specification ------------------------------------------------ */

/* AEDAT 3.1: polarity events spread over many packets; the 64-bit time is
 * eventTSOverflow << 31 | the 31-bit timestamp, so events across three
 * overflows come back with their full times; invalid events (valid bit 0),
 * unused capacity and special/IMU packets are skipped. */
Test(dvs, aedat31_packets_and_overflow) {
  const int64_t T = INT64_C(1) << 31;
  dvs_event e[] = {
      {T - 5, 1, 2, 1}, {T - 1, 3, 4, 0},       {T, 5, 6, 1},          {T + 3, 127, 127, 0},
      {2 * T + 10, 0, 0, 1}, {2 * T + 11, 9, 8, 1}, {3 * T + 7, 100, 50, 0}, {3 * T + 8, 2, 1, 1},
  };
  size_t n = NM_ARRAY_LEN(e);
  tg_buf b = {0};
  tg_aedat3(&b, e, n, 1); /* one event per packet: 8 polarity packets + 8 others */
  const char *p = tu_tmp("a31", ".aedat");
  cr_assert_eq(tg_write(&b, p, false), 0);
  expect_file(p, DVS_AUTO, e, n, 3);
  tg_free(&b);

  /* 2 events per packet, and packets where the overflow changes mid-run */
  tg_aedat3(&b, e, n, 2);
  cr_assert_eq(tg_write(&b, p, false), 0);
  expect_file(p, DVS_AEDAT3, e, n, 4096);

  /* the header names the DVS128: 128 x 128 */
  dvs_reader *r = NULL;
  nmsim_err err = {0};
  cr_assert_eq(dvs_open(p, DVS_AUTO, &r, &err), NMSIM_OK, "%s", err.msg);
  cr_assert(dvs_reader_info(r)->width == 128 && dvs_reader_info(r)->height == 128);
  cr_assert_str_eq(dvs_reader_info(r)->sensor, "DVS128");
  dvs_close(r);
  remove(p);
  tg_free(&b);
}

/* AEDAT 3.1 without '#!END-HEADER' is malformed; AEDAT 3.0 ends its header at
 * the first byte that is not '#'. A non-polarity packet with any event size
 * is skipped; a polarity packet whose event size is not 8 is an error. */
Test(dvs, aedat3_header_and_packet_rules) {
  dvs_event e[] = {{10, 1, 1, 1}, {20, 2, 2, 0}};
  tg_buf body = {0}, b = {0};
  tg_aedat3(&body, e, 2, 10);
  const char *hdr31 = "#!AER-DAT3.1\r\n#Format: RAW\r\n#!END-HEADER\r\n";
  size_t skip = strlen("#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n"
                       "#Start-Time: 2017-01-01 12:00:00 (TZ+0000)\r\n#!END-HEADER\r\n");
  tg_str(&b, "#!AER-DAT3.1\r\n#Format: RAW\r\n");
  tg_put(&b, body.b + skip, body.n - skip);
  size_t n;
  nmsim_err err = {0};
  nmsim_status rc = decode_mem(&b, DVS_AUTO, &n, &err, NULL);
  cr_assert_eq(rc, NMSIM_EFORMAT, "3.1 without END-HEADER: %s (%s)", nmsim_status_name(rc),
               err.msg);
  cr_assert(strstr(err.msg, "END-HEADER"), "message: %s", err.msg);
  tg_free(&b);

  tg_str(&b, "#!AER-DAT3.0\r\n#Format: RAW\r\n");
  tg_put(&b, body.b + skip, body.n - skip);
  dvs_event *got;
  rc = decode_mem(&b, DVS_AUTO, &n, &err, &got);
  cr_assert_eq(rc, NMSIM_OK, "3.0: %s", err.msg);
  expect_events(got, n, e, 2, "aedat 3.0");
  free(got);
  tg_free(&b);

  /* a polarity packet of 12-byte events */
  tg_str(&b, hdr31);
  size_t at = b.n;
  tg_aedat3_pkt(&b, 1, 12, 4, 0, 1, 1, 1);
  for (int i = 0; i < 12; i++) tg_u8(&b, 1);
  rc = decode_mem(&b, DVS_AEDAT3, &n, &err, NULL);
  cr_assert_eq(rc, NMSIM_EFORMAT);
  cr_assert_eq(msg_offset(err.msg), (long long)at, "offset in '%s', expected %zu", err.msg, at);
  tg_free(&b);
  tg_free(&body);
}

/* ---- the other formats' specifics ------------------------------------------------------- */

/* AEDAT 2.0: DVS128 and DAVIS address layouts (special, APS and external
 * input records skipped, DVS128 polarity bit inverted) and the 32-bit
 * timestamp wrap unwrapped to 64 bits. */
Test(dvs, aedat2_layouts_and_wrap) {
  const int64_t W = INT64_C(1) << 32;
  dvs_event e[] = {{W - 10, 1, 2, 1}, {W - 2, 127, 0, 0}, {W + 5, 3, 4, 1}, {W + 9, 0, 127, 0}};
  for (int davis = 0; davis < 2; davis++) {
    tg_buf b = {0};
    tg_aedat2(&b, e, 4, davis);
    size_t n;
    nmsim_err err = {0};
    dvs_event *got;
    cr_assert_eq(decode_mem(&b, DVS_AUTO, &n, &err, &got), NMSIM_OK, "%s", err.msg);
    expect_events(got, n, e, 4, davis ? "DAVIS" : "DVS128");
    free(got);
    tg_free(&b);
  }
  /* an AEChip of unknown layout is refused rather than misread */
  tg_buf b = {0};
  tg_str(&b, "#!AER-DAT2.0\r\n# AEChip: ch.unizh.ini.jaer.chip.cochlea.CochleaAMS1c\r\n");
  size_t n;
  nmsim_err err = {0};
  cr_assert_eq(decode_mem(&b, DVS_AUTO, &n, &err, NULL), NMSIM_EFORMAT);
  cr_assert(strstr(err.msg, "CochleaAMS1c"), "message: %s", err.msg);
  tg_free(&b);
}

/* AEDAT 4.0: uncompressed, LZ4 and Zstd packets, with and without the file
 * data table, the event stream found by its typeIdentifier in the XML
 * (stream 3 here, IMU packets on stream 0 skipped), empty packets. */
Test(dvs, aedat4_compressions) {
  int comps[] = {TG_A4_NONE, TG_A4_LZ4, TG_A4_ZSTD};
  size_t n = 3000;
  dvs_event *e = tg_events(n, 7, INT64_C(1605537493718345), 50, 320, 240);
  for (int c = 0; c < 3; c++)
    for (int table = 0; table < 2; table++) {
      tg_buf b = {0};
      tg_aedat4(&b, e, n, 700, comps[c], 3, 320, 240, table);
      size_t k;
      nmsim_err err = {0};
      dvs_event *got;
      cr_assert_eq(decode_mem(&b, DVS_AUTO, &k, &err, &got), NMSIM_OK, "comp %d table %d: %s",
                   comps[c], table, err.msg);
      expect_events(got, k, e, n, "aedat4");
      free(got);
      tg_free(&b);
      tg_aedat4(&b, e, 0, 700, comps[c], 3, 320, 240, table);
      cr_assert_eq(decode_mem(&b, DVS_AUTO, &k, &err, NULL), NMSIM_OK, "empty: %s", err.msg);
      cr_assert_eq(k, 0, "empty packet gave %zu events", k);
      tg_free(&b);
    }
  free(e);
}

/* EVT 2.0: the 34-bit time wraps (TIME_HIGH decreasing) are unwrapped; CD
 * words before the first TIME_HIGH are ignored; triggers and vendor words are
 * skipped. */
Test(dvs, evt2_wrap_and_skips) {
  const int64_t W = INT64_C(1) << 34;
  dvs_event e[] = {{W - 100, 1, 2, 1}, {W - 1, 639, 479, 0}, {W + 64, 3, 4, 1},
                   {W + 3 * W / 4, 7, 8, 1}, {2 * W + 1, 5, 6, 0}};
  tg_buf b = {0}, body = {0};
  tg_str(&b, "% evt 2.0\n");
  tg_le32(&b, 0x0u << 28 | 7u << 11 | 7u); /* CD before any TIME_HIGH */
  tg_evt2(&body, e, 2, false);
  tg_put(&b, body.b, body.n);
  tg_le32(&b, 0xAu << 28 | 1u);  /* EXT_TRIGGER */
  tg_le32(&b, 0xEu << 28 | 5u);  /* OTHERS */
  tg_le32(&b, 0xFu << 28 | 5u);  /* CONTINUED */
  tg_free(&body);
  tg_evt2(&body, e + 2, 3, false);
  tg_put(&b, body.b, body.n);
  size_t n;
  nmsim_err err = {0};
  dvs_event *got;
  cr_assert_eq(decode_mem(&b, DVS_AUTO, &n, &err, &got), NMSIM_OK, "%s", err.msg);
  expect_events(got, n, e, 5, "evt2");
  free(got);
  tg_free(&b);
  tg_free(&body);
}

/* EVT 3.0: single events and VECT_12/VECT_8 vectors; the 24-bit time wraps
 * (TIME_HIGH decreasing by more than half its range); small TIME_LOW steps
 * back are not wraps; words before the first TIME_HIGH are ignored. */
Test(dvs, evt3_vectors_wraps_backsteps) {
  size_t n = 4000;
  dvs_event *e = tg_events(n, 11, (INT64_C(1) << 24) - 30000, 40, 1280, 720);
  for (size_t i = 0; i + 3 < n; i += 10) { /* make vectors: same t, y, p, rising x */
    for (size_t k = 1; k < 4; k++) {
      e[i + k] = e[i];
      e[i + k].x = (uint16_t)(e[i].x + 2 * k + (i % 3));
      if (e[i + k].x >= 1280) e[i + k].x = (uint16_t)(1279 - (3 - k));
    }
    if (e[i + 3].x <= e[i + 2].x) e[i + 1] = e[i + 2] = e[i + 3] = e[i]; /* fall back */
  }
  /* keep times non-decreasing after the edits */
  for (size_t i = 1; i < n; i++)
    if (e[i].t_us < e[i - 1].t_us) e[i].t_us = e[i - 1].t_us;
  /* drop exact duplicates that the vector edit could create */
  size_t w = 1;
  for (size_t i = 1; i < n; i++)
    if (memcmp(&e[i], &e[w - 1], sizeof *e)) e[w++] = e[i];
  n = w;
  tg_buf b = {0}, body = {0};
  tg_str(&b, "% evt 3.0\n");
  tg_le16(&b, 0x0u << 12 | 5u);   /* ADDR_Y before any TIME_HIGH */
  tg_le16(&b, 0x2u << 12 | 9u);   /* ADDR_X: ignored */
  tg_evt3(&body, e, n / 2, false);
  tg_put(&b, body.b, body.n);
  uint64_t tl = (uint64_t)e[n / 2 - 1].t_us & 0xfff;
  tg_le16(&b, 0x6u << 12 | (unsigned)(tl >= 5 ? tl - 5 : 0)); /* TIME_LOW steps back */
  tg_le16(&b, 0x7u << 12 | 3u);  /* CONTINUED_4 */
  tg_le16(&b, 0xEu << 12 | 1u);  /* OTHERS */
  tg_le16(&b, 0xFu << 12 | 1u);  /* CONTINUED_12 */
  tg_le16(&b, 0xAu << 12 | 1u);  /* EXT_TRIGGER */
  tg_free(&body);
  tg_evt3(&body, e + n / 2, n - n / 2, false);
  tg_put(&b, body.b, body.n);
  cr_assert_gt(e[n - 1].t_us, INT64_C(1) << 24, "the test crosses the 24-bit wrap");
  size_t k;
  nmsim_err err = {0};
  dvs_event *got;
  cr_assert_eq(decode_mem(&b, DVS_AUTO, &k, &err, &got), NMSIM_OK, "%s", err.msg);
  expect_events(got, k, e, n, "evt3");
  free(got);
  tg_free(&b);
  tg_free(&body);
  free(e);
}

/* N-MNIST: each record with y == 240 adds 2^13 us to later timestamps and is
 * not an event; DAT: the 32-bit timestamp wrap is unwrapped. */
Test(dvs, nmnist_overflow_and_dat_wrap) {
  dvs_event e[] = {{100, 1, 2, 1}, {(1 << 23) - 1, 33, 33, 0}, {(1 << 23) + 50, 4, 5, 1},
                   {(1 << 24) + 3, 6, 7, 0}};
  tg_buf b = {0};
  tg_nmnist(&b, e, 4);
  cr_assert_gt(b.n, 4 * 5, "the file holds overflow markers");
  size_t n;
  nmsim_err err = {0};
  dvs_event *got;
  cr_assert_eq(decode_mem(&b, DVS_NMNIST, &n, &err, &got), NMSIM_OK, "%s", err.msg);
  expect_events(got, n, e, 4, "nmnist");
  free(got);
  tg_free(&b);

  const int64_t W = INT64_C(1) << 32;
  dvs_event d[] = {{W - 3, 1, 2, 1}, {W + 1, 303, 239, 0}, {W + 3 * W / 4, 9, 9, 0},
                   {2 * W + 7, 0, 0, 1}};
  tg_dat(&b, d, 4, 304, 240);
  cr_assert_eq(decode_mem(&b, DVS_AUTO, &n, &err, &got), NMSIM_OK, "%s", err.msg);
  expect_events(got, n, d, 4, "dat");
  free(got);
  tg_free(&b);
}

/* ---- detection -------------------------------------------------------------------------- */

/* A named format that the header contradicts is EFORMAT, naming the file and
 * the format the header declares; unknown data and empty files cannot be
 * detected; EVT 2.1 is refused; an empty file read as N-MNIST is an empty
 * recording. */
Test(dvs, detection_and_wrong_format) {
  dvs_event e[] = {{10, 1, 1, 1}, {20, 2, 2, 0}};
  struct {
    dvs_format written, asked;
    const char *says;
  } wrong[] = {
      {DVS_EVT3, DVS_EVT2, "header says evt3"},
      {DVS_EVT2, DVS_EVT3, "header says evt2"},
      {DVS_EVT2, DVS_DAT, "header says evt2"},
      {DVS_DAT, DVS_EVT2, "header says dat"},
      {DVS_AEDAT3, DVS_AEDAT4, "header says aedat3"},
      {DVS_AEDAT4, DVS_AEDAT2, "header says aedat4"},
      {DVS_EVT2, DVS_AEDAT3, "header says evt2"},
  };
  for (size_t i = 0; i < NM_ARRAY_LEN(wrong); i++) {
    tg_buf b = {0};
    tg_format(&b, wrong[i].written, e, 2, 128, 128);
    const char *p = tu_tmp("wrong", ".dvs");
    cr_assert_eq(tg_write(&b, p, false), 0);
    dvs_reader *r = NULL;
    nmsim_err err = {0};
    nmsim_status rc = dvs_open(p, wrong[i].asked, &r, &err);
    cr_assert_eq(rc, NMSIM_EFORMAT, "%s read as %s: %s", dvs_format_name(wrong[i].written),
                 dvs_format_name(wrong[i].asked), nmsim_status_name(rc));
    cr_assert(r == NULL);
    cr_assert(strstr(err.msg, p) && strstr(err.msg, "at byte ") && strstr(err.msg, wrong[i].says),
              "message '%s' names the file, the offset and '%s'", err.msg, wrong[i].says);
    remove(p);
    tg_free(&b);
  }
  const char *texts[] = {"class,startTime_usec,endTime_usec\n1,2,3\n", "#!AER-DAT9.9\r\n",
                         "# just a comment\n", "% evt 2.1\n", "% Date 2020\n% foo bar\n", ""};
  const char *says[] = {"unrecognised format", "unsupported AEDAT version", "AEDAT version line",
                        "EVT 2.1", "names no event encoding", "empty file"};
  for (size_t i = 0; i < NM_ARRAY_LEN(texts); i++) {
    tg_buf b = {0};
    tg_str(&b, texts[i]);
    size_t n;
    nmsim_err err = {0};
    nmsim_status rc = decode_mem(&b, DVS_AUTO, &n, &err, NULL);
    cr_assert_eq(rc, NMSIM_EFORMAT, "'%s': %s", texts[i], nmsim_status_name(rc));
    cr_assert(strstr(err.msg, says[i]), "message '%s', expected '%s'", err.msg, says[i]);
    tg_free(&b);
  }
  tg_buf empty = {0};
  size_t n = 99;
  nmsim_err err = {0};
  cr_assert_eq(decode_mem(&empty, DVS_NMNIST, &n, &err, NULL), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(n, 0);
  /* a missing file is EIO naming it */
  dvs_reader *r = NULL;
  cr_assert_eq(dvs_open("/nonexistent/x.raw", DVS_AUTO, &r, &err), NMSIM_EIO);
  cr_assert(strstr(err.msg, "/nonexistent/x.raw"), "%s", err.msg);
}

/* A named format that disagrees with the format the file's header declares is
 * refused at open (EFORMAT at byte 0, naming both formats), for every pair and
 * also gzip-compressed: no pair may decode one format's bytes as another's
 * (N-MNIST, and EVT 2.0/3.0 on an AEDAT file, were read as garbage). Data
 * without a header that names a format (N-MNIST, RAW words without the '%'
 * header) are still read as whatever format is named. */
Test(dvs, named_format_disagreeing_with_header) {
  dvs_event *e = tg_events(40, 11, 100, 30, 34, 34);
  for (size_t i = 0; i < NM_ARRAY_LEN(cases); i++) {
    dvs_format written = cases[i].f;
    if (written == DVS_NMNIST) continue; /* no header */
    tg_buf b = {0};
    tg_format(&b, written, e, 40, cases[i].w, cases[i].h);
    const char *p = tu_tmp("named", ".dvs.gz");
    cr_assert_eq(tg_write(&b, p, true), 0);
    for (int asked = DVS_AUTO + 1; asked < DVS_FORMAT_END; asked++) {
      if ((dvs_format)asked == written) continue;
      char says[128];
      snprintf(says, sizeof says, "format %s was named, but the file's header says %s",
               dvs_format_name((dvs_format)asked), dvs_format_name(written));
      for (int gz = 0; gz < 2; gz++) {
        dvs_reader *r = NULL;
        nmsim_err err = {0};
        nmsim_status rc = gz ? dvs_open(p, (dvs_format)asked, &r, &err)
                             : dvs_open_mem("mem", b.b, b.n, (dvs_format)asked, &r, &err);
        cr_assert_eq(rc, NMSIM_EFORMAT, "%s read as %s (%s): %s", dvs_format_name(written),
                     dvs_format_name((dvs_format)asked), gz ? "gzip file" : "memory",
                     nmsim_status_name(rc));
        cr_assert(r == NULL);
        cr_assert(strstr(err.msg, gz ? p : "mem") && strstr(err.msg, "at byte 0") &&
                      strstr(err.msg, says),
                  "message '%s' lacks the name, 'at byte 0' or '%s'", err.msg, says);
      }
    }
    remove(p);
    tg_free(&b);
  }
  /* headerless data: any named format opens */
  tg_buf raw[3] = {{0}};
  tg_nmnist(&raw[0], e, 40);
  tg_evt2(&raw[1], e, 40, false);
  tg_evt3(&raw[2], e, 40, false);
  const dvs_format as[] = {DVS_NMNIST, DVS_EVT2, DVS_EVT3};
  for (int k = 0; k < 3; k++) {
    for (int j = 0; j < 3; j++) {
      dvs_reader *r = NULL;
      nmsim_err err = {0};
      nmsim_status rc = dvs_open_mem("mem", raw[k].b, raw[k].n, as[j], &r, &err);
      cr_assert_eq(rc, NMSIM_OK, "headerless %s data named %s: %s", dvs_format_name(as[k]),
                   dvs_format_name(as[j]), err.msg);
      cr_assert_eq(dvs_reader_info(r)->format, as[j]);
      dvs_close(r);
    }
    tg_free(&raw[k]);
  }
  free(e);
}

/* Format names map both ways; "auto" is DVS_AUTO; unknown names are refused. */
Test(dvs, format_names) {
  for (int f = 0; f < DVS_FORMAT_END; f++) {
    dvs_format g;
    cr_assert(dvs_format_parse(dvs_format_name((dvs_format)f), &g) && g == (dvs_format)f,
              "name %s", dvs_format_name((dvs_format)f));
  }
  dvs_format g;
  cr_assert(!dvs_format_parse("evt21", &g));
  cr_assert_str_eq(dvs_format_name(DVS_EVT3), "evt3");
}

/* ---- truncated and corrupt input ---------------------------------------------------------- */

/* Every format cut at many lengths: decoding ends, with OK (a cut on a record
 * boundary is a shorter valid file) or EFORMAT naming the file and a byte
 * offset no larger than the file; the events delivered before the error are
 * the file's first events. A cut AEDAT 4.0 file (with its data table) is
 * always an error. */
Test(dvs, truncated_every_format, .timeout = 120) {
  for (size_t c = 0; c < NM_ARRAY_LEN(cases); c++) {
    const fmt_case *fc = &cases[c];
    size_t n = 700;
    dvs_event *e = tg_events(n, 300 + c, 5, 30, fc->w, fc->h);
    tg_buf full = {0};
    tg_format(&full, fc->f, e, n, fc->w, fc->h);
    for (size_t len = 0; len < full.n; len += 1 + len / 40) {
      tg_buf b = {0};
      tg_put(&b, full.b, len);
      size_t k;
      nmsim_err err = {0};
      dvs_event *got = NULL;
      nmsim_status rc = decode_mem(&b, fc->f, &k, &err, &got);
      cr_assert(rc == NMSIM_OK || rc == NMSIM_EFORMAT, "%s cut at %zu: %s",
                dvs_format_name(fc->f), len, nmsim_status_name(rc));
      if (rc == NMSIM_EFORMAT) {
        long long off = msg_offset(err.msg);
        cr_assert(strstr(err.msg, "mem") && off >= 0 && off <= (long long)len,
                  "%s cut at %zu: message '%s'", dvs_format_name(fc->f), len, err.msg);
      }
      if (fc->f == DVS_AEDAT4)
        cr_assert_eq(rc, NMSIM_EFORMAT, "aedat4 cut at %zu of %zu decoded without error", len,
                     full.n);
      cr_assert_leq(k, n);
      if (got) expect_events(got, k, e, k, "prefix before the cut");
      free(got);
      tg_free(&b);
    }
    tg_free(&full);
    free(e);
  }
}

/* The exact offsets: a word-based file cut inside a word names the word's
 * first byte; a gzip file cut short is EFORMAT naming the offset in the
 * decompressed data. */
Test(dvs, truncated_offsets) {
  dvs_event e[] = {{10, 1, 1, 1}, {20, 2, 2, 0}, {30, 3, 3, 1}};
  struct {
    dvs_format f;
    size_t rec;
  } recs[] = {{DVS_EVT2, 4}, {DVS_EVT3, 2}, {DVS_DAT, 8}, {DVS_NMNIST, 5}, {DVS_AEDAT2, 8}};
  for (size_t i = 0; i < NM_ARRAY_LEN(recs); i++) {
    tg_buf b = {0};
    tg_format(&b, recs[i].f, e, 3, 240, 180);
    size_t cut = b.n - 1, want = b.n - recs[i].rec;
    b.n = cut;
    size_t n;
    nmsim_err err = {0};
    nmsim_status rc = decode_mem(&b, recs[i].f, &n, &err, NULL);
    cr_assert_eq(rc, NMSIM_EFORMAT, "%s cut by one byte", dvs_format_name(recs[i].f));
    cr_assert_eq(msg_offset(err.msg), (long long)want, "%s: '%s', expected byte %zu",
                 dvs_format_name(recs[i].f), err.msg, want);
    tg_free(&b);
  }
  /* gzip cut in the middle */
  size_t n = 20000;
  dvs_event *ev = tg_events(n, 5, 0, 20, 640, 480);
  tg_buf b = {0};
  tg_evt2(&b, ev, n, true);
  const char *p = tu_tmp("cut", ".raw.gz");
  cr_assert_eq(tg_write(&b, p, true), 0);
  size_t len;
  char *z = tu_read(p, &len);
  FILE *f = fopen(p, "wb");
  fwrite(z, 1, len / 2, f);
  fclose(f);
  free(z);
  dvs_reader *r = NULL;
  nmsim_err err = {0};
  nmsim_status rc = dvs_open(p, DVS_AUTO, &r, &err);
  cr_assert_eq(rc, NMSIM_OK, "%s", err.msg);
  size_t k;
  dvs_event *got = decode_all(r, 4096, &k, &rc, &err);
  cr_assert_eq(rc, NMSIM_EFORMAT, "cut gzip: %s", nmsim_status_name(rc));
  cr_assert(strstr(err.msg, "gzip") && strstr(err.msg, "decompressed") && strstr(err.msg, p),
            "message: %s", err.msg);
  expect_events(got, k, ev, k, "before the cut");
  free(got);
  dvs_close(r);
  remove(p);
  tg_free(&b);
  free(ev);
}

/* Corrupt words are EFORMAT at their exact offset, after every earlier
 * event was delivered; the error is sticky. */
Test(dvs, corrupt_offsets_and_sticky_errors) {
  size_t n = 1000, bad = 600;
  dvs_event *e = tg_events(n, 9, 0, 3, 640, 480);
  tg_buf b = {0};
  tg_evt2(&b, e, n, true);
  /* the word that follows the 600th event becomes type 0x5 */
  size_t hdr = strlen("% Date 2020-09-25 07:48:31\n% plugin_name hal_plugin_gen3_fx3\n"
                      "% geometry 640x480\n% evt 2.0\n% end\n");
  size_t at = hdr, seen = 0;
  while (seen < bad) {
    uint32_t w = (uint32_t)b.b[at] | (uint32_t)b.b[at + 3] << 24;
    seen += (w >> 28) <= 1;
    at += 4;
  }
  b.b[at + 3] = 0x50;
  dvs_reader *r = NULL;
  nmsim_err err = {0};
  nmsim_status rc = dvs_open_mem("bad.raw", b.b, b.n, DVS_AUTO, &r, &err);
  cr_assert_eq(rc, NMSIM_OK);
  size_t k;
  dvs_event *got = decode_all(r, 4096, &k, &rc, &err);
  cr_assert_eq(rc, NMSIM_EFORMAT);
  cr_assert_eq(msg_offset(err.msg), (long long)at, "'%s', expected byte %zu", err.msg, at);
  cr_assert(strstr(err.msg, "bad.raw") && strstr(err.msg, "type 0x5"), "%s", err.msg);
  expect_events(got, k, e, bad, "before the bad word");
  dvs_event one;
  size_t m;
  nmsim_err again = {0};
  cr_assert_eq(dvs_read(r, &one, 1, &m, &again), NMSIM_EFORMAT, "the error is sticky");
  cr_assert_str_eq(again.msg, err.msg);
  free(got);
  dvs_close(r);
  tg_free(&b);
  free(e);

  /* AEDAT 4.0: a corrupt LZ4 frame, a wrong identifier */
  e = tg_events(100, 3, 0, 10, 320, 240);
  tg_aedat4(&b, e, 100, 100, TG_A4_LZ4, 1, 320, 240, false);
  size_t pkt = 18 + (b.b[14] | (size_t)b.b[15] << 8) + 8; /* first payload byte */
  b.b[pkt + 20] ^= 0xff;
  b.b[pkt + 21] ^= 0xff;
  size_t nn;
  rc = decode_mem(&b, DVS_AUTO, &nn, &err, NULL);
  cr_assert_eq(rc, NMSIM_EFORMAT, "corrupt LZ4: %s", nmsim_status_name(rc));
  cr_assert(strstr(err.msg, "packet") && msg_offset(err.msg) >= (long long)pkt - 8, "%s", err.msg);
  tg_free(&b);
  tg_aedat4(&b, e, 100, 100, TG_A4_NONE, 1, 320, 240, false);
  memcpy(b.b + pkt + 8, "FRME", 4);
  rc = decode_mem(&b, DVS_AUTO, &nn, &err, NULL);
  cr_assert_eq(rc, NMSIM_EFORMAT);
  cr_assert(strstr(err.msg, "identifier 'FRME'") && msg_offset(err.msg) == (long long)pkt,
            "'%s', expected byte %zu", err.msg, pkt);
  tg_free(&b);
  /* DAT: a trigger file, an unknown type */
  tg_dat(&b, e, 10, 304, 240);
  size_t tpos = b.n - 10 * 8 - 2;
  b.b[tpos] = 0x0e;
  rc = decode_mem(&b, DVS_AUTO, &nn, &err, NULL);
  cr_assert(rc == NMSIM_EFORMAT && strstr(err.msg, "trigger") &&
                msg_offset(err.msg) == (long long)tpos, "%s", err.msg);
  b.b[tpos] = 0x05;
  rc = decode_mem(&b, DVS_AUTO, &nn, &err, NULL);
  cr_assert(rc == NMSIM_EFORMAT && strstr(err.msg, "0x05"), "%s", err.msg);
  tg_free(&b);
  /* AEDAT 3.1: number > capacity */
  tg_aedat3_header(&b);
  size_t p3 = b.n;
  tg_aedat3_pkt(&b, 1, 8, 4, 0, 1, 2, 1);
  rc = decode_mem(&b, DVS_AUTO, &nn, &err, NULL);
  cr_assert(rc == NMSIM_EFORMAT && msg_offset(err.msg) == (long long)p3, "%s", err.msg);
  tg_free(&b);
  free(e);
}

/* Random byte damage and cuts in every format: decoding always ends (no
 * crash, hang or endless loop) with OK or EFORMAT, and never yields more
 * events than the bytes could hold. */
Test(dvs, random_damage_never_crashes, .timeout = 300) {
  uint64_t seed = 12345;
  for (size_t c = 0; c < NM_ARRAY_LEN(cases); c++) {
    const fmt_case *fc = &cases[c];
    dvs_event *e = tg_events(400, 40 + c, 0, 20, fc->w, fc->h);
    tg_buf full = {0};
    tg_format(&full, fc->f, e, 400, fc->w, fc->h);
    for (int trial = 0; trial < 300; trial++) {
      tg_buf b = {0};
      tg_put(&b, full.b, full.n);
      int flips = 1 + (int)(tg_rand(&seed) % 6);
      for (int i = 0; i < flips; i++) b.b[tg_rand(&seed) % b.n] ^= (unsigned char)(1 + tg_rand(&seed) % 255);
      if (trial % 3 == 0) b.n = tg_rand(&seed) % b.n;
      for (int asked = 0; asked < 2; asked++) {
        size_t n;
        nmsim_err err = {0};
        nmsim_status rc = decode_mem(&b, asked ? fc->f : DVS_AUTO, &n, &err, NULL);
        cr_assert(rc == NMSIM_OK || rc == NMSIM_EFORMAT, "%s trial %d: %s (%s)",
                  dvs_format_name(fc->f), trial, nmsim_status_name(rc), err.msg);
        cr_assert_leq(n, b.n * 8, "%s trial %d: %zu events from %zu bytes",
                      dvs_format_name(fc->f), trial, n, b.n);
      }
      tg_free(&b);
    }
    tg_free(&full);
    free(e);
  }
}

/* ---- streaming and memory ------------------------------------------------------------------- */

/* A counting allocator: bytes live and their peak. */
static size_t live, peak;
static void *cnt_malloc(size_t n) {
  size_t *p = malloc(n + 16);
  if (!p) return NULL;
  p[0] = n;
  live += n;
  if (live > peak) peak = live;
  return (char *)p + 16;
}
static void *cnt_calloc(size_t a, size_t b) {
  void *p = cnt_malloc(a * b);
  if (p) memset(p, 0, a * b);
  return p;
}
static void cnt_free(void *q) {
  if (!q) return;
  size_t *p = (size_t *)((char *)q - 16);
  live -= p[0];
  free(p);
}
static void *cnt_realloc(void *q, size_t n) {
  void *p = cnt_malloc(n);
  if (p && q) {
    size_t old = ((size_t *)((char *)q - 16))[0];
    memcpy(p, q, old < n ? old : n);
    cnt_free(q);
  }
  return p;
}
static const nm_allocator counting = {cnt_malloc, cnt_realloc, cnt_calloc, cnt_free};

/* Write an EVT 2.0 file of about mb megabytes, streamed (never held whole). */
static uint64_t write_evt2(const char *path, size_t mb) {
  FILE *f = fopen(path, "wb");
  cr_assert(f);
  fputs("% evt 2.0\n% geometry 640x480\n% end\n", f);
  enum { CHUNK = 1 << 16 };
  static uint32_t w[CHUNK];
  uint64_t events = 0, seed = 1, t = 0;
  size_t words = mb * 1024 * 1024 / 4;
  for (size_t done = 0; done < words;) {
    size_t k = 0;
    while (k < CHUNK) {
      if (k % 64 == 0) w[k++] = 0x8u << 28 | (uint32_t)((t >> 6) & 0xfffffff);
      uint64_t r = tg_rand(&seed);
      w[k++] = (uint32_t)(r & 1) << 28 | (uint32_t)(t & 63) << 22 | (uint32_t)((r >> 8) % 640) << 11 |
               (uint32_t)((r >> 24) % 480);
      events++;
      if (k % 64 == 63) t += 64;
    }
    cr_assert_eq(fwrite(w, 4, CHUNK, f), CHUNK);
    done += CHUNK;
  }
  fclose(f);
  return events;
}

/* Peak bytes allocated through the nm_ hook while opening and decoding path
 * to the end; *events gets the event count. */
static size_t decode_peak(const char *path, uint64_t *events) {
  live = peak = 0;
  nmsim_set_allocator(&counting);
  dvs_reader *r = NULL;
  nmsim_err err = {0};
  nmsim_status rc = dvs_open(path, DVS_AUTO, &r, &err);
  cr_assert_eq(rc, NMSIM_OK, "%s", err.msg);
  static dvs_event b[4096];
  size_t n;
  *events = 0;
  while ((rc = dvs_read(r, b, 4096, &n, &err)) == NMSIM_OK && n) *events += n;
  cr_assert_eq(rc, NMSIM_OK, "%s", err.msg);
  dvs_close(r);
  nmsim_set_allocator(NULL);
  cr_assert_eq(live, 0, "%zu bytes left allocated", live);
  return peak;
}

/* Streaming: decoding a generated 50 MB EVT 2.0 file allocates (through the
 * nm_ hook) exactly as much as decoding a 1 MB one, well under 1 MiB. */
Test(dvs, memory_does_not_grow_with_length, .timeout = 300) {
  char small[512], big[512];
  /* names of equal length: the reader keeps a copy of its path */
  snprintf(small, sizeof small, "%s/evt2a-%ld.raw", NMSIM_TEST_TMP, (long)getpid());
  snprintf(big, sizeof big, "%s/evt2b-%ld.raw", NMSIM_TEST_TMP, (long)getpid());
  uint64_t ns = write_evt2(small, 1), nb = write_evt2(big, 50), ds, db;
  size_t ps = decode_peak(small, &ds), pb = decode_peak(big, &db);
  printf("memory: 1 MB file %llu events, peak %zu bytes; 50 MB file %llu events, peak %zu bytes\n",
         (unsigned long long)ds, ps, (unsigned long long)db, pb);
  cr_assert_eq(ds, ns, "small: %llu events decoded, %llu written", (unsigned long long)ds,
               (unsigned long long)ns);
  cr_assert_eq(db, nb, "big: %llu events decoded, %llu written", (unsigned long long)db,
               (unsigned long long)nb);
  cr_assert_eq(pb, ps, "peak allocation %zu bytes for 50 MB, %zu for 1 MB", pb, ps);
  cr_assert_lt(pb, (size_t)1 << 20, "peak allocation %zu bytes", pb);
  remove(small);
  remove(big);
}

/* The same for every other format (and for AEDAT 4.0 with Zstd): the peak
 * for 1 000 000 events equals the peak for 100 000 (both larger than the read
 * window, so that packets straddle it). */
Test(dvs, memory_bounded_every_format, .timeout = 120) {
  for (size_t c = 0; c < NM_ARRAY_LEN(cases); c++) {
    const fmt_case *fc = &cases[c];
    size_t peaks[2];
    for (int k = 0; k < 2; k++) {
      size_t n = k ? 1000000 : 100000;
      dvs_event *e = tg_events(n, 2, 0, 3, fc->w, fc->h);
      tg_buf b = {0};
      if (fc->f == DVS_AEDAT4) tg_aedat4(&b, e, n, 2000, TG_A4_ZSTD, 1, fc->w, fc->h, true);
      else tg_format(&b, fc->f, e, n, fc->w, fc->h);
      const char *p = tu_tmp("mem", ".dvs");
      cr_assert_eq(tg_write(&b, p, false), 0);
      uint64_t got;
      peaks[k] = decode_peak(p, &got);
      cr_assert_eq(got, n, "%s: %llu of %zu events", dvs_format_name(fc->f),
                   (unsigned long long)got, n);
      remove(p);
      tg_free(&b);
      free(e);
    }
    cr_assert_eq(peaks[1], peaks[0], "%s: peak %zu bytes for 1M events, %zu for 100k",
                 dvs_format_name(fc->f), peaks[1], peaks[0]);
  }
}

/* ---- construction ------------------------------------------------------------------------- */

static long budget;
static void *fail_malloc(size_t n) { return budget-- == 0 ? NULL : malloc(n); }
static void *fail_calloc(size_t a, size_t b) { return budget-- == 0 ? NULL : calloc(a, b); }
static void *fail_realloc(void *p, size_t n) { return budget-- == 0 ? NULL : realloc(p, n); }
static const nm_allocator failing = {fail_malloc, fail_realloc, fail_calloc, free};

/* Out of memory at every allocation of opening and reading each format (and
 * the LZ4 and Zstd decoders of AEDAT 4.0): ENOMEM, nothing leaked, *out NULL. */
Test(dvs, out_of_memory) {
  dvs_event *e = tg_events(50, 1, 0, 10, 240, 180);
  for (size_t c = 0; c < NM_ARRAY_LEN(cases) + 1; c++) {
    dvs_format f = c < NM_ARRAY_LEN(cases) ? cases[c].f : DVS_AEDAT4;
    tg_buf b = {0};
    if (c == NM_ARRAY_LEN(cases)) tg_aedat4(&b, e, 50, 20, TG_A4_ZSTD, 1, 240, 180, false);
    else tg_format(&b, f, e, 50, 240, 180);
    const char *p = tu_tmp("oom", ".dvs");
    cr_assert_eq(tg_write(&b, p, false), 0);
    bool ok = false;
    for (long n = 0; !ok; n++) {
      budget = n;
      nmsim_set_allocator(&failing);
      dvs_reader *r = (dvs_reader *)1;
      nmsim_err err = {0};
      nmsim_status rc = dvs_open(p, DVS_AUTO, &r, &err);
      size_t k = 0;
      dvs_event *got = NULL;
      if (rc == NMSIM_OK) {
        got = decode_all(r, 7, &k, &rc, &err);
        dvs_close(r);
      } else {
        cr_assert(r == NULL, "failed open left a reader");
      }
      nmsim_set_allocator(NULL);
      free(got);
      if (rc == NMSIM_OK) {
        cr_assert_eq(k, 50);
        ok = true;
      } else {
        cr_assert_eq(rc, NMSIM_ENOMEM, "%s, allocation %ld: %s (%s)", dvs_format_name(f), n,
                     nmsim_status_name(rc), err.msg);
      }
      cr_assert_lt(n, 1000);
    }
    remove(p);
    tg_free(&b);
  }
  free(e);
  dvs_close(NULL);
  cr_assert_eq(tu_leaks(), 0, "LeakSanitizer found leaks (see stderr)");
}

/* Rewinding goes back to the first event: the events read after a rewind
 * are the whole file again, also through gzip past the first window. */
Test(dvs, rewind) {
  size_t n = 200000;
  dvs_event *e = tg_events(n, 4, 0, 5, 640, 480);
  tg_buf b = {0};
  tg_evt2(&b, e, n, true);
  const char *p = tu_tmp("rw", ".raw.gz");
  cr_assert_eq(tg_write(&b, p, true), 0);
  dvs_reader *r = NULL;
  nmsim_err err = {0};
  cr_assert_eq(dvs_open(p, DVS_AUTO, &r, &err), NMSIM_OK);
  static dvs_event tmp[100000];
  size_t k;
  cr_assert_eq(dvs_read(r, tmp, 100000, &k, &err), NMSIM_OK);
  cr_assert_eq(dvs_rewind(r, &err), NMSIM_OK, "%s", err.msg);
  nmsim_status rc;
  dvs_event *got = decode_all(r, 4096, &k, &rc, &err);
  cr_assert_eq(rc, NMSIM_OK);
  expect_events(got, k, e, n, "after rewind");
  free(got);
  dvs_close(r);
  remove(p);
  tg_free(&b);
  free(e);
}
