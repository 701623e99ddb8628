/* The storage test TA's code under a second UUID (see user_ta_header_defines.h). */
#include "../storage_test/storage_test_ta.c"
