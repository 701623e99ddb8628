global-incdirs-y += include
srcs-y += pin_ta.c
