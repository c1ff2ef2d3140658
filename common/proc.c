/* Child processes from an argv, with a chosen environment. */
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "error.h"

extern char **environ;

static void proc_child_fd(int want, int target, int devnull)
{
	int fd = want >= 0 ? want : devnull;

	if (fd != target)
		dup2(fd, target);
	else
		fcntl(fd, F_SETFD, 0);
}

/*
 * In the child, after fork: wire fds and exec; never returns. `parent` is
 * the pid of the process that forked.
 */
static void proc_exec_child(const sp_proc_options *opts, int errpipe,
                            pid_t parent)
{
	int devnull = open("/dev/null", O_RDWR);
	int err_fd = opts->stderr_fd == -2 ? opts->stdout_fd : opts->stderr_fd;
	sigset_t none;
	int e;

	if (opts->die_with_parent) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			goto fail;
		/* The parent may have died before prctl: then no signal comes.
		 */
		if (getppid() != parent)
			_exit(127);
	}
	if (opts->new_session)
		setsid();
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* dup2 order: a source may be 0..2 itself, so duplicate upwards first.
	 */
	{
		int in = opts->stdin_fd >= 0
		             ? fcntl(opts->stdin_fd, F_DUPFD_CLOEXEC, 3)
		             : devnull;
		int out = opts->stdout_fd >= 0
		              ? fcntl(opts->stdout_fd, F_DUPFD_CLOEXEC, 3)
		              : devnull;
		int er =
		    err_fd >= 0 ? fcntl(err_fd, F_DUPFD_CLOEXEC, 3) : devnull;

		proc_child_fd(in, 0, devnull);
		proc_child_fd(out, 1, devnull);
		proc_child_fd(er, 2, devnull);
	}
	if (opts->cwd && chdir(opts->cwd) < 0)
		goto fail;
	if (opts->envp)
		execvpe(opts->argv[0], (char *const *)opts->argv, opts->envp);
	else
		execvp(opts->argv[0], (char *const *)opts->argv);
fail:
	e = errno;
	if (write(errpipe, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int sp_proc_spawn(pid_t *pid_out, const sp_proc_options *opts)
{
	int errpipe[2], child_errno = 0;
	pid_t pid, self = getpid();
	ssize_t n;

	if (pipe2(errpipe, O_CLOEXEC) < 0)
		return sp_error_set_os(SP_ERROR, "pipe failed");
	pid = fork();
	if (pid < 0) {
		close(errpipe[0]);
		close(errpipe[1]);
		return sp_error_set_os(SP_ERROR, "fork failed");
	}
	if (pid == 0) {
		close(errpipe[0]);
		proc_exec_child(opts, errpipe[1], self);
	}
	close(errpipe[1]);
	do
		n = read(errpipe[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(errpipe[0]);
	if (n == sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		errno = child_errno;
		return sp_error_set_os(errno == ENOENT ? SP_ENOTFOUND
		                                       : SP_ERROR,
		                       "cannot run '%s'", opts->argv[0]);
	}
	*pid_out = pid;
	return 0;
}

/* An exit code, or 128 + signal. */
static int proc_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int sp_proc_wait(int *status_out, pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return sp_error_set_os(SP_ERROR, "waitpid failed");
	}
	*status_out = proc_status(status);
	return 0;
}

int sp_proc_exited(int *exited, pid_t pid)
{
	siginfo_t info;

	*exited = 0;
	memset(&info, 0, sizeof(info));
	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) <
	       0) {
		if (errno != EINTR)
			return sp_error_set_os(SP_ERROR, "waitid failed");
	}
	*exited = info.si_pid == pid;
	return 0;
}

/* pgid, session and start time of `pid` from /proc/<pid>/stat. */
static int proc_stat(pid_t *pgid, pid_t *sid, unsigned long long *start,
                     pid_t pid)
{
	char path[64];
	sp_buf text = SP_BUF_INIT;
	const char *p;
	long long group = 0, session = 0;
	unsigned long long when = 0;
	int error, n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((error = sp_buf_read_file(&text, path, 4096)) < 0)
		goto done;
	/* The command name (field 2) may hold anything: skip past its ')'. */
	if (!(p = strrchr(text.ptr, ')')) ||
	    sscanf(p + 1,
	           " %*c %*d %lld %lld %*d %*d %*u %*u %*u %*u %*u %*u %*u "
	           "%*d %*d %*d %*d %*d %*d %llu%n",
	           &group, &session, &when, &n) < 3 ||
	    n == 0) {
		error = sp_error_set(SP_EINVALID, "cannot parse '%s'", path);
		goto done;
	}
	*pgid = (pid_t)group;
	*sid = (pid_t)session;
	*start = when;
done:
	sp_buf_dispose(&text);
	return error;
}

int sp_proc_start_time(unsigned long long *out, pid_t pid)
{
	pid_t pgid, sid;

	return proc_stat(&pgid, &sid, out, pid);
}

/* Is any process of group `pgid` in session `pgid`, started at `start` or
 * later? */
static int proc_group_members(pid_t pgid, unsigned long long start)
{
	struct dirent *d;
	DIR *dir;
	int found = 0;

	if (!(dir = opendir("/proc")))
		return 0;
	while (!found && (d = readdir(dir))) {
		unsigned long long when;
		pid_t group, sid;
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (pid <= 0 || *end)
			continue;
		if (proc_stat(&group, &sid, &when, (pid_t)pid) == 0 &&
		    group == pgid && sid == pgid && when >= start)
			found = 1;
	}
	closedir(dir);
	return found;
}

int sp_proc_kill_group(int *killed, pid_t pgid, unsigned long long start_time)
{
	unsigned long long when;
	pid_t group, sid;
	int verified;

	if (killed)
		*killed = 0;
	if (pgid <= 1)
		return sp_error_set(SP_EINVALID, "not a process group: %ld",
		                    (long)pgid);
	if (proc_stat(&group, &sid, &when, pgid) == 0)
		/* The leader runs: it is ours only with the same start time. */
		verified = when == start_time && group == pgid;
	else
		verified = proc_group_members(pgid, start_time);
	if (!verified)
		return 0;
	if (kill(-pgid, SIGKILL) < 0) {
		if (errno == ESRCH)
			return 0;
		return sp_error_set_os(
		    SP_ERROR, "cannot stop process group %ld", (long)pgid);
	}
	if (killed)
		*killed = 1;
	for (int i = 0; i < 200 && kill(-pgid, 0) == 0; i++) {
		struct timespec pause = {0, 10 * 1000 * 1000};

		nanosleep(&pause, NULL);
	}
	return 0;
}

int sp_proc_detach(const sp_proc_options *opts)
{
	sp_proc_options inner = *opts;
	int errpipe[2], child_errno = 0, status;
	ssize_t n;
	pid_t pid;

	if (pipe2(errpipe, O_CLOEXEC) < 0)
		return sp_error_set_os(SP_ERROR, "pipe failed");
	inner.new_session = 1;
	pid = fork();
	if (pid < 0) {
		close(errpipe[0]);
		close(errpipe[1]);
		return sp_error_set_os(SP_ERROR, "fork failed");
	}
	if (pid == 0) {
		/* The middle process: new session, fork the program, leave. */
		close(errpipe[0]);
		setsid();
		if (fork() == 0)
			proc_exec_child(&inner, errpipe[1], getppid());
		_exit(0);
	}
	close(errpipe[1]);
	waitpid(pid, &status, 0);
	do
		n = read(errpipe[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(errpipe[0]);
	if (n == sizeof(child_errno)) {
		errno = child_errno;
		return sp_error_set_os(SP_ERROR, "cannot run '%s'",
		                       opts->argv[0]);
	}
	return 0;
}

int sp_proc_capture(int *status_out, sp_buf *out, size_t max,
                    const sp_proc_options *opts)
{
	sp_proc_options o = *opts;
	int fds[2], error;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return sp_error_set_os(SP_ERROR, "pipe failed");
	o.stdout_fd = fds[1];
	error = sp_proc_spawn(&pid, &o);
	close(fds[1]);
	if (error < 0) {
		close(fds[0]);
		return error;
	}
	error = sp_buf_read_fd(out, fds[0], max);
	close(fds[0]);
	if (error < 0)
		kill(pid, SIGKILL);
	sp_proc_wait(status_out, pid);
	return error;
}

int sp_proc_self_dir(sp_buf *out)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;

	if (n < 0)
		return sp_error_set_os(SP_ERROR, "cannot read /proc/self/exe");
	path[n] = '\0';
	if ((slash = strrchr(path, '/')))
		*slash = '\0';
	sp_buf_sets(out, path);
	return 0;
}
