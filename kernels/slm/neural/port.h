/*
 * What the neural backend needs from its surroundings, for both builds:
 * memory (the SLM pool in the kernel, malloc on the host), the C string
 * functions and snprintf. Everything else in kernels/slm/neural/ is plain C
 * on top of this file, so the kernel and `slm-host` run the same code.
 */
#ifndef AUTON_SLM_NEURAL_PORT_H
#define AUTON_SLM_NEURAL_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef SLM_HOST
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../include/kerrno.h"

static inline void *slm_port_alloc(size_t size)
{
	return malloc(size ? size : 1);
}

static inline void slm_port_free(void *p, size_t size)
{
	(void)size;
	free(p);
}
#else
#include "kernel.h"
#include "kerrno.h"
#include "mm.h"

/* The pool hands out whole pages; the model asks for a few large blocks. */
static inline void *slm_port_alloc(size_t size)
{
	return slm_pool_alloc(size ? size : 1, PAGE_SIZE);
}

static inline void slm_port_free(void *p, size_t size)
{
	if (p)
		slm_pool_free(p, size ? size : 1);
}
#endif

/* The same float arithmetic on every arch: no fused multiply-adds that one
 * target would form and another would not. */
#pragma STDC FP_CONTRACT OFF

#endif
