# classify.awk: reads a libFuzzer log with one finding and prints "upstream
# LIBRARY" when the finding lies in libhdf5 rather than in nmsim, else "nmsim".
# Upstream: an out-of-memory, an allocation too big, a timeout, a SEGV or other signal whose innermost
# frame outside the sanitizer and libFuzzer runtimes (and libc) is in libhdf5;
# or a memory error (overflow, use after free, ...) on a block that libhdf5
# allocated, or, for a wild pointer (no block), made inside libhdf5. libhdf5 1.10's known bugs on damaged files (global heap, metadata
# cache) are reached within seconds. Everything else is nmsim's, including
# crashes inside libfyaml or SQLite: nmsim may be misusing them, and its users
# see the crash all the same.
function lib_of(line,   m) {
  # "#3 0x... in f (/usr/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0x...)"
  if (match(line, /\(\/[^ )]*\.so[^ )+]*/)) {
    m = substr(line, RSTART + 1, RLENGTH - 1)
    sub(/.*\//, "", m)
    return m
  }
  return ""
}
function runtime(line) {
  # frames of the sanitizers and libFuzzer (linked into the harness, no
  # source line) and of libc's abort/raise
  # glibc's own frames carry its source paths (start-up, stdio buffers, ...)
  if (line ~ /csu\/|sysdeps\/|libc_start|libio\/|stdio-common\/|stdlib\/|malloc\//) return 1
  if (line ~ /\.c:[0-9]+/ || line ~ /\.h:[0-9]+/) return 0
  if (line ~ /libc\.so|ld-linux|libstdc\+\+|libgcc/) return 1
  return lib_of(line) == ""
}
# an allocation the sanitizer refuses (too big, or beyond the memory limit):
# the stack that follows is the allocation's
/ERROR: libFuzzer: (out-of-memory|timeout|deadly signal)|ERROR: AddressSanitizer: (SEGV|stack-overflow|FPE|BUS|ABRT|requested allocation size|allocator is out of memory|out of memory)|ERROR: UndefinedBehaviorSanitizer: (SEGV|FPE)/ {
  if (!kind) kind = "signal"
  next
}
/ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|MemorySanitizer)/ || /runtime error:/ {
  if (!kind) kind = "memory"
  next
}
kind == "memory" && /allocated by thread/ { in_alloc = 1; next }
/^ *#[0-9]+ 0x/ {
  # a memory error with no allocation stack (a wild pointer): its access
  # stack's innermost frame outside the runtimes says where it lies
  if (kind == "memory" && !in_alloc && !access_seen && !runtime($0)) {
    access_seen = 1
    access = lib_of($0)
  }
  if (done) next
  if (kind == "signal" || (kind == "memory" && in_alloc)) {
    if (runtime($0)) next
    where = lib_of($0)
    done = 1
  }
}
END {
  if (!done && access_seen) where = access
  if (where ~ /^libhdf5/) print "upstream " where
  else print "nmsim"
}
