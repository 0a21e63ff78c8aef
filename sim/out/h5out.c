/* h5out.c: the HDF5 run file of h5out.h. Per-step series and spikes are
 * buffered in bounded memory, appended to chunked, compressed, extendible
 * datasets and flushed on a step/wall-time cadence; the end-of-run tables and
 * the summary are written at finish and read back by `nmsim report`. */
#include "sim/out/h5out.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sim/base/guard.h"

#define H5O_DEFLATE 4           /* zlib level: most of the gain, little of the cost */
#define H5O_SPIKE_CAP 65536u    /* spikes buffered per recorded population */
#define H5O_SPIKE_CHUNK 8192u   /* spikes per chunk: a flush rewrites at most one per dataset */
#define H5O_RAW_BLOCK (1u << 20)  /* file space reserved at a time for chunks (bytes) */
#define H5O_META_BLOCK (1u << 17) /* ... and for metadata */
/* Flush interval: flush_s, growing with the run to H5O_FLUSH_GROWTH of the
 * time elapsed (at most H5O_FLUSH_MAX_S), so that a long run neither loses
 * more than that share of its work nor rewrites its partial chunks (whose old
 * copies are not reused, see h5o_open) more than a few hundred times. */
#define H5O_FLUSH_GROWTH 0.01
#define H5O_FLUSH_MAX_S 60.0
#define H5O_SERIES_VALUES 131072u /* per-step doubles buffered over all series (1 MiB) */
#define H5O_ROWS_MAX 1024u      /* steps buffered at most */
#define H5O_CHUNK_VALUES 8192u  /* doubles per chunk of a 2-D per-step dataset */
#define H5O_READ_BLOCK 65536u   /* values per read when summing a dataset */
#define H5O_NAME_MAX 1024

/* One per-step dataset: latency, energy, or one variable of a state record. */
typedef struct h5o_series {
  hid_t ds;
  int rank;     /* 1: one value per step; 2: width values per step */
  size_t width;
  double *buf;  /* rows_cap x width, the steps not yet in the file */
} h5o_series;

/* Spikes of one population, buffered until H5O_SPIKE_CAP. */
typedef struct h5o_spk {
  hid_t step_ds, neuron_ds; /* H5I_INVALID_HID if the population is not recorded */
  uint64_t *step;
  uint32_t *neuron;
  size_t n, cap_step, cap_neuron;
  uint64_t written;
  uint64_t flushed;        /* of written, those on disk at the last good flush */
} h5o_spk;

typedef struct h5o_stinfo {
  size_t n_vars, n_neurons;
  size_t first; /* index of its first series */
} h5o_stinfo;

/* Where an in-memory run file goes at close (h5o_layout.image). */
typedef struct h5o_img {
  void **image;
  size_t *image_len;
  size_t size;     /* bytes of the core driver's buffer (the file and free room after
                      it, which HDF5 ignores when it opens the image) */
} h5o_img;

struct h5o_writer {
  h5o_img img;     /* in memory: the callbacks' data (the writer outlives the file) */
  char *path;
  hid_t file;
  uint32_t n_cores, n_tiles;
  h5o_series *series; /* [0] latency, [1] energy, then every state variable, then
                         (timed runs) the critical core and the step's split */
  size_t n_series;
  size_t crit_series;  /* index of the critical core's series; 0: none */
  size_t rows, rows_cap; /* steps buffered, and how many fit */
  uint64_t rows_written;
  uint64_t rows_flushed;   /* of rows_written, those on disk at the last good flush */
  h5o_spk *spk;
  size_t n_pops;
  h5o_stinfo *st;
  size_t n_states;
  uint64_t flush_steps, since_flush; /* flush cadence, and steps since the last flush */
  double flush_s, t_open, t_flush;   /* seconds (monotonic clock) */
  bool finished;
  nmsim_status failed; /* a write failed: the file holds a prefix, refuse more */
};

/* The scalar fields of run_summary, stored as /summary attributes. Fields
 * added after the first release are optional when reading (0 if absent). */
static const struct {
  const char *name;
  h5o_kind kind;
  size_t off;
  bool optional;
} summary_fields[] = {
#define F(name, kind) {#name, kind, offsetof(run_summary, name), false}
#define OPT(name, kind) {#name, kind, offsetof(run_summary, name), true}
    F(scenario, H5O_STR),      F(chip, H5O_STR),          F(nmsim_version, H5O_STR),
    F(status, H5O_STR),        F(seed, H5O_U64),          F(steps, H5O_U64),
    F(dt_ms, H5O_F64),         F(n_cores, H5O_U32),       F(cores_used, H5O_U32),
    F(tiles_used, H5O_U32),    F(static_pj, H5O_F64),     F(total_pj, H5O_F64),
    F(hw_time_ps, H5O_U64),    F(step_min_ps, H5O_U64),   F(step_max_ps, H5O_U64),
    F(step_mean_ps, H5O_F64),  F(packet_mean_ps, H5O_F64), F(packet_p99_ps, H5O_F64),
    F(spikes, H5O_U64),        F(synaptic_ops, H5O_U64),  F(neuron_updates, H5O_U64),
    F(packets, H5O_U64),       F(hops, H5O_U64),
    OPT(n_chips, H5O_U32),     OPT(chips_used, H5O_U32),   OPT(mode, H5O_STR),
    OPT(tick_overruns, H5O_U64), OPT(late_packets, H5O_U64),
    OPT(input_events, H5O_U64), OPT(window_mean_pj, H5O_F64), OPT(window_max_pj, H5O_F64),
    OPT(util_neurons_mean, H5O_F64), OPT(util_neurons_max, H5O_F64),
    OPT(util_synmem_mean, H5O_F64), OPT(util_synmem_max, H5O_F64),
    OPT(util_fanin_max, H5O_F64), OPT(util_fanout_max, H5O_F64),
    OPT(dynamic_pj, H5O_F64), OPT(static_power_mw, H5O_F64),
    OPT(pacing, H5O_STR), OPT(pacing_from, H5O_STR), OPT(pacing_ps, H5O_U64),
    OPT(busy_ps, H5O_U64), OPT(power_max_mw, H5O_F64),
    OPT(static_chip_mw, H5O_F64), OPT(static_tile_mw, H5O_F64), OPT(static_core_mw, H5O_F64),
    OPT(static_gated, H5O_U32), OPT(n_tiles, H5O_U32),
    OPT(dvfs, H5O_STR), OPT(dvfs_headroom, H5O_F64), OPT(dvfs_switches, H5O_U64),
    OPT(dvfs_switch_ps, H5O_U64), OPT(dvfs_levels, H5O_U32),
#define LV(k)                                                                      \
  {"dvfs_clock_hz_" #k, H5O_F64, offsetof(run_summary, dvfs_clock_hz[k - 1]), true}, \
  {"dvfs_volts_" #k, H5O_F64, offsetof(run_summary, dvfs_volts[k - 1]), true},       \
  {"dvfs_ticks_" #k, H5O_U64, offsetof(run_summary, dvfs_ticks[k - 1]), true}
    LV(1), LV(2), LV(3), LV(4),
#undef LV
    OPT(crit_steps, H5O_U64), OPT(on_ticks, H5O_U32), OPT(link_window, H5O_U64),
    OPT(n_windows, H5O_U64), OPT(stall_ps, H5O_U64), OPT(grid_w, H5O_U32),
    OPT(grid_h, H5O_U32), OPT(chip_w, H5O_U32), OPT(chip_h, H5O_U32),
    {"split_compute_ps", H5O_U64, offsetof(run_summary, split_ps[0]), true},
    {"split_comm_ps", H5O_U64, offsetof(run_summary, split_ps[1]), true},
    {"split_learn_ps", H5O_U64, offsetof(run_summary, split_ps[2]), true},
    {"split_sync_ps", H5O_U64, offsetof(run_summary, split_ps[3]), true},
#undef OPT
#undef F
};

/* A row of /summary/populations in memory. */
typedef struct h5o_poprec {
  char *name;
  char *model;
  uint32_t size;
  uint64_t spikes;
  double rate_hz;
  uint64_t bursts;
  double energy_neurons_pj, energy_synapses_pj, energy_learning_pj, energy_spikes_pj;
  uint64_t busy_ps;
} h5o_poprec;

/* A row of /summary/mapping in memory. */
typedef struct h5o_maprec {
  char *population;
  uint32_t first, n, core, tile, chip;
} h5o_maprec;

/* ---- errors --------------------------------------------------------------- */

static herr_t h5o_walk_cb(unsigned n, const H5E_error2_t *e, void *data) {
  char *why = data;
  if (n != 0 || !e->desc) return 0;
  /* the file driver's records run on over lines ("file read failed: time =
   * ..., filename = ..., errno = 21, error message = 'Is a directory', buf =
   * 0x..."): keep what the user can act on, the operation and the OS reason */
  const char *cut = strchr(e->desc, ':');
  const char *msg = strstr(e->desc, "error message = '");
  if (cut && msg) {
    msg += strlen("error message = '");
    const char *end = strchr(msg, '\'');
    snprintf(why, 400, "%.*s: %.*s", (int)(cut - e->desc), e->desc,
             (int)(end ? end - msg : (ptrdiff_t)strlen(msg)), msg);
  } else {
    snprintf(why, 400, "%s", e->desc);
  }
  for (char *c = why; *c; c++)
    if (*c == '\n') *c = ' ';
  return 0;
}

/* Record "<path>: <op>: <innermost HDF5 message>" and clear HDF5's stack. */
static nmsim_status h5o_fail(nmsim_err *err, nmsim_status code, const char *file, int line,
                             const char *path, const char *fmt, ...) NMSIM_PRINTF(6, 7);
static nmsim_status h5o_fail(nmsim_err *err, nmsim_status code, const char *file, int line,
                             const char *path, const char *fmt, ...) {
  char op[512], why[400] = "";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(op, sizeof op, fmt, ap);
  va_end(ap);
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5o_walk_cb, why);
  H5Eclear2(H5E_DEFAULT);
  if (why[0]) return nm_seterr(err, code, file, line, "%s: %s (HDF5: %s)", path, op, why);
  return nm_seterr(err, code, file, line, "%s: %s", path, op);
}
#define H5O_FAIL(err, code, path, ...) \
  h5o_fail((err), (code), __FILE__, __LINE__, (path), __VA_ARGS__)

/* HDF5 prints its error stack to stderr by default; nmsim reports instead. */
static void h5o_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/* Monotonic wall-clock seconds. */
static double h5o_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The current UTC time as ISO 8601 ("2024-05-01T12:00:00Z"), "" if unknown. */
static void h5o_utc(char when[32]) {
  time_t now = time(NULL);
  struct tm tm;
  when[0] = 0;
  if (gmtime_r(&now, &tm)) strftime(when, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void h5o_close_id(hid_t *id, herr_t (*fn)(hid_t)) {
  if (*id >= 0) fn(*id);
  *id = H5I_INVALID_HID;
}

/* ---- small HDF5 helpers (each closes what it opens; < 0 on failure) ------- */

/* Variable-length UTF-8 string type (what h5py reads as str). */
static hid_t h5o_str_type(void) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return t;
  if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
    H5Tclose(t);
    return H5I_INVALID_HID;
  }
  return t;
}

/* Attribute name on loc, replacing any existing one: a scalar (n == 0) or
 * n values, of file type ft, from memory of type mt. */
static herr_t h5o_put_attr(hid_t loc, const char *name, hid_t ft, hid_t mt, size_t n,
                       const void *v) {
  herr_t rc = -1;
  hid_t sp = H5I_INVALID_HID, a = H5I_INVALID_HID;
  htri_t ex = H5Aexists(loc, name);
  if (ex < 0 || (ex > 0 && H5Adelete(loc, name) < 0)) return -1;
  hsize_t dim = n;
  sp = n ? H5Screate_simple(1, &dim, NULL) : H5Screate(H5S_SCALAR);
  if (sp < 0) goto done;
  a = H5Acreate2(loc, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) goto done;
  if (H5Awrite(a, mt, v) < 0) goto done;
  rc = 0;
done:
  h5o_close_id(&a, H5Aclose);
  h5o_close_id(&sp, H5Sclose);
  return rc;
}

static herr_t h5o_attr_str(hid_t loc, const char *name, const char *s) {
  hid_t t = h5o_str_type();
  if (t < 0) return -1;
  const char *v = s ? s : "";
  herr_t rc = h5o_put_attr(loc, name, t, t, 0, &v);
  H5Tclose(t);
  return rc;
}

static herr_t h5o_attr_strs(hid_t loc, const char *name, const char *const *v, size_t n) {
  hid_t t = h5o_str_type();
  if (t < 0) return -1;
  herr_t rc = h5o_put_attr(loc, name, t, t, n, v);
  H5Tclose(t);
  return rc;
}

static herr_t h5o_attr_u64(hid_t loc, const char *name, uint64_t v) {
  return h5o_put_attr(loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &v);
}
static herr_t h5o_attr_u32(hid_t loc, const char *name, uint32_t v) {
  return h5o_put_attr(loc, name, H5T_STD_U32LE, H5T_NATIVE_UINT32, 0, &v);
}
static herr_t h5o_attr_f64(hid_t loc, const char *name, double v) {
  return h5o_put_attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &v);
}

/* The category keys, in NMSIM_ENERGY_MAP order: the "columns" attribute. */
static herr_t h5o_attr_columns(hid_t loc) {
  const char *keys[NM_E_COUNT];
  for (int c = 0; c < NM_E_COUNT; c++) keys[c] = nm_energy_key(c);
  return h5o_attr_strs(loc, "columns", keys, NM_E_COUNT);
}

/* Group at name (absolute); track_order keeps the order of its links. */
static hid_t h5o_group(hid_t file, const char *name, bool track_order) {
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  if (gcpl < 0) return gcpl;
  hid_t g = H5I_INVALID_HID;
  if (!track_order ||
      H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0)
    g = H5Gcreate2(file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  H5Pclose(gcpl);
  return g;
}

/* An extendible dataset of file type ft, with no rows yet: shape {0} (rank 1)
 * or {0, width} (rank 2), chunks of chunk_rows rows, shuffle + deflate, and a
 * "unit" attribute unless unit is NULL. */
static hid_t h5o_dset(hid_t loc, const char *name, hid_t ft, int rank, size_t width,
                      size_t chunk_rows, const char *unit) {
  hid_t sp = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  hsize_t dims[2] = {0, width};
  hsize_t maxd[2] = {H5S_UNLIMITED, width ? width : H5S_UNLIMITED};
  hsize_t chunk[2] = {chunk_rows ? chunk_rows : 1, width ? width : 1};
  sp = H5Screate_simple(rank, dims, maxd);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (sp < 0 || dcpl < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
      H5Pset_deflate(dcpl, H5O_DEFLATE) < 0)
    goto fail;
  ds = H5Dcreate2(loc, name, ft, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (ds < 0) goto fail;
  if (unit && h5o_attr_str(ds, "unit", unit) < 0) goto fail;
  H5Pclose(dcpl);
  H5Sclose(sp);
  return ds;
fail:
  h5o_close_id(&ds, H5Dclose);
  h5o_close_id(&dcpl, H5Pclose);
  h5o_close_id(&sp, H5Sclose);
  return H5I_INVALID_HID;
}

/* Append nrows rows (of width values, rank 2; or single values, rank 1) at row
 * start of ds, from buf of memory type mt. */
static herr_t h5o_append(hid_t ds, int rank, hsize_t start, size_t nrows, size_t width,
                         hid_t mt, const void *buf) {
  if (nrows == 0) return 0;
  herr_t rc = -1;
  hid_t fs = H5I_INVALID_HID, ms = H5I_INVALID_HID;
  errno = 0; /* the OS reason of a failed write, when libhdf5 keeps none */
  hsize_t dims[2] = {start + nrows, width};
  hsize_t off[2] = {start, 0}, cnt[2] = {nrows, width};
  if (H5Dset_extent(ds, dims) < 0) goto done;
  fs = H5Dget_space(ds);
  if (fs < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0) goto done;
  ms = H5Screate_simple(rank, cnt, NULL);
  if (ms < 0 || H5Dwrite(ds, mt, ms, fs, H5P_DEFAULT, buf) < 0) goto done;
  rc = 0;
done:
  h5o_close_id(&ms, H5Sclose);
  h5o_close_id(&fs, H5Sclose);
  return rc;
}

/* A scalar string dataset (the scenario and chip texts). Scalar datasets
 * cannot be chunked; they are small and stored contiguously. */
static herr_t h5o_text(hid_t file, const char *name, const char *text) {
  herr_t rc = -1;
  hid_t t = h5o_str_type(), sp = H5Screate(H5S_SCALAR), ds = H5I_INVALID_HID;
  const char *v = text ? text : "";
  if (t < 0 || sp < 0) goto done;
  ds = H5Dcreate2(file, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (ds < 0 || H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0) goto done;
  rc = 0;
done:
  h5o_close_id(&ds, H5Dclose);
  h5o_close_id(&sp, H5Sclose);
  h5o_close_id(&t, H5Tclose);
  return rc;
}

/* Name of the object ds for a message. */
static const char *h5o_name_of(hid_t ds, char *buf, size_t n) {
  if (H5Iget_name(ds, buf, n) <= 0) snprintf(buf, n, "(dataset)");
  return buf;
}

/* A link name that HDF5 would not split or reject: non-empty, no '/', not ".". */
static bool h5o_valid_name(const char *s) {
  return s && *s && !strchr(s, '/') && strcmp(s, ".") != 0;
}

/* ---- the writer ------------------------------------------------------------ */

static void h5o_free(h5o_writer *w) {
  if (!w) return;
  for (size_t i = 0; i < w->n_series; i++) {
    h5o_close_id(&w->series[i].ds, H5Dclose);
    nm_free(w->series[i].buf);
  }
  for (size_t p = 0; p < w->n_pops; p++) {
    h5o_close_id(&w->spk[p].step_ds, H5Dclose);
    h5o_close_id(&w->spk[p].neuron_ds, H5Dclose);
    nm_free(w->spk[p].step);
    nm_free(w->spk[p].neuron);
  }
  h5o_close_id(&w->file, H5Fclose);
  nm_free(w->series);
  nm_free(w->spk);
  nm_free(w->st);
  nm_free(w->path);
  nm_free(w);
}

/* Write every buffered step and spike, so the file holds a whole prefix of
 * the run: the series first, then the spikes of those steps. */
/* A write of the run file failed (a full disk, a quota): the library's state
 * of that file may be broken, so it is not shut down at exit (libhdf5 1.10
 * crashed closing it again there); see h5o_shutdown. */
static bool h5o_write_failed;

/* After a failed write: every series and spike dataset back to the rows of
 * the last good flush, so the file's extents never promise rows it lacks (a
 * reader then reads every step up to the last good one). */
static void h5o_rewind(h5o_writer *w) {
  for (size_t i = 0; i < w->n_series; i++) {
    hsize_t dims[2] = {w->rows_flushed, w->series[i].width};
    if (w->series[i].ds >= 0) H5Dset_extent(w->series[i].ds, dims);
  }
  for (size_t p = 0; p < w->n_pops; p++) {
    hsize_t n[1] = {w->spk[p].flushed};
    if (w->spk[p].step_ds >= 0) H5Dset_extent(w->spk[p].step_ds, n);
    if (w->spk[p].neuron_ds >= 0) H5Dset_extent(w->spk[p].neuron_ds, n);
  }
}

void h5o_note_write_failure(void) { h5o_write_failed = true; }

void h5o_last_error(char *buf, size_t n) {
  char why[400] = "";
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5o_walk_cb, why);
  H5Eclear2(H5E_DEFAULT);
  snprintf(buf, n, "%s", why[0] ? why : "no reason given by libhdf5");
}

void h5o_shutdown(void) {
  if (!h5o_write_failed) H5close();
}

/* An append to ds failed: the writer takes no more, the file goes back to
 * its last good flush. */
static nmsim_status h5o_append_failed(h5o_writer *w, hid_t ds, nmsim_err *err) {
  char name[256];
  int os = errno;
  w->failed = NMSIM_EWRITE;
  h5o_write_failed = true;
  nmsim_status st = H5O_FAIL(err, NMSIM_EWRITE, w->path, "cannot append to %s",
                             h5o_name_of(ds, name, sizeof name));
  if (err && os && !strstr(err->msg, "(HDF5: ")) {
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(os));
  }
  h5o_rewind(w);
  return st;
}

static nmsim_status h5o_drain(h5o_writer *w, nmsim_err *err) {
  if (w->failed) return NMSIM_ERR(err, w->failed, "%s: an earlier write failed", w->path);
  for (size_t i = 0; i < w->n_series; i++) {
    h5o_series *s = &w->series[i];
    if (h5o_append(s->ds, s->rank, w->rows_written, w->rows, s->width, H5T_NATIVE_DOUBLE,
                   s->buf) < 0) {
      return h5o_append_failed(w, s->ds, err);
    }
  }
  w->rows_written += w->rows;
  w->rows = 0;
  for (size_t p = 0; p < w->n_pops; p++) {
    h5o_spk *k = &w->spk[p];
    if (k->step_ds < 0 || k->n == 0) continue;
    if (h5o_append(k->step_ds, 1, k->written, k->n, 1, H5T_NATIVE_UINT64, k->step) < 0 ||
        h5o_append(k->neuron_ds, 1, k->written, k->n, 1, H5T_NATIVE_UINT32, k->neuron) < 0) {
      return h5o_append_failed(w, k->step_ds, err);
    }
    k->written += k->n;
    k->n = 0;
  }
  return NMSIM_OK;
}

/* Root attributes and /meta. */
static nmsim_status h5o_write_meta(h5o_writer *w, const h5o_layout *lay, nmsim_err *err) {
  char when[32];
  h5o_utc(when);
  hid_t f = w->file;
  if (h5o_attr_str(f, "nmsim_version", nmsim_version()) < 0 ||
      h5o_attr_str(f, "scenario_name", lay->scenario_name) < 0 ||
      h5o_attr_u64(f, "seed", lay->seed) < 0 || h5o_attr_str(f, "chip", lay->chip_name) < 0 ||
      h5o_attr_u64(f, "steps", lay->steps) < 0 || h5o_attr_f64(f, "dt_ms", lay->dt_ms) < 0 ||
      h5o_attr_u32(f, "n_cores", lay->n_cores) < 0 ||
      h5o_attr_u32(f, "n_tiles", lay->n_tiles) < 0 ||
      h5o_attr_f64(f, "static_power_mw", lay->static_power_mw) < 0 ||
      h5o_attr_str(f, "overrides", lay->overrides_json ? lay->overrides_json : "{}") < 0 ||
      h5o_attr_str(f, "start_time", when) < 0 || h5o_attr_str(f, "status", "incomplete") < 0)
    return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write the attributes of /");
  hid_t g = h5o_group(f, "/meta", false);
  if (g < 0) return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot create group /meta");
  H5Gclose(g);
  if (h5o_text(f, "/meta/scenario", lay->scenario_text) < 0)
    return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /meta/scenario");
  if (h5o_text(f, "/meta/chip", lay->chip_text) < 0)
    return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /meta/chip");
  return NMSIM_OK;
}

/* /populations/<name> with its attributes and, if recorded, its spikes. */
static nmsim_status h5o_create_pops(h5o_writer *w, const h5o_layout *lay, nmsim_err *err) {
  char name[H5O_NAME_MAX];
  hid_t g = h5o_group(w->file, "/populations", true);
  if (g < 0) return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot create group /populations");
  H5Gclose(g);
  for (size_t p = 0; p < lay->n_pops; p++) {
    const h5o_pop *pop = &lay->pops[p];
    h5o_spk *k = &w->spk[p];
    snprintf(name, sizeof name, "/populations/%s", pop->name);
    g = h5o_group(w->file, name, false);
    if (g < 0) return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot create group %s", name);
    herr_t rc = h5o_attr_u32(g, "size", pop->size);
    if (rc >= 0) rc = h5o_attr_str(g, "model", pop->model);
    if (rc >= 0) rc = h5o_attr_u32(g, "record_spikes", pop->record_spikes);
    hid_t sg = H5I_INVALID_HID;
    if (rc >= 0 && pop->record_spikes) {
      sg = h5o_group(g, "spikes", false);
      k->step_ds =
          sg < 0 ? sg : h5o_dset(sg, "step", H5T_STD_U64LE, 1, 1, H5O_SPIKE_CHUNK, "step");
      k->neuron_ds = k->step_ds < 0 ? H5I_INVALID_HID
                                    : h5o_dset(sg, "neuron", H5T_STD_U32LE, 1, 1,
                                               H5O_SPIKE_CHUNK, "index");
      if (k->neuron_ds < 0) rc = -1;
    }
    h5o_close_id(&sg, H5Gclose);
    H5Gclose(g);
    if (rc < 0) return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot create %s", name);
  }
  return NMSIM_OK;
}

/* /state/<pop>/<var> for every recorded state variable. */
static nmsim_status h5o_create_states(h5o_writer *w, const h5o_layout *lay, nmsim_err *err) {
  char gname[H5O_NAME_MAX], name[2 * H5O_NAME_MAX];
  hid_t g = h5o_group(w->file, "/state", true);
  if (g < 0) return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot create group /state");
  H5Gclose(g);
  for (size_t k = 0; k < lay->n_states; k++) {
    const h5o_state *s = &lay->states[k];
    snprintf(gname, sizeof gname, "/state/%s", lay->pops[s->pop].name);
    htri_t ex = H5Lexists(w->file, gname, H5P_DEFAULT);
    g = ex > 0 ? H5Gopen2(w->file, gname, H5P_DEFAULT)
               : ex == 0 ? h5o_group(w->file, gname, true) : H5I_INVALID_HID;
    if (g < 0) return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot create group %s", gname);
    size_t n = s->n_neurons;
    size_t chunk_rows = H5O_CHUNK_VALUES / NM_MAX(n, (size_t)1);
    chunk_rows = NM_MAX((size_t)1, NM_MIN((size_t)H5O_ROWS_MAX, chunk_rows));
    for (size_t v = 0; v < s->n_vars; v++) {
      h5o_series *se = &w->series[w->st[k].first + v];
      const char *unit = s->var_units && s->var_units[v] ? s->var_units[v] : "1";
      snprintf(name, sizeof name, "%s/%s", gname, s->var_names[v]);
      se->ds = h5o_dset(g, s->var_names[v], H5T_IEEE_F64LE, 2, n, chunk_rows, unit);
      if (se->ds < 0 ||
          h5o_put_attr(se->ds, "neurons", H5T_STD_U32LE, H5T_NATIVE_UINT32, n, s->neurons) < 0 ||
          h5o_attr_u32(se->ds, "population", s->pop) < 0) {
        H5Gclose(g);
        return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot create dataset %s", name);
      }
    }
    H5Gclose(g);
  }
  return NMSIM_OK;
}

/* /steps/latency_ns and /steps/energy_pj; the empty groups /cores, /packets. */
static nmsim_status h5o_create_steps(h5o_writer *w, nmsim_err *err) {
  hid_t g = h5o_group(w->file, "/steps", false);
  if (g < 0) return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot create group /steps");
  w->series[0].ds = h5o_dset(g, "latency_ns", H5T_IEEE_F64LE, 1, 1, H5O_ROWS_MAX, "ns");
  if (w->series[0].ds >= 0)
    w->series[1].ds =
        h5o_dset(g, "energy_pj", H5T_IEEE_F64LE, 2, NM_E_COUNT, H5O_ROWS_MAX, "pJ");
  bool ok = true;
  if (w->series[1].ds >= 0 && w->crit_series) {
    static const char *const parts[] = {"compute", "communication", "learning", "sync"};
    size_t k = w->crit_series;
    w->series[k].ds = h5o_dset(g, "critical_core", H5T_STD_U32LE, 1, 1, H5O_ROWS_MAX, "core");
    w->series[k + 1].ds =
        w->series[k].ds < 0 ? H5I_INVALID_HID
                            : h5o_dset(g, "split_ns", H5T_IEEE_F64LE, 2, 4, H5O_ROWS_MAX, "ns");
    ok = w->series[k + 1].ds >= 0 &&
         h5o_attr_strs(w->series[k + 1].ds, "columns", parts, 4) >= 0;
  }
  H5Gclose(g);
  if (!ok || w->series[1].ds < 0 || h5o_attr_columns(w->series[1].ds) < 0)
    return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot create the datasets of /steps");
  static const char *const groups[] = {"/cores", "/packets"};
  for (size_t i = 0; i < NM_ARRAY_LEN(groups); i++) {
    g = h5o_group(w->file, groups[i], false);
    if (g < 0) return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot create group %s", groups[i]);
    H5Gclose(g);
  }
  return NMSIM_OK;
}

static nmsim_status h5o_check_layout(const char *path, const h5o_layout *lay, nmsim_err *err) {
  if (lay->n_pops && !lay->pops)
    return NMSIM_ERR(err, NMSIM_EINVAL, "%s: layout has populations but no array", path);
  for (size_t p = 0; p < lay->n_pops; p++) {
    const char *n = lay->pops[p].name;
    if (!h5o_valid_name(n) || strlen(n) > H5O_NAME_MAX / 2)
      return NMSIM_ERR(err, NMSIM_EINVAL,
                       "%s: population name '%s' cannot name an HDF5 group (empty, '.', "
                       "contains '/', or longer than %d bytes)",
                       path, n ? n : "(null)", H5O_NAME_MAX / 2);
  }
  for (size_t k = 0; k < lay->n_states; k++) {
    const h5o_state *s = &lay->states[k];
    if (s->pop >= lay->n_pops)
      return NMSIM_ERR(err, NMSIM_EINVAL, "%s: state record %zu names population %u of %zu",
                       path, k, (unsigned)s->pop, lay->n_pops);
    if ((s->n_vars && !s->var_names) || (s->n_neurons && !s->neurons))
      return NMSIM_ERR(err, NMSIM_EINVAL, "%s: state record %zu has NULL arrays", path, k);
    for (size_t v = 0; v < s->n_vars; v++)
      if (!h5o_valid_name(s->var_names[v]) || strlen(s->var_names[v]) > H5O_NAME_MAX / 2)
        return NMSIM_ERR(err, NMSIM_EINVAL,
                         "%s: state variable '%s' of population '%s' cannot name a dataset",
                         path, s->var_names[v] ? s->var_names[v] : "(null)",
                         lay->pops[s->pop].name);
  }
  return NMSIM_OK;
}

/* A run file replaces only an earlier run file: anything else at path (a
 * results database given as -o, a recording, a document) is kept and the
 * run refused, before anything is written. */
static nmsim_status h5o_may_replace(const char *path, nmsim_err *err) {
  struct stat st;
  if (stat(path, &st) != 0) return NMSIM_OK; /* nothing there (or h5o_open says why) */
  if (!S_ISREG(st.st_mode))
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s: not a regular file; a run file is written to a "
                     "new path or over an earlier run file", path);
  bool run_file = false;
  if (H5Fis_hdf5(path) > 0) {
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    run_file = f >= 0 && H5Aexists(f, "nmsim_version") > 0;
    h5o_close_id(&f, H5Fclose);
  }
  if (!run_file)
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s exists and is not an nmsim run file: it is kept "
                     "(remove it, or choose another path)", path);
  return NMSIM_OK;
}

/* ---- the run file in memory ------------------------------------------------------
 * HDF5's core driver keeps the file in a buffer it allocates through these
 * callbacks; at close (the file complete, its superblock final) the buffer
 * goes to the caller instead of being freed. An image taken while the file
 * is open is not one HDF5 can read back (its superblock is not final). */

/* The run file is the only buffer these callbacks see (no initial image is
 * given), so the size of the latest allocation is the buffer's. */
static void *h5o_img_malloc(size_t size, H5FD_file_image_op_t op, void *udata) {
  (void)op;
  h5o_img *m = udata;
  void *p = nm_malloc(size ? size : 1);
  if (p) m->size = size;
  return p;
}

static void *h5o_img_memcpy(void *dest, const void *src, size_t size, H5FD_file_image_op_t op,
                            void *udata) {
  (void)op;
  (void)udata;
  return memcpy(dest, src, size);
}

static void *h5o_img_realloc(void *ptr, size_t size, H5FD_file_image_op_t op, void *udata) {
  (void)op;
  h5o_img *m = udata;
  void *p = nm_realloc(ptr, size ? size : 1);
  if (p) m->size = size;
  return p;
}

static herr_t h5o_img_free(void *ptr, H5FD_file_image_op_t op, void *udata) {
  h5o_img *m = udata;
  if (op == H5FD_FILE_IMAGE_OP_FILE_CLOSE && m->image && !*m->image) {
    *m->image = ptr; /* the finished file, handed over */
    *m->image_len = m->size;
    return 0;
  }
  nm_free(ptr);
  return 0;
}

static void *h5o_img_udata_copy(void *udata) { return udata; }
static herr_t h5o_img_udata_free(void *udata) {
  (void)udata;
  return 0;
}

static herr_t h5o_memory_fapl(hid_t fapl, h5o_writer *w, const h5o_layout *lay) {
  w->img = (h5o_img){.image = lay->image, .image_len = lay->image_len};
  *lay->image = NULL;
  *lay->image_len = 0;
  H5FD_file_image_callbacks_t cb = {h5o_img_malloc,     h5o_img_memcpy,     h5o_img_realloc,
                                    h5o_img_free,       h5o_img_udata_copy, h5o_img_udata_free,
                                    &w->img};
  if (H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) < 0) return -1;
  return H5Pset_file_image_callbacks(fapl, &cb);
}

nmsim_status h5o_open(const char *path, const h5o_layout *lay, h5o_writer **out,
                      nmsim_err *err) {
  if (!path || !lay || !out) return NMSIM_ERR(err, NMSIM_EINVAL, "h5o_open: NULL argument");
  *out = NULL;
  nmsim_status st = h5o_check_layout(path, lay, err);
  if (st) return st;
  h5o_quiet();
  if (!lay->image && (st = h5o_may_replace(path, err))) return st;

  hid_t fapl = H5I_INVALID_HID, fcpl = H5I_INVALID_HID;
  bool created = false;
  h5o_writer *w = nm_calloc(1, sizeof *w);
  if (!w) return NMSIM_ENOMEM_ERR(err);
  w->file = H5I_INVALID_HID;
  w->n_cores = lay->n_cores;
  w->n_tiles = lay->n_tiles;
  w->flush_steps = lay->flush_steps ? lay->flush_steps : UINT64_MAX;
  w->flush_s = lay->flush_s > 0 ? lay->flush_s : H5O_FLUSH_S_DEFAULT;
  w->t_open = w->t_flush = h5o_now();
  w->path = nm_strdup(path);
  size_t n_series = lay->timed ? 4 : 2;
  for (size_t k = 0; k < lay->n_states; k++) n_series += lay->states[k].n_vars;
  w->series = nm_calloc(n_series, sizeof *w->series);
  w->spk = nm_calloc(lay->n_pops, sizeof *w->spk);
  w->st = nm_calloc(lay->n_states, sizeof *w->st);
  if (!w->path || !w->series || !w->spk || !w->st) goto nomem;
  w->n_series = n_series;
  w->n_pops = lay->n_pops;
  w->n_states = lay->n_states;
  for (size_t i = 0; i < w->n_series; i++) w->series[i].ds = H5I_INVALID_HID;
  for (size_t p = 0; p < w->n_pops; p++)
    w->spk[p].step_ds = w->spk[p].neuron_ds = H5I_INVALID_HID;

  /* shapes of the series, and how many steps to buffer */
  size_t row_values = 1 + NM_E_COUNT;
  w->series[0] = (h5o_series){H5I_INVALID_HID, 1, 1, NULL};
  w->series[1] = (h5o_series){H5I_INVALID_HID, 2, NM_E_COUNT, NULL};
  size_t next = 2;
  for (size_t k = 0; k < lay->n_states; k++) {
    const h5o_state *s = &lay->states[k];
    w->st[k] = (h5o_stinfo){s->n_vars, s->n_neurons, next};
    for (size_t v = 0; v < s->n_vars; v++)
      w->series[next++] = (h5o_series){H5I_INVALID_HID, 2, s->n_neurons, NULL};
    row_values += s->n_vars * s->n_neurons;
  }
  if (lay->timed) {
    w->crit_series = next;
    w->series[next] = (h5o_series){H5I_INVALID_HID, 1, 1, NULL};
    w->series[next + 1] = (h5o_series){H5I_INVALID_HID, 2, 4, NULL};
    row_values += 5;
  }
  w->rows_cap = NM_MAX((size_t)1, NM_MIN((size_t)H5O_ROWS_MAX, H5O_SERIES_VALUES / row_values));
  for (size_t i = 0; i < w->n_series; i++) {
    w->series[i].buf = nm_malloc(w->rows_cap * NM_MAX(w->series[i].width, (size_t)1) *
                                 sizeof(double));
    if (!w->series[i].buf) goto nomem;
  }

  /* 1.8 object formats and superblock version 2: large attributes (long
   * neuron lists) go to dense storage, and a file left by a killed run has no
   * "open for write" flags (superblock 3 would, and then plain readers refuse
   * it). Durability: file space is never reused within a run (strategy AGGR,
   * no free-space manager; its message needs the 1.10 upper bound). A chunk
   * that grows is written anew, so the copy that the index on disk points to
   * stays intact until the next flush has written the new index: a run killed
   * at any moment keeps every step of its last completed flush. Chunks and
   * metadata are placed in large preallocated blocks, so the end of file that
   * the superblock on disk records (written last in a flush) already covers
   * what a half-finished flush may point to. */
  fapl = H5Pcreate(H5P_FILE_ACCESS);
  fcpl = H5Pcreate(H5P_FILE_CREATE);
  if (fapl < 0 || fcpl < 0 ||
      H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110) < 0 ||
      H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
      H5Pset_small_data_block_size(fapl, H5O_RAW_BLOCK) < 0 ||
      H5Pset_meta_block_size(fapl, H5O_META_BLOCK) < 0 ||
      (lay->image && h5o_memory_fapl(fapl, w, lay) < 0) ||
      H5Pset_file_space_strategy(fcpl, H5F_FSPACE_STRATEGY_AGGR, 0, (hsize_t)1) < 0) {
    st = H5O_FAIL(err, NMSIM_EHDF5, path, "cannot set up file access");
    goto fail;
  }
  errno = 0;
  w->file = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
  if (w->file < 0) {
    int e = errno; /* the system's reason says it best; else HDF5's */
    if (e) {
      H5Eclear2(H5E_DEFAULT);
      st = NMSIM_ERR(err, NMSIM_EIO, "%s: cannot create the run file: %s", path, strerror(e));
    } else {
      st = H5O_FAIL(err, NMSIM_EIO, path, "cannot create the run file");
    }
    goto fail;
  }
  created = true;
  if ((st = h5o_write_meta(w, lay, err)) || (st = h5o_create_pops(w, lay, err)) ||
      (st = h5o_create_states(w, lay, err)) || (st = h5o_create_steps(w, err)))
    goto fail;
  if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) {
    h5o_write_failed = true;
    st = H5O_FAIL(err, NMSIM_EWRITE, path, "cannot flush the run file");
    goto fail;
  }
  H5Pclose(fapl);
  H5Pclose(fcpl);
  *out = w;
  return NMSIM_OK;

nomem:
  st = NMSIM_ENOMEM_ERR(err);
fail:
  h5o_close_id(&fapl, H5Pclose);
  h5o_close_id(&fcpl, H5Pclose);
  h5o_free(w);
  if (created) remove(path);
  return st;
}

nmsim_status h5o_step_write(h5o_writer *w, const h5o_step *st, nmsim_err *err) {
  if (!w || !st) return NMSIM_ERR(err, NMSIM_EINVAL, "h5o_step_write: NULL argument");
  if (w->finished)
    return NMSIM_ERR(err, NMSIM_EINVAL, "%s: step %llu written after h5o_finish", w->path,
                     (unsigned long long)st->step);
  if (w->failed) return NMSIM_ERR(err, w->failed, "%s: an earlier write failed", w->path);
  nmsim_status s;

  /* 1. room: drain first if this step's spikes would not fit beside the
   * buffered ones, so the file only ever holds whole steps */
  bool drain = w->rows == w->rows_cap;
  for (size_t p = 0; p < w->n_pops; p++) {
    size_t ns = st->n_spikes && st->spikes ? st->n_spikes[p] : 0;
    if (w->spk[p].step_ds >= 0 && w->spk[p].n && w->spk[p].n + ns > H5O_SPIKE_CAP)
      drain = true;
  }
  if (drain && (s = h5o_drain(w, err))) return s;

  /* 2. reserve spike memory (on failure nothing has changed) */
  for (size_t p = 0; p < w->n_pops; p++) {
    h5o_spk *k = &w->spk[p];
    size_t ns = st->n_spikes && st->spikes ? st->n_spikes[p] : 0;
    if (k->step_ds < 0 || ns == 0) continue;
    size_t need = NM_MIN(k->n + ns, (size_t)H5O_SPIKE_CAP);
    if (nm_grow((void **)&k->step, &k->cap_step, need, sizeof *k->step) ||
        nm_grow((void **)&k->neuron, &k->cap_neuron, need, sizeof *k->neuron))
      return NMSIM_ENOMEM_ERR(err);
  }

  /* 3. the per-step series */
  size_t r = w->rows;
  w->series[0].buf[r] = (double)st->latency_ps / NMSIM_PS_PER_NS;
  for (int c = 0; c < NM_E_COUNT; c++)
    w->series[1].buf[r * NM_E_COUNT + c] = st->energy_pj ? st->energy_pj[c] : 0.0;
  if (w->crit_series) {
    w->series[w->crit_series].buf[r] = (double)st->critical_core;
    for (int k = 0; k < 4; k++)
      w->series[w->crit_series + 1].buf[r * 4 + k] =
          st->split_ps ? (double)st->split_ps[k] / NMSIM_PS_PER_NS : 0.0;
  }
  for (size_t k = 0; k < w->n_states; k++) {
    const h5o_stinfo *si = &w->st[k];
    const double *vals = st->values ? st->values[k] : NULL;
    for (size_t v = 0; v < si->n_vars; v++) {
      double *dst = w->series[si->first + v].buf + r * si->n_neurons;
      for (size_t j = 0; j < si->n_neurons; j++)
        dst[j] = vals ? vals[v * si->n_neurons + j] : NAN;
    }
  }
  w->rows++;

  /* 4. spikes; a step with more than H5O_SPIKE_CAP of them goes out in pieces */
  for (size_t p = 0; p < w->n_pops; p++) {
    h5o_spk *k = &w->spk[p];
    size_t ns = st->n_spikes && st->spikes ? st->n_spikes[p] : 0;
    if (k->step_ds < 0 || ns == 0) continue;
    const uint32_t *src = st->spikes[p];
    while (ns) {
      size_t room = NM_MIN(k->cap_step, k->cap_neuron) - k->n;
      if (!ALWAYS(room > 0)) return NMSIM_ERR(err, NMSIM_EINTERNAL, "spike buffer full");
      size_t take = NM_MIN(room, ns);
      for (size_t i = 0; i < take; i++) {
        k->step[k->n + i] = st->step;
        k->neuron[k->n + i] = src[i];
      }
      k->n += take;
      src += take;
      ns -= take;
      if (k->n == H5O_SPIKE_CAP && (s = h5o_drain(w, err))) return s;
    }
  }

  /* 5. a full buffer of steps goes to the file; on the flush cadence every
   * buffered step goes, and the file is flushed so that a crash keeps them */
  if (w->rows == w->rows_cap && (s = h5o_drain(w, err))) return s;
  double now = h5o_now();
  double every = NM_MAX(w->flush_s, NM_MIN(H5O_FLUSH_GROWTH * (now - w->t_open), H5O_FLUSH_MAX_S));
  if (++w->since_flush >= w->flush_steps || now - w->t_flush >= every) return h5o_flush(w, err);
  return NMSIM_OK;
}

nmsim_status h5o_flush(h5o_writer *w, nmsim_err *err) {
  if (!w) return NMSIM_ERR(err, NMSIM_EINVAL, "h5o_flush: NULL writer");
  nmsim_status s = h5o_drain(w, err);
  if (s) return s;
  w->since_flush = 0;
  w->t_flush = h5o_now();
  if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) {
    w->failed = NMSIM_EWRITE;
    h5o_write_failed = true;
    nmsim_status st = H5O_FAIL(err, NMSIM_EWRITE, w->path, "cannot flush the run file");
    h5o_rewind(w);
    return st;
  }
  w->rows_flushed = w->rows_written;
  for (size_t p = 0; p < w->n_pops; p++) w->spk[p].flushed = w->spk[p].written;
  return NMSIM_OK;
}

/* A rows x width table of doubles (energy per core or per tile) at name. */
static herr_t h5o_energy_table(hid_t file, const char *name, const double *v, size_t rows) {
  hid_t ds = h5o_dset(file, name, H5T_IEEE_F64LE, 2, NM_E_COUNT,
                      NM_MAX((size_t)1, NM_MIN(rows, (size_t)H5O_ROWS_MAX)), "pJ");
  herr_t rc = ds < 0 ? -1 : h5o_attr_columns(ds);
  if (rc >= 0) rc = h5o_append(ds, 2, 0, rows, NM_E_COUNT, H5T_NATIVE_DOUBLE, v);
  h5o_close_id(&ds, H5Dclose);
  return rc;
}

/* One column of /links: n values (width 1 or 2) of file type ft. */
static herr_t h5o_links_col(hid_t g, const char *name, hid_t ft, hid_t mt, size_t n,
                            size_t width, const void *v, const char *unit) {
  hid_t ds = h5o_dset(g, name, ft, width == 1 ? 1 : 2, width == 1 ? 1 : width,
                      NM_MAX((size_t)1, NM_MIN(n, (size_t)4096)), unit);
  herr_t rc = ds < 0 ? -1 : h5o_append(ds, width == 1 ? 1 : 2, 0, n, width, mt, v);
  h5o_close_id(&ds, H5Dclose);
  return rc;
}

/* /links: one row per directed link; utilisation against hw_time_ps. */
static nmsim_status h5o_write_links(h5o_writer *w, const h5o_links *l, nmsim_ps hw_time_ps,
                                    nmsim_err *err) {
  nmsim_status st = NMSIM_OK;
  double *util = nm_calloc(l->n + 1, sizeof *util);
  char **names = nm_calloc(l->n + 1, sizeof *names);
  hid_t g = H5I_INVALID_HID, t = H5I_INVALID_HID;
  if (!util || !names) {
    st = NMSIM_ENOMEM_ERR(err);
    goto done;
  }
  double hw_ns = (double)hw_time_ps / NMSIM_PS_PER_NS;
  for (size_t i = 0; i < l->n; i++) {
    util[i] = hw_ns > 0 && l->busy_ns ? l->busy_ns[i] / hw_ns : 0.0;
    names[i] = (char *)(l->names && l->names[i] ? l->names[i] : "");
  }
  g = h5o_group(w->file, "/links", false);
  t = h5o_str_type();
  if (g < 0 || t < 0 || h5o_attr_u64(g, "n_links", l->n) < 0 ||
      h5o_links_col(g, "name", t, t, l->n, 1, names, NULL) < 0 ||
      (l->src_xy && h5o_links_col(g, "src_xy", H5T_STD_I32LE, H5T_NATIVE_INT32, l->n, 2,
                                  l->src_xy, "tile") < 0) ||
      (l->dst_xy && h5o_links_col(g, "dst_xy", H5T_STD_I32LE, H5T_NATIVE_INT32, l->n, 2,
                                  l->dst_xy, "tile") < 0) ||
      (l->packets && h5o_links_col(g, "packets", H5T_STD_U64LE, H5T_NATIVE_UINT64, l->n, 1,
                                   l->packets, "packets") < 0) ||
      (l->busy_ns && h5o_links_col(g, "busy_ns", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, l->n, 1,
                                   l->busy_ns, "ns") < 0) ||
      h5o_links_col(g, "utilisation", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, l->n, 1, util, "1") <
          0 ||
      (l->stall_ns && h5o_links_col(g, "stall_ns", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, l->n, 1,
                                    l->stall_ns, "ns") < 0))
    st = H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /links");
  if (!st && l->n_windows && l->n) {
    hid_t wg = h5o_group(w->file, "/links/window", false);
    if (wg < 0 || h5o_attr_u64(wg, "steps", l->window_steps) < 0 ||
        h5o_links_col(wg, "time_ns", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, l->n_windows, 1,
                      l->win_time_ns, "ns") < 0 ||
        h5o_links_col(wg, "packets", H5T_STD_U64LE, H5T_NATIVE_UINT64, l->n_windows, l->n,
                      l->win_packets, "packets") < 0 ||
        h5o_links_col(wg, "busy_ns", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, l->n_windows, l->n,
                      l->win_busy_ns, "ns") < 0 ||
        h5o_links_col(wg, "stall_ns", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, l->n_windows, l->n,
                      l->win_stall_ns, "ns") < 0)
      st = H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /links/window");
    h5o_close_id(&wg, H5Gclose);
  }
done:
  h5o_close_id(&t, H5Tclose);
  h5o_close_id(&g, H5Gclose);
  nm_free(names);
  nm_free(util);
  return st;
}

/* /cores/energy_pj, /tiles/energy_pj, /packets/latency_hist and /links. */
static nmsim_status h5o_write_tables(h5o_writer *w, const h5o_final *f, nmsim_err *err) {
  if (f->core_energy_pj && h5o_energy_table(w->file, "/cores/energy_pj", f->core_energy_pj,
                                            w->n_cores) < 0)
    return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /cores/energy_pj");
  if (f->core_busy_ns) {
    static const char *const kinds[] = {"neurons", "synapses", "learning"};
    static const char *const crit[] = {"critical", "critical_on_spikes"};
    size_t chunk = NM_MAX((size_t)1, NM_MIN((size_t)w->n_cores, (size_t)4096));
    hid_t ds = h5o_dset(w->file, "/cores/busy_ns", H5T_IEEE_F64LE, 2, 3, chunk, "ns");
    herr_t rc = ds < 0 ? -1 : h5o_attr_strs(ds, "columns", kinds, 3);
    if (rc >= 0) rc = h5o_append(ds, 2, 0, w->n_cores, 3, H5T_NATIVE_DOUBLE, f->core_busy_ns);
    h5o_close_id(&ds, H5Dclose);
    if (rc >= 0) {
      ds = h5o_dset(w->file, "/cores/critical_steps", H5T_STD_U64LE, 2, 2, chunk, "steps");
      rc = ds < 0 ? -1 : h5o_attr_strs(ds, "columns", crit, 2);
      if (rc >= 0)
        rc = h5o_append(ds, 2, 0, w->n_cores, 2, H5T_NATIVE_UINT64, f->core_critical);
      h5o_close_id(&ds, H5Dclose);
    }
    if (rc < 0)
      return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /cores/busy_ns, critical_steps");
  }
  if (f->tl_steps && f->tl_cores) {
    static const char *const names[] = {"updates_start_ns", "updates_end_ns", "work_end_ns",
                                        "synapses_ns", "learning_ns"};
    hid_t g = h5o_group(w->file, "/timeline", false);
    herr_t rc = g < 0 ? -1 : h5o_attr_u64(g, "first_step", f->tl_first);
    if (rc >= 0)
      rc = h5o_links_col(g, "core", H5T_STD_U32LE, H5T_NATIVE_UINT32, f->tl_cores, 1,
                         f->tl_core, "core");
    for (int k = 0; k < 5 && rc >= 0; k++)
      rc = h5o_links_col(g, names[k], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, f->tl_steps,
                         f->tl_cores, f->tl_ns[k], "ns");
    if (rc >= 0)
      rc = h5o_links_col(g, "packets", H5T_STD_U64LE, H5T_NATIVE_UINT64, f->tl_steps,
                         f->tl_cores, f->tl_packets, "packets");
    h5o_close_id(&g, H5Gclose);
    if (rc < 0) return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /timeline");
  }
  if (f->tile_energy_pj) {
    hid_t g = h5o_group(w->file, "/tiles", false);
    herr_t rc = g < 0 ? -1 : h5o_energy_table(g, "energy_pj", f->tile_energy_pj, w->n_tiles);
    h5o_close_id(&g, H5Gclose);
    if (rc < 0) return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /tiles/energy_pj");
  }
  /* the counts, the largest latency and the edges: what a reader needs to
   * find the report's p99 (upper edge of the bin reaching 99 %, capped at
   * max_ps); uniform bins without edges have the attribute bin_ns instead */
  size_t chunk = NM_MAX((size_t)1, NM_MIN(f->n_bins, (size_t)4096));
  hid_t ds = h5o_dset(w->file, "/packets/latency_hist", H5T_STD_U64LE, 1, 1, chunk, "packets");
  herr_t rc = ds < 0 ? -1 : f->lat_edges_ps ? 0 : h5o_attr_f64(ds, "bin_ns", f->bin_ns);
  if (rc >= 0) rc = h5o_attr_u64(ds, "overflow", f->lat_overflow);
  if (rc >= 0) rc = h5o_attr_u64(ds, "max_ps", f->lat_max_ps);
  if (rc >= 0 && f->lat_hist)
    rc = h5o_append(ds, 1, 0, f->n_bins, 1, H5T_NATIVE_UINT64, f->lat_hist);
  h5o_close_id(&ds, H5Dclose);
  if (rc >= 0 && f->lat_edges_ps) {
    ds = h5o_dset(w->file, "/packets/latency_edges_ps", H5T_IEEE_F64LE, 1, 1, chunk, "ps");
    rc = ds < 0 ? -1 : h5o_append(ds, 1, 0, f->n_bins + 1, 1, H5T_NATIVE_DOUBLE, f->lat_edges_ps);
    h5o_close_id(&ds, H5Dclose);
  }
  if (rc < 0) return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /packets");
  if (f->links) return h5o_write_links(w, f->links, f->sum->hw_time_ps, err);
  return NMSIM_OK;
}

/* /summary/mapping: every block of a population's neurons on a core. */
static hid_t h5o_map_type(bool packed) {
  hid_t s = h5o_str_type(), t = H5Tcreate(H5T_COMPOUND, sizeof(h5o_maprec));
  if (s < 0 || t < 0 ||
      H5Tinsert(t, "population", HOFFSET(h5o_maprec, population), s) < 0 ||
      H5Tinsert(t, "first", HOFFSET(h5o_maprec, first), H5T_NATIVE_UINT32) < 0 ||
      H5Tinsert(t, "n", HOFFSET(h5o_maprec, n), H5T_NATIVE_UINT32) < 0 ||
      H5Tinsert(t, "core", HOFFSET(h5o_maprec, core), H5T_NATIVE_UINT32) < 0 ||
      H5Tinsert(t, "tile", HOFFSET(h5o_maprec, tile), H5T_NATIVE_UINT32) < 0 ||
      H5Tinsert(t, "chip", HOFFSET(h5o_maprec, chip), H5T_NATIVE_UINT32) < 0 ||
      (packed && H5Tpack(t) < 0))
    h5o_close_id(&t, H5Tclose);
  h5o_close_id(&s, H5Tclose);
  return t;
}

/* /summary/bottleneck_cores: run_core_summary as a compound. */
static hid_t h5o_top_type(bool packed) {
  hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(run_core_summary));
  if (t < 0 || H5Tinsert(t, "core", HOFFSET(run_core_summary, core), H5T_NATIVE_UINT32) < 0 ||
      H5Tinsert(t, "tile", HOFFSET(run_core_summary, tile), H5T_NATIVE_UINT32) < 0 ||
      H5Tinsert(t, "chip", HOFFSET(run_core_summary, chip), H5T_NATIVE_UINT32) < 0 ||
      H5Tinsert(t, "critical_steps", HOFFSET(run_core_summary, crit_steps),
                H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "critical_comm_steps", HOFFSET(run_core_summary, crit_comm_steps),
                H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "busy_neurons_ps", HOFFSET(run_core_summary, busy_ps[0]),
                H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "busy_synapses_ps", HOFFSET(run_core_summary, busy_ps[1]),
                H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "busy_learning_ps", HOFFSET(run_core_summary, busy_ps[2]),
                H5T_NATIVE_UINT64) < 0 ||
      (packed && H5Tpack(t) < 0))
    h5o_close_id(&t, H5Tclose);
  return t;
}

/* /summary/trials: run_trial_summary as a compound. */
static hid_t h5o_trial_type(bool packed) {
  hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(run_trial_summary));
  if (t < 0 || H5Tinsert(t, "label", HOFFSET(run_trial_summary, label), H5T_NATIVE_INT32) < 0 ||
      H5Tinsert(t, "complete", HOFFSET(run_trial_summary, complete), H5T_NATIVE_UINT32) < 0 ||
      H5Tinsert(t, "start_step", HOFFSET(run_trial_summary, start_step), H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "steps", HOFFSET(run_trial_summary, steps), H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "energy_pj", HOFFSET(run_trial_summary, energy_pj), H5T_NATIVE_DOUBLE) < 0 ||
      H5Tinsert(t, "time_ps", HOFFSET(run_trial_summary, time_ps), H5T_NATIVE_UINT64) < 0 ||
      (packed && H5Tpack(t) < 0))
    h5o_close_id(&t, H5Tclose);
  return t;
}

/* /summary/bottleneck_links: run_link_summary as a compound. */
static hid_t h5o_toplink_type(bool packed) {
  hid_t s = H5Tcopy(H5T_C_S1), t = H5Tcreate(H5T_COMPOUND, sizeof(run_link_summary));
  if (s < 0 || t < 0 || H5Tset_size(s, sizeof ((run_link_summary *)0)->name) < 0 ||
      H5Tinsert(t, "name", HOFFSET(run_link_summary, name), s) < 0 ||
      H5Tinsert(t, "packets", HOFFSET(run_link_summary, packets), H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "busy_ps", HOFFSET(run_link_summary, busy_ps), H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "stall_ps", HOFFSET(run_link_summary, stall_ps), H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "peak_util", HOFFSET(run_link_summary, peak_util), H5T_NATIVE_DOUBLE) < 0 ||
      H5Tinsert(t, "peak_stall_ps", HOFFSET(run_link_summary, peak_stall_ps),
                H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "peak_window", HOFFSET(run_link_summary, peak_window),
                H5T_NATIVE_UINT64) < 0 ||
      (packed && H5Tpack(t) < 0))
    h5o_close_id(&t, H5Tclose);
  h5o_close_id(&s, H5Tclose);
  return t;
}

/* Compound types of /summary/populations: in memory and packed in the file. */
static hid_t h5o_pop_type(bool packed) {
  hid_t s = h5o_str_type(), t = H5Tcreate(H5T_COMPOUND, sizeof(h5o_poprec));
  if (s < 0 || t < 0 || H5Tinsert(t, "name", HOFFSET(h5o_poprec, name), s) < 0 ||
      H5Tinsert(t, "model", HOFFSET(h5o_poprec, model), s) < 0 ||
      H5Tinsert(t, "size", HOFFSET(h5o_poprec, size), H5T_NATIVE_UINT32) < 0 ||
      H5Tinsert(t, "spikes", HOFFSET(h5o_poprec, spikes), H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "rate_hz", HOFFSET(h5o_poprec, rate_hz), H5T_NATIVE_DOUBLE) < 0 ||
      H5Tinsert(t, "bursts", HOFFSET(h5o_poprec, bursts), H5T_NATIVE_UINT64) < 0 ||
      H5Tinsert(t, "energy_neurons_pj", HOFFSET(h5o_poprec, energy_neurons_pj),
                H5T_NATIVE_DOUBLE) < 0 ||
      H5Tinsert(t, "energy_synapses_pj", HOFFSET(h5o_poprec, energy_synapses_pj),
                H5T_NATIVE_DOUBLE) < 0 ||
      H5Tinsert(t, "energy_learning_pj", HOFFSET(h5o_poprec, energy_learning_pj),
                H5T_NATIVE_DOUBLE) < 0 ||
      H5Tinsert(t, "energy_spikes_pj", HOFFSET(h5o_poprec, energy_spikes_pj),
                H5T_NATIVE_DOUBLE) < 0 ||
      H5Tinsert(t, "busy_ps", HOFFSET(h5o_poprec, busy_ps), H5T_NATIVE_UINT64) < 0 ||
      (packed && H5Tpack(t) < 0)) {
    h5o_close_id(&t, H5Tclose);
  }
  h5o_close_id(&s, H5Tclose);
  return t;
}

/* n rows of a compound (type(false) in memory, type(true) packed in the
 * file) as dataset `name` of group g, in chunks of `chunk` rows. */
static nmsim_status h5o_write_rows(h5o_writer *w, hid_t g, const char *name,
                                   hid_t (*type)(bool), const void *rows, size_t n,
                                   size_t chunk, nmsim_err *err) {
  nmsim_status st = NMSIM_OK;
  hid_t mt = type(false), ft = type(true), ds = H5I_INVALID_HID;
  if (mt >= 0 && ft >= 0) ds = h5o_dset(g, name, ft, 1, 1, chunk, NULL);
  if (ds < 0 || h5o_append(ds, 1, 0, n, 1, mt, rows) < 0)
    st = H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /summary/%s", name);
  h5o_close_id(&ds, H5Dclose);
  h5o_close_id(&ft, H5Tclose);
  h5o_close_id(&mt, H5Tclose);
  return st;
}

/* /summary/mapping, bottleneck_links and bottleneck_cores (when there are any). */
static nmsim_status h5o_write_map(h5o_writer *w, hid_t g, const run_summary *sum,
                                  nmsim_err *err) {
  nmsim_status st = NMSIM_OK;
  hid_t mt = H5I_INVALID_HID, ft = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  h5o_maprec *rec = nm_calloc(sum->n_map ? sum->n_map : 1, sizeof *rec);
  if (!rec) return NMSIM_ENOMEM_ERR(err);
  for (size_t i = 0; i < sum->n_map; i++) {
    const run_map_entry *m = &sum->map[i];
    static char empty[] = "";
    rec[i] = (h5o_maprec){m->pop ? m->pop : empty, m->first, m->n, m->core, m->tile, m->chip};
  }
  if (sum->n_map) {
    mt = h5o_map_type(false);
    ft = h5o_map_type(true);
    ds = mt < 0 || ft < 0 ? H5I_INVALID_HID
                          : h5o_dset(g, "mapping", ft, 1, 1,
                                     NM_MAX((size_t)1, NM_MIN(sum->n_map, (size_t)4096)), NULL);
    if (ds < 0 || h5o_append(ds, 1, 0, sum->n_map, 1, mt, rec) < 0)
      st = H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /summary/mapping");
    h5o_close_id(&ds, H5Dclose);
    h5o_close_id(&ft, H5Tclose);
    h5o_close_id(&mt, H5Tclose);
  }
  nm_free(rec);
  if (!st && sum->n_top_links)
    st = h5o_write_rows(w, g, "bottleneck_links", h5o_toplink_type, sum->top_links,
                        sum->n_top_links, RUN_TOP_LINKS, err);
  if (!st && sum->n_top_cores)
    st = h5o_write_rows(w, g, "bottleneck_cores", h5o_top_type, sum->top_cores,
                        sum->n_top_cores, RUN_TOP_CORES, err);
  if (!st && sum->n_trials)
    st = h5o_write_rows(w, g, "trials", h5o_trial_type, sum->trials, sum->n_trials, 64, err);
  return st;
}

/* /summary: every scalar as an attribute, the populations as a table. */
static nmsim_status h5o_write_summary(h5o_writer *w, const run_summary *sum, nmsim_err *err) {
  nmsim_status st = NMSIM_OK;
  hid_t g = H5I_INVALID_HID, mt = H5I_INVALID_HID, ft = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  h5o_poprec *rec = NULL;
  char name[128];
  g = h5o_group(w->file, "/summary", false);
  if (g < 0) {
    st = H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot create group /summary");
    goto done;
  }
  for (size_t i = 0; i < NM_ARRAY_LEN(summary_fields); i++) {
    const void *p = (const char *)sum + summary_fields[i].off;
    const char *fn = summary_fields[i].name;
    herr_t rc;
    switch (summary_fields[i].kind) {
    case H5O_U64: rc = h5o_attr_u64(g, fn, *(const uint64_t *)p); break;
    case H5O_U32: rc = h5o_attr_u32(g, fn, *(const uint32_t *)p); break;
    case H5O_F64: rc = h5o_attr_f64(g, fn, *(const double *)p); break;
    default: rc = h5o_attr_str(g, fn, *(char *const *)p); break;
    }
    if (rc < 0) {
      st = H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write attribute %s of /summary", fn);
      goto done;
    }
  }
  for (int c = 0; c < NM_E_COUNT; c++) {
    snprintf(name, sizeof name, "energy_pj.%s", nm_energy_key(c));
    if (h5o_attr_f64(g, name, sum->energy_pj[c]) < 0) {
      st = H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write attribute %s of /summary", name);
      goto done;
    }
  }
  rec = nm_calloc(sum->n_pops, sizeof *rec);
  if (!rec) {
    st = NMSIM_ENOMEM_ERR(err);
    goto done;
  }
  for (size_t i = 0; i < sum->n_pops; i++) {
    const run_pop_summary *p = &sum->pops[i];
    static char empty[] = "";
    rec[i] = (h5o_poprec){p->name ? p->name : empty, p->model ? p->model : empty, p->size,
                          p->spikes, p->rate_hz, p->bursts, p->pj_neurons, p->pj_synapses,
                          p->pj_learning, p->pj_spikes, p->busy_ps};
  }
  mt = h5o_pop_type(false);
  ft = h5o_pop_type(true);
  ds = mt < 0 || ft < 0 ? H5I_INVALID_HID
                        : h5o_dset(g, "populations", ft, 1, 1,
                                   NM_MAX((size_t)1, NM_MIN(sum->n_pops, (size_t)1024)), NULL);
  if (ds < 0 || h5o_append(ds, 1, 0, sum->n_pops, 1, mt, rec) < 0)
    st = H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write /summary/populations");
  if (!st) st = h5o_write_map(w, g, sum, err);
done:
  nm_free(rec);
  h5o_close_id(&ds, H5Dclose);
  h5o_close_id(&ft, H5Tclose);
  h5o_close_id(&mt, H5Tclose);
  h5o_close_id(&g, H5Gclose);
  return st;
}

/* Root attributes of the end of a run: end_time, wall_time_s, status. */
static herr_t h5o_mark_end(h5o_writer *w, const char *status) {
  char when[32];
  h5o_utc(when);
  if (h5o_attr_str(w->file, "end_time", when) < 0 ||
      h5o_attr_f64(w->file, "wall_time_s", h5o_now() - w->t_open) < 0)
    return -1;
  return h5o_attr_str(w->file, "status", status);
}

nmsim_status h5o_finish(h5o_writer *w, const h5o_final *f, nmsim_err *err) {
  if (!w || !f || !f->sum) return NMSIM_ERR(err, NMSIM_EINVAL, "h5o_finish: NULL argument");
  if (w->finished) return NMSIM_ERR(err, NMSIM_EINVAL, "%s: finished twice", w->path);
  nmsim_status s;
  if ((s = h5o_drain(w, err)) || (s = h5o_write_tables(w, f, err)) ||
      (s = h5o_write_summary(w, f->sum, err)))
    return s;
  if (h5o_mark_end(w, "complete") < 0)
    return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot set the status of the run file");
  if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) {
    h5o_write_failed = true;
    return H5O_FAIL(err, NMSIM_EWRITE, w->path, "cannot flush the run file");
  }
  w->finished = true;
  return NMSIM_OK;
}

nmsim_status h5o_end_run(h5o_writer *w, const char *status, const char *msg, nmsim_err *err) {
  if (!w) return NMSIM_ERR(err, NMSIM_EINVAL, "h5o_end_run: NULL writer");
  if (w->finished) return NMSIM_ERR(err, NMSIM_EINVAL, "%s: already finished", w->path);
  w->finished = true; /* no more steps, whatever happens below */
  if (!w->failed) h5o_drain(w, NULL);
  if (h5o_attr_str(w->file, "error", msg ? msg : "") < 0 || h5o_mark_end(w, status) < 0 ||
      H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0)
    return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot mark the run file as %s", status);
  return NMSIM_OK;
}

nmsim_status h5o_fail_run(h5o_writer *w, const char *msg, nmsim_err *err) {
  return h5o_end_run(w, "failed", msg, err);
}

void h5o_close(h5o_writer *w) {
  if (!w) return;
  if (!w->finished && !w->failed) h5o_drain(w, NULL); /* keep the steps written so far */
  h5o_free(w);
}

/* ---- reading back ----------------------------------------------------------- */

typedef struct h5o_rd {
  const char *path;
  nmsim_err *err;
} h5o_rd;

static nmsim_status h5o_missing(h5o_rd *r, const char *what, const char *obj) {
  H5Eclear2(H5E_DEFAULT);
  return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: not an nmsim run file, or damaged: no %s%s%s",
                   r->path, what, obj ? " on " : "", obj ? obj : "");
}

/* Open attribute name of loc (obj names loc in messages): missing is EFORMAT. */
static nmsim_status h5o_attr_open(h5o_rd *r, hid_t loc, const char *obj, const char *name,
                                  hid_t *a) {
  char what[160];
  htri_t ex = H5Aexists(loc, name);
  snprintf(what, sizeof what, "attribute %s", name);
  if (ex <= 0) return h5o_missing(r, what, obj);
  *a = H5Aopen(loc, name, H5P_DEFAULT);
  if (*a < 0) return H5O_FAIL(r->err, NMSIM_EHDF5, r->path, "cannot open %s on %s", what, obj);
  return NMSIM_OK;
}

/* A numeric scalar attribute, converted to memory type mt. */
static nmsim_status h5o_read_num(h5o_rd *r, hid_t loc, const char *obj, const char *name,
                                 hid_t mt, void *out) {
  hid_t a = H5I_INVALID_HID, sp = H5I_INVALID_HID;
  nmsim_status st = h5o_attr_open(r, loc, obj, name, &a);
  if (st) return st;
  sp = H5Aget_space(a);
  if (sp < 0 || H5Sget_simple_extent_npoints(sp) != 1 || H5Aread(a, mt, out) < 0)
    st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "attribute %s on %s is not a number", name,
                  obj);
  h5o_close_id(&sp, H5Sclose);
  h5o_close_id(&a, H5Aclose);
  return st;
}

/* A string attribute (variable or fixed length) as a new nm_malloc'd string. */
static nmsim_status h5o_read_str(h5o_rd *r, hid_t loc, const char *obj, const char *name,
                                 char **out) {
  hid_t a = H5I_INVALID_HID, t = H5I_INVALID_HID, mt = H5I_INVALID_HID;
  char *buf = NULL;
  nmsim_status st = h5o_attr_open(r, loc, obj, name, &a);
  if (st) return st;
  t = H5Aget_type(a);
  if (t < 0 || H5Tget_class(t) != H5T_STRING) goto bad;
  {
    /* one string: H5Aread writes every element of the attribute */
    hid_t sp = H5Aget_space(a);
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    h5o_close_id(&sp, H5Sclose);
    if (np != 1) goto bad;
  }
  if (H5Tis_variable_str(t) > 0) {
    mt = h5o_str_type();
    char *v = NULL;
    if (mt < 0 || H5Aread(a, mt, &v) < 0) goto bad;
    *out = nm_strdup(v ? v : "");
    H5free_memory(v);
  } else {
    size_t n = H5Tget_size(t);
    /* the longest string nmsim writes is a scenario's text (64 MiB at most) */
    if (n == 0 || n > ((size_t)64 << 20) + 1) goto bad;
    buf = nm_calloc(n + 1, 1);
    if (!buf) {
      st = NMSIM_ENOMEM_ERR(r->err);
      goto done;
    }
    if (H5Aread(a, t, buf) < 0) goto bad;
    if (H5Tget_strpad(t) == H5T_STR_SPACEPAD)
      while (n && buf[n - 1] == ' ') buf[--n] = 0;
    *out = buf;
    buf = NULL;
  }
  if (!*out) st = NMSIM_ENOMEM_ERR(r->err);
  goto done;
bad:
  st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "attribute %s on %s is not one string", name,
                obj);
done:
  nm_free(buf);
  h5o_close_id(&mt, H5Tclose);
  h5o_close_id(&t, H5Tclose);
  h5o_close_id(&a, H5Aclose);
  return st;
}

/* Open dataset name (absolute) and get its shape: rank 1 or 2. */
static nmsim_status h5o_open_dset(h5o_rd *r, hid_t file, const char *name, hid_t *ds,
                                  hsize_t dims[2], int *rank) {
  char what[H5O_NAME_MAX];
  snprintf(what, sizeof what, "dataset %s", name);
  htri_t ex = H5Lexists(file, name, H5P_DEFAULT);
  if (ex <= 0) return h5o_missing(r, what, NULL);
  hid_t sp = H5I_INVALID_HID;
  *ds = H5Dopen2(file, name, H5P_DEFAULT);
  if (*ds < 0) return H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "%s is not a dataset", name);
  sp = H5Dget_space(*ds);
  int rk = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
  dims[0] = dims[1] = 0;
  if (rk < 1 || rk > 2 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
    h5o_close_id(&sp, H5Sclose);
    h5o_close_id(ds, H5Dclose);
    return H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "%s has an unexpected shape", name);
  }
  *rank = rk;
  h5o_close_id(&sp, H5Sclose);
  return NMSIM_OK;
}

/* Read rows [start, start + n) of a dataset of width values per row as doubles. */
static herr_t h5o_read_rows(hid_t ds, int rank, hsize_t start, size_t n, size_t width,
                            double *buf) {
  herr_t rc = -1;
  hid_t fs = H5Dget_space(ds), ms = H5I_INVALID_HID;
  hsize_t off[2] = {start, 0}, cnt[2] = {n, width};
  if (fs < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0) goto done;
  ms = H5Screate_simple(rank, cnt, NULL);
  if (ms < 0 || H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf) < 0) goto done;
  rc = 0;
done:
  h5o_close_id(&ms, H5Sclose);
  h5o_close_id(&fs, H5Sclose);
  return rc;
}

static nmsim_status h5o_read_complete(h5o_rd *r, hid_t file, run_summary *s) {
  nmsim_status st = NMSIM_OK;
  hid_t g = H5I_INVALID_HID, ds = H5I_INVALID_HID, mt = H5I_INVALID_HID,
        sp = H5I_INVALID_HID;
  h5o_poprec *rec = NULL;
  size_t n = 0;
  char name[128];
  g = H5Gopen2(file, "/summary", H5P_DEFAULT);
  if (g < 0) return H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "cannot open group /summary");
  for (size_t i = 0; i < NM_ARRAY_LEN(summary_fields) && !st; i++) {
    void *p = (char *)s + summary_fields[i].off;
    const char *fn = summary_fields[i].name;
    if (summary_fields[i].optional && H5Aexists(g, fn) <= 0) continue;
    switch (summary_fields[i].kind) {
    case H5O_U64: st = h5o_read_num(r, g, "/summary", fn, H5T_NATIVE_UINT64, p); break;
    case H5O_U32: st = h5o_read_num(r, g, "/summary", fn, H5T_NATIVE_UINT32, p); break;
    case H5O_F64: st = h5o_read_num(r, g, "/summary", fn, H5T_NATIVE_DOUBLE, p); break;
    default:
      nm_free(*(char **)p);
      *(char **)p = NULL;
      st = h5o_read_str(r, g, "/summary", fn, (char **)p);
      break;
    }
  }
  /* a category that a newer nmsim added is 0 in an older file */
  for (int c = 0; c < NM_E_COUNT && !st; c++) {
    snprintf(name, sizeof name, "energy_pj.%s", nm_energy_key(c));
    if (H5Aexists(g, name) > 0)
      st = h5o_read_num(r, g, "/summary", name, H5T_NATIVE_DOUBLE, &s->energy_pj[c]);
  }
  if (st) goto done;
  s->dynamic_pj = 0; /* files before it was stored have none */
  for (int c = 0; c < NM_E_COUNT; c++) s->dynamic_pj += s->energy_pj[c];

  hsize_t dims[2];
  int rank;
  if ((st = h5o_open_dset(r, file, "/summary/populations", &ds, dims, &rank))) goto done;
  n = (size_t)dims[0];
  rec = nm_calloc(n, sizeof *rec);
  s->pops = nm_calloc(n, sizeof *s->pops);
  if (!rec || !s->pops) {
    st = NMSIM_ENOMEM_ERR(r->err);
    goto done;
  }
  mt = h5o_pop_type(false);
  sp = H5Dget_space(ds);
  {
    /* files before nmsim charged populations lack their energy and time */
    hid_t ft = H5Dget_type(ds);
    s->pop_cost = ft >= 0 && H5Tget_class(ft) == H5T_COMPOUND &&
                  H5Tget_member_index(ft, "energy_neurons_pj") >= 0;
    h5o_close_id(&ft, H5Tclose);
  }
  if (mt < 0 || sp < 0 || rank != 1 ||
      (n && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rec) < 0)) {
    n = 0;
    st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "cannot read /summary/populations");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    run_pop_summary *p = &s->pops[s->n_pops++];
    p->name = nm_strdup(rec[i].name ? rec[i].name : "");
    p->model = nm_strdup(rec[i].model ? rec[i].model : "");
    p->size = rec[i].size;
    p->spikes = rec[i].spikes;
    p->rate_hz = rec[i].rate_hz;
    p->bursts = rec[i].bursts; /* 0 from a file written before bursts were counted */
    p->pj_neurons = rec[i].energy_neurons_pj;
    p->pj_synapses = rec[i].energy_synapses_pj;
    p->pj_learning = rec[i].energy_learning_pj;
    p->pj_spikes = rec[i].energy_spikes_pj;
    p->busy_ps = rec[i].busy_ps;
    if (!p->name || !p->model) st = NMSIM_ENOMEM_ERR(r->err);
  }
done:
  if (rec && n) H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, rec);
  nm_free(rec);
  h5o_close_id(&sp, H5Sclose);
  h5o_close_id(&mt, H5Tclose);
  h5o_close_id(&ds, H5Dclose);
  h5o_close_id(&g, H5Gclose);
  return st;
}

/* Steps, hardware time and step latencies from /steps/latency_ns. */
static nmsim_status h5o_sum_latency(h5o_rd *r, hid_t file, run_summary *s, double *buf) {
  hid_t ds;
  hsize_t dims[2];
  int rank;
  nmsim_status st = h5o_open_dset(r, file, "/steps/latency_ns", &ds, dims, &rank);
  if (st) return st;
  /* a run writes at most its scenario's steps: a longer dataset is damaged
   * (U11: a 280 KB file claiming 1e9 steps was reported as such) */
  uint64_t planned = 0;
  if (H5Aexists(file, "steps") > 0 &&
      (st = h5o_read_num(r, file, "/", "steps", H5T_NATIVE_UINT64, &planned)) != NMSIM_OK) {
    h5o_close_id(&ds, H5Dclose);
    return st;
  }
  if (rank != 1 || (planned && dims[0] > planned)) {
    h5o_close_id(&ds, H5Dclose);
    return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: /steps/latency_ns holds %llu rows for a run of "
                     "%llu steps: the file is damaged", r->path, (unsigned long long)dims[0],
                     (unsigned long long)planned);
  }
  s->steps = dims[0];
  for (hsize_t i = 0; i < dims[0]; i += H5O_READ_BLOCK) {
    size_t n = (size_t)NM_MIN(dims[0] - i, (hsize_t)H5O_READ_BLOCK);
    if (h5o_read_rows(ds, 1, i, n, 1, buf) < 0) {
      st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "cannot read /steps/latency_ns");
      break;
    }
    for (size_t j = 0; j < n; j++) {
      nmsim_ps ps = buf[j] > 0 ? (nmsim_ps)llround(buf[j] * NMSIM_PS_PER_NS) : 0;
      s->hw_time_ps += ps;
      if (i + j == 0 || ps < s->step_min_ps) s->step_min_ps = ps;
      if (ps > s->step_max_ps) s->step_max_ps = ps;
    }
  }
  if (s->steps) s->step_mean_ps = (double)s->hw_time_ps / (double)s->steps;
  H5Dclose(ds);
  return st;
}

/* Energy by category, summed over the rows of /steps/energy_pj; columns are
 * matched by key, so a file with other or reordered categories still reads. */
static nmsim_status h5o_sum_energy(h5o_rd *r, hid_t file, run_summary *s, double *buf) {
  hid_t ds, a = H5I_INVALID_HID, t = H5I_INVALID_HID, sp = H5I_INVALID_HID;
  hsize_t dims[2];
  int rank;
  nmsim_status st = h5o_open_dset(r, file, "/steps/energy_pj", &ds, dims, &rank);
  if (st) return st;
  size_t cols = (size_t)dims[1];
  int *cat = NULL;
  char **keys = NULL;
  if (rank != 2 || cols == 0 || cols > H5O_READ_BLOCK) {
    st = NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: /steps/energy_pj is not steps x categories",
                   r->path);
    goto done;
  }
  if (dims[0] != s->steps) { /* the latencies, read first, gave the steps */
    st = NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: /steps/energy_pj holds %llu rows and "
                   "/steps/latency_ns %llu: the file is damaged", r->path,
                   (unsigned long long)dims[0], (unsigned long long)s->steps);
    goto done;
  }
  cat = nm_calloc(cols, sizeof *cat);
  keys = nm_calloc(cols, sizeof *keys);
  if (!cat || !keys) {
    st = NMSIM_ENOMEM_ERR(r->err);
    goto done;
  }
  if ((st = h5o_attr_open(r, ds, "/steps/energy_pj", "columns", &a))) goto done;
  t = h5o_str_type();
  sp = H5Aget_space(a);
  if (t < 0 || sp < 0 || H5Sget_simple_extent_npoints(sp) != (hssize_t)cols ||
      H5Aread(a, t, keys) < 0) {
    st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path,
                  "attribute columns of /steps/energy_pj does not name its %zu columns", cols);
    goto done;
  }
  for (size_t c = 0; c < cols; c++) {
    cat[c] = -1;
    for (int e = 0; e < NM_E_COUNT; e++)
      if (keys[c] && strcmp(keys[c], nm_energy_key(e)) == 0) cat[c] = e;
  }
  H5Dvlen_reclaim(t, sp, H5P_DEFAULT, keys);
  size_t rows = H5O_READ_BLOCK / cols;
  hsize_t nrows = NM_MIN(dims[0], (hsize_t)s->steps);
  for (hsize_t i = 0; i < nrows; i += rows) {
    size_t n = (size_t)NM_MIN(nrows - i, (hsize_t)rows);
    if (h5o_read_rows(ds, 2, i, n, cols, buf) < 0) {
      st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "cannot read /steps/energy_pj");
      goto done;
    }
    for (size_t j = 0; j < n; j++)
      for (size_t c = 0; c < cols; c++)
        if (cat[c] >= 0) s->energy_pj[cat[c]] += buf[j * cols + c];
  }
done:
  nm_free(keys);
  nm_free(cat);
  h5o_close_id(&sp, H5Sclose);
  h5o_close_id(&t, H5Tclose);
  h5o_close_id(&a, H5Aclose);
  H5Dclose(ds);
  return st;
}

/* Populations from /populations/<name>, in the order they were written;
 * spikes are the entries of recorded populations that reached the file. */
static nmsim_status h5o_read_pops(h5o_rd *r, hid_t file, run_summary *s) {
  nmsim_status st = NMSIM_OK;
  hid_t g = H5I_INVALID_HID, pg = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  H5G_info_t info;
  char name[H5O_NAME_MAX], obj[H5O_NAME_MAX + 32];
  if (H5Lexists(file, "/populations", H5P_DEFAULT) <= 0)
    return h5o_missing(r, "group /populations", NULL);
  g = H5Gopen2(file, "/populations", H5P_DEFAULT);
  if (g < 0 || H5Gget_info(g, &info) < 0) {
    st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "cannot open group /populations");
    goto done;
  }
  s->pops = nm_calloc((size_t)info.nlinks, sizeof *s->pops);
  if (!s->pops) {
    st = NMSIM_ENOMEM_ERR(r->err);
    goto done;
  }
  /* the order of the layout where the writer tracked it, else by name */
  unsigned order = 0;
  hid_t gcpl = H5Gget_create_plist(g);
  if (gcpl < 0 || H5Pget_link_creation_order(gcpl, &order) < 0) order = 0;
  h5o_close_id(&gcpl, H5Pclose);
  H5_index_t idx = order & H5P_CRT_ORDER_INDEXED ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  for (hsize_t i = 0; i < info.nlinks; i++) {
    ssize_t len =
        H5Lget_name_by_idx(g, ".", idx, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
    if (len < 0 || (size_t)len >= sizeof name) {
      st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "cannot list /populations");
      goto done;
    }
    snprintf(obj, sizeof obj, "/populations/%s", name);
    pg = H5Gopen2(g, name, H5P_DEFAULT);
    if (pg < 0) {
      st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "%s is not a group", obj);
      goto done;
    }
    run_pop_summary *p = &s->pops[s->n_pops++];
    p->name = nm_strdup(name);
    if (!p->name) {
      st = NMSIM_ENOMEM_ERR(r->err);
      goto done;
    }
    if ((st = h5o_read_num(r, pg, obj, "size", H5T_NATIVE_UINT32, &p->size)) ||
        (st = h5o_read_str(r, pg, obj, "model", &p->model)))
      goto done;
    if (H5Lexists(pg, "spikes", H5P_DEFAULT) > 0 &&
        H5Lexists(pg, "spikes/step", H5P_DEFAULT) > 0) {
      hsize_t dims[2];
      int rank;
      snprintf(obj, sizeof obj, "/populations/%s/spikes/step", name);
      if ((st = h5o_open_dset(r, file, obj, &ds, dims, &rank))) goto done;
      p->spikes = dims[0];
      h5o_close_id(&ds, H5Dclose);
    }
    H5Eclear2(H5E_DEFAULT);
    h5o_close_id(&pg, H5Gclose);
    s->spikes += p->spikes;
    double t_s = (double)s->steps * s->dt_ms * 1e-3;
    p->rate_hz = p->size && t_s > 0 ? (double)p->spikes / p->size / t_s : 0.0;
  }
done:
  h5o_close_id(&ds, H5Dclose);
  h5o_close_id(&pg, H5Gclose);
  h5o_close_id(&g, H5Gclose);
  return st;
}

/* Up to max rows of a compound dataset `name` (type(false) in memory) into
 * rows, their count in *n; none when the file lacks it. */
static nmsim_status h5o_read_top(h5o_rd *r, hid_t file, const char *name,
                                 hid_t (*type)(bool), void *rows, size_t max, uint32_t *n) {
  *n = 0;
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return NMSIM_OK;
  hid_t ds = H5I_INVALID_HID, mt = H5I_INVALID_HID;
  hsize_t dims[2];
  int rank;
  nmsim_status st = h5o_open_dset(r, file, name, &ds, dims, &rank);
  if (st) return st;
  mt = type(false);
  if (rank != 1 || dims[0] > max || mt < 0 ||
      (dims[0] && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0))
    st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "cannot read %s", name);
  else
    *n = (uint32_t)dims[0];
  h5o_close_id(&mt, H5Tclose);
  h5o_close_id(&ds, H5Dclose);
  return st;
}

/* /summary/mapping and /summary/bottleneck_cores, when the file has them
 * (files of older versions do not). */
static nmsim_status h5o_read_map(h5o_rd *r, hid_t file, run_summary *s) {
  nmsim_status st = NMSIM_OK;
  hid_t ds = H5I_INVALID_HID, mt = H5I_INVALID_HID, sp = H5I_INVALID_HID;
  hsize_t dims[2];
  int rank;
  h5o_maprec *rec = NULL;
  size_t n = 0;
  if (H5Lexists(file, "/summary/mapping", H5P_DEFAULT) > 0) {
    if ((st = h5o_open_dset(r, file, "/summary/mapping", &ds, dims, &rank))) goto done;
    /* a block holds at least one neuron, so there are at most 2^32 of them */
    if (rank != 1 || dims[0] > UINT32_MAX) {
      st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "/summary/mapping has an unexpected shape");
      goto done;
    }
    n = (size_t)dims[0];
    rec = nm_calloc(n ? n : 1, sizeof *rec);
    s->map = nm_calloc(n ? n : 1, sizeof *s->map);
    if (!rec || !s->map) {
      n = 0;
      st = NMSIM_ENOMEM_ERR(r->err);
      goto done;
    }
    mt = h5o_map_type(false);
    sp = H5Dget_space(ds);
    if (mt < 0 || sp < 0 || (n && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rec) < 0)) {
      n = 0;
      st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "cannot read /summary/mapping");
      goto done;
    }
    for (size_t i = 0; i < n; i++) {
      run_map_entry *m = &s->map[s->n_map++];
      *m = (run_map_entry){nm_strdup(rec[i].population ? rec[i].population : ""), rec[i].first,
                           rec[i].n, rec[i].core, rec[i].tile, rec[i].chip};
      if (!m->pop) st = NMSIM_ENOMEM_ERR(r->err);
    }
    H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, rec);
    n = 0;
    h5o_close_id(&sp, H5Sclose);
    h5o_close_id(&mt, H5Tclose);
    h5o_close_id(&ds, H5Dclose);
    if (st) goto done;
  }
  if ((st = h5o_read_top(r, file, "/summary/bottleneck_cores", h5o_top_type, s->top_cores,
                         RUN_TOP_CORES, &s->n_top_cores)) ||
      (st = h5o_read_top(r, file, "/summary/bottleneck_links", h5o_toplink_type,
                         s->top_links, RUN_TOP_LINKS, &s->n_top_links)))
    goto done;
  for (uint32_t i = 0; i < s->n_top_links; i++)
    s->top_links[i].name[sizeof s->top_links[i].name - 1] = 0;
  if (H5Lexists(file, "/summary/trials", H5P_DEFAULT) > 0) { /* a labelled recording's */
    hid_t tds = H5I_INVALID_HID, tmt = H5I_INVALID_HID;
    hsize_t td[2];
    int tr;
    if ((st = h5o_open_dset(r, file, "/summary/trials", &tds, td, &tr))) goto done;
    tmt = h5o_trial_type(false);
    if (tr != 1 || td[0] > ((hsize_t)1 << 24) || tmt < 0 ||
        !(s->trials = nm_calloc(td[0] ? td[0] : 1, sizeof *s->trials)) ||
        (td[0] && H5Dread(tds, tmt, H5S_ALL, H5S_ALL, H5P_DEFAULT, s->trials) < 0))
      st = H5O_FAIL(r->err, NMSIM_EFORMAT, r->path, "cannot read /summary/trials");
    else
      s->n_trials = (size_t)td[0];
    h5o_close_id(&tmt, H5Tclose);
    h5o_close_id(&tds, H5Dclose);
    if (st) goto done;
  }
done:
  if (rec && n) H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, rec);
  nm_free(rec);
  h5o_close_id(&sp, H5Sclose);
  h5o_close_id(&mt, H5Tclose);
  h5o_close_id(&ds, H5Dclose);
  return st;
}

/* A run that did not finish: what the per-step datasets hold. */
static nmsim_status h5o_read_partial(h5o_rd *r, hid_t file, run_summary *s) {
  nmsim_status st;
  double *buf = nm_malloc(H5O_READ_BLOCK * sizeof *buf);
  if (!buf) return NMSIM_ENOMEM_ERR(r->err);
  if ((st = h5o_read_str(r, file, "/", "scenario_name", &s->scenario)) ||
      (st = h5o_read_str(r, file, "/", "chip", &s->chip)) ||
      (st = h5o_read_num(r, file, "/", "seed", H5T_NATIVE_UINT64, &s->seed)) ||
      (st = h5o_read_num(r, file, "/", "dt_ms", H5T_NATIVE_DOUBLE, &s->dt_ms)) ||
      (H5Aexists(file, "n_cores") > 0 &&
       (st = h5o_read_num(r, file, "/", "n_cores", H5T_NATIVE_UINT32, &s->n_cores))) ||
      (st = h5o_sum_latency(r, file, s, buf)) || (st = h5o_sum_energy(r, file, s, buf)) ||
      (st = h5o_read_pops(r, file, s)))
    goto done;
  /* static power over the hardware time of the steps in the file (a file
   * from before static_power_mw was stored has 0): mW * ps = 1e-3 pJ */
  double mw = 0;
  if (H5Aexists(file, "static_power_mw") > 0 &&
      (st = h5o_read_num(r, file, "/", "static_power_mw", H5T_NATIVE_DOUBLE, &mw)))
    goto done;
  s->static_power_mw = mw;
  s->static_pj = mw * (double)s->hw_time_ps * 1e-3;
  s->dynamic_pj = 0;
  for (int c = 0; c < NM_E_COUNT; c++) s->dynamic_pj += s->energy_pj[c];
  s->total_pj = s->static_pj + s->dynamic_pj;
done:
  nm_free(buf);
  return st;
}

typedef struct h5o_summary_read {
  const char *path;
  run_summary *sum;
} h5o_summary_read;

static nmsim_status h5o_summary_read_fn(void *ctx, nmsim_err *err) {
  h5o_summary_read *a = ctx;
  return h5o_read_summary_here(a->path, a->sum, err);
}

nmsim_status h5o_read_summary(const char *path, run_summary *sum, nmsim_err *err) {
  if (!path || !sum) return NMSIM_ERR(err, NMSIM_EINVAL, "h5o_read_summary: NULL argument");
  memset(sum, 0, sizeof *sum);
  h5o_summary_read a = {path, sum};
  return nm_guarded_read(path, "the run file", h5o_summary_read_fn, &a, err);
}

nmsim_status h5o_read_summary_here(const char *path, run_summary *sum, nmsim_err *err) {
  if (!path || !sum) return NMSIM_ERR(err, NMSIM_EINVAL, "h5o_read_summary: NULL argument");
  memset(sum, 0, sizeof *sum);
  h5o_quiet();
  FILE *fp = fopen(path, "rb");
  if (!fp) return NMSIM_ERR(err, NMSIM_EIO, "%s: cannot open: %s", path, strerror(errno));
  fclose(fp);
  htri_t is = H5Fis_hdf5(path);
  if (is < 0) return H5O_FAIL(err, NMSIM_EIO, path, "cannot read the file");
  if (is == 0)
    return NMSIM_ERR(err, NMSIM_EFORMAT, "%s: not an HDF5 file (no HDF5 superblock)", path);

  h5o_rd r = {path, err};
  run_summary s = {0};
  char *status = NULL;
  nmsim_status st = NMSIM_OK;
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), file = H5I_INVALID_HID;
  if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
      (file = H5Fopen(path, H5F_ACC_RDONLY, fapl)) < 0) {
    st = H5O_FAIL(err, NMSIM_EIO, path, "cannot open the run file");
    /* a run still writing the file holds its lock (U5): say how to read it */
    if (err && strstr(err->msg, "unable to lock file")) {
      size_t n = strlen(err->msg);
      snprintf(err->msg + n, sizeof err->msg - n,
               "; a run may still be writing it: read it with HDF5_USE_FILE_LOCKING=FALSE set "
               "in the environment");
    }
    goto done;
  }
  if (H5Aexists(file, "nmsim_version") <= 0) {
    st = h5o_missing(&r, "attribute nmsim_version", "/");
    goto done;
  }
  if ((st = h5o_read_str(&r, file, "/", "status", &status)) ||
      (st = h5o_read_str(&r, file, "/", "nmsim_version", &s.nmsim_version)))
    goto done;
  bool complete = strcmp(status, "complete") == 0 &&
                  H5Lexists(file, "/summary", H5P_DEFAULT) > 0;
  H5Eclear2(H5E_DEFAULT);
  st = complete ? h5o_read_complete(&r, file, &s) : h5o_read_partial(&r, file, &s);
  if (!st && complete) st = h5o_read_map(&r, file, &s);
  if (st) goto done;
  /* the file's status is the word on completion */
  nm_free(s.status);
  s.status = complete ? status : NULL;
  if (!complete) {
    /* "failed" and "interrupted" say more than "incomplete"; any other word is
     * "incomplete" */
    s.status = nm_strdup(strcmp(status, "failed") == 0        ? "failed"
                         : strcmp(status, "interrupted") == 0 ? "interrupted"
                                                              : "incomplete");
    nm_free(status);
    if (!s.status) st = NMSIM_ENOMEM_ERR(err);
  }
  status = NULL;
done:
  nm_free(status);
  h5o_close_id(&file, H5Fclose);
  h5o_close_id(&fapl, H5Pclose);
  if (st) run_summary_clear(&s);
  else *sum = s;
  return st;
}

/* ---- tables other modules hand over ------------------------------------- */

h5o_item *h5o_items_add(h5o_items *b) {
  if (nm_grow((void **)&b->v, &b->cap, b->n + 1, sizeof *b->v) != NMSIM_OK) return NULL;
  h5o_item *it = &b->v[b->n++];
  memset(it, 0, sizeof *it);
  return it;
}

void *h5o_items_keep(h5o_items *b, void *p) {
  if (!p) return NULL;
  if (nm_grow((void **)&b->owned, &b->cap_owned, b->n_owned + 1, sizeof *b->owned) != NMSIM_OK) {
    nm_free(p);
    return NULL;
  }
  b->owned[b->n_owned++] = p;
  return p;
}

char *h5o_items_printf(h5o_items *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *p = n < 0 ? NULL : nm_malloc((size_t)n + 1);
  if (!p) return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return h5o_items_keep(b, p);
}

void h5o_items_free(h5o_items *b) {
  for (size_t i = 0; i < b->n_owned; i++) nm_free(b->owned[i]);
  nm_free(b->owned);
  nm_free(b->v);
  memset(b, 0, sizeof *b);
}

/* File and memory types of kind k (a string type is made: close it). */
static void h5o_kind_types(h5o_kind k, hid_t *ft, hid_t *mt) {
  switch (k) {
    case H5O_U32: *ft = H5T_STD_U32LE, *mt = H5T_NATIVE_UINT32; return;
    case H5O_I32: *ft = H5T_STD_I32LE, *mt = H5T_NATIVE_INT32; return;
    case H5O_U64: *ft = H5T_STD_U64LE, *mt = H5T_NATIVE_UINT64; return;
    case H5O_I64: *ft = H5T_STD_I64LE, *mt = H5T_NATIVE_INT64; return;
    case H5O_F64: *ft = H5T_IEEE_F64LE, *mt = H5T_NATIVE_DOUBLE; return;
    case H5O_STR: *ft = *mt = h5o_str_type(); return;
  }
  *ft = *mt = H5I_INVALID_HID;
}

static herr_t h5o_item_attrs(hid_t loc, const h5o_item *it) {
  for (size_t a = 0; a < it->n_attrs; a++) {
    const h5o_attr *at = &it->attrs[a];
    hid_t ft, mt;
    h5o_kind_types(at->kind, &ft, &mt);
    herr_t rc = ft < 0 ? -1 : h5o_put_attr(loc, at->name, ft, mt, at->n == 1 ? 0 : at->n, at->v);
    if (at->kind == H5O_STR && ft >= 0) H5Tclose(ft);
    if (rc < 0) return -1;
  }
  return 0;
}

/* Whether an object exists at the absolute path (H5Lexists fails, rather
 * than says no, when a parent group is missing). */
static htri_t h5o_path_exists(hid_t file, const char *path) {
  char buf[1024];
  size_t n = strlen(path);
  if (n >= sizeof buf) return -1;
  memcpy(buf, path, n + 1);
  for (char *q = strchr(buf + 1, '/');; q = strchr(q + 1, '/')) {
    if (q) *q = 0;
    htri_t ex = H5Lexists(file, buf, H5P_DEFAULT);
    if (ex <= 0 || !q) return ex;
    *q = '/';
  }
}

/* Write one item (see h5o_item). */
static herr_t h5o_item_write(hid_t file, const h5o_item *it) {
  htri_t ex = h5o_path_exists(file, it->path);
  if (ex < 0 || (ex > 0 && H5Ldelete(file, it->path, H5P_DEFAULT) < 0)) return -1;
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  if (lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0) {
    h5o_close_id(&lcpl, H5Pclose);
    return -1;
  }
  herr_t rc = -1;
  if (!it->rank) {
    hid_t g = H5Gcreate2(file, it->path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (g >= 0) rc = h5o_item_attrs(g, it);
    h5o_close_id(&g, H5Gclose);
    h5o_close_id(&lcpl, H5Pclose);
    return rc;
  }
  hsize_t dims[2] = {it->dims[0], it->dims[1]}, chunk[2] = {it->chunk, it->dims[1]};
  hid_t ft, mt, d = H5I_INVALID_HID;
  h5o_kind_types(it->kind, &ft, &mt);
  hid_t sp = H5Screate_simple((int)it->rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (ft >= 0 && sp >= 0 && dcpl >= 0 &&
      (!it->chunk ||
       (H5Pset_chunk(dcpl, (int)it->rank, chunk) >= 0 && H5Pset_deflate(dcpl, 4) >= 0)))
    d = H5Dcreate2(file, it->path, ft, sp, lcpl, dcpl, H5P_DEFAULT);
  size_t n = it->dims[0] * (it->rank == 2 ? it->dims[1] : 1);
  if (d >= 0 && (!n || H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, it->data) >= 0))
    rc = h5o_item_attrs(d, it);
  h5o_close_id(&d, H5Dclose);
  h5o_close_id(&dcpl, H5Pclose);
  h5o_close_id(&sp, H5Sclose);
  h5o_close_id(&lcpl, H5Pclose);
  if (it->kind == H5O_STR && ft >= 0) H5Tclose(ft);
  return rc;
}

nmsim_status h5o_add(h5o_writer *w, const h5o_items *b, nmsim_err *err) {
  if (!w) return NMSIM_ERR(err, NMSIM_EINVAL, "h5o_add: NULL writer");
  for (size_t i = 0; i < b->n; i++)
    if (h5o_item_write(w->file, &b->v[i]) < 0)
      return H5O_FAIL(err, NMSIM_EHDF5, w->path, "cannot write %s", b->v[i].path);
  return NMSIM_OK;
}
