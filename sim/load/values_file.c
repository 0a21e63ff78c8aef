/* values_file.c: a 1-D array of numbers from a file, for per-neuron values of
 * a scenario: CSV or plain text (numbers separated by commas, blanks or
 * newlines; '#' starts a comment), NumPy .npy (little-endian or byte-sized
 * integers and floats, C order, any shape read flat), or an HDF5 dataset
 * (read once in a guarded child first, as other HDF5 inputs are). */
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/file.h"
#include "sim/base/guard.h"
#include "sim/load/values_file.h"

static bool ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

static nmsim_status text_values(const char *path, size_t want, double *out, char *msg,
                                size_t msglen) {
  char *text = NULL;
  nmsim_err e = {0};
  nmsim_status rc = nm_read_text(path, NM_TEXT_MAX, &text, &e);
  if (rc) {
    snprintf(msg, msglen, "%s", e.msg);
    return rc;
  }
  size_t n = 0, line = 1;
  for (char *p = text; *p;) {
    if (*p == '#') { /* comment to the end of the line */
      while (*p && *p != '\n') p++;
      continue;
    }
    if (*p == '\n') line++;
    if (*p == ',' || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ';') {
      p++;
      continue;
    }
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno || !isfinite(v)) {
      int len = (int)strcspn(p, ",; \t\r\n");
      snprintf(msg, msglen, "%s:%zu: expected a number, got '%.*s'", path, line, len > 40 ? 40 : len,
               p);
      nm_free(text);
      return NMSIM_EINPUT;
    }
    if (n < want) out[n] = v;
    n++;
    p = end;
  }
  nm_free(text);
  if (n != want) {
    snprintf(msg, msglen, "%s: %zu numbers, expected %zu (one per neuron)", path, n, want);
    return NMSIM_EINPUT;
  }
  return NMSIM_OK;
}

/* The value of key 'k' in a .npy header dict, as text up to its end. */
static const char *npy_field(const char *hdr, const char *key) {
  const char *p = strstr(hdr, key);
  if (!p) return NULL;
  p = strchr(p + strlen(key), ':');
  if (!p) return NULL;
  for (p++; *p == ' '; p++) {}
  return p;
}

/* want SIZE_MAX: any count, into a new array *table of *rows x *cols (a 2-D
 * array; 1-D: cols 1); else exactly want values into out. */
static nmsim_status npy_values(const char *path, size_t want, double *out, double **table,
                               size_t *rows, size_t *cols, char *msg, size_t msglen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(msg, msglen, "%s: %s", path, strerror(errno));
    return NMSIM_EIO;
  }
  unsigned char pre[10];
  nmsim_status rc = NMSIM_EINPUT;
  char *hdr = NULL;
  unsigned char *raw = NULL;
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
    snprintf(msg, msglen, "%s: not a .npy file (no \\x93NUMPY magic)", path);
    goto done;
  }
  size_t hlen;
  if (pre[6] == 1) {
    hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
  } else {
    unsigned char b2[2];
    if (fread(b2, 1, 2, f) != 2) {
      snprintf(msg, msglen, "%s: truncated .npy header", path);
      goto done;
    }
    hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)b2[0] << 16 | (size_t)b2[1] << 24;
  }
  if (hlen > 65536 || !(hdr = calloc(1, hlen + 1)) || fread(hdr, 1, hlen, f) != hlen) {
    snprintf(msg, msglen, "%s: bad .npy header (%zu bytes)", path, hlen);
    goto done;
  }
  const char *descr = npy_field(hdr, "'descr'"), *fo = npy_field(hdr, "'fortran_order'"),
             *shape = npy_field(hdr, "'shape'");
  if (!descr || !fo || !shape || *descr != '\'') {
    snprintf(msg, msglen, "%s: .npy header lacks descr, fortran_order or shape", path);
    goto done;
  }
  char kind = descr[2];
  int size = atoi(descr + 3);
  char order = descr[1];
  bool ok_kind = (kind == 'f' && (size == 4 || size == 8)) ||
                 ((kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8));
  if (!ok_kind || (order != '<' && order != '|' && !(order == '=' && size == 1)) ||
      (order == '|' && size != 1)) {
    snprintf(msg, msglen, "%s: .npy dtype %.8s: expected little-endian floats (f4, f8) or "
             "integers", path, descr);
    goto done;
  }
  if (strncmp(fo, "False", 5) != 0) {
    snprintf(msg, msglen, "%s: .npy in Fortran order: save it in C order", path);
    goto done;
  }
  size_t count = 1, dims[8], nd = 0;
  for (const char *p = shape + 1; *p && *p != ')'; p++)
    if (*p >= '0' && *p <= '9') {
      char *e;
      size_t v = strtoull(p, &e, 10);
      count *= v;
      if (nd < 8) dims[nd++] = v;
      p = e - 1;
    }
  if (want == SIZE_MAX) {
    if (nd > 2 || count > ((size_t)1 << 30)) {
      snprintf(msg, msglen, "%s: expected a 1-D or 2-D array of at most 2^30 values", path);
      goto done;
    }
    *rows = nd ? dims[0] : 1;
    *cols = nd == 2 ? dims[1] : 1;
    if (!(out = *table = malloc((count ? count : 1) * sizeof *out))) {
      rc = NMSIM_ENOMEM;
      goto done;
    }
    want = count;
  } else if (count != want) {
    snprintf(msg, msglen, "%s: %zu values, expected %zu (one per neuron)", path, count, want);
    goto done;
  }
  if (!(raw = malloc(want * (size_t)size + 1)) || fread(raw, (size_t)size, want, f) != want) {
    snprintf(msg, msglen, "%s: the .npy data end before its %zu values", path, want);
    goto done;
  }
  for (size_t i = 0; i < want; i++) {
    const unsigned char *q = raw + i * (size_t)size;
    uint64_t u = 0;
    for (int b = 0; b < size; b++) u |= (uint64_t)q[b] << (8 * b);
    double v;
    if (kind == 'f' && size == 8) {
      memcpy(&v, &u, 8);
    } else if (kind == 'f') {
      uint32_t w = (uint32_t)u;
      float fl;
      memcpy(&fl, &w, 4);
      v = fl;
    } else if (kind == 'u') {
      v = (double)u;
    } else { /* sign-extend */
      int shift = 64 - 8 * size;
      v = (double)((int64_t)(u << shift) >> shift);
    }
    if (!isfinite(v)) {
      snprintf(msg, msglen, "%s: value %zu is not a finite number", path, i);
      goto done;
    }
    out[i] = v;
  }
  rc = NMSIM_OK;
done:
  free(hdr);
  free(raw);
  fclose(f);
  return rc;
}

typedef struct h5_args {
  const char *path, *dataset;
  size_t want;             /* SIZE_MAX: any count, into table (rows x cols) */
  double *out;
  char *msg;
  size_t msglen;
  double **table;
  size_t *rows, *cols;
} h5_args;

static nmsim_status h5_read_fn(void *ctx, nmsim_err *err) {
  h5_args *a = ctx;
  nmsim_status rc = NMSIM_EINPUT;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t f = H5Fopen(a->path, H5F_ACC_RDONLY, H5P_DEFAULT), d = -1, sp = -1, t = -1;
  if (f < 0) {
    snprintf(a->msg, a->msglen, "%s: the HDF5 library cannot open the file", a->path);
    goto done;
  }
  if (H5Lexists(f, a->dataset, H5P_DEFAULT) <= 0 || (d = H5Dopen2(f, a->dataset, H5P_DEFAULT)) < 0) {
    snprintf(a->msg, a->msglen, "%s: no dataset '%s'", a->path, a->dataset);
    goto done;
  }
  sp = H5Dget_space(d);
  t = H5Dget_type(d);
  hssize_t np = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
  H5T_class_t cls = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    snprintf(a->msg, a->msglen, "%s: dataset '%s' is not numbers", a->path, a->dataset);
    goto done;
  }
  if (a->want == SIZE_MAX) {
    int nd = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    hsize_t dims[2] = {1, 1};
    if (nd < 1 || nd > 2 || np < 0 || np > ((hssize_t)1 << 30)) {
      snprintf(a->msg, a->msglen, "%s: dataset '%s': expected a 1-D or 2-D array of at most 2^30 "
               "values", a->path, a->dataset);
      goto done;
    }
    H5Sget_simple_extent_dims(sp, dims, NULL);
    *a->rows = dims[0];
    *a->cols = nd == 2 ? dims[1] : 1;
    free(*a->table);
    if (!(a->out = *a->table = malloc((size_t)(np ? np : 1) * sizeof(double)))) {
      rc = NMSIM_ENOMEM;
      goto done;
    }
    a->want = (size_t)np;
  } else if (np < 0 || (size_t)np != a->want) {
    snprintf(a->msg, a->msglen, "%s: dataset '%s' has %lld values, expected %zu (one per neuron)",
             a->path, a->dataset, (long long)np, a->want);
    goto done;
  }
  if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->out) < 0) {
    snprintf(a->msg, a->msglen, "%s: dataset '%s' cannot be read", a->path, a->dataset);
    goto done;
  }
  rc = NMSIM_OK;
  for (size_t i = 0; i < a->want && rc == NMSIM_OK; i++)
    if (!isfinite(a->out[i])) {
      snprintf(a->msg, a->msglen, "%s: dataset '%s': value %zu is not a finite number", a->path,
               a->dataset, i);
      rc = NMSIM_EINPUT;
    }
done:
  if (t >= 0) H5Tclose(t);
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  if (f >= 0) H5Fclose(f);
  if (rc && err) NMSIM_ERR(err, rc, "%s", a->msg);
  return rc;
}

static nmsim_status read_any(const char *path, const char *dataset, size_t want, double *out,
                             double **table, size_t *rows, size_t *cols, char *msg,
                             size_t msglen) {
  msg[0] = 0;
  if (ends_with(path, ".npy")) return npy_values(path, want, out, table, rows, cols, msg, msglen);
  if (ends_with(path, ".h5") || ends_with(path, ".hdf5")) {
    if (!dataset) {
      snprintf(msg, msglen, "%s: an HDF5 file needs dataset: NAME", path);
      return NMSIM_EINPUT;
    }
    h5_args a = {path, dataset, want, out, msg, msglen, table, rows, cols};
    nmsim_err e = {0};
    nmsim_status rc = nm_guarded_read(path, "the HDF5 values", h5_read_fn, &a, &e);
    if (rc && !msg[0]) snprintf(msg, msglen, "%s", e.msg);
    return rc;
  }
  if (dataset) {
    snprintf(msg, msglen, "%s: dataset is for HDF5 files (.h5, .hdf5)", path);
    return NMSIM_EINPUT;
  }
  if (want == SIZE_MAX) {
    snprintf(msg, msglen, "%s: a table is read from .npy or HDF5 here", path);
    return NMSIM_EINPUT;
  }
  return text_values(path, want, out, msg, msglen);
}

nmsim_status values_file_read(const char *path, const char *dataset, size_t want, double *out,
                              char *msg, size_t msglen) {
  return read_any(path, dataset, want, out, NULL, NULL, NULL, msg, msglen);
}

nmsim_status values_table_read(const char *path, const char *dataset, double **out,
                               size_t *rows, size_t *cols, char *msg, size_t msglen) {
  *out = NULL;
  nmsim_status rc = read_any(path, dataset, SIZE_MAX, NULL, out, rows, cols, msg, msglen);
  if (rc) {
    free(*out);
    *out = NULL;
  }
  return rc;
}
