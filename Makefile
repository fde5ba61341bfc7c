# dormant - one entry point: deps, all, run, run-hvsim, run-kvm, test, bench, image, vhdx.
# This is meant to stay a boring makefile: explicit rules, no recursion.

BUILD   := build
NEWLIB  := $(BUILD)/newlib
NLTARGET := $(NEWLIB)/x86_64-elf
OVMF_CODE ?= /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS ?= /usr/share/OVMF/OVMF_VARS_4M.fd
FONT    ?= /usr/share/consolefonts/Lat15-VGA16.psf.gz

MEM     ?= 512M
# The hibernation partition on the built images (scripts/mkimage.sh): a
# little more than the VM's memory, e.g. HIBERNATE_MIB=4200 for MEM=4G.
HIBERNATE_MIB ?= 576
SMP     ?= 1
QEMU_EXTRA ?=
# CMDLINE has no default: given (even empty), it is written to the disk
# that boots; omitted, that disk keeps the command line it has.

CC      := gcc
LIBGCC  := $(shell $(CC) -print-libgcc-file-name)
GCCINC  := $(shell $(CC) -print-file-name=include)
WARN    := -Wall -Wextra -Werror

# Kernel and application: bare metal, identity mapped at 16 MiB.
KCFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pie -fno-pic \
	-mno-red-zone -fstack-protector-strong -mstack-protector-guard=global -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-optimize-sibling-calls \
	-fno-asynchronous-unwind-tables -mcmodel=small \
	-nostdinc -isystem $(NLTARGET)/include -isystem $(GCCINC) -Iinclude -MMD -MP
KLDFLAGS := -nostdlib -static -no-pie -Wl,-T,linker.ld \
	-Wl,-z,max-page-size=4096 -Wl,--build-id=none -Wl,-z,noexecstack

# UEFI loader: GNU-EFI, PE32+ via objcopy.
EFIINC  := /usr/include/efi
EFILIB  := /usr/lib
ECFLAGS := -std=gnu11 -O2 $(WARN) -fpic -ffreestanding -fno-stack-protector \
	-fno-stack-check -fshort-wchar -mno-red-zone -maccumulate-outgoing-args \
	-DGNU_EFI_USE_MS_ABI -I$(EFIINC) -I$(EFIINC)/x86_64 -MMD -MP

# hv/ without its hardware seam, and the emulated host's core: shared by
# the real kernel, the hvsim test kernel and the host tests.
HV_GUEST := $(filter-out hv/seam_hw.c,$(wildcard hv/*.c))
HVSIM    := tests/hvsim/core.c tests/hvsim/synic.c tests/hvsim/timers.c tests/hvsim/seam.c
KSRC    := $(filter-out kernel/ktest_%.c,$(wildcard kernel/*.c)) $(HV_GUEST) $(wildcard vmbus/*.c) $(wildcard drivers/*.c) $(wildcard app/*.c)
KASM    := $(wildcard kernel/*.S) $(wildcard hv/*.S) $(wildcard snapshot/*.S)
KOBJ_COMMON := $(KSRC:%.c=$(BUILD)/%.o) $(KASM:%.S=$(BUILD)/%.o) $(BUILD)/font.o
# snapshot/ and Debian's LZ4 with the kernel's flags (issue 10; rules
# under "hibernation image" below).
SNAP_SRC := $(filter-out snapshot/ktest_%.c,$(wildcard snapshot/*.c))
KOBJ_COMMON += $(SNAP_SRC:%.c=$(BUILD)/%.o) $(BUILD)/deps/lz4.o
# The real kernel reaches the hypervisor through the instructions; the
# hvsim test kernel through the emulated host (tests/hvsim).
KOBJ    := $(KOBJ_COMMON) $(BUILD)/hv/seam_hw.o
# (the KTEST self-tests only in the plain kernel: the hvsim scenarios pin their
# KTAP numbers)
KTEST_OBJ := $(BUILD)/snapshot/ktest_image.o $(BUILD)/snapshot/ktest_restore.o \
	$(BUILD)/kernel/ktest_kstack.o
KOBJ    += $(KTEST_OBJ)
SIMSRC  := $(HVSIM) tests/hvsim/kglue.c tests/hvsim/vmbus_host.c tests/hvsim/vmbus_hring.c \
	tests/hvsim/ic_host.c tests/hvsim/admin.c \
	tests/hvsim/balloon_host.c tests/hvsim/kbd_host.c tests/hvsim/kvp_host.c tests/hvsim/admin_dev.c \
	tests/hvsim/hotadd_pool.c \
	tests/hvsim/storvsp.c tests/hvsim/hostdisk.c tests/hvsim/wcache.c
KOBJ_SIM := $(KOBJ_COMMON) $(SIMSRC:%.c=$(BUILD)/%.o)
BSRC    := boot/loader.c boot/bootmem.c boot/elfimage.c boot/efi_libc.c
BOBJ    := $(BSRC:%.c=$(BUILD)/%.o) $(BUILD)/boot/handoff.o

NEWLIB_STAMP := $(NEWLIB)/.built
DEPS_STAMP   := $(BUILD)/.deps

.PHONY: all deps image vhdx run run-hvsim run-kvm test unit coverage bench clean distclean
.PHONY: fuzz fuzz-short fuzz-build fuzz-merge fuzz-coverage soak powercut
all: $(BUILD)/BOOTX64.EFI $(BUILD)/dormant.elf $(BUILD)/dormant.img $(BUILD)/dormant-hvsim.img

deps: $(DEPS_STAMP) $(NEWLIB_STAMP)

$(DEPS_STAMP): scripts/deps.sh
	@mkdir -p $(BUILD)
	sh scripts/deps.sh
	@touch $@

$(NEWLIB_STAMP): scripts/newlib.sh | $(DEPS_STAMP)
	sh scripts/newlib.sh $(NEWLIB)
	@touch $@

# --- kernel ---------------------------------------------------------------

# Flags live here: a change to this file rebuilds everything.
$(KOBJ) $(KOBJ_SIM) $(BOBJ): Makefile

$(BUILD)/%.o: %.c $(NEWLIB_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/%.o: %.S $(NEWLIB_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/font.c: scripts/mkfont.py $(FONT) | $(DEPS_STAMP)
	@mkdir -p $(BUILD)
	python3 scripts/mkfont.py $(FONT) $@

$(BUILD)/font.o: $(BUILD)/font.c
	$(CC) $(KCFLAGS) -c $< -o $@

KLIBS := -Wl,--start-group $(NLTARGET)/lib/libc.a $(NLTARGET)/lib/libm.a $(LIBGCC) -Wl,--end-group

# Two links: the second carries the symbol table made from the first.
# The table sits after all code, so no function moves; checked below.
# Last, kcsum writes the checksum of the loaded contents into the kernel's
# build-id record (boot/bootinfo.h), which the loader verifies.
# $(call link_kernel,OUTPUT,OBJECTS)
define link_kernel
	sh scripts/mksyms.sh - $(1).syms0.S
	$(CC) -c $(1).syms0.S -o $(1).syms0.o
	$(CC) $(KLDFLAGS) -o $(1).pass1 $(2) $(1).syms0.o $(KLIBS)
	sh scripts/mksyms.sh $(1).pass1 $(1).syms.S
	$(CC) -c $(1).syms.S -o $(1).syms.o
	$(CC) $(KLDFLAGS) -o $(1) $(2) $(1).syms.o $(KLIBS)
	@nm -n $(1).pass1 | grep -i ' t ' > $(1).syms1.txt
	@nm -n $(1) | grep -i ' t ' > $(1).syms2.txt
	@cmp -s $(1).syms1.txt $(1).syms2.txt || \
		{ echo "ksyms: functions moved between links" >&2; rm -f $(1); exit 1; }
	$(KCSUM) $(1) || { rm -f $(1); exit 1; }
endef

KCSUM := $(BUILD)/tools/kcsum
$(KCSUM): boot/kcsum.c boot/elfimage.c boot/elfimage.h boot/bootinfo.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) -Iboot -o $@ boot/kcsum.c boot/elfimage.c

$(BUILD)/dormant.elf: $(KOBJ) linker.ld scripts/mksyms.sh $(KCSUM)
	$(call link_kernel,$@,$(KOBJ))

$(BUILD)/dormant-hvsim.elf: $(KOBJ_SIM) linker.ld scripts/mksyms.sh $(KCSUM)
	$(call link_kernel,$@,$(KOBJ_SIM))

# --- loader ---------------------------------------------------------------

$(BUILD)/boot/%.o: boot/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ECFLAGS) -c $< -o $@

$(BUILD)/boot/handoff.o: boot/handoff.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(BUILD)/loader.so: $(BOBJ)
	ld -shared -Bsymbolic -nostdlib -znocombreloc -T $(EFILIB)/elf_x86_64_efi.lds \
		$(EFILIB)/crt0-efi-x86_64.o $(BOBJ) -o $@ -L$(EFILIB) -lefi -lgnuefi $(LIBGCC)

$(BUILD)/BOOTX64.EFI: $(BUILD)/loader.so
	objcopy -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym \
		-j .rel -j .rela -j '.rel.*' -j '.rela.*' -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

# --- disk images ----------------------------------------------------------

# The built images carry an empty command line; the disks that boot (run
# disks, test copies, the VHDX) get theirs written in.
$(BUILD)/dormant.img: $(BUILD)/BOOTX64.EFI $(BUILD)/dormant.elf scripts/mkimage.sh
	sh scripts/mkimage.sh $@ $(BUILD)/BOOTX64.EFI $(BUILD)/dormant.elf "" $(HIBERNATE_MIB)

# The test image: the same kernel on the emulated Hyper-V host.
$(BUILD)/dormant-hvsim.img: $(BUILD)/BOOTX64.EFI $(BUILD)/dormant-hvsim.elf scripts/mkimage.sh
	sh scripts/mkimage.sh $@ $(BUILD)/BOOTX64.EFI $(BUILD)/dormant-hvsim.elf "" $(HIBERNATE_MIB)

image: $(BUILD)/dormant.img

# CMDLINE given: a copy of the image with it written in is converted.
# (Always remade: the command line is not a file make can compare.)
vhdx: deps all
	cp --sparse=always $(BUILD)/dormant.img $(BUILD)/vhdx-src.img
	$(if $(CMDLINE_GIVEN),printf '%s\n' "$(CMDLINE)" > $(BUILD)/vhdx-cmdline.txt && \
		mcopy -o -i $(BUILD)/vhdx-src.img@@1M $(BUILD)/vhdx-cmdline.txt ::/dormant/cmdline.txt)
	qemu-img convert -f raw -O vhdx -o subformat=dynamic $(BUILD)/vhdx-src.img $(BUILD)/dormant.vhdx
	rm -f $(BUILD)/vhdx-src.img $(BUILD)/vhdx-cmdline.txt
	@echo "vhdx: $(BUILD)/dormant.vhdx"

# --- running --------------------------------------------------------------

# The disk is virtio-blk (OVMF boots from it), so the kernel can reach
# the disk it booted from.
# $(call qemu,IMAGE)
qemu = qemu-system-x86_64 -machine q35 -m $(MEM) -smp $(SMP) \
	-drive if=pflash,format=raw,readonly=on,file=$(OVMF_CODE) \
	-drive if=pflash,format=raw,file=$(RUN_VARS) \
	-drive file=$(1),format=raw,if=none,id=disk0 \
	-device virtio-blk-pci,drive=disk0,bootindex=1 \
	-serial mon:stdio -display none -net none

# Hyper-V enlightenments KVM can offer (QEMU docs/hyperv.txt names).
HV_FLAGS := hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer,hv-stimer-direct,hv-frequencies,hv-reset,hv-crash

RUN_VARS ?= $(BUILD)/OVMF_VARS.fd
$(RUN_VARS): | $(DEPS_STAMP)
	cp $(OVMF_VARS) $@

# make run boots a disk that persists between runs (scripts/rundisk.sh):
# RUN_IMG, made from build/dormant.img when missing or with FRESH=1.
CMDLINE_GIVEN := $(filter-out undefined,$(origin CMDLINE))
RUN_IMG ?= $(BUILD)/run.img
run: deps all $(RUN_VARS)
	sh scripts/rundisk.sh $(RUN_IMG) $(BUILD)/dormant.img $(BUILD)/BOOTX64.EFI \
		$(BUILD)/dormant.elf $(if $(CMDLINE_GIVEN),"$(CMDLINE)")
	@echo "dormant: booting under QEMU (software CPU); quit with Ctrl-A x"
	$(call qemu,$(RUN_IMG)) -accel tcg $(QEMU_EXTRA)

# The same demo on the emulated Hyper-V host, on a disk of its own.
# HVSIM_PROFILE=current|old or CMDLINE given: the command line becomes
# "hvsim=PROFILE CMDLINE"; neither given: the disk keeps its own.
RUN_HVSIM_IMG ?= $(BUILD)/run-hvsim.img
HVSIM_GIVEN := $(filter-out undefined,$(origin HVSIM_PROFILE))$(CMDLINE_GIVEN)
HVSIM_PROFILE ?= current
# COM2, the emulated host's administrator console, is a Unix socket.
HVSIM_ADMIN ?= $(BUILD)/hvsim-admin.sock
run-hvsim: deps all $(RUN_VARS)
	sh scripts/rundisk.sh $(RUN_HVSIM_IMG) $(BUILD)/dormant-hvsim.img $(BUILD)/BOOTX64.EFI \
		$(BUILD)/dormant-hvsim.elf $(if $(HVSIM_GIVEN),"hvsim=$(HVSIM_PROFILE) $(CMDLINE)")
	@echo "dormant: booting on the emulated Hyper-V host; quit with Ctrl-A x"
	@echo "dormant: the host's administrator console (COM2): socat -,rawer,escape=0x1d UNIX-CONNECT:$(HVSIM_ADMIN)"
	$(call qemu,$(RUN_HVSIM_IMG)) -accel tcg \
		-chardev socket,id=admin,path=$(HVSIM_ADMIN),server=on,wait=off \
		-serial chardev:admin $(QEMU_EXTRA)

# The real Hyper-V path through KVM's enlightenments; unverified on this
# project's machines (their KVM cannot run OVMF).  Boots the run disk.
run-kvm: deps all $(RUN_VARS)
	sh scripts/rundisk.sh $(RUN_IMG) $(BUILD)/dormant.img $(BUILD)/BOOTX64.EFI \
		$(BUILD)/dormant.elf $(if $(CMDLINE_GIVEN),"$(CMDLINE)")
	$(call qemu,$(RUN_IMG)) -accel kvm -cpu host,$(HV_FLAGS) \
		-device vmbus-bridge $(QEMU_EXTRA)

# --- tests ----------------------------------------------------------------

UNIT_TESTS := frame heap aml fmt cmdline bootmem elfimage hv
UNIT_TESTS += vmbus_ring vmbus_wire vmbus_client vmbus_pm scsi gpt virtq storvsc balloon kbd kvp
UNIT_TESTS += image image_check restore_plan wcache
UNIT_BINS  := $(UNIT_TESTS:%=$(BUILD)/tests/test_%)
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Ikernel -Iboot -fsanitize=address,undefined \
	-fno-sanitize-recover=all

$(BUILD)/tests/test_frame: kernel/frame.c
$(BUILD)/tests/test_heap: kernel/heap.c
$(BUILD)/tests/test_aml: kernel/aml.c
$(BUILD)/tests/test_fmt: kernel/fmt.c
$(BUILD)/tests/test_cmdline: kernel/cmdline.c kernel/fmt.c
$(BUILD)/tests/test_bootmem: boot/bootmem.c
$(BUILD)/tests/test_elfimage: boot/elfimage.c
$(BUILD)/tests/test_hv: $(HV_GUEST) $(HVSIM) tests/unit/hv_host.c kernel/pm.c
$(BUILD)/tests/test_vmbus_ring: vmbus/ring.c
$(BUILD)/tests/test_vmbus_wire: vmbus/msg.c
$(BUILD)/tests/test_scsi: drivers/scsi.c
$(BUILD)/tests/test_gpt: drivers/gpt.c drivers/crc32.c drivers/gpt_scan.c drivers/blk.c kernel/fmt.c \
	kernel/wait.c
$(BUILD)/tests/test_virtq: drivers/virtq.c
$(BUILD)/tests/test_storvsc: drivers/storvsc_status.c drivers/scsi.c kernel/fmt.c
# The guest's client and IC drivers with the emulated host's VMBus server.
VMBUS_HOST := tests/hvsim/vmbus_host.c tests/hvsim/vmbus_hring.c tests/hvsim/ic_host.c \
	tests/hvsim/balloon_host.c tests/hvsim/kbd_host.c tests/hvsim/kvp_host.c \
	tests/hvsim/storvsp.c
# (drivers/ without the PCI and virtio ones, which need the hardware, and the
# application API)
VMBUS_DRIVERS := $(filter-out drivers/pci.c drivers/virtio%.c drivers/virtq.c drivers/blktest.c drivers/blk_api.c,\
	$(wildcard drivers/*.c))
# (also fuzz_vmbus_dispatch's; none of it needs cmocka)
VMBUS_ENV_SRC := $(HV_GUEST) $(HVSIM) $(wildcard vmbus/*.c) $(VMBUS_DRIVERS) \
	$(VMBUS_HOST) kernel/fmt.c kernel/wait.c kernel/frame.c kernel/input.c kernel/cmdline.c kernel/pm.c \
	tests/unit/hv_host.c tests/unit/vmbus_env.c
$(BUILD)/tests/test_vmbus_client: $(VMBUS_ENV_SRC)
# Hibernation's suspend and resume of hv/, vmbus/ and the drivers, against
# the same host and against a fresh one (a new VM too).
$(BUILD)/tests/test_vmbus_pm: $(VMBUS_ENV_SRC)
$(BUILD)/tests/test_vmbus_pm: HOST_CFLAGS += -Iinclude $(HOST_INITCALLS)
# Dynamic Memory accounting: the guest's driver against the host's back-end.
$(BUILD)/tests/test_balloon: $(VMBUS_ENV_SRC)
$(BUILD)/tests/test_balloon: HOST_CFLAGS += -Iinclude $(HOST_INITCALLS)
$(BUILD)/tests/test_kbd: drivers/kbd_decode.c
# The emulated host disks' volatile write cache (the power-cut campaign).
$(BUILD)/tests/test_wcache: tests/hvsim/wcache.c
$(BUILD)/tests/test_kvp: drivers/kvp_pool.c kernel/fmt.c
# Initcall tables the host linker can bound (kernel/initcall.h).
HOST_INITCALLS := -DINITCALL_SECTION='"host_initcall"' -DKTEST_SECTION='"host_ktest"' \
	-DKTEST_LATE_SECTION='"host_ktest"'
$(BUILD)/tests/test_vmbus_client: HOST_CFLAGS += -Iinclude $(HOST_INITCALLS)

$(UNIT_BINS): $(wildcard kernel/*.h include/*.h hv/*.h boot/*.h tests/hvsim/*.h tests/unit/*.h) Makefile
$(UNIT_BINS): $(wildcard vmbus/*.h drivers/*.h)

$(BUILD)/tests/test_%: tests/unit/test_%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $(filter %.c,$^) -lcmocka

unit: $(UNIT_BINS)

# Line and branch coverage of the files under test by the host tests (clang).
# (test_elfimage also checks the built kernel.)
coverage: deps all
	sh scripts/coverage.sh $(BUILD)/coverage

# libFuzzer harnesses (clang) for every parser of host input: tests/fuzz/.
# make fuzz runs each (FUZZ_ONLY="a b": those) for FUZZ_SECONDS s and/or
# FUZZ_RUNS executions (neither: 60 s), one after the other at the lowest
# priority, growing FUZZ_CORPUS/NAME (kept across runs: a campaign spans
# sessions) from the committed seeds in tests/fuzz/corpus/NAME, and ends
# with one line per harness: "fuzz: NAME execs=N crashes=N" (non-zero exit
# on a crash); scripts/fuzz.sh.  make fuzz-merge adds what reached new
# coverage to the committed seeds; make fuzz-coverage prints the branches
# of each harness's parsers its corpus reaches, HTML in build/fuzz/coverage.
FUZZ_HARNESSES := vmbus_ring vmbus_msg ic scsi vmbus_dispatch gpt storvsc balloon kbd kvp
FUZZ_HARNESSES += image_reader storvsc_chan
FUZZ_ONLY ?= $(FUZZ_HARNESSES)
FUZZ_SECONDS ?=
FUZZ_RUNS ?=
FUZZ_CORPUS ?= $(BUILD)/fuzz/corpus
FUZZ_BINS := $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_COV_BINS := $(FUZZ_HARNESSES:%=$(BUILD)/fuzz-cov/fuzz_%)
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN)
# The fuzzing build: sanitizers, coverage feedback without the test
# environment (nocov.txt); the coverage build: clang's source-based
# coverage, libFuzzer only for its main.
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fsanitize-coverage-ignorelist=tests/fuzz/nocov.txt
FUZZ_COV := -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping
# Both builds of harness $(1).
fuzz_bins = $(BUILD)/fuzz/fuzz_$(1) $(BUILD)/fuzz-cov/fuzz_$(1)

$(call fuzz_bins,vmbus_ring): vmbus/ring.c
$(call fuzz_bins,vmbus_msg): vmbus/msg.c
$(call fuzz_bins,scsi): drivers/scsi.c
$(call fuzz_bins,gpt): drivers/gpt.c drivers/crc32.c
$(call fuzz_bins,storvsc): drivers/storvsc_status.c drivers/scsi.c kernel/fmt.c
$(call fuzz_bins,ic): drivers/ic.c drivers/heartbeat.c drivers/shutdown.c drivers/timesync.c \
	drivers/ic_decline.c drivers/kvp.c drivers/kvp_pool.c kernel/fmt.c
$(call fuzz_bins,ic): FUZZ_CFLAGS += -Iinclude $(HOST_INITCALLS)
$(call fuzz_bins,balloon): drivers/balloon.c drivers/balloon_ops.c kernel/frame.c
$(call fuzz_bins,balloon): FUZZ_CFLAGS += -Iinclude $(HOST_INITCALLS)
$(call fuzz_bins,kbd): drivers/hv_kbd.c drivers/kbd_decode.c kernel/input.c
$(call fuzz_bins,kbd): FUZZ_CFLAGS += -Iinclude $(HOST_INITCALLS)
$(call fuzz_bins,kvp): drivers/kvp_pool.c kernel/fmt.c
# The storvsc channel with the fuzzer as the host (completions, scans, GPT).
$(call fuzz_bins,storvsc_chan): drivers/storvsc.c drivers/storvsc_scan.c drivers/storvsc_status.c \
	drivers/scsi.c drivers/gpt.c drivers/gpt_scan.c drivers/crc32.c drivers/blk.c vmbus/ring.c \
	kernel/fmt.c kernel/wait.c kernel/cmdline.c
$(call fuzz_bins,storvsc_chan): FUZZ_CFLAGS += -Iinclude $(HOST_INITCALLS)
# The guest's whole control-message path on the emulated host.
$(call fuzz_bins,vmbus_dispatch): $(VMBUS_ENV_SRC)
$(call fuzz_bins,vmbus_dispatch): FUZZ_CFLAGS += -Ikernel -Iboot -Iinclude $(HOST_INITCALLS)
$(call fuzz_bins,vmbus_dispatch): $(wildcard kernel/*.h include/*.h hv/*.h tests/hvsim/*.h tests/unit/*.h)

$(FUZZ_BINS) $(FUZZ_COV_BINS): $(wildcard vmbus/*.h drivers/*.h tests/fuzz/*.h) Makefile \
	tests/fuzz/nocov.txt

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(FUZZ_SAN) -o $@ $(filter %.c,$^)

$(BUILD)/fuzz-cov/fuzz_%: tests/fuzz/fuzz_%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(FUZZ_COV) -o $@ $(filter %.c,$^)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_ONLY:%=$(BUILD)/fuzz/fuzz_%)
	sh scripts/fuzz.sh $(if $(FUZZ_SECONDS),-s $(FUZZ_SECONDS)) $(if $(FUZZ_RUNS),-r $(FUZZ_RUNS)) \
		-c $(FUZZ_CORPUS) $(BUILD)/fuzz $(FUZZ_ONLY)

fuzz-short: $(FUZZ_ONLY:%=$(BUILD)/fuzz/fuzz_%)
	sh scripts/fuzz.sh -s 5 -c $(FUZZ_CORPUS) $(BUILD)/fuzz $(FUZZ_ONLY)

fuzz-merge: $(FUZZ_ONLY:%=$(BUILD)/fuzz/fuzz_%)
	sh scripts/fuzz_merge.sh $(FUZZ_CORPUS) $(BUILD)/fuzz $(FUZZ_ONLY)

fuzz-coverage: $(FUZZ_ONLY:%=$(BUILD)/fuzz-cov/fuzz_%)
	sh scripts/fuzz_coverage.sh $(BUILD)/fuzz-cov $(FUZZ_CORPUS) $(BUILD)/fuzz/coverage $(FUZZ_ONLY)

test: deps all unit fuzz-build
	python3 tests/run.py --build $(BUILD) --ovmf-code $(OVMF_CODE) --ovmf-vars $(OVMF_VARS)

# The reliability campaign's long runs (README "Reliability"): hibernate /
# resume cycles with the state verified after each, and power cuts at
# random moments of a hibernation, on plain QEMU and on hvsim side by side.
CYCLES ?= 50
RUNS   ?= 30
soak: deps all
	python3 tests/reliability.py soak --build $(BUILD) --cycles $(CYCLES)

powercut: deps all
	python3 tests/reliability.py powercut --build $(BUILD) --runs $(RUNS)

bench: deps all
	python3 tests/bench.py --build $(BUILD) --ovmf-code $(OVMF_CODE) --ovmf-vars $(OVMF_VARS) \
		--mem $(MEM)

# --- hibernation image (issue 10) -----------------------------------------

# LZ4 from Debian's source package, fetched by apt-get source at build
# time (scripts/lz4.sh), never kept in the repository.  The kernel gets
# its own object: freestanding, the kernel's flags, no allocation (only
# the extState entry points are called, with a state in volatile memory).
# xxHash is libxxhash-dev's header.  DEPS_INC links both headers, and only
# them, for code that includes <lz4.h> or <xxhash.h>: lz4's tarball has an
# xxhash.h of its own, which must not be found instead.
LZ4_DIR   := $(BUILD)/deps/lz4
LZ4_STAMP := $(LZ4_DIR)/.fetched
LZ4_SRC   := $(LZ4_DIR)/lib/lz4.c
DEPS_INC  := $(BUILD)/deps/include
LZ4_KFLAGS := -DLZ4_FREESTANDING=1 -DLZ4_memcpy=__builtin_memcpy \
	-DLZ4_memmove=__builtin_memmove -DLZ4_memset=__builtin_memset \
	-DLZ4_STATIC_LINKING_ONLY_DISABLE_MEMORY_ALLOCATION
SNAP_KOBJ := $(SNAP_SRC:%.c=$(BUILD)/%.o) $(BUILD)/snapshot/ktest_image.o \
	$(BUILD)/snapshot/ktest_restore.o
# The pure files, shared by the kernel, the host tests and the fuzz harness.
SNAP_HOST := snapshot/image_csum.c snapshot/image_write.c snapshot/image_check.c \
	snapshot/image_read.c

$(LZ4_STAMP): scripts/lz4.sh | $(DEPS_STAMP)
	sh scripts/lz4.sh $(LZ4_DIR)
	@touch $@ && touch -r $@ $(LZ4_SRC)
$(LZ4_SRC): $(LZ4_STAMP) ;

$(DEPS_INC)/.linked: $(LZ4_STAMP)
	@mkdir -p $(DEPS_INC)
	ln -sf $(abspath $(LZ4_DIR))/lib/lz4.h $(DEPS_INC)/lz4.h
	ln -sf /usr/include/xxhash.h $(DEPS_INC)/xxhash.h
	@touch $@

$(BUILD)/deps/lz4.o: $(LZ4_SRC) $(NEWLIB_STAMP) Makefile
	$(CC) $(KCFLAGS) $(LZ4_KFLAGS) -c $< -o $@

$(SNAP_KOBJ): KCFLAGS += -I$(DEPS_INC)
$(SNAP_KOBJ): $(DEPS_INC)/.linked

$(BUILD)/tests/test_image $(BUILD)/tests/test_image_check: $(SNAP_HOST) $(LZ4_SRC) tests/unit/image_env.c \
	$(DEPS_INC)/.linked
$(BUILD)/tests/test_image $(BUILD)/tests/test_image_check: HOST_CFLAGS += -I$(DEPS_INC)
$(BUILD)/tests/test_restore_plan: snapshot/restore_plan.c
$(UNIT_BINS) $(FUZZ_BINS) $(FUZZ_COV_BINS): $(wildcard snapshot/*.h)

$(call fuzz_bins,image_reader): $(SNAP_HOST) snapshot/restore_plan.c $(LZ4_SRC) $(DEPS_INC)/.linked
$(call fuzz_bins,image_reader): FUZZ_CFLAGS += -I$(DEPS_INC)

# The fuzz seeds come from real images made by this host tool:
#   build/tools/mkimgseed tests/fuzz/corpus/image_reader
$(BUILD)/tools/mkimgseed: tests/fuzz/mkimgseed.c $(SNAP_HOST) $(LZ4_SRC) $(DEPS_INC)/.linked
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) -I$(DEPS_INC) -o $@ $(filter %.c,$^)

clean:
	rm -rf $(filter-out $(NEWLIB) $(DEPS_STAMP),$(wildcard $(BUILD)/*))

distclean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/snapshot/*.d $(BUILD)/deps/*.d)
-include $(wildcard $(BUILD)/kernel/*.d $(BUILD)/hv/*.d $(BUILD)/vmbus/*.d $(BUILD)/drivers/*.d $(BUILD)/app/*.d $(BUILD)/boot/*.d $(BUILD)/tests/hvsim/*.d)
