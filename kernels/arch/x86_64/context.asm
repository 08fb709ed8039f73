; Kernel thread context switch (hal/context.h), xv6-style: a suspended
; thread is its stack pointer; the callee-saved registers of the SysV ABI
; (rbx, rbp, r12-r15) sit on its stack under the return address. Everything
; else the compiler already saved around the call. Interrupts stay as they
; are (disabled, by contract), and so does RFLAGS.DF (clear, by the ABI).

bits 64
section .text

extern kernel_thread_start

; void hal_context_switch(uintptr_t *save_sp, uintptr_t new_sp)
global hal_context_switch
hal_context_switch:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; uintptr_t hal_context_init(void *stack_top, void (*entry)(void *), void *arg)
; Builds the frame hal_context_switch pops: r15 r14 r13=arg r12=entry rbx rbp,
; then thread_trampoline as the return address. The frame ends at stack_top,
; so the trampoline starts with rsp = stack_top (16-byte aligned) and its
; call leaves kernel_thread_start with rsp = 8 mod 16, as the ABI wants.
global hal_context_init
hal_context_init:
	lea rax, [rdi - 7 * 8]
	xor ecx, ecx
	mov [rax + 0 * 8], rcx                  ; r15
	mov [rax + 1 * 8], rcx                  ; r14
	mov [rax + 2 * 8], rdx                  ; r13: arg
	mov [rax + 3 * 8], rsi                  ; r12: entry
	mov [rax + 4 * 8], rcx                  ; rbx
	mov [rax + 5 * 8], rcx                  ; rbp: ends the frame-pointer chain
	lea rcx, [rel thread_trampoline]
	mov [rax + 6 * 8], rcx
	ret

; The first hal_context_switch to a new thread returns here.
thread_trampoline:
	mov rdi, r12
	mov rsi, r13
	call kernel_thread_start
	ud2                                     ; kernel_thread_start never returns
