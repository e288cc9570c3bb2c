# SPDX-License-Identifier: MIT
# make            build build/hv.elf (the multiboot2 hypervisor image)
# make iso        hybrid BIOS+UEFI GRUB ISO, build/hv.iso
# make efi        the EFI application build/hv.efi (part of all)
# make esp        USB-stick disk image with an EFI system partition, build/esp.img
# make run        install what is missing, build, boot the demo VMs
#                 (guests/demo.cfg, or CONFIG=file) with tools/hvrun
# make test       install what is missing, build, run every test
# make unit       host unit tests only (cmocka, ASan+UBSan)
# make system     emulator tests only (Bochs, QEMU)
# make bench      benchmarks → bench/results.json
# make pg-report  the Popek-Goldberg study → build/pg-report.md, .csv
# make clean

.SECONDEXPANSION:
BUILD   := build
CC      := gcc
HOST_CC := gcc
PYTHON  := python3

HV_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 \
	-mcmodel=small -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -fno-strict-aliasing --param=min-pagesize=0 \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes -I.
HV_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,-T,linker.ld

# The hypervisor image, folder by folder.
BOOT_SRCS    := boot/entry.S boot/efi.c boot/efi_door.c boot/mb2_entry.c \
	boot/multiboot2.c boot/start.c
ARCH_SRCS    := arch/acpi.c arch/cpu.c arch/isr.S arch/lapic.c arch/mm.c \
	arch/cmos.c arch/ioapic.c arch/paging.c arch/platform.c arch/pmm.c arch/power.c arch/smp.c \
	arch/trampoline.S arch/trap.c arch/tsc.c
VMX_SRCS     := vmx/caps.c vmx/controls.c vmx/cpuid.c vmx/decode.c \
	vmx/emulate.c vmx/entry.S vmx/entry_check.c vmx/entry_fail.c vmx/exit.c \
	vmx/exit_cpuid.c vmx/exit_cr.c vmx/exit_desc.c vmx/exit_io.c vmx/exit_misc.c \
	vmx/exit_msr.c vmx/exit_table.c vmx/exit_vmcall.c vmx/guest.c \
	vmx/gwalk.c vmx/inject.c vmx/switch.c vmx/vmcs.c vmx/vmxon.c
EPT_SRCS     := ept/gpa.c ept/pt.c ept/violation.c
SCHED_SRCS   := sched/balance.c sched/cfs.c sched/rr.c sched/run.c
DRIVERS_SRCS := drivers/dmar.c drivers/pci.c drivers/pci_decode.c \
	drivers/vpt.c drivers/vtd.c drivers/vtd_selftest.c drivers/vtd_tables.c \
	drivers/pio.c drivers/testdev.c drivers/uart.c \
	drivers/vacpi_pm.c drivers/vacpi_tables.c drivers/vdebug.c \
	drivers/vfwcfg.c drivers/vioapic.c drivers/vlapic.c \
	drivers/vlapic_irq.c drivers/vlapic_timer.c drivers/vpci.c \
	drivers/vpic.c drivers/vpit.c drivers/vreset.c drivers/vrtc.c \
	drivers/vrtc_calendar.c drivers/vuart.c
GUESTS_SRCS  := guests/board.c guests/config.c guests/focus.c guests/linux.c \
	guests/passthrough.c \
	guests/loader.c \
	guests/mbinfo.c guests/vapic.c guests/vm.c
LIB_SRCS     := lib/cmdline.c lib/console.c lib/format.c lib/rbtree.c \
	lib/string.c
HV_SRCS := $(BOOT_SRCS) $(ARCH_SRCS) $(VMX_SRCS) $(EPT_SRCS) \
	$(SCHED_SRCS) $(DRIVERS_SRCS) $(GUESTS_SRCS) $(LIB_SRCS)
HV_OBJS := $(patsubst %,$(BUILD)/hv/%.o,$(HV_SRCS))

all: $(BUILD)/hv.elf $(BUILD)/hv.efi guests

$(BUILD)/hv/%.o: %
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/hv.elf: $(HV_OBJS) linker.ld
	@echo "  LD      $@"
	@$(CC) $(HV_CFLAGS) $(HV_LDFLAGS) $(HV_OBJS) -o $@

-include $(HV_OBJS:.o=.d)

# ---- hv.efi: the gnu-efi front door, carrying hv.elf ---------------------
# Built with gnu-efi's crt0, relocator and linker script only (not its
# libefi): the firmware is called through the headers' ms_abi prototypes,
# and our own format/string/config code is rebuilt position-independent.
GNUEFI_INC := /usr/include/efi
GNUEFI_LIB := /usr/lib
EFI_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fpic -fshort-wchar \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-strict-aliasing -fno-asynchronous-unwind-tables \
	-DGNU_EFI_USE_MS_ABI -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wmissing-prototypes -I. -I$(GNUEFI_INC) -I$(GNUEFI_INC)/x86_64
EFI_SRCS := boot/efi_main.c boot/efi.c boot/efi_args.c guests/config.c drivers/pci_decode.c \
	lib/format.c \
	lib/string.c
EFI_OBJS := $(patsubst %,$(BUILD)/efi/%.o,$(EFI_SRCS)) \
	$(BUILD)/efi/boot/efi_blob.S.o

efi: $(BUILD)/hv.efi

$(BUILD)/efi/%.o: %
	@mkdir -p $(dir $@)
	@echo "  EFICC   $<"
	@$(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

# hv.efi jumps to efi_start64: its address comes from the image it carries
$(BUILD)/efi/hv_entry.h: $(BUILD)/hv.elf
	@mkdir -p $(dir $@)
	@nm $< | awk '$$3 == "efi_start64" { print "#define HV_EFI_ENTRY 0x" $$1 "ull" }' > $@
	@grep -q HV_EFI_ENTRY $@ || { echo "no efi_start64 in $<" >&2; rm $@; exit 1; }

$(BUILD)/efi/boot/efi_main.c.o: EFI_CFLAGS += -include $(BUILD)/efi/hv_entry.h
$(BUILD)/efi/boot/efi_main.c.o: $(BUILD)/efi/hv_entry.h

$(BUILD)/efi/hv-stripped.elf: $(BUILD)/hv.elf
	@objcopy --strip-debug $< $@

$(BUILD)/efi/boot/efi_blob.S.o: boot/efi_blob.S $(BUILD)/efi/hv-stripped.elf
	@mkdir -p $(dir $@)
	@$(CC) -c -DHV_ELF='"$(BUILD)/efi/hv-stripped.elf"' $< -o $@

$(BUILD)/efi/hv.so: $(EFI_OBJS)
	@echo "  LD      $@"
	@ld -nostdlib -shared -Bsymbolic -znocombreloc -T $(GNUEFI_LIB)/elf_x86_64_efi.lds \
		$(GNUEFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJS) -o $@ \
		-L$(GNUEFI_LIB) -lgnuefi

$(BUILD)/hv.efi: $(BUILD)/efi/hv.so
	@echo "  EFI     $@"
	@objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

-include $(EFI_OBJS:.o=.d)

# ---- guest programs (32-bit multiboot kernels and a real-mode binary) ------
GUEST_CFLAGS := -m32 -std=gnu11 -O2 -g -ffreestanding -nostdlib -fno-pic \
	-fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-mgeneral-regs-only -mno-sse -mno-mmx --param=min-pagesize=0 \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes \
	-Wno-format-zero-length -I.
GUEST_LIB := guests/lib/guest.c guests/lib/mbinfo.c guests/lib/libgcc.c \
	guests/lib/isr.S lib/format.c lib/string.c
GUEST_LIB_OBJS := $(patsubst %,$(BUILD)/guests/%.o,$(GUEST_LIB))
GUEST_ELFS := selftest isolation mb1info bench spin smp platform pgstudy
GUESTS := $(patsubst %,$(BUILD)/guests/%.elf,$(GUEST_ELFS)) \
	$(BUILD)/guests/realmode.bin

guests: $(GUESTS)

$(BUILD)/guests/%.o: %
	@mkdir -p $(dir $@)
	@echo "  CC32    $<"
	@$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/guests/entry-mb1.o: guests/lib/entry.S
	@mkdir -p $(dir $@)
	@$(CC) $(GUEST_CFLAGS) -DMULTIBOOT1 -c $< -o $@

$(BUILD)/guests/entry-mb2.o: guests/lib/entry.S
	@mkdir -p $(dir $@)
	@$(CC) $(GUEST_CFLAGS) -c $< -o $@

# mb1info is the multiboot v1 guest; the others use multiboot2.
guest_entry = $(BUILD)/guests/entry-$(if $(filter mb1info,$(1)),mb1,mb2).o

# extra objects of a guest beyond its main .c
GUEST_EXTRA_smp := $(BUILD)/guests/guests/smp/trampoline.S.o
GUEST_EXTRA_pgstudy := $(BUILD)/guests/guests/pgstudy/ring.S.o \
	$(BUILD)/guests/guests/pgstudy/checks.c.o \
	$(BUILD)/guests/guests/pgstudy/long.S.o

$(BUILD)/guests/%.elf: $$(BUILD)/guests/guests/$$*/$$*.c.o $(GUEST_LIB_OBJS) \
		$$(call guest_entry,$$*) $$(GUEST_EXTRA_$$*) guests/lib/guest.ld
	@echo "  LD32    $@"
	@ld -m elf_i386 -z noexecstack --no-warn-rwx-segments \
		-T guests/lib/guest.ld -o $@ $(call guest_entry,$*) \
		$(BUILD)/guests/guests/$*/$*.c.o $(GUEST_EXTRA_$*) $(GUEST_LIB_OBJS)

$(BUILD)/guests/realmode.bin: $(BUILD)/guests/guests/realmode/realmode.S.o
	@echo "  LD16    $@"
	@ld -m elf_i386 -Ttext 0 --oformat binary -o $@ $<

-include $(GUEST_LIB_OBJS:.o=.d)
.SECONDARY:

# ---- Linux guest (Debian's cloud kernel and a busybox initramfs) ----------
# Not part of `all`: the kernel comes once from Debian (tools/fetch-linux:
# apt-get download + dpkg-deb -x, nothing installed), busybox from the
# busybox-static package (tools/install-deps).
LINUX_DIR := $(BUILD)/linux
BUSYBOX   ?= /bin/busybox
RDTSC_CFLAGS := -static -nostdlib -O2 -fno-pic -no-pie -ffreestanding \
	-fno-stack-protector -fno-asynchronous-unwind-tables -Wall -Wextra -Werror

linux-guest: $(LINUX_DIR)/vmlinuz $(LINUX_DIR)/initramfs.cpio.gz

# tools/fetch-linux does nothing when the kernel is there already
$(LINUX_DIR)/vmlinuz:
	@tools/fetch-linux $(LINUX_DIR)

$(BUILD)/guests/rdtsc: guests/linux/rdtsc.c
	@mkdir -p $(dir $@)
	@echo "  CC64    $@"
	@$(CC) $(RDTSC_CFLAGS) -o $@ $<

$(LINUX_DIR)/initramfs.cpio.gz: tools/mkinitramfs.py guests/linux/init \
		$(BUILD)/guests/rdtsc $(wildcard $(BUSYBOX))
	@test -e $(BUSYBOX) || { echo "linux-guest: no $(BUSYBOX): install" \
		"busybox-static (tools/install-deps)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	@$(PYTHON) tools/mkinitramfs.py $@ --busybox $(BUSYBOX) \
		--init guests/linux/init --extra $(BUILD)/guests/rdtsc:/bin/rdtsc

.PHONY: linux-guest

# ---- images ---------------------------------------------------------------
CMDLINE ?= loglevel=info

iso: $(BUILD)/hv.iso
$(BUILD)/hv.iso: $(BUILD)/hv.elf tools/mkiso
	tools/mkiso --rescue -o $@ --cmdline "$(CMDLINE)" $(BUILD)/hv.elf

# A disk image with an EFI system partition: GRUB-EFI (multiboot2, or
# chainloading hv.efi), hv.efi, the demo configuration and every guest.
# `dd` it to a USB stick, or boot it with tools/hvrun --uefi.
ESP_CONFIG ?= guests/demo.cfg
esp: $(BUILD)/esp.img
$(BUILD)/esp.img: $(BUILD)/hv.elf $(BUILD)/hv.efi $(GUESTS) $(ESP_CONFIG) \
		tools/mkesp linux-guest
	tools/mkesp -o $@ --cmdline "$(CMDLINE)" --timeout 3 $(BUILD)/hv.elf \
		$(BUILD)/hv.efi $(ESP_CONFIG) $(GUESTS) \
		$(LINUX_DIR)/vmlinuz $(LINUX_DIR)/initramfs.cpio.gz

# ---- host unit tests ------------------------------------------------------
HOST_CFLAGS := -std=gnu11 -O1 -g -I. -DHOST_TEST -Wall -Wextra -Werror \
	-Wno-unused-parameter -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_LIBS := -lcmocka

# test name → the pure sources it links
UNIT_format    := lib/format.c
UNIT_cmdline   := lib/cmdline.c lib/format.c
UNIT_mb2       := boot/multiboot2.c boot/efi.c lib/format.c
UNIT_efi       := boot/efi.c lib/format.c
UNIT_efi_args  := boot/efi_args.c lib/format.c
UNIT_acpi      := arch/acpi.c lib/format.c
UNIT_pmm       := arch/pmm.c
UNIT_pt        := ept/pt.c
UNIT_vmxcaps   := vmx/caps.c lib/format.c
UNIT_config    := guests/config.c drivers/pci_decode.c lib/format.c
UNIT_gpa       := ept/gpa.c ept/pt.c
UNIT_exit_table := vmx/exit_table.c
UNIT_decode    := vmx/decode.c
UNIT_gwalk     := vmx/gwalk.c
UNIT_cpuid     := vmx/cpuid.c
UNIT_entry_check := vmx/entry_check.c lib/format.c
UNIT_vuart     := drivers/vuart.c
UNIT_pio       := drivers/pio.c
UNIT_controls  := vmx/controls.c vmx/caps.c lib/format.c
UNIT_loader    := guests/loader.c guests/mbinfo.c ept/gpa.c ept/pt.c \
	lib/format.c
UNIT_rbtree    := lib/rbtree.c
UNIT_sched     := sched/cfs.c sched/rr.c sched/balance.c lib/rbtree.c
UNIT_vlapic    := drivers/vlapic.c drivers/vlapic_irq.c drivers/vlapic_timer.c
UNIT_TESTS := format cmdline mb2 efi efi_args acpi pmm pt vmxcaps config gpa exit_table \
	decode gwalk cpuid entry_check vuart pio controls loader vlapic rbtree sched
UNIT_linux     := guests/linux.c ept/gpa.c ept/pt.c lib/format.c
UNIT_TESTS += linux
UNIT_emulate   := vmx/emulate.c vmx/decode.c
UNIT_TESTS += emulate
UNIT_vpic      := drivers/vpic.c
UNIT_TESTS += vpic
UNIT_vioapic   := drivers/vioapic.c
UNIT_TESTS += vioapic
UNIT_vpit      := drivers/vpit.c
UNIT_TESTS += vpit
UNIT_vrtc      := drivers/vrtc.c drivers/vrtc_calendar.c
UNIT_TESTS += vrtc
UNIT_vpci      := drivers/vpci.c
UNIT_TESTS += vpci
UNIT_vfwcfg    := drivers/vfwcfg.c
UNIT_TESTS += vfwcfg
UNIT_vacpi_pm  := drivers/vacpi_pm.c
UNIT_TESTS += vacpi_pm
UNIT_vacpi_tables := drivers/vacpi_tables.c arch/acpi.c lib/format.c
UNIT_TESTS += vacpi_tables
UNIT_focus     := guests/focus.c
UNIT_TESTS += focus
UNIT_dmar      := drivers/dmar.c lib/format.c
UNIT_TESTS += dmar
UNIT_vtd       := drivers/vtd_tables.c ept/pt.c
UNIT_TESTS += vtd
UNIT_pci       := drivers/pci_decode.c
UNIT_TESTS += pci
UNIT_vpt       := drivers/vpt.c drivers/pci_decode.c
UNIT_TESTS += vpt
UNIT_BINS := $(patsubst %,$(BUILD)/unit/test_%,$(UNIT_TESTS))

$(BUILD)/unit/test_%: tests/unit/test_%.c tests/unit/*.h $$(UNIT_$$*)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(HOST_CFLAGS) $< $(UNIT_$*) -o $@ $(HOST_LIBS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# make fuzz: the MMIO decoder/emulator under libFuzzer (clang, ASan+UBSan)
# for FUZZ_SECONDS in all, split across the targets, after a deterministic
# differential run against Zydis (tests/fuzz/). Fails on a crash or a
# mismatch; crashing inputs are left as build/fuzz/<target>-crash-*.
FUZZ_CC      := clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -I. -DHOST_TEST -Wall -Wextra -Werror \
	-Wno-unused-parameter -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS := fuzz_decode diff_zydis
FUZZ_fuzz_decode := vmx/decode.c vmx/emulate.c
FUZZ_diff_zydis  := vmx/decode.c
FUZZ_LIBS_diff_zydis := -lZydis
FUZZ_HDRS := vmx/decode.h vmx/emulate.h tests/fuzz/zydis_diff.h

fuzz: $(patsubst %,$(BUILD)/fuzz/%,enum_zydis $(FUZZ_TARGETS))
	@echo "== Zydis differential enumeration"
	@rm -rf $(BUILD)/fuzz/seeds
	@$(BUILD)/fuzz/enum_zydis -s $(BUILD)/fuzz/seeds
	@set -e; s=$$(( $(FUZZ_SECONDS) / $(words $(FUZZ_TARGETS)) )); \
	[ $$s -ge 1 ] || s=1; \
	for t in $(FUZZ_TARGETS); do \
		echo "== $$t for $${s}s"; \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; \
		if ! $(BUILD)/fuzz/$$t -max_total_time=$$s -max_len=20 \
			-print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/$$t- \
			$(BUILD)/fuzz/corpus-$$t $(BUILD)/fuzz/seeds \
			>$(BUILD)/fuzz/$$t.log 2>&1; then \
			tail -n 40 $(BUILD)/fuzz/$$t.log; \
			echo "$$t: FAILED (log: $(BUILD)/fuzz/$$t.log)"; exit 1; \
		fi; \
		grep -E '^Done|stat::number_of_executed_units|stat::peak_rss' \
			$(BUILD)/fuzz/$$t.log; \
	done

$(BUILD)/fuzz/enum_zydis: tests/fuzz/enum_zydis.c vmx/decode.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(HOST_CFLAGS) $< vmx/decode.c -o $@ -lZydis

$(BUILD)/fuzz/%: tests/fuzz/%.c $$(FUZZ_$$*) $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(FUZZ_$*) -o $@ $(FUZZ_LIBS_$*)

.PHONY: fuzz

# ---- everything -------------------------------------------------------------
deps:
	@tools/install-deps

system: all linux-guest
	$(PYTHON) tests/system/run.py

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) fuzz
	$(MAKE) system

# The Popek-Goldberg study, measured afresh in Bochs: build/pg-report.md
# and build/pg-report.csv (docs/popek-goldberg.md).
pg-report: deps all
	$(PYTHON) tools/pgreport.py --out $(BUILD)

bench: deps all linux-guest
	$(PYTHON) bench/run.py

run: deps all linux-guest
	$(PYTHON) tools/demo.py

clean:
	rm -rf $(BUILD) bench/results.json

.PHONY: all efi esp guests iso pg-report unit deps system test bench run clean
