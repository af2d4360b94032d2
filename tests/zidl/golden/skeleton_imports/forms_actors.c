/* The handlers of the actors in forms.zidl: a starting point written by
 * zidlc 0.1.0 --skeleton. Fill them in; this file is yours to edit. */
#include "forms.zidl.h"
