/* scenario_int.h: the network a scenario file describes, after loading and
 * validation (every value resolved to its model's canonical unit). */
#ifndef NMSIM_SIM_SCENARIO_INT_H
#define NMSIM_SIM_SCENARIO_INT_H

#include "models/stdp.h"
#include "nmsim/model.h"
#include "nmsim/scenario.h"
#include "sim/base/sim_int.h"



typedef enum scn_mapping {
  SCN_MAP_DENSE,           /* fill cores in order under every limit (default) */
  SCN_MAP_ROUND_ROBIN,     /* spread every population in chunks over all cores */
  SCN_MAP_SPATIAL          /* dense, but the targets of conv2d and pool2d projections row
                              by row, every channel of a row together (their fan-in) */
} scn_mapping;

/* A state variable's initial value: a constant, a draw per neuron, or values
 * per neuron (a list, a file, a lognormal or bounded draw). */
typedef enum scn_init_kind {
  SCN_INIT_CONST, SCN_INIT_UNIFORM, SCN_INIT_NORMAL, SCN_INIT_VALUES
} scn_init_kind;
typedef struct scn_init {
  uint32_t var;            /* index in the model's vars */
  scn_init_kind kind;
  double a, b;             /* const: a; uniform: [a, b]; normal: mean a, sd b (var's unit) */
  double *values;          /* SCN_INIT_VALUES: one per neuron of the population */
} scn_init;

typedef struct scn_population {
  char *name;
  uint32_t size;
  const nmsim_neuron_type *model;
  const nmsim_preset *preset; /* `preset:` of the model, applied before params; or NULL */
  double *values;          /* model->n_params values, in each param's unit (with
                              per-neuron values: neuron 0's) */
  double *pn_values;       /* per-neuron values: size rows of n_params, or NULL
                              when every neuron has `values` */
  nmsim_pop_data spikes;   /* what the models read besides params (nmsim_pop_data) */
  struct dvs_replay *dvs;  /* model dvs: the recording (sim/dvs/dvs_replay.h), or NULL */
  scn_init *init;          /* init: initial state overrides, applied in order */
  size_t n_init;
  uint32_t place_core;     /* mapping.place: first core, or UINT32_MAX */
  uint32_t place_chip;     /* mapping.place: first core of this chip, or UINT32_MAX */
  uint32_t place_cores;    /* mapping.place: at most this many cores (0: no bound) */
  uint32_t max_per_core;   /* mapping.max_per_core: neurons per core at most (0: the
                              chip's limits alone) */
  uint32_t *core_map;      /* mapping.cores: the core of each neuron, or NULL */
  uint32_t dvfs_level;     /* dvfs.populations: performance level of its PEs (from 1),
                              0: dvfs.level */
  int line;                /* 1-based line in the scenario file */
} scn_population;

/* dvfs: how a PE's performance level (the chip's pe.dvfs.levels) is chosen:
 * not at all (the chip's pe.clock), fixed per PE, or per tick by its load. */
typedef enum scn_dvfs_policy { SCN_DVFS_OFF, SCN_DVFS_FIXED, SCN_DVFS_LOAD } scn_dvfs_policy;
typedef struct scn_dvfs {
  scn_dvfs_policy policy;
  uint32_t level;          /* fixed: the level of a PE no dvfs.populations names (from 1;
                              0: the fastest) */
  double headroom;         /* load: the share of a tick the predicted work may fill */
  int line;                /* where dvfs stands (0: absent) */
} scn_dvfs;

typedef enum scn_conn {
  SCN_ALL_TO_ALL,
  SCN_ONE_TO_ONE,
  SCN_FIXED_PROBABILITY,
  SCN_CONV2D,              /* shared-kernel 2D convolution */
  SCN_POOL2D,              /* channel-wise sum pooling */
  SCN_MATRIX,              /* explicit weights (NIR Affine, Linear, Scale; connector matrix) */
  SCN_FIXED_IN_DEGREE,     /* every post neuron from `degree` distinct pre neurons */
  SCN_FIXED_OUT_DEGREE,    /* every pre neuron onto `degree` distinct post neurons */
  SCN_LIST,                /* explicit (pre, post[, weight[, delay]]) pairs */
  SCN_DISTANCE             /* probability falling with distance on 2D grids */
} scn_conn;

/* Distance-dependent connectivity (SCN_DISTANCE): both populations laid on
 * grids (pre h x w, post h x w; neuron y * w + x) spanning the unit square,
 * neuron (y, x) at ((x + 0.5) / w, (y + 0.5) / h); pre i connects to post j
 * with probability p * exp(-d^2 / (2 sigma^2)), d their distance (on a torus
 * when periodic), drawn from the stream of (seed, projection, pre neuron). */
typedef struct scn_distance {
  uint32_t pre_h, pre_w, post_h, post_w;
  double p, sigma;
  bool periodic;
} scn_distance;

/* The pairs of an SCN_LIST projection, sorted by pre neuron (stable: a pre
 * neuron's pairs keep the list's order): pre neuron i's are [off[i],
 * off[i + 1]); w NULL: every pair takes the projection's weight. */
typedef struct scn_list {
  uint32_t *off;           /* pre size + 1 */
  uint32_t *post;
  double *w;
  uint32_t *d;             /* per-pair delays in steps, or NULL: the projection's */
  size_t n;
} scn_list;

/* A weight drawn per synapse: uniform [a, b], normal (mean a, sd b) or
 * lognormal (mean a, sd b of the value), within [lo, hi] (redrawn; a normal
 * or lognormal without bounds is clipped at mean +- 8 sd). */
typedef enum scn_dist_kind {
  SCN_DIST_NONE, SCN_DIST_UNIFORM, SCN_DIST_NORMAL, SCN_DIST_LOGNORMAL
} scn_dist_kind;
typedef struct scn_dist {
  scn_dist_kind kind;
  double a, b, lo, hi;
} scn_dist;

/* The weights of an SCN_MATRIX projection, times the projection's weight:
 * post j gets from pre i w[j * n_in + i] (row-major (out, in), as a NIR
 * Affine stores it), or for a diagonal map w[i] onto post i. A zero weight
 * makes no synapse. */
typedef struct scn_matrix {
  uint32_t n_out, n_in;
  bool diagonal;
  double *w;                      /* n_out * n_in values, or n_in if diagonal */
} scn_matrix;

/* Geometry and kernel of a conv2d or pool2d projection. Populations are laid
 * out channel-major: neuron (c, y, x) is c*H*W + y*W + x. */
typedef struct scn_conv {
  uint32_t in_c, in_h, in_w;      /* pre shape */
  uint32_t out_c, out_h, out_w;   /* post shape (derived) */
  uint32_t kh, kw, sh, sw, ph, pw;
  double *kernel;                 /* conv2d: out_c*in_c*kh*kw weights (row-major
                                     [out][in][ky][kx]) scaled by the projection's
                                     weight; NULL: every tap is `weight` */
} scn_conv;

/* Plasticity of a projection (models/stdp.h). */
typedef struct scn_plasticity {
  const stdp_rule *rule;
  stdp_params p;           /* taus in ms; weights in the target's input unit */
} scn_plasticity;

typedef struct scn_projection {
  uint32_t pre, post;      /* population indices */
  scn_conn conn;
  double p;                /* SCN_FIXED_PROBABILITY */
  bool allow_self;         /* when pre == post: connect i to i (default false) */
  double weight;           /* in the post model's input unit; for a fixed-point post
                            * model the integer weight mantissa, in [-255, 255] */
  int weight_exp;          /* fixed-point post models only, in [-7, 7] (default 0): the
                            * projection's input this step is floor(S * 2^weight_exp),
                            * S = the sum of its weights arriving this step (Lava
                            * Dense: a_accum << weight_exp, or >> -weight_exp) */
  uint32_t delay;          /* model steps, >= 1 */
  uint32_t site;           /* input site index of the post model */
  double weight_max;       /* largest |weight| any synapse of it gets */
  scn_conv *conv;          /* SCN_CONV2D and SCN_POOL2D */
  scn_matrix *matrix;      /* SCN_MATRIX */
  scn_list *list;          /* SCN_LIST */
  scn_distance *dist;      /* SCN_DISTANCE */
  uint32_t degree;         /* SCN_FIXED_IN_DEGREE, SCN_FIXED_OUT_DEGREE */
  scn_dist wdist;          /* weights drawn per synapse (SCN_DIST_NONE: `weight`) */
  bool split;              /* fixed point, odd weights of both signs: split in two when
                              read (this one the positive weights, an added one the
                              negative; docs/scenario-format.md) */
  uint32_t delay_lo, delay_hi; /* delay: {uniform: [LO, HI]}: steps drawn per synapse
                              (delay_hi 0: every synapse has `delay`) */
  scn_dist ddist;          /* delay: {normal | lognormal: [MEAN, SD]}: in steps, drawn
                              and rounded per synapse within [lo, hi] (SCN_DIST_NONE:
                              none) */
  scn_plasticity *plast;   /* NULL: static synapses */
  int line;
} scn_projection;

typedef struct scn_state_rec {
  uint32_t pop;
  uint32_t *vars;          /* var indices of the model */
  size_t n_vars;
  uint32_t *neurons;       /* neuron indices in the population */
  size_t n_neurons;
} scn_state_rec;

#define SCN_TIMELINE_MAX 10000 /* steps of record.timeline */

struct nmsim_scenario {
  char *path;              /* file it was read from ("<string>" if none) */
  char *text;              /* the scenario text, after --set overrides */
  char *name;
  uint64_t seed;
  uint64_t steps;
  double dt_ms;
  char *chip;              /* preset name or path (resolved against the file's dir, or the
                            * working dir for strings, and made absolute) */
  uint32_t chips_x, chips_y; /* a board of chips_x x chips_y chips (default 1 x 1) */
  scn_mapping mapping;     /* mapping.strategy */
  char *queue;             /* engine.queue: "bucket" (default) or "heap" */
  uint64_t max_events;     /* engine.max_events (default 1<<24) */
  bool functional;         /* engine.mode: functional (no hardware timing) or timed */
  nm_pacing pacing;        /* engine.pacing (NM_PACE_CHIP: the chip's) */
  nmsim_ps pacing_ps;      /* its period (NM_PACE_REALTIME) */
  int pacing_line;         /* where engine.pacing stands (0: absent) */
  scn_dvfs dvfs;           /* dvfs (checked against the chip when the system is built) */
  bool network;            /* engine.mode: network (functional, and no chip: sim/system/netmode.c) */
  scn_population *pops;
  size_t n_pops;
  scn_projection *projs;
  size_t n_projs;
  bool *rec_spikes;        /* n_pops flags */
  bool *rec_weights;       /* n_projs flags (plastic projections), or NULL */
  scn_state_rec *rec_state;
  size_t n_rec_state;
  uint64_t tl_first, tl_end; /* record.timeline.steps [first, end): every used core's
                              timing in those steps (tl_end 0: none) */
  uint64_t link_window;    /* record.links.window: steps per window of the link
                              tables (0: the default, about 20 windows a run) */
  char **warnings;         /* non-fatal notes of the load (NIR repairs), each naming the file */
  size_t n_warnings, cap_warnings;
};

/* A second scenario like s, read again from its text (the document after its
 * overrides), with its own recordings and data and no warnings printed: what
 * each thread of a run on a team of threads works on. */
nmsim_status scn_reload(const nmsim_scenario *s, nmsim_scenario **out, nmsim_err *err);

#endif
