/* Fault injection for the crash tests: die at a named point when
 * $SPACEHOOK_FAULT names it. */
#ifndef SP_FAULT_H
#define SP_FAULT_H

/*
 * When the environment variable SPACEHOOK_FAULT equals `point`, the process
 * kills itself with SIGKILL right here, as a crash or `kill -9` would. The
 * points are named in docs/architecture.md. Costs one getenv otherwise.
 */
void sp_fault(const char *point);

#endif
