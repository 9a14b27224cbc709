//go:build !purego

#include "textflag.h"

// Both scans take sixteen bytes a turn; the last, partial block is read
// as the sixteen bytes ending at len(v), overlapping the block before,
// with the bits of the bytes already checked shifted out of its mask.

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

#define splat(name, b) \
	DATA name+0(SB)/8, $b \
	DATA name+8(SB)/8, $b \
	GLOBL name(SB), RODATA|NOPTR, $16

splat(ctl1f<>, 0x1f1f1f1f1f1f1f1f)
splat(del7f<>, 0x7f7f7f7f7f7f7f7f)
