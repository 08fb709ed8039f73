/** Host side of the kernel: toolchain, build, QEMU, serial/KTAP. */
export * from './arches';
export * from './toolchain';
export * from './build';
export * from './ktap';
export * from './qemu';
export * from './harness';
export * from './qmp';
export * from './hwreport';
export * from './clangd';
