#!/usr/bin/env bash
# tests/fuzz/classify.sh FUZZ_BINARY INPUT...: replay each crash/timeout input and say where it
# fails. Prints one line per input: "libhdf5 <frame>" when the faulting frame (the first one that is
# not a sanitizer interceptor: ASan's replacements of malloc, memcpy, strdup and the like show as
# frames of the fuzz binary itself) is inside libhdf5, "passes" when it no longer fails,
# else "ours <frame or report>".
# Exit 1 if any input fails in our code (or in no library we can name), else 0.
#
# Why: libhdf5 1.10's file-format parser is not hardened against crafted files (global-heap and
# B-tree reads of mutated offsets crash inside the library; docs/testing.md "Fuzzing"). Those
# crashes are counted and reported; a crash, sanitizer report or hang in vixrisk's code fails.
set -uo pipefail
bin=$1
shift
bad=0
for f in "$@"; do
  out=$(ASAN_OPTIONS=detect_leaks=0:symbolize=1 timeout 120 "$bin" -timeout=25 "$f" 2>&1)
  if [ $? -eq 0 ]; then
    echo "passes $(basename "$f")"
    continue
  fi
  if grep -q "runtime error:" <<<"$out"; then
    echo "ours $(basename "$f"): $(grep -m1 'runtime error:' <<<"$out")"
    bad=1
    continue
  fi
  frame=$(grep -E '^ +#[0-9]+ ' <<<"$out" |
          grep -vE '__interceptor_|__asan|__sanitizer|sysdeps/x86_64|libc\.so|libFuzzer|fuzzer::|__libc_' |
          grep -vE ' in (free|malloc|calloc|realloc|memcpy|memmove|memset|memcmp|strlen|strnlen|strdup|strndup|strcpy|strncpy|strcmp|strncmp) ' |
          head -1)
  if grep -q "libhdf5" <<<"$frame"; then
    echo "libhdf5 $(basename "$f"): $(sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ (in )?//; s/ \(BuildId.*//' <<<"$frame")"
  else
    echo "ours $(basename "$f"): ${frame:-$(grep -m1 -E 'ERROR|SUMMARY' <<<"$out")}"
    bad=1
  fi
done
exit $bad
