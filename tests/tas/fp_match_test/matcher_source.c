/* The fingerprint TA's matcher, compiled into this test TA unchanged. */
#include "../../../trusted_apps/fingerprint/matcher/fp_matcher.c"
