# dormant - one entry point: deps, all, run, run-hvsim, run-kvm, test, bench, image, vhdx.
# This is meant to stay a boring makefile: explicit rules, no recursion.

BUILD   := build
NEWLIB  := $(BUILD)/newlib
NLTARGET := $(NEWLIB)/x86_64-elf
OVMF_CODE ?= /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS ?= /usr/share/OVMF/OVMF_VARS_4M.fd
FONT    ?= /usr/share/consolefonts/Lat15-VGA16.psf.gz

MEM     ?= 512M
SMP     ?= 1
CMDLINE ?=
QEMU_EXTRA ?=

CC      := gcc
LIBGCC  := $(shell $(CC) -print-libgcc-file-name)
GCCINC  := $(shell $(CC) -print-file-name=include)
WARN    := -Wall -Wextra -Werror

# Kernel and application: bare metal, identity mapped at 16 MiB.
KCFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pie -fno-pic \
	-mno-red-zone -fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-optimize-sibling-calls \
	-fno-asynchronous-unwind-tables -mcmodel=small \
	-nostdinc -isystem $(NLTARGET)/include -isystem $(GCCINC) -MMD -MP
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
KSRC    := $(wildcard kernel/*.c) $(HV_GUEST) $(wildcard app/*.c)
KASM    := $(wildcard kernel/*.S) $(wildcard hv/*.S)
KOBJ_COMMON := $(KSRC:%.c=$(BUILD)/%.o) $(KASM:%.S=$(BUILD)/%.o) $(BUILD)/font.o
# The real kernel reaches the hypervisor through the instructions; the
# hvsim test kernel through the emulated host (tests/hvsim).
KOBJ    := $(KOBJ_COMMON) $(BUILD)/hv/seam_hw.o
SIMSRC  := $(HVSIM) tests/hvsim/kglue.c
KOBJ_SIM := $(KOBJ_COMMON) $(SIMSRC:%.c=$(BUILD)/%.o)
BSRC    := boot/loader.c boot/bootmem.c boot/elfimage.c boot/efi_libc.c
BOBJ    := $(BSRC:%.c=$(BUILD)/%.o) $(BUILD)/boot/handoff.o

NEWLIB_STAMP := $(NEWLIB)/.built
DEPS_STAMP   := $(BUILD)/.deps

.PHONY: all deps image vhdx run run-hvsim run-kvm test unit bench clean distclean
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
endef

$(BUILD)/dormant.elf: $(KOBJ) linker.ld scripts/mksyms.sh
	$(call link_kernel,$@,$(KOBJ))

$(BUILD)/dormant-hvsim.elf: $(KOBJ_SIM) linker.ld scripts/mksyms.sh
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

$(BUILD)/dormant.img: $(BUILD)/BOOTX64.EFI $(BUILD)/dormant.elf scripts/mkimage.sh
	sh scripts/mkimage.sh $@ $(BUILD)/BOOTX64.EFI $(BUILD)/dormant.elf "$(CMDLINE)"

# The test image: the same kernel on the emulated Hyper-V host.
$(BUILD)/dormant-hvsim.img: $(BUILD)/BOOTX64.EFI $(BUILD)/dormant-hvsim.elf scripts/mkimage.sh
	sh scripts/mkimage.sh $@ $(BUILD)/BOOTX64.EFI $(BUILD)/dormant-hvsim.elf "$(CMDLINE)"

image: $(BUILD)/dormant.img

vhdx: $(BUILD)/dormant.vhdx
$(BUILD)/dormant.vhdx: $(BUILD)/dormant.img
	qemu-img convert -f raw -O vhdx -o subformat=dynamic $< $@

# --- running --------------------------------------------------------------

# $(call qemu,IMAGE)
qemu = qemu-system-x86_64 -machine q35 -m $(MEM) -smp $(SMP) \
	-drive if=pflash,format=raw,readonly=on,file=$(OVMF_CODE) \
	-drive if=pflash,format=raw,file=$(BUILD)/OVMF_VARS.fd \
	-drive file=$(1),format=raw,if=ide \
	-serial mon:stdio -display none -net none

# Hyper-V enlightenments KVM can offer (QEMU docs/hyperv.txt names).
HV_FLAGS := hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer,hv-stimer-direct,hv-frequencies,hv-reset,hv-crash

$(BUILD)/OVMF_VARS.fd: | $(DEPS_STAMP)
	cp $(OVMF_VARS) $@

run: deps all $(BUILD)/OVMF_VARS.fd
	@echo "dormant: booting under QEMU (software CPU); quit with Ctrl-A x"
	$(call qemu,$(BUILD)/dormant.img) -accel tcg $(QEMU_EXTRA)

# The same demo on the emulated Hyper-V host (HVSIM_PROFILE=current|old).
HVSIM_PROFILE ?= current
run-hvsim: deps all $(BUILD)/OVMF_VARS.fd
	cp $(BUILD)/dormant-hvsim.img $(BUILD)/run-hvsim.img
	printf '%s\n' "hvsim=$(HVSIM_PROFILE) $(CMDLINE)" > $(BUILD)/run-hvsim.cmdline
	mcopy -o -i $(BUILD)/run-hvsim.img@@1M $(BUILD)/run-hvsim.cmdline ::/dormant/cmdline.txt
	@echo "dormant: booting on the emulated Hyper-V host; quit with Ctrl-A x"
	$(call qemu,$(BUILD)/run-hvsim.img) -accel tcg $(QEMU_EXTRA)

# The real Hyper-V path through KVM's enlightenments; unverified on this
# project's machines (their KVM cannot run OVMF).
run-kvm: deps all $(BUILD)/OVMF_VARS.fd
	$(call qemu,$(BUILD)/dormant.img) -accel kvm -cpu host,$(HV_FLAGS) \
		-device vmbus-bridge $(QEMU_EXTRA)

# --- tests ----------------------------------------------------------------

UNIT_TESTS := frame heap aml fmt cmdline bootmem elfimage hv
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
$(BUILD)/tests/test_hv: $(HV_GUEST) $(HVSIM) tests/unit/hv_host.c

$(UNIT_BINS): $(wildcard kernel/*.h hv/*.h boot/*.h tests/hvsim/*.h tests/unit/*.h) Makefile

$(BUILD)/tests/test_%: tests/unit/test_%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $(filter %.c,$^) -lcmocka

unit: $(UNIT_BINS)

test: deps all unit $(BUILD)/OVMF_VARS.fd
	python3 tests/run.py --build $(BUILD) --ovmf-code $(OVMF_CODE) --ovmf-vars $(OVMF_VARS)

bench: deps all
	python3 tests/bench.py --build $(BUILD) --ovmf-code $(OVMF_CODE) --ovmf-vars $(OVMF_VARS)

clean:
	rm -rf $(filter-out $(NEWLIB) $(DEPS_STAMP),$(wildcard $(BUILD)/*))

distclean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/kernel/*.d $(BUILD)/hv/*.d $(BUILD)/app/*.d $(BUILD)/boot/*.d $(BUILD)/tests/hvsim/*.d)
