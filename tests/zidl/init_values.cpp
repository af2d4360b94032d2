// The same checks compiled as C++17: the TYPE_INIT macros are valid there too.
#include "init_values.c"
