/* template_test.c - a broken template (a bug in zidl, never in a schema)
 * ends the run through the memory context with its reason, as
 * zidl_compile() turns into ZIDL_EINTERNAL; it never prints or aborts.
 * Calls the expander directly: no embedded template is broken. */
#include <setjmp.h>
#include <stdbool.h>
#include <string.h>

#include "expect.h"
#include "mem.h"
#include "strbuf.h"
#include "template.h"

static const char tmpl[] = "@@ greeting\nhello {{who}}\n@@ unclosed\nhello {{who\n";

/* Expands section with who set (or not); returns the recorded reason, ""
 * when the expansion succeeded, and the text in *text. */
static const char *expand(zidl__mem *mem, zidl__strbuf *out, const char *section, bool set_who)
{
    jmp_buf on_failure;
    mem->on_failure = &on_failure;
    mem->internal_error[0] = '\0';
    if (setjmp(on_failure) != 0)
        return mem->internal_error;
    if (set_who)
        ZIDL__EXPAND(out, tmpl, section, {"who", "world"});
    else
        zidl__template_expand(out, tmpl, section, NULL, 0);
    return "";
}

int main(void)
{
    zidl_options opts;
    zidl_options_init(&opts);
    zidl__mem mem;
    zidl__mem_init(&mem, &opts);
    zidl__strbuf out;
    zidl__strbuf_init(&out, &mem);

    EXPECT(strcmp(expand(&mem, &out, "greeting", true), "") == 0);
    EXPECT(strcmp(zidl__strbuf_str(&out), "hello world\n") == 0);
    EXPECT(strstr(expand(&mem, &out, "greeting", false), "template variable not set") != NULL);
    EXPECT(strstr(mem.internal_error, "who") != NULL);
    EXPECT(strstr(expand(&mem, &out, "farewell", true), "no template section") != NULL);
    EXPECT(strstr(mem.internal_error, "farewell") != NULL);
    EXPECT(strstr(expand(&mem, &out, "unclosed", true), "unclosed {{") != NULL);
    zidl__mem_free_all(&mem);
    return test_failures == 0 ? 0 : 1;
}
