/* dvs_h5.c: the HDF5 events that `nmsim dvs convert` writes, read back as a
 * recording: 1-D datasets t_us (int64, microseconds), x, y (uint16) and p
 * (uint8, 1 = ON) of one length, and the attributes width and height. Events
 * are read through hyperslabs of at most the caller's batch, so a reader
 * holds a batch, never the file. The file is opened by its path (HDF5 is not
 * read through the byte window): a memory buffer or a gzip-compressed copy is
 * refused. */
#include <hdf5.h>
#include <stdlib.h>

#include "sim/base/guard.h"
#include "sim/dvs/dvs_int.h"

static const char *const h5_sets[4] = {"t_us", "x", "y", "p"};

typedef struct h5ev_state {
  hid_t file, ds[4];
  uint64_t n, next; /* events in the file; the next one to read */
  int64_t *t;       /* one batch of each column */
  uint16_t *x, *y;
  uint8_t *p;
  size_t cap;
} h5ev_state;

bool dvs_h5_signature(const unsigned char *p, size_t n) {
  return n >= 8 && memcmp(p, "\x89HDF\r\n\x1a\n", 8) == 0;
}

static hid_t h5_type(int k) {
  return k == 0 ? H5T_NATIVE_INT64 : k == 3 ? H5T_NATIVE_UINT8 : H5T_NATIVE_UINT16;
}

/* A scalar unsigned integer attribute of the file, or 0 when absent. */
static uint32_t h5_u32_attr(hid_t f, const char *name) {
  uint32_t v = 0;
  if (H5Aexists(f, name) <= 0) return 0;
  hid_t a = H5Aopen(f, name, H5P_DEFAULT);
  if (a < 0) return 0;
  hid_t sp = H5Aget_space(a), t = H5Aget_type(a);
  if (sp >= 0 && t >= 0 && H5Sget_simple_extent_npoints(sp) == 1 &&
      H5Tget_class(t) == H5T_INTEGER && H5Aread(a, H5T_NATIVE_UINT32, &v) < 0)
    v = 0;
  if (t >= 0) H5Tclose(t);
  if (sp >= 0) H5Sclose(sp);
  H5Aclose(a);
  return v;
}

static void h5ev_fini(dvs_reader *r) {
  h5ev_state *s = r->st;
  for (int k = 0; k < 4; k++)
    if (s->ds[k] > 0) H5Dclose(s->ds[k]);
  if (s->file > 0) H5Fclose(s->file);
  free(s->t), free(s->x), free(s->y), free(s->p);
}

/* Open the file and its four datasets, and check their shapes. */
static nmsim_status h5ev_open(dvs_reader *r, nmsim_err *err) {
  h5ev_state *s = r->st;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  s->file = H5Fopen(r->name, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (s->file < 0) return DVS_BAD(r, err, 0, "the HDF5 library cannot open the file");
  for (int k = 0; k < 4; k++) {
    if (H5Lexists(s->file, h5_sets[k], H5P_DEFAULT) <= 0 ||
        (s->ds[k] = H5Dopen2(s->file, h5_sets[k], H5P_DEFAULT)) < 0)
      return DVS_BAD(r, err, 0, "no dataset '%s' (expected t_us, x, y and p, as nmsim dvs "
                                "convert writes)", h5_sets[k]);
    hid_t sp = H5Dget_space(s->ds[k]), t = H5Dget_type(s->ds[k]);
    int nd = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    hsize_t dim = 0;
    if (nd == 1) H5Sget_simple_extent_dims(sp, &dim, NULL);
    bool integer = t >= 0 && H5Tget_class(t) == H5T_INTEGER;
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    if (nd != 1 || !integer)
      return DVS_BAD(r, err, 0, "dataset '%s': expected a 1-D array of integers", h5_sets[k]);
    if (k == 0) s->n = dim;
    else if (dim != s->n)
      return DVS_BAD(r, err, 0, "dataset '%s' holds %llu values, t_us %llu: expected one per "
                                "event in each", h5_sets[k], (unsigned long long)dim,
                     (unsigned long long)s->n);
  }
  r->info.width = h5_u32_attr(s->file, "width");
  r->info.height = h5_u32_attr(s->file, "height");
  r->info.data_offset = 0;
  return NMSIM_OK;
}

static nmsim_status h5ev_read(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n,
                              nmsim_err *err);

/* The whole file read once, as a run would (nm_guarded_read runs this in a
 * child first: libhdf5 can crash or hang on a damaged file). The reader is
 * left as it was. */
static nmsim_status h5ev_check(void *ctx, nmsim_err *err) {
  dvs_reader *r = ctx;
  enum { BATCH = 65536 };
  dvs_event *ev = malloc(BATCH * sizeof *ev);
  if (!ev) return NMSIM_ENOMEM_ERR(err);
  nmsim_status rc = h5ev_open(r, err);
  size_t n = 1;
  while (rc == NMSIM_OK && n > 0) rc = h5ev_read(r, ev, BATCH, &n, err);
  free(ev);
  h5ev_fini(r);
  memset(r->st, 0, sizeof(h5ev_state));
  r->done = false;
  return rc;
}

static nmsim_status h5ev_start(dvs_reader *r, nmsim_err *err) {
  nmsim_status rc;
  if ((rc = dvs_fill(r, 8, err))) return rc;
  if (!dvs_h5_signature(r->p, dvs_avail(r)))
    return DVS_BAD(r, err, 0, "not an HDF5 file (no HDF5 signature at byte 0)");
  if (!r->gz || r->info.gzip)
    return DVS_BAD(r, err, 0, "HDF5 events are read from an uncompressed file by its path");
  if ((rc = nm_guarded_read(r->name, "the HDF5 events", h5ev_check, r, err))) return rc;
  return h5ev_open(r, err);
}

static nmsim_status h5ev_read(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n,
                              nmsim_err *err) {
  h5ev_state *s = r->st;
  *n = 0;
  if (s->next >= s->n) return r->done = true, NMSIM_OK;
  size_t want = s->n - s->next < cap ? (size_t)(s->n - s->next) : cap;
  if (want > DVS_BUF_SIZE) want = DVS_BUF_SIZE;
  if (want > s->cap) {
    free(s->t), free(s->x), free(s->y), free(s->p);
    s->t = malloc(want * sizeof *s->t);
    s->x = malloc(want * sizeof *s->x);
    s->y = malloc(want * sizeof *s->y);
    s->p = malloc(want * sizeof *s->p);
    s->cap = want;
    if (!s->t || !s->x || !s->y || !s->p) {
      s->cap = 0;
      return NMSIM_ENOMEM_ERR(err);
    }
  }
  void *col[4] = {s->t, s->x, s->y, s->p};
  hsize_t start = s->next, count = want;
  for (int k = 0; k < 4; k++) {
    hid_t fs = H5Dget_space(s->ds[k]), ms = H5Screate_simple(1, &count, NULL);
    bool ok = fs >= 0 && ms >= 0 &&
              H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
              H5Dread(s->ds[k], h5_type(k), ms, fs, H5P_DEFAULT, col[k]) >= 0;
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (!ok)
      return DVS_BAD(r, err, 0, "dataset '%s': events %llu to %llu cannot be read (a damaged "
                                "file?)", h5_sets[k], (unsigned long long)start,
                     (unsigned long long)(start + count - 1));
  }
  for (size_t i = 0; i < want; i++) {
    if (s->p[i] > 1) {
      s->next += i;
      *n = i;
      return DVS_BAD(r, err, 0, "event %llu: polarity %u, expected 0 (OFF) or 1 (ON)",
                     (unsigned long long)(start + i), s->p[i]);
    }
    ev[i] = (dvs_event){.t_us = s->t[i], .x = s->x[i], .y = s->y[i], .p = s->p[i]};
  }
  s->next += want;
  *n = want;
  return NMSIM_OK;
}

const dvs_ops dvs_h5_ops = {
    .state_size = sizeof(h5ev_state),
    .start = h5ev_start,
    .read = h5ev_read,
    .fini = h5ev_fini,
};
