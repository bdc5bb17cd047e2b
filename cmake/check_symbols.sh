#!/bin/sh
# check_symbols.sh LIB: the ctest `symbols`. Every global symbol libvixrisk defines must carry the
# project prefix (vr_, vk_, VR_, VK_) so that the library can be linked into any program without
# name clashes. Prints the offenders and fails if there are any. (The linker's own symbols of a
# shared library, _init/_fini/_edata/_end/__bss_start, are not ours.)
set -eu
lib=$1
out=$(nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' |
      grep -Ev '^(vr_|vk_|VR_|VK_)' | grep -Ev '^(_init|_fini|_edata|_end|__bss_start)$' | sort -u) || true
n=$(nm -g --defined-only "$lib" | awk 'NF == 3' | wc -l)
if [ -n "$out" ]; then
    echo "$lib: global symbols without the vr_/vk_ prefix:"
    echo "$out"
    exit 1
fi
echo "$lib: all $n global symbols carry the prefix"
