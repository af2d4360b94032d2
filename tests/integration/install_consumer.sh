#!/usr/bin/env bash
# Installs the ZActor build into a temporary prefix, moves the prefix (the
# package must be relocatable), then builds and runs a separate project that
# uses find_package(ZActor), zactor_add_zidl() and zactor::rt, and checks
# that zidlc reruns when the schema changes and only then. Finally builds the
# same program with pkg-config and the installed zidlc by hand.
#
# usage: install_consumer.sh BUILD_DIR SOURCE_DIR WORK_DIR C_COMPILER SANITIZE_FLAGS
set -euo pipefail
build=$1 src=$2 work=$3 cc=$4 sanflags=${5:-}

fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/staging" >/dev/null
mv "$work/staging" "$work/moved-prefix"
prefix="$work/moved-prefix"
[ -x "$prefix/bin/zidlc" ] || fail "zidlc not installed"
[ -f "$prefix/include/zactor/zactor.h" ] || fail "header not installed"

cp -r "$src/tests/integration/consumer" "$work/consumer"
cmake -S "$work/consumer" -B "$work/consumer-build" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_C_FLAGS="$sanflags" -DCMAKE_EXE_LINKER_FLAGS="$sanflags" >/dev/null
build_log() { cmake --build "$work/consumer-build" 2>&1; }

out=$(build_log) || { echo "$out"; fail "consumer build failed"; }
grep -q "zidlc greeter.zidl" <<<"$out" || fail "zidlc did not run on the first build"
"$work/consumer-build/greeter" | grep -q "greeted 55 times" || fail "consumer program failed"

out=$(build_log) || fail "second build failed"
if grep -q "zidlc greeter.zidl" <<<"$out"; then fail "zidlc reran on an unchanged schema"; fi

# A changed schema (a new field changes the message's layout and type id).
old_id=$(grep -o 'GREET_HELLO_TYPE_ID 0x[0-9a-fA-F]*' "$work/consumer-build/zidl/greeter/greeter.zidl.h")
sleep 1
sed -i 's/u32        times;/u32        times;\n    bool       loud;/' "$work/consumer/schema/greeter.zidl"
out=$(build_log) || { echo "$out"; fail "rebuild after schema change failed"; }
grep -q "zidlc greeter.zidl" <<<"$out" || fail "zidlc did not rerun after the schema changed"
new_id=$(grep -o 'GREET_HELLO_TYPE_ID 0x[0-9a-fA-F]*' "$work/consumer-build/zidl/greeter/greeter.zidl.h")
[ "$old_id" != "$new_id" ] || fail "type id did not change with the layout ($old_id)"
"$work/consumer-build/greeter" | grep -q "greeted 55 times" || fail "rebuilt program failed"

# pkg-config and the installed zidlc, without CMake.
mkdir -p "$work/pc"
"$prefix/bin/zidlc" -o "$work/pc" "$work/consumer/schema/greeter.zidl"
export PKG_CONFIG_PATH="$(dirname "$(find "$prefix" -name zactor.pc)")"
# shellcheck disable=SC2046
"$cc" -std=c11 $sanflags -I"$work/pc" -o "$work/pc/greeter" \
  "$work/consumer/main.c" "$work/pc/greeter.zidl.c" \
  $(pkg-config --cflags zactor) $(pkg-config --libs zactor)
"$work/pc/greeter" | grep -q "greeted 55 times" || fail "pkg-config build failed"
# The README's minimal example, with its own CMakeLists.txt, unchanged.
cmake -S "$src/examples/counter" -B "$work/counter-build" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_C_FLAGS="$sanflags" -DCMAKE_EXE_LINKER_FLAGS="$sanflags" >/dev/null
cmake --build "$work/counter-build" >/dev/null 2>&1 || fail "README example did not build"
[ "$("$work/counter-build/counter")" = 5050 ] || fail "README example printed the wrong total"

echo "install, find_package, rebuild-on-change and pkg-config: OK"
