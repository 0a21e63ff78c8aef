/* api.c: nmsim as a library for other languages (include/nmsim/api.h): the
 * same load, run, record and report the command line does, with the report
 * and the run file handed back in memory. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report.h"
#include "nmsim/api.h"
#include "sim/base/interrupt.h"
#include "sim/out/h5out.h"
#include "sim/system/run_int.h"
#include "sim/system/run_record.h"

struct nmsim_result {
  char *json;
  void *image;
  size_t image_len;
};

static nmsim_status api_fail(nmsim_status st, const nmsim_err *err, char *msg, size_t len) {
  if (msg && len)
    snprintf(msg, len, "%s", err && err->msg[0] ? err->msg : nmsim_strerror(st));
  return st;
}

/* The overrides of src as nmsim_override pairs (*ov nm_malloc'd, pointing
 * into *keys, a copy of every KEY=VALUE with the '=' cut). */
static nmsim_status api_sets(const nmsim_source *src, nmsim_override **ov, char ***keys,
                             nmsim_err *err) {
  *ov = NULL;
  *keys = NULL;
  if (!src->n_sets) return NMSIM_OK;
  *ov = nm_calloc(src->n_sets, sizeof **ov);
  *keys = nm_calloc(src->n_sets, sizeof **keys);
  if (!*ov || !*keys) return NMSIM_ENOMEM_ERR(err);
  for (size_t i = 0; i < src->n_sets; i++) {
    const char *eq = src->sets[i] ? strchr(src->sets[i], '=') : NULL;
    if (!eq || eq == src->sets[i])
      return NMSIM_ERR(err, NMSIM_EINPUT, "an override is KEY=VALUE, got '%s'",
                       src->sets[i] ? src->sets[i] : "");
    if (!((*keys)[i] = nm_strdup(src->sets[i]))) return NMSIM_ENOMEM_ERR(err);
    char *k = (*keys)[i];
    k[eq - src->sets[i]] = 0;
    (*ov)[i] = (nmsim_override){.key = k, .value = k + (eq - src->sets[i]) + 1};
  }
  return NMSIM_OK;
}

static void api_sets_free(const nmsim_source *src, nmsim_override *ov, char **keys) {
  for (size_t i = 0; keys && i < src->n_sets; i++) nm_free(keys[i]);
  nm_free(keys);
  nm_free(ov);
}

/* Load src with its overrides; *params the overrides as JSON (for the run
 * file and the database) when params is not NULL. */
static nmsim_status api_load(const nmsim_source *src, nmsim_scenario **s, char **params,
                             nmsim_err *err) {
  *s = NULL;
  if (params) *params = NULL;
  if (!src || (!src->path == !src->text))
    return NMSIM_ERR(err, NMSIM_EINVAL, "give a scenario file or a scenario text, one of them");
  nmsim_override *ov;
  char **keys;
  nmsim_status st = api_sets(src, &ov, &keys, err);
  if (st == NMSIM_OK)
    st = src->path ? nmsim_scenario_load(src->path, ov, src->n_sets, s, err)
                   : nmsim_scenario_load_string(src->name ? src->name : "<scenario>", src->text,
                                                ov, src->n_sets, s, err);
  if (st == NMSIM_OK && params && !(*params = rdb_params_json(ov, src->n_sets)))
    st = NMSIM_ENOMEM_ERR(err);
  api_sets_free(src, ov, keys);
  return st;
}

/* The JSON report of sum, as a string. */
static char *api_json(const run_summary *sum) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return NULL;
  report_print_json(f, sum);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  char *out = nm_strdup(buf);
  free(buf);
  return out;
}

nmsim_status nmsim_api_validate(const nmsim_source *src, char *msg, size_t msglen) {
  nmsim_err err = {0};
  nmsim_scenario *s = NULL;
  nmsim_status st = api_load(src, &s, NULL, &err);
  nmsim_scenario_destroy(s);
  return st == NMSIM_OK ? st : api_fail(st, &err, msg, msglen);
}

nmsim_status nmsim_api_run(const nmsim_source *src, const nmsim_run_opts *o,
                           nmsim_result **out, char *msg, size_t msglen) {
  nmsim_err err = {0};
  *out = NULL;
  nmsim_scenario *scn = NULL;
  char *params = NULL;
  rdb *db = NULL;
  nmsim_result *r = NULL;
  nmsim_status st = api_load(src, &scn, &params, &err);
  /* a bad database fails before the run, not after */
  if (st == NMSIM_OK && o && o->db) st = rdb_open(o->db, &db, &err);
  if (st == NMSIM_OK && !(r = nm_calloc(1, sizeof *r))) st = NMSIM_ENOMEM_ERR(&err);
  if (st != NMSIM_OK) {
    nmsim_scenario_destroy(scn);
    nm_free(params);
    rdb_close(db);
    return api_fail(st, &err, msg, msglen);
  }
  run_opts ro = {.h5_path = o ? o->h5_path : NULL, .overrides_json = params,
                 .progress = o && o->on_progress, .progress_sink = o ? o->on_progress : NULL,
                 .progress_ctx = o ? o->progress_ctx : NULL};
  if (o && o->image && !o->h5_path) {
    ro.h5_image = &r->image;
    ro.h5_image_len = &r->image_len;
  }
  run_summary sum;
  char start[32];
  run_utc(start);
  double t0 = run_now();
  nm_interrupt_hold(); /* Ctrl-C ends the run at a step: an exception, not a lost interpreter */
  st = run_scenario_threads(scn, o ? o->threads : 1, &ro, &sum, &err);
  nm_interrupt_release();
  /* SIGTERM asks the host to end: the run stopped at a step, its file and row
   * kept; now the host's own disposition applies (Ctrl-C is the exception the
   * caller raises from NMSIM_EINTR) */
  if (nm_interrupted() == SIGTERM) raise(SIGTERM);
  if (db) {
    nmsim_err derr = {0};
    nmsim_status dst = run_record(db, scn, params, o->sweep_id, o->h5_path, start,
                                  run_now() - t0, st, &err, &sum, NULL, &derr);
    rdb_close(db);
    if (dst != NMSIM_OK && st == NMSIM_OK) {
      run_summary_clear(&sum);
      st = dst;
      err = derr;
    }
  }
  nmsim_scenario_destroy(scn);
  nm_free(params);
  if (st == NMSIM_OK) {
    r->json = api_json(&sum);
    run_summary_clear(&sum);
    if (!r->json) st = NMSIM_ENOMEM_ERR(&err);
  }
  if (st != NMSIM_OK) {
    nmsim_result_free(r);
    return api_fail(st, &err, msg, msglen);
  }
  *out = r;
  return NMSIM_OK;
}

const char *nmsim_result_json(const nmsim_result *r) { return r ? r->json : NULL; }

const void *nmsim_result_image(const nmsim_result *r, size_t *len) {
  if (len) *len = r ? r->image_len : 0;
  return r ? r->image : NULL;
}

void nmsim_result_free(nmsim_result *r) {
  if (!r) return;
  nm_free(r->json);
  nm_free(r->image);
  nm_free(r);
}

nmsim_status nmsim_api_report(const char *h5_path, char **json, char *msg, size_t msglen) {
  nmsim_err err = {0};
  *json = NULL;
  if (!h5_path) return api_fail(NMSIM_EINVAL, NULL, msg, msglen);
  run_summary sum;
  nmsim_status st = h5o_read_summary(h5_path, &sum, &err);
  if (st != NMSIM_OK) return api_fail(st, &err, msg, msglen);
  *json = api_json(&sum);
  run_summary_clear(&sum);
  return *json ? NMSIM_OK : api_fail(NMSIM_ENOMEM, NULL, msg, msglen);
}

void nmsim_api_free(void *p) { nm_free(p); }
