#ifndef RELAY_TA_H
#define RELAY_TA_H

/* 042e386a-59dc-411e-829b-d2e1f7ccb8e4 */
#define TA_RELAY_UUID \
	{ 0x042e386a, 0x59dc, 0x411e, { 0x82, 0x9b, 0xd2, 0xe1, 0xf7, 0xcc, 0xb8, 0xe4 } }

/* params[0] MEMREF_INOUT buffer, params[1] VALUE_INPUT a = hops: with hops > 0,
 * pass the buffer on to a new relay instance with hops - 1; at 0, ask the hello
 * TA to reverse it. */
#define CMD_REVERSE_VIA		0
/* params[0] VALUE_OUTPUT: a = client login, b = first 4 bytes of the client UUID */
#define CMD_WHO_CALLED		1
/* params[0] VALUE_OUTPUT: what CMD_WHO_CALLED says when a relay asks another relay */
#define CMD_ASK_WHO_CALLED	2
/* open a session to a relay and keep it (never closed by the TA itself) */
#define CMD_OPEN_AND_KEEP	3

#endif
