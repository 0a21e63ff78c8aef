/* spike_file.c: the spikes of a spike_array population read from a file
 * (sim/load/spike_file.h). Both formats collect (neuron, step) pairs, each checked
 * against the population's size as it is read (a step at or after the run's
 * last is counted and left out); the pairs are then bucketed by neuron, and
 * each neuron's steps sorted and de-duplicated, which gives the layout of the
 * inline `spikes` list. */
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/load/spike_file.h"

#define SF_CHUNK 65536      /* bytes of text, or HDF5 values, read at a time */
#define SF_MAX_LINE 4096    /* longest CSV line accepted (comments included) */
#define SF_QUOTE 60         /* longest text quoted back in a message */

typedef struct sf_pair {
  uint32_t neuron, step;
} sf_pair;

typedef struct sf_ctx {
  const char *path;
  uint32_t n;          /* neurons of the population */
  uint64_t steps;      /* steps of the scenario: a step is in [0, steps) */
  uint64_t beyond;     /* pairs at a step >= steps, left out */
  nmsim_err *err;
  sf_pair *p;          /* pairs read so far */
  size_t len, cap;
} sf_ctx;

/* ---- pairs ---------------------------------------------------------------------- */

static nmsim_status sf_push(sf_ctx *c, uint32_t neuron, uint32_t step) {
  if (step >= c->steps) {
    c->beyond++;
    return NMSIM_OK;
  }
  if (nm_grow((void **)&c->p, &c->cap, c->len + 1, sizeof *c->p)) return NMSIM_ENOMEM_ERR(c->err);
  c->p[c->len++] = (sf_pair){neuron, step};
  return NMSIM_OK;
}

/* The error for a value outside its range: where names the file and the line
 * or the dataset; got is the value as found. */
static nmsim_status sf_range_error(sf_ctx *c, const char *where, bool step, const char *got) {
  if (step)
    return NMSIM_ERR(c->err, NMSIM_EINPUT,
                     "%s: expected a step, a whole number in [0, %u], got %s", where,
                     (unsigned)UINT32_MAX, got);
  return NMSIM_ERR(c->err, NMSIM_EINPUT,
                   "%s: expected a neuron index, a whole number in [0, %u] (the population has "
                   "%u neurons), got %s",
                   where, c->n - 1, c->n, got);
}

static int sf_cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* The pairs as a spike list: neuron i's steps sorted and unique in
 * steps[off[i] .. off[i+1]). */
static nmsim_status sf_build(sf_ctx *c, nmsim_pop_data *sl) {
  uint32_t *off = nm_calloc((size_t)c->n + 1, sizeof *off);
  uint32_t *st = nm_malloc((c->len ? c->len : 1) * sizeof *st);
  if (!off || !st) {
    nm_free(off);
    nm_free(st);
    return NMSIM_ENOMEM_ERR(c->err);
  }
  for (size_t i = 0; i < c->len; i++) off[c->p[i].neuron + 1]++;
  for (uint32_t i = 0; i < c->n; i++) off[i + 1] += off[i];
  /* off[i] is neuron i's first slot; placing a step advances it, so that
   * afterwards off[i] is where neuron i + 1 starts */
  for (size_t i = 0; i < c->len; i++) st[off[c->p[i].neuron]++] = c->p[i].step;
  for (uint32_t i = c->n; i > 0; i--) off[i] = off[i - 1];
  off[0] = 0;
  /* sort each neuron's steps st[a, b), drop repeats and close the gaps */
  uint32_t w = 0, a = 0;
  for (uint32_t i = 0; i < c->n; i++) {
    uint32_t b = off[i + 1], first = w;
    qsort(st + a, b - a, sizeof *st, sf_cmp_u32);
    for (uint32_t r = a; r < b; r++)
      if (w == first || st[r] != st[w - 1]) st[w++] = st[r];
    off[i + 1] = w;
    a = b;
  }
  sl->n = c->n;
  sl->off = off;
  sl->steps = st;
  return NMSIM_OK;
}

/* ---- CSV ------------------------------------------------------------------------ */

typedef struct sf_lines {
  FILE *f;
  char *buf;
  size_t cap, start, end;  /* unread text: buf[start, end); end < cap */
  bool eof;
  int line;                /* 1-based number of the last line returned */
} sf_lines;

/* The next line, NUL-terminated in place without its '\n', in *s (length
 * *k); *s is NULL at the end of the file. */
static nmsim_status sf_next_line(sf_ctx *c, sf_lines *r, char **s, size_t *k) {
  *s = NULL;
  for (;;) {
    size_t have = r->end - r->start;
    char *at = r->buf + r->start, *nl = have ? memchr(at, '\n', have) : NULL;
    if (nl || (r->eof && have)) {
      *k = nl ? (size_t)(nl - at) : have;
      r->line++;
      if (*k > SF_MAX_LINE)
        return NMSIM_ERR(c->err, NMSIM_EINPUT, "%s:%d: expected a line of at most %d "
                         "characters, got %zu (is it a text file of NEURON,STEP lines?)",
                         c->path, r->line, SF_MAX_LINE, *k);
      at[*k] = 0;
      r->start += *k + (nl ? 1 : 0);
      *s = at;
      return NMSIM_OK;
    }
    if (r->eof) return NMSIM_OK;
    if (have > SF_MAX_LINE)
      return NMSIM_ERR(c->err, NMSIM_EINPUT, "%s:%d: expected a line of at most %d characters, "
                       "got a longer one (is it a text file of NEURON,STEP lines?)",
                       c->path, r->line + 1, SF_MAX_LINE);
    /* keep the partial line, at the front, and read more */
    if (have && r->start) memmove(r->buf, at, have);
    r->start = 0;
    r->end = have;
    if (nm_grow((void **)&r->buf, &r->cap, r->end + SF_CHUNK + 1, 1))
      return NMSIM_ENOMEM_ERR(c->err);
    size_t got = fread(r->buf + r->end, 1, r->cap - r->end - 1, r->f);
    r->end += got;
    if (got == 0 && ferror(r->f))
      return NMSIM_ERR(c->err, NMSIM_EIO, "%s: %s", c->path, strerror(errno));
    if (got == 0) r->eof = true;
  }
}

static bool sf_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

/* s[0, *k) without leading and trailing blanks. */
static char *sf_trim(char *s, size_t *k) {
  while (*k && sf_blank(*s)) s++, (*k)--;
  while (*k && sf_blank(s[*k - 1])) (*k)--;
  return s;
}

/* A plain decimal whole number s[0, k) (saturating at UINT64_MAX); false if
 * it is anything else. */
static bool sf_uint(const char *s, size_t k, uint64_t *v) {
  *v = 0;
  if (!k) return false;
  for (size_t i = 0; i < k; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    unsigned d = (unsigned)(s[i] - '0');
    *v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
  }
  return true;
}

/* 'text' (shortened) for messages. */
static const char *sf_quote(char *buf, size_t len, const char *s, size_t k) {
  snprintf(buf, len, "'%.*s%s'", (int)(k > SF_QUOTE ? SF_QUOTE - 3 : k), s,
           k > SF_QUOTE ? "..." : "");
  return buf;
}

/* One field of a line: a neuron index (< n) or a step (< 2^32). */
static nmsim_status sf_field(sf_ctx *c, int line, bool step, char *s, size_t k, uint32_t *out) {
  char where[600], got[SF_QUOTE + 8];
  uint64_t v, max = step ? (uint64_t)UINT32_MAX + 1 : c->n;
  if (sf_uint(s, k, &v) && v < max) {
    *out = (uint32_t)v;
    return NMSIM_OK;
  }
  snprintf(where, sizeof where, "%s:%d: %s", c->path, line, step ? "step" : "neuron");
  return sf_range_error(c, where, step, sf_quote(got, sizeof got, s, k));
}

/* Lines of NEURON,STEP; an optional first line "neuron,step"; '#' starts a
 * comment; blank lines are skipped. */
static nmsim_status sf_read_csv(sf_ctx *c, FILE *f) {
  sf_lines r = {.f = f};
  nmsim_status rc;
  char *s, got[SF_QUOTE + 8];
  size_t k;
  bool first = true;
  while (!(rc = sf_next_line(c, &r, &s, &k)) && s) {
    if (r.line == 1 && k >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3, k -= 3; /* BOM */
    if (memchr(s, 0, k)) {
      rc = NMSIM_ERR(c->err, NMSIM_EINPUT, "%s:%d: expected text (NEURON,STEP lines), got a "
                     "NUL byte (a binary file? an HDF5 file starts with the HDF5 signature)",
                     c->path, r.line);
      break;
    }
    char *hash = memchr(s, '#', k);
    if (hash) k = (size_t)(hash - s);
    s = sf_trim(s, &k);
    if (!k) continue;
    char *comma = memchr(s, ',', k);
    if (!comma || memchr(comma + 1, ',', k - (size_t)(comma + 1 - s))) {
      rc = NMSIM_ERR(c->err, NMSIM_EINPUT, "%s:%d: expected NEURON,STEP (two whole numbers "
                     "separated by a comma), got %s", c->path, r.line,
                     sf_quote(got, sizeof got, s, k));
      break;
    }
    size_t ka = (size_t)(comma - s), kb = k - ka - 1;
    char *a = sf_trim(s, &ka), *b = sf_trim(comma + 1, &kb);
    bool header = first && ka == 6 && !memcmp(a, "neuron", 6) && kb == 4 && !memcmp(b, "step", 4);
    first = false;
    if (header) continue;
    uint32_t neuron, step;
    if ((rc = sf_field(c, r.line, false, a, ka, &neuron)) ||
        (rc = sf_field(c, r.line, true, b, kb, &step)))
      break;
    if (c->len >= UINT32_MAX) {
      rc = NMSIM_ERR(c->err, NMSIM_EINPUT, "%s:%d: expected at most %u spikes in all, got more",
                     c->path, r.line, (unsigned)UINT32_MAX);
      break;
    }
    if ((rc = sf_push(c, neuron, step))) break;
  }
  nm_free(r.buf);
  return rc;
}

/* ---- HDF5 ----------------------------------------------------------------------- */

static const char *sf_class_name(H5T_class_t k) {
  switch (k) {
    case H5T_FLOAT: return "floating-point values";
    case H5T_STRING: return "strings";
    case H5T_COMPOUND: return "compound values";
    case H5T_ENUM: return "enumeration values";
    case H5T_ARRAY: return "arrays";
    case H5T_BITFIELD: return "bit fields";
    default: return "values that are not integers";
  }
}

/* Dataset `name` of file f, checked to be 1-D and of integers: *d (close it)
 * and its length *len. */
static nmsim_status sf_h5_dataset(sf_ctx *c, hid_t f, const char *name, const char *what,
                                  hid_t *d, hsize_t *len) {
  *d = -1;
  if (H5Lexists(f, name, H5P_DEFAULT) <= 0)
    return NMSIM_ERR(c->err, NMSIM_EINPUT, "%s: dataset '%s': missing (expected a 1-D integer "
                     "dataset '%s' of %s beside one named '%s' of the same length)", c->path,
                     name, name, what, strcmp(name, "neuron") ? "neuron" : "step");
  hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
  if (ds < 0)
    return NMSIM_ERR(c->err, NMSIM_EINPUT, "%s: dataset '%s': expected a 1-D integer dataset of "
                     "%s, got a group or another kind of object", c->path, name, what);
  hid_t t = H5Dget_type(ds);
  H5T_class_t k = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
  if (t >= 0) H5Tclose(t);
  hid_t sp = H5Dget_space(ds);
  hsize_t dims[H5S_MAX_RANK];
  int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
  if (rank == 1 && H5Sget_simple_extent_dims(sp, dims, NULL) < 0) rank = -1;
  if (sp >= 0) H5Sclose(sp);
  nmsim_status rc = NMSIM_OK;
  if (k != H5T_INTEGER)
    rc = NMSIM_ERR(c->err, NMSIM_EINPUT, "%s: dataset '%s': expected integers (%s), got %s",
                   c->path, name, what, sf_class_name(k));
  else if (rank != 1)
    rc = NMSIM_ERR(c->err, NMSIM_EINPUT, "%s: dataset '%s': expected a 1-D dataset of %s, got "
                   "%d dimensions", c->path, name, what, rank < 0 ? 0 : rank);
  if (rc) {
    H5Dclose(ds);
    return rc;
  }
  *d = ds;
  *len = dims[0];
  return NMSIM_OK;
}

/* Values [at, at + k) of the 1-D dataset d as int64 (HDF5 clamps values that
 * do not fit). */
static herr_t sf_h5_slice(hid_t d, hsize_t at, hsize_t k, int64_t *buf) {
  hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &k, NULL);
  herr_t rc = fs < 0 || ms < 0 ||
                      H5Sselect_hyperslab(fs, H5S_SELECT_SET, &at, NULL, &k, NULL) < 0 ||
                      H5Dread(d, H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, buf) < 0
                  ? -1
                  : 0;
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  return rc;
}

/* One value of a dataset: a neuron index (< n) or a step (< 2^32). */
static nmsim_status sf_h5_value(sf_ctx *c, bool step, hsize_t i, int64_t v, uint32_t *out) {
  uint64_t max = step ? (uint64_t)UINT32_MAX + 1 : c->n;
  if (v >= 0 && (uint64_t)v < max) {
    *out = (uint32_t)v;
    return NMSIM_OK;
  }
  char where[600], got[32];
  snprintf(where, sizeof where, "%s: dataset '%s'[%llu]", c->path, step ? "step" : "neuron",
           (unsigned long long)i);
  snprintf(got, sizeof got, "%lld", (long long)v);
  return sf_range_error(c, where, step, got);
}

/* Datasets /neuron and /step: 1-D integers of equal length, pair i being
 * (neuron[i], step[i]). */
static nmsim_status sf_read_h5(sf_ctx *c) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t f = H5Fopen(c->path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0)
    return NMSIM_ERR(c->err, NMSIM_EINPUT, "%s: HDF5 cannot open the file (expected an HDF5 file "
                     "with 1-D integer datasets 'neuron' and 'step'; is it truncated or not "
                     "HDF5?)", c->path);
  hid_t dn = -1, ds = -1;
  hsize_t ln = 0, ls = 0;
  int64_t *bn = NULL, *bs = NULL;
  nmsim_status rc = sf_h5_dataset(c, f, "neuron", "neuron indices", &dn, &ln);
  if (!rc) rc = sf_h5_dataset(c, f, "step", "steps", &ds, &ls);
  if (!rc && ln != ls)
    rc = NMSIM_ERR(c->err, NMSIM_EINPUT, "%s: datasets 'neuron' and 'step': expected equal "
                   "lengths (spike i is neuron[i] at step[i]), got %llu and %llu", c->path,
                   (unsigned long long)ln, (unsigned long long)ls);
  if (!rc && ln > UINT32_MAX)
    rc = NMSIM_ERR(c->err, NMSIM_EINPUT, "%s: dataset 'neuron': expected at most %u spikes, got "
                   "%llu", c->path, (unsigned)UINT32_MAX, (unsigned long long)ln);
  size_t batch = ln < SF_CHUNK ? (size_t)ln : SF_CHUNK;
  if (!rc && ln) {
    bn = nm_malloc(batch * sizeof *bn);
    bs = nm_malloc(batch * sizeof *bs);
    if (!bn || !bs || nm_grow((void **)&c->p, &c->cap, (size_t)ln, sizeof *c->p))
      rc = NMSIM_ENOMEM_ERR(c->err);
  }
  for (hsize_t at = 0; !rc && at < ln; at += batch) {
    hsize_t k = ln - at < batch ? ln - at : batch;
    int bad = sf_h5_slice(dn, at, k, bn) < 0 ? 0 : sf_h5_slice(ds, at, k, bs) < 0 ? 1 : -1;
    if (bad >= 0) {
      rc = NMSIM_ERR(c->err, NMSIM_EIO, "%s: dataset '%s': reading values %llu..%llu failed",
                     c->path, bad ? "step" : "neuron", (unsigned long long)at,
                     (unsigned long long)(at + k - 1));
      break;
    }
    for (hsize_t i = 0; i < k && !rc; i++) {
      uint32_t neuron = 0, step = 0;
      if (!(rc = sf_h5_value(c, false, at + i, bn[i], &neuron)) &&
          !(rc = sf_h5_value(c, true, at + i, bs[i], &step)))
        rc = sf_push(c, neuron, step);
    }
  }
  nm_free(bn);
  nm_free(bs);
  if (dn >= 0) H5Dclose(dn);
  if (ds >= 0) H5Dclose(ds);
  H5Fclose(f);
  H5Eclear2(H5E_DEFAULT);
  return rc;
}

/* ---- entry point ---------------------------------------------------------------- */

static bool sf_ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n > k && strcmp(s + n - k, suffix) == 0;
}

nmsim_status spike_file_read(const char *path, uint32_t n, uint64_t steps, nmsim_pop_data *sl,
                             uint64_t *beyond, nmsim_err *err) {
  static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (!path || !sl || !n) return NMSIM_ERR(err, NMSIM_EINVAL, "spike_file_read: bad argument");
  FILE *f = fopen(path, "rb");
  if (!f) return NMSIM_ERR(err, NMSIM_EIO, "%s: %s", path, strerror(errno));
  unsigned char sig[8];
  size_t got = fread(sig, 1, sizeof sig, f);
  if (ferror(f) || fseek(f, 0, SEEK_SET) != 0) {
    nmsim_status rc = NMSIM_ERR(err, NMSIM_EIO, "%s: %s", path, strerror(errno));
    fclose(f);
    return rc;
  }
  bool h5 = sf_ends_with(path, ".h5") || sf_ends_with(path, ".hdf5") ||
            (got == sizeof sig && memcmp(sig, hdf5_sig, sizeof sig) == 0);
  sf_ctx c = {.path = path, .n = n, .steps = steps, .err = err};
  nmsim_status rc;
  if (h5) {
    fclose(f);
    rc = sf_read_h5(&c);
  } else {
    rc = sf_read_csv(&c, f);
    fclose(f);
  }
  if (!rc) rc = sf_build(&c, sl);
  if (!rc && beyond) *beyond = c.beyond;
  nm_free(c.p);
  return rc;
}
