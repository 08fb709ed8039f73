# AArch64 (QEMU virt): a raw arm64 Linux "Image" (kernel.bin) that QEMU's
# -kernel loads at RAM base + text_offset and hands the DTB in x0.
#
# No C runs before the MMU is on (entry.S builds the early tables), and all
# kernel memory is Normal memory from then on, so unaligned accesses are fine.
# -mgeneral-regs-only keeps FP/SIMD registers out of the kernel (and so out of
# the exception frame); FP_SRCS are built without it, and the context switch
# saves q0-q31, FPCR and FPSR for them.
ARCH_CFLAGS := --target=aarch64-unknown-elf -mgeneral-regs-only
ARCH_FP_CFLAGS := --target=aarch64-unknown-elf
ARCH_LDFLAGS := -z max-page-size=4096
LINKER_SCRIPT := arch/aarch64/kernel.ld
ARCH_SRCS := \
	arch/aarch64/entry.S \
	arch/aarch64/vectors.S \
	arch/aarch64/context.S \
	arch/aarch64/boot.c \
	arch/aarch64/mmu.c \
	arch/aarch64/cpu.c \
	arch/aarch64/uart.c \
	arch/aarch64/gic.c \
	arch/aarch64/dev.c \
	arch/aarch64/timer.c \
	arch/aarch64/power.c \
	arch/aarch64/arch_tests.c \
	arch/aarch64/mmu_tests.c \
	arch/aarch64/context_tests.c

# kernel.bin is the flat image starting at the Image header; kernel.elf keeps
# the same link address, so gdb's symbols match what QEMU loaded.
$(BUILD)/kernel.bin: $(BUILD)/kernel.elf
	$(OBJCOPY) -O binary $< $@
