/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The storage test TA: one GP persistent-object call per command, so tests in
 * Python drive TEE_*PersistentObject*, the enumerators and the data streams
 * directly. Handles travel as raw 32-bit values; the TA returns the GP result.
 */
#ifndef STORAGE_TEST_TA_H
#define STORAGE_TEST_TA_H

#define TA_STORAGE_TEST_UUID \
	{ 0x4a0c5f9e, 0x2d1b, 0x4e7a, \
		{ 0x9c, 0x33, 0x6b, 0x21, 0x8e, 0x50, 0x11, 0xd7 } }
#define TA_STORAGE_TEST2_UUID \
	{ 0x4a0c5f9e, 0x2d1b, 0x4e7a, \
		{ 0x9c, 0x33, 0x6b, 0x21, 0x8e, 0x50, 0x11, 0xd8 } }

/* p0 value(a=storage, b=flags), p1 memref id, p2 memref data,
 * p3 value inout (in a = attributes handle, out a = handle) */
#define ST_CMD_CREATE		0
/* p0 value(storage, flags), p1 memref id, p3 value out a = handle */
#define ST_CMD_OPEN		1
/* p0 value(a=handle), p1 memref out: the bytes read (size = count) */
#define ST_CMD_READ		2
/* p0 value(a=handle), p1 memref in */
#define ST_CMD_WRITE		3
/* p0 value(a=handle, b=whence), p1 value(a=offset as int32) */
#define ST_CMD_SEEK		4
/* p0 value(a=handle, b=size) */
#define ST_CMD_TRUNCATE		5
/* p0 value(a=handle), p1 memref new id */
#define ST_CMD_RENAME		6
/* p0 value(a=handle) */
#define ST_CMD_CLOSE		7
#define ST_CMD_CLOSE_DELETE	8
/* p0 value(a=handle), p1 memref out: TEE_ObjectInfo (7 x u32) */
#define ST_CMD_INFO		9
/* p0 value out a = enumerator */
#define ST_CMD_ENUM_ALLOC	10
/* p0 value(a=enumerator) */
#define ST_CMD_ENUM_FREE	11
#define ST_CMD_ENUM_RESET	12
/* p0 value(a=enumerator, b=storage) */
#define ST_CMD_ENUM_START	13
/* p0 value(a=enumerator), p1 memref out info (28 bytes), p2 memref out id */
#define ST_CMD_ENUM_NEXT	14
/* p0 value(a=object type, b=key bits), p1 memref key bytes (empty: generate),
 * p3 value out a = transient handle */
#define ST_CMD_KEY		15
/* p0 value(a=handle, b=attribute id), p1 memref out */
#define ST_CMD_GET_ATTR		16
/* p0 value(a=AES key handle), p1 memref in 16 bytes, p2 memref out 16 bytes:
 * AES-ECB encryption with the key object (persistent or transient) */
#define ST_CMD_AES_ECB		17
/* p0 value(a=storage, b=flags), p1 memref id: create with a NULL handle pointer */
#define ST_CMD_CREATE_CLOSED	18

#endif
