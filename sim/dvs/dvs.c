/* dvs.c: the DVS readers' front: the table of formats, opening a file
 * through zlib or a memory buffer, format detection from the header,
 * delivery of events in batches with deferred errors, and whole-file
 * summaries. The decoders (dvs_aedat.c, dvs_nmnist.c, dvs_prophesee.c) read
 * through the window of dvs_window.c. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/dvs/dvs_int.h"

/* ---- formats ---------------------------------------------------------------- */

static const char *const fmt_names[] = {
    "auto",
#define X(id, name, desc, ops) name,
    DVS_FORMAT_MAP(X)
#undef X
};
static const char *const fmt_descs[] = {
    "detected from the header",
#define X(id, name, desc, ops) desc,
    DVS_FORMAT_MAP(X)
#undef X
};
/* the decoders (dvs_aedat.c, dvs_nmnist.c, dvs_prophesee.c) */
#define X(id, name, desc, ops) extern const dvs_ops ops;
DVS_FORMAT_MAP(X)
#undef X
static const dvs_ops *const fmt_ops[] = {
    NULL,
#define X(id, name, desc, ops) &ops,
    DVS_FORMAT_MAP(X)
#undef X
};
_Static_assert(NM_ARRAY_LEN(fmt_ops) == DVS_FORMAT_END, "fmt_ops follows DVS_FORMAT_MAP");

const char *dvs_format_name(dvs_format f) {
  return (unsigned)f < DVS_FORMAT_END ? fmt_names[f] : "?";
}
const char *dvs_format_desc(dvs_format f) {
  return (unsigned)f < DVS_FORMAT_END ? fmt_descs[f] : "?";
}
bool dvs_format_parse(const char *name, dvs_format *out) {
  for (unsigned i = 0; name && i < DVS_FORMAT_END; i++)
    if (strcmp(name, fmt_names[i]) == 0) return *out = (dvs_format)i, true;
  return false;
}
const char *dvs_format_names(void) {
  return "auto, aedat2, aedat3, aedat4, nmnist, evt2, evt3, dat, h5";
}

/* ---- opening ------------------------------------------------------------------- */

/* The AEDAT version of the n bytes at p that start with '#!AER-DAT'; DVS_AUTO
 * if it is not one nmsim reads. */
static dvs_format dvs_aedat_version(const unsigned char *p, size_t n) {
  if (n < 12) return DVS_AUTO;
  if (memcmp(p + 9, "2.0", 3) == 0) return DVS_AEDAT2;
  if (memcmp(p + 9, "3.", 2) == 0) return DVS_AEDAT3;
  if (memcmp(p + 9, "4.0", 3) == 0) return DVS_AEDAT4;
  return DVS_AUTO;
}

static nmsim_status dvs_detect(dvs_reader *r, dvs_format *fmt, nmsim_err *err) {
  nmsim_status rc;
  if ((rc = dvs_fill(r, 64, err))) return rc;
  const unsigned char *p = r->p;
  size_t n = dvs_avail(r);
  if (n == 0)
    return DVS_BAD(r, err, 0, "empty file: no header to tell the format from (name the format "
                              "to read it as an empty recording)");
  if (n >= 12 && memcmp(p, "#!AER-DAT", 9) == 0) {
    if ((*fmt = dvs_aedat_version(p, n)) != DVS_AUTO) return NMSIM_OK;
    return DVS_BAD(r, err, 9, "unsupported AEDAT version '%.3s' (supported: 2.0, 3.1, 4.0)",
                   (const char *)p + 9);
  }
  if (dvs_h5_signature(p, n)) return *fmt = DVS_H5, NMSIM_OK;
  if (p[0] == '#')
    return DVS_BAD(r, err, 0, "a '#' header without an AEDAT version line ('#!AER-DAT2.0', "
                              "'3.1' or '4.0')");
  if (p[0] == '%') {
    rc = dvs_prophesee_detect(r, fmt, err);
    if (rc == NMSIM_OK) rc = dvs_src_rewind(r, err);
    return rc;
  }
  if (n >= 5 && dvs_nmnist_plausible(p, n))
    return *fmt = DVS_NMNIST, NMSIM_OK;
  return DVS_BAD(r, err, 0, "unrecognised format: no AEDAT ('#!AER-DAT'), Prophesee ('%%') or "
                            "HDF5 header, and the data are not N-MNIST records (name the format "
                            "explicitly: %s)", dvs_format_names() + 6);
}

/* The format the header at byte 0 declares, or DVS_AUTO when the first bytes
 * name none nmsim reads: headerless data (N-MNIST, RAW words without the '%'
 * header), and headers that dvs_detect refuses (another AEDAT version, EVT
 * 2.1, a '%' header naming no encoding; the AEDAT and Prophesee decoders
 * refuse them too). The window is back at byte 0 afterwards. Fails only on a
 * read error or ENOMEM. */
static nmsim_status dvs_declared(dvs_reader *r, dvs_format *fmt, nmsim_err *err) {
  nmsim_status rc;
  *fmt = DVS_AUTO;
  if ((rc = dvs_fill(r, 64, err))) return rc;
  const unsigned char *p = r->p;
  size_t n = dvs_avail(r);
  if (n >= 12 && memcmp(p, "#!AER-DAT", 9) == 0) {
    *fmt = dvs_aedat_version(p, n);
    return NMSIM_OK;
  }
  if (dvs_h5_signature(p, n)) return *fmt = DVS_H5, NMSIM_OK;
  if (n == 0 || p[0] != '%') return NMSIM_OK;
  nmsim_err e = {0};
  rc = dvs_prophesee_detect(r, fmt, &e);
  if (rc == NMSIM_EFORMAT) {
    *fmt = DVS_AUTO; /* the header's own fault: left to the decoder to report */
    rc = NMSIM_OK;
  } else if (rc && err) {
    *err = e;
  }
  nmsim_status back = dvs_src_rewind(r, err);
  return rc ? rc : back;
}

/* Detect (if asked) and start the decoder; the window is at byte 0. A named
 * format the header contradicts is refused before its decoder sees the bytes
 * (the decoders of headerless formats would read the header as events). */
static nmsim_status dvs_begin(dvs_reader *r, dvs_format fmt, nmsim_err *err) {
  nmsim_status rc;
  if ((rc = dvs_fill(r, 1, err))) return rc;
  bool gz = r->gz && gzdirect(r->gz) == 0;
  r->info.gzip = gz;
  if (fmt == DVS_AUTO) {
    if ((rc = dvs_detect(r, &fmt, err))) return rc;
  } else if (fmt != r->info.format) { /* not a rewind: the header is not checked yet */
    dvs_format declared;
    if ((rc = dvs_declared(r, &declared, err))) return rc;
    if (declared != DVS_AUTO && declared != fmt)
      return DVS_BAD(r, err, 0, "format %s was named, but the file's header says %s (%s)",
                     dvs_format_name(fmt), dvs_format_name(declared),
                     dvs_format_desc(declared));
  }
  r->ops = fmt_ops[fmt];
  r->info = (dvs_info){.format = fmt, .gzip = gz};
  if (!r->st && !(r->st = nm_calloc(1, r->ops->state_size))) return NMSIM_ENOMEM_ERR(err);
  return r->ops->start(r, err);
}

static nmsim_status dvs_new(const char *name, dvs_format fmt, dvs_reader **out,
                            nmsim_err *err) {
  if (!name || !out || (unsigned)fmt >= DVS_FORMAT_END)
    return NMSIM_ERR(err, NMSIM_EINVAL, "dvs_open: bad argument");
  *out = nm_calloc(1, sizeof **out);
  if (!*out || !((*out)->name = nm_strdup(name))) {
    nm_free(*out);
    *out = NULL;
    return NMSIM_ENOMEM_ERR(err);
  }
  return NMSIM_OK;
}

/* A reader of path with its window at byte 0, no decoder yet. */
static nmsim_status dvs_open_file(const char *path, dvs_reader **out, nmsim_err *err) {
  dvs_reader *r = NULL;
  nmsim_status rc = dvs_new(path, DVS_AUTO, &r, err);
  if (rc) return rc;
  if (!(r->buf = nm_malloc(DVS_BUF_SIZE))) goto nomem;
  r->p = r->end = r->buf;
  errno = 0;
  if (!(r->gz = gzopen(path, "rb"))) {
    if (!errno) goto nomem;
    rc = NMSIM_ERR(err, NMSIM_EIO, "%s: %s", path, strerror(errno));
    goto fail;
  }
  gzbuffer(r->gz, 128u * 1024u);
  *out = r;
  return NMSIM_OK;

nomem:
  rc = NMSIM_ENOMEM_ERR(err);
fail:
  dvs_close(r);
  return rc;
}

nmsim_status dvs_open(const char *path, dvs_format fmt, dvs_reader **out, nmsim_err *err) {
  dvs_reader *r = NULL;
  if (out) *out = NULL;
  if (!out || (unsigned)fmt >= DVS_FORMAT_END)
    return NMSIM_ERR(err, NMSIM_EINVAL, "dvs_open: bad argument");
  nmsim_status rc = dvs_open_file(path, &r, err);
  if (rc) return rc;
  if ((rc = dvs_begin(r, fmt, err))) {
    dvs_close(r);
    return rc;
  }
  *out = r;
  return NMSIM_OK;
}

nmsim_status dvs_header_format(const char *path, dvs_format *declared, nmsim_err *err) {
  dvs_reader *r = NULL;
  *declared = DVS_AUTO;
  nmsim_status rc = dvs_open_file(path, &r, err);
  if (rc) return rc;
  if (!(rc = dvs_fill(r, 1, err))) {
    r->info.gzip = r->gz && gzdirect(r->gz) == 0;
    rc = dvs_declared(r, declared, err);
  }
  dvs_close(r);
  return rc;
}

nmsim_status dvs_open_mem(const char *name, const void *data, size_t len, dvs_format fmt,
                          dvs_reader **out, nmsim_err *err) {
  dvs_reader *r = NULL;
  if (out) *out = NULL;
  if (!data && len) return NMSIM_ERR(err, NMSIM_EINVAL, "dvs_open_mem: NULL data");
  nmsim_status rc = dvs_new(name, fmt, &r, err);
  if (rc) return rc;
  static const unsigned char none[1];
  r->mem = len ? data : none;
  r->mem_len = len;
  r->p = r->mem;
  r->end = r->mem + len;
  r->off_end = len;
  r->eof = true;
  if ((rc = dvs_begin(r, fmt, err))) {
    dvs_close(r);
    *out = NULL;
    return rc;
  }
  *out = r;
  return NMSIM_OK;
}

nmsim_status dvs_rewind(dvs_reader *r, nmsim_err *err) {
  nmsim_status rc;
  if (r->ops && r->ops->fini) r->ops->fini(r);
  if (r->st) memset(r->st, 0, r->ops->state_size);
  r->done = false;
  r->failed = r->pending = NMSIM_OK;
  if ((rc = dvs_src_rewind(r, err)) || (rc = dvs_begin(r, r->info.format, err))) {
    r->failed = rc;
    if (err) r->failed_err = *err;
    else r->failed_err = (nmsim_err){.code = rc};
  }
  return rc;
}

const dvs_info *dvs_reader_info(const dvs_reader *r) { return &r->info; }
const char *dvs_reader_name(const dvs_reader *r) { return r->name; }

void dvs_close(dvs_reader *r) {
  if (!r) return;
  if (r->ops && r->ops->fini && r->st) r->ops->fini(r);
  if (r->gz) gzclose(r->gz);
  nm_free(r->st);
  nm_free(r->buf);
  nm_free(r->name);
  nm_free(r);
}

/* ---- events -------------------------------------------------------------------- */

nmsim_status dvs_read(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n, nmsim_err *err) {
  *n = 0;
  if (r->failed) {
    if (err) *err = r->failed_err;
    return r->failed;
  }
  if (r->pending) {
    r->failed = r->pending;
    r->failed_err = r->pending_err;
    r->pending = NMSIM_OK;
    if (err) *err = r->failed_err;
    return r->failed;
  }
  if (!ev || cap == 0) return NMSIM_ERR(err, NMSIM_EINVAL, "dvs_read: no room for events");
  while (!r->done && *n == 0) {
    size_t got = 0;
    nmsim_err e = {0};
    nmsim_status rc = r->ops->read(r, ev, cap, &got, &e);
    if (rc != NMSIM_OK) {
      if (got > 0) {
        r->pending = rc;
        r->pending_err = e;
        *n = got;
        return NMSIM_OK;
      }
      r->failed = rc;
      r->failed_err = e;
      if (err) *err = e;
      return rc;
    }
    *n = got;
  }
  return NMSIM_OK;
}

nmsim_status dvs_scan(dvs_reader *r, dvs_stats *st, nmsim_err *err) {
  enum { BATCH = 4096 };
  *st = (dvs_stats){0};
  dvs_event *ev = nm_malloc(BATCH * sizeof *ev);
  if (!ev) return NMSIM_ENOMEM_ERR(err);
  nmsim_status rc;
  size_t n;
  int64_t prev = INT64_MIN;
  while ((rc = dvs_read(r, ev, BATCH, &n, err)) == NMSIM_OK && n > 0) {
    if (st->events == 0) {
      st->t_first = st->t_min = st->t_max = ev[0].t_us;
      st->x_min = st->x_max = ev[0].x;
      st->y_min = st->y_max = ev[0].y;
    }
    for (size_t i = 0; i < n; i++) {
      const dvs_event *e = &ev[i];
      st->backsteps += e->t_us < prev;
      prev = e->t_us;
      if (e->t_us < st->t_min) st->t_min = e->t_us;
      if (e->t_us > st->t_max) st->t_max = e->t_us;
      if (e->x < st->x_min) st->x_min = e->x;
      if (e->x > st->x_max) st->x_max = e->x;
      if (e->y < st->y_min) st->y_min = e->y;
      if (e->y > st->y_max) st->y_max = e->y;
      st->on += e->p;
    }
    st->events += n;
    st->t_last = ev[n - 1].t_us;
  }
  st->off = st->events - st->on;
  nm_free(ev);
  return rc;
}
