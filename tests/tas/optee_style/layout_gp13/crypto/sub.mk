incdirs-y += priv
srcs-y += digest.c
cflags-digest.c-y += -DDIGEST_ALG=TEE_ALG_SHA256
