# RISC-V 64 (QEMU virt + OpenSBI fw_dynamic): an S-mode kernel loaded at
# 0x80200000 as a raw image, entered with a0 = hart id and a1 = DTB address,
# linked at 0xffffffff80200000 (medany code is PC-relative, so the entry runs
# at the physical address until it has turned paging on).
# lld 14 has no RISC-V relaxation, hence -mno-relax (see ENVIRONMENT.md).
# Integer-only code is rv64imac; FP_SRCS get F and D (rv64gc). Both use the
# soft-float calling convention lp64 so that they link together: FP values
# never cross between them anyway. The context switch (switch.S, which needs
# the D extension to assemble) saves f0-f31 and fcsr.
RISCV64_CFLAGS := --target=riscv64-unknown-elf -mabi=lp64 -mcmodel=medany -mno-relax
ARCH_CFLAGS := $(RISCV64_CFLAGS) -march=rv64imac
ARCH_FP_CFLAGS := $(RISCV64_CFLAGS) -march=rv64gc
FP_SRCS += arch/riscv64/switch.S
ARCH_LDFLAGS := -m elf64lriscv
ARCH_SRCS := \
	arch/riscv64/entry.S \
	arch/riscv64/switch.S \
	arch/riscv64/boot.c \
	arch/riscv64/platform.c \
	arch/riscv64/cpu.c \
	arch/riscv64/mmu.c \
	arch/riscv64/context.c \
	arch/riscv64/uart.c \
	arch/riscv64/plic.c \
	arch/riscv64/dev.c \
	arch/riscv64/timer.c \
	arch/riscv64/sbi.c \
	arch/riscv64/power.c \
	arch/riscv64/arch_tests.c \
	arch/riscv64/mmu_tests.c
LINKER_SCRIPT := arch/riscv64/kernel.ld

# OpenSBI's fw_dynamic jumps to the first byte QEMU loaded: a flat image.
$(BUILD)/kernel.bin: $(BUILD)/kernel.elf
	$(OBJCOPY) -O binary $< $@
