# x86_64: one ELF that GRUB boots through Multiboot2 (`make iso`, -cdrom) and
# QEMU boots through its PVH note (-kernel build/x86_64/kernel.bin).

X86_64_CFLAGS := --target=x86_64-unknown-elf -mno-red-zone -fno-pic -mcmodel=kernel \
	-fno-asynchronous-unwind-tables
# Integer-only code never touches x87/SSE registers; FP_SRCS may use SSE2
# (the x86_64 baseline) and nothing else: the context switch saves xmm0-15
# and MXCSR, not x87, MMX or AVX state.
ARCH_CFLAGS := $(X86_64_CFLAGS) -mgeneral-regs-only
ARCH_FP_CFLAGS := $(X86_64_CFLAGS) -msse2 -mno-avx -mno-80387 -mno-mmx
ARCH_LDFLAGS := -z max-page-size=0x1000
NASMFLAGS := -f elf64 -g -F dwarf -I .
LINKER_SCRIPT := arch/x86_64/linker.ld
ARCH_SRCS := $(addprefix arch/x86_64/, boot.asm isr.asm context.asm boot.c uart.c cpu.c trap.c \
	pic.c lapic.c ioapic.c pci_port.c time.c mmu.c arch_tests.c)

# QEMU -kernel loads the ELF itself; debug info only makes it bigger.
$(BUILD)/kernel.bin: $(BUILD)/kernel.elf
	$(OBJCOPY) --strip-debug $< $@

# A GRUB rescue ISO (BIOS; boot with -cdrom). ISO_CMDLINE is the kernel
# command line GRUB passes, e.g. `make iso ISO_CMDLINE=ktest`.
ISO_CMDLINE ?=
ISO_ROOT := $(BUILD)/iso-root

.PHONY: iso FORCE
iso: $(BUILD)/auton.iso

$(BUILD)/auton.iso: $(BUILD)/kernel.elf $(ISO_ROOT)/boot/grub/grub.cfg
	cp $(BUILD)/kernel.elf $(ISO_ROOT)/boot/kernel.elf
	grub-mkrescue -o $@ $(ISO_ROOT) 2>$(BUILD)/grub-mkrescue.log || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }

# Rewritten only when ISO_CMDLINE changes, so the ISO rebuilds exactly then.
$(ISO_ROOT)/boot/grub/grub.cfg: FORCE
	@mkdir -p $(dir $@)
	@printf 'set timeout=0\nset default=0\nmenuentry "AUTON" {\n\tmultiboot2 /boot/kernel.elf %s\n\tboot\n}\n' \
		'$(ISO_CMDLINE)' >$@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi
