/* The in-kernel benchmark (command line word `kbench`): prints
 * `[BENCH] <name> <value> <unit>` lines. See kernel_spec/testing.md. */
#ifndef AUTON_KBENCH_H
#define AUTON_KBENCH_H

void kbench_run(void);

#endif
