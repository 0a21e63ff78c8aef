/* dvs_window.c: what every DVS format decoder reads through: the fixed read
 * window over a (possibly gzip-compressed) file or a memory buffer, header
 * lines, located format errors, and sensor sizes by camera name. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/dvs/dvs_int.h"

/* ---- errors ----------------------------------------------------------------- */

nmsim_status dvs_bad_at(dvs_reader *r, nmsim_err *err, uint64_t off, const char *file, int line,
                        const char *fmt, ...) {
  char what[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return nm_seterr(err, NMSIM_EFORMAT, file, line, "%s: at byte %llu%s: %s", r->name,
                   (unsigned long long)off, r->info.gzip ? " of the decompressed data" : "",
                   what);
}

/* ---- the read window ----------------------------------------------------------- */

static nmsim_status dvs_gz_error(dvs_reader *r, nmsim_err *err) {
  int zerr = Z_OK;
  const char *msg = gzerror(r->gz, &zerr);
  if (zerr == Z_ERRNO)
    return NMSIM_ERR(err, NMSIM_EIO, "%s: %s", r->name, errno ? strerror(errno) : "read error");
  if (zerr == Z_MEM_ERROR) return NMSIM_ENOMEM_ERR(err);
  if (zerr != Z_OK && zerr != Z_STREAM_END)
    return DVS_BAD(r, err, r->off_end, "corrupt or truncated gzip data (zlib: %s)",
                   msg ? msg : "?");
  return NMSIM_OK;
}

nmsim_status dvs_fill(dvs_reader *r, size_t want, nmsim_err *err) {
  size_t avail = dvs_avail(r);
  if (avail >= want || r->eof) return NMSIM_OK;
  if (!r->gz) {
    r->eof = true;  /* a memory source is all in the window from the start */
    return NMSIM_OK;
  }
  if (want > DVS_BUF_SIZE) want = DVS_BUF_SIZE;
  size_t room = (size_t)(r->buf + DVS_BUF_SIZE - r->end);
  if (r->p != r->buf && (room < want - avail || room < DVS_BUF_SIZE / 4)) {
    r->base = dvs_pos(r, r->p);
    memmove(r->buf, r->p, avail);
    r->p = r->buf;
    r->end = r->buf + avail;
  }
  while (dvs_avail(r) < want) {
    size_t at = (size_t)(r->end - r->buf);
    errno = 0;
    int got = gzread(r->gz, r->buf + at, (unsigned)(DVS_BUF_SIZE - at));
    if (got < 0) {
      nmsim_status rc = dvs_gz_error(r, err);
      return rc ? rc : NMSIM_ERR(err, NMSIM_EIO, "%s: read error", r->name);
    }
    if (got == 0) {
      nmsim_status rc = dvs_gz_error(r, err);
      if (rc) return rc;
      r->eof = true;
      break;
    }
    r->end += got;
    r->off_end += (uint64_t)got;
  }
  return NMSIM_OK;
}

nmsim_status dvs_skip(dvs_reader *r, uint64_t n, uint64_t *done, nmsim_err *err) {
  *done = 0;
  while (n > 0) {
    if (dvs_avail(r) == 0) {
      nmsim_status rc = dvs_fill(r, DVS_BUF_SIZE, err);
      if (rc) return rc;
      if (dvs_avail(r) == 0) break;
    }
    size_t k = dvs_avail(r);
    if ((uint64_t)k > n) k = (size_t)n;
    r->p += k;
    n -= k;
    *done += k;
  }
  return NMSIM_OK;
}

nmsim_status dvs_src_rewind(dvs_reader *r, nmsim_err *err) {
  if (!r->gz) {
    r->p = r->mem;
    return NMSIM_OK;
  }
  if (r->base == 0) { /* byte 0 is still in the window */
    r->p = r->buf;
    return NMSIM_OK;
  }
  if (gzrewind(r->gz) != 0) return NMSIM_ERR(err, NMSIM_EIO, "%s: cannot rewind", r->name);
  r->p = r->end = r->buf;
  r->base = r->off_end = 0;
  r->eof = false;
  return NMSIM_OK;
}

nmsim_status dvs_line(dvs_reader *r, char lead, char *line, size_t cap, bool *got,
                      nmsim_err *err) {
  nmsim_status rc;
  *got = false;
  if ((rc = dvs_fill(r, 1, err))) return rc;
  if (dvs_avail(r) == 0 || *r->p != (unsigned char)lead) return NMSIM_OK;
  const unsigned char *nl;
  for (;;) {
    nl = memchr(r->p, '\n', dvs_avail(r));
    if (nl || r->eof) break;
    if (dvs_avail(r) >= DVS_BUF_SIZE)
      return DVS_BAD(r, err, dvs_pos(r, r->p), "header line longer than %u bytes",
                     DVS_BUF_SIZE);
    if ((rc = dvs_fill(r, dvs_avail(r) + 1, err))) return rc;
  }
  const unsigned char *e = nl ? nl : r->end;
  for (const unsigned char *q = r->p + 1; q < e; q++)
    if ((*q < 0x20 && *q != '\t' && *q != '\r') || *q == 0x7f) return NMSIM_OK;
  size_t len = (size_t)(e - r->p - 1);
  while (len && r->p[len] == '\r') len--;
  if (len > cap - 1) len = cap - 1;
  memcpy(line, r->p + 1, len);
  line[len] = 0;
  r->p = nl ? nl + 1 : r->end;
  *got = true;
  return NMSIM_OK;
}

/* ---- sensors ------------------------------------------------------------------ */

static bool has(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++) {
    size_t i = 0;
    while (i < n && hay[i] && tolower((unsigned char)hay[i]) == needle[i]) i++;
    if (i == n) return true;
  }
  return false;
}

bool dvs_sensor_size(const char *name, uint32_t *w, uint32_t *h) {
  /* most specific first; sizes from docs/dvs.md (research/dvs-formats.md §8) */
  static const struct {
    const char *key;
    uint32_t w, h;
  } known[] = {
      {"dvs128", 128, 128},    {"davis346", 346, 260}, {"davis240", 240, 180},
      {"davis128", 128, 128},  {"dvxplorer_lite", 320, 240}, {"dvxplorer lite", 320, 240},
      {"dvxplorer", 640, 480}, {"genx320", 320, 320},  {"gen41", 1280, 720},
      {"gen4", 1280, 720},     {"imx636", 1280, 720},  {"gen31", 640, 480},
      {"gen3", 640, 480},      {"atis", 304, 240},
  };
  for (size_t i = 0; name && i < NM_ARRAY_LEN(known); i++)
    if (has(name, known[i].key)) {
      *w = known[i].w;
      *h = known[i].h;
      return true;
    }
  return false;
}
