/* api.h: nmsim as a library for other languages (the Python module binds it
 * with ctypes, python/nmsim): load and check a scenario from a file or a
 * YAML/JSON text with --set overrides, run it in process, and get the
 * report as JSON and the run file, in memory or on disk; record runs in a
 * results database; read the report of an existing run file. Every call
 * returns an nmsim_status; on failure msg holds the message the command line
 * prints (file, line, column and field for bad input). */
#ifndef NMSIM_API_H
#define NMSIM_API_H

#include <stddef.h>

#include "nmsim/nmsim.h"

typedef struct nmsim_result nmsim_result;

/* A scenario: path (a file), or text (YAML or JSON, named name in messages;
 * its relative paths are taken against the working directory); sets: n_sets
 * overrides "KEY=VALUE", as --set. */
typedef struct nmsim_source {
  const char *path;
  const char *text;
  const char *name;
  const char *const *sets;
  size_t n_sets;
} nmsim_source;

/* How to run: h5_path writes the run file there; otherwise, with image set,
 * the run file is made in memory and kept with the result. db (a results
 * database) records the run, with sweep_id when given. progress: a line of
 * progress every quarter second once the run has lasted a second, handed to
 * on_progress(ctx, line), and on_progress(ctx, NULL) at the end. */
typedef struct nmsim_run_opts {
  const char *h5_path;
  int image;
  const char *db;
  const char *sweep_id;
  void (*on_progress)(void *ctx, const char *line);
  void *progress_ctx;
  int threads;  /* > 1: split the run over that many threads (`nmsim run --threads`) */
} nmsim_run_opts;

/* Load, check and run; *out (free with nmsim_result_free) on success. */
NMSIM_API nmsim_status nmsim_api_run(const nmsim_source *src, const nmsim_run_opts *o,
                                     nmsim_result **out, char *msg, size_t msglen);
/* Load and check only: NMSIM_OK or the first error. */
NMSIM_API nmsim_status nmsim_api_validate(const nmsim_source *src, char *msg, size_t msglen);
/* The report of the run as the JSON of `nmsim run --json`. */
NMSIM_API const char *nmsim_result_json(const nmsim_result *r);
/* The in-memory run file (nmsim_run_opts.image), or NULL; its size in *len. */
NMSIM_API const void *nmsim_result_image(const nmsim_result *r, size_t *len);
/* Accepts NULL. */
NMSIM_API void nmsim_result_free(nmsim_result *r);
/* The report of an existing run file as JSON (`nmsim report RUN.h5 --json`)
 * into *json (free with nmsim_api_free). */
NMSIM_API nmsim_status nmsim_api_report(const char *h5_path, char **json, char *msg,
                                        size_t msglen);
/* Free what a call above handed over (nmsim_api_report's JSON). */
NMSIM_API void nmsim_api_free(void *p);

#endif
