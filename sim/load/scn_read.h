/* scn_read.h: what the pieces of the scenario reader share (sim/load/scenario.c
 * and the scn_*.c section readers): the parsing context, the helpers used by
 * more than one file, and the section readers scenario.c calls in order. */
#ifndef NMSIM_SIM_LOAD_SCN_READ_H
#define NMSIM_SIM_LOAD_SCN_READ_H

#include "sim/load/nir_import.h"
#include "sim/load/scenario_int.h"
#include "sim/load/yaml.h"

/* Every error a reader returns names the file, line, column and the dotted
 * field, and says what was expected (docs/scenario-format.md). A reader fills
 * x->s as it goes; on an error the caller destroys the partial scenario. */
typedef struct scn_ctx {
  yml_doc *d;
  nmsim_scenario *s;
  nmsim_err *err;
  const char *dir;  /* directory of the scenario file, or NULL */
  nir_net *nir;     /* network: {nir: ...} while loading (sim/load/nir_import.c), or NULL */
} scn_ctx;

/* ---- shared helpers (sim/load/scn_util.c) --------------------------------------- */

/* snprintf for field paths: truncates silently (paths are for messages). */
void scn_fmt(char *buf, size_t len, const char *fmt, ...) NMSIM_PRINTF(3, 4);

/* Keep a warning with the scenario (printed on stderr when it is loaded);
 * NMSIM_ENOMEM with x->err set when out of memory. */
nmsim_status scn_warn(scn_ctx *x, const char *text);

/* What n is, for "got ...": 'text', an empty value, a mapping, a sequence. */
const char *scn_got(struct fy_node *n, char *buf, size_t len);

/* Value of required key in mapping m (at field), or NULL with an error. */
struct fy_node *scn_need(scn_ctx *x, struct fy_node *m, const char *field, const char *key,
                         const char *what);

/* Text of a non-empty plain scalar, or NULL. */
const char *scn_scalar(struct fy_node *n);

/* A plain decimal integer <= max at n, without building a field path: the
 * fast path for long lists (spike steps, neuron indices). False if n is
 * anything else; the caller then reads it with yml_u64 for the message. */
bool scn_fast_u64(struct fy_node *n, uint64_t max, uint64_t *out);

/* "a, b, c" from names[0..n) (truncated to fit); "none" if n is 0. */
void scn_join(char *buf, size_t len, const char *const *names, size_t stride, size_t n);

/* Index of the population named by scalar n, or -1 with an error. */
long scn_pop_ref(scn_ctx *x, struct fy_node *n, const char *field);

/* qsort comparison of two uint32_t. */
int scn_cmp_u32(const void *a, const void *b);

/* A path from the scenario, taken against the scenario file's directory when
 * relative (nm_malloc'd; NULL if out of memory). */
char *scn_path(scn_ctx *x, const char *path);

/* A list of exactly n unsigned integers in [lo, hi] (a single integer is
 * accepted for n == 2 and repeated). */
nmsim_status scn_read_uints(scn_ctx *x, struct fy_node *n, const char *field, int want,
                            uint64_t lo, uint64_t hi, uint32_t *out);

/* ---- section readers, in the order scenario.c calls them ---------------------- */

/* network.dt, read before anything depends on dt (sim/load/scn_network.c). */
nmsim_status scn_read_network_dt(scn_ctx *x, struct fy_node *root);

/* populations: into x->s->pops (sim/load/scn_pops.c); optional when the
 * scenario has a network. */
nmsim_status scn_read_pops(scn_ctx *x, struct fy_node *root);

/* network: a NIR graph whose populations are appended after the scenario's;
 * sets x->nir (sim/load/scn_network.c). */
nmsim_status scn_read_network(scn_ctx *x, struct fy_node *root);

/* projections: into x->s->projs; one into a NIR Input port goes to
 * scn_read_nir_binding instead (sim/load/scn_projs.c). */
nmsim_status scn_read_projs(scn_ctx *x, struct fy_node *root);

/* The NIR graph's projections, appended after the scenario's, and its
 * warnings (sim/load/scn_network.c). */
nmsim_status scn_finish_network(scn_ctx *x, struct fy_node *root);

/* record: spikes, state and weights (sim/load/scn_record.c); needs the
 * populations and projections. */
nmsim_status scn_read_record(scn_ctx *x, struct fy_node *root);

/* ---- shared by the projection and network readers ----------------------------- */

/* delay: whole steps in [1, 255], or a time that is a whole multiple of dt
 * (sim/load/scn_projs.c). */
/* The longest synaptic delay, in steps (a synapse stores it in 8 bits). */
#define SCN_MAX_DELAY 255
nmsim_status scn_read_delay(scn_ctx *x, struct fy_node *n, const char *field, uint32_t *out);

/* projections[i] m into the NIR Input port `port` of x->nir, at field
 * (sim/load/scn_network.c). */
nmsim_status scn_read_nir_binding(scn_ctx *x, struct fy_node *m, const char *field, long port);

#endif
