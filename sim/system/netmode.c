/* netmode.c: engine.mode network, the network alone. No chip: each
 * population is one core without limits, so nothing is placed, cut into
 * blocks or routed, and the synapses go straight from the connectors into
 * rows per projection and source neuron, without an intermediate list:
 * a synapse is its target's index (4 bytes), plus its own weight (4 more)
 * only for connectors whose weights vary (conv2d, pool2d, matrix). Rows are
 * appended in the order the connectors make them (projections, then source
 * neurons), so the build streams in one pass.
 *
 * The neuron update, the input ring and its fixed-point sums are those of
 * the other modes (cores/neurocore.c), so a network run's spikes are those
 * of the functional and timed runs, bit for bit. What needs a chip is not
 * counted: no packets, hops, spike-out energy, static energy or hardware
 * time; synaptic operations and neuron updates are counted and costed with
 * the chip file's per-event figures. Plastic projections need the per-core
 * synapse rows of the other modes and are refused here. */
#include <math.h>
#include <string.h>

#include "cores/neurocore.h"
#include "sim/system/connect.h"
#include "sim/system/netmode.h"

/* The rows of one projection. */
typedef struct net_proj {
  uint32_t pre, post;   /* populations; post is also the target core */
  uint32_t site, delay;
  int32_t wq;           /* the weight of every synapse, when w is NULL */
  uint64_t *ptr;        /* pre size + 1: row of source neuron i is [ptr[i], ptr[i+1]) */
  uint32_t *tgt;        /* target neuron (index in post) */
  int32_t *w;           /* per-synapse weights, or NULL */
  uint8_t *d;           /* per-synapse delays (drawn or listed), or NULL: `delay` */
  uint64_t n, cap;
  uint32_t next;        /* first source neuron whose row is not started */
} net_proj;

struct sys_net {
  net_proj *projs;
  uint32_t *from, *from_ptr; /* projections of each population as pre: from[from_ptr[p]..] */
  size_t n_projs;
};

/* Start the rows of source neurons up to and including i. */
static void open_rows(net_proj *q, uint32_t i) {
  for (; q->next <= i; q->next++) q->ptr[q->next] = q->n;
}

static nmsim_status net_add(void *ctx, const sys *s, uint32_t src_gid, uint32_t dst_gid,
                            const scn_projection *pr, int32_t wq, uint32_t delay) {
  struct sys_net *n = ctx;
  net_proj *q = &n->projs[pr - s->scn->projs];
  open_rows(q, src_gid - s->pop_gid0[q->pre]);
  if (q->n == q->cap) {
    /* large arrays grow in place (mremap), so the peak stays near their size */
    uint64_t ncap = q->cap ? q->cap * 2 : 1024;
    uint32_t *nt = nm_realloc(q->tgt, ncap * sizeof *nt);
    if (!nt) return NMSIM_ENOMEM;
    q->tgt = nt;
    if (q->w) {
      int32_t *nw = nm_realloc(q->w, ncap * sizeof *nw);
      if (!nw) return NMSIM_ENOMEM;
      q->w = nw;
    }
    if (q->d) {
      uint8_t *nd = nm_realloc(q->d, ncap * sizeof *nd);
      if (!nd) return NMSIM_ENOMEM;
      q->d = nd;
    }
    q->cap = ncap;
  }
  q->tgt[q->n] = dst_gid - s->pop_gid0[q->post];
  if (q->w) q->w[q->n] = wq;
  if (q->d) q->d[q->n] = (uint8_t)delay;
  if (delay > q->delay) q->delay = delay; /* the largest, for the input ring */
  q->n++;
  return NMSIM_OK;
}

/* Whether every synapse of projection pr has the same weight. */
static bool one_weight(const scn_projection *pr) {
  if (pr->wdist.kind != SCN_DIST_NONE) return false;
  scn_conn c = pr->conn;
  return c == SCN_ONE_TO_ONE || c == SCN_ALL_TO_ALL || c == SCN_FIXED_PROBABILITY ||
         c == SCN_FIXED_IN_DEGREE || c == SCN_FIXED_OUT_DEGREE || c == SCN_DISTANCE ||
         (c == SCN_LIST && !pr->list->w);
}

nmsim_status net_build(sys *s, const int *shift, nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  for (size_t k = 0; k < scn->n_projs; k++)
    if (scn->projs[k].plast)
      return NMSIM_ERR(err, NMSIM_EINPUT,
                       "%s:%d: projections[%zu]: engine.mode network has no plasticity (it "
                       "keeps no per-core synapse rows); use functional or timed",
                       scn->path, scn->projs[k].line, k);
  struct sys_net *n = nm_calloc(1, sizeof *n);
  if (!n) return NMSIM_ENOMEM_ERR(err);
  s->net = n;
  n->n_projs = scn->n_projs;
  n->projs = nm_calloc(scn->n_projs + 1, sizeof *n->projs);
  n->from = nm_calloc(scn->n_projs + 1, sizeof *n->from);
  n->from_ptr = nm_calloc(scn->n_pops + 1, sizeof *n->from_ptr);
  s->used = nm_malloc(sizeof(uint32_t) * s->n_cores);
  if (!n->projs || !n->from || !n->from_ptr || !s->used) return NMSIM_ENOMEM_ERR(err);

  /* population p is core p, one block */
  for (size_t p = 0; p < scn->n_pops; p++) {
    sys_core *c = &s->cores[p];
    uint32_t size = scn->pops[p].size;
    c->ring = 2;
    if (!size) continue;
    c->blocks = nm_calloc(1, sizeof *c->blocks);
    if (!c->blocks) return NMSIM_ENOMEM_ERR(err);
    c->blocks[0] = (sys_block){.model = scn->pops[p].model, .aux = &scn->pops[p].spikes,
                               .name = scn->pops[p].name,
                               .pop_id = (uint32_t)p, .first = 0,
                               .local0 = 0, .n = size};
    c->n_blocks = 1;
    c->n_neurons = size;
    for (uint32_t i = 0; i < size; i++) {
      s->loc_core[s->pop_gid0[p] + i] = (uint32_t)p;
      s->loc_local[s->pop_gid0[p] + i] = i;
    }
    s->used[s->n_used++] = (uint32_t)p;
  }
  s->tiles_used = s->chips_used = s->n_used ? 1 : 0;

  /* rows, projection by projection as the connectors make them */
  for (size_t k = 0; k < scn->n_projs; k++) {
    const scn_projection *pr = &scn->projs[k];
    net_proj *q = &n->projs[k];
    *q = (net_proj){.pre = pr->pre, .post = pr->post, .site = pr->site, .delay = pr->delay,
                    .wq = (int32_t)llround(ldexp(pr->weight, shift[pr->post] + pr->weight_exp))};
    q->ptr = nm_calloc((size_t)scn->pops[pr->pre].size + 1, sizeof *q->ptr);
    if (!q->ptr) return NMSIM_ENOMEM_ERR(err);
    if (!one_weight(pr) && !(q->w = nm_malloc(sizeof(int32_t)))) return NMSIM_ENOMEM_ERR(err);
    if ((pr->delay_hi || pr->ddist.kind || (pr->list && pr->list->d)) && !(q->d = nm_malloc(1)))
      return NMSIM_ENOMEM_ERR(err);
    n->from_ptr[pr->pre + 1]++;
  }
  nmsim_status rc = sys_expand_projections(s, shift, net_add, n, err);
  if (rc != NMSIM_OK) return rc;
  for (size_t k = 0; k < scn->n_projs; k++) {
    net_proj *q = &n->projs[k];
    uint32_t size = scn->pops[q->pre].size;
    if (size) open_rows(q, size - 1);
    q->ptr[size] = q->n;
    /* trim the growth slack */
    if (q->n && q->n < q->cap) {
      uint32_t *nt = nm_realloc(q->tgt, q->n * sizeof *nt);
      if (nt) q->tgt = nt;
      if (q->w) {
        int32_t *nw = nm_realloc(q->w, q->n * sizeof *nw);
        if (nw) q->w = nw;
      }
      if (q->d) {
        uint8_t *nd = nm_realloc(q->d, q->n * sizeof *nd);
        if (nd) q->d = nd;
      }
      q->cap = q->n;
    }
    sys_core *c = &s->cores[q->post];
    c->n_syn += q->n;
    if (q->delay + 1 > c->ring) c->ring = q->delay + 1;
  }
  for (size_t p = 0; p < scn->n_pops; p++) n->from_ptr[p + 1] += n->from_ptr[p];
  uint32_t *fill = nm_calloc(scn->n_pops + 1, sizeof *fill);
  if (!fill) return NMSIM_ENOMEM_ERR(err);
  for (size_t k = 0; k < scn->n_projs; k++) {
    uint32_t p = scn->projs[k].pre;
    n->from[n->from_ptr[p] + fill[p]++] = (uint32_t)k;
  }
  nm_free(fill);
  return NMSIM_OK;
}

/* Apply the rows of source neuron i of population pop for a spike of value
 * `value`. */
static void net_emit(sys *s, uint32_t pop, uint32_t i, double value) {
  const struct sys_net *n = s->net;
  const double pj = s->chip->syn_op.energy_pj;
  for (uint32_t f = n->from_ptr[pop]; f < n->from_ptr[pop + 1]; f++) {
    const net_proj *q = &n->projs[n->from[f]];
    uint64_t lo = q->ptr[i], hi = q->ptr[i + 1];
    if (lo == hi) continue;
    sys_core *c = &s->cores[q->post];
    uint32_t base = q->site * c->n_neurons;
    if (!q->d) {
      core_acc_add_row(s, c, core_slot_after(c, q->delay), base, q->tgt + lo,
                       q->w ? q->w + lo : NULL, q->wq, value, (uint32_t)(hi - lo));
    } else { /* delays per synapse: each to its own slot */
      for (uint64_t a = lo; a < hi; a++)
        core_acc_add_row(s, c, core_slot_after(c, q->d[a]), base, q->tgt + a,
                         q->w ? q->w + a : NULL, q->wq, value, 1);
    }
    /* the core is its population: fill_summary gives it the core's events */
    sys_charge(&c->energy, NM_E_SYN_OP, hi - lo, pj);
    sys_charge(&s->step_energy, NM_E_SYN_OP, hi - lo, pj);
  }
}

/* Prefetch the row pointers (level 0), the first targets (level 1) or, on a
 * core of at least SYS_INPUT_FETCH_MIN neurons, the input entries (level 2)
 * of neuron i's rows: the rows of the spikes of a step lie far apart, and
 * their targets all over a large population's input. */
static void net_prefetch(const sys *s, uint32_t pop, uint32_t i, int level) {
  const struct sys_net *n = s->net;
  for (uint32_t f = n->from_ptr[pop]; f < n->from_ptr[pop + 1]; f++) {
    const net_proj *q = &n->projs[n->from[f]];
    if (level == 0) {
      __builtin_prefetch(&q->ptr[i]);
    } else if (level == 1) {
      __builtin_prefetch(&q->tgt[q->ptr[i]]);
    } else { /* the input entries the row will add to, on a large core */
      const sys_core *c = &s->cores[q->post];
      if (c->n_neurons < SYS_INPUT_FETCH_MIN) continue;
      const int64_t *a = c->acc + (size_t)core_slot_after(c, q->delay) * c->n_sites * c->n_neurons +
                         q->site * c->n_neurons;
      for (uint64_t k = q->ptr[i], end = q->ptr[i + 1]; k < end; k++) __builtin_prefetch(&a[q->tgt[k]], 1);
    }
  }
}

/* The spikes of a block, each applied while the rows of later ones load. */
static void net_emit_block(sys *s, sys_core *c, size_t bi, const uint32_t *spk, size_t ns,
                           const double *val) {
  const sys_block *b = &c->blocks[bi];
  for (size_t k = 0; k < ns; k++) {
    if (k + 8 < ns) net_prefetch(s, b->pop_id, b->first + spk[k + 8], 0);
    if (k + 4 < ns) net_prefetch(s, b->pop_id, b->first + spk[k + 4], 1);
    if (k + 1 < ns) net_prefetch(s, b->pop_id, b->first + spk[k + 1], 2);
    net_emit(s, b->pop_id, b->first + spk[k], val ? val[spk[k]] : 1.0);
  }
}

const sys_path sys_network_path = {.name = "network rows", .emit_block = net_emit_block};

void net_destroy(sys *s) {
  struct sys_net *n = s->net;
  if (!n) return;
  for (size_t k = 0; n->projs && k < n->n_projs; k++) {
    nm_free(n->projs[k].ptr);
    nm_free(n->projs[k].tgt);
    nm_free(n->projs[k].w);
    nm_free(n->projs[k].d);
  }
  nm_free(n->projs);
  nm_free(n->from);
  nm_free(n->from_ptr);
  nm_free(n);
  s->net = NULL;
}
