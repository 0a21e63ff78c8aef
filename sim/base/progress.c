/* progress.c: the progress line of a run on a terminal (see progress.h). */
#include "sim/base/progress.h"

#include <time.h>

static double prog_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds as "42s", "3m07s" or "2h05m". */
static void fmt_dur(char *buf, size_t n, double s) {
  if (!(s >= 0) || s > 1e8) {
    snprintf(buf, n, "?");
    return;
  }
  unsigned long t = (unsigned long)(s + 0.5);
  if (t < 60) snprintf(buf, n, "%lus", t);
  else if (t < 3600) snprintf(buf, n, "%lum%02lus", t / 60, t % 60);
  else snprintf(buf, n, "%luh%02lum", t / 3600, t / 60 % 60);
}

void prog_format(char *buf, size_t n, uint64_t done, uint64_t total, double dt_ms,
                 uint64_t events, double elapsed) {
  double frac = total ? (double)done / (double)total : 0.0;
  double rate = elapsed > 0 ? (double)events / elapsed : 0.0;
  double model_s = (double)done * dt_ms * 1e-3;
  char left[32];
  fmt_dur(left, sizeof left, done ? elapsed * (double)(total - done) / (double)done : -1);
  const char *unit = "";
  if (rate >= 1e6) rate /= 1e6, unit = " M";
  else if (rate >= 1e3) rate /= 1e3, unit = " k";
  snprintf(buf, n, "step %llu/%llu (%.1f %%)  model %.3f s  %.2f%s events/s  %s left",
           (unsigned long long)done, (unsigned long long)total, 100.0 * frac, model_s, rate,
           unit, left);
}

void prog_start(run_progress *p, bool on, FILE *f, uint64_t total_steps, double dt_ms) {
  *p = (run_progress){.f = on ? f : NULL, .total = total_steps, .dt_ms = dt_ms};
  p->t0 = prog_now();
  p->next = p->t0 + PROG_DELAY_S;
}

void prog_sink_to(run_progress *p, prog_sink sink, void *ctx) {
  p->sink = sink;
  p->sink_ctx = ctx;
}

void prog_step(run_progress *p, uint64_t done, uint64_t events) {
  if (!p->f && !p->sink) return;
  double now = prog_now();
  if (now < p->next) return;
  p->next = now + PROG_PERIOD_S;
  char line[256];
  prog_format(line, sizeof line, done, p->total, p->dt_ms, events, now - p->t0);
  p->shown = true;
  if (p->sink) {
    p->sink(p->sink_ctx, line);
    return;
  }
  /* "\r" to the start of the line, the text, then erase what is left of a
   * longer earlier line */
  fprintf(p->f, "\r%s\033[K", line);
  fflush(p->f);
  p->shown = true;
}

void prog_end(run_progress *p) {
  if (p->sink && p->shown) p->sink(p->sink_ctx, NULL);
  else if (p->f && p->shown) {
    fputs("\r\033[K", p->f);
    fflush(p->f);
  }
  p->shown = false;
}
