/* Tests of the fault points: SIGKILL exactly where SPACEHOOK_FAULT says. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault.h"
#include "testlib.h"

static const struct {
	const char *env;   /* SPACEHOOK_FAULT (NULL: unset) */
	const char *point; /* the point the child passes */
	int killed;
} cases[] = {
    {"deploy-after-create", "deploy-after-create", 1},
    {"deploy-after-create", "deploy-after-start", 0},
    {"deploy-after", "deploy-after-create", 0},
    {"", "deploy-after-create", 0},
    {NULL, "deploy-after-create", 0},
};

START_TEST(test_point)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (cases[_i].env)
			setenv("SPACEHOOK_FAULT", cases[_i].env, 1);
		else
			unsetenv("SPACEHOOK_FAULT");
		sp_fault(cases[_i].point);
		_exit(7);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (cases[_i].killed) {
		ck_assert(WIFSIGNALED(status));
		ck_assert_int_eq(WTERMSIG(status), SIGKILL);
	} else {
		ck_assert(WIFEXITED(status));
		ck_assert_int_eq(WEXITSTATUS(status), 7);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("point");

	tcase_add_loop_test(tc, test_point, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
