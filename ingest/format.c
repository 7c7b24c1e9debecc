#include "normalise.h"

const char *rc_post_format_name(rc_post_format_t fmt) {
    switch (fmt) {
    case RC_FMT_X_V2:
        return "x_v2";
    case RC_FMT_MASTODON:
        return "mastodon";
    case RC_FMT_GENERIC:
        return "generic";
    default:
        return "unknown";
    }
}
