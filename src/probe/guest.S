/*
 * guest.S - the probe guest: 16-bit real-mode code that reads a list of
 * MSRs with RDMSR, turns a #GP into an "absent" record, reports every
 * result over port I/O and halts.  The layout and the report format are in
 * guestimg.h.
 *
 * The image is assembled into .rodata of the probe binary.  Every address
 * in it is a difference of two labels plus the load address, so the
 * assembler resolves them all and the object carries no relocation for the
 * image: the bytes are the same wherever the probe binary is loaded.
 */
#include "guestimg.h"

#define ADDR(l)		((l) - guestimg_payload + GUESTIMG_LOAD)
#define IVT_GP		(13 * 4)
#define IVT_UD		(6 * 4)

	.section .rodata
	.balign	16
	.globl	guestimg_payload
	.type	guestimg_payload, @object
	.globl	guestimg_payload_end
guestimg_payload:
	.code16
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$GUESTIMG_LOAD, %sp

	/* Real-mode vectors are offset:segment pairs at 0000:0000. */
	movw	$ADDR(fault), IVT_GP
	movw	%ax, IVT_GP + 2
	movw	$ADDR(fault), IVT_UD
	movw	%ax, IVT_UD + 2

	movw	$ADDR(list), %si
	lodsw
	movw	%ax, %di
	movb	$GUESTIMG_TAG_START, %al
	outb	%al, $GUESTIMG_PORT
	movw	%di, %ax
	outb	%al, $GUESTIMG_PORT
	movb	%ah, %al
	outb	%al, $GUESTIMG_PORT

next:
	testw	%di, %di
	jz	done
	lodsl
	movl	%eax, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	movb	$GUESTIMG_TAG_READ, %bl
	rdmsr				/* fault sets %bl to absent and skips this */
	movl	%eax, %ebp
	movb	%bl, %al
	outb	%al, $GUESTIMG_PORT
	movl	%ecx, %eax
	call	put32
	movl	%ebp, %eax
	call	put32
	movl	%edx, %eax
	call	put32
	decw	%di
	jmp	next

done:
	movb	$GUESTIMG_TAG_END, %al
	outb	%al, $GUESTIMG_PORT
	movb	$GUESTIMG_DONE_VALUE, %al
	outb	%al, $GUESTIMG_DONE_PORT
halt:
	hlt
	jmp	halt

	/* Write %eax to the report port, low byte first. */
put32:
	movb	$4, %bh
1:	outb	%al, $GUESTIMG_PORT
	shrl	$8, %eax
	decb	%bh
	jnz	1b
	ret

	/*
	 * #GP or #UD from RDMSR: mark the MSR absent, zero the value and
	 * resume after the two-byte RDMSR whose address the CPU pushed.
	 */
fault:
	movb	$GUESTIMG_TAG_ABSENT, %bl
	xorl	%eax, %eax
	xorl	%edx, %edx
	pushw	%bp
	movw	%sp, %bp
	addw	$2, 2(%bp)
	popw	%bp
	iret

	/* The host writes the MSR list here: a 16-bit count, then indices. */
	.org	guestimg_payload + GUESTIMG_LIST_OFF
list:
	.word	0
	.org	guestimg_payload + GUESTIMG_SIZE - 2
	.byte	0x55, 0xaa		/* boot-sector signature, for a PC BIOS */
guestimg_payload_end:
	.size	guestimg_payload, . - guestimg_payload
	.code64

	.section .note.GNU-stack, "", @progbits
