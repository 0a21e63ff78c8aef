/* stdp.h: synaptic plasticity rules as pure functions the engine calls at spike
 * events: pair-based STDP with exponential traces (Song, Miller & Abbott 2000;
 * van Rossum, Bi & Turrigiano 2000; Morrison, Diesmann & Gerstner 2008) and
 * the float trace of Lava's learning engine. No state beyond what the caller
 * passes in; no allocation. models-spec section 6. */
#ifndef NMSIM_MODELS_STDP_H
#define NMSIM_MODELS_STDP_H

#include <stdbool.h>
#include <stddef.h>

#include "nmsim/nmsim.h"

/* An exponential trace, stored as its value at the time of its last update.
 * Between updates it decays as x e^{-(t - t_last)/tau}, evaluated in closed form
 * when read, so nothing needs touching on steps without spikes. Times and tau
 * share one unit (ms for the pair rule, steps for the Lava trace). */
typedef struct stdp_trace {
  double x;       /* value at t */
  double t;       /* time of the last update */
} stdp_trace;

typedef enum stdp_weight_dep {
  STDP_ADDITIVE,        /* F+ = A+, F- = A- (Song et al. 2000), hard bounds */
  STDP_MULTIPLICATIVE   /* F+ = A+ (w_max - w), F- = A- (w - w_min) (soft bounds) */
} stdp_weight_dep;

typedef enum stdp_pairing {
  STDP_ALL_TO_ALL,      /* a spike adds 1 to its trace: every earlier spike pairs */
  STDP_NEAREST          /* a spike sets its trace to 1 (symmetric nearest-spike) */
} stdp_pairing;

typedef struct stdp_params {
  double a_plus;        /* potentiation amplitude A+ (>= 0) */
  double a_minus;       /* depression amplitude A- (>= 0; the rule subtracts it) */
  double tau_plus;      /* presynaptic trace time constant (> 0) */
  double tau_minus;     /* postsynaptic trace time constant (> 0) */
  double w_min, w_max;  /* bounds; the weight is clipped to them after every update */
  stdp_weight_dep dep;
  stdp_pairing pairing;
} stdp_params;

/* NMSIM_OK if p is usable (amplitudes >= 0, taus > 0, w_min <= w_max, all
 * finite); otherwise NMSIM_EINPUT with the offending field named in msg. */
nmsim_status stdp_check(const stdp_params *p, char *msg, size_t len);

/* A trace with value 0 last updated at time t0. */
stdp_trace stdp_trace_init(double t0);
/* Value of tr at time t >= tr->t (closed-form decay; tr is not changed). */
double stdp_trace_at(const stdp_trace *tr, double tau, double t);
/* A spike at time t >= tr->t: decay to t, then add `impulse` (all-to-all) or
 * set the trace to `impulse` (nearest). */
void stdp_trace_spike(stdp_trace *tr, double tau, double t, double impulse,
                      stdp_pairing pairing);

/* w clipped to [w_min, w_max]. */
double stdp_clip(const stdp_params *p, double w);
/* Depression at a presynaptic spike, given the postsynaptic trace value y:
 * clip(w - F-(w) y). */
double stdp_depress(const stdp_params *p, double w, double y);
/* Potentiation at a postsynaptic spike, given the presynaptic trace value x:
 * clip(w + F+(w) x). */
double stdp_potentiate(const stdp_params *p, double w, double x);

/* One synapse's whole event, in the order of shared/reference/README.md: both
 * traces are read at t; on a presynaptic spike the weight is depressed with
 * y_post(t), then x_pre is bumped; on a postsynaptic spike it is potentiated
 * with x_pre(t), then y_post is bumped. Returns the new weight. When a neuron
 * has many synapses, call stdp_depress/stdp_potentiate for each with the
 * trace value read once, then bump the neuron's trace once. Pre and post
 * spikes at the same time: process the pre spike first (a convention). */
double stdp_on_pre(const stdp_params *p, double w, stdp_trace *x_pre, const stdp_trace *y_post,
                   double t);
double stdp_on_post(const stdp_params *p, double w, const stdp_trace *x_pre, stdp_trace *y_post,
                    double t);

/* Lava's float pair rule STDPLoihi (lava proc/learning_rules/stdp_learning_rule.py):
 * dw = A- x0 y1 + A+ y0 x1, where x0/y0 say whether the pre/post neuron spiked
 * in this epoch and x1/y1 are the traces read at the spike step including this
 * step's impulse (Lava writes A- < 0 and folds its learning rate into both).
 * Traces: stdp_trace_spike(..., impulse, STDP_ALL_TO_ALL) with times and tau in
 * steps gives Lava's x <- x e^{-1/tau} per step, + impulse at a spike. */
double stdp_lava_pair_dw(double a_plus, double a_minus, bool pre_spiked, bool post_spiked,
                         double x1, double y1);

/* A learning rule: a const descriptor found by name (a projection's
 * `plasticity.rule`), as neuron models are. The learning phase at the end of
 * a step (cores/learning.c) calls on_pre for every plastic synapse of a
 * neuron that spiked, then on_post for every plastic synapse onto one, with
 * the synapse's traces (x: its presynaptic neuron's, y: its postsynaptic
 * neuron's; read them at t with stdp_trace_at) and whether the other side
 * spiked in the same step. Traces are bumped by the phase: before any update
 * when traces_first is set, else the pre traces after the presynaptic
 * updates and the post traces after the postsynaptic ones. */
typedef struct stdp_rule {
  const char *name;
  const char *summary;
  bool traces_first;
  /* The synapse's new weight at a presynaptic spike. */
  double (*on_pre)(const stdp_params *p, double w, const stdp_trace *x, const stdp_trace *y,
                   double t, bool post_spiked);
  /* At a postsynaptic spike: true with *w updated, or false to leave the
   * synapse alone (the pair was handled at the presynaptic spike). */
  bool (*on_post)(const stdp_params *p, double *w, const stdp_trace *x, const stdp_trace *y,
                  double t, bool pre_spiked);
} stdp_rule;

/* The registered rules, NULL-terminated; the first is the default. */
extern const stdp_rule *const stdp_rules[];
/* The rule named name, or NULL. */
const stdp_rule *stdp_rule_find(const char *name);

#endif
