# SPDX-License-Identifier: MIT
# make            build build/hv.elf (the multiboot2 hypervisor image)
# make iso        hybrid BIOS+UEFI GRUB ISO, build/hv.iso
# make run        install what is missing, build, boot the demo VMs
#                 (guests/demo.cfg, or CONFIG=file) with tools/hvrun
# make test       install what is missing, build, run every test
# make unit       host unit tests only (cmocka, ASan+UBSan)
# make system     emulator tests only (Bochs, QEMU)
# make bench      benchmarks → bench/results.json
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
BOOT_SRCS    := boot/entry.S boot/mb2_entry.c boot/multiboot2.c boot/start.c
ARCH_SRCS    := arch/acpi.c arch/cpu.c arch/isr.S arch/lapic.c arch/mm.c \
	arch/paging.c arch/platform.c arch/pmm.c arch/power.c arch/smp.c \
	arch/trampoline.S arch/trap.c arch/tsc.c
VMX_SRCS     := vmx/caps.c vmx/controls.c vmx/cpuid.c vmx/decode.c \
	vmx/entry.S vmx/entry_check.c vmx/entry_fail.c vmx/exit.c \
	vmx/exit_cpuid.c vmx/exit_cr.c vmx/exit_io.c vmx/exit_misc.c \
	vmx/exit_msr.c vmx/exit_table.c vmx/exit_vmcall.c vmx/guest.c \
	vmx/gwalk.c vmx/inject.c vmx/switch.c vmx/vmcs.c vmx/vmxon.c
EPT_SRCS     := ept/gpa.c ept/pt.c ept/violation.c
SCHED_SRCS   := sched/balance.c sched/cfs.c sched/rr.c sched/run.c
DRIVERS_SRCS := drivers/pio.c drivers/testdev.c drivers/uart.c \
	drivers/vdebug.c drivers/vlapic.c drivers/vlapic_irq.c \
	drivers/vlapic_timer.c drivers/vreset.c drivers/vuart.c
GUESTS_SRCS  := guests/board.c guests/config.c guests/loader.c \
	guests/mbinfo.c guests/vapic.c guests/vm.c
LIB_SRCS     := lib/cmdline.c lib/console.c lib/format.c lib/rbtree.c \
	lib/string.c
HV_SRCS := $(BOOT_SRCS) $(ARCH_SRCS) $(VMX_SRCS) $(EPT_SRCS) \
	$(SCHED_SRCS) $(DRIVERS_SRCS) $(GUESTS_SRCS) $(LIB_SRCS)
HV_OBJS := $(patsubst %,$(BUILD)/hv/%.o,$(HV_SRCS))

all: $(BUILD)/hv.elf guests

$(BUILD)/hv/%.o: %
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/hv.elf: $(HV_OBJS) linker.ld
	@echo "  LD      $@"
	@$(CC) $(HV_CFLAGS) $(HV_LDFLAGS) $(HV_OBJS) -o $@

-include $(HV_OBJS:.o=.d)

# ---- guest programs (32-bit multiboot kernels and a real-mode binary) ------
GUEST_CFLAGS := -m32 -std=gnu11 -O2 -g -ffreestanding -nostdlib -fno-pic \
	-fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-mgeneral-regs-only -mno-sse -mno-mmx --param=min-pagesize=0 \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes \
	-Wno-format-zero-length -I.
GUEST_LIB := guests/lib/guest.c guests/lib/mbinfo.c guests/lib/libgcc.c \
	guests/lib/isr.S lib/format.c lib/string.c
GUEST_LIB_OBJS := $(patsubst %,$(BUILD)/guests/%.o,$(GUEST_LIB))
GUEST_ELFS := selftest isolation mb1info bench spin smp
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

# ---- images ---------------------------------------------------------------
CMDLINE ?= loglevel=info

iso: $(BUILD)/hv.iso
$(BUILD)/hv.iso: $(BUILD)/hv.elf tools/mkiso
	tools/mkiso --rescue -o $@ --cmdline "$(CMDLINE)" $(BUILD)/hv.elf

# ---- host unit tests ------------------------------------------------------
HOST_CFLAGS := -std=gnu11 -O1 -g -I. -DHOST_TEST -Wall -Wextra -Werror \
	-Wno-unused-parameter -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_LIBS := -lcmocka

# test name → the pure sources it links
UNIT_format    := lib/format.c
UNIT_cmdline   := lib/cmdline.c lib/format.c
UNIT_mb2       := boot/multiboot2.c lib/format.c
UNIT_acpi      := arch/acpi.c lib/format.c
UNIT_pmm       := arch/pmm.c
UNIT_pt        := ept/pt.c
UNIT_vmxcaps   := vmx/caps.c lib/format.c
UNIT_config    := guests/config.c lib/format.c
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
UNIT_TESTS := format cmdline mb2 acpi pmm pt vmxcaps config gpa exit_table \
	decode gwalk cpuid entry_check vuart pio controls loader vlapic rbtree sched
UNIT_BINS := $(patsubst %,$(BUILD)/unit/test_%,$(UNIT_TESTS))

$(BUILD)/unit/test_%: tests/unit/test_%.c tests/unit/*.h $$(UNIT_$$*)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(HOST_CFLAGS) $< $(UNIT_$*) -o $@ $(HOST_LIBS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# ---- everything -------------------------------------------------------------
deps:
	@tools/install-deps

system: all
	$(PYTHON) tests/system/run.py

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) system

bench: deps all
	$(PYTHON) bench/run.py

run: deps all
	$(PYTHON) tools/demo.py

clean:
	rm -rf $(BUILD) bench/results.json

.PHONY: all guests iso unit deps system test bench run clean
