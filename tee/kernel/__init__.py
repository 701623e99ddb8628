"""The secure mini-kernel (S-EL1): sessions, TA instances, syscalls and services."""
