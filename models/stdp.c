/* stdp.c: pair-based trace STDP and Lava's float trace rule as pure functions
 * (see stdp.h; equations in models-spec section 6). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/stdp.h"

nmsim_status stdp_check(const stdp_params *p, char *msg, size_t len) {
  const char *bad = NULL;
  if (!(p->a_plus >= 0 && isfinite(p->a_plus))) bad = "a_plus must be finite and >= 0";
  else if (!(p->a_minus >= 0 && isfinite(p->a_minus))) bad = "a_minus must be finite and >= 0";
  else if (!(p->tau_plus > 0 && isfinite(p->tau_plus))) bad = "tau_plus must be finite and > 0";
  else if (!(p->tau_minus > 0 && isfinite(p->tau_minus)))
    bad = "tau_minus must be finite and > 0";
  else if (!(isfinite(p->w_min) && isfinite(p->w_max) && p->w_min <= p->w_max))
    bad = "w_min and w_max must be finite with w_min <= w_max";
  else if (p->dep != STDP_ADDITIVE && p->dep != STDP_MULTIPLICATIVE)
    bad = "weight dependence must be additive or multiplicative";
  else if (p->pairing != STDP_ALL_TO_ALL && p->pairing != STDP_NEAREST)
    bad = "pairing must be all-to-all or nearest";
  if (!bad) return NMSIM_OK;
  snprintf(msg, len, "%s", bad);
  return NMSIM_EINPUT;
}

stdp_trace stdp_trace_init(double t0) { return (stdp_trace){.x = 0.0, .t = t0}; }

double stdp_trace_at(const stdp_trace *tr, double tau, double t) {
  return t == tr->t ? tr->x : tr->x * exp(-(t - tr->t) / tau);
}

void stdp_trace_spike(stdp_trace *tr, double tau, double t, double impulse,
                      stdp_pairing pairing) {
  tr->x = pairing == STDP_NEAREST ? impulse : stdp_trace_at(tr, tau, t) + impulse;
  tr->t = t;
}

double stdp_clip(const stdp_params *p, double w) {
  return w < p->w_min ? p->w_min : w > p->w_max ? p->w_max : w;
}

double stdp_depress(const stdp_params *p, double w, double y) {
  double f = p->dep == STDP_ADDITIVE ? p->a_minus : p->a_minus * (w - p->w_min);
  return stdp_clip(p, w - f * y);
}

double stdp_potentiate(const stdp_params *p, double w, double x) {
  double f = p->dep == STDP_ADDITIVE ? p->a_plus : p->a_plus * (p->w_max - w);
  return stdp_clip(p, w + f * x);
}

double stdp_on_pre(const stdp_params *p, double w, stdp_trace *x_pre, const stdp_trace *y_post,
                   double t) {
  w = stdp_depress(p, w, stdp_trace_at(y_post, p->tau_minus, t));
  stdp_trace_spike(x_pre, p->tau_plus, t, 1.0, p->pairing);
  return w;
}

double stdp_on_post(const stdp_params *p, double w, const stdp_trace *x_pre, stdp_trace *y_post,
                    double t) {
  w = stdp_potentiate(p, w, stdp_trace_at(x_pre, p->tau_plus, t));
  stdp_trace_spike(y_post, p->tau_minus, t, 1.0, p->pairing);
  return w;
}

double stdp_lava_pair_dw(double a_plus, double a_minus, bool pre_spiked, bool post_spiked,
                         double x1, double y1) {
  return (pre_spiked ? a_minus * y1 : 0.0) + (post_spiked ? a_plus * x1 : 0.0);
}

/* ---- rules ------------------------------------------------------------------ */

/* Pair-based STDP: depression at a presynaptic spike with y(t), potentiation
 * at a postsynaptic spike with x(t); event-driven traces in ms. */
static double pair_on_pre(const stdp_params *p, double w, const stdp_trace *x,
                          const stdp_trace *y, double t, bool post_spiked) {
  (void)x, (void)post_spiked;
  return stdp_depress(p, w, stdp_trace_at(y, p->tau_minus, t));
}
static bool pair_on_post(const stdp_params *p, double *w, const stdp_trace *x,
                         const stdp_trace *y, double t, bool pre_spiked) {
  (void)y, (void)pre_spiked;
  *w = stdp_potentiate(p, *w, stdp_trace_at(x, p->tau_plus, t));
  return true;
}

/* Lava/Loihi sum-of-products trace rule: traces hold this step's impulses
 * when read; a pair in one step is updated once, at the presynaptic side. */
static double trace_on_pre(const stdp_params *p, double w, const stdp_trace *x,
                           const stdp_trace *y, double t, bool post_spiked) {
  double yt = stdp_trace_at(y, p->tau_minus, t), xt = stdp_trace_at(x, p->tau_plus, t);
  return stdp_clip(p, w + stdp_lava_pair_dw(p->a_plus, p->a_minus, true, post_spiked, xt, yt));
}
static bool trace_on_post(const stdp_params *p, double *w, const stdp_trace *x,
                          const stdp_trace *y, double t, bool pre_spiked) {
  if (pre_spiked) return false;
  double yt = stdp_trace_at(y, p->tau_minus, t), xt = stdp_trace_at(x, p->tau_plus, t);
  *w = stdp_clip(p, *w + stdp_lava_pair_dw(p->a_plus, p->a_minus, false, true, xt, yt));
  return true;
}

static const stdp_rule rule_stdp = {
    .name = "stdp",
    .summary = "pair-based STDP, event-driven exponential traces in ms",
    .on_pre = pair_on_pre,
    .on_post = pair_on_post,
};
static const stdp_rule rule_loihi_trace = {
    .name = "loihi_trace",
    .summary = "Lava/Loihi sum-of-products trace rule, per step",
    .traces_first = true,
    .on_pre = trace_on_pre,
    .on_post = trace_on_post,
};

const stdp_rule *const stdp_rules[] = {&rule_stdp, &rule_loihi_trace, NULL};

const stdp_rule *stdp_rule_find(const char *name) {
  for (size_t i = 0; name && stdp_rules[i]; i++)
    if (strcmp(stdp_rules[i]->name, name) == 0) return stdp_rules[i];
  return NULL;
}
