#!/usr/bin/env bash
# Installs the ZActor build into a temporary prefix, moves the prefix (the
# package must be relocatable), checks the shared library's SONAME and
# exported symbols, then builds and runs a separate project that uses
# find_package(ZActor), zactor_add_zidl() and zactor::rt, and checks that
# zidlc reruns when the schema changes and only then; the same project with
# zactor::rt_shared. Finally builds the same program with pkg-config and the
# installed zidlc by hand, against the shared library and the static one.
# Each program must run; one linked with the shared library must NEED its
# SONAME, one linked statically must not.
#
# usage: install_consumer.sh BUILD_DIR SOURCE_DIR WORK_DIR C_COMPILER SANITIZE_FLAGS SONAME
set -euo pipefail
build=$1 src=$2 work=$3 cc=$4 sanflags=${5:-} soname=$6

fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/staging" >/dev/null
mv "$work/staging" "$work/moved-prefix"
prefix="$work/moved-prefix"
[ -x "$prefix/bin/zidlc" ] || fail "zidlc not installed"
[ -f "$prefix/include/zactor/zactor.h" ] || fail "header not installed"
[ -f "$prefix/include/zactor/version.h" ] || fail "zactor/version.h not installed"
[ -f "$prefix/share/doc/zactor/LICENSE" ] || fail "LICENSE not installed in share/doc/zactor"
PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name zactor.pc)")
export PKG_CONFIG_PATH
libdir=$(pkg-config --variable=libdir zactor)
[ -f "$libdir/libzactor-rt.a" ] || fail "libzactor-rt.a not installed in $libdir"
[ -f "$libdir/$soname" ] || fail "$soname not installed in $libdir"

# The program's NEEDED entries (its dynamic section).
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
needs_runtime() { needed "$1" | grep -qxF "$soname"; }
expect_shared() { needs_runtime "$1" || fail "$1 does not NEED $soname: $(needed "$1" | tr '\n' ' ')"; }
expect_static() { if needed "$1" | grep -q '^libzactor-rt'; then fail "$1 NEEDs $(needed "$1" | grep '^libzactor-rt')"; fi; }

# The shared library: its SONAME, and it exports the public API (zactor_*)
# and nothing else: no internal zactor__* function, no symbol of another
# name besides those the linker itself may define (_init, _fini, _edata...).
actual_soname=$(readelf -d "$libdir/libzactor-rt.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$actual_soname" = "$soname" ] || fail "SONAME is '$actual_soname', expected '$soname'"
exports=$(nm -D --defined-only "$libdir/libzactor-rt.so" | awk '{print $NF}')
grep -qx zactor_system_create <<<"$exports" || fail "zactor_system_create is not exported"
internal=$(grep '^zactor__' <<<"$exports" || true)
[ -z "$internal" ] || fail "internal symbols exported: $(tr '\n' ' ' <<<"$internal")"
foreign=$(grep -v '^zactor_' <<<"$exports" | grep -vxE '_init|_fini|_edata|_end|__bss_start' || true)
[ -z "$foreign" ] || fail "symbols outside zactor_ exported: $(tr '\n' ' ' <<<"$foreign")"

cp -r "$src/tests/integration/consumer" "$work/consumer"
cmake -S "$work/consumer" -B "$work/consumer-build" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_C_FLAGS="$sanflags" -DCMAKE_EXE_LINKER_FLAGS="$sanflags" >/dev/null
build_log() { cmake --build "$work/consumer-build" 2>&1; }

out=$(build_log) || { echo "$out"; fail "consumer build failed"; }
grep -q "zidlc greeter.zidl" <<<"$out" || fail "zidlc did not run on the first build"
"$work/consumer-build/greeter" | grep -q "greeted 55 times" || fail "consumer program failed"
expect_static "$work/consumer-build/greeter"

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

# The same project with the shared library. CMake gives the program an
# RPATH to the imported library, so it runs as built.
cmake -S "$work/consumer" -B "$work/consumer-shared" -DZACTOR_RT=zactor::rt_shared \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_C_FLAGS="$sanflags" -DCMAKE_EXE_LINKER_FLAGS="$sanflags" >/dev/null
out=$(cmake --build "$work/consumer-shared" 2>&1) || { echo "$out"; fail "shared consumer build failed"; }
expect_shared "$work/consumer-shared/greeter"
"$work/consumer-shared/greeter" | grep -q "greeted 55 times" || fail "shared consumer program failed"

# pkg-config and the installed zidlc, without CMake.
mkdir -p "$work/pc"
"$prefix/bin/zidlc" -o "$work/pc" "$work/consumer/schema/greeter.zidl"
# shellcheck disable=SC2046,SC2086 # flags are word lists, split on purpose
pc_build() { # output, then the linker flags
  local output=$1; shift
  "$cc" -std=c11 $sanflags -I"$work/pc" -o "$output" \
    "$work/consumer/main.c" "$work/pc/greeter.zidl.c" $(pkg-config --cflags zactor) "$@"
}
# Shared, the linker's choice for -lzactor-rt; found at run time through
# LD_LIBRARY_PATH, as a program in a prefix outside the loader's path would.
# shellcheck disable=SC2046
pc_build "$work/pc/greeter-shared" $(pkg-config --libs zactor)
expect_shared "$work/pc/greeter-shared"
LD_LIBRARY_PATH="$libdir" "$work/pc/greeter-shared" | grep -q "greeted 55 times" \
  || fail "pkg-config shared build failed"
# Static: --static adds the archive's dependencies; the archive is named
# with -l: since -lzactor-rt would take the .so beside it (README.md).
static_libs=$(pkg-config --static --libs zactor | sed 's/-lzactor-rt\b/-l:libzactor-rt.a/')
# shellcheck disable=SC2086
pc_build "$work/pc/greeter-static" $static_libs
expect_static "$work/pc/greeter-static"
"$work/pc/greeter-static" | grep -q "greeted 55 times" || fail "pkg-config static build failed"
# The README's minimal example, with its own CMakeLists.txt, unchanged.
cmake -S "$src/examples/counter" -B "$work/counter-build" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_C_FLAGS="$sanflags" -DCMAKE_EXE_LINKER_FLAGS="$sanflags" >/dev/null
cmake --build "$work/counter-build" >/dev/null 2>&1 || fail "README example did not build"
[ "$("$work/counter-build/counter")" = 5050 ] || fail "README example printed the wrong total"

echo "install, $soname and its exports, find_package (static and shared), rebuild-on-change and pkg-config (shared and static): OK"
