"""A bare-metal normal world: a C program at non-secure EL1 on its own emulated core.

``start.S``, ``lib.c``, ``main.c``, ``optee.h`` and ``nw.ld`` are the program
(an OP-TEE driver and supplicant in miniature); ``build.py`` compiles it,
``demo.py`` boots a device and runs it. See docs/normal-world-cpu.md.
"""
