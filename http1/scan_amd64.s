//go:build !purego

#include "textflag.h"

// Both scans read their input in blocks (indexCtl sixteen bytes, SSE2;
// classify thirty-two, AVX2); the last, partial block is read as the
// block ending at the end of the input, overlapping the one before, with
// the bits of the bytes already checked shifted out of its mask.

// ctlMask sets in DX one bit per byte of X0 below 0x20 or equal to 0x7f
// (X2: 0x1f each byte, X3: 0x7f).
#define ctlMask \
	MOVO X0, X1 \
	PMINUB X2, X1 \
	PCMPEQB X0, X1 \
	PCMPEQB X3, X0 \
	POR X0, X1 \
	PMOVMSKB X1, DX

// dropChecked shifts out of DX the bits of the overlapping last block's
// bytes before AX (len(v) is in BX).
#define dropChecked \
	MOVQ AX, CX \
	SUBQ BX, CX \
	ADDQ $16, CX \
	SHRL CX, DX

// func indexCtl(v []byte) int
TEXT ·indexCtl(SB), NOSPLIT, $0-32
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), BX
	XORQ AX, AX
	MOVOU ctl1f<>(SB), X2
	MOVOU del7f<>(SB), X3
ctlLoop:
	LEAQ 16(AX), CX
	CMPQ CX, BX
	JA   ctlTail
	MOVOU (SI)(AX*1), X0
	ctlMask
	TESTL DX, DX
	JNZ ctlFound
	MOVQ CX, AX
	JMP ctlLoop
ctlTail:
	CMPQ AX, BX
	JEQ ctlNone
	MOVOU -16(SI)(BX*1), X0
	ctlMask
	dropChecked
	TESTL DX, DX
	JZ ctlNone
ctlFound:
	BSFL DX, DX
	ADDQ DX, AX
	MOVQ AX, ret+24(FP)
	RET
ctlNone:
	MOVQ BX, ret+24(FP)
	RET

// classifyBlock sets in DX one bit per byte of Y0 that is not a tchar
// (Y8, Y9: tcharLo, tcharHi in both lanes; Y10: 0x0f each byte; Y14:
// zero) and in R10 one bit per byte below 0x20 but HTAB, or DEL (Y2:
// 0x1f, Y3: 0x7f, Y12: 0x09). Y0 is clobbered.
#define classifyBlock \
	VPSRLW $4, Y0, Y1 \
	VPAND Y10, Y1, Y1 \
	VPSHUFB Y1, Y9, Y4 \
	VPAND Y10, Y0, Y5 \
	VPSHUFB Y5, Y8, Y6 \
	VPAND Y6, Y4, Y4 \
	VPCMPEQB Y14, Y4, Y4 \
	VPMOVMSKB Y4, DX \
	VPMINUB Y2, Y0, Y1 \
	VPCMPEQB Y0, Y1, Y1 \
	VPCMPEQB Y12, Y0, Y5 \
	VPANDN Y1, Y5, Y5 \
	VPCMPEQB Y3, Y0, Y0 \
	VPOR Y0, Y5, Y5 \
	VPMOVMSKB Y5, R10

// func classify(w []byte, name, val *[scanWords]uint64)
// AVX2, two 32-byte blocks a step, their masks joined so that each word
// is written with one store: the parser reads them back as words, and a
// word assembled from two smaller stores cannot be forwarded to it.
TEXT ·classify(SB), NOSPLIT, $0-40
	MOVQ w_base+0(FP), SI
	MOVQ w_len+8(FP), BX
	MOVQ name+24(FP), DI
	MOVQ val+32(FP), R8
	VBROADCASTI128 ·tcharLo(SB), Y8
	VBROADCASTI128 ·tcharHi(SB), Y9
	VBROADCASTI128 nib0f<>(SB), Y10
	VBROADCASTI128 ctl1f<>(SB), Y2
	VBROADCASTI128 del7f<>(SB), Y3
	VBROADCASTI128 tab09<>(SB), Y12
	VPXOR Y14, Y14, Y14
	XORQ AX, AX // offset of the step
	XORQ R9, R9 // offset of its words in name and val: AX/8
clsLoop:
	LEAQ 64(AX), CX
	CMPQ CX, BX
	JA   clsTail
	VMOVDQU (SI)(AX*1), Y0
	classifyBlock
	MOVQ DX, R11
	MOVQ R10, R12
	VMOVDQU 32(SI)(AX*1), Y0
	classifyBlock
	SHLQ $32, DX
	SHLQ $32, R10
	ORQ  R11, DX
	ORQ  R12, R10
	MOVQ DX, (DI)(R9*1)
	MOVQ R10, (R8)(R9*1)
	ADDQ $8, R9
	MOVQ CX, AX
	JMP clsLoop
clsTail:
	// 0 to 63 bytes are left; a block that would run past len(w) is
	// read as the 32 bytes ending there, its checked bytes shifted out.
	CMPQ AX, BX
	JEQ clsDone
	XORQ R11, R11
	XORQ R12, R12
	LEAQ 32(AX), CX
	CMPQ CX, BX
	JAE clsLast
	VMOVDQU (SI)(AX*1), Y0
	classifyBlock
	MOVQ DX, R11
	MOVQ R10, R12
	MOVQ CX, AX
clsLast:
	VMOVDQU -32(SI)(BX*1), Y0
	classifyBlock
	MOVQ AX, CX
	SUBQ BX, CX
	ADDQ $32, CX
	SHRL CX, DX
	SHRL CX, R10
	// the bits go above the first block's, if there was one
	MOVQ AX, CX
	SHLQ $3, R9
	SUBQ R9, CX
	SHRQ $3, R9
	SHLQ CX, DX
	SHLQ CX, R10
	ORQ  R11, DX
	ORQ  R12, R10
	MOVQ DX, (DI)(R9*1)
	MOVQ R10, (R8)(R9*1)
clsDone:
	VZEROUPPER
	RET

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv0() uint32
TEXT ·xgetbv0(SB), NOSPLIT, $0-4
	MOVL $0, CX
	XGETBV
	MOVL AX, ret+0(FP)
	RET

#define splat(name, b) \
	DATA name+0(SB)/8, $b \
	DATA name+8(SB)/8, $b \
	GLOBL name(SB), RODATA|NOPTR, $16

splat(ctl1f<>, 0x1f1f1f1f1f1f1f1f)
splat(del7f<>, 0x7f7f7f7f7f7f7f7f)
splat(nib0f<>, 0x0f0f0f0f0f0f0f0f)
splat(tab09<>, 0x0909090909090909)
