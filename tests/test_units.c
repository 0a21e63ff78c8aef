/* test_units.c: quantities with units (sim/base/units.h): every unit of the table,
 * exact conversions, bare numbers, and the rejection of malformed text. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/base/units.h"

/* Parse text in unit want; assert success and that the value is exactly v. */
static void expect_value(const char *text, const char *want, double v) {
  char msg[256] = "";
  double got = NAN;
  nmsim_status rc = units_parse(text, want, &got, msg, sizeof msg);
  cr_assert(rc == NMSIM_OK, "'%s' in '%s': got %s (%s), expected OK", text, want,
            nmsim_status_name(rc), msg);
  cr_assert(got == v, "'%s' in '%s': got %.17g, expected %.17g", text, want, got, v);
}

/* Parse text in unit want; assert EINPUT and that the message contains each
 * of the given fragments (NULL-terminated). */
static void expect_reject(const char *text, const char *want, ...) {
  char msg[256] = "";
  double got = 0;
  nmsim_status rc = units_parse(text, want, &got, msg, sizeof msg);
  cr_assert(rc == NMSIM_EINPUT, "'%s' in '%s': got %s (value %g), expected EINPUT", text, want,
            nmsim_status_name(rc), got);
  va_list ap;
  va_start(ap, want);
  for (const char *frag; (frag = va_arg(ap, const char *));)
    cr_assert(strstr(msg, frag), "'%s' in '%s': message \"%s\" lacks \"%s\"", text, want, msg,
              frag);
  va_end(ap);
}

/* The units the scenario format promises, each with its dimension's other
 * members: "1 U" read in U is exactly 1, and U is known. */
Test(units, every_listed_unit_is_known_and_identity) {
  static const char *const units[] = {
      "s",  "ms", "us", "ns", "ps", "Hz", "kHz", "MHz", "GHz", "V",   "mV",   "uV",   "A",
      "mA", "uA", "nA", "pA", "J",  "mJ", "uJ",  "nJ",  "pJ",  "fJ",  "W",    "mW",   "uW",
      "Ohm", "kOhm", "MOhm", "GOhm", "F", "uF", "nF", "pF", "S", "mS", "uS", "nS", "B", "KiB",
      "MiB", ""};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    cr_assert(units_known(units[i]), "units_known(\"%s\"): got false, expected true", units[i]);
    char text[32];
    snprintf(text, sizeof text, "1 %s", units[i]);
    expect_value(text, units[i], 1.0);
  }
  cr_assert(!units_known("furlong"), "units_known(\"furlong\"): got true, expected false");
  cr_assert(units_known(NULL), "units_known(NULL): got false, expected true (dimensionless)");
}

/* Spacing does not matter: "20 ms", "20ms" and padded text are the same. */
Test(units, spacing) {
  expect_value("20 ms", "ms", 20);
  expect_value("20ms", "ms", 20);
  expect_value("  20   ms  ", "ms", 20);
  expect_value("\t20\tms", "ms", 20);
}

/* A bare number is taken in the wanted unit; signs and decimal forms parse. */
Test(units, bare_numbers_and_number_forms) {
  expect_value("3", "ms", 3);
  expect_value("3", "", 3);
  expect_value("-65 mV", "mV", -65);
  expect_value("+5 ms", "ms", 5);
  expect_value(".5 ms", "ms", 0.5);
  expect_value("5. ms", "ms", 5);
  expect_value("1e-3 s", "ms", 1);
  expect_value("2.5E2 us", "us", 250);
  expect_value("0", "pJ", 0);
}

/* Conversions between units of a dimension are exact where the decimal value
 * is representable: 3.5 ns is 3500 ps, 23.6 pJ stays 23.6 pJ. */
Test(units, conversions_are_exact) {
  expect_value("3.5 ns", "ps", 3500);
  expect_value("0.291 ns", "ps", 291);
  expect_value("23.6 pJ", "pJ", 23.6);
  expect_value("1 fJ", "pJ", 0.001);
  expect_value("20 ms", "s", 0.02);
  expect_value("1 s", "ms", 1000);
  expect_value("2 kHz", "Hz", 2000);
  expect_value("1 GHz", "MHz", 1000);
  expect_value("1 V", "mV", 1000);
  expect_value("500 pA", "nA", 0.5);
  expect_value("104 mW", "W", 0.104);
  expect_value("1 GOhm", "MOhm", 1000);
  expect_value("1 uF", "nF", 1000);
  expect_value("2 nS", "uS", 0.002);
  expect_value("128 KiB", "B", 131072);
  expect_value("1 MiB", "KiB", 1024);
  expect_value("2048 B", "KiB", 2);
}

/* The micro sign (U+00B5) and the Greek mu (U+03BC) both mean "u". */
Test(units, micro_sign) {
  expect_value("5 \xc2\xb5s", "us", 5);
  expect_value("5 \xce\xbcs", "us", 5);
  expect_value("7 \xc2\xb5V", "mV", 0.007);
}

/* Trailing junk, unknown units, non-numbers, NaN and infinities are rejected
 * with "expected ..., got '<text>'". */
Test(units, rejects_malformed) {
  expect_reject("20 ms x", "ms", "got '20 ms x'", NULL);
  expect_reject("20 mss", "ms", "got '20 mss'", NULL);
  expect_reject("20 m s", "ms", NULL);
  expect_reject("abc", "ms", "got 'abc'", NULL);
  expect_reject("", "ms", NULL);
  expect_reject("   ", "", NULL);
  expect_reject("nan", "", NULL);
  expect_reject("NaN ms", "ms", NULL);
  expect_reject("inf", "", NULL);
  expect_reject("-inf ms", "ms", NULL);
  expect_reject(".inf", "", NULL);
  expect_reject("1e999", "", NULL);
  expect_reject("0x10", "", NULL);
  expect_reject("1..2", "", NULL);
  expect_reject("1e", "", NULL);
  expect_reject("- 5", "", NULL);
  expect_reject("1e300 GHz", "Hz", NULL);  /* finite text, infinite in Hz */
}

/* A unit of the wrong dimension names the wanted dimension, the canonical
 * unit and the units of that dimension. */
Test(units, wrong_dimension_names_expected_unit) {
  expect_reject("20 mV", "ms", "expected a time in ms", "s, ms, us, ns, ps", "got '20 mV'", NULL);
  expect_reject("1 pJ", "mW", "expected a power in mW", NULL);
  expect_reject("3 ms", "", "expected a number", "got '3 ms'", NULL);
}

/* An unknown canonical unit is API misuse (EINVAL), not bad input. */
Test(units, unknown_wanted_unit_is_einval) {
  char msg[128];
  double v;
  nmsim_status rc = units_parse("1", "furlong", &v, msg, sizeof msg);
  cr_assert(rc == NMSIM_EINVAL, "got %s, expected EINVAL", nmsim_status_name(rc));
}
