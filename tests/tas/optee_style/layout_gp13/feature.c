// SPDX-License-Identifier: BSD-2-Clause
#include <layout_ta.h>

/* Built because the Makefile says CFG_LAYOUT_FEATURE := y */
uint32_t layout_feature(void)
{
#ifdef CFG_LAYOUT_FEATURE
	return 0xfea70000 | CFG_LAYOUT_FEATURE;
#else
	return 0;
#endif
}
