global-incdirs-y += include
srcs-y += memcheck_ta.c
