// SPDX-License-Identifier: BSD-2-Clause
/*
 * A bare-metal normal world for teesim: what Linux's OP-TEE driver and
 * tee-supplicant do for one request, in a freestanding C program running at
 * non-secure EL1 with the MMU off (virtual = physical addresses), talking to
 * the secure world only with `smc #0` and non-secure DRAM.
 *
 * Boot arguments (set by normal_world/bare_metal/runner.py, the boot loader):
 *   x0, x1  the "ramdisk": address and size of one signed TA image (the
 *           program's /lib/optee_armtz); it also marks the end of the heap
 *   x2      an address in secure DRAM: the last step reads it, which must fault
 *
 * Steps:
 *   1. probe: CALLS_UID (must be the OP-TEE message API), CALLS_REVISION
 *      (major 2), EXCHANGE_CAPABILITIES
 *   2. OPEN_SESSION to the hello TA with CALL_WITH_RPC_ARG, serving the RPCs
 *      that loading the TA needs (LOAD_TA twice, SHM_ALLOC, SHM_FREE)
 *   3. INVOKE_COMMAND TA_HELLO_CMD_INC_VALUE with 41: expect 42
 *   4. CLOSE_SESSION
 *   5. read secure DRAM: the board stops the program with a data abort
 * Exit status (semihosting SYS_EXIT, enum exit_status): 1 boot, 2 probe,
 * 3 open, 4 invoke, 5 close, 6 secure DRAM was readable. There is no 0: on a
 * correct board step 5 never completes.
 */
#include "lib.h"
#include "optee.h"

#define TA_HELLO_CMD_INC_VALUE	0
/* f7fc2b6c-f247-4f1b-92ef-233d76b78653 as RFC 4122 octets. */
static const uint8_t hello_uuid[16] = {
	0xf7, 0xfc, 0x2b, 0x6c, 0xf2, 0x47, 0x4f, 0x1b,
	0x92, 0xef, 0x23, 0x3d, 0x76, 0xb7, 0x86, 0x53,
};

enum exit_status {
	EXIT_BOOT = 1,
	EXIT_PROBE = 2,
	EXIT_OPEN_SESSION = 3,
	EXIT_INVOKE = 4,
	EXIT_CLOSE_SESSION = 5,
	EXIT_ISOLATION_BROKEN = 6,
};

/* No RTC on this board: GET_TIME answers a fixed time (2023-11-14T22:13:20Z). */
#define BOARD_EPOCH_SECONDS	1700000000u
#define PAGE_SIZE		4096u
#define U32(x)			((x) & 0xFFFFFFFFu)

extern char __heap_start[];

/* Shared memory: a bump allocator over [heap_base, heap_end); nothing is freed. */
static uint64_t heap_base, heap_next, heap_end;

static const uint8_t *ramdisk;
static uint64_t ramdisk_size;
static const uint8_t *ramdisk_uuid;	/* NULL: not a bootstrap TA image */

static int use_rpc_arg;
static unsigned int rpc_params;
static struct optee_msg_arg *msg_page;

static struct {
	unsigned int alloc, free, foreign_intr, cmd, load_ta, shm_alloc, shm_free, other;
} rpcs;

static void *shm_alloc(uint64_t size)
{
	uint64_t p = (heap_next + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);

	if (p > heap_end || size > heap_end - p)
		return NULL;
	heap_next = p + size;
	return (void *)p;
}

/* Is [addr, addr + size) shared memory this program handed out? */
static int is_shm(uint64_t addr, uint64_t size)
{
	return addr >= heap_base && addr <= heap_next && size <= heap_next - addr;
}

static struct smc_regs fast_call(uint32_t function, uint64_t a1)
{
	struct smc_regs r = { { function, a1 } };

	smc_call(&r);
	return r;
}

/* -- 1. probe --------------------------------------------------------------- */
static int probe(void)
{
	struct smc_regs r = fast_call(OPTEE_SMC_CALLS_UID, 0);
	uint32_t caps;

	printf("CALLS_UID              %08x %08x %08x %08x\n", (uint32_t)r.a[0], (uint32_t)r.a[1],
	       (uint32_t)r.a[2], (uint32_t)r.a[3]);
	if (r.a[0] != OPTEE_MSG_UID_0 || r.a[1] != OPTEE_MSG_UID_1 ||
	    r.a[2] != OPTEE_MSG_UID_2 || r.a[3] != OPTEE_MSG_UID_3) {
		printf("  api uid mismatch: not an OP-TEE secure world\n");
		return -1;
	}
	printf("  the OP-TEE message API\n");

	r = fast_call(OPTEE_SMC_CALLS_REVISION, 0);
	printf("CALLS_REVISION         %u.%u\n", (uint32_t)r.a[0], (uint32_t)r.a[1]);
	if (r.a[0] != OPTEE_MSG_REVISION_MAJOR) {
		printf("  unsupported message revision\n");
		return -1;
	}

	r = fast_call(OPTEE_SMC_EXCHANGE_CAPABILITIES, OPTEE_SMC_NSEC_CAP_UNIPROCESSOR);
	if (r.a[0] != OPTEE_SMC_RETURN_OK) {
		printf("EXCHANGE_CAPABILITIES  failed: 0x%x\n", (uint32_t)r.a[0]);
		return -1;
	}
	caps = (uint32_t)r.a[1];
	rpc_params = r.a[3] & 0xFF;
	use_rpc_arg = !!(caps & OPTEE_SMC_SEC_CAP_RPC_ARG);
	printf("EXCHANGE_CAPABILITIES  secure caps 0x%x%s%s%s, %u RPC params\n", caps,
	       caps & OPTEE_SMC_SEC_CAP_DYNAMIC_SHM ? " DYNAMIC_SHM" : "",
	       caps & OPTEE_SMC_SEC_CAP_MEMREF_NULL ? " MEMREF_NULL" : "",
	       caps & OPTEE_SMC_SEC_CAP_RPC_ARG ? " RPC_ARG" : "", rpc_params);
	return 0;
}

/* -- RPC: what the secure world asks of us in the middle of a call ------------ */
static uint32_t param_type(const struct optee_msg_param *p)
{
	return p->attr & OPTEE_MSG_ATTR_TYPE_MASK;
}

static int is_tmem(const struct optee_msg_param *p)
{
	return param_type(p) >= OPTEE_MSG_ATTR_TYPE_TMEM_INPUT &&
	       param_type(p) <= OPTEE_MSG_ATTR_TYPE_TMEM_INOUT;
}

/* tee-supplicant's LOAD_TA: value[0] = UUID octets, memref[1] = where the image
 * goes (a NULL buffer asks for the size). The ramdisk holds one TA. */
static uint32_t rpc_load_ta(struct optee_msg_arg *msg)
{
	struct optee_msg_param *uuid = &msg->params[0];
	struct optee_msg_param *image = &msg->params[1];

	rpcs.load_ta++;
	if (msg->num_params != 2 || param_type(uuid) != OPTEE_MSG_ATTR_TYPE_VALUE_INPUT ||
	    !is_tmem(image))
		return TEE_ERROR_BAD_PARAMETERS;
	if (!ramdisk_uuid || memcmp(uuid->u.octets, ramdisk_uuid, 16))
		return TEE_ERROR_ITEM_NOT_FOUND;
	if (image->u.tmem.buf_ptr && image->u.tmem.size >= ramdisk_size) {
		/* Only into memory we shared: never where the secure world merely says. */
		if (!is_shm(image->u.tmem.buf_ptr, ramdisk_size))
			return TEE_ERROR_BAD_PARAMETERS;
		memcpy((void *)image->u.tmem.buf_ptr, ramdisk, ramdisk_size);
	}
	image->u.tmem.size = ramdisk_size;
	return TEE_SUCCESS;
}

/* SHM_ALLOC: value[0] = type, size, alignment; the reply replaces it with a
 * TMEM_OUTPUT memref (address, size, cookie). Our cookie is the address. */
static uint32_t rpc_shm_alloc(struct optee_msg_arg *msg)
{
	struct optee_msg_param *p = &msg->params[0];
	uint64_t size = p->u.value.b;
	void *buf;

	rpcs.shm_alloc++;
	if (msg->num_params != 1 || param_type(p) != OPTEE_MSG_ATTR_TYPE_VALUE_INPUT)
		return TEE_ERROR_BAD_PARAMETERS;
	if (p->u.value.c > PAGE_SIZE)	/* every buffer is page aligned */
		return TEE_ERROR_NOT_SUPPORTED;
	buf = shm_alloc(size ? size : 1);
	if (!buf)
		return TEE_ERROR_OUT_OF_MEMORY;
	p->attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	p->u.tmem.buf_ptr = (uintptr_t)buf;
	p->u.tmem.size = size;
	p->u.tmem.shm_ref = (uintptr_t)buf;
	return TEE_SUCCESS;
}

static uint32_t rpc_get_time(struct optee_msg_arg *msg)
{
	struct optee_msg_param *p = &msg->params[0];

	if (msg->num_params != 1 || param_type(p) != OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT)
		return TEE_ERROR_BAD_PARAMETERS;
	p->u.value.a = BOARD_EPOCH_SECONDS;
	p->u.value.b = 0;
	return TEE_SUCCESS;
}

static void rpc_command(struct optee_msg_arg *msg)
{
	rpcs.cmd++;
	if (msg->num_params > rpc_params) {
		msg->ret = TEE_ERROR_BAD_PARAMETERS;
		return;
	}
	switch (msg->cmd) {
	case OPTEE_RPC_CMD_LOAD_TA:
		msg->ret = rpc_load_ta(msg);
		break;
	case OPTEE_RPC_CMD_SHM_ALLOC:
		msg->ret = rpc_shm_alloc(msg);
		break;
	case OPTEE_RPC_CMD_SHM_FREE:	/* a bump allocator gives nothing back */
		rpcs.shm_free++;
		msg->ret = TEE_SUCCESS;
		break;
	case OPTEE_RPC_CMD_GET_TIME:
		msg->ret = rpc_get_time(msg);
		break;
	case OPTEE_RPC_CMD_SUSPEND:	/* no timer to sleep on: return at once */
		msg->ret = TEE_SUCCESS;
		break;
	default:
		rpcs.other++;
		msg->ret = TEE_ERROR_NOT_SUPPORTED;
		break;
	}
}

/* Serve one RPC return; leaves the RETURN_FROM_RPC call in r (a1-a7 as they
 * came, except where the RPC defines a reply). */
static void serve_rpc(struct smc_regs *r, struct optee_msg_arg *rpc_arg)
{
	uint32_t code = U32(r->a[0]);

	r->a[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
	switch (code) {
	case OPTEE_SMC_RETURN_RPC_ALLOC: {
		uint64_t pa = (uintptr_t)shm_alloc(U32(r->a[1]));

		rpcs.alloc++;
		r->a[1] = pa >> 32;	/* a1:a2 = address (0: out of memory) */
		r->a[2] = U32(pa);
		r->a[4] = pa >> 32;	/* a4:a5 = cookie */
		r->a[5] = U32(pa);
		break;
	}
	case OPTEE_SMC_RETURN_RPC_FREE:
		rpcs.free++;
		break;
	case OPTEE_SMC_RETURN_RPC_FOREIGN_INTR:	/* no interrupt controller: resume */
		rpcs.foreign_intr++;
		break;
	case OPTEE_SMC_RETURN_RPC_CMD: {
		uint64_t cookie = (U32(r->a[1]) << 32) | U32(r->a[2]);
		struct optee_msg_arg *msg = rpc_arg;

		if (cookie)	/* a buffer from RPC_ALLOC: the cookie is its address */
			msg = is_shm(cookie, OPTEE_MSG_GET_ARG_SIZE(rpc_params)) ? (void *)cookie : NULL;
		if (msg)
			rpc_command(msg);
		break;
	}
	default:
		rpcs.other++;
		break;
	}
}

/* -- a yielding call: the message in shared memory, RPCs served until done --- */
static uint32_t do_call(struct optee_msg_arg *arg)
{
	uint64_t pa = (uintptr_t)arg;
	struct optee_msg_arg *rpc_arg = NULL;
	struct smc_regs call = { {
		use_rpc_arg ? OPTEE_SMC_CALL_WITH_RPC_ARG : OPTEE_SMC_CALL_WITH_ARG,
		pa >> 32, U32(pa), OPTEE_SMC_SHM_CACHED,
	} };
	struct smc_regs r = call;
	unsigned int busy = 0;

	if (use_rpc_arg)	/* room for the RPC message right after ours */
		rpc_arg = (void *)((uint8_t *)arg + OPTEE_MSG_GET_ARG_SIZE(arg->num_params));
	memset(&rpcs, 0, sizeof(rpcs));
	for (;;) {
		smc_call(&r);
		if (r.a[0] == OPTEE_SMC_RETURN_ETHREAD_LIMIT && busy++ < 100) {
			r = call;	/* every secure thread busy: try again */
			continue;
		}
		if (!OPTEE_SMC_RETURN_IS_RPC(U32(r.a[0])))
			return U32(r.a[0]);
		serve_rpc(&r, rpc_arg);
	}
}

static struct optee_msg_arg *new_message(uint32_t cmd, uint32_t session, uint32_t num_params)
{
	memset(msg_page, 0, PAGE_SIZE);
	msg_page->cmd = cmd;
	msg_page->session = session;
	msg_page->num_params = num_params;
	return msg_page;
}

static void print_rpcs(void)
{
	printf("  RPCs served: RPC_CMD %u (LOAD_TA %u, SHM_ALLOC %u, SHM_FREE %u, other %u), "
	       "RPC_ALLOC %u, RPC_FREE %u, FOREIGN_INTR %u\n", rpcs.cmd, rpcs.load_ta,
	       rpcs.shm_alloc, rpcs.shm_free, rpcs.other, rpcs.alloc, rpcs.free,
	       rpcs.foreign_intr);
}

/* -- 2-4. the hello TA ---------------------------------------------------------- */
static int open_session(uint32_t *session)
{
	struct optee_msg_arg *arg = new_message(OPTEE_MSG_CMD_OPEN_SESSION, 0, 2);
	uint32_t code;

	arg->params[0].attr = OPTEE_MSG_ATTR_META | OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	memcpy(arg->params[0].u.octets, hello_uuid, sizeof(hello_uuid));
	arg->params[1].attr = OPTEE_MSG_ATTR_META | OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	arg->params[1].u.value.c = OPTEE_MSG_LOGIN_PUBLIC;	/* client UUID: zero */

	code = do_call(arg);
	printf("OPEN_SESSION hello     smc 0x%x, ret 0x%x origin %u, session %u\n", code, arg->ret,
	       arg->ret_origin, arg->session);
	print_rpcs();
	if (code != OPTEE_SMC_RETURN_OK || arg->ret != TEE_SUCCESS)
		return -1;
	*session = arg->session;
	return 0;
}

static int invoke_inc_value(uint32_t session, uint32_t value)
{
	struct optee_msg_arg *arg = new_message(OPTEE_MSG_CMD_INVOKE_COMMAND, session, 1);
	uint32_t code;

	arg->func = TA_HELLO_CMD_INC_VALUE;
	arg->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	arg->params[0].u.value.a = value;

	code = do_call(arg);
	printf("INVOKE INC_VALUE       smc 0x%x, ret 0x%x origin %u: %u -> %u\n", code, arg->ret,
	       arg->ret_origin, value, (uint32_t)arg->params[0].u.value.a);
	if (code != OPTEE_SMC_RETURN_OK || arg->ret != TEE_SUCCESS ||
	    arg->params[0].u.value.a != value + 1)
		return -1;
	return 0;
}

static int close_session(uint32_t session)
{
	struct optee_msg_arg *arg = new_message(OPTEE_MSG_CMD_CLOSE_SESSION, session, 0);
	uint32_t code = do_call(arg);

	printf("CLOSE_SESSION          smc 0x%x, ret 0x%x\n", code, arg->ret);
	return code == OPTEE_SMC_RETURN_OK && arg->ret == TEE_SUCCESS ? 0 : -1;
}

/* -- boot ------------------------------------------------------------------------ */
static const uint8_t *bootstrap_uuid(const uint8_t *image, uint64_t size)
{
	struct shdr hdr;
	uint64_t offset;

	if (size < sizeof(hdr))
		return NULL;
	memcpy(&hdr, image, sizeof(hdr));
	if (hdr.magic != SHDR_MAGIC || hdr.img_type != SHDR_BOOTSTRAP_TA)
		return NULL;
	offset = sizeof(hdr) + hdr.hash_size + hdr.sig_size;
	return offset + 16 <= size ? image + offset : NULL;
}

int main(uint64_t ramdisk_addr, uint64_t ramdisk_len, uint64_t secure_addr)
{
	uint64_t el;
	uint32_t session = 0;
	volatile uint32_t *secure = (volatile uint32_t *)secure_addr;
	uint32_t stolen;

	__asm__ volatile("mrs %0, CurrentEL" : "=r"(el));
	el = (el >> 2) & 3;
	printf("bare-metal normal world: EL%u, MMU off, non-secure DRAM only\n", (uint32_t)el);
	heap_base = heap_next = (uintptr_t)__heap_start;
	heap_end = ramdisk_addr;
	ramdisk = (const uint8_t *)ramdisk_addr;
	ramdisk_size = ramdisk_len;
	ramdisk_uuid = bootstrap_uuid(ramdisk, ramdisk_size);
	printf("ramdisk                %lu bytes at 0x%08lx%s\n", ramdisk_size, ramdisk_addr,
	       ramdisk_uuid ? ", a signed bootstrap TA" : ", not a signed TA image");
	msg_page = shm_alloc(PAGE_SIZE);
	if (el != 1 || !msg_page)
		return EXIT_BOOT;

	if (probe())
		return EXIT_PROBE;
	if (open_session(&session))
		return EXIT_OPEN_SESSION;
	if (invoke_inc_value(session, 41))
		return EXIT_INVOKE;
	if (close_session(session))
		return EXIT_CLOSE_SESSION;

	printf("probe, open, invoke and close done\n");
	printf("reading secure DRAM at 0x%08lx (the board must stop this)\n", secure_addr);
	stolen = *secure;
	printf("read 0x%x from secure DRAM: isolation is broken\n", stolen);
	return EXIT_ISOLATION_BROKEN;
}
