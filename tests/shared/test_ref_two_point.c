/* test_ref_two_point.c: the graded "two_point" model against every case of
 * shared/reference/two_point_transfer.json (Kay & Phillips TM1-TM4; models-spec
 * 5a), driven with r on the basal site and c on the apical site. */
#include "shared/ref_util.h"

/* The emitted value of variant/output for (r, c), and whether it emitted. */
static double tp_eval(int variant, int output, double r, double c, bool *emitted) {
  ref_blk k;
  ref_model(&k, "two_point");
  ref_set(&k, "variant", variant);
  ref_set(&k, "output", output);
  ref_start(&k, 1, 1.0);
  k.in[ref_site(&k, "basal")][0] = r;
  k.in[ref_site(&k, "apical")][0] = c;
  size_t n = ref_step(&k);
  double y = ((double *)ref_var(&k, "y"))[0];
  *emitted = n == 1;
  if (n) cr_assert_eq(k.out_value[0], y, "emitted value %.17g, y %.17g", k.out_value[0], y);
  ref_free(&k);
  return y;
}

static bool tp_close(double got, double want, double rel, double abs_tol) {
  return fabs(got - want) <= abs_tol || fabs(got - want) <= rel * fabs(want);
}

/* Every grid point of every case: TM1..TM4 (variant 1-4, output T), p_TM1
 * (variant 1, logistic output) and p_additive (variant 0 = r + c, logistic
 * output) equal the file's values within its rel/abs tolerance; the model
 * emits exactly when the value is non-zero, with that value. Then each listed
 * property is checked on the grid (an unknown property fails the test).
 * TM2 = r (1 + c) holds only T(r,0) = r and T(0,c) = 0: for c <= -1 it flips
 * or kills the sign (the grid has TM2(-2,-2) = +2), and |1 + c| < 1 for
 * -2 < c < 0 attenuates although r c > 0 when r < 0, so the sign and
 * amplification properties are checked for TM1, TM3 and TM4. */
Test(ref_two_point, every_grid_point_and_property) {
  struct fy_document *d = ref_load("two_point_transfer.json");
  struct fy_node *cases = ref_get(ref_root(d), "cases", "two_point_transfer.json");
  cr_assert(ref_len(cases) > 0, "no cases");
  static const struct { const char *key; int variant, output; } cols[] = {
      {"TM1", 1, 0}, {"TM2", 2, 0}, {"TM3", 3, 0}, {"TM4", 4, 0},
      {"p_TM1", 1, 2}, {"p_additive", 0, 2},
  };
  for (size_t c = 0; c < ref_len(cases); c++) {
    struct fy_node *cs = ref_item(cases, c);
    const char *name = ref_str(ref_get(cs, "name", "case"));
    struct fy_node *tol = ref_get(cs, "tolerance", name), *grid = ref_get(cs, "expected", name);
    double rel = ref_num_at(tol, "rel", name), abs_tol = ref_num_at(tol, "abs", name);
    cr_assert(ref_len(grid) > 0, "%s: empty grid", name);
    for (size_t g = 0; g < ref_len(grid); g++) {
      struct fy_node *pt = ref_item(grid, g);
      double r = ref_num_at(pt, "r", name), cc = ref_num_at(pt, "c", name);
      size_t checked = 2;
      for (size_t j = 0; j < sizeof cols / sizeof cols[0]; j++) {
        struct fy_node *wn = ref_opt(pt, cols[j].key);
        if (!wn) continue;
        checked++;
        bool em;
        double want = ref_num(wn), y = tp_eval(cols[j].variant, cols[j].output, r, cc, &em);
        cr_assert(tp_close(y, want, rel, abs_tol), "%s (r %g, c %g): %s = %.17g, expected %.17g",
                  name, r, cc, cols[j].key, y, want);
        cr_assert_eq(em, y != 0.0, "%s (r %g, c %g) %s: emitted %d for value %g", name, r, cc,
                     cols[j].key, em, y);
      }
      cr_assert_eq(checked, (size_t)fy_node_mapping_item_count(pt),
                   "%s point %zu: %d fields, %zu known", name, g, fy_node_mapping_item_count(pt),
                   checked);
    }
    struct fy_node *props = ref_opt(cs, "properties");
    for (size_t i = 0; props && i < ref_len(props); i++) {
      const char *p = ref_str(ref_item(props, i));
      for (size_t g = 0; g < ref_len(grid); g++) {
        struct fy_node *pt = ref_item(grid, g);
        double r = ref_num_at(pt, "r", name), cc = ref_num_at(pt, "c", name);
        for (int v = 1; v <= 4; v++) {
          bool em;
          double T = tp_eval(v, 0, r, cc, &em);
          bool general = v != 2;
          if (strncmp(p, "T(r,0)=r", 8) == 0) {
            if (cc == 0) cr_assert(fabs(T - r) <= abs_tol, "TM%d(%g, 0) = %g", v, r, T);
          } else if (strncmp(p, "T(0,c)=0", 8) == 0) {
            if (r == 0) cr_assert(T == 0 && !em, "TM%d(0, %g) = %g, emitted %d", v, cc, T, em);
          } else if (strncmp(p, "sign(T)=sign(r)", 15) == 0) {
            if (general) cr_assert((T > 0) == (r > 0) && (T < 0) == (r < 0),
                                   "TM%d(%g, %g) = %g: sign differs from r", v, r, cc, T);
          } else if (strncmp(p, "|T(r,c)|>|r| iff r*c>0", 22) == 0) {
            if (general && r * cc > 0) cr_assert(fabs(T) > fabs(r), "TM%d(%g, %g) = %g: not "
                                                 "amplified", v, r, cc, T);
            if (general && r * cc < 0) cr_assert(fabs(T) < fabs(r), "TM%d(%g, %g) = %g: not "
                                                 "attenuated", v, r, cc, T);
            if (r * cc == 0) cr_assert(fabs(fabs(T) - fabs(r)) <= abs_tol,
                                       "TM%d(%g, %g) = %g: |T| != |r| with r c = 0", v, r, cc, T);
          } else if (strncmp(p, "TM1(r,c) >= r/2 for r>0", 23) == 0) {
            if (v == 1 && r > 0) cr_assert(T >= r / 2, "TM1(%g, %g) = %g < r/2", r, cc, T);
          } else {
            cr_assert_fail("%s: property '%s' is not checked by this test", name, p);
          }
        }
      }
    }
  }
  fy_document_destroy(d);
}

/* A graded spike carries y: with output 1 (rectified) a negative drive is
 * silent, a positive one emits T; the emit_threshold suppresses |y| <= it; the
 * presets TM1..TM4 select the variant. */
Test(ref_two_point, emission_rules_and_presets) {
  bool em;
  cr_assert(tp_eval(1, 1, -1.0, 1.0, &em) == 0.0 && !em, "rectified negative drive emitted");
  double y = tp_eval(3, 1, 1.0, 1.0, &em);
  cr_assert(em && fabs(y - 1.7615941559557649) < 1e-12, "rectified TM3(1,1) = %g, emitted %d",
            y, em);
  ref_blk k;
  ref_model(&k, "two_point");
  ref_set(&k, "emit_threshold", 1.0);
  ref_start(&k, 2, 1.0);
  k.in[0][0] = 0.9; /* T = 0.9 with c = 0: below the threshold */
  k.in[0][1] = 1.1;
  size_t n = ref_step(&k);
  cr_assert(n == 1 && k.spikes[0] == 1 && k.out_value[1] == 1.1,
            "threshold 1: %zu spikes (first %u, value %g), expected neuron 1 with 1.1", n,
            k.spikes[0], k.out_value[1]);
  ref_free(&k);
  for (int v = 1; v <= 4; v++) {
    char nm[8];
    snprintf(nm, sizeof nm, "TM%d", v);
    ref_model(&k, "two_point");
    ref_preset(&k, nm);
    double got = k.values[nmsim_model_param_index(k.m, "variant")];
    cr_assert_eq(got, v, "preset %s sets variant %g", nm, got);
  }
}
