/* Reading values out of Prometheus text exposition (for `ricochet dev`'s
 * summary). Pure. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

double rc_prom_value(const char *text, const char *name, const char *labels) {
    size_t nl = strlen(name);
    double sum = 0;
    const char *p = text;

    while (p && *p) {
        const char *eol = strchr(p, '\n');
        if (*p != '#' && !strncmp(p, name, nl) && (p[nl] == ' ' || p[nl] == '{')) {
            const char *lb = p + nl;
            int take = 1;
            if (labels) {
                size_t ll = strlen(labels);
                take = lb[0] == '{' && !strncmp(lb + 1, labels, ll) && lb[1 + ll] == '}';
            }
            if (take) {
                const char *end = eol ? eol : p + strlen(p), *sp = end;
                while (sp > p && sp[-1] != ' ')
                    sp--;
                if (sp > p)
                    sum += strtod(sp, NULL);
            }
        }
        p = eol ? eol + 1 : NULL;
    }
    return sum;
}
