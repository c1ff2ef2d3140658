/* Child processes from an argv, with a chosen environment. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "banned.h"
#include "error.h"

extern char **environ;

int sp_env_set(sp_env *env, const char *name, const char *value)
{
	size_t namelen = strlen(name);
	sp_buf var = SP_BUF_INIT;
	int error;

	if ((error = sp_buf_printf(&var, "%s=%s", name, value)) < 0)
		return error;
	for (size_t i = 0; i < env->count; i++) {
		if (!strncmp(env->vars[i], name, namelen) &&
		    env->vars[i][namelen] == '=') {
			free(env->vars[i]);
			env->vars[i] = sp_buf_detach(&var);
			return 0;
		}
	}
	if (env->count + 2 > env->alloc) {
		size_t alloc = env->alloc ? env->alloc * 2 : 16;
		char **vars = realloc(env->vars, alloc * sizeof(*vars));

		if (!vars) {
			sp_buf_dispose(&var);
			return sp_error_set(SP_ENOMEM, "out of memory");
		}
		env->vars = vars;
		env->alloc = alloc;
	}
	env->vars[env->count++] = sp_buf_detach(&var);
	env->vars[env->count] = NULL;
	return 0;
}

int sp_env_pass(sp_env *env, const char *name)
{
	const char *value = getenv(name);

	return value ? sp_env_set(env, name, value) : 0;
}

char *const *sp_env_array(sp_env *env)
{
	static char *empty[] = { NULL };

	return env->count ? env->vars : empty;
}

void sp_env_dispose(sp_env *env)
{
	for (size_t i = 0; i < env->count; i++) {
		/* The values may be secrets: wipe them before freeing. */
		char *v = env->vars[i];
		volatile char *p = v;

		while (*p)
			*p++ = '\0';
		free(v);
	}
	free(env->vars);
	env->vars = NULL;
	env->count = env->alloc = 0;
}

static void proc_child_fd(int want, int target, int devnull)
{
	int fd = want >= 0 ? want : devnull;

	if (fd != target)
		dup2(fd, target);
	else
		fcntl(fd, F_SETFD, 0);
}

/* In the child, after fork: wire fds and exec; never returns. */
static void proc_exec_child(const sp_proc_options *opts, int errpipe)
{
	int devnull = open("/dev/null", O_RDWR);
	int err_fd = opts->stderr_fd == -2 ? opts->stdout_fd : opts->stderr_fd;
	sigset_t none;
	int e;

	if (opts->new_session)
		setsid();
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* dup2 order: a source may be 0..2 itself, so duplicate upwards first. */
	{
		int in = opts->stdin_fd >= 0 ? fcntl(opts->stdin_fd, F_DUPFD_CLOEXEC, 3) : devnull;
		int out = opts->stdout_fd >= 0 ? fcntl(opts->stdout_fd, F_DUPFD_CLOEXEC, 3) : devnull;
		int er = err_fd >= 0 ? fcntl(err_fd, F_DUPFD_CLOEXEC, 3) : devnull;

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
	ssize_t n;
	pid_t pid;

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
		proc_exec_child(opts, errpipe[1]);
	}
	close(errpipe[1]);
	do
		n = read(errpipe[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(errpipe[0]);
	if (n == sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		errno = child_errno;
		return sp_error_set_os(errno == ENOENT ? SP_ENOTFOUND : SP_ERROR,
				       "cannot run '%s'", opts->argv[0]);
	}
	*pid_out = pid;
	return 0;
}

int sp_proc_wait(int *status_out, pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return sp_error_set_os(SP_ERROR, "waitpid failed");
	}
	if (WIFEXITED(status))
		*status_out = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*status_out = 128 + WTERMSIG(status);
	else
		*status_out = 1;
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
			proc_exec_child(&inner, errpipe[1]);
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
		return sp_error_set_os(SP_ERROR, "cannot run '%s'", opts->argv[0]);
	}
	return 0;
}

int sp_proc_capture(int *status_out, sp_buf *out, size_t max, const sp_proc_options *opts)
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
	return sp_buf_sets(out, path);
}
