/* Prints the versions the public headers define, as the C preprocessor sees
 * them, for versions.cmake to compare with the project version:
 * ZACTOR_VERSION_MAJOR.MINOR.PATCH, ZACTOR_VERSION_STRING, ZIDL_VERSION_STRING
 * and the runtime version zidl writes into generated headers, one a line. */
#include <stdio.h>
#include <zactor/zactor.h>
#include <zidl/zidl.h>

int main(void)
{
    printf("%d.%d.%d\n", ZACTOR_VERSION_MAJOR, ZACTOR_VERSION_MINOR, ZACTOR_VERSION_PATCH);
    puts(ZACTOR_VERSION_STRING);
    puts(ZIDL_VERSION_STRING);
    puts(ZIDL_RUNTIME_VERSION_MAJOR_TEXT "." ZIDL_RUNTIME_VERSION_MINOR_TEXT);
    return 0;
}
