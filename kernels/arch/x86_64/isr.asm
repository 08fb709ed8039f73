; Interrupt entry stubs for all 256 vectors, the common path that saves a
; struct trap_frame (trap.h) and calls x86_trap(), and the small routines
; that must be written in assembly (fault probe, register snapshot, segment
; reload).

bits 64
section .text

extern x86_trap

; Vectors where the CPU pushes an error code; the others push a 0 so that
; every frame has the same shape.
%macro STUB 1
align 16
isr_stub_%1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 256
	STUB v
%assign v v + 1
%endrep

; The CPU aligned rsp to 16 before pushing its 5-word frame; error + vector +
; 15 registers keep it aligned for the call.
isr_common:
	push r15
	push r14
	push r13
	push r12
	push r11
	push r10
	push r9
	push r8
	push rbp
	push rdi
	push rsi
	push rdx
	push rcx
	push rbx
	push rax
	cld
	mov rdi, rsp
	call x86_trap
	pop rax
	pop rbx
	pop rcx
	pop rdx
	pop rsi
	pop rdi
	pop rbp
	pop r8
	pop r9
	pop r10
	pop r11
	pop r12
	pop r13
	pop r14
	pop r15
	add rsp, 16                             ; vector and error code
	iretq

section .rodata
align 8
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_%+v
%assign v v + 1
%endrep

section .text

; bool hal_cpu_probe_read(uintptr_t addr): the trap handler recognises a
; fault at x86_probe_fault and resumes at x86_probe_recover (returns true).
global hal_cpu_probe_read, x86_probe_fault, x86_probe_recover
hal_cpu_probe_read:
x86_probe_fault:
	mov al, [rdi]
	xor eax, eax
	ret
x86_probe_recover:
	mov eax, 1
	ret

; void x86_save_regs(struct trap_frame *f): the caller's registers, with rip
; and rsp as they are after this call returns.
global x86_save_regs
x86_save_regs:
	mov [rdi + 0 * 8], rax
	mov [rdi + 1 * 8], rbx
	mov [rdi + 2 * 8], rcx
	mov [rdi + 3 * 8], rdx
	mov [rdi + 4 * 8], rsi
	mov [rdi + 5 * 8], rdi
	mov [rdi + 6 * 8], rbp
	mov [rdi + 7 * 8], r8
	mov [rdi + 8 * 8], r9
	mov [rdi + 9 * 8], r10
	mov [rdi + 10 * 8], r11
	mov [rdi + 11 * 8], r12
	mov [rdi + 12 * 8], r13
	mov [rdi + 13 * 8], r14
	mov [rdi + 14 * 8], r15
	mov qword [rdi + 15 * 8], 0             ; vector
	mov qword [rdi + 16 * 8], 0             ; error
	mov rax, [rsp]
	mov [rdi + 17 * 8], rax                 ; rip: our return address
	mov eax, cs
	mov [rdi + 18 * 8], rax
	pushfq
	pop qword [rdi + 19 * 8]
	lea rax, [rsp + 8]
	mov [rdi + 20 * 8], rax
	mov eax, ss
	mov [rdi + 21 * 8], rax
	mov rax, [rdi]
	ret

; void x86_load_segments(uint16_t code, uint16_t data, uint16_t tss):
; after lgdt, reload every segment register and the task register.
global x86_load_segments
x86_load_segments:
	mov ds, esi
	mov es, esi
	mov ss, esi
	xor eax, eax
	mov fs, eax
	mov gs, eax
	ltr dx
	pop rax                                 ; return address
	push rdi
	push rax
	retfq
