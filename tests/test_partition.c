/* test_partition.c: the bookkeeping of a run split over MPI ranks, without
 * MPI (sim/mpi/partition.c): whole chips per rank (blocks balanced by work, or
 * round robin), tile blocks when ranks outnumber chips, the lookahead (the
 * smallest latency of a cut link, at most the barrier) and the neighbour
 * ranks; and the exact energy sums that make the ranks' partial sums add up
 * to the same bits in any order. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mpi/partition.h"
#include "sim/system/build.h"

static sys *build(const char *text, nmsim_scenario **scn, nmsim_chip **chip) {
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("p.yaml", text, NULL, 0, scn, &err), NMSIM_OK, "%s",
               err.msg);
  cr_assert_eq(nmsim_chip_load((*scn)->chip, NULL, chip, &err), NMSIM_OK, "%s", err.msg);
  sys *s = NULL;
  cr_assert_eq(sys_build(*scn, *chip, &s, &err), NMSIM_OK, "%s", err.msg);
  return s;
}

static void teardown(sys *s, nmsim_scenario *scn, nmsim_chip *chip) {
  sys_destroy(s);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
}

static const char *board = "chip: test\nchips: [2, 2]\nsteps: 1\n"
                           "populations:\n  a: {size: 64, model: lif}\n  b: {size: 64, model: lif}\n"
                           "mapping: {place: {a: {chip: 0}, b: {chip: 2}}}\n";

/* 2 ranks on a 2 x 2 board: blocks keeps chips 0-1 and 2-3 together (the
 * work is on chips 0 and 2, one each), cyclic deals 0, 2 to rank 0 and 1, 3
 * to rank 1; every core of a chip has its chip's rank; the lookahead is the
 * chip link's latency (below the barrier's), and the other rank is the one
 * neighbour. */
Test(partition, whole_chips) {
  nmsim_scenario *scn;
  nmsim_chip *chip;
  sys *s = build(board, &scn, &chip);
  static const uint32_t want_blocks[4] = {0, 0, 1, 1}, want_cyclic[4] = {0, 1, 0, 1};
  for (int cyc = 0; cyc < 2; cyc++) {
    sys_part *p = NULL;
    nmsim_err err = {0};
    cr_assert_eq(part_create(s, 0, 2, cyc ? "cyclic" : "blocks", &p, &err), NMSIM_OK, "%s",
                 err.msg);
    cr_assert(p->by_chip);
    uint32_t per_chip = chip_n_cores(chip);
    for (uint32_t c = 0; c < s->n_cores; c++) {
      uint32_t want = (cyc ? want_cyclic : want_blocks)[c / per_chip];
      cr_assert_eq(p->unit_rank[c], want, "%s: core %u on rank %u, expected %u",
                   cyc ? "cyclic" : "blocks", c, p->unit_rank[c], want);
      cr_assert_eq(p->unit_here[c], want == 0);
    }
    cr_assert_eq(p->lookahead, chip->chip_link.time_ps, "lookahead %llu ps, expected %llu",
                 (unsigned long long)p->lookahead,
                 (unsigned long long)chip->chip_link.time_ps);
    cr_assert_eq(p->n_nb, 1, "neighbours %d, expected 1", p->n_nb);
    cr_assert_eq(p->nb[0], 1);
    s->unit_here = NULL;
    part_destroy(p);
  }
  teardown(s, scn, chip);
}

/* More ranks than chips: each chip is cut into tile blocks, and the
 * lookahead is an on-chip hop. */
Test(partition, tile_blocks) {
  nmsim_scenario *scn;
  nmsim_chip *chip;
  sys *s = build("chip: test\nsteps: 1\npopulations:\n  a: {size: 64, model: lif}\n", &scn, &chip);
  sys_part *p = NULL;
  nmsim_err err = {0};
  cr_assert_eq(part_create(s, 1, 2, NULL, &p, &err), NMSIM_OK, "%s", err.msg);
  cr_assert(!p->by_chip);
  nmsim_ps hop = NM_MIN(chip->hop_ew.time_ps, chip->hop_ns.time_ps);
  cr_assert_geq(p->lookahead, hop, "lookahead %llu ps, at least one hop %llu",
                (unsigned long long)p->lookahead, (unsigned long long)hop);
  cr_assert_leq(p->lookahead, NM_MAX(chip->hop_ew.time_ps, chip->hop_ns.time_ps));
  uint32_t on[2] = {0, 0};
  for (uint32_t t = 0; t < s->n_tiles; t++) on[p->unit_rank[s->n_cores + t]]++;
  cr_assert(on[0] && on[1], "tiles per rank %u and %u: both own some", on[0], on[1]);
  s->unit_here = NULL;
  part_destroy(p);
  teardown(s, scn, chip);
}

/* A timed run that cuts a chip with finite buffers: a credit crosses the cut
 * after the chip's credit latency, which bounds the lookahead. A chip whose
 * credits return at once gives no lookahead: the error says why and what to
 * do. Functional mode can always cut. */
Test(partition, finite_buffers) {
  nmsim_scenario *scn;
  nmsim_chip *chip;
  sys *s = build("chip: loihi\nsteps: 1\npopulations:\n  a: {size: 64, model: lif}\n", &scn,
                 &chip);
  sys_part *p = NULL;
  nmsim_err err = {0};
  cr_assert(chip->buffer_depth > 0 && chip->credit_latency_ps > 0);
  cr_assert_eq(part_create(s, 0, 2, NULL, &p, &err), NMSIM_OK, "%s", err.msg);
  cr_assert(!p->by_chip);
  cr_assert_eq(p->lookahead, chip->credit_latency_ps, "lookahead %llu ps, expected %llu",
               (unsigned long long)p->lookahead, (unsigned long long)chip->credit_latency_ps);
  s->unit_here = NULL;
  part_destroy(p);
  chip->credit_latency_ps = 0;
  cr_assert_eq(part_create(s, 0, 2, NULL, &p, &err), NMSIM_EINPUT, "credits at once: EINPUT");
  cr_assert(strstr(err.msg, "buffer_depth") && strstr(err.msg, "credit_latency") &&
                strstr(err.msg, "functional"),
            "%s", err.msg);
  cr_assert_eq(part_create(s, 0, 2, "zigzag", &p, &err), NMSIM_EINPUT);
  cr_assert(strstr(err.msg, "blocks or cyclic"), "%s", err.msg);
  teardown(s, scn, chip);
}

/* Energy sums are exact: the same charges added in any order, or as partial
 * sums merged in any grouping (as ranks do), give the same bits. */
Test(partition, exact_energy_sums) {
  static const double pj[] = {23.6, 0.1, 81.0, 1.7, 4.1e-3, 3.0, 1e6 / 3.0, 52.0};
  const int n = 2000;
  nm_energy fwd = {0}, rev = {0}, merged = {0}, part[3];
  memset(part, 0, sizeof part);
  for (int i = 0; i < n; i++) {
    double e = pj[i % 8] * (1 + i % 7);
    nm_energy_add(&fwd, 0, 1, e);
    nm_energy_add(&part[i % 3], 0, 1, e);
  }
  for (int i = n - 1; i >= 0; i--) nm_energy_add(&rev, 0, 1, pj[i % 8] * (1 + i % 7));
  nm_energy_merge(&merged, &part[2]);
  nm_energy_merge(&merged, &part[0]);
  nm_energy_merge(&merged, &part[1]);
  cr_assert(memcmp(&fwd.pj[0], &rev.pj[0], 8) == 0, "reversed: %.17g, forward %.17g",
            rev.pj[0], fwd.pj[0]);
  cr_assert(memcmp(&fwd.pj[0], &merged.pj[0], 8) == 0, "merged: %.17g, forward %.17g",
            merged.pj[0], fwd.pj[0]);
  cr_assert_eq(merged.n[0], (uint64_t)n);
}

/* nm_energy_add_each(n, pj) adds exactly what n single charges of pj add
 * (the NoC counts hops and charges them per step and at the end of a run):
 * the same counts and fixed-point words, with carries out of the fraction,
 * for costs with long binary fractions and counts up to 2^40. */
Test(partition, energy_add_each_is_n_single_charges) {
  static const double pj[] = {0.1, 1.7, 4.1e-3, 1e6 / 3.0, 3.5, 0.291};
  static const uint64_t counts[] = {1, 2, 3, 1000, 65537};
  for (size_t i = 0; i < NM_ARRAY_LEN(pj); i++)
    for (size_t j = 0; j < NM_ARRAY_LEN(counts); j++) {
      nm_energy one = {0}, each = {0};
      nm_energy_add(&one, 2, 1, 17.25); /* a start that is not zero */
      nm_energy_add(&each, 2, 1, 17.25);
      for (uint64_t k = 0; k < counts[j]; k++) nm_energy_add(&one, 2, 1, pj[i]);
      nm_energy_add_each(&each, 2, counts[j], pj[i]);
      cr_assert_eq(each.n[2], one.n[2]);
      cr_assert_eq(each.fx_hi[2], one.fx_hi[2], "%g pJ x %llu", pj[i], (unsigned long long)counts[j]);
      cr_assert_eq(each.fx_lo[2], one.fx_lo[2], "%g pJ x %llu", pj[i], (unsigned long long)counts[j]);
      cr_assert(memcmp(&each.pj[2], &one.pj[2], 8) == 0);
    }
  /* 2^40 charges of 0.1 pJ: the fraction carries into the integer part */
  nm_energy big = {0};
  nm_energy_add_each(&big, 0, (uint64_t)1 << 40, 0.1);
  cr_assert_eq(big.n[0], (uint64_t)1 << 40);
  cr_assert(fabs(big.pj[0] - 0.1 * 0x1p40) < 1e-3 * 0.1 * 0x1p40, "%.17g", big.pj[0]);
}

/* A split build of part `rank` of `size` (sys_build_split). */
static sys *build_part(const nmsim_scenario *scn, const nmsim_chip *chip, int rank, int size) {
  nmsim_err err = {0};
  sys_split sp = {.rank = rank, .size = size};
  sys *s = NULL;
  cr_assert_eq(sys_build_split(scn, chip, &sp, &s, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_not_null(s->part);
  return s;
}

/* Connections across all four chips of a 2 x 2 board, with delays and both
 * synapse sites, so every part has sources and targets on the others. */
static const char *spread = "chip: test\nchips: [2, 2]\nsteps: 1\nseed: 5\n"
                            "mapping: {max_per_core: {a: 25, b: 25}}\n"
                            "populations:\n  a: {size: 200, model: lif}\n"
                            "  b: {size: 200, model: lif}\n"
                            "projections:\n"
                            "  - {from: a, to: b, connector: {fixed_probability: 0.1}, weight: 0.5,"
                            " delay: 3}\n"
                            "  - {from: b, to: a, connector: {fixed_probability: 0.1}, weight: -0.5,"
                            " site: inh}\n"
                            "  - {from: a, to: a, connector: {fixed_probability: 0.05}, weight: 0.2}\n";

/* The rank-local build: every part holds, for the cores it owns, exactly the
 * rows, synapses and out lists of the whole build, and state and input
 * rings; for the others no rows, no state, and only the out-list entries
 * that reach its cores; the counts the reports use (synapses, axons, fan-out
 * of every core) are the whole build's on every part. */
Test(partition, rank_local_build) {
  nmsim_scenario *scn;
  nmsim_chip *chip;
  sys *w = build(spread, &scn, &chip);
  for (int size = 2; size <= 3; size++)
    for (int rank = 0; rank < size; rank++) {
      sys *s = build_part(scn, chip, rank, size);
      const uint8_t *here = s->part->unit_here;
      uint32_t owned = 0, others = 0;
      for (uint32_t i = 0; i < s->n_cores; i++) {
        const sys_core *c = &s->cores[i], *x = &w->cores[i];
        cr_assert_eq(c->n_neurons, x->n_neurons);
        cr_assert_eq(c->n_syn, x->n_syn, "part %d/%d core %u: %zu synapses, whole %zu", rank,
                     size, i, (size_t)c->n_syn, (size_t)x->n_syn);
        cr_assert_eq(c->n_axons, x->n_axons);
        cr_assert_eq(c->n_out, x->n_out);
        if (!x->n_neurons) continue;
        if (here[i]) {
          owned++;
          cr_assert_not_null(c->row);
          cr_assert_not_null(c->acc, "core %u here without its input ring", i);
          cr_assert_eq(c->ring, x->ring);
          cr_assert_eq(memcmp(c->row, x->row, sizeof(uint32_t) * (x->n_axons + 1)), 0,
                       "part %d/%d core %u: rows differ", rank, size, i);
          /* the same synapses in the same order (both builds keep each row in
           * the order its synapses are made) */
          for (size_t k = 0; k < x->n_syn; k++)
            cr_assert(c->syn[k].tgt == x->syn[k].tgt && c->syn[k].delay == x->syn[k].delay &&
                          c->syn[k].site == x->syn[k].site && c->syn[k].w == x->syn[k].w,
                      "part %d/%d core %u synapse %zu differs", rank, size, i, k);
        } else {
          others++;
          cr_assert_null(c->row, "part %d/%d holds rows of core %u, not its own", rank, size, i);
          cr_assert_null(c->syn);
          cr_assert_null(c->acc, "part %d/%d holds the input ring of core %u", rank, size, i);
          cr_assert_null(c->blocks[0].state);
        }
        /* out lists: the whole's entries with a source or a target here */
        for (uint32_t j = 0; j < x->n_neurons; j++) {
          uint32_t k = c->out_ptr[j];
          for (uint32_t o = x->out_ptr[j]; o < x->out_ptr[j + 1]; o++) {
            if (!here[i] && !here[x->out[o].core]) continue;
            cr_assert_lt(k, c->out_ptr[j + 1], "part %d/%d core %u neuron %u: entries missing",
                         rank, size, i, j);
            cr_assert(c->out[k].core == x->out[o].core && c->out[k].axon == x->out[o].axon,
                      "part %d/%d core %u neuron %u: entry %u differs", rank, size, i, j, o);
            k++;
          }
          cr_assert_eq(k, c->out_ptr[j + 1], "part %d/%d core %u neuron %u: extra entries", rank,
                       size, i, j);
        }
      }
      cr_assert_gt(owned, 0);
      cr_assert_gt(others, 0);
      sys_destroy(s);
    }
  sys_destroy(w);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
}

/* Plastic synapses: their cores have rows and state on every part (part 0
 * writes their weights), the other cores only on their own (a on chip 0,
 * part 0's; b, plastic, on chip 2, part 1's). */
Test(partition, plastic_cores_on_every_part) {
  nmsim_scenario *scn;
  nmsim_chip *chip;
  nmsim_err err = {0};
  const char *text = "chip: test\nchips: [2, 2]\nsteps: 1\n"
                     "mapping: {max_per_core: {a: 25, b: 25},"
                     " place: {a: {chip: 0}, b: {chip: 2}}}\n"
                     "populations:\n  a: {size: 100, model: lif}\n  b: {size: 100, model: lif}\n"
                     "projections:\n  - {from: a, to: b, connector: {fixed_probability: 0.1},"
                     " weight: 0.5, plasticity: {}}\n"
                     "  - {from: b, to: a, connector: {fixed_probability: 0.1}, weight: 0.5}\n";
  cr_assert_eq(nmsim_scenario_load_string("p.yaml", text, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  cr_assert_eq(nmsim_chip_load(scn->chip, NULL, &chip, &err), NMSIM_OK, "%s", err.msg);
  uint32_t plastic_elsewhere = 0, static_elsewhere = 0;
  for (int rank = 0; rank < 2; rank++) {
  sys *s = build_part(scn, chip, rank, 2);
  for (uint32_t i = 0; i < s->n_cores; i++) {
    const sys_core *c = &s->cores[i];
    if (!c->n_neurons || s->part->unit_here[i]) continue;
    bool b_core = c->blocks[0].pop_id == 1;
    if (b_core) {
      plastic_elsewhere++;
      cr_assert_not_null(c->row, "plastic core %u of the other part has no rows", i);
      cr_assert_not_null(c->syn_proj);
      cr_assert_not_null(c->pin_ptr);
    } else {
      static_elsewhere++;
      cr_assert_null(c->row, "static core %u of the other part has rows here", i);
    }
  }
  sys_destroy(s);
  }
  cr_assert_gt(plastic_elsewhere, 0);
  cr_assert_gt(static_elsewhere, 0);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
}
