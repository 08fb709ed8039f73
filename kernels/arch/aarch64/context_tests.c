/* AArch64 context-switch tests (KTAP): hal_context_init's frame and a long
 * ping-pong of hal_context_switch between this test and a second context on
 * a stack from the PMM. The second context starts through a test trampoline
 * rather than kernel_thread_start, which belongs to the scheduler. */
#include "ktest.h"
#include "hal/hal.h"
#include "mm.h"
#include "aarch64.h"

#define STACK_PAGES 4
#define ROUND_TRIPS 2000

extern char aarch64_thread_trampoline[];
void test_context_start(void);
/* Sets x19..x28 to magic + 19 .. magic + 28, switches, and on return counts
 * the registers that no longer hold their value. */
unsigned test_switch_checked(uintptr_t *save_sp, uintptr_t new_sp, uint64_t magic);

__asm__(".text\n"
	".type test_context_start, %function\n"
	"test_context_start:\n"
	"	mov	x0, x20\n"
	"	blr	x19\n"
	"	brk	#1\n"
	".size test_context_start, . - test_context_start\n"
	".type test_switch_checked, %function\n"
	"test_switch_checked:\n"
	"	stp	x29, x30, [sp, #-96]!\n"
	"	mov	x29, sp\n"
	"	stp	x19, x20, [sp, #16]\n"
	"	stp	x21, x22, [sp, #32]\n"
	"	stp	x23, x24, [sp, #48]\n"
	"	stp	x25, x26, [sp, #64]\n"
	"	stp	x27, x28, [sp, #80]\n"
	"	.irp r, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28\n"
	"	add	x\\r, x2, #\\r\n"
	"	.endr\n"
	"	str	x2, [sp, #-16]!\n"
	"	bl	hal_context_switch\n"
	"	ldr	x2, [sp], #16\n"
	"	mov	w0, #0\n"
	"	.irp r, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28\n"
	"	add	x1, x2, #\\r\n"
	"	cmp	x\\r, x1\n"
	"	cinc	w0, w0, ne\n"
	"	.endr\n"
	"	ldp	x19, x20, [sp, #16]\n"
	"	ldp	x21, x22, [sp, #32]\n"
	"	ldp	x23, x24, [sp, #48]\n"
	"	ldp	x25, x26, [sp, #64]\n"
	"	ldp	x27, x28, [sp, #80]\n"
	"	ldp	x29, x30, [sp], #96\n"
	"	ret\n"
	".size test_switch_checked, . - test_switch_checked\n");

struct pingpong {
	uintptr_t main_sp, other_sp;
	uintptr_t stack_lo, stack_hi;
	unsigned long rounds;
	unsigned bad_regs;
	bool off_stack;
	bool ticked;
};

/* The second context: bounces straight back, ROUND_TRIPS times, checking
 * its registers and its stack; in the middle it takes a timer interrupt on
 * this stack. */
static void other(void *arg)
{
	struct pingpong *pp = arg;
	for (;;) {
		uintptr_t sp;
		__asm__ volatile("mov %0, sp" : "=r"(sp));
		if (sp < pp->stack_lo || sp >= pp->stack_hi)
			pp->off_stack = true;
		if (pp->rounds == ROUND_TRIPS / 2) {
			uint64_t t = timer_ticks();
			hal_irq_enable();
			while (timer_ticks() == t)
				hal_cpu_wait();
			hal_irq_disable();
			pp->ticked = true;
		}
		pp->rounds++;
		pp->bad_regs += test_switch_checked(&pp->other_sp, pp->main_sp, 0x0700000000000000ull);
	}
}

static void never_runs(void *arg)
{
}

/* The frame a new thread starts from: entry and arg for the trampoline,
 * which then enters kernel_thread_start; a 16-byte-aligned stack; a zero
 * FP/SIMD state (q0-q31, FPCR, FPSR) above the 12 general registers. */
KTEST(aarch64_context_init_frame)
{
	enum { WORDS = 128, FRAME_WORDS = 12 + 64 + 2 };
	static uint64_t stack[WORDS] __attribute__((aligned(16)));
	for (unsigned i = 0; i < WORDS; i++)
		stack[i] = 0xa5a5a5a5a5a5a5a5ull;
	int marker;
	uintptr_t sp = hal_context_init(&stack[WORDS], never_runs, &marker);
	const uint64_t *f = (const uint64_t *)sp;
	KT_EXPECT_EQ(sp & 15, 0);
	KT_EXPECT_EQ(sp, (uintptr_t)&stack[WORDS - FRAME_WORDS]);
	KT_EXPECT_EQ(f[0], (uintptr_t)never_runs);  /* x19 */
	KT_EXPECT_EQ(f[1], (uintptr_t)&marker);     /* x20 */
	KT_EXPECT_EQ(f[10], 0);                     /* x29: end of the frame chain */
	KT_EXPECT_EQ(f[11], (uintptr_t)aarch64_thread_trampoline); /* x30 */
	unsigned nonzero = 0;
	for (unsigned i = 12; i < FRAME_WORDS; i++)
		nonzero += f[i] != 0;
	KT_EXPECT_EQ(nonzero, 0);
	KT_EXPECT_EQ(stack[WORDS - FRAME_WORDS - 1], 0xa5a5a5a5a5a5a5a5ull); /* nothing below sp */
}

/* 2 x ROUND_TRIPS switches with interrupts masked, callee-saved registers
 * checked on both sides every time, the other context on its own stack. */
KTEST(aarch64_context_switch_ping_pong)
{
	paddr_t stack = pmm_alloc_pages(STACK_PAGES, 1);
	KT_EXPECT(stack != 0);
	if (!stack)
		return;
	static struct pingpong pp;
	pp = (struct pingpong){ 0 };
	pp.stack_lo = (uintptr_t)hal_phys_to_virt(stack);
	pp.stack_hi = pp.stack_lo + STACK_PAGES * PAGE_SIZE;
	pp.other_sp = hal_context_init((void *)pp.stack_hi, other, &pp);
	((uint64_t *)pp.other_sp)[11] = (uintptr_t)test_context_start; /* x30 */

	unsigned long irq = hal_irq_save();
	unsigned bad = 0;
	uint64_t t0 = hal_time_ns();
	for (unsigned long i = 0; i < ROUND_TRIPS; i++) {
		bad += test_switch_checked(&pp.main_sp, pp.other_sp, 0x0500000000000000ull);
		if (pp.rounds != i + 1)
			break;
	}
	uint64_t dt = hal_time_ns() - t0;
	hal_irq_restore(irq);
	pmm_free_pages(stack, STACK_PAGES);

	KT_EXPECT_EQ(pp.rounds, ROUND_TRIPS);
	KT_EXPECT_EQ(bad, 0);
	KT_EXPECT_EQ(pp.bad_regs, 0);
	KT_EXPECT(!pp.off_stack);
	KT_EXPECT(pp.ticked);
	ktest_diag("%u switches in %llu us", 2 * ROUND_TRIPS, (unsigned long long)(dt / 1000));
}
