/* dvs_replay.c: a DVS recording as a population's spikes: label files and trials,
 * the pixel-to-channel map, per-step binning shared by every block of the
 * population, the validation pass at load time and the run file's trial table. */
#include "sim/dvs/dvs_replay.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/load/scenario_int.h"

#define RP_BATCH 4096            /* events decoded at a time */
#define RP_MAX_TRIAL_STEPS 1e12  /* a trial longer than this is an input error */

struct dvs_replay {
  dvs_replay_cfg cfg;      /* file and labels point at the copies below */
  char *file, *labels;
  dvs_reader *rd;
  uint32_t w, h;           /* sensor */
  uint32_t ow, oh, planes, plane, channels;
  int32_t *xmap, *ymap;    /* x -> x' (or -1); y -> y' * ow (or -1) */
  uint64_t *bits;          /* channels bits: the current step's spikes */
  size_t n_words;
  dvs_trial *trials;
  size_t n_trials;
  bool from_first;         /* trial 0 starts at the first event (no `from`) */
  double dt_us;
  dvs_event *batch;
  size_t bi, bn;           /* next event of the batch; events in it */
  size_t trial;            /* current trial */
  bool eof;                /* nothing more to read for this run */
  bool have_cur;
  uint64_t cur;            /* step the bitmap holds */
  dvs_replay_counts counts;
  nmsim_status failed;
  nmsim_err failed_err;
};

/* ---- label files ------------------------------------------------------------- */

static const char *const LABEL_HEADER = "class,startTime_usec,endTime_usec";

static void rp_trim(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = 0;
}

static bool rp_int(const char **s, char stop, long long *out) {
  char *e;
  errno = 0;
  long long v = strtoll(*s, &e, 10);
  if (e == *s || errno || *e != stop) return false;
  *out = v;
  *s = e + (stop ? 1 : 0);
  return true;
}

/* Read the DvsGesture label CSV into r->trials (segments in time order, not
 * overlapping). Steps are assigned later by rp_steps. */
static nmsim_status rp_labels(dvs_replay *r, nmsim_err *err) {
  const char *path = r->labels;
  FILE *f = fopen(path, "rb");
  if (!f) return NMSIM_ERR(err, NMSIM_EIO, "%s: %s", path, strerror(errno));
  char line[512];
  size_t cap = 0;
  int ln = 0;
  nmsim_status rc = NMSIM_OK;
  while (fgets(line, sizeof line, f)) {
    ln++;
    if (!strchr(line, '\n') && !feof(f)) {
      rc = NMSIM_ERR(err, NMSIM_EINPUT, "%s:%d: line longer than %zu bytes", path, ln,
                     sizeof line - 2);
      break;
    }
    rp_trim(line);
    if (ln == 1) {
      if (strcmp(line, LABEL_HEADER)) {
        rc = NMSIM_ERR(err, NMSIM_EINPUT, "%s:1: expected the header '%s', got '%.80s'", path,
                       LABEL_HEADER, line);
        break;
      }
      continue;
    }
    if (!line[0]) continue;
    long long cls, t0, t1;
    const char *s = line;
    if (!rp_int(&s, ',', &cls) || !rp_int(&s, ',', &t0) || !rp_int(&s, 0, &t1) || cls < 0 ||
        cls > INT32_MAX || t1 <= t0) {
      rc = NMSIM_ERR(err, NMSIM_EINPUT, "%s:%d: expected CLASS,START_US,END_US with a class "
                     ">= 0 and END_US > START_US, got '%.80s'", path, ln, line);
      break;
    }
    if (r->n_trials && t0 < r->trials[r->n_trials - 1].t_end_us) {
      rc = NMSIM_ERR(err, NMSIM_EINPUT, "%s:%d: segment starts at %lld us, before the previous "
                     "one ends (%lld us): segments must be in time order and must not overlap",
                     path, ln, t0, (long long)r->trials[r->n_trials - 1].t_end_us);
      break;
    }
    if (nm_grow((void **)&r->trials, &cap, r->n_trials + 1, sizeof *r->trials)) {
      rc = NMSIM_ENOMEM_ERR(err);
      break;
    }
    r->trials[r->n_trials++] = (dvs_trial){.label = (int32_t)cls, .t_start_us = t0,
                                           .t_end_us = t1};
  }
  if (!rc && ferror(f)) rc = NMSIM_ERR(err, NMSIM_EIO, "%s: read error", path);
  if (!rc && !r->n_trials)
    rc = NMSIM_ERR(err, NMSIM_EINPUT, "%s: no labelled segments (expected the header '%s' and "
                   "one CLASS,START_US,END_US row per segment)", path, LABEL_HEADER);
  fclose(f);
  return rc;
}

/* Steps of each trial: back to back from step 0, each ceil((offset +
 * duration * time_scale) / dt) steps long. */
static nmsim_status rp_steps(dvs_replay *r, nmsim_err *err) {
  uint64_t at = 0;
  for (size_t i = 0; i < r->n_trials; i++) {
    dvs_trial *t = &r->trials[i];
    double len = r->cfg.offset_us + ((double)t->t_end_us - (double)t->t_start_us) *
                                        r->cfg.time_scale;
    double n = ceil(len / r->dt_us);
    if (!(n <= RP_MAX_TRIAL_STEPS))
      return NMSIM_ERR(err, NMSIM_EINPUT, "%s: segment %zu lasts %.6g steps (more than %.0g)",
                       r->labels, i + 1, n, RP_MAX_TRIAL_STEPS);
    t->start_step = at;
    t->n_steps = n < 1 ? 1 : (uint64_t)n;
    at += t->n_steps;
  }
  return NMSIM_OK;
}

/* ---- geometry ----------------------------------------------------------------- */

static nmsim_status rp_geometry(dvs_replay *r, const char **field, nmsim_err *err) {
  const dvs_replay_cfg *c = &r->cfg;
  const dvs_info *in = dvs_reader_info(r->rd);
  r->w = c->sensor_w ? c->sensor_w : in->width;
  r->h = c->sensor_h ? c->sensor_h : in->height;
  if (!r->w || !r->h) {
    *field = "sensor";
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s: the %s header does not state the sensor size: "
                     "give sensor: [WIDTH, HEIGHT]", r->file, dvs_format_desc(in->format));
  }
  if (r->w > 65536 || r->h > 65536) {
    *field = "sensor";
    return NMSIM_ERR(err, NMSIM_EINPUT, "sensor %u x %u is larger than 65536 x 65536", r->w,
                     r->h);
  }
  uint32_t x0 = 0, y0 = 0, cw = r->w, ch = r->h;
  if (c->crop) {
    x0 = c->crop_x0, y0 = c->crop_y0, cw = c->crop_w, ch = c->crop_h;
    if (!cw || !ch || (uint64_t)x0 + cw > r->w || (uint64_t)y0 + ch > r->h) {
      *field = "crop";
      return NMSIM_ERR(err, NMSIM_EINPUT, "crop [%u, %u, %u, %u] is not a non-empty window of "
                       "the %u x %u sensor", x0, y0, cw, ch, r->w, r->h);
    }
  }
  uint32_t n = c->downsample;
  if (n < 1 || n > cw || n > ch) {
    *field = "downsample";
    return NMSIM_ERR(err, NMSIM_EINPUT, "downsample %u does not fit the %u x %u window", n, cw,
                     ch);
  }
  r->ow = (cw + n - 1) / n;
  r->oh = (ch + n - 1) / n;
  r->planes = c->split ? 2 : 1;
  r->plane = r->ow * r->oh;
  uint64_t channels = (uint64_t)r->plane * r->planes;
  if (channels > (UINT64_C(1) << 31)) {
    *field = "downsample";
    return NMSIM_ERR(err, NMSIM_EINPUT, "%llu channels: more than a population may hold",
                     (unsigned long long)channels);
  }
  r->channels = (uint32_t)channels;
  r->n_words = (r->channels + 63) / 64;
  r->xmap = nm_malloc(r->w * sizeof *r->xmap);
  r->ymap = nm_malloc(r->h * sizeof *r->ymap);
  r->bits = nm_calloc(r->n_words, sizeof *r->bits);
  if (!r->xmap || !r->ymap || !r->bits) return NMSIM_ENOMEM_ERR(err);
  for (uint32_t x = 0; x < r->w; x++)
    r->xmap[x] = x >= x0 && x - x0 < cw ? (int32_t)((x - x0) / n) : -1;
  for (uint32_t y = 0; y < r->h; y++)
    r->ymap[y] = y >= y0 && y - y0 < ch ? (int32_t)((y - y0) / n * r->ow) : -1;
  return NMSIM_OK;
}

/* ---- streaming ------------------------------------------------------------------ */

/* Bin every event whose step is <= s into the bitmap (events of earlier steps
 * count as late), leaving the first later event pending. With validate, an
 * event outside the sensor is an error (*field = "sensor"). */
static nmsim_status rp_pull(dvs_replay *r, uint64_t s, bool validate, const char **field,
                            nmsim_err *err) {
  for (;;) {
    if (r->bi == r->bn) {
      if (r->eof) return NMSIM_OK;
      size_t n;
      nmsim_status rc = dvs_read(r->rd, r->batch, RP_BATCH, &n, err);
      if (rc) return rc;
      if (n == 0) return r->eof = true, NMSIM_OK;
      r->bi = 0;
      r->bn = n;
      r->counts.events += n;
    }
    if (r->trial >= r->n_trials) return r->eof = true, NMSIM_OK;
    const dvs_event *e = &r->batch[r->bi];
    dvs_trial *tr = &r->trials[r->trial];
    if (r->from_first) {
      tr->t_start_us = e->t_us;
      r->from_first = false;
    }
    if (e->t_us >= tr->t_end_us) {
      r->trial++;
      continue;
    }
    if (e->t_us < tr->t_start_us) {
      r->bi++;
      continue;
    }
    double rel = r->cfg.offset_us +
                 ((double)e->t_us - (double)tr->t_start_us) * r->cfg.time_scale;
    double q = rel / r->dt_us;
    uint64_t k = q < (double)(tr->n_steps - 1) ? (uint64_t)q : tr->n_steps - 1;
    uint64_t step = tr->start_step + k;
    if (step > s) return NMSIM_OK;
    r->bi++;
    if (e->x >= r->w || e->y >= r->h) {
      if (!validate) continue;
      *field = "sensor";
      return NMSIM_ERR(err, NMSIM_EINPUT, "%s: event %llu (t %lld us) at (%u, %u) lies "
                       "outside the %u x %u sensor", r->file,
                       (unsigned long long)(r->counts.events - r->bn + r->bi), (long long)e->t_us,
                       e->x, e->y, r->w, r->h);
    }
    int32_t cx = r->xmap[e->x], cy = r->ymap[e->y];
    if (cx < 0 || cy < 0) continue;
    uint32_t c = (uint32_t)cy + (uint32_t)cx + (r->planes == 2 ? e->p * r->plane : 0);
    r->bits[c >> 6] |= UINT64_C(1) << (c & 63);
    r->counts.used++;
    r->counts.late += step < s;
  }
}

/* Back to the first event for a new run. */
static nmsim_status rp_restart(dvs_replay *r, nmsim_err *err) {
  r->bi = r->bn = 0;
  r->trial = 0;
  r->eof = false;
  r->have_cur = false;
  r->counts = (dvs_replay_counts){0};
  if (r->n_words) memset(r->bits, 0, r->n_words * sizeof *r->bits);
  return dvs_rewind(r->rd, err);
}

/* ---- construction ------------------------------------------------------------------ */

nmsim_status dvs_replay_create(const dvs_replay_cfg *cfg, dvs_replay **out, const char **field,
                               nmsim_err *err) {
  static const char *none;
  const char **fld = field ? field : &none;
  *fld = "file";
  if (!cfg || !out || !cfg->file || !(cfg->dt_ms > 0) || !cfg->steps)
    return NMSIM_ERR(err, NMSIM_EINVAL, "dvs_replay_create: bad argument");
  *out = NULL;
  nmsim_status rc;
  dvs_replay *r = nm_calloc(1, sizeof *r);
  if (!r) return NMSIM_ENOMEM_ERR(err);
  r->cfg = *cfg;
  r->dt_us = cfg->dt_ms * 1000.0;
  if (!(r->file = nm_strdup(cfg->file)) || (cfg->labels && !(r->labels = nm_strdup(cfg->labels))) ||
      !(r->batch = nm_malloc(RP_BATCH * sizeof *r->batch)))
    goto nomem;
  r->cfg.file = r->file;
  r->cfg.labels = r->labels;
  if (!(cfg->time_scale > 0) || !isfinite(cfg->time_scale) || !(cfg->offset_us >= 0) ||
      !isfinite(cfg->offset_us)) {
    *fld = !(cfg->time_scale > 0) || !isfinite(cfg->time_scale) ? "time_scale" : "offset";
    rc = NMSIM_ERR(err, NMSIM_EINPUT, "time_scale must be > 0 and offset >= 0");
    goto fail;
  }
  if (r->labels && (cfg->has_from || cfg->has_to)) {
    *fld = cfg->has_from ? "from" : "to";
    rc = NMSIM_ERR(err, NMSIM_EINPUT, "from/to cannot be combined with labels: each labelled "
                   "segment is its own window");
    goto fail;
  }
  if (cfg->has_from && cfg->has_to && cfg->to_us <= cfg->from_us) {
    *fld = "to";
    rc = NMSIM_ERR(err, NMSIM_EINPUT, "to (%lld us) must be after from (%lld us)",
                   (long long)cfg->to_us, (long long)cfg->from_us);
    goto fail;
  }
  if ((rc = dvs_open(r->file, cfg->format, &r->rd, err))) goto fail;
  if ((rc = rp_geometry(r, fld, err))) goto fail;
  if (r->labels) {
    *fld = "labels";
    if ((rc = rp_labels(r, err)) || (rc = rp_steps(r, err))) goto fail;
  } else {
    if (!(r->trials = nm_calloc(1, sizeof *r->trials))) goto nomem;
    r->n_trials = 1;
    r->trials[0] = (dvs_trial){.label = -1,
                               .t_start_us = cfg->has_from ? cfg->from_us : INT64_MIN,
                               .t_end_us = cfg->has_to ? cfg->to_us : INT64_MAX,
                               .start_step = 0,
                               .n_steps = UINT64_MAX};
    r->from_first = !cfg->has_from;
  }
  /* The validation pass reads exactly what the run will read. */
  *fld = "file";
  if ((rc = rp_pull(r, cfg->steps - 1, true, fld, err))) goto fail;
  if ((rc = rp_restart(r, err))) goto fail;
  *out = r;
  return NMSIM_OK;

nomem:
  rc = NMSIM_ENOMEM_ERR(err);
fail:
  dvs_replay_destroy(r);
  return rc;
}

void dvs_replay_destroy(dvs_replay *r) {
  if (!r) return;
  dvs_close(r->rd);
  nm_free(r->xmap);
  nm_free(r->ymap);
  nm_free(r->bits);
  nm_free(r->trials);
  nm_free(r->batch);
  nm_free(r->file);
  nm_free(r->labels);
  nm_free(r);
}

/* ---- queries ------------------------------------------------------------------------ */

uint32_t dvs_replay_channels(const dvs_replay *r) { return r->channels; }
void dvs_replay_shape(const dvs_replay *r, uint32_t *c, uint32_t *h, uint32_t *w) {
  *c = r->planes;
  *h = r->oh;
  *w = r->ow;
}
const dvs_info *dvs_replay_info(const dvs_replay *r) { return dvs_reader_info(r->rd); }
dvs_replay_counts dvs_replay_get_counts(const dvs_replay *r) { return r->counts; }
const dvs_trial *dvs_replay_trials(const dvs_replay *r, size_t *n) {
  *n = r->n_trials;
  return r->trials;
}

nmsim_status dvs_replay_status(const dvs_replay *r, nmsim_err *err) {
  if (r->failed && err) *err = r->failed_err;
  return r->failed;
}

const uint64_t *dvs_replay_step(dvs_replay *r, uint64_t step) {
  if (r->failed) return NULL;
  if (r->have_cur && step == r->cur) return r->bits;
  nmsim_err e = {0};
  nmsim_status rc = NMSIM_OK;
  if (r->have_cur && step < r->cur) rc = rp_restart(r, &e);
  if (!rc) {
    memset(r->bits, 0, r->n_words * sizeof *r->bits);
    const char *field;
    rc = rp_pull(r, step, false, &field, &e);
  }
  if (rc) {
    r->failed = rc;
    r->failed_err = e;
    return NULL;
  }
  r->cur = step;
  r->have_cur = true;
  return r->bits;
}

/* ---- the run file ----------------------------------------------------------------------- */

nmsim_status dvs_replay_check(const nmsim_scenario *scn, nmsim_err *err) {
  for (size_t i = 0; i < scn->n_pops; i++) {
    const dvs_replay *r = scn->pops[i].dvs;
    nmsim_status rc;
    if (r && (rc = dvs_replay_status(r, err))) return rc;
  }
  return NMSIM_OK;
}

static herr_t rp_attr(hid_t loc, const char *name, hid_t type, size_t n, const void *v) {
  hsize_t dims[1] = {n};
  hid_t sp = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, NULL);
  hid_t a = sp < 0 ? -1 : H5Acreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, type, v);
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
  return rc;
}

static herr_t rp_attr_str(hid_t loc, const char *name, const char *v) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return -1;
  H5Tset_size(t, H5T_VARIABLE); /* variable length: h5py reads str */
  H5Tset_cset(t, H5T_CSET_UTF8);
  herr_t rc = rp_attr(loc, name, t, 1, &v);
  H5Tclose(t);
  return rc;
}

/* 1-D chunked, deflated dataset of n values. */
static herr_t rp_dataset(hid_t loc, const char *name, hid_t type, size_t n, const void *v) {
  hsize_t dims[1] = {n}, chunk[1] = {n ? (n < 4096 ? n : 4096) : 1};
  hid_t sp = H5Screate_simple(1, dims, NULL), pl = H5Pcreate(H5P_DATASET_CREATE);
  herr_t rc = -1;
  if (sp >= 0 && pl >= 0 && H5Pset_chunk(pl, 1, chunk) >= 0 && H5Pset_deflate(pl, 4) >= 0) {
    hid_t d = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
    if (d >= 0) {
      rc = n ? H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) : 0;
      H5Dclose(d);
    }
  }
  if (pl >= 0) H5Pclose(pl);
  if (sp >= 0) H5Sclose(sp);
  return rc;
}

/* /populations/<name>/input of one population. */
static herr_t rp_write_pop(hid_t file, const scn_population *p, const dvs_replay *r,
                           uint64_t steps) {
  char path[512];
  snprintf(path, sizeof path, "/populations/%s/input", p->name);
  if (H5Lexists(file, path, H5P_DEFAULT) > 0 && H5Ldelete(file, path, H5P_DEFAULT) < 0) return -1;
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  if (lcpl < 0) return -1;
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t g = H5Gcreate2(file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  if (g < 0) return -1;
  const dvs_replay_cfg *c = &r->cfg;
  uint32_t sensor[2] = {r->w, r->h}, shape[3] = {r->planes, r->oh, r->ow};
  uint32_t crop[4] = {c->crop ? c->crop_x0 : 0, c->crop ? c->crop_y0 : 0,
                      c->crop ? c->crop_w : r->w, c->crop ? c->crop_h : r->h};
  dvs_replay_counts k = r->counts;
  herr_t rc = 0;
  rc |= rp_attr_str(g, "kind", "dvs");
  rc |= rp_attr_str(g, "file", r->file);
  rc |= rp_attr_str(g, "format", dvs_format_name(dvs_reader_info(r->rd)->format));
  rc |= rp_attr(g, "sensor", H5T_NATIVE_UINT32, 2, sensor);
  rc |= rp_attr(g, "crop", H5T_NATIVE_UINT32, 4, crop);
  rc |= rp_attr(g, "downsample", H5T_NATIVE_UINT32, 1, &c->downsample);
  rc |= rp_attr_str(g, "polarity", c->split ? "split" : "merged");
  rc |= rp_attr(g, "shape", H5T_NATIVE_UINT32, 3, shape);
  rc |= rp_attr_str(g, "layout", "channel-major (C, H, W), C = [OFF, ON] when split");
  rc |= rp_attr(g, "time_scale", H5T_NATIVE_DOUBLE, 1, &c->time_scale);
  rc |= rp_attr(g, "offset_us", H5T_NATIVE_DOUBLE, 1, &c->offset_us);
  rc |= rp_attr(g, "from_us", H5T_NATIVE_INT64, 1, &r->trials[0].t_start_us);
  if (!r->labels && c->has_to) rc |= rp_attr(g, "to_us", H5T_NATIVE_INT64, 1, &c->to_us);
  rc |= rp_attr(g, "events_read", H5T_NATIVE_UINT64, 1, &k.events);
  rc |= rp_attr(g, "events_used", H5T_NATIVE_UINT64, 1, &k.used);
  rc |= rp_attr(g, "events_late", H5T_NATIVE_UINT64, 1, &k.late);
  if (r->labels && rc >= 0) {
    rc |= rp_attr_str(g, "labels", r->labels);
    size_t n = 0;
    while (n < r->n_trials && r->trials[n].start_step < steps) n++;
    int32_t *lab = nm_malloc((n ? n : 1) * sizeof *lab);
    uint64_t *st = nm_malloc((n ? n : 1) * sizeof *st), *ns = nm_malloc((n ? n : 1) * sizeof *ns);
    int64_t *t0 = nm_malloc((n ? n : 1) * sizeof *t0), *t1 = nm_malloc((n ? n : 1) * sizeof *t1);
    hid_t tg = H5Gcreate2(g, "trials", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!lab || !st || !ns || !t0 || !t1 || tg < 0) rc = -1;
    for (size_t i = 0; rc >= 0 && i < n; i++) {
      lab[i] = r->trials[i].label;
      st[i] = r->trials[i].start_step;
      ns[i] = r->trials[i].n_steps;
      t0[i] = r->trials[i].t_start_us;
      t1[i] = r->trials[i].t_end_us;
    }
    if (rc >= 0) {
      rc |= rp_dataset(tg, "label", H5T_NATIVE_INT32, n, lab);
      rc |= rp_dataset(tg, "start_step", H5T_NATIVE_UINT64, n, st);
      rc |= rp_dataset(tg, "n_steps", H5T_NATIVE_UINT64, n, ns);
      rc |= rp_dataset(tg, "t_start_us", H5T_NATIVE_INT64, n, t0);
      rc |= rp_dataset(tg, "t_end_us", H5T_NATIVE_INT64, n, t1);
    }
    if (tg >= 0) H5Gclose(tg);
    nm_free(lab), nm_free(st), nm_free(ns), nm_free(t0), nm_free(t1);
  }
  H5Gclose(g);
  return rc < 0 ? -1 : 0;
}

nmsim_status dvs_replay_write_run_file(const char *h5_path, const nmsim_scenario *scn,
                                       nmsim_err *err) {
  nmsim_status rc = dvs_replay_check(scn, err);
  if (rc) return rc;
  bool any = false;
  for (size_t i = 0; i < scn->n_pops; i++) any |= scn->pops[i].dvs != NULL;
  if (!any || !h5_path) return NMSIM_OK;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t f = H5Fopen(h5_path, H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) return NMSIM_ERR(err, NMSIM_EIO, "%s: cannot open the run file to add the DVS "
                              "trials", h5_path);
  rc = dvs_replay_write_into(f, h5_path, scn, err);
  if (H5Fclose(f) < 0 && !rc) rc = NMSIM_ERR(err, NMSIM_EHDF5, "%s: close failed", h5_path);
  H5Eclear2(H5E_DEFAULT);
  return rc;
}

nmsim_status dvs_replay_write_into(int64_t file, const char *h5_path, const nmsim_scenario *scn,
                                   nmsim_err *err) {
  nmsim_status rc = dvs_replay_check(scn, err);
  for (size_t i = 0; i < scn->n_pops && !rc; i++) {
    const dvs_replay *r = scn->pops[i].dvs;
    if (r && rp_write_pop((hid_t)file, &scn->pops[i], r, scn->steps) < 0)
      rc = NMSIM_ERR(err, NMSIM_EHDF5, "%s: cannot write /populations/%s/input", h5_path,
                     scn->pops[i].name);
  }
  return rc;
}
