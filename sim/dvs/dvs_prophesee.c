/* dvs_prophesee.c: Prophesee recordings: the '%' text header shared by RAW and
 * DAT files, RAW EVT 2.0 (32-bit words), RAW EVT 3.0 (stateful 16-bit words)
 * and DAT (8-byte Event2D/EventCD records). Layouts: docs/dvs.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dvs/dvs_int.h"

/* ---- header ------------------------------------------------------------------ */

typedef struct ph_header {
  int evt;              /* 20, 21, 30 from "% evt" / "% format"; 0 if absent; -1 unknown */
  char evt_text[32];    /* the value as written, for messages */
  bool dat;             /* "% Data file containing ..." */
  int version;          /* "% Version N" (DAT); 0 if absent */
  uint32_t width, height;
  char sensor[64];
} ph_header;

static bool ph_u32(const char *s, uint32_t *out) {
  char *e;
  unsigned long v = strtoul(s, &e, 10);
  if (e == s || v == 0 || v > 65536) return false;
  *out = (uint32_t)v;
  return true;
}

static void ph_evt(ph_header *h, const char *v) {
  dvs_strcpy(h->evt_text, sizeof h->evt_text, v);
  if (!strcmp(v, "2.0") || !strcmp(v, "EVT2") || !strcmp(v, "EVT20")) h->evt = 20;
  else if (!strcmp(v, "3.0") || !strcmp(v, "EVT3") || !strcmp(v, "EVT30")) h->evt = 30;
  else if (!strcmp(v, "2.1") || !strcmp(v, "EVT21")) h->evt = 21;
  else h->evt = -1;
}

/* "EVT2;height=480;width=640" */
static void ph_format(ph_header *h, char *v) {
  char *save = NULL;
  for (char *tok = strtok_r(v, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
    if (!strncmp(tok, "height=", 7)) ph_u32(tok + 7, &h->height);
    else if (!strncmp(tok, "width=", 6)) ph_u32(tok + 6, &h->width);
    else if (!strchr(tok, '=')) ph_evt(h, tok);
  }
}

/* Read the '%' lines (until "% end" or the first byte that does not start a
 * text line beginning with '%'). */
static nmsim_status ph_parse(dvs_reader *r, ph_header *h, nmsim_err *err) {
  char line[DVS_LINE_MAX];
  *h = (ph_header){0};
  for (;;) {
    bool got;
    nmsim_status rc = dvs_line(r, '%', line, sizeof line, &got, err);
    if (rc) return rc;
    if (!got) break;
    char *k = line;
    while (*k == ' ' || *k == '\t') k++;
    char *v = k;
    while (*v && *v != ' ' && *v != '\t') v++;
    if (*v) *v++ = 0;
    while (*v == ' ' || *v == '\t') v++;
    size_t vl = strlen(v);
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) v[--vl] = 0;
    if (!strcmp(k, "end")) break;
    if (!strcmp(k, "evt")) ph_evt(h, v);
    else if (!strcmp(k, "format")) ph_format(h, v);
    else if (!strcmp(k, "geometry")) {
      char *x = strchr(v, 'x');
      if (x && ph_u32(v, &h->width)) ph_u32(x + 1, &h->height);
    } else if (!strcmp(k, "Width")) ph_u32(v, &h->width);
    else if (!strcmp(k, "Height")) ph_u32(v, &h->height);
    else if (!strcmp(k, "Version")) h->version = atoi(v);
    else if (!strcmp(k, "Data")) h->dat = true;
    else if (!strcmp(k, "sensor_name") || (!strcmp(k, "plugin_name") && !h->sensor[0]))
      dvs_strcpy(h->sensor, sizeof h->sensor, v);
  }
  return NMSIM_OK;
}

static void ph_info(dvs_reader *r, const ph_header *h) {
  r->info.width = h->width;
  r->info.height = h->height;
  dvs_strcpy(r->info.sensor, sizeof r->info.sensor, h->sensor);
  if (!(h->width && h->height)) {
    uint32_t w, hh;
    if (dvs_sensor_size(h->sensor, &w, &hh)) r->info.width = w, r->info.height = hh;
    else r->info.width = r->info.height = 0;
  }
  r->info.data_offset = dvs_pos(r, r->p);
}

nmsim_status dvs_prophesee_detect(dvs_reader *r, dvs_format *fmt, nmsim_err *err) {
  ph_header h;
  nmsim_status rc = ph_parse(r, &h, err);
  if (rc) return rc;
  if (h.evt == 20) return *fmt = DVS_EVT2, NMSIM_OK;
  if (h.evt == 30) return *fmt = DVS_EVT3, NMSIM_OK;
  if (h.evt == 21)
    return DVS_BAD(r, err, 0, "Prophesee EVT 2.1 is not supported (EVT 2.0, EVT 3.0, DAT are)");
  if (h.evt < 0)
    return DVS_BAD(r, err, 0, "unknown Prophesee event encoding '%s' (expected 2.0 or 3.0)",
                   h.evt_text);
  if (h.dat || h.version) return *fmt = DVS_DAT, NMSIM_OK;
  return DVS_BAD(r, err, 0, "the Prophesee header names no event encoding (no '%% evt' or "
                            "'%% format' line, no DAT version): name the format (evt2, evt3, "
                            "dat)");
}

/* Header of a RAW file expected to hold EVT want (20 or 30). */
static nmsim_status raw_start(dvs_reader *r, int want, nmsim_err *err) {
  ph_header h;
  nmsim_status rc = ph_parse(r, &h, err);
  if (rc) return rc;
  if (h.evt && h.evt != want)
    return DVS_BAD(r, err, 0, "the header says EVT %s, not EVT %s", h.evt_text,
                   want == 20 ? "2.0" : "3.0");
  if (!h.evt && (h.dat || h.version))
    return DVS_BAD(r, err, 0, "the header is that of a DAT file, not a RAW EVT %s file",
                   want == 20 ? "2.0" : "3.0");
  ph_info(r, &h);
  return NMSIM_OK;
}

/* Make at least one whole word of size w available; *end is false if the
 * reader is at the end of the file. */
static nmsim_status need_words(dvs_reader *r, size_t w, bool *more, nmsim_err *err) {
  *more = true;
  if (dvs_avail(r) >= w) return NMSIM_OK;
  nmsim_status rc = dvs_fill(r, w, err);
  if (rc) return rc;
  if (dvs_avail(r) == 0) return *more = false, r->done = true, NMSIM_OK;
  if (dvs_avail(r) < w)
    return DVS_BAD(r, err, dvs_pos(r, r->p), "truncated %zu-byte word: the file ends after %zu",
                   w, dvs_avail(r));
  return NMSIM_OK;
}

/* ---- EVT 2.0 ------------------------------------------------------------------- */

typedef struct evt2_state {
  bool have_th;    /* a TIME_HIGH was seen: CD words before it are ignored */
  uint32_t th;     /* last TIME_HIGH (28 bits) */
  uint64_t wraps;  /* 2^34 µs wraps so far */
  int64_t tbase;   /* time of the current TIME_HIGH, µs */
} evt2_state;

static nmsim_status evt2_start(dvs_reader *r, nmsim_err *err) { return raw_start(r, 20, err); }

static nmsim_status evt2_read(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n,
                              nmsim_err *err) {
  evt2_state *s = r->st;
  bool more;
  nmsim_status rc = need_words(r, 4, &more, err);
  if (rc || !more) return rc;
  const unsigned char *p = r->p, *end = p + (dvs_avail(r) & ~(size_t)3);
  size_t k = 0;
  while (k < cap && p < end) {
    uint32_t w = dvs_le32(p);
    switch (w >> 28) {
      case 0x0: /* CD_OFF */
      case 0x1: /* CD_ON */
        if (s->have_th)
          ev[k++] = (dvs_event){.t_us = s->tbase | (w >> 22 & 63),
                                .x = (uint16_t)(w >> 11 & 0x7ff),
                                .y = (uint16_t)(w & 0x7ff),
                                .p = (uint8_t)(w >> 28)};
        break;
      case 0x8: { /* EVT_TIME_HIGH: time bits 33..6 */
        uint32_t th = w & 0xfffffff;
        /* a wrap is a large decrease; small ones are jitter and kept as they are */
        if (s->have_th && th < s->th && s->th - th > (1u << 27)) s->wraps++;
        s->th = th;
        s->have_th = true;
        s->tbase = (int64_t)(s->wraps << 34 | (uint64_t)th << 6);
        break;
      }
      case 0xa: /* EXT_TRIGGER */
      case 0xe: /* OTHERS */
      case 0xf: /* CONTINUED */
        break;
      default:
        r->p = p;
        *n = k;
        return DVS_BAD(r, err, dvs_pos(r, p), "unknown EVT 2.0 word type 0x%X (word 0x%08X)",
                       (unsigned)(w >> 28), (unsigned)w);
    }
    p += 4;
  }
  r->p = p;
  *n = k;
  return NMSIM_OK;
}

const dvs_ops dvs_evt2_ops = {
    .state_size = sizeof(evt2_state),
    .start = evt2_start,
    .read = evt2_read,
    .fini = NULL,
};

/* ---- EVT 3.0 ------------------------------------------------------------------- */

typedef struct evt3_state {
  bool have_th, have_y;
  uint16_t th, tl;      /* TIME_HIGH and TIME_LOW (12 bits each) */
  uint64_t wraps;       /* 2^24 µs wraps so far */
  int64_t t;            /* current time, µs */
  uint16_t y, bx;       /* current y; vector base x */
  uint8_t vp;           /* vector polarity */
  dvs_event q[12];      /* events of a vector word that did not fit the caller's batch */
  size_t nq, iq;
} evt3_state;

static nmsim_status evt3_start(dvs_reader *r, nmsim_err *err) { return raw_start(r, 30, err); }

static nmsim_status evt3_read(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n,
                              nmsim_err *err) {
  evt3_state *s = r->st;
  size_t k = 0;
  while (s->iq < s->nq && k < cap) ev[k++] = s->q[s->iq++];
  if (s->iq == s->nq) s->iq = s->nq = 0;
  if (k == cap) return *n = k, NMSIM_OK;
  bool more;
  nmsim_status rc = need_words(r, 2, &more, err);
  if (rc || !more) return *n = k, rc;
  const unsigned char *p = r->p, *end = p + (dvs_avail(r) & ~(size_t)1);
  while (k < cap && p < end) {
    unsigned w = dvs_le16(p), v = w & 0xfff, type = w >> 12;
    p += 2;
    switch (type) {
      case 0x0: /* EVT_ADDR_Y */
        s->y = (uint16_t)(v & 0x7ff);
        s->have_y = true;
        break;
      case 0x2: /* EVT_ADDR_X: one event */
        if (s->have_th && s->have_y)
          ev[k++] = (dvs_event){.t_us = s->t, .x = (uint16_t)(v & 0x7ff), .y = s->y,
                                .p = (uint8_t)(v >> 11)};
        break;
      case 0x3: /* VECT_BASE_X */
        s->bx = (uint16_t)(v & 0x7ff);
        s->vp = (uint8_t)(v >> 11);
        break;
      case 0x4:   /* VECT_12 */
      case 0x5: { /* VECT_8 */
        unsigned bits = type == 0x4 ? 12 : 8, mask = type == 0x4 ? v : (v & 0xff);
        if (s->have_th && s->have_y)
          for (unsigned b = 0; b < bits; b++) {
            if (!(mask >> b & 1)) continue;
            dvs_event e = {.t_us = s->t, .x = (uint16_t)(s->bx + b), .y = s->y, .p = s->vp};
            if (k < cap) ev[k++] = e;
            else s->q[s->nq++] = e;
          }
        s->bx = (uint16_t)(s->bx + bits);
        break;
      }
      case 0x6: /* EVT_TIME_LOW */
        s->tl = (uint16_t)v;
        s->t = (int64_t)(s->wraps << 24 | (uint64_t)s->th << 12 | s->tl);
        break;
      case 0x8: /* EVT_TIME_HIGH; a wrap is a large decrease (half the range) */
        if (s->have_th && v < s->th && s->th - v > 2048) s->wraps++;
        s->th = (uint16_t)v;
        s->have_th = true;
        s->t = (int64_t)(s->wraps << 24 | (uint64_t)s->th << 12 | s->tl);
        break;
      case 0x7: /* CONTINUED_4 */
      case 0xa: /* EXT_TRIGGER */
      case 0xe: /* OTHERS */
      case 0xf: /* CONTINUED_12 */
        break;
      default:
        r->p = p - 2;
        *n = k;
        return DVS_BAD(r, err, dvs_pos(r, p - 2), "unknown EVT 3.0 word type 0x%X (word 0x%04X)",
                       type, w);
    }
  }
  r->p = p;
  *n = k;
  return NMSIM_OK;
}

const dvs_ops dvs_evt3_ops = {
    .state_size = sizeof(evt3_state),
    .start = evt3_start,
    .read = evt3_read,
    .fini = NULL,
};

/* ---- DAT ------------------------------------------------------------------------ */

typedef struct dat_state {
  bool have_prev;
  uint32_t prev;   /* last 32-bit timestamp */
  uint64_t wraps;  /* 2^32 µs wraps so far */
} dat_state;

static nmsim_status dat_start(dvs_reader *r, nmsim_err *err) {
  ph_header h;
  nmsim_status rc = ph_parse(r, &h, err);
  if (rc) return rc;
  if (h.evt)
    return DVS_BAD(r, err, 0, "the header says EVT %s: this is a RAW file, not DAT", h.evt_text);
  if (h.version && h.version != 2)
    return DVS_BAD(r, err, 0, "DAT version %d is not supported (version 2 is)", h.version);
  if ((rc = dvs_fill(r, 2, err))) return rc;
  uint64_t at = dvs_pos(r, r->p);
  if (dvs_avail(r) < 2)
    return DVS_BAD(r, err, at, "the file ends after the header, before the event type and size");
  unsigned type = r->p[0], size = r->p[1];
  if (type == 0x0e)
    return DVS_BAD(r, err, at, "event type 0x0E: external triggers, not CD events");
  if (type != 0x00 && type != 0x0c)
    return DVS_BAD(r, err, at, "unknown DAT event type 0x%02X (expected 0x00 Event2D or 0x0C "
                               "EventCD)", type);
  if (size != 8)
    return DVS_BAD(r, err, at + 1, "DAT event size %u (expected 8)", size);
  r->p += 2;
  ph_info(r, &h);
  return NMSIM_OK;
}

static nmsim_status dat_read(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n,
                             nmsim_err *err) {
  dat_state *s = r->st;
  bool more;
  nmsim_status rc = need_words(r, 8, &more, err);
  if (rc || !more) return rc;
  const unsigned char *p = r->p, *end = p + (dvs_avail(r) & ~(size_t)7);
  size_t k = 0;
  while (k < cap && p < end) {
    uint32_t t = dvs_le32(p), d = dvs_le32(p + 4);
    if (s->have_prev && t < s->prev && s->prev - t > (1u << 31)) s->wraps++;
    s->prev = t;
    s->have_prev = true;
    ev[k++] = (dvs_event){.t_us = (int64_t)(s->wraps << 32 | t),
                          .x = (uint16_t)(d & 0x3fff),
                          .y = (uint16_t)(d >> 14 & 0x3fff),
                          .p = (uint8_t)((d >> 28) != 0)};
    p += 8;
  }
  r->p = p;
  *n = k;
  return NMSIM_OK;
}

const dvs_ops dvs_dat_ops = {
    .state_size = sizeof(dat_state),
    .start = dat_start,
    .read = dat_read,
    .fini = NULL,
};
