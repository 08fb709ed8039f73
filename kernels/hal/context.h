/*
 * Context switch part of the HAL, xv6-style: a suspended kernel thread is
 * nothing but its stack pointer; the callee-saved registers live on its stack.
 */
#ifndef AUTON_HAL_CONTEXT_H
#define AUTON_HAL_CONTEXT_H

#include <stdint.h>

/* Lays out a new thread's stack so that the first hal_context_switch to the
 * returned stack pointer enters kernel_thread_start(entry, arg) (hal.h) with
 * interrupts still disabled. stack_top is 16-byte aligned. */
uintptr_t hal_context_init(void *stack_top, void (*entry)(void *), void *arg);

/* Saves the callee-saved registers on the current stack, stores the stack
 * pointer in *save_sp, switches to new_sp and restores that thread's
 * registers. Returns when some thread switches back to this one. Called with
 * interrupts disabled; they stay disabled across the switch. */
void hal_context_switch(uintptr_t *save_sp, uintptr_t new_sp);

#endif
