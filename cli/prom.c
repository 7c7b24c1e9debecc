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
                /* The value is the field after the labels; the line may
                 * end with a timestamp, and a quoted label value may hold
                 * spaces or braces, so neither the last nor the first space
                 * finds it. */
                const char *v = lb;
                if (*v == '{') {
                    int quoted = 0;
                    for (v++; *v && *v != '\n' && (quoted || *v != '}'); v++) {
                        if (quoted && *v == '\\' && v[1])
                            v++;
                        else if (*v == '"')
                            quoted = !quoted;
                    }
                    if (*v == '}')
                        v++;
                }
                while (*v == ' ' || *v == '\t')
                    v++;
                sum += strtod(v, NULL);
            }
        }
        p = eol ? eol + 1 : NULL;
    }
    return sum;
}
