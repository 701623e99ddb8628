global-incdirs-y += include
srcs-y += layout_ta.c
srcs-$(CFG_LAYOUT_FEATURE) += feature.c
# Not set anywhere: not built (the file does not even exist)
srcs-$(CFG_LAYOUT_NOT_SET) += not_built.c
subdirs-y += crypto

cflags-y += -DLAYOUT_MAGIC=0x1234
cflags-layout_ta.c-y += -DLAYOUT_FILE_FLAG=7
