/* json.c: the streaming JSON writer of json.h: automatic separators,
 * string escaping with UTF-8 validation, exact integers, round-trip doubles. */
#include "analysis/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/sim_int.h"

void jw_init(jw *w, FILE *f, bool pretty) {
  memset(w, 0, sizeof *w);
  w->f = f;
  w->pretty = pretty;
}

static void indent(jw *w) {
  if (!w->pretty) return;
  fputc('\n', w->f);
  for (int i = 0; i < w->depth; i++) fputs("  ", w->f);
}

/* Separator before a value or a key: a comma after a sibling, then the
 * indentation; nothing after a key (its colon is already written). */
static void before_item(jw *w) {
  if (w->after_key) {
    w->after_key = false;
    return;
  }
  if (w->depth > 0) {
    if (w->nonempty[w->depth]) fputc(',', w->f);
    w->nonempty[w->depth] = true;
    indent(w);
  }
}

static void begin(jw *w, bool object) {
  before_item(w);
  if (w->depth >= JW_MAX_DEPTH) NMSIM_PANIC("JSON nesting deeper than %d", JW_MAX_DEPTH);
  fputc(object ? '{' : '[', w->f);
  w->depth++;
  w->nonempty[w->depth] = false;
  w->is_object[w->depth] = object;
}

static void end(jw *w, bool object) {
  if (w->depth <= 0 || w->is_object[w->depth] != object || w->after_key)
    NMSIM_PANIC("JSON %s closed out of place", object ? "object" : "array");
  bool had = w->nonempty[w->depth];
  w->depth--;
  if (had) indent(w);
  fputc(object ? '}' : ']', w->f);
}

void jw_object_begin(jw *w) { begin(w, true); }
void jw_object_end(jw *w) { end(w, true); }
void jw_array_begin(jw *w) { begin(w, false); }
void jw_array_end(jw *w) { end(w, false); }

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static int utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  int n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
  else return 0;
  for (int i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0; /* also stops at the NUL */
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

static void put_escaped(FILE *f, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  fputc('"', f);
  while (*s) {
    unsigned c = *s;
    if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc((int)c, f);
      s++;
    } else if (c < 0x20) {
      fprintf(f, "\\u%04x", c);
      s++;
    } else {
      int n = utf8_len(s);
      if (n == 0) {
        fputs("\\ufffd", f);
        s++;
      } else {
        fwrite(s, 1, (size_t)n, f);
        s += n;
      }
    }
  }
  fputc('"', f);
}

void jw_key(jw *w, const char *key) {
  if (w->depth <= 0 || !w->is_object[w->depth] || w->after_key)
    NMSIM_PANIC("JSON key \"%s\" outside an object", key ? key : "(null)");
  before_item(w);
  put_escaped(w->f, key ? key : "");
  fputs(w->pretty ? ": " : ":", w->f);
  w->after_key = true;
}

void jw_string(jw *w, const char *s) {
  if (!s) {
    jw_null(w);
    return;
  }
  before_item(w);
  put_escaped(w->f, s);
}

void jw_uint(jw *w, uint64_t v) {
  before_item(w);
  fprintf(w->f, "%" PRIu64, v);
}

void jw_int(jw *w, int64_t v) {
  before_item(w);
  fprintf(w->f, "%" PRId64, v);
}

void jw_double(jw *w, double v) {
  if (!isfinite(v)) {
    jw_null(w);
    return;
  }
  char buf[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break; /* %.17g always round-trips */
  }
  before_item(w);
  fputs(buf, w->f);
}

void jw_bool(jw *w, bool v) {
  before_item(w);
  fputs(v ? "true" : "false", w->f);
}

void jw_null(jw *w) {
  before_item(w);
  fputs("null", w->f);
}

void jw_key_string(jw *w, const char *key, const char *s) {
  jw_key(w, key);
  jw_string(w, s);
}
void jw_key_uint(jw *w, const char *key, uint64_t v) {
  jw_key(w, key);
  jw_uint(w, v);
}
void jw_key_int(jw *w, const char *key, int64_t v) {
  jw_key(w, key);
  jw_int(w, v);
}
void jw_key_double(jw *w, const char *key, double v) {
  jw_key(w, key);
  jw_double(w, v);
}
void jw_key_bool(jw *w, const char *key, bool v) {
  jw_key(w, key);
  jw_bool(w, v);
}

bool jw_finish(jw *w) {
  if (w->pretty) fputc('\n', w->f);
  return w->depth == 0 && !w->after_key && !ferror(w->f);
}
