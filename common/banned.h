/* Functions that invite overflows or hidden state, made compile errors (git's
 * banned.h). */
#ifndef SP_BANNED_H
#define SP_BANNED_H

#define SP_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) SP_BANNED(strcpy)
#undef strcat
#define strcat(x, y) SP_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) SP_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) SP_BANNED(strncat)
#undef sprintf
#define sprintf(...) SP_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) SP_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) SP_BANNED(strtok)
#undef atoi
#define atoi(x) SP_BANNED(atoi)
#undef atol
#define atol(x) SP_BANNED(atol)
#undef gets
#define gets(x) SP_BANNED(gets)
#undef strtok_r
#define strtok_r(x, y, z) SP_BANNED(strtok_r)
#undef mktemp
#define mktemp(x) SP_BANNED(mktemp)

/* Shared static results (and ctime's fixed format): use gmtime_r,
 * localtime_r and strftime. */
#undef gmtime
#define gmtime(t) SP_BANNED(gmtime)
#undef localtime
#define localtime(t) SP_BANNED(localtime)
#undef ctime
#define ctime(t) SP_BANNED(ctime)
#undef ctime_r
#define ctime_r(t, buf) SP_BANNED(ctime_r)
#undef asctime
#define asctime(t) SP_BANNED(asctime)
#undef asctime_r
#define asctime_r(t, buf) SP_BANNED(asctime_r)

#endif
