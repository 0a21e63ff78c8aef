/* progress.h: the progress line a run shows on stderr when stderr is a
 * terminal (steps done, model time, events per second, time left). */
#ifndef NMSIM_SIM_PROGRESS_H
#define NMSIM_SIM_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Shown only once the run has taken PROG_DELAY_S, refreshed at most every
 * PROG_PERIOD_S, and cleared at the end. */
#define PROG_DELAY_S 1.0
#define PROG_PERIOD_S 0.25

/* Where the line goes instead of a terminal: line is its text (no "\r"), or
 * NULL once at the end when a line was shown (clear it). */
typedef void (*prog_sink)(void *ctx, const char *line);

typedef struct run_progress {
  FILE *f;                /* NULL: off (unless sink) */
  prog_sink sink;         /* set with prog_sink_to after prog_start */
  void *sink_ctx;
  uint64_t total;         /* steps planned */
  double dt_ms;
  double t0, next;        /* start, and earliest time of the next refresh (s) */
  bool shown;             /* a line is on the terminal */
} run_progress;

/* Start; on is the caller's decision (a terminal, not --quiet). */
void prog_start(run_progress *p, bool on, FILE *f, uint64_t total_steps, double dt_ms);
/* Send the line to sink (ctx passed back) instead of a terminal. */
void prog_sink_to(run_progress *p, prog_sink sink, void *ctx);
/* After each step: done steps so far and events dispatched so far. Cheap when
 * no refresh is due (one clock read). */
void prog_step(run_progress *p, uint64_t done, uint64_t events);
/* Clear the line, if one is shown. */
void prog_end(run_progress *p);
/* The text of the line into buf (no "\r"), for tests. elapsed in seconds. */
void prog_format(char *buf, size_t n, uint64_t done, uint64_t total, double dt_ms,
                 uint64_t events, double elapsed);

#endif
