# RISC-V 64 (QEMU virt + OpenSBI fw_dynamic): an S-mode kernel loaded at
# 0x80200000 as a raw image, entered with a0 = hart id and a1 = DTB address,
# linked at 0xffffffff80200000 (medany code is PC-relative, so the entry runs
# at the physical address until it has turned paging on).
# lld 14 has no RISC-V relaxation, hence -mno-relax (see ENVIRONMENT.md).
ARCH_CFLAGS := --target=riscv64-unknown-elf -march=rv64gc -mabi=lp64d \
	-mcmodel=medany -mno-relax
ARCH_LDFLAGS := -m elf64lriscv
ARCH_SRCS := \
	arch/riscv64/entry.S \
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
