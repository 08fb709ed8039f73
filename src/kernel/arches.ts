/**
 * What AUTON knows about each kernel architecture on the host side: which
 * QEMU runs it, the default machine, and how the guest reports its exit status.
 */

export const ARCHES = ['x86_64', 'aarch64', 'riscv64'] as const;
export type Arch = (typeof ARCHES)[number];

export interface ArchProfile {
  arch: Arch;
  qemu: string;
  /** Debian package that provides the QEMU binary. */
  qemuPackage: string;
  machine: string;
  cpu?: string;
  /** Arguments every boot of this arch needs (exit device, semihosting). */
  fixedArgs: string[];
  /** gdb's name for the architecture (`set architecture`). */
  gdbArch: string;
  /**
   * The registers a debugger shows by default: general purpose, PC, flags, and the system
   * registers a kernel developer reads (paging, traps). gdb knows hundreds more (vector,
   * FPU, every AArch64 system register); they stay reachable by name (`$cr3`, `$TTBR1_EL1`).
   */
  gdbRegisters: RegExp;
}

export const PROFILES: Record<Arch, ArchProfile> = {
  x86_64: {
    arch: 'x86_64',
    qemu: 'qemu-system-x86_64',
    qemuPackage: 'qemu-system-x86',
    machine: 'q35',
    fixedArgs: ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'],
    gdbArch: 'i386:x86-64',
    gdbRegisters: /^(r[abcd]x|r[sd]i|r[bs]p|r(8|9|1[0-5])|rip|eflags|[c-gs]s|fs_base|gs_base|k_gs_base|cr[0234]|cr8|efer)$/,
  },
  aarch64: {
    arch: 'aarch64',
    qemu: 'qemu-system-aarch64',
    qemuPackage: 'qemu-system-arm',
    machine: 'virt',
    cpu: 'cortex-a72',
    fixedArgs: ['-semihosting'],
    gdbArch: 'aarch64',
    gdbRegisters: /^(x([0-9]|[12][0-9]|30)|sp|pc|cpsr|SP_EL[01]|ELR_EL1|SPSR_EL1|ESR_EL1|FAR_EL1|VBAR|SCTLR|TCR_EL1|TTBR[01]_EL1|MAIR_EL1|TPIDR_EL1)$/,
  },
  riscv64: {
    arch: 'riscv64',
    qemu: 'qemu-system-riscv64',
    qemuPackage: 'qemu-system-misc',
    machine: 'virt',
    fixedArgs: [],
    gdbArch: 'riscv:rv64',
    gdbRegisters: /^(zero|ra|sp|gp|tp|t[0-6]|fp|s([1-9]|1[01])|a[0-7]|pc|sstatus|sie|stvec|sscratch|sepc|scause|stval|sip|satp)$/,
  },
};

export function isArch(value: string): value is Arch {
  return (ARCHES as readonly string[]).includes(value);
}

/** Parses `x86_64`, `aarch64`, `riscv64` or `all` (also common aliases). */
export function parseArchList(value: string): Arch[] {
  const aliases: Record<string, Arch> = {
    x86: 'x86_64', amd64: 'x86_64', 'x86-64': 'x86_64',
    arm64: 'aarch64', riscv: 'riscv64', rv64: 'riscv64',
  };
  const out: Arch[] = [];
  for (const part of value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (part === 'all') return [...ARCHES];
    const arch = isArch(part) ? part : aliases[part];
    if (!arch) {
      throw new Error(`unknown architecture "${part}": use one of ${ARCHES.join(', ')} or all`);
    }
    if (!out.includes(arch)) out.push(arch);
  }
  if (out.length === 0) throw new Error(`no architecture given: use one of ${ARCHES.join(', ')} or all`);
  return out;
}

/** Exit statuses the kernel uses after `ktest` and on panic (kernel_spec/boot.md). */
export const EXIT_TESTS_PASSED = 33;
export const EXIT_TESTS_FAILED = 35;
export const EXIT_PANIC = 37;
/** The kernel console's poweroff/exit. */
export const EXIT_POWEROFF = 39;
