/* Child processes: spawned from an argv (never a shell string), with a chosen
 * environment and wired file descriptors. */
#ifndef SP_PROC_H
#define SP_PROC_H

#include <sys/types.h>

#include "buf.h"
#include "strvec.h"

typedef struct {
	const char *const
	    *argv;         /* argv[0] is looked up in PATH when it has no '/' */
	char *const *envp; /* NULL: inherit this process's environment */
	int stdin_fd;      /* -1: /dev/null */
	int stdout_fd;     /* -1: /dev/null */
	int stderr_fd;     /* -1: /dev/null; -2: same as stdout */
	int new_session;   /* setsid() in the child */
	const char *cwd;   /* NULL: unchanged */
	/*
	 * The child gets SIGKILL when the thread that spawned it ends (even
	 * by SIGKILL): spawn from the main thread for "when this process
	 * dies". Its own children are not covered.
	 */
	int die_with_parent;
} sp_proc_options;

/* Start a child; `*pid_out` gets its pid. The fds given are dup'ed in the
 * child; the caller keeps its own. */
int sp_proc_spawn(pid_t *pid_out, const sp_proc_options *opts);

/* Wait for a child; `*status_out` gets its exit code, or 128 + signal. */
int sp_proc_wait(int *status_out, pid_t pid);

/*
 * Has the child exited? `*exited` is 1 or 0; never blocks. The child is not
 * reaped (sp_proc_wait does): until then its pid, and so its process group
 * id, cannot be reused.
 */
int sp_proc_exited(int *exited, pid_t pid);

/*
 * When `pid` started, in clock ticks after boot (/proc/<pid>/stat): with the
 * pid it names a process across pid reuse. SP_ENOTFOUND when it is gone.
 */
int sp_proc_start_time(unsigned long long *out, pid_t pid);

/*
 * SIGKILL the process group `pgid` whose leader started at `start_time`
 * (sp_proc_start_time), if it still exists, and wait up to 2 s for it to go.
 * The group is verified first: its leader runs with that start time, or,
 * with the leader gone, members of the leader's session that started no
 * earlier. A group that cannot be verified (the pid reused) is left alone.
 * `*killed` (may be NULL) is 1 when a group was killed, 0 otherwise.
 */
int sp_proc_kill_group(int *killed, pid_t pgid, unsigned long long start_time);

/*
 * Start a program fully detached from the caller: its own session, not a
 * child of the caller (double fork), stdio on /dev/null or `log_fd`. Returns
 * once the program has been exec'd (or failed to be).
 */
int sp_proc_detach(const sp_proc_options *opts);

/* Run a child to completion, collecting its stdout (at most `max` bytes) into
 * `out`. */
int sp_proc_capture(int *status_out, sp_buf *out, size_t max,
                    const sp_proc_options *opts);

/* The directory of the running executable (from /proc/self/exe). */
int sp_proc_self_dir(sp_buf *out);

#endif
