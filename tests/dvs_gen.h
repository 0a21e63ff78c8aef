/* dvs_gen.h: writers of small DVS recordings built from the format
 * specifications (docs/dvs.md), for the tests, the benchmark and the fuzz
 * seeds: AEDAT 2.0/3.1/4.0, N-MNIST, EVT 2.0, EVT 3.0, DAT. Header-only. */
#ifndef NMSIM_TESTS_DVS_GEN_H
#define NMSIM_TESTS_DVS_GEN_H

#include <lz4frame.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "sim/dvs/dvs.h"

/* ---- byte buffers ----------------------------------------------------------- */

typedef struct tg_buf {
  unsigned char *b;
  size_t n, cap;
} tg_buf;

static inline void tg_put(tg_buf *o, const void *p, size_t n) {
  if (o->n + n > o->cap) {
    size_t c = o->cap ? o->cap : 4096;
    while (c < o->n + n) c *= 2;
    unsigned char *nb = realloc(o->b, c);
    if (!nb) abort();
    o->b = nb;
    o->cap = c;
  }
  if (n) memcpy(o->b + o->n, p, n);
  o->n += n;
}
static inline void tg_u8(tg_buf *o, unsigned v) {
  unsigned char c = (unsigned char)v;
  tg_put(o, &c, 1);
}
static inline void tg_le16(tg_buf *o, unsigned v) {
  unsigned char c[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
  tg_put(o, c, 2);
}
static inline void tg_le32(tg_buf *o, uint32_t v) {
  unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 24)};
  tg_put(o, c, 4);
}
static inline void tg_le64(tg_buf *o, uint64_t v) {
  tg_le32(o, (uint32_t)v);
  tg_le32(o, (uint32_t)(v >> 32));
}
static inline void tg_be32(tg_buf *o, uint32_t v) {
  unsigned char c[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 8), (unsigned char)v};
  tg_put(o, c, 4);
}
static inline void tg_str(tg_buf *o, const char *s) { tg_put(o, s, strlen(s)); }
static inline void tg_set_le32(tg_buf *o, size_t at, uint32_t v) {
  for (int i = 0; i < 4; i++) o->b[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}
static inline void tg_free(tg_buf *o) {
  free(o->b);
  *o = (tg_buf){0};
}

/* Write the buffer to path, gzip-compressed if gz. 0 on success. */
static inline int tg_write(const tg_buf *o, const char *path, bool gz) {
  if (gz) {
    gzFile f = gzopen(path, "wb6");
    if (!f) return -1;
    size_t done = 0;
    while (done < o->n) {
      unsigned k = (unsigned)(o->n - done > (1u << 30) ? 1u << 30 : o->n - done);
      if (gzwrite(f, o->b + done, k) != (int)k) {
        gzclose(f);
        return -1;
      }
      done += k;
    }
    return gzclose(f) == Z_OK ? 0 : -1;
  }
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int rc = fwrite(o->b, 1, o->n, f) == o->n ? 0 : -1;
  return fclose(f) == 0 ? rc : -1;
}

/* ---- random events ------------------------------------------------------------- */

static inline uint64_t tg_rand(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* n events with non-decreasing t from t0 (steps of 0..max_dt us), x < w, y < h. */
static inline dvs_event *tg_events(size_t n, uint64_t seed, int64_t t0, unsigned max_dt,
                                   unsigned w, unsigned h) {
  dvs_event *e = malloc((n ? n : 1) * sizeof *e);
  if (!e) abort();
  int64_t t = t0;
  for (size_t i = 0; i < n; i++) {
    uint64_t r = tg_rand(&seed);
    t += (int64_t)(r % (max_dt + 1));
    e[i] = (dvs_event){.t_us = t, .x = (uint16_t)((r >> 16) % w), .y = (uint16_t)((r >> 32) % h),
                       .p = (uint8_t)(r >> 63)};
  }
  return e;
}

/* ---- AEDAT 2.0 ------------------------------------------------------------------- */

/* davis: DAVIS layout (with chip "eu.seebetter.ini.chips.davis.DAVIS240C"),
 * else DVS128. Every 7th record is a special (DVS128) or APS/external (DAVIS)
 * record that a reader must skip. Timestamps wrap at 2^32. */
static inline void tg_aedat2(tg_buf *o, const dvs_event *e, size_t n, bool davis) {
  tg_str(o, "#!AER-DAT2.0\r\n# This is a raw AE data file - do not edit\r\n"
            "# Data format is int32 address, int32 timestamp (8 bytes total)\r\n"
            "# Timestamps tick is 1 us\r\n");
  tg_str(o, davis ? "# AEChip: eu.seebetter.ini.chips.davis.DAVIS240C\r\n"
                  : "# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\r\n");
  tg_str(o, "#End Of ASCII Header\r\n");
  for (size_t i = 0; i < n; i++) {
    uint32_t ts = (uint32_t)e[i].t_us;
    if (i % 7 == 3) { /* a record to skip */
      tg_be32(o, davis ? (i % 2 ? 0x80000000u | 0x123u : (1u << 10) | (5u << 12)) : 0x8000u | 7u);
      tg_be32(o, ts);
    }
    uint32_t a = davis ? (uint32_t)e[i].y << 22 | (uint32_t)e[i].x << 12 | (uint32_t)e[i].p << 11
                       : (uint32_t)e[i].y << 8 | (uint32_t)e[i].x << 1 | (uint32_t)(1 - e[i].p);
    tg_be32(o, a);
    tg_be32(o, ts);
  }
}

/* ---- AEDAT 3.1 -------------------------------------------------------------------- */

static inline void tg_aedat3_header(tg_buf *o) {
  tg_str(o, "#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n"
            "#Start-Time: 2017-01-01 12:00:00 (TZ+0000)\r\n#!END-HEADER\r\n");
}

/* The 28-byte packet header. */
static inline void tg_aedat3_pkt(tg_buf *o, int type, int size, int tsoff, int32_t ovf,
                                 int32_t cap, int32_t num, int32_t valid) {
  tg_le16(o, (unsigned)type);
  tg_le16(o, 1); /* source */
  tg_le32(o, (uint32_t)size);
  tg_le32(o, (uint32_t)tsoff);
  tg_le32(o, (uint32_t)ovf);
  tg_le32(o, (uint32_t)cap);
  tg_le32(o, (uint32_t)num);
  tg_le32(o, (uint32_t)valid);
}

/* Polarity packets of at most per_pkt events (a new packet whenever the
 * timestamp overflow counter t >> 31 changes); each packet also holds one
 * invalid event and two unused slots. A special-event packet and an IMU6
 * packet come between polarity packets. */
static inline void tg_aedat3(tg_buf *o, const dvs_event *e, size_t n, size_t per_pkt) {
  tg_aedat3_header(o);
  size_t i = 0, pk = 0;
  while (i < n) {
    int32_t ovf = (int32_t)(e[i].t_us >> 31);
    size_t j = i;
    while (j < n && j - i < per_pkt && (int32_t)(e[j].t_us >> 31) == ovf) j++;
    int32_t num = (int32_t)(j - i) + 1;
    tg_aedat3_pkt(o, 1, 8, 4, ovf, num + 2, num, num - 1);
    for (size_t k = i; k < j; k++) {
      if (k == i + (j - i) / 2) { /* an invalid event (valid bit 0) */
        tg_le32(o, (uint32_t)(e[k].x ^ 1) << 17 | (uint32_t)e[k].y << 2 | 1u << 1);
        tg_le32(o, (uint32_t)(e[k].t_us & 0x7fffffff));
      }
      tg_le32(o, (uint32_t)e[k].x << 17 | (uint32_t)e[k].y << 2 | (uint32_t)e[k].p << 1 | 1u);
      tg_le32(o, (uint32_t)(e[k].t_us & 0x7fffffff));
    }
    for (int k = 0; k < 16; k++) tg_u8(o, 0xEE); /* two unused slots */
    if (pk++ % 2 == 0) { /* special events: a timestamp wrap, an external input */
      tg_aedat3_pkt(o, 0, 8, 4, ovf, 2, 2, 2);
      tg_le32(o, 0u << 1 | 1u), tg_le32(o, 0);
      tg_le32(o, 2u << 1 | 1u), tg_le32(o, 5);
    } else { /* IMU6: 36-byte events, timestamp at 32 */
      tg_aedat3_pkt(o, 3, 36, 32, ovf, 1, 1, 1);
      for (int k = 0; k < 36; k++) tg_u8(o, (unsigned)k);
    }
    i = j;
  }
}

/* ---- AEDAT 4.0 ------------------------------------------------------------------------ */

enum { TG_A4_NONE = 0, TG_A4_LZ4 = 1, TG_A4_ZSTD = 3 };

static inline void tg_a4_payload(tg_buf *o, const tg_buf *raw, int comp) {
  if (comp == TG_A4_NONE) {
    tg_put(o, raw->b, raw->n);
    return;
  }
  size_t cap = comp == TG_A4_LZ4 ? LZ4F_compressFrameBound(raw->n, NULL)
                                 : ZSTD_compressBound(raw->n);
  unsigned char *c = malloc(cap);
  size_t k = comp == TG_A4_LZ4 ? LZ4F_compressFrame(c, cap, raw->b, raw->n, NULL)
                               : ZSTD_compress(c, cap, raw->b, raw->n, 3);
  if (comp == TG_A4_LZ4 ? LZ4F_isError(k) : ZSTD_isError(k)) abort();
  tg_put(o, c, k);
  free(c);
}

/* A packet: stream id, size, payload (raw compressed as comp). */
static inline void tg_a4_packet(tg_buf *o, int32_t id, const tg_buf *raw, int comp) {
  tg_buf c = {0};
  tg_a4_payload(&c, raw, comp);
  tg_le32(o, (uint32_t)id);
  tg_le32(o, (uint32_t)c.n);
  tg_put(o, c.b, c.n);
  tg_free(&c);
}

/* The size-prefixed EventPacket flatbuffer of n events. */
static inline void tg_a4_events(tg_buf *raw, const dvs_event *e, size_t n) {
  tg_le32(raw, (uint32_t)(28 + 16 * n)); /* size prefix: bytes after it */
  tg_le32(raw, 16);                      /* root table at 20 */
  tg_str(raw, "EVTS");
  tg_le16(raw, 6), tg_le16(raw, 8), tg_le16(raw, 4); /* vtable at 12: 1 field at +4 */
  tg_le16(raw, 0);                                   /* pad to 20 */
  tg_le32(raw, 8);                                   /* table: vtable at 20 - 8 */
  tg_le32(raw, 4);                                   /* elements: vector at 28 */
  tg_le32(raw, (uint32_t)n);
  for (size_t i = 0; i < n; i++) {
    tg_le64(raw, (uint64_t)e[i].t_us);
    tg_le16(raw, e[i].x), tg_le16(raw, e[i].y);
    tg_u8(raw, e[i].p), tg_u8(raw, 0), tg_le16(raw, 0);
  }
}

/* Events in packets of per_pkt on stream evts_id (an IMU packet on stream 0
 * after every event packet), compression comp, and a file data table after
 * the packets if table. */
static inline void tg_aedat4(tg_buf *o, const dvs_event *e, size_t n, size_t per_pkt, int comp,
                             int32_t evts_id, unsigned w, unsigned h, bool table) {
  char xml[2048];
  snprintf(xml, sizeof xml,
           "<dv version=\"2.0\">\n    <node name=\"outInfo\" path=\"/mainloop/Recorder/outInfo/\">\n"
           "        <node name=\"0\" path=\"/mainloop/Recorder/outInfo/0/\">\n"
           "            <attr key=\"typeIdentifier\" type=\"string\">IMUS</attr>\n"
           "            <node name=\"info\" path=\"/mainloop/Recorder/outInfo/0/info/\">\n"
           "                <attr key=\"source\" type=\"string\">TEST_IMU</attr>\n"
           "            </node>\n        </node>\n"
           "        <node name=\"%d\" path=\"/mainloop/Recorder/outInfo/%d/\">\n"
           "            <attr key=\"compression\" type=\"string\">X</attr>\n"
           "            <attr key=\"typeIdentifier\" type=\"string\">EVTS</attr>\n"
           "            <node name=\"info\" path=\"/mainloop/Recorder/outInfo/%d/info/\">\n"
           "                <attr key=\"sizeX\" type=\"int\">%u</attr>\n"
           "                <attr key=\"sizeY\" type=\"int\">%u</attr>\n"
           "                <attr key=\"source\" type=\"string\">DVXplorer_TEST</attr>\n"
           "            </node>\n        </node>\n    </node>\n</dv>\n",
           evts_id, evts_id, evts_id, w, h);
  size_t xl = strlen(xml);
  tg_buf hd = {0};
  tg_le32(&hd, 20);                  /* root table at 20 */
  tg_str(&hd, "IOHE");
  tg_le16(&hd, 10), tg_le16(&hd, 20); /* vtable at 8: 3 fields, table of 20 bytes */
  tg_le16(&hd, 4), tg_le16(&hd, 12), tg_le16(&hd, 8);
  tg_le16(&hd, 0);                    /* pad to 20 */
  tg_le32(&hd, 12);                   /* table at 20, vtable at 8 */
  tg_le32(&hd, (uint32_t)comp);       /* 24: compression */
  tg_le32(&hd, 12);                   /* 28: description string at 40 */
  tg_le64(&hd, 0);                    /* 32: data table position, patched below */
  tg_le32(&hd, (uint32_t)xl);         /* 40: the string */
  tg_put(&hd, xml, xl + 1);
  while (hd.n % 4) tg_u8(&hd, 0);
  size_t hstart = o->n;
  tg_str(o, "#!AER-DAT4.0\r\n");
  tg_le32(o, (uint32_t)hd.n);
  size_t tpos_at = o->n + 32;
  tg_put(o, hd.b, hd.n);
  tg_free(&hd);
  for (size_t i = 0; i < n || i == 0; i += per_pkt) {
    size_t k = n - i < per_pkt ? n - i : per_pkt;
    tg_buf raw = {0};
    tg_a4_events(&raw, e + i, k);
    tg_a4_packet(o, evts_id, &raw, comp);
    tg_free(&raw);
    tg_buf imu = {0};
    for (int b = 0; b < 100; b++) tg_u8(&imu, (unsigned)(b * 7));
    tg_a4_packet(o, 0, &imu, comp);
    tg_free(&imu);
    if (n == 0) break;
  }
  uint64_t tpos = table ? (uint64_t)(o->n - hstart) : UINT64_MAX; /* -1: no table */
  for (int i = 0; i < 8; i++) o->b[tpos_at + (size_t)i] = (unsigned char)(tpos >> (8 * i));
  if (table) {
    tg_buf t = {0};
    for (int b = 0; b < 64; b++) tg_u8(&t, (unsigned)b);
    tg_a4_payload(o, &t, comp);
    tg_free(&t);
  }
}

/* ---- N-MNIST ---------------------------------------------------------------------------- */

/* 5-byte records; an overflow marker (y 240) each time t would not fit 23 bits
 * (each marker adds 2^13 us, as the reference reader counts them). */
static inline void tg_nmnist(tg_buf *o, const dvs_event *e, size_t n) {
  int64_t ovf = 0;
  for (size_t i = 0; i < n; i++) {
    while (e[i].t_us - ovf >= (1 << 23)) {
      unsigned char m[5] = {0, 240, 0, 0, 0};
      tg_put(o, m, 5);
      ovf += 8192;
    }
    uint32_t t = (uint32_t)(e[i].t_us - ovf);
    unsigned char r[5] = {(unsigned char)e[i].x, (unsigned char)e[i].y,
                          (unsigned char)((unsigned)e[i].p << 7 | (t >> 16 & 0x7f)),
                          (unsigned char)(t >> 8), (unsigned char)t};
    tg_put(o, r, 5);
  }
}

/* ---- Prophesee ------------------------------------------------------------------------- */

static inline void tg_evt2(tg_buf *o, const dvs_event *e, size_t n, bool header) {
  if (header)
    tg_str(o, "% Date 2020-09-25 07:48:31\n% plugin_name hal_plugin_gen3_fx3\n"
              "% geometry 640x480\n% evt 2.0\n% end\n");
  bool have = false;
  uint64_t th = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t t = (uint64_t)e[i].t_us;
    if (!have || t >> 6 != th) {
      th = t >> 6;
      have = true;
      tg_le32(o, 0x8u << 28 | (uint32_t)(th & 0xfffffff));
    }
    tg_le32(o, (uint32_t)e[i].p << 28 | (uint32_t)(t & 63) << 22 | (uint32_t)e[i].x << 11 |
                   e[i].y);
  }
}

/* EVT 3.0: runs of events with the same t, y and p and increasing x within
 * 12 of the run's first become VECT_BASE_X + VECT_12 (or VECT_8) words. */
static inline void tg_evt3(tg_buf *o, const dvs_event *e, size_t n, bool header) {
  if (header)
    tg_str(o, "% Date 2020-09-25 07:48:29\n% evt 3.0\n% plugin_name hal_plugin_gen41_evk3\n"
              "% geometry 1280x720\n% end\n");
  int64_t th = -1, tl = -1;
  int y = -1;
  for (size_t i = 0; i < n;) {
    uint64_t t = (uint64_t)e[i].t_us;
    if ((int64_t)(t >> 12) != th) {
      th = (int64_t)(t >> 12);
      tg_le16(o, 0x8u << 12 | (unsigned)(th & 0xfff));
      tl = -1;
    }
    if ((int64_t)(t & 0xfff) != tl) {
      tl = (int64_t)(t & 0xfff);
      tg_le16(o, 0x6u << 12 | (unsigned)tl);
    }
    if (e[i].y != y) {
      y = e[i].y;
      tg_le16(o, 0x0u << 12 | (unsigned)y);
    }
    size_t j = i + 1;
    while (j < n && e[j].t_us == e[i].t_us && e[j].y == e[i].y && e[j].p == e[i].p &&
           e[j].x > e[j - 1].x && e[j].x < e[i].x + 12)
      j++;
    if (j - i == 1) {
      tg_le16(o, 0x2u << 12 | (unsigned)e[i].p << 11 | e[i].x);
    } else {
      unsigned mask = 0, span = (unsigned)(e[j - 1].x - e[i].x);
      for (size_t k = i; k < j; k++) mask |= 1u << (e[k].x - e[i].x);
      tg_le16(o, 0x3u << 12 | (unsigned)e[i].p << 11 | e[i].x);
      tg_le16(o, (span < 8 ? 0x5u : 0x4u) << 12 | mask);
    }
    i = j;
  }
}

static inline void tg_dat(tg_buf *o, const dvs_event *e, size_t n, unsigned w, unsigned h) {
  char hd[256];
  snprintf(hd, sizeof hd, "%% Data file containing Event2D events.\n%% Version 2\n"
           "%% Width %u\n%% Height %u\n%% Date 2017-10-31 11:29:21\n", w, h);
  tg_str(o, hd);
  tg_u8(o, 0);
  tg_u8(o, 8);
  for (size_t i = 0; i < n; i++) {
    tg_le32(o, (uint32_t)e[i].t_us);
    tg_le32(o, (uint32_t)e[i].p << 28 | (uint32_t)e[i].y << 14 | e[i].x);
  }
}

/* A file of format f holding e[0..n) (sensor w x h where the format states one). */
static inline void tg_format(tg_buf *o, dvs_format f, const dvs_event *e, size_t n, unsigned w,
                             unsigned h) {
  switch (f) {
    case DVS_AEDAT2: tg_aedat2(o, e, n, w != 128); break;
    case DVS_AEDAT3: tg_aedat3(o, e, n, 100); break;
    case DVS_AEDAT4: tg_aedat4(o, e, n, 500, TG_A4_LZ4, 1, w, h, true); break;
    case DVS_NMNIST: tg_nmnist(o, e, n); break;
    case DVS_EVT2: tg_evt2(o, e, n, true); break;
    case DVS_EVT3: tg_evt3(o, e, n, true); break;
    case DVS_DAT: tg_dat(o, e, n, w, h); break;
    default: abort();
  }
}

#endif
