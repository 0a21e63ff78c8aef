/* test_partition.c: the bookkeeping of a run split over MPI ranks, without
 * MPI (sim/mpi/partition.c): whole chips per rank (blocks balanced by work, or
 * round robin), tile blocks when ranks outnumber chips, the lookahead (the
 * smallest latency of a cut link, at most the barrier) and the neighbour
 * ranks; and the exact energy sums that make the ranks' partial sums add up
 * to the same bits in any order. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
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
