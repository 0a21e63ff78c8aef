/* dvs_replay.c: a DVS recording as a population's spikes: label files and trials,
 * the pixel-to-channel map, per-step binning shared by every block of the
 * population, the validation pass at load time and the run file's trial table. */
#include "sim/dvs/dvs_replay.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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
  bool in_window;          /* an event of this run fell in its trial's time window */
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
  uint64_t plane = (uint64_t)r->ow * r->oh; /* 65536 x 65536 wraps in 32 bits */
  uint64_t channels = plane * r->planes;
  if (channels > (UINT64_C(1) << 31)) {
    *field = "downsample";
    return NMSIM_ERR(err, NMSIM_EINPUT, "%llu channels: more than a population may hold",
                     (unsigned long long)channels);
  }
  r->plane = (uint32_t)plane;
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
    r->in_window = true;
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
  r->in_window = false;
  r->counts = (dvs_replay_counts){0};
  if (r->n_words) memset(r->bits, 0, r->n_words * sizeof *r->bits);
  return dvs_rewind(r->rd, err);
}

/* ---- construction ------------------------------------------------------------------ */

/* A format named in the scenario that the file's header contradicts is the
 * scenario's error, at `format` (dvs_open would refuse it too, at `file`). A
 * file without a header that names its format takes the one given. */
static nmsim_status rp_format(dvs_replay *r, const char **field, nmsim_err *err) {
  dvs_format declared, fmt = r->cfg.format;
  if (fmt == DVS_AUTO) return NMSIM_OK;
  nmsim_status rc = dvs_header_format(r->file, &declared, err);
  if (rc || declared == DVS_AUTO || declared == fmt) return rc;
  *field = "format";
  return NMSIM_ERR(err, NMSIM_EINPUT, "%s: format %s, but the file's header says %s (%s): "
                   "leave format out to read it as %s", r->file, dvs_format_name(fmt),
                   dvs_format_name(declared), dvs_format_desc(declared),
                   dvs_format_name(declared));
}

/* The validation pass met no event in the from/to window, and it reads until
 * one or the window's end, so the run would replay none. A window wholly
 * outside the recording (from after its last event, to at or before its
 * first) is refused at the field at fault with the recording's time range;
 * one that overlaps the recording but holds no event (a gap) is accepted, as
 * is any window on a recording without events. Reads the whole recording once
 * more: only on this path, so a window that holds events costs nothing. The
 * range is that of the timestamps (t_min .. t_max), the first and last
 * events' in a recording whose time never steps back. */
static nmsim_status rp_window(dvs_replay *r, const char **field, nmsim_err *err) {
  const dvs_replay_cfg *c = &r->cfg;
  dvs_stats st;
  nmsim_status rc = dvs_rewind(r->rd, err);
  if (rc || (rc = dvs_scan(r->rd, &st, err)) || st.events == 0) return rc;
  if (c->has_from && c->from_us > st.t_max) {
    *field = "from";
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s: from (%lld us) is after the recording's last "
                     "event (t = %lld us; the recording spans %lld .. %lld us)", r->file,
                     (long long)c->from_us, (long long)st.t_max, (long long)st.t_min,
                     (long long)st.t_max);
  }
  if (c->has_to && c->to_us <= st.t_min) {
    *field = "to";
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s: to (%lld us) is at or before the recording's "
                     "first event (t = %lld us; the recording spans %lld .. %lld us)", r->file,
                     (long long)c->to_us, (long long)st.t_min, (long long)st.t_min,
                     (long long)st.t_max);
  }
  return NMSIM_OK;
}

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
  if ((rc = rp_format(r, fld, err))) goto fail;
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
  if (!r->labels && (cfg->has_from || cfg->has_to) && !r->in_window &&
      (rc = rp_window(r, fld, err)))
    goto fail;
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
double dvs_replay_time_scale(const dvs_replay *r) { return r->cfg.time_scale; }
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

nmsim_status dvs_replay_items(const dvs_replay *r, const char *pop, uint64_t steps, h5o_items *b,
                              nmsim_err *err) {
  const dvs_replay_cfg *c = &r->cfg;
  /* the values the attributes point to live as long as b */
  typedef struct rp_vals {
    const char *kind, *file, *format, *polarity, *layout, *labels;
    uint32_t sensor[2], crop[4], downsample, shape[3];
    double time_scale, offset_us;
    int64_t from_us, to_us;
    uint64_t events, used, late;
    h5o_attr a[18];
  } rp_vals;
  rp_vals *v = h5o_items_keep(b, nm_calloc(1, sizeof *v));
  const char *path = v ? h5o_items_printf(b, "/populations/%s/input", pop) : NULL;
  h5o_item *g = path ? h5o_items_add(b) : NULL;
  if (!g) return NMSIM_ENOMEM_ERR(err);
  *v = (rp_vals){.kind = "dvs", .file = r->file,
                 .format = dvs_format_name(dvs_reader_info(r->rd)->format),
                 .polarity = c->split ? "split" : "merged",
                 .layout = "channel-major (C, H, W), C = [OFF, ON] when split",
                 .labels = r->labels,
                 .sensor = {r->w, r->h},
                 .crop = {c->crop ? c->crop_x0 : 0, c->crop ? c->crop_y0 : 0,
                          c->crop ? c->crop_w : r->w, c->crop ? c->crop_h : r->h},
                 .downsample = c->downsample,
                 .shape = {r->planes, r->oh, r->ow},
                 .time_scale = c->time_scale, .offset_us = c->offset_us,
                 .from_us = r->trials[0].t_start_us, .to_us = c->to_us,
                 .events = r->counts.events, .used = r->counts.used, .late = r->counts.late};
  size_t na = 0;
  v->a[na++] = (h5o_attr){"kind", H5O_STR, 1, &v->kind};
  v->a[na++] = (h5o_attr){"file", H5O_STR, 1, &v->file};
  v->a[na++] = (h5o_attr){"format", H5O_STR, 1, &v->format};
  v->a[na++] = (h5o_attr){"sensor", H5O_U32, 2, v->sensor};
  v->a[na++] = (h5o_attr){"crop", H5O_U32, 4, v->crop};
  v->a[na++] = (h5o_attr){"downsample", H5O_U32, 1, &v->downsample};
  v->a[na++] = (h5o_attr){"polarity", H5O_STR, 1, &v->polarity};
  v->a[na++] = (h5o_attr){"shape", H5O_U32, 3, v->shape};
  v->a[na++] = (h5o_attr){"layout", H5O_STR, 1, &v->layout};
  v->a[na++] = (h5o_attr){"time_scale", H5O_F64, 1, &v->time_scale};
  v->a[na++] = (h5o_attr){"offset_us", H5O_F64, 1, &v->offset_us};
  v->a[na++] = (h5o_attr){"from_us", H5O_I64, 1, &v->from_us};
  if (!r->labels && c->has_to) v->a[na++] = (h5o_attr){"to_us", H5O_I64, 1, &v->to_us};
  v->a[na++] = (h5o_attr){"events_read", H5O_U64, 1, &v->events};
  v->a[na++] = (h5o_attr){"events_used", H5O_U64, 1, &v->used};
  v->a[na++] = (h5o_attr){"events_late", H5O_U64, 1, &v->late};
  if (r->labels) v->a[na++] = (h5o_attr){"labels", H5O_STR, 1, &v->labels};
  *g = (h5o_item){.path = path, .attrs = v->a, .n_attrs = na};
  if (!r->labels) return NMSIM_OK;
  /* the trials that start before the run's end */
  size_t n = 0;
  while (n < r->n_trials && r->trials[n].start_step < steps) n++;
  int32_t *lab = h5o_items_keep(b, nm_malloc((n ? n : 1) * sizeof *lab));
  uint64_t *st = h5o_items_keep(b, nm_malloc((n ? n : 1) * sizeof *st));
  uint64_t *ns = h5o_items_keep(b, nm_malloc((n ? n : 1) * sizeof *ns));
  int64_t *t0 = h5o_items_keep(b, nm_malloc((n ? n : 1) * sizeof *t0));
  int64_t *t1 = h5o_items_keep(b, nm_malloc((n ? n : 1) * sizeof *t1));
  if (!lab || !st || !ns || !t0 || !t1) return NMSIM_ENOMEM_ERR(err);
  for (size_t i = 0; i < n; i++) {
    lab[i] = r->trials[i].label;
    st[i] = r->trials[i].start_step;
    ns[i] = r->trials[i].n_steps;
    t0[i] = r->trials[i].t_start_us;
    t1[i] = r->trials[i].t_end_us;
  }
  const struct { const char *name; h5o_kind kind; const void *data; } col[5] = {
      {"label", H5O_I32, lab}, {"start_step", H5O_U64, st}, {"n_steps", H5O_U64, ns},
      {"t_start_us", H5O_I64, t0}, {"t_end_us", H5O_I64, t1}};
  for (int j = 0; j < 5; j++) {
    h5o_item *it = h5o_items_add(b);
    const char *p = h5o_items_printf(b, "%s/trials/%s", path, col[j].name);
    if (!it || !p) return NMSIM_ENOMEM_ERR(err);
    *it = (h5o_item){.path = p, .kind = col[j].kind, .rank = 1, .dims = {n, 0},
                     .data = col[j].data, .chunk = n ? (n < 4096 ? n : 4096) : 1};
  }
  return NMSIM_OK;
}
