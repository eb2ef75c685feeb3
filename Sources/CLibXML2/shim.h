#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
/* Debian builds libxml2 with ICU, so <libxml/encoding.h> pulls in the system
 * <unicode/ucnv.h>, whose UErrorCode clashes with Foundation's _FoundationICU.
 * We never touch the ICU converter fields, so hide them. Never allocate or copy
 * xmlCharEncodingHandler by value in Swift. */
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/tree.h>

/* `xmlFree` is a global function-pointer variable that Swift 6 rejects as
 * shared mutable state; call it through a plain function instead. */
static inline void clibxml2_free(void *pointer) { xmlFree(pointer); }

#endif
