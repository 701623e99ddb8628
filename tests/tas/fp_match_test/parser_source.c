/* The fingerprint TA's record parser, compiled into this test TA unchanged. */
#include "../../../trusted_apps/fingerprint/matcher/fp_iso19794.c"
