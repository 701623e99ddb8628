/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: the system call stubs (libutee/utee_syscalls_asm.S), with
 * OP-TEE's names and argument lists.
 *
 * ABI: the stub puts TEE_SCN_<NAME> (<tee_syscall_numbers.h>) in x8, the
 * arguments in x0-x7 and executes "svc #0"; the TEE_Result comes back in x0.
 * Arguments are pointers, size_t or unsigned long (signed ones are int32_t),
 * so every argument is register sized. Handles travel as 32-bit values
 * written through uint32_t pointers; output lengths are uint64_t.
 *
 * The deprecated Secure Element calls (TEE_SCN_SE_*) have no stubs.
 */
#ifndef UTEE_SYSCALLS_H
#define UTEE_SYSCALLS_H

#include <compiler.h>
#include <stddef.h>
#include <stdint.h>
#include <tee_api_types.h>
#include <trace.h>
#include <utee_types.h>

void _utee_return(unsigned long ret) __noreturn;

void _utee_log(const void *buf, size_t len);

/* Passes its caller's frame (sp) to the kernel as the second argument */
void _utee_panic(unsigned long code) __noreturn;

/* prop_set is a TEE_PROPSET_* value */
TEE_Result _utee_get_property(unsigned long prop_set, unsigned long index,
			      void *name, uint32_t *name_len, void *buf,
			      uint32_t *blen, uint32_t *prop_type);
TEE_Result _utee_get_property_name_to_index(unsigned long prop_set,
					    const void *name,
					    unsigned long name_len,
					    uint32_t *index);

/* sess is a TEE_TASessionHandle */
TEE_Result _utee_open_ta_session(const TEE_UUID *dest,
				 unsigned long cancel_req_to,
				 struct utee_params *params, uint32_t *sess,
				 uint32_t *ret_orig);
TEE_Result _utee_close_ta_session(unsigned long sess);
TEE_Result _utee_invoke_ta_command(unsigned long sess,
				   unsigned long cancel_req_to,
				   unsigned long cmd_id,
				   struct utee_params *params,
				   uint32_t *ret_orig);

TEE_Result _utee_check_access_rights(uint32_t flags, const void *buf,
				     size_t len);

/* The uint32_t outputs hold a bool */
TEE_Result _utee_get_cancellation_flag(uint32_t *cancel);
TEE_Result _utee_unmask_cancellation(uint32_t *old_mask);
TEE_Result _utee_mask_cancellation(uint32_t *old_mask);

TEE_Result _utee_wait(unsigned long timeout);

/* cat is an enum utee_time_category */
TEE_Result _utee_get_time(unsigned long cat, TEE_Time *time);
TEE_Result _utee_set_ta_time(const TEE_Time *time);

/* Cryptographic operation state */
TEE_Result _utee_cryp_state_alloc(unsigned long algo, unsigned long op_mode,
				  unsigned long key1, unsigned long key2,
				  uint32_t *state);
TEE_Result _utee_cryp_state_copy(unsigned long dst, unsigned long src);
TEE_Result _utee_cryp_state_free(unsigned long state);

/* iv and iv_len are ignored by some algorithms */
TEE_Result _utee_hash_init(unsigned long state, const void *iv, size_t iv_len);
TEE_Result _utee_hash_update(unsigned long state, const void *chunk,
			     size_t chunk_size);
TEE_Result _utee_hash_final(unsigned long state, const void *chunk,
			    size_t chunk_size, void *hash, uint64_t *hash_len);

TEE_Result _utee_cipher_init(unsigned long state, const void *iv,
			     size_t iv_len);
TEE_Result _utee_cipher_update(unsigned long state, const void *src,
			       size_t src_len, void *dest, uint64_t *dest_len);
TEE_Result _utee_cipher_final(unsigned long state, const void *src,
			      size_t src_len, void *dest, uint64_t *dest_len);
/* teesim extension: @map is @count struct tee_subsample entries */
TEE_Result _utee_cipher_subsamples(unsigned long state, const void *iv,
				   size_t iv_len, const void *src, void *dest,
				   size_t len, const void *map, size_t count);

/* Generic and transient objects; obj is a TEE_ObjectHandle */
TEE_Result _utee_cryp_obj_get_info(unsigned long obj,
				   struct utee_object_info *info);
TEE_Result _utee_cryp_obj_restrict_usage(unsigned long obj,
					 unsigned long usage);
TEE_Result _utee_cryp_obj_get_attr(unsigned long obj, unsigned long attr_id,
				   void *buffer, uint64_t *size);
/* type is a TEE_ObjectType */
TEE_Result _utee_cryp_obj_alloc(unsigned long type, unsigned long max_size,
				uint32_t *obj);
TEE_Result _utee_cryp_obj_close(unsigned long obj);
TEE_Result _utee_cryp_obj_reset(unsigned long obj);
TEE_Result _utee_cryp_obj_populate(unsigned long obj,
				   struct utee_attribute *attrs,
				   unsigned long attr_count);
TEE_Result _utee_cryp_obj_copy(unsigned long dst_obj, unsigned long src_obj);
TEE_Result _utee_cryp_obj_generate_key(unsigned long obj,
				       unsigned long key_size,
				       const struct utee_attribute *params,
				       unsigned long param_count);

TEE_Result _utee_cryp_derive_key(unsigned long state,
				 const struct utee_attribute *params,
				 unsigned long param_count,
				 unsigned long derived_key);

TEE_Result _utee_cryp_random_number_generate(void *buf, size_t blen);

/* Authenticated encryption */
TEE_Result _utee_authenc_init(unsigned long state, const void *nonce,
			      size_t nonce_len, size_t tag_len, size_t aad_len,
			      size_t payload_len);
TEE_Result _utee_authenc_update_aad(unsigned long state, const void *aad_data,
				    size_t aad_data_len);
TEE_Result _utee_authenc_update_payload(unsigned long state,
					const void *src_data, size_t src_len,
					void *dest_data, uint64_t *dest_len);
TEE_Result _utee_authenc_enc_final(unsigned long state, const void *src_data,
				   size_t src_len, void *dest_data,
				   uint64_t *dest_len, void *tag,
				   uint64_t *tag_len);
TEE_Result _utee_authenc_dec_final(unsigned long state, const void *src_data,
				   size_t src_len, void *dest_data,
				   uint64_t *dest_len, const void *tag,
				   size_t tag_len);

/* Asymmetric */
TEE_Result _utee_asymm_operate(unsigned long state,
			       const struct utee_attribute *params,
			       unsigned long num_params, const void *src_data,
			       size_t src_len, void *dest_data,
			       uint64_t *dest_len);
TEE_Result _utee_asymm_verify(unsigned long state,
			      const struct utee_attribute *params,
			      unsigned long num_params, const void *data,
			      size_t data_len, const void *sig, size_t sig_len);

/* Persistent objects; obj and attr are TEE_ObjectHandles */
TEE_Result _utee_storage_obj_open(unsigned long storage_id,
				  const void *object_id, size_t object_id_len,
				  unsigned long flags, uint32_t *obj);
TEE_Result _utee_storage_obj_create(unsigned long storage_id,
				    const void *object_id,
				    size_t object_id_len, unsigned long flags,
				    unsigned long attr, const void *data,
				    size_t len, uint32_t *obj);
TEE_Result _utee_storage_obj_del(unsigned long obj);
TEE_Result _utee_storage_obj_rename(unsigned long obj, const void *new_obj_id,
				    size_t new_obj_id_len);

/* Persistent object enumeration; obj_enum is a TEE_ObjectEnumHandle */
TEE_Result _utee_storage_alloc_enum(uint32_t *obj_enum);
TEE_Result _utee_storage_free_enum(unsigned long obj_enum);
TEE_Result _utee_storage_reset_enum(unsigned long obj_enum);
TEE_Result _utee_storage_start_enum(unsigned long obj_enum,
				    unsigned long storage_id);
TEE_Result _utee_storage_next_enum(unsigned long obj_enum,
				   struct utee_object_info *info,
				   void *obj_id, uint64_t *len);

/* Data streams; whence is a TEE_Whence */
TEE_Result _utee_storage_obj_read(unsigned long obj, void *data, size_t len,
				  uint64_t *count);
TEE_Result _utee_storage_obj_write(unsigned long obj, const void *data,
				   size_t len);
TEE_Result _utee_storage_obj_trunc(unsigned long obj, size_t len);
TEE_Result _utee_storage_obj_seek(unsigned long obj, int32_t offset,
				  unsigned long whence);

/* op is an enum utee_cache_operation */
TEE_Result _utee_cache_operation(void *va, size_t l, unsigned long op);

#endif /* UTEE_SYSCALLS_H */
