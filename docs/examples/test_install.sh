#!/bin/sh
# test_install.sh BUILD_DIR SOURCE_DIR: the ctest `install`. Installs the build into a temporary
# prefix, then builds docs/examples/price_call.c against it twice, with pkg-config and with a
# CMake project using find_package(vixrisk), runs both on a model file and checks that each
# prints one finite positive price. Also checks that the umbrella header names every public header.
set -eu
build=$1
src=$2
model=$src/configs/models/heston.yaml
tmp=$(mktemp -d /tmp/vixrisk-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

for h in "$src"/engine/include/vixrisk/*.h "$src"/kernels/include/vixrisk/*.h; do
    n=$(basename "$h")
    case $n in vixrisk.h | vk_kernels.h | vk_bs.h | vk_surface.h | vk_vixtab.h | vk_svcj2.h) continue ;; esac
    grep -q "\"vixrisk/$n\"" "$src/engine/include/vixrisk/vixrisk.h" ||
        { echo "vixrisk/vixrisk.h does not include vixrisk/$n"; exit 1; }
done

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test ! -e "$tmp/prefix/include/vk.h" || { echo "unprefixed vk.h installed"; exit 1; }

check() { # check WHAT OUTPUT: one line ending in a finite number > 0
    p=$(printf '%s\n' "$2" | sed -n 's/.*: \([-+0-9.eE]*\)$/\1/p')
    echo "$1: $2"
    awk -v p="$p" 'BEGIN { exit !(p != "" && p + 0 > 0 && p + 0 < 1e300 && p == p + 0) }' ||
        { echo "$1: not a finite positive price"; exit 1; }
}

export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
export LD_LIBRARY_PATH="$tmp/prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" # a shared libvixrisk
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/pc_price_call" "$src/docs/examples/price_call.c" \
    $(pkg-config --cflags --libs --static vixrisk)
check pkg-config "$("$tmp/pc_price_call" "$model")"

cmake -S "$src/docs/examples" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >/dev/null
cmake --build "$tmp/cm" >/dev/null
check find_package "$("$tmp/cm/price_call" "$model")"
"$tmp/prefix/bin/vixrisk" --version >/dev/null || { echo "installed vixrisk does not run"; exit 1; }
