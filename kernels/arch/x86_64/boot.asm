; x86_64 boot entry. One ELF carries two ways in, both entered in 32-bit
; protected mode with paging off:
;   - a Multiboot2 header (GRUB, `-cdrom` ISO): eax = 0x36d76289, ebx = info;
;   - a PVH ELF note (QEMU `-kernel`): ebx = hvm_start_info.
; Both reach long mode through the same code: identity-map the first 4 GiB
; with 2 MiB pages (MMIO such as the LAPIC, IOAPIC and HPET lives just below
; 4 GiB), then jump to arch_boot(protocol, info). The first 2 MiB use 4 KiB
; pages so that arch_boot can unmap the null page once it has read the boot
; information (firmware may leave that in page 0) and the boot stack's guard.

%include "arch/x86_64/boot.inc"

MB2_MAGIC        equ 0xe85250d6
MB2_BOOT_MAGIC   equ 0x36d76289
XEN_ELFNOTE_PHYS32_ENTRY equ 18

PTE_P    equ 1 << 0
PTE_RW   equ 1 << 1
PTE_PWT  equ 1 << 3
PTE_PCD  equ 1 << 4
PTE_PS   equ 1 << 7
UC_FROM_2M equ 0xfe000000 >> 21 ; LAPIC, IOAPIC, HPET, flash: uncached

CR0_PE   equ 1 << 0
CR0_WP   equ 1 << 16
CR0_PG   equ 1 << 31
CR4_PAE  equ 1 << 5
MSR_EFER equ 0xc0000080
EFER_LME equ 1 << 8

BOOT_CS  equ 0x08
BOOT_DS  equ 0x10

extern arch_boot
extern __bss_start, __bss_end

; ---- Multiboot2 header: within the first 32 KiB of the file, 8-aligned ----
section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd 0                                    ; architecture: i386 protected mode
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
	dw 0, 0                                 ; end tag: type 0, flags 0
	dd 8
mb2_header_end:

; ---- PVH entry note. QEMU reads the descriptor as a native-size word, so it
; is 8 bytes (as in Linux); the section stays 4-aligned as ELF notes are.
section .note.Xen note alloc noexec nowrite align=4
	dd 4                                    ; name size
	dd 8                                    ; descriptor size
	dd XEN_ELFNOTE_PHYS32_ENTRY
	db "Xen", 0
	dq pvh_entry

section .text.boot progbits alloc exec nowrite align=16
bits 32

; GRUB jumps here (the ELF entry point).
global mb2_entry
mb2_entry:
	mov edi, BOOT_PROTO_UNKNOWN
	cmp eax, MB2_BOOT_MAGIC
	jne .go
	mov edi, BOOT_PROTO_MULTIBOOT2
.go:
	mov esi, ebx
	jmp start32

; QEMU's PVH loader jumps here (the address in the Xen note).
global pvh_entry
pvh_entry:
	mov edi, BOOT_PROTO_PVH
	mov esi, ebx

; edi = protocol, esi = info address. Only cs, ds and es are known to be
; valid (PVH), so load our GDT before touching the stack.
start32:
	cli
	cld
	lgdt [boot_gdtr]
	mov eax, BOOT_DS
	mov ds, eax
	mov es, eax
	mov ss, eax
	mov fs, eax
	mov gs, eax
	mov ebp, edi                            ; rep stosd uses edi, cpuid ebx

	; Zero .bss (page tables and the stack live there; nothing is on it yet).
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	shr ecx, 2
	xor eax, eax
	rep stosd
	mov esp, boot_stack_top

	call check_long_mode

	; PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages.
	mov dword [pml4], pdpt + PTE_P + PTE_RW
	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, pd + PTE_P + PTE_RW
	mov [pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jne .pdpt
	xor ecx, ecx
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_RW | PTE_PS
	cmp ecx, UC_FROM_2M
	jb .cached
	or eax, PTE_PWT | PTE_PCD
.cached:
	mov [pd + ecx * 8], eax
	inc ecx
	cmp ecx, 4 * 512
	jne .pd
	mov dword [pd], boot_pt0 + PTE_P + PTE_RW
	xor ecx, ecx
.pt:
	mov eax, ecx
	shl eax, 12
	or eax, PTE_P | PTE_RW
	mov [boot_pt0 + ecx * 8], eax
	inc ecx
	cmp ecx, 512
	jne .pt

	mov eax, pml4
	mov cr3, eax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP | CR0_PE
	mov cr0, eax
	jmp BOOT_CS:start64

; Halts with a message on COM1 when the CPU cannot run 64-bit code.
check_long_mode:
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no
	ret
.no:
	mov esi, no_long_mode_msg
	mov dx, 0x3f8
.putc:
	lodsb
	test al, al
	jz .halt
	out dx, al
	jmp .putc
.halt:
	hlt
	jmp .halt

bits 64
; Long mode with the boot GDT; ebp = protocol, esi = info (zero-extended).
start64:
	mov eax, BOOT_DS
	mov ds, eax
	mov es, eax
	mov ss, eax
	xor eax, eax
	mov fs, eax
	mov gs, eax
	mov rsp, boot_stack_top
	mov edi, ebp
	xor ebp, ebp                            ; end of the frame-pointer chain
	call arch_boot
.hang:
	cli
	hlt
	jmp .hang

section .rodata
no_long_mode_msg:
	db "AUTON: this CPU has no 64-bit long mode; halted", 13, 10, 0

; The boot GDT: flat 64-bit code and a flat data segment usable in both
; modes. cpu.c installs the kernel's own GDT (with a TSS) later.
align 8
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff                   ; BOOT_CS: 64-bit code, DPL 0
	dq 0x00cf92000000ffff                   ; BOOT_DS: data, 4 GiB, DPL 0
boot_gdtr:
	dw $ - boot_gdt - 1
	dd boot_gdt

; Placed first in .bss by linker.ld, so it stays in the first 2 MiB.
section .bss.boot nobits alloc noexec write align=4096
pml4:	resb 4096
pdpt:	resb 4096
pd:	resb 4 * 4096
global boot_pt0, boot_stack_guard
boot_pt0:	resb 4096                       ; the first 2 MiB
boot_stack_guard:	resb 4096               ; unmapped by arch_boot: overflows fault
boot_stack:
	resb BOOT_STACK_SIZE
boot_stack_top:
