#!/bin/sh
# check_docs.sh ZIDLC SOURCE_DIR WORK_DIR - keeps docs/ honest (ctest `docs`).
#
# 1. Every ```zidl block of docs/*.md is compiled with zidlc, in the order
#    of its page, from one folder per page:
#    - a block whose first line is `// file: NAME.zidl` is saved under that
#      name (so that later blocks of the page may import it), any other as
#      blockN.zidl;
#    - a block whose first line is `// error: TEXT` must fail (exit status
#      1) with a diagnostic containing `error: TEXT`;
#    - a block whose first line is `// warning: TEXT` must succeed with a
#      diagnostic containing `warning: TEXT`;
#    - any other block must succeed with no diagnostic at all.
# 2. Every zactor_* / ZACTOR_* name the pages mention exists in the
#    runtime's public headers or the build files (CMake options and
#    functions); a name followed by `*` (ZACTOR_E*), or ending in `_`
#    (zactor_), is a prefix of one.
#    Every zidl_* / ZIDL_* name exists in zidl.h (or its version.h.in).
# 3. Every relative link of docs/*.md and README.md names a file that
#    exists and, with #anchor, a heading of that file.
# Prints one line per failure and exits 1 if there is any.
set -u
zidlc=$1
src=$2
work=$3
case $zidlc in /*) ;; *) zidlc=$PWD/$zidlc ;; esac
rm -rf "$work"
mkdir -p "$work"
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# ---- 1. zidl blocks ----
blocks=0
for page in "$src"/docs/*.md; do
    pname=$(basename "$page" .md)
    pdir="$work/$pname"
    mkdir -p "$pdir"
    # One line per block: "<file name> <line of the opening fence>".
    awk -v dir="$pdir" '
        /^```zidl[ \t]*$/ && !inside { inside = 1; n++; start = NR; first = 1; next }
        /^```/ && inside {
            close(out)
            print name, start
            inside = 0
            next
        }
        inside {
            if (first) {
                name = sprintf("block%d.zidl", n)
                if (match($0, /^\/\/ file: [A-Za-z0-9_.\/-]+\.zidl/))
                    name = substr($0, 10, RLENGTH - 9)
                out = dir "/" name
                printf "" > out
                first = 0
            }
            print >> out
        }
        END { if (inside) print "UNCLOSED", start }
    ' "$page" >"$pdir/blocks.list"
    while read -r file line; do
        where="docs/$pname.md:$line"
        if [ "$file" = UNCLOSED ]; then
            fail "$where: unclosed \`\`\`zidl block"
            continue
        fi
        blocks=$((blocks + 1))
        head=$(head -n 1 "$pdir/$file")
        out="$pdir/out_$line"
        (cd "$pdir" && "$zidlc" -o "$out" "$file") >"$out.stdout" 2>"$out.stderr"
        status=$?
        case "$head" in
        "// error: "*)
            want="error: ${head#// error: }"
            if [ $status -ne 1 ]; then
                fail "$where: expected zidlc to fail with '$want', exit status $status"
            elif ! grep -qF -- "$want" "$out.stderr"; then
                fail "$where: expected '$want'; zidlc said:"
                cat "$out.stderr"
            fi
            ;;
        "// warning: "*)
            want="warning: ${head#// warning: }"
            if [ $status -ne 0 ]; then
                fail "$where: expected success with '$want', exit status $status:"
                cat "$out.stderr"
            elif ! grep -qF -- "$want" "$out.stderr"; then
                fail "$where: expected '$want'; zidlc said:"
                cat "$out.stderr"
            fi
            ;;
        *)
            if [ $status -ne 0 ] || [ -s "$out.stderr" ]; then
                fail "$where: expected a clean compile, exit status $status:"
                cat "$out.stderr"
            fi
            ;;
        esac
    done <"$pdir/blocks.list"
done
if [ $blocks -eq 0 ]; then
    fail "no \`\`\`zidl block found in docs/*.md"
fi

# ---- 2. names ----
# Every identifier of the files that define the public names.
cat "$src/runtime/include/zactor/zactor.h" "$src/runtime/include/zactor/version.h.in" \
    "$src/CMakeLists.txt" "$src"/cmake/*.cmake "$src"/cmake/*.in |
    grep -o '[A-Za-z_][A-Za-z0-9_]*' >"$work/zactor.words"
# The error codes are made by ZACTOR_ERRNO_MAP: X(EDEAD, ...) is ZACTOR_EDEAD.
sed -n 's/^ *X(\([A-Z0-9]*\),.*/ZACTOR_\1/p' "$src/runtime/include/zactor/zactor.h" |
    cat - "$work/zactor.words" | sort -u >"$work/zactor.names"
cat "$src/zidl/include/zidl/zidl.h" "$src/zidl/include/zidl/version.h.in" |
    grep -o '[A-Za-z_][A-Za-z0-9_]*' | sort -u >"$work/zidl.names"
names=0
for page in "$src"/docs/*.md; do
    pname=docs/$(basename "$page")
    grep -o '\b\(zactor\|ZACTOR\|zidl\|ZIDL\)_[A-Za-z0-9_]*\**' "$page" | sort -u |
        while read -r token; do
            case "$token" in
            zidl_* | ZIDL_*) known="$work/zidl.names" ;;
            *) known="$work/zactor.names" ;;
            esac
            case "$token" in
            *'*' | *_)
                prefix=${token%%\**}
                grep -q "^$prefix" "$known" || echo "FAIL: $pname: no name starts with '$prefix'"
                ;;
            *)
                grep -qx -- "$token" "$known" || echo "FAIL: $pname: '$token' is not declared"
                ;;
            esac
        done
done >"$work/names.fail"
if [ -s "$work/names.fail" ]; then
    cat "$work/names.fail"
    failures=$((failures + $(wc -l <"$work/names.fail")))
fi

# ---- 3. links ----
# GitHub's anchors: a heading lower-cased, without punctuation but - and _,
# spaces made -.
anchors() {
    sed -n 's/^#\{1,6\} \(.*\)/\1/p' "$1" | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9 _\n-' | tr ' ' '-'
}
for page in "$src"/docs/*.md "$src/README.md"; do
    dir=$(dirname "$page")
    grep -o '](\([^)]*\))' "$page" | sed 's/^](\(.*\))$/\1/' | sort -u |
        while read -r target; do
            case "$target" in
            http://* | https://* | mailto:*) continue ;;
            esac
            file=${target%%#*}
            anchor=
            case "$target" in *'#'*) anchor=${target#*#} ;; esac
            path=$page
            [ -n "$file" ] && path=$dir/$file
            if [ ! -e "$path" ]; then
                echo "FAIL: ${page#"$src"/}: broken link '$target'"
            elif [ -n "$anchor" ] && [ -f "$path" ] && ! anchors "$path" | grep -qx -- "$anchor"; then
                echo "FAIL: ${page#"$src"/}: no heading for '$target'"
            fi
        done
done >"$work/links.fail"
if [ -s "$work/links.fail" ]; then
    cat "$work/links.fail"
    failures=$((failures + $(wc -l <"$work/links.fail")))
fi

echo "docs: $blocks zidl blocks compiled, $failures failure(s)"
[ $failures -eq 0 ]
