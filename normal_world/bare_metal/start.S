/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Entry point and the two instructions that leave the program: smc (to the
 * secure monitor) and hlt #0xf000 (Arm semihosting: console and exit).
 *
 * The board starts us at EL1h, MMU off (VA = PA), interrupts masked, with
 * x0-x7 from the boot loader (see main.c) and no valid stack.
 */

	.section .text.start, "ax"
	.global _start
	.type _start, %function
_start:
	/* Stack at the top of our own .stack section (inside non-secure DRAM). */
	adrp	x9, __stack_top
	add	x9, x9, :lo12:__stack_top
	mov	sp, x9

	/* Let EL1 (and EL0) use FP/SIMD: compiled C may. CPACR_EL1.FPEN = 0b11. */
	mov	x9, #(3 << 20)
	msr	cpacr_el1, x9
	isb

	/* Zero .bss (x0-x7 hold the boot arguments: use x9-x11 only). */
	adrp	x9, __bss_start
	add	x9, x9, :lo12:__bss_start
	adrp	x10, __bss_end
	add	x10, x10, :lo12:__bss_end
1:	cmp	x9, x10
	b.hs	2f
	str	xzr, [x9], #8
	b	1b

2:	bl	main
	bl	exit			/* exit(main's return value): does not return */
	.size _start, . - _start

/*
 * void smc_call(struct smc_regs *regs): x0-x7 from regs, smc #0, x0-x7 back
 * into regs. The SMC Calling Convention preserves x18-x30 and sp, so the
 * pointer is kept on the stack across the call.
 */
	.text
	.global smc_call
	.type smc_call, %function
smc_call:
	str	x0, [sp, #-16]!
	mov	x9, x0
	ldp	x0, x1, [x9, #0]
	ldp	x2, x3, [x9, #16]
	ldp	x4, x5, [x9, #32]
	ldp	x6, x7, [x9, #48]
	smc	#0
	ldr	x9, [sp], #16
	stp	x0, x1, [x9, #0]
	stp	x2, x3, [x9, #16]
	stp	x4, x5, [x9, #32]
	stp	x6, x7, [x9, #48]
	ret
	.size smc_call, . - smc_call

/* uint64_t semihosting_call(uint32_t op, uint64_t arg): w0 = op, x1 = arg; result in x0. */
	.global semihosting_call
	.type semihosting_call, %function
semihosting_call:
	hlt	#0xf000
	ret
	.size semihosting_call, . - semihosting_call
