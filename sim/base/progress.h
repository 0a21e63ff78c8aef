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

typedef struct run_progress {
  FILE *f;                /* NULL: off */
  uint64_t total;         /* steps planned */
  double dt_ms;
  double t0, next;        /* start, and earliest time of the next refresh (s) */
  bool shown;             /* a line is on the terminal */
} run_progress;

/* Start; on is the caller's decision (a terminal, not --quiet). */
void prog_start(run_progress *p, bool on, FILE *f, uint64_t total_steps, double dt_ms);
/* After each step: done steps so far and events dispatched so far. Cheap when
 * no refresh is due (one clock read). */
void prog_step(run_progress *p, uint64_t done, uint64_t events);
/* Clear the line, if one is shown. */
void prog_end(run_progress *p);
/* The text of the line into buf (no "\r"), for tests. elapsed in seconds. */
void prog_format(char *buf, size_t n, uint64_t done, uint64_t total, double dt_ms,
                 uint64_t events, double elapsed);

#endif
