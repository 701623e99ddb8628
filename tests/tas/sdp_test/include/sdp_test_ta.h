#ifndef SDP_TEST_TA_H
#define SDP_TEST_TA_H

/* 41e24ceb-e45c-4949-b4b9-c54240e02abc */
#define TA_SDP_TEST_UUID \
	{ 0x41e24ceb, 0xe45c, 0x4949, { 0xb4, 0xb9, 0xc5, 0x42, 0x40, 0xe0, 0x2a, 0xbc } }

/* params[0] any memref, params[1] VALUE_INOUT: a = TEE_MEMORY_ACCESS_* flags in,
 * b = what TEE_CheckMemoryAccessRights said about the whole memref out. */
#define CMD_CHECK_ACCESS	0
/* params[0] MEMREF_INPUT, params[1] MEMREF_OUTPUT: copy in to out (as much as fits);
 * the output size becomes the bytes copied. */
#define CMD_COPY		1
/* params[0] MEMREF_OUTPUT or INOUT, params[1] VALUE_INPUT a = byte: fill the memref. */
#define CMD_FILL		2
/* params[0] any memref: remember its address past the call (an attack). */
#define CMD_REMEMBER		3
/* params[0] VALUE_OUTPUT a = the first byte at the remembered address (the TA
 * faults if the memory is no longer mapped, as it must be). */
#define CMD_READ_REMEMBERED	4

#endif
