/* wrap.h - keeps generated lines within ZIDL__LINE_LIMIT columns.
 *
 * Generated code is read by people (in a debugger, a diff, an editor), so
 * it is laid out the way a careful person would: a long parameter or
 * argument list continues under its first parameter, a long declaration
 * breaks after its `=`, a long string literal is split into two adjacent
 * literals, and a long initialiser macro continues with a backslash on
 * lines aligned under its braces. The templates hold the code on one line
 * each; the emitters wrap what they expanded. */
#ifndef ZIDL__WRAP_H
#define ZIDL__WRAP_H

#include "strbuf.h"

#define ZIDL__LINE_LIMIT 100

/* Rewrites every C line of text longer than ZIDL__LINE_LIMIT, breaking it
 * where its syntax allows. Preprocessor lines, comments and `///` doc
 * comments (the schema author's text) are kept as they are; so is a line
 * with no place to break (an identifier longer than the limit). */
void zidl__wrap_lines(zidl__strbuf *text);

/* Appends `#define name value` (without a newline), where value is a braced
 * initialiser ("{0, {1, 2}, NAME_INIT}"); when that is too long the value
 * goes on continuation lines, broken between its elements, each list's
 * continuation aligned under its first element. */
void zidl__wrap_define(zidl__strbuf *out, const char *name, const char *value);

/* Appends a doc comment, "/" "** " text " *" "/" (without a newline; the
 * API reference reads it with Doxygen), filling lines up to width columns,
 * each continuation line starting " * ". */
void zidl__wrap_comment(zidl__strbuf *out, const char *text, size_t width);

#endif /* ZIDL__WRAP_H */
