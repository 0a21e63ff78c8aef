/* egru.c: the event-based gated recurrent unit (EGRU; Subramoney, Nazeer,
 * Schöne, Mayr, Kappel, "Efficient recurrent architectures through activity
 * sparsity and sparse back-propagation through time", ICLR 2023), a graded-spike
 * model: a GRU whose cell state c emits its value only when it crosses the
 * unit's threshold, and is then reduced by that threshold.
 *
 * Per step, with the step's summed input on four sites (each a sum of w times
 * a sender's graded value: the input x and the layer's own events y of the
 * step before, which is a GRU's y<t-1> when the recurrent delay is one step):
 *
 *   u = sigmoid(b_u + in_u)                      update gate
 *   r = sigmoid(b_r + in_r)                      reset gate
 *   z = tanh(b_z + in_z_in + r (b_zh + in_z_rec)) candidate
 *   c = u z + (1 - u) c                           cell state
 *   c > theta:  y = c, emit y                      (an event carrying c)
 *   otherwise:  y = 0, silent
 *
 * and the reset after an event, `reset` 0 (the default): c = c - theta at
 * once, as the EGRU reference code does (EvNN, the code of the SpiNNaker 2
 * implementation's authors); `reset` 1: the next step subtracts the emitted
 * value, c<t> = u z + (1 - u) c<t-1> - y<t-1>, as the equations of the
 * paper's preprint write it (arXiv 2206.06178).
 *
 * The reset gate multiplies the recurrent part of the candidate after its
 * weighted sum (z_rec), as cuDNN's and the EGRU reference code's GRU do
 * (Cho et al. 2014's first version), which keeps every term local to the
 * receiving unit: a sender's event carries one value to all three gates.
 * Weights trained with the reference code, whose update gate weighs the old
 * state (c = u' c + (1 - u') z), map here with the update gate's weights and
 * bias negated: sigmoid(-a) = 1 - sigmoid(a). */
#include <math.h>
#include <stdio.h>

#include "models/mdl_int.h"

enum { C, U, R, Z, Y, NVARS };

static const nmsim_var_desc eg_vars[NVARS] = {
    [C] = {"c", NMSIM_VAR_F64, "", 0}, [U] = {"u", NMSIM_VAR_F64, "", 0},
    [R] = {"r", NMSIM_VAR_F64, "", 0}, [Z] = {"z", NMSIM_VAR_F64, "", 0},
    [Y] = {"y", NMSIM_VAR_F64, "", 0},
};

enum { P_THETA, P_BU, P_BR, P_BZ, P_BZH, P_CINIT, P_RESET, NPARAMS };

static const nmsim_param_desc eg_params[NPARAMS] = {
    [P_THETA] = {"theta", "", 0.1, 0, 1e6, "threshold: emit when c > theta, then c -= theta"},
    [P_BU] = {"b_u", "", 0, -1e6, 1e6, "bias of the update gate"},
    [P_BR] = {"b_r", "", 0, -1e6, 1e6, "bias of the reset gate"},
    [P_BZ] = {"b_z", "", 0, -1e6, 1e6, "bias of the candidate (input part)"},
    [P_BZH] = {"b_zh", "", 0, -1e6, 1e6, "bias of the candidate's recurrent part (times r)"},
    [P_CINIT] = {"c_init", "", 0, -1e6, 1e6, "initial cell state"},
    [P_RESET] = {"reset", "", 0, 0, 1, "after an event: 0 c -= theta at once; 1 the next step "
                                        "subtracts the emitted value"},
};

/* Sites: the gates' and the candidate's inputs (sites[0] is the default). */
static const char *const eg_sites[] = {"u", "r", "z_in", "z_rec"};
enum { S_U, S_R, S_ZIN, S_ZREC, NSITES };

typedef struct eg_derived {
  double p[NPARAMS];
  bool reset_value;
} eg_derived;

static nmsim_status eg_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  (void)dt;
  eg_derived *d = out;
  for (int k = 0; k < NPARAMS; k++) d->p[k] = p[k];
  if (p[P_RESET] != 0 && p[P_RESET] != 1) {
    snprintf(msg, len, "reset must be 0 or 1, got %.17g", p[P_RESET]);
    return NMSIM_EINPUT;
  }
  d->reset_value = p[P_RESET] == 1;
  return NMSIM_OK;
}

static double eg_sigmoid(double a) { return 1.0 / (1.0 + exp(-a)); }

/* c = c_init, y = 0, and the gates at their values without input. */
static void eg_init(const void *derived, const nmsim_block *b) {
  const eg_derived *d = derived;
  const double u = eg_sigmoid(d->p[P_BU]), r = eg_sigmoid(d->p[P_BR]);
  const double z = tanh(d->p[P_BZ] + r * d->p[P_BZH]);
  const double init[NVARS] = {[C] = d->p[P_CINIT], [U] = u, [R] = r, [Z] = z, [Y] = 0.0};
  for (int k = 0; k < NVARS; k++) {
    double *x = b->state[k];
    for (size_t i = 0; i < b->n; i++) x[i] = init[k];
  }
}

static void eg_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                      size_t *n_spikes) {
  const eg_derived *d = derived;
  double *c = b->state[C], *u = b->state[U], *r = b->state[R], *z = b->state[Z];
  double *y = b->state[Y];
  const double *in_u = b->input[S_U], *in_r = b->input[S_R];
  const double *in_zi = b->input[S_ZIN], *in_zr = b->input[S_ZREC];
  const double th = d->p[P_THETA];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    u[i] = eg_sigmoid(d->p[P_BU] + in_u[i]);
    r[i] = eg_sigmoid(d->p[P_BR] + in_r[i]);
    z[i] = tanh(d->p[P_BZ] + in_zi[i] + r[i] * (d->p[P_BZH] + in_zr[i]));
    c[i] = u[i] * z[i] + (1.0 - u[i]) * c[i];
    if (d->reset_value) c[i] -= y[i]; /* the value emitted last step, else 0 */
    if (c[i] > th) {
      y[i] = c[i];
      if (!d->reset_value) c[i] -= th;
      if (b->out_value) b->out_value[i] = y[i];
      spikes[ns++] = (uint32_t)i;
    } else {
      y[i] = 0.0;
    }
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_egru_type = {
    .name = "egru",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_GRADED,
    .integration = "none (a GRU step per model step; Subramoney et al. ICLR 2023)",
    .vars = eg_vars,
    .n_vars = NVARS,
    .params = eg_params,
    .n_params = NPARAMS,
    .sites = eg_sites,
    .n_sites = NSITES,
    .input_unit = "",
    .derived_size = sizeof(eg_derived),
    .prepare = eg_prepare,
    .init = eg_init,
    .update = eg_update,
};
