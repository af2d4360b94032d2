/* Uses a type from the imported schema, so it is rebuilt when that changes. */
#include "top.zidl.h"

size_t app_order_size(void);
size_t app_order_size(void)
{
    return sizeof(shop_Order) + sizeof(common_Item);
}
