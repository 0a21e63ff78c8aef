/* dvs_aedat.c: the AEDAT family: 2.0 (jAER, big-endian address/timestamp
 * pairs), 3.1 (cAER packets with a timestamp overflow counter) and 4.0 (DV:
 * flatbuffer packets, LZ4 or Zstd compressed, decompressed as a stream). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LZ4F_STATIC_LINKING_ONLY
#define ZSTD_STATIC_LINKING_ONLY
#include <lz4.h>
#include <lz4frame.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "sim/dvs/dvs_int.h"

/* ---- shared --------------------------------------------------------------------- */

/* The first line must be the version line "#!AER-DAT<version>". */
static nmsim_status aedat_version_line(dvs_reader *r, const char *const *ok, size_t n_ok,
                                       char *line, size_t cap, nmsim_err *err) {
  bool got;
  nmsim_status rc = dvs_line(r, '#', line, cap, &got, err);
  if (rc) return rc;
  for (size_t i = 0; got && i < n_ok; i++)
    if (!strcmp(line, ok[i])) return NMSIM_OK;
  return DVS_BAD(r, err, 0, "expected the version line '#%s' first", ok[0]);
}

/* ---- AEDAT 2.0 -------------------------------------------------------------------- */

typedef enum { A2_DVS128, A2_DAVIS } a2_layout;

typedef struct a2_state {
  a2_layout layout;
  bool have_prev;
  uint32_t prev;   /* last timestamp */
  uint64_t wraps;  /* 2^32 µs wraps so far */
} a2_state;

static nmsim_status a2_start(dvs_reader *r, nmsim_err *err) {
  static const char *const ok[] = {"!AER-DAT2.0"};
  a2_state *s = r->st;
  char line[DVS_LINE_MAX], chip[DVS_LINE_MAX] = "";
  nmsim_status rc = aedat_version_line(r, ok, 1, line, sizeof line, err);
  if (rc) return rc;
  for (;;) {
    bool got;
    if ((rc = dvs_line(r, '#', line, sizeof line, &got, err))) return rc;
    if (!got) break;
    const char *k = line;
    while (*k == ' ') k++;
    if (!strncmp(k, "AEChip:", 7)) {
      k += 7;
      while (*k == ' ') k++;
      dvs_strcpy(chip, sizeof chip, k);
    }
  }
  /* The chip class selects the address layout (jAER's DVS128 and DavisChip
   * extractors); a file without one is read as DVS128, the oldest layout. */
  uint32_t w = 128, h = 128;
  const char *cls = strrchr(chip, '.') ? strrchr(chip, '.') + 1 : chip;
  bool davis = false;
  for (const char *c = cls; *c; c++)
    if (!strncmp(c, "Davis", 5) || !strncmp(c, "DAVIS", 5) || !strncmp(c, "davis", 5))
      davis = true;
  if (davis) {
    s->layout = A2_DAVIS;
    if (!dvs_sensor_size(cls, &w, &h)) w = h = 0;
  } else if (!chip[0] || strstr(cls, "DVS128") || strstr(cls, "Tmpdiff128")) {
    s->layout = A2_DVS128;
  } else {
    return DVS_BAD(r, err, 0, "AEChip '%s' has an address layout nmsim does not know "
                              "(supported: DVS128/Tmpdiff128 and the DAVIS family)", chip);
  }
  r->info.width = w;
  r->info.height = h;
  dvs_strcpy(r->info.sensor, sizeof r->info.sensor, chip[0] ? cls : "");
  r->info.data_offset = dvs_pos(r, r->p);
  return NMSIM_OK;
}

static nmsim_status a2_read(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n,
                            nmsim_err *err) {
  a2_state *s = r->st;
  nmsim_status rc;
  if (dvs_avail(r) < 8) {
    if ((rc = dvs_fill(r, 8, err))) return rc;
    if (dvs_avail(r) == 0) return r->done = true, NMSIM_OK;
    if (dvs_avail(r) < 8)
      return DVS_BAD(r, err, dvs_pos(r, r->p), "truncated event: %zu of 8 bytes", dvs_avail(r));
  }
  const unsigned char *p = r->p, *end = p + (dvs_avail(r) & ~(size_t)7);
  size_t k = 0;
  while (k < cap && p < end) {
    uint32_t a = dvs_be32(p), t = dvs_be32(p + 4);
    p += 8;
    /* a drop of more than 2^31 is the 32-bit counter wrapping ("big wrap") */
    if (s->have_prev && t < s->prev && s->prev - t > (1u << 31)) s->wraps++;
    s->prev = t;
    s->have_prev = true;
    int64_t tu = (int64_t)(s->wraps << 32 | t);
    if (s->layout == A2_DVS128) {
      if (a & 0x8000) continue; /* sync/special event */
      ev[k++] = (dvs_event){.t_us = tu, .x = (uint16_t)(a >> 1 & 0x7f),
                            .y = (uint16_t)(a >> 8 & 0x7f), .p = (uint8_t)(1 - (a & 1))};
    } else {
      if (a & 0x80000000u) continue; /* APS, ADC or IMU sample */
      if (a & 0x400) continue;       /* external input event */
      ev[k++] = (dvs_event){.t_us = tu, .x = (uint16_t)(a >> 12 & 0x3ff),
                            .y = (uint16_t)(a >> 22 & 0x1ff), .p = (uint8_t)(a >> 11 & 1)};
    }
  }
  r->p = p;
  *n = k;
  return NMSIM_OK;
}

const dvs_ops dvs_aedat2_ops = {
    .state_size = sizeof(a2_state),
    .start = a2_start,
    .read = a2_read,
    .fini = NULL,
};

/* ---- AEDAT 3.1 -------------------------------------------------------------------- */

#define A3_HEADER 28
#define A3_POLARITY 1

typedef struct a3_state {
  uint64_t pkt_at;    /* offset of the current packet header */
  uint64_t left;      /* polarity events of the current packet still to decode */
  uint64_t skip;      /* bytes to skip after them */
  int64_t ovf;        /* the packet's timestamp overflow counter, shifted (<< 31) */
} a3_state;

static nmsim_status a3_start(dvs_reader *r, nmsim_err *err) {
  static const char *const ok[] = {"!AER-DAT3.1", "!AER-DAT3.0"};
  char line[DVS_LINE_MAX];
  nmsim_status rc = aedat_version_line(r, ok, 2, line, sizeof line, err);
  if (rc) return rc;
  bool v31 = !strcmp(line, ok[0]), ended = false;
  for (;;) {
    bool got;
    uint64_t at = dvs_pos(r, r->p);
    if ((rc = dvs_line(r, '#', line, sizeof line, &got, err))) return rc;
    if (!got) break;
    if (!strcmp(line, "!END-HEADER")) {
      ended = true;
      break;
    }
    if (!strncmp(line, "Format:", 7)) {
      const char *v = line + 7;
      while (*v == ' ') v++;
      if (strcmp(v, "RAW"))
        return DVS_BAD(r, err, at, "AEDAT 3 format '%s' is not supported (RAW is)", v);
    } else if (!strncmp(line, "Source ", 7) && !r->info.sensor[0]) {
      const char *v = strchr(line, ':');
      if (v) {
        for (v++; *v == ' '; v++) {}
        dvs_strcpy(r->info.sensor, sizeof r->info.sensor, v);
        uint32_t w, h;
        if (dvs_sensor_size(v, &w, &h)) r->info.width = w, r->info.height = h;
      }
    }
  }
  if (v31 && !ended)
    return DVS_BAD(r, err, dvs_pos(r, r->p), "the AEDAT 3.1 header has no '#!END-HEADER' line");
  r->info.data_offset = dvs_pos(r, r->p);
  return NMSIM_OK;
}

static inline int32_t a3_i32(const unsigned char *p) { return (int32_t)dvs_le32(p); }

/* Read the next packet header; sets left/skip, or r->done at the end. */
static nmsim_status a3_packet(dvs_reader *r, a3_state *s, nmsim_err *err) {
  nmsim_status rc = dvs_fill(r, A3_HEADER, err);
  if (rc) return rc;
  uint64_t at = dvs_pos(r, r->p);
  if (dvs_avail(r) == 0) return r->done = true, NMSIM_OK;
  if (dvs_avail(r) < A3_HEADER)
    return DVS_BAD(r, err, at, "truncated packet header: %zu of %d bytes", dvs_avail(r),
                   A3_HEADER);
  const unsigned char *h = r->p;
  int type = (int16_t)dvs_le16(h);
  int32_t size = a3_i32(h + 4), tsoff = a3_i32(h + 8), ovf = a3_i32(h + 12),
          capacity = a3_i32(h + 16), number = a3_i32(h + 20), valid = a3_i32(h + 24);
  if (size <= 0 || tsoff < 0 || tsoff > size - 4)
    return DVS_BAD(r, err, at, "packet header: event size %d with timestamp offset %d", size,
                   tsoff);
  if (capacity < 0 || number < 0 || number > capacity || valid < 0 || valid > number)
    return DVS_BAD(r, err, at, "packet header: capacity %d, number %d, valid %d are not "
                               "0 <= valid <= number <= capacity", capacity, number, valid);
  if (ovf < 0) return DVS_BAD(r, err, at + 12, "negative timestamp overflow counter %d", ovf);
  r->p += A3_HEADER;
  s->pkt_at = at;
  if (type == A3_POLARITY) {
    if (size != 8 || tsoff != 4)
      return DVS_BAD(r, err, at, "polarity packet with event size %d and timestamp offset %d "
                                 "(expected 8 and 4)", size, tsoff);
    s->left = (uint64_t)number;
    s->skip = (uint64_t)(capacity - number) * 8;
    s->ovf = (int64_t)((uint64_t)ovf << 31);
  } else {
    s->left = 0;
    s->skip = (uint64_t)capacity * (uint64_t)size;
  }
  return NMSIM_OK;
}

static nmsim_status a3_read(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n,
                            nmsim_err *err) {
  a3_state *s = r->st;
  nmsim_status rc = NMSIM_OK;
  size_t k = 0;
  while (k < cap && !r->done) {
    if (s->left == 0) {
      if (s->skip) {
        uint64_t want = s->skip, got;
        if ((rc = dvs_skip(r, want, &got, err))) break;
        s->skip = 0;
        if (got < want) {
          rc = DVS_BAD(r, err, s->pkt_at, "truncated packet: %llu bytes of payload missing",
                       (unsigned long long)(want - got));
          break;
        }
      }
      if ((rc = a3_packet(r, s, err))) break;
      continue;
    }
    if (dvs_avail(r) < 8) {
      if ((rc = dvs_fill(r, 8, err))) break;
      if (dvs_avail(r) < 8) {
        rc = DVS_BAD(r, err, dvs_pos(r, r->p), "truncated packet (header at byte %llu): %llu "
                     "events missing", (unsigned long long)s->pkt_at,
                     (unsigned long long)s->left);
        break;
      }
    }
    const unsigned char *p = r->p;
    uint64_t m = dvs_avail(r) / 8;
    if (m > s->left) m = s->left;
    for (const unsigned char *end = p + 8 * m; p < end && k < cap; p += 8) {
      uint32_t d = dvs_le32(p), ts = dvs_le32(p + 4);
      if (!(d & 1)) continue; /* not valid */
      ev[k++] = (dvs_event){.t_us = s->ovf | (int64_t)(ts & 0x7fffffffu),
                            .x = (uint16_t)(d >> 17 & 0x7fff),
                            .y = (uint16_t)(d >> 2 & 0x7fff),
                            .p = (uint8_t)(d >> 1 & 1)};
    }
    s->left -= (uint64_t)(p - r->p) / 8;
    r->p = p;
  }
  *n = k;
  return rc;
}

const dvs_ops dvs_aedat3_ops = {
    .state_size = sizeof(a3_state),
    .start = a3_start,
    .read = a3_read,
    .fini = NULL,
};

/* ---- AEDAT 4.0 ---------------------------------------------------------------------- */

#define A4_MAGIC "#!AER-DAT4.0\r\n"
#define A4_MAGIC_LEN 14
#define A4_IOHEADER_MAX (1u << 20)  /* IOHeader bytes accepted */
#define A4_OBUF (64u * 1024u)       /* decompressed bytes at a time */
#define A4_HEAD_MAX 4096u           /* a packet's flatbuffer header must lie within this */
#define A4_EVENT 16                 /* bytes per Event struct */
#define A4_ZSTD_WINDOW_LOG 24       /* Zstd window limit: 16 MiB */

enum { A4_HEAD, A4_EVENTS, A4_TAIL };
enum { A4_NONE, A4_LZ4, A4_LZ4_HIGH, A4_ZSTD, A4_ZSTD_HIGH };

typedef struct a4_state {
  int compression;
  int64_t table_pos;      /* offset of the file data table; -1 if none */
  int32_t evts_id;        /* stream id of the events */
  LZ4F_dctx *lz4;
  ZSTD_DCtx *zstd;
  unsigned char *obuf;    /* A4_OBUF decompressed bytes */
  size_t o_pos, o_end;
  /* the event packet being read */
  bool in_pkt;
  uint64_t pkt_at;        /* file offset of its payload */
  uint64_t c_size, c_left;/* compressed payload size and bytes not yet read */
  bool frame_done;
  uint64_t d_pos, d_total;/* decompressed bytes parsed; total (4 + size prefix) */
  int phase;
  unsigned char head[A4_HEAD_MAX];
  size_t head_fill, head_need;
  uint64_t ev_left;
  unsigned char carry[A4_EVENT];
  size_t carry_n;
} a4_state;

static void *a4_alloc(void *opaque, size_t n) {
  (void)opaque;
  return nm_malloc(n);
}
#if LZ4_VERSION_NUMBER >= 10904
static void *a4_calloc(void *opaque, size_t n) {
  (void)opaque;
  return nm_calloc(1, n);
}
#endif
static void a4_free(void *opaque, void *p) {
  (void)opaque;
  nm_free(p);
}

/* Minimal bounds-checked flatbuffer access over the IOHeader bytes. */
typedef struct fb_view {
  const unsigned char *b;
  uint64_t len, table, vt, vsize, tsize;
} fb_view;

static bool fb_table(fb_view *f, uint64_t root) {
  if (root + 4 > f->len) return false;
  int64_t vt = (int64_t)root - (int32_t)dvs_le32(f->b + root);
  if (vt < 0 || (uint64_t)vt + 4 > f->len) return false;
  f->table = root;
  f->vt = (uint64_t)vt;
  f->vsize = dvs_le16(f->b + vt);
  f->tsize = dvs_le16(f->b + vt + 2);
  return f->vsize >= 4 && !(f->vsize & 1) && f->vt + f->vsize <= f->len &&
         f->table + f->tsize <= f->len && f->tsize >= 4;
}

/* Offset of field i (bytes wide) in the table, 0 if absent, UINT64_MAX if bad. */
static uint64_t fb_field(const fb_view *f, unsigned i, unsigned bytes) {
  if (4 + 2 * (uint64_t)i + 2 > f->vsize) return 0;
  uint64_t off = dvs_le16(f->b + f->vt + 4 + 2 * i);
  if (!off) return 0;
  return off + bytes <= f->tsize ? f->table + off : UINT64_MAX;
}

/* Value of the XML attribute key (`key="NAME" ...>VALUE<`) after from and
 * before stop, copied to out; false if absent. */
static bool xml_attr(const char *from, const char *stop, const char *name, char *out,
                     size_t cap) {
  char pat[64];
  snprintf(pat, sizeof pat, "key=\"%s\"", name);
  const char *a = strstr(from, pat);
  if (!a || (stop && a > stop)) return false;
  const char *gt = strchr(a, '>'), *lt = gt ? strchr(gt, '<') : NULL;
  if (!lt) return false;
  size_t n = (size_t)(lt - gt - 1);
  if (n >= cap) n = cap - 1;
  memcpy(out, gt + 1, n);
  out[n] = 0;
  return true;
}

/* Find the event stream in the description XML: its id, size and source. */
static bool a4_streams(dvs_reader *r, a4_state *s, const char *xml) {
  for (const char *q = xml; (q = strstr(q, "key=\"typeIdentifier\"")); q++) {
    const char *gt = strchr(q, '>');
    if (!gt || strncmp(gt + 1, "EVTS<", 5)) continue;
    const char *node = NULL;
    for (const char *c = xml; (c = strstr(c, "<node name=\"")) && c < q; c++) node = c;
    if (!node) return false;
    char *e;
    long id = strtol(node + 12, &e, 10);
    if (e == node + 12 || *e != '"' || id < 0 || id > INT32_MAX) return false;
    s->evts_id = (int32_t)id;
    const char *next = strstr(gt, "key=\"typeIdentifier\"");
    char v[64];
    if (xml_attr(gt, next, "sizeX", v, sizeof v)) r->info.width = (uint32_t)strtoul(v, NULL, 10);
    if (xml_attr(gt, next, "sizeY", v, sizeof v)) r->info.height = (uint32_t)strtoul(v, NULL, 10);
    if (xml_attr(gt, next, "source", v, sizeof v))
      dvs_strcpy(r->info.sensor, sizeof r->info.sensor, v);
    if (r->info.width > 65536 || r->info.height > 65536) r->info.width = r->info.height = 0;
    return true;
  }
  return false;
}

static nmsim_status a4_ioheader(dvs_reader *r, a4_state *s, const unsigned char *h, uint32_t len,
                                nmsim_err *err) {
  fb_view f = {.b = h, .len = len};
  if (len < 8 || memcmp(h + 4, "IOHE", 4) || !fb_table(&f, dvs_le32(h)))
    return DVS_BAD(r, err, 18, "the IOHeader is not an IOHE flatbuffer");
  uint64_t fc = fb_field(&f, 0, 4), fp = fb_field(&f, 1, 8), fd = fb_field(&f, 2, 4);
  if (fc == UINT64_MAX || fp == UINT64_MAX || fd == UINT64_MAX)
    return DVS_BAD(r, err, 18, "IOHeader field outside its table");
  s->compression = fc ? (int32_t)dvs_le32(h + fc) : A4_NONE;
  s->table_pos = fp ? (int64_t)dvs_le64(h + fp) : -1;
  if (s->compression < A4_NONE || s->compression > A4_ZSTD_HIGH)
    return DVS_BAD(r, err, 18 + fc, "unknown compression %d (0 none, 1-2 LZ4, 3-4 Zstd)",
                   s->compression);
  uint64_t data_at = 18 + (uint64_t)len;
  if (s->table_pos < -1 || (s->table_pos >= 0 && (uint64_t)s->table_pos < data_at))
    return DVS_BAD(r, err, 18 + fp, "file data table position %lld lies before the packets",
                   (long long)s->table_pos);
  uint64_t sp = fd ? fd + dvs_le32(h + fd) : 0;
  if (!fd || sp + 4 > len || dvs_le32(h + sp) > len - sp - 4)
    return DVS_BAD(r, err, 18, "the IOHeader has no stream description");
  uint32_t sl = dvs_le32(h + sp);
  char *xml = nm_malloc((size_t)sl + 1);
  if (!xml) return NMSIM_ENOMEM_ERR(err);
  memcpy(xml, h + sp + 4, sl);
  xml[sl] = 0;
  bool found = a4_streams(r, s, xml);
  nm_free(xml);
  if (!found)
    return DVS_BAD(r, err, 18 + sp, "the description declares no event stream "
                                    "(typeIdentifier EVTS)");
  return NMSIM_OK;
}

static void a4_fini(dvs_reader *r) {
  a4_state *s = r->st;
  if (s->lz4) LZ4F_freeDecompressionContext(s->lz4);
  if (s->zstd) ZSTD_freeDCtx(s->zstd);
  nm_free(s->obuf);
  s->lz4 = NULL;
  s->zstd = NULL;
  s->obuf = NULL;
}

static nmsim_status a4_start(dvs_reader *r, nmsim_err *err) {
  a4_state *s = r->st;
  nmsim_status rc = dvs_fill(r, A4_MAGIC_LEN + 4, err);
  if (rc) return rc;
  if (dvs_avail(r) < A4_MAGIC_LEN || memcmp(r->p, A4_MAGIC, A4_MAGIC_LEN))
    return DVS_BAD(r, err, 0, "expected the AEDAT 4.0 magic '#!AER-DAT4.0\\r\\n'");
  if (dvs_avail(r) < A4_MAGIC_LEN + 4)
    return DVS_BAD(r, err, A4_MAGIC_LEN, "the file ends before the IOHeader length");
  uint32_t len = dvs_le32(r->p + A4_MAGIC_LEN);
  if (len < 8 || len > A4_IOHEADER_MAX)
    return DVS_BAD(r, err, A4_MAGIC_LEN, "IOHeader length %u (expected 8 to %u)", len,
                   A4_IOHEADER_MAX);
  r->p += A4_MAGIC_LEN + 4;
  unsigned char *h = nm_malloc(len);
  if (!h) return NMSIM_ENOMEM_ERR(err);
  size_t got = 0;
  while (got < len) {
    if (dvs_avail(r) == 0 && (rc = dvs_fill(r, len - got, err))) break;
    if (dvs_avail(r) == 0) {
      rc = DVS_BAD(r, err, dvs_pos(r, r->p), "the file ends inside the IOHeader (%zu of %u "
                   "bytes)", got, len);
      break;
    }
    size_t k = NM_MIN(dvs_avail(r), len - got);
    memcpy(h + got, r->p, k);
    r->p += k;
    got += k;
  }
  if (!rc) rc = a4_ioheader(r, s, h, len, err);
  nm_free(h);
  if (rc) return rc;
  if (!(s->obuf = nm_malloc(A4_OBUF))) return NMSIM_ENOMEM_ERR(err);
  if (s->compression == A4_LZ4 || s->compression == A4_LZ4_HIGH) {
#if LZ4_VERSION_NUMBER >= 10904
    LZ4F_CustomMem cm = {a4_alloc, a4_calloc, a4_free, NULL};
    s->lz4 = LZ4F_createDecompressionContext_advanced(cm, LZ4F_VERSION);
#else
    if (LZ4F_isError(LZ4F_createDecompressionContext(&s->lz4, LZ4F_VERSION))) s->lz4 = NULL;
#endif
    if (!s->lz4) return NMSIM_ENOMEM_ERR(err);
  } else if (s->compression != A4_NONE) {
    ZSTD_customMem zm = {a4_alloc, a4_free, NULL};
    if (!(s->zstd = ZSTD_createDCtx_advanced(zm))) return NMSIM_ENOMEM_ERR(err);
    ZSTD_DCtx_setParameter(s->zstd, ZSTD_d_windowLogMax, A4_ZSTD_WINDOW_LOG);
  }
  r->info.data_offset = dvs_pos(r, r->p);
  return NMSIM_OK;
}

/* Go to the next packet of the event stream, skipping the others; sets
 * s->in_pkt or r->done. */
static nmsim_status a4_next_packet(dvs_reader *r, a4_state *s, nmsim_err *err) {
  for (;;) {
    uint64_t at = dvs_pos(r, r->p);
    if (s->table_pos >= 0 && at == (uint64_t)s->table_pos) return r->done = true, NMSIM_OK;
    nmsim_status rc = dvs_fill(r, 8, err);
    if (rc) return rc;
    if (dvs_avail(r) == 0) {
      if (s->table_pos >= 0)
        return DVS_BAD(r, err, at, "the file ends before its file data table (at byte %lld)",
                       (long long)s->table_pos);
      return r->done = true, NMSIM_OK;
    }
    if (dvs_avail(r) < 8)
      return DVS_BAD(r, err, at, "truncated packet header: %zu of 8 bytes", dvs_avail(r));
    int32_t id = (int32_t)dvs_le32(r->p), size = (int32_t)dvs_le32(r->p + 4);
    if (size <= 0) return DVS_BAD(r, err, at + 4, "packet size %d (expected > 0)", size);
    if (s->table_pos >= 0 && at + 8 + (uint64_t)size > (uint64_t)s->table_pos)
      return DVS_BAD(r, err, at, "a packet of %d bytes runs into the file data table at byte "
                     "%lld", size, (long long)s->table_pos);
    r->p += 8;
    if (id != s->evts_id) {
      uint64_t got;
      if ((rc = dvs_skip(r, (uint64_t)size, &got, err))) return rc;
      if (got < (uint64_t)size)
        return DVS_BAD(r, err, at, "truncated packet: %d bytes declared, %llu present", size,
                       (unsigned long long)got);
      continue;
    }
    s->in_pkt = true;
    s->pkt_at = at + 8;
    s->c_size = s->c_left = (uint64_t)size;
    s->frame_done = false;
    s->d_pos = s->d_total = 0;
    s->phase = A4_HEAD;
    s->head_fill = 0;
    s->head_need = 12;
    s->ev_left = 0;
    s->carry_n = 0;
    s->o_pos = s->o_end = 0;
    if (s->lz4) LZ4F_resetDecompressionContext(s->lz4);
    if (s->zstd) ZSTD_DCtx_reset(s->zstd, ZSTD_reset_session_only);
    return NMSIM_OK;
  }
}

/* Decompress the next piece of the packet into obuf (which is empty). */
static nmsim_status a4_inflate(dvs_reader *r, a4_state *s, nmsim_err *err) {
  nmsim_status rc;
  if (s->c_left && dvs_avail(r) == 0 &&
      (rc = dvs_fill(r, (size_t)NM_MIN(s->c_left, (uint64_t)DVS_BUF_SIZE), err)))
    return rc;
  size_t in_n = (size_t)NM_MIN((uint64_t)dvs_avail(r), s->c_left), used = 0, made = 0;
  uint64_t at = dvs_pos(r, r->p);
  if (s->compression == A4_NONE) {
    used = made = NM_MIN(in_n, (size_t)A4_OBUF);
    memcpy(s->obuf, r->p, made);
    if (s->c_left == used) s->frame_done = true;
  } else if (s->lz4) {
    size_t dst = A4_OBUF, src = in_n;
    size_t ret = LZ4F_decompress(s->lz4, s->obuf, &dst, r->p, &src, NULL);
    if (LZ4F_isError(ret) && LZ4F_getErrorCode(ret) == LZ4F_ERROR_allocation_failed)
      return NMSIM_ENOMEM_ERR(err);
    if (LZ4F_isError(ret))
      return DVS_BAD(r, err, at, "event packet (payload at byte %llu): LZ4 frame: %s",
                     (unsigned long long)s->pkt_at, LZ4F_getErrorName(ret));
    used = src;
    made = dst;
    if (ret == 0) s->frame_done = true;
  } else {
    ZSTD_inBuffer ib = {r->p, in_n, 0};
    ZSTD_outBuffer ob = {s->obuf, A4_OBUF, 0};
    size_t ret = ZSTD_decompressStream(s->zstd, &ob, &ib);
    if (ZSTD_isError(ret) && ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation)
      return NMSIM_ENOMEM_ERR(err);
    if (ZSTD_isError(ret))
      return DVS_BAD(r, err, at, "event packet (payload at byte %llu): Zstd frame: %s",
                     (unsigned long long)s->pkt_at, ZSTD_getErrorName(ret));
    used = ib.pos;
    made = ob.pos;
    if (ret == 0) s->frame_done = true;
  }
  r->p += used;
  s->c_left -= used;
  s->o_pos = 0;
  s->o_end = made;
  if (s->frame_done && s->c_left)
    return DVS_BAD(r, err, dvs_pos(r, r->p), "event packet (payload at byte %llu): %llu bytes "
                   "after the end of its compressed frame", (unsigned long long)s->pkt_at,
                   (unsigned long long)s->c_left);
  if (used == 0 && made == 0) {
    if (s->c_left)
      return DVS_BAD(r, err, at, "truncated packet: %llu of its %llu bytes missing",
                     (unsigned long long)s->c_left, (unsigned long long)s->c_size);
    return DVS_BAD(r, err, s->pkt_at, "event packet: its compressed frame is incomplete");
  }
  return NMSIM_OK;
}

/* Locate the event vector in the packet's first bytes (head). Sets *need to
 * a larger head size if more bytes are needed, else 0 and ev_left. */
static nmsim_status a4_resolve(dvs_reader *r, a4_state *s, size_t *need, nmsim_err *err) {
  const unsigned char *h = s->head;
  uint64_t fill = s->head_fill;
#define A4_NEED(n)                                                                          \
  do {                                                                                      \
    uint64_t n_ = (n);                                                                      \
    if (n_ > s->d_total)                                                                    \
      return DVS_BAD(r, err, s->pkt_at, "event packet: flatbuffer offset %llu beyond its "  \
                     "%llu bytes", (unsigned long long)n_, (unsigned long long)s->d_total); \
    if (n_ > A4_HEAD_MAX)                                                                   \
      return DVS_BAD(r, err, s->pkt_at, "event packet: unsupported layout (event vector "   \
                     "header beyond decompressed byte %u)", A4_HEAD_MAX);                   \
    if (n_ > fill) return *need = (size_t)n_, NMSIM_OK;                                     \
  } while (0)
  *need = 0;
  s->d_total = 4 + (uint64_t)dvs_le32(h);
  A4_NEED(12);
  if (memcmp(h + 8, "EVTS", 4))
    return DVS_BAD(r, err, s->pkt_at, "event packet: identifier '%.4s' (expected EVTS)",
                   (const char *)h + 8);
  uint64_t root = 4 + (uint64_t)dvs_le32(h + 4);
  A4_NEED(root + 4);
  int64_t vt = (int64_t)root - (int32_t)dvs_le32(h + root);
  if (vt < 4) return DVS_BAD(r, err, s->pkt_at, "event packet: bad vtable offset");
  A4_NEED((uint64_t)vt + 4);
  uint64_t vsize = dvs_le16(h + vt), tsize = dvs_le16(h + vt + 2);
  if (vsize < 4 || (vsize & 1)) return DVS_BAD(r, err, s->pkt_at, "event packet: bad vtable");
  A4_NEED((uint64_t)vt + vsize);
  uint64_t f0 = vsize >= 6 ? dvs_le16(h + vt + 4) : 0;
  if (f0 == 0) { /* no elements: an empty packet */
    s->ev_left = 0;
    return NMSIM_OK;
  }
  if (f0 + 4 > tsize) return DVS_BAD(r, err, s->pkt_at, "event packet: field outside its table");
  A4_NEED(root + f0 + 4);
  uint64_t vec = root + f0 + dvs_le32(h + root + f0);
  A4_NEED(vec + 4);
  uint64_t count = dvs_le32(h + vec), first = vec + 4;
  if (first + count * A4_EVENT > s->d_total)
    return DVS_BAD(r, err, s->pkt_at, "event packet: %llu events run past its end",
                   (unsigned long long)count);
  if (fill > first)
    return DVS_BAD(r, err, s->pkt_at, "event packet: unsupported layout (table data after "
                                      "the event vector)");
#undef A4_NEED
  s->ev_left = count;
  return NMSIM_OK;
}

static nmsim_status a4_event(dvs_reader *r, a4_state *s, const unsigned char *q, dvs_event *e,
                             nmsim_err *err) {
  int16_t x = (int16_t)dvs_le16(q + 8), y = (int16_t)dvs_le16(q + 10);
  if (x < 0 || y < 0)
    return DVS_BAD(r, err, s->pkt_at, "event packet: negative coordinate (x %d, y %d)", x, y);
  *e = (dvs_event){.t_us = (int64_t)dvs_le64(q), .x = (uint16_t)x, .y = (uint16_t)y,
                   .p = q[12] != 0};
  return NMSIM_OK;
}

/* Parse decompressed bytes obuf[o_pos, o_end) into events. */
static nmsim_status a4_parse(dvs_reader *r, a4_state *s, dvs_event *ev, size_t cap, size_t *k,
                             nmsim_err *err) {
  nmsim_status rc;
  while (s->o_pos < s->o_end && *k < cap) {
    const unsigned char *q = s->obuf + s->o_pos;
    size_t avail = s->o_end - s->o_pos;
    if (s->phase == A4_HEAD) {
      size_t take = NM_MIN(avail, s->head_need - s->head_fill);
      memcpy(s->head + s->head_fill, q, take);
      s->head_fill += take;
      s->o_pos += take;
      s->d_pos += take;
      if (s->head_fill < s->head_need) continue;
      size_t need;
      if ((rc = a4_resolve(r, s, &need, err))) return rc;
      if (need) s->head_need = need;
      else s->phase = s->ev_left ? A4_EVENTS : A4_TAIL;
    } else if (s->phase == A4_EVENTS) {
      if (s->carry_n || avail < A4_EVENT) {
        size_t take = NM_MIN(avail, (size_t)A4_EVENT - s->carry_n);
        memcpy(s->carry + s->carry_n, q, take);
        s->carry_n += take;
        s->o_pos += take;
        s->d_pos += take;
        if (s->carry_n < A4_EVENT) continue;
        if ((rc = a4_event(r, s, s->carry, &ev[*k], err))) return rc;
        ++*k;
        s->carry_n = 0;
        s->ev_left--;
      } else {
        uint64_t m = NM_MIN((uint64_t)(avail / A4_EVENT), s->ev_left);
        m = NM_MIN(m, (uint64_t)(cap - *k));
        for (uint64_t i = 0; i < m; i++, q += A4_EVENT)
          if ((rc = a4_event(r, s, q, &ev[(*k)++], err))) return --*k, rc;
        s->o_pos += m * A4_EVENT;
        s->d_pos += m * A4_EVENT;
        s->ev_left -= m;
      }
      if (!s->ev_left) s->phase = A4_TAIL;
    } else {
      s->o_pos = s->o_end;
      s->d_pos += avail;
    }
    if (s->d_pos > s->d_total)
      return DVS_BAD(r, err, s->pkt_at, "event packet: more than the %llu bytes its size "
                     "prefix declares", (unsigned long long)s->d_total);
  }
  return NMSIM_OK;
}

static nmsim_status a4_end_packet(dvs_reader *r, a4_state *s, nmsim_err *err) {
  if (s->phase == A4_HEAD)
    return DVS_BAD(r, err, s->pkt_at, "event packet: ends inside its flatbuffer header "
                   "(%llu bytes)", (unsigned long long)s->d_pos);
  if (s->phase == A4_EVENTS)
    return DVS_BAD(r, err, s->pkt_at, "event packet: ends with %llu events missing",
                   (unsigned long long)s->ev_left);
  if (s->d_pos != s->d_total)
    return DVS_BAD(r, err, s->pkt_at, "event packet: %llu bytes, its size prefix declares %llu",
                   (unsigned long long)s->d_pos, (unsigned long long)s->d_total);
  s->in_pkt = false;
  return NMSIM_OK;
}

static nmsim_status a4_read(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n,
                            nmsim_err *err) {
  a4_state *s = r->st;
  nmsim_status rc = NMSIM_OK;
  size_t k = 0;
  while (k < cap && !r->done) {
    if (!s->in_pkt) rc = a4_next_packet(r, s, err);
    else if (s->o_pos < s->o_end) rc = a4_parse(r, s, ev, cap, &k, err);
    else if (s->frame_done && !s->c_left) rc = a4_end_packet(r, s, err);
    else rc = a4_inflate(r, s, err);
    if (rc) break;
  }
  *n = k;
  return rc;
}

const dvs_ops dvs_aedat4_ops = {
    .state_size = sizeof(a4_state),
    .start = a4_start,
    .read = a4_read,
    .fini = a4_fini,
};
