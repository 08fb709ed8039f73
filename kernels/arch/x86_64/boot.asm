; x86_64 boot entry. One ELF carries two ways in, both entered in 32-bit
; protected mode with paging off, at the physical load address:
;   - a Multiboot2 header (GRUB, `-cdrom` ISO): eax = 0x36d76289, ebx = info;
;   - a PVH ELF note (QEMU `-kernel`): ebx = hvm_start_info.
; The kernel is linked at KERNEL_VMA + its physical address (linker.ld), so
; until paging is on every symbol is used through PHYS(). Both entries build
; the same boot page tables (2 MiB pages):
;   - a temporary identity map of the first 4 GiB, only for the jump to the
;     high half (arch_boot removes it);
;   - the early direct map: the first 4 GiB at DIRECT_MAP_BASE, where C reads
;     the boot information (MMIO such as the LAPIC, IOAPIC and HPET lives just
;     below 4 GiB: that part is uncached);
;   - the kernel image: the first GiB at KERNEL_VMA.
; then enter long mode, jump to the high half and call arch_boot(protocol,
; info). mmu.c replaces all of this with the final tables in hal_mmu_init().

%include "arch/x86_64/boot.inc"

%define PHYS(sym) ((sym) - KERNEL_VMA)

MB2_MAGIC        equ 0xe85250d6
MB2_BOOT_MAGIC   equ 0x36d76289
XEN_ELFNOTE_PHYS32_ENTRY equ 18

PTE_P    equ 1 << 0
PTE_RW   equ 1 << 1
PTE_PWT  equ 1 << 3
PTE_PCD  equ 1 << 4
PTE_PS   equ 1 << 7
UC_FROM_2M equ 0xfe000000 >> 21 ; LAPIC, IOAPIC, HPET, flash: uncached
PML4_DIRECT equ (DIRECT_MAP_BASE >> 39) & 511
PML4_KERNEL equ (KERNEL_VMA >> 39) & 511
PDPT_KERNEL equ (KERNEL_VMA >> 30) & 511

CR0_PE   equ 1 << 0
CR0_MP   equ 1 << 1
CR0_EM   equ 1 << 2
CR0_TS   equ 1 << 3
CR0_NE   equ 1 << 5
CR0_WP   equ 1 << 16
CR0_PG   equ 1 << 31
CR4_PAE  equ 1 << 5
CR4_OSFXSR     equ 1 << 9
CR4_OSXMMEXCPT equ 1 << 10
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
; is 8 bytes (as in Linux); the section stays 4-aligned as ELF notes are. The
; entry is physical: QEMU jumps there with paging off.
section .note.Xen note alloc noexec nowrite align=4
	dd 4                                    ; name size
	dd 8                                    ; descriptor size
	dd XEN_ELFNOTE_PHYS32_ENTRY
	db "Xen", 0
	dq PHYS(pvh_entry)

section .text.boot progbits alloc exec nowrite align=16
bits 32

; GRUB jumps here (the ELF entry point, translated to its physical address).
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
	lgdt [PHYS(boot_gdtr)]
	mov eax, BOOT_DS
	mov ds, eax
	mov es, eax
	mov ss, eax
	mov fs, eax
	mov gs, eax
	mov ebp, edi                            ; rep stosd uses edi, cpuid ebx

	; Zero .bss (page tables and the stack live there; nothing is on it yet).
	mov edi, PHYS(__bss_start)
	mov ecx, PHYS(__bss_end)
	sub ecx, edi
	shr ecx, 2
	xor eax, eax
	rep stosd
	mov esp, PHYS(boot_stack_top)

	call check_long_mode

	; PML4[0] (identity) and PML4[PML4_DIRECT] -> boot_pdpt, whose first four
	; entries cover 4 GiB; PML4[511] -> boot_pdpt_kernel, whose entry for
	; KERNEL_VMA reuses the page directory of the first GiB.
	mov dword [PHYS(boot_pml4)], PHYS(boot_pdpt) + PTE_P + PTE_RW
	mov dword [PHYS(boot_pml4) + PML4_DIRECT * 8], PHYS(boot_pdpt) + PTE_P + PTE_RW
	mov dword [PHYS(boot_pml4) + PML4_KERNEL * 8], PHYS(boot_pdpt_kernel) + PTE_P + PTE_RW
	mov dword [PHYS(boot_pdpt_kernel) + PDPT_KERNEL * 8], PHYS(boot_pd) + PTE_P + PTE_RW
	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, PHYS(boot_pd) + PTE_P + PTE_RW
	mov [PHYS(boot_pdpt) + ecx * 8], eax
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
	mov [PHYS(boot_pd) + ecx * 8], eax
	inc ecx
	cmp ecx, 4 * 512
	jne .pd

	mov eax, PHYS(boot_pml4)
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
	jmp BOOT_CS:PHYS(start64)

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
	mov esi, PHYS(no_long_mode_msg)
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
; Long mode, still at the physical address; ebp = protocol, esi = info
; (zero-extended). Jump to the high half, where the code was linked.
start64:
	mov rax, high64
	jmp rax
high64:
	lgdt [rel boot_gdtr64]                  ; the GDT's high address: the identity map goes
	mov eax, BOOT_DS
	mov ds, eax
	mov es, eax
	mov ss, eax
	xor eax, eax
	mov fs, eax
	mov gs, eax
	lea rsp, [rel boot_stack_top]
	call fpu_init
	mov edi, ebp
	xor ebp, ebp                            ; end of the frame-pointer chain
	call arch_boot
.hang:
	cli
	hlt
	jmp .hang

; x87 and SSE on (every x86_64 CPU has both): no emulation, no lazy #NM
; traps (TS clear; the context switch saves the state eagerly), native x87
; error reporting, SSE instructions allowed (OSFXSR) with SSE exceptions as
; #XM. Then the default state: x87 and SSE exceptions masked, round to
; nearest. Only FP_SRCS code (kernels/Makefile, SSE2 only) ever uses it.
fpu_init:
	mov rax, cr0
	and rax, ~(CR0_EM | CR0_TS)
	or rax, CR0_MP | CR0_NE
	mov cr0, rax
	mov rax, cr4
	or rax, CR4_OSFXSR | CR4_OSXMMEXCPT
	mov cr4, rax
	fninit
	ldmxcsr [rel mxcsr_default]
	ret

section .rodata
mxcsr_default:
	dd 0x1f80
no_long_mode_msg:
	db "AUTON: this CPU has no 64-bit long mode; halted", 13, 10, 0

; The boot GDT: flat 64-bit code and a flat data segment usable in both
; modes. cpu.c installs the kernel's own GDT (with a TSS) later.
align 8
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff                   ; BOOT_CS: 64-bit code, DPL 0
	dq 0x00cf92000000ffff                   ; BOOT_DS: data, 4 GiB, DPL 0
boot_gdt_end:
boot_gdtr:                                      ; for lgdt in 32-bit mode: physical
	dw boot_gdt_end - boot_gdt - 1
	dd PHYS(boot_gdt)
boot_gdtr64:                                    ; and in the high half
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt

; The boot page tables; boot.c extends the early direct map with more page
; directories when RAM reaches beyond 4 GiB.
section .bss.boot nobits alloc noexec write align=4096
global boot_pml4, boot_pdpt, boot_stack_guard, boot_stack_top
boot_pml4:	resb 4096
boot_pdpt:	resb 4096                       ; identity and early direct map
boot_pdpt_kernel:	resb 4096
boot_pd:	resb 4 * 4096                   ; the first 4 GiB in 2 MiB pages
boot_stack_guard:	resb 4096               ; left unmapped by mmu.c: overflows fault
boot_stack:
	resb BOOT_STACK_SIZE
boot_stack_top:
