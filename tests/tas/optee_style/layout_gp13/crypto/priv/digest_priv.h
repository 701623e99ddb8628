/* SPDX-License-Identifier: BSD-2-Clause */
/* Only on the include path of crypto/ (incdirs-y in crypto/sub.mk) */
#ifndef DIGEST_PRIV_H
#define DIGEST_PRIV_H

#define DIGEST_PRIV_MAX_LEN	64

#endif
