; Kernel thread context switch (hal/context.h), xv6-style: a suspended
; thread is its stack pointer. Its stack holds, from the top down: the
; return address, the callee-saved registers of the SysV ABI (rbx, rbp,
; r12-r15), then a 16-byte aligned FP area: xmm0-xmm15, MXCSR, and the stack
; pointer from before the alignment. Everything else the compiler already
; saved around the call. Interrupts stay as they are (disabled, by
; contract), and so does RFLAGS.DF (clear, by the ABI).
;
; The FP state is saved eagerly on every switch: only FP_SRCS code uses SSE
; and no interrupt or trap handler does (they are built with
; -mgeneral-regs-only), so when a thread is switched away, even in the
; middle of an interrupt, the SSE registers still hold that thread's values.
; FP_SRCS are built without x87 and MMX (-mno-80387 -mno-mmx), so xmm0-15
; and MXCSR are the whole FP state; that costs a fifth of fxsave64/fxrstor64
; in QEMU TCG (kernel_spec/fpu.md).

bits 64
section .text

extern kernel_thread_start

FP_MXCSR    equ 16 * 16                     ; after xmm0-15
FP_OLD_RSP  equ FP_MXCSR + 8
FP_AREA     equ FP_OLD_RSP + 8              ; 272, a multiple of 16
MXCSR_DEFAULT equ 0x1f80                    ; all SSE exceptions masked, round to nearest

; void hal_context_switch(uintptr_t *save_sp, uintptr_t new_sp)
global hal_context_switch
hal_context_switch:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov rax, rsp
	sub rsp, FP_AREA
	and rsp, -16
	mov [rsp + FP_OLD_RSP], rax
	movdqa [rsp + 0], xmm0
	movdqa [rsp + 16], xmm1
	movdqa [rsp + 32], xmm2
	movdqa [rsp + 48], xmm3
	movdqa [rsp + 64], xmm4
	movdqa [rsp + 80], xmm5
	movdqa [rsp + 96], xmm6
	movdqa [rsp + 112], xmm7
	movdqa [rsp + 128], xmm8
	movdqa [rsp + 144], xmm9
	movdqa [rsp + 160], xmm10
	movdqa [rsp + 176], xmm11
	movdqa [rsp + 192], xmm12
	movdqa [rsp + 208], xmm13
	movdqa [rsp + 224], xmm14
	movdqa [rsp + 240], xmm15
	stmxcsr [rsp + FP_MXCSR]
	mov [rdi], rsp
	mov rsp, rsi
	movdqa xmm0, [rsp + 0]
	movdqa xmm1, [rsp + 16]
	movdqa xmm2, [rsp + 32]
	movdqa xmm3, [rsp + 48]
	movdqa xmm4, [rsp + 64]
	movdqa xmm5, [rsp + 80]
	movdqa xmm6, [rsp + 96]
	movdqa xmm7, [rsp + 112]
	movdqa xmm8, [rsp + 128]
	movdqa xmm9, [rsp + 144]
	movdqa xmm10, [rsp + 160]
	movdqa xmm11, [rsp + 176]
	movdqa xmm12, [rsp + 192]
	movdqa xmm13, [rsp + 208]
	movdqa xmm14, [rsp + 224]
	movdqa xmm15, [rsp + 240]
	ldmxcsr [rsp + FP_MXCSR]
	mov rsp, [rsp + FP_OLD_RSP]
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; uintptr_t hal_context_init(void *stack_top, void (*entry)(void *), void *arg)
; Builds the frame hal_context_switch pops: the FP area (xmm0-15 zero, MXCSR
; 0x1f80), r15 r14 r13=arg r12=entry rbx rbp, then thread_trampoline as the
; return address. The register frame ends at stack_top, so the trampoline
; starts with rsp = stack_top (16-byte aligned) and its call leaves
; kernel_thread_start with rsp = 8 mod 16, as the ABI wants. Returns the
; address of the FP area.
global hal_context_init
hal_context_init:
	lea r8, [rdi - 7 * 8]                   ; the register frame
	xor ecx, ecx
	mov [r8 + 0 * 8], rcx                   ; r15
	mov [r8 + 1 * 8], rcx                   ; r14
	mov [r8 + 2 * 8], rdx                   ; r13: arg
	mov [r8 + 3 * 8], rsi                   ; r12: entry
	mov [r8 + 4 * 8], rcx                   ; rbx
	mov [r8 + 5 * 8], rcx                   ; rbp: ends the frame-pointer chain
	lea rcx, [rel thread_trampoline]
	mov [r8 + 6 * 8], rcx
	lea rax, [r8 - FP_AREA]
	and rax, -16
	mov r9, rax
	mov rdi, rax                            ; zero xmm0-15 and the MXCSR slot
	xor eax, eax
	mov ecx, FP_OLD_RSP / 8
	rep stosq
	mov rax, r9
	mov dword [rax + FP_MXCSR], MXCSR_DEFAULT
	mov [rax + FP_OLD_RSP], r8
	ret

; The first hal_context_switch to a new thread returns here.
thread_trampoline:
	mov rdi, r12
	mov rsi, r13
	call kernel_thread_start
	ud2                                     ; kernel_thread_start never returns
