#!/bin/sh
# newlib.sh OUTDIR - build newlib for the kernel from Debian's newlib-source
# tarball into OUTDIR (OUTDIR/x86_64-elf/{include,lib}).  The host gcc does
# the cross build: the target is bare x86-64 ELF, which is what it emits.
# The flags match the kernel's: no red zone (interrupts), no PIE, frame
# pointers for backtraces.  C99 formats: %zu, %jd, %td, %hhu work in printf
# (without them newlib's printf prints 'zu' and shifts every later argument).
set -eu
out=$(realpath -m "$1")
src=/usr/src/newlib
tarball=$(ls "$src"/newlib-*.tar.xz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "newlib: no tarball in $src (make deps)" >&2; exit 1; }

work="$out.work"
rm -rf "$work" "$out"
mkdir -p "$work/src" "$work/build"
tar -xf "$tarball" -C "$work/src" --strip-components=1
cd "$work/build"
echo "newlib: configuring $(basename "$tarball")"
"$work/src/configure" --target=x86_64-elf --prefix="$out" \
	--disable-multilib --disable-newlib-supplied-syscalls \
	--enable-newlib-io-long-long --enable-newlib-io-c99-formats \
	--disable-newlib-multithread \
	CC_FOR_TARGET=gcc AR_FOR_TARGET=ar AS_FOR_TARGET=as LD_FOR_TARGET=ld \
	NM_FOR_TARGET=nm RANLIB_FOR_TARGET=ranlib OBJDUMP_FOR_TARGET=objdump \
	READELF_FOR_TARGET=readelf STRIP_FOR_TARGET=strip \
	CFLAGS_FOR_TARGET="-O2 -g -ffreestanding -fno-pie -fno-pic -mno-red-zone \
-fno-stack-protector -fno-omit-frame-pointer" >configure.log 2>&1 ||
	{ tail -n 30 configure.log >&2; exit 1; }
echo "newlib: building (about a minute)"
make -j"$(nproc)" all-target-newlib >build.log 2>&1 || { tail -n 30 build.log >&2; exit 1; }
make install-target-newlib >install.log 2>&1 || { tail -n 30 install.log >&2; exit 1; }
rm -rf "$work"
echo "newlib: installed in $out"
