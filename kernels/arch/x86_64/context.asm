; Kernel thread context switch (hal/context.h), xv6-style: a suspended
; thread is its stack pointer. Its stack holds, from the top down: the
; return address, the callee-saved registers of the SysV ABI (rbx, rbp,
; r12-r15), then a 16-byte aligned FXSAVE area with the whole x87/SSE state
; and, right above that area, the stack pointer from before the alignment.
; Everything else the compiler already saved around the call. Interrupts
; stay as they are (disabled, by contract), and so does RFLAGS.DF (clear, by
; the ABI).
;
; The FP state is saved eagerly on every switch: only FP_SRCS code uses
; x87/SSE and no interrupt or trap handler does (they are built with
; -mgeneral-regs-only), so when a thread is switched away, even in the
; middle of an interrupt, the FP registers still hold that thread's values.

bits 64
section .text

extern kernel_thread_start

FXSAVE_SIZE equ 512
FP_FRAME    equ FXSAVE_SIZE + 16            ; the area plus the pre-alignment rsp
FCW_DEFAULT equ 0x037f                      ; fninit: all x87 exceptions masked
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
	sub rsp, FP_FRAME
	and rsp, -16
	mov [rsp + FXSAVE_SIZE], rax
	fxsave64 [rsp]
	mov [rdi], rsp
	mov rsp, rsi
	fxrstor64 [rsp]
	mov rsp, [rsp + FXSAVE_SIZE]
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; uintptr_t hal_context_init(void *stack_top, void (*entry)(void *), void *arg)
; Builds the frame hal_context_switch pops: a default FP state (as after
; fninit with MXCSR 0x1f80), r15 r14 r13=arg r12=entry rbx rbp, then
; thread_trampoline as the return address. The register frame ends at
; stack_top, so the trampoline starts with rsp = stack_top (16-byte aligned)
; and its call leaves kernel_thread_start with rsp = 8 mod 16, as the ABI
; wants. Returns the address of the FP area.
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
	lea rax, [r8 - FP_FRAME]
	and rax, -16
	mov [rax + FXSAVE_SIZE], r8
	mov rdi, rax                            ; zero the area
	mov r9, rax
	xor eax, eax
	mov ecx, FXSAVE_SIZE / 8
	rep stosq
	mov rax, r9
	mov word [rax + 0], FCW_DEFAULT
	mov dword [rax + 24], MXCSR_DEFAULT
	ret

; The first hal_context_switch to a new thread returns here.
thread_trampoline:
	mov rdi, r12
	mov rsi, r13
	call kernel_thread_start
	ud2                                     ; kernel_thread_start never returns
