// glibc's malloc tuning (mallopt), which the Glibc module leaves out.
#if defined(__linux__)
#include <malloc.h>
#endif
