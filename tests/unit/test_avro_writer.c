/*
 * ricochet's direct Avro writer (what rc_serde_encode uses) against avro-c's
 * generic value + avro_value_write, the reference: for records generated at
 * random from each of ricochet's four schemas and from a schema that uses
 * every Avro type, both must write the same bytes; for the same records
 * broken at a random place, both must refuse them with the same message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "serde.h"

/* Every Avro type, named types used again by name, a union wider than
 * null + one type, defaults of several kinds, and nesting. */
static const char *rc_all_types_schema =
    "{\"type\":\"record\",\"name\":\"All\",\"namespace\":\"t\",\"fields\":["
    "{\"name\":\"n\",\"type\":\"null\"},"
    "{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"i\",\"type\":\"int\"},"
    "{\"name\":\"l\",\"type\":\"long\",\"default\":-7},"
    "{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"by\",\"type\":\"bytes\"},"
    "{\"name\":\"s\",\"type\":\"string\",\"default\":\"dflt\"},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"Colour\",\"symbols\":[\"RED\",\"GREEN\",\"BLUE\"]}},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"Four\",\"size\":4}},"
    "{\"name\":\"inner\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":["
    "  {\"name\":\"x\",\"type\":\"long\"},{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"},"
    "\"default\":[]}]}},"
    "{\"name\":\"inners\",\"type\":{\"type\":\"array\",\"items\":\"Inner\"}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"long\"]}},"
    "{\"name\":\"u\",\"type\":[\"null\",\"string\",\"long\",\"Inner\",\"Colour\"]},"
    "{\"name\":\"ou\",\"type\":[\"null\",\"Four\"],\"default\":null},"
    "{\"name\":\"aa\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":\"double\"}}},"
    "{\"name\":\"mm\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"map\",\"values\":\"boolean\"}}}"
    "]}";

#include "rng_fixture.h"

/* Lengths around the varint boundaries (one byte holds 0..63 zigzagged). */
static size_t rnd_len(void) {
    static const size_t lens[] = {0, 1, 2, 5, 20, 63, 64, 65, 127, 128, 129, 300, 1000};
    if (below(50) == 0)
        return 9000; /* a three-byte length */
    return lens[below(sizeof(lens) / sizeof(lens[0]))];
}

static json_int_t rnd_long(void) {
    static const json_int_t edges[] = {
        0,    1,     -1,        63,        64,        -64,       -65,       127,          128,       8191,
        8192, -8193, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, 1LL << 35, -(1LL << 49), 1LL << 62, (1LL << 56) + 3};
    if (below(2))
        return edges[below(sizeof(edges) / sizeof(edges[0]))];
    return (json_int_t)rnd();
}

/* A string of "n" bytes mixing ASCII with 2-, 3- and 4-byte UTF-8. */
static json_t *rnd_string(size_t n) {
    static const char *const pieces[] = {"a", "Z", " ", "\"", "\\", "\n", "é", "€", "😀", "ü", "_"};
    char *s = malloc(n + 5);
    size_t o = 0;
    json_t *j;

    assert_non_null(s);
    while (o < n) {
        const char *p = pieces[below(sizeof(pieces) / sizeof(pieces[0]))];
        size_t l = strlen(p);
        if (o + l > n)
            p = "x", l = 1;
        memcpy(s + o, p, l);
        o += l;
    }
    j = json_stringn(s, o);
    free(s);
    assert_non_null(j);
    return j;
}

/* Bytes in Avro's JSON form: each byte one code point 0..255. */
static json_t *rnd_bytes(size_t n) {
    char *s = malloc(n * 2 + 1), *q = s;
    json_t *j;

    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        unsigned c = below(256);
        if (c < 0x80) {
            *q++ = (char)c;
        } else {
            *q++ = (char)(0xC0 | (c >> 6));
            *q++ = (char)(0x80 | (c & 0x3F));
        }
    }
    j = json_stringn(s, (size_t)(q - s));
    free(s);
    assert_non_null(j);
    return j;
}

/* The named types of a schema, by (short) name, for references. */
typedef struct {
    const char *name[64];
    const json_t *type[64];
    size_t n;
} names_t;

static void names_add(names_t *nm, const json_t *s) {
    const char *name = json_string_value(json_object_get(s, "name"));
    if (!name || nm->n == 64)
        return;
    nm->name[nm->n] = name;
    nm->type[nm->n++] = s;
}

/* Registers every named type defined anywhere in schema "s". */
static void names_collect(names_t *nm, const json_t *s) {
    size_t i;
    const json_t *v;
    const char *t;

    if (json_is_array(s)) {
        json_array_foreach(s, i, v) names_collect(nm, v);
        return;
    }
    if (!json_is_object(s))
        return;
    t = json_string_value(json_object_get(s, "type"));
    if (t && (!strcmp(t, "record") || !strcmp(t, "enum") || !strcmp(t, "fixed")))
        names_add(nm, s);
    if (!t)
        names_collect(nm, json_object_get(s, "type"));
    json_array_foreach(json_object_get(s, "fields"), i, v) names_collect(nm, json_object_get(v, "type"));
    names_collect(nm, json_object_get(s, "items"));
    names_collect(nm, json_object_get(s, "values"));
}

static const json_t *names_find(const names_t *nm, const char *name) {
    const char *dot = strrchr(name, '.');
    const char *shortname = dot ? dot + 1 : name;
    for (size_t i = 0; i < nm->n; i++)
        if (!strcmp(nm->name[i], shortname))
            return nm->type[i];
    return NULL;
}

static json_t *gen(names_t *nm, const json_t *s, int depth);

static json_t *gen_named_or_primitive(names_t *nm, const char *t, int depth) {
    if (!strcmp(t, "null"))
        return json_null();
    if (!strcmp(t, "boolean"))
        return json_boolean(below(2));
    if (!strcmp(t, "int")) {
        json_int_t v = rnd_long();
        return json_integer(v >= INT32_MIN && v <= INT32_MAX ? v : (json_int_t)(int32_t)v);
    }
    if (!strcmp(t, "long"))
        return json_integer(rnd_long());
    if (!strcmp(t, "float") || !strcmp(t, "double")) {
        static const double edges[] = {0.0, -0.0, 1.5, -2.25, 1e300, -1e-300, 0.1, 3.4e38};
        double d = below(2) ? edges[below(sizeof(edges) / sizeof(edges[0]))]
                            : ((double)(int64_t)rnd() / 9.2e18) * (double)below(100000);
        if (!strcmp(t, "float") && (d > 3e38 || d < -3e38))
            d = 1.0;
        return json_real(d);
    }
    if (!strcmp(t, "bytes"))
        return rnd_bytes(rnd_len() % 200);
    if (!strcmp(t, "string"))
        return rnd_string(rnd_len());
    const json_t *named = names_find(nm, t);
    assert_non_null(named);
    return gen(nm, named, depth);
}

static json_t *gen(names_t *nm, const json_t *s, int depth) {
    if (json_is_string(s))
        return gen_named_or_primitive(nm, json_string_value(s), depth);
    if (json_is_array(s)) {
        /* Past a few levels prefer null so recursion ends. */
        size_t n = json_array_size(s), b = below((unsigned)n);
        if (depth > 4)
            for (size_t i = 0; i < n; i++)
                if (json_is_string(json_array_get(s, i)) && !strcmp(json_string_value(json_array_get(s, i)), "null"))
                    b = i;
        json_t *v = gen(nm, json_array_get(s, b), depth + 1);
        /* A union wider than null + one type may be written in Avro's
         * wrapped JSON form {"<branch>": value}. */
        if (n > 2 && !json_is_null(v) && below(2)) {
            const json_t *bs = json_array_get(s, b);
            const char *bn =
                json_is_string(bs) ? json_string_value(bs) : json_string_value(json_object_get(bs, "name"));
            char full[128];
            const json_t *named = json_is_string(bs) ? names_find(nm, bn) : bs;
            const char *ns = named ? json_string_value(json_object_get(named, "namespace")) : NULL;
            if (named && json_object_get(named, "name")) {
                /* Named branches go by their full name ("t.Inner"). */
                snprintf(full, sizeof(full), "%s.%s", ns ? ns : "t", json_string_value(json_object_get(named, "name")));
                bn = full;
            }
            json_t *w = json_object();
            json_object_set_new(w, bn, v);
            v = w;
        }
        return v;
    }
    const char *t = json_string_value(json_object_get(s, "type"));
    if (!t)
        return gen(nm, json_object_get(s, "type"), depth);
    if (!strcmp(t, "record")) {
        const json_t *fields = json_object_get(s, "fields"), *f;
        json_t *o = json_object();
        size_t i, n = json_array_size(fields), order[64];
        for (i = 0; i < n; i++)
            order[i] = i;
        /* Mostly schema order (what ricochet builds); sometimes shuffled. */
        if (below(4) == 0)
            for (i = n; i > 1; i--) {
                size_t k = below((unsigned)i), tmp = order[i - 1];
                order[i - 1] = order[k];
                order[k] = tmp;
            }
        for (i = 0; i < n; i++) {
            f = json_array_get(fields, order[i]);
            /* A field with a default may be left out. */
            if (json_object_get(f, "default") && below(3) == 0)
                continue;
            json_object_set_new(o, json_string_value(json_object_get(f, "name")),
                                gen(nm, json_object_get(f, "type"), depth + 1));
        }
        return o;
    }
    if (!strcmp(t, "enum")) {
        const json_t *sy = json_object_get(s, "symbols");
        return json_copy(json_array_get(sy, below((unsigned)json_array_size(sy))));
    }
    if (!strcmp(t, "fixed")) {
        return rnd_bytes((size_t)json_integer_value(json_object_get(s, "size")));
    }
    if (!strcmp(t, "array") || !strcmp(t, "map")) {
        size_t n = depth > 3 ? below(2) : (below(8) == 0 ? 130 + below(20) : below(6));
        json_t *c = t[0] == 'a' ? json_array() : json_object();
        for (size_t i = 0; i < n; i++) {
            json_t *v = gen(nm, json_object_get(s, t[0] == 'a' ? "items" : "values"), depth + 1);
            if (t[0] == 'a') {
                json_array_append_new(c, v);
            } else {
                char key[32];
                snprintf(key, sizeof(key), "k%zu%s", i, below(2) ? "é" : "");
                json_object_set_new(c, key, v);
            }
        }
        return c;
    }
    return gen_named_or_primitive(nm, t, depth);
}

/* Encodes "rec" both ways; both must succeed with the same bytes or both
 * fail with the same message. Returns 1 when they succeeded. */
static int both_agree(const char *schema, const json_t *rec) {
    void *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    char ea[512] = "", eb[512] = "";
    int ra = rc_avro_encode_body(schema, rec, 0, &a, &al, ea, sizeof(ea));
    int rb = rc_avro_encode_body(schema, rec, 1, &b, &bl, eb, sizeof(eb));

    if (ra != rb) {
        char *dump = json_dumps(rec, JSON_COMPACT);
        fail_msg("writer %s, avro-c %s (%s | %s) for %.300s", ra ? "failed" : "succeeded", rb ? "failed" : "succeeded",
                 ea, eb, dump);
    }
    if (ra == 0) {
        if (al != bl || memcmp(a, b, al)) {
            char *dump = json_dumps(rec, JSON_COMPACT);
            size_t i = 0;
            while (i < al && i < bl && ((unsigned char *)a)[i] == ((unsigned char *)b)[i])
                i++;
            fail_msg("bytes differ at %zu (writer %zu bytes, avro-c %zu) for %.300s", i, al, bl, dump);
        }
    } else {
        assert_string_equal(ea, eb);
    }
    free(a);
    free(b);
    return ra == 0;
}

static void check_random_records(const char *schema_text, int count) {
    json_error_t jerr;
    json_t *schema = json_loads(schema_text, 0, &jerr);
    int ok = 0;

    assert_non_null(schema);
    for (int i = 0; i < count; i++) {
        names_t nm = {.n = 0};
        names_collect(&nm, schema);
        json_t *rec = gen(&nm, schema, 0);
        ok += both_agree(schema_text, rec);
        json_decref(rec);
    }
    /* Every generated record is valid: all of them must have encoded. */
    assert_int_equal(ok, count);
    json_decref(schema);
}

static void test_writer_matches_avro_c_byte_for_byte_on_random_posts(void **state) {
    (void)state;
    check_random_records(rc_schema_text(RC_SCHEMA_POST), 200);
}

static void test_writer_matches_avro_c_byte_for_byte_on_random_enriched_posts(void **state) {
    (void)state;
    check_random_records(rc_schema_text(RC_SCHEMA_ENRICHED_POST), 100);
}

static void test_writer_matches_avro_c_byte_for_byte_on_random_actions_and_dead_letters(void **state) {
    (void)state;
    check_random_records(rc_schema_text(RC_SCHEMA_ACTION), 150);
    check_random_records(rc_schema_text(RC_SCHEMA_DEAD_LETTER), 150);
}

static void test_writer_matches_avro_c_on_every_avro_type(void **state) {
    (void)state;
    check_random_records(rc_all_types_schema, 200);
}

/* Counts the values of a tree (objects and arrays included). */
static size_t count_nodes(const json_t *j) {
    size_t n = 1, i;
    const char *k;
    json_t *v;
    if (json_is_object(j))
        json_object_foreach((json_t *)j, k, v) n += count_nodes(v);
    else if (json_is_array(j))
        json_array_foreach(j, i, v) n += count_nodes(v);
    return n;
}

/* Breaks the k-th value below "j" (pre-order, j itself is 0): replaces it
 * with a value of another type, drops a key, or adds an unknown one. */
static int corrupt(json_t *j, size_t *k) {
    size_t i;
    const char *key;
    json_t *v;

    if (json_is_object(j)) {
        json_object_foreach(j, key, v) {
            if ((*k)-- == 1) {
                static json_t *(*const makers[])(void) = {json_object, json_array, json_true};
                switch (below(8)) {
                case 0: json_object_del(j, key); break;
                case 1: json_object_set_new(j, "zz_unknown", json_integer(1)); break;
                case 2: json_object_set_new(j, key, json_string("x")); break;
                case 3: json_object_set_new(j, key, json_integer(below(2) ? 5 : (json_int_t)1 << 40)); break;
                case 4: json_object_set_new(j, key, json_real(1.5)); break;
                case 5: json_object_set_new(j, key, json_null()); break;
                default: json_object_set_new(j, key, makers[below(3)]()); break;
                }
                return 1;
            }
            if (corrupt(v, k))
                return 1;
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            if ((*k)-- == 1) {
                json_array_set_new(j, i, below(2) ? json_string("not-it") : json_integer(3));
                return 1;
            }
            if (corrupt(v, k))
                return 1;
        }
    }
    return 0;
}

static void check_broken_records(const char *schema_text, int count) {
    json_error_t jerr;
    json_t *schema = json_loads(schema_text, 0, &jerr);
    int refused = 0;

    assert_non_null(schema);
    for (int i = 0; i < count; i++) {
        names_t nm = {.n = 0};
        names_collect(&nm, schema);
        json_t *rec = gen(&nm, schema, 0);
        size_t k = 1 + below((unsigned)count_nodes(rec) - 1);
        corrupt(rec, &k);
        refused += !both_agree(schema_text, rec);
        json_decref(rec);
    }
    /* Most breakages are refused (some, like null for an optional field,
     * still make a valid record). */
    assert_true(refused > count / 3);
    json_decref(schema);
}

static void test_writer_refuses_what_avro_c_path_refuses_with_the_same_message(void **state) {
    (void)state;
    check_broken_records(rc_schema_text(RC_SCHEMA_POST), 150);
    check_broken_records(rc_schema_text(RC_SCHEMA_ENRICHED_POST), 100);
    check_broken_records(rc_all_types_schema, 150);
}

/* rc_serde_encode is the 10-byte single-object header and the writer's body. */
static void test_serde_encode_is_header_plus_reference_body(void **state) {
    char err[256];
    rc_serde_t *serde = rc_serde_new(NULL, err, sizeof(err));
    json_error_t jerr;
    json_t *schema = json_loads(rc_schema_text(RC_SCHEMA_POST), 0, &jerr);
    (void)state;

    assert_non_null(serde);
    for (int i = 0; i < 50; i++) {
        names_t nm = {.n = 0};
        names_collect(&nm, schema);
        json_t *rec = gen(&nm, schema, 0);
        void *framed, *body;
        size_t fl, bl;
        assert_int_equal(rc_serde_encode(serde, RC_SCHEMA_POST, NULL, rec, &framed, &fl, err, sizeof(err)), 0);
        assert_int_equal(rc_avro_encode_body(rc_schema_text(RC_SCHEMA_POST), rec, 1, &body, &bl, err, sizeof(err)), 0);
        assert_int_equal(fl, bl + 10);
        assert_int_equal(((unsigned char *)framed)[0], 0xC3);
        assert_int_equal(((unsigned char *)framed)[1], 0x01);
        assert_memory_equal((unsigned char *)framed + 10, body, bl);
        free(framed);
        free(body);
        json_decref(rec);
    }
    json_decref(schema);
    rc_serde_destroy(serde);
}

/* ---- the reader ---------------------------------------------------------- */

/* Reads "body" both ways; both must give the same tree (the same text at
 * full precision, so -0.0 and integer-vs-real show) or fail with the same
 * message. Returns 1 when they read it. */
static int both_read_alike(const char *schema, const void *body, size_t len) {
    char ea[512] = "", eb[512] = "";
    json_t *a = rc_avro_decode_body(schema, body, len, 0, ea, sizeof(ea));
    json_t *b = rc_avro_decode_body(schema, body, len, 1, eb, sizeof(eb));
    int ok = a != NULL;

    if (!a != !b)
        fail_msg("reader %s, avro-c %s (%s | %s)", a ? "read it" : "failed", b ? "read it" : "failed", ea, eb);
    if (a) {
        char *sa = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(17));
        char *sb = json_dumps(b, JSON_COMPACT | JSON_REAL_PRECISION(17));
        assert_non_null(sa);
        assert_non_null(sb);
        if (strcmp(sa, sb) || !json_equal(a, b))
            fail_msg("trees differ:\n reader %.400s\n avro-c %.400s", sa, sb);
        free(sa);
        free(sb);
    } else {
        assert_string_equal(ea, eb);
    }
    json_decref(a);
    json_decref(b);
    return ok;
}

/* Random records of "schema_text": written, then read both ways, whole and
 * broken (a byte changed, cut short, a byte too many). */
static void check_reader(const char *schema_text, int count) {
    json_error_t jerr;
    json_t *schema = json_loads(schema_text, 0, &jerr);
    int whole = 0, broken_read = 0, broken_refused = 0;

    assert_non_null(schema);
    for (int i = 0; i < count; i++) {
        names_t nm = {.n = 0};
        names_collect(&nm, schema);
        json_t *rec = gen(&nm, schema, 0);
        void *body = NULL;
        size_t len = 0;
        char err[512];
        assert_int_equal(rc_avro_encode_body(schema_text, rec, 0, &body, &len, err, sizeof(err)), 0);
        whole += both_read_alike(schema_text, body, len);
        /* The reader gives back what was written (defaults filled in). */
        json_t *back = rc_avro_decode_body(schema_text, body, len, 0, err, sizeof(err));
        void *again = NULL;
        size_t again_len = 0;
        assert_non_null(back);
        assert_int_equal(rc_avro_encode_body(schema_text, back, 0, &again, &again_len, err, sizeof(err)), 0);
        assert_int_equal(again_len, len);
        assert_memory_equal(again, body, len);
        free(again);
        json_decref(back);
        for (int k = 0; k < 8 && len > 0; k++) {
            unsigned char *b = malloc(len + 1);
            size_t bl = len;
            assert_non_null(b);
            memcpy(b, body, len);
            switch (below(4)) {
            case 0: b[below((unsigned)len)] = (unsigned char)below(256); break;
            case 1: b[below((unsigned)len)] ^= (unsigned char)(1u << below(8)); break;
            case 2: bl = below((unsigned)len); break;
            default: b[len] = (unsigned char)below(256), bl = len + 1; break;
            }
            if (both_read_alike(schema_text, b, bl))
                broken_read++;
            else
                broken_refused++;
            free(b);
        }
        free(body);
        json_decref(rec);
    }
    assert_int_equal(whole, count);
    /* Not vacuous: breakage is caught, and some changes still read (a
     * different character, number or branch). */
    assert_true(broken_refused > 0);
    assert_true(broken_read > 0);
    json_decref(schema);
}

static void test_reader_reads_random_records_as_avro_c_does(void **state) {
    (void)state;
    check_reader(rc_schema_text(RC_SCHEMA_POST), 150);
    check_reader(rc_schema_text(RC_SCHEMA_ENRICHED_POST), 80);
    check_reader(rc_schema_text(RC_SCHEMA_ACTION), 80);
    check_reader(rc_schema_text(RC_SCHEMA_DEAD_LETTER), 80);
    check_reader(rc_all_types_schema, 200);
}

/* Bodies no writer of ours makes, written by hand: blocks with a negative
 * count and a byte size, a map key repeated or holding a NUL, a NaN, a
 * string that is not UTF-8, an enum index and a branch out of range. */
static void test_reader_agrees_with_avro_c_on_hand_written_edge_cases(void **state) {
    (void)state;
    static const char *arr = "{\"type\":\"record\",\"name\":\"A\",\"fields\":["
                             "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"long\"}}]}";
    static const char *map = "{\"type\":\"record\",\"name\":\"M\",\"fields\":["
                             "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"int\"}}]}";
    static const char *mapstr = "{\"type\":\"record\",\"name\":\"MS\",\"fields\":["
                                "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"}}]}";
    static const char *dbl = "{\"type\":\"record\",\"name\":\"D\",\"fields\":["
                             "{\"name\":\"d\",\"type\":\"double\"},{\"name\":\"f\",\"type\":\"float\"}]}";
    static const char *str = "{\"type\":\"record\",\"name\":\"S\",\"fields\":["
                             "{\"name\":\"s\",\"type\":[\"null\",\"string\"]}]}";
    static const char *en = "{\"type\":\"record\",\"name\":\"E\",\"fields\":["
                            "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"C\",\"symbols\":[\"A\",\"B\"]}},"
                            "{\"name\":\"u\",\"type\":[\"null\",\"long\",\"string\"]}]}";
    static const struct {
        const char **schema;
        const char *bytes;
        size_t len;
        int reads;
    } cases[] = {
        /* [1, 2] as one block, then [3] as a block of -1 items of 1 byte */
        {&arr, "\x04\x02\x04\x01\x02\x06\x00", 7, 1},
        /* a negative count whose byte size is negative */
        {&arr, "\x01\x01\x02\x00", 4, 0},
        /* {"k": 1, "k": 2}: the key once, the last value */
        {&map, "\x04\x02k\x02\x02k\x04\x00", 8, 1},
        /* {"a\0b": 1, "a": 2}: the key ends at its NUL, so both are "a" */
        {&map, "\x04\x06" "a\0b" "\x02\x02" "a\x04\x00", 10, 1},
        /* a map key that is not UTF-8 */
        {&map, "\x02\x02\xff\x02\x00", 5, 0},
        /* {"a": <not UTF-8>, "a": "ok"}: the overwritten value is never
         * converted, so this reads */
        {&mapstr, "\x04\x02" "a\x02\xff\x02" "a\x04" "ok\x00", 11, 1},
        /* {"a": "ok", "a": <not UTF-8>}: this does not */
        {&mapstr, "\x04\x02" "a\x04" "ok\x02" "a\x02\xff\x00", 11, 0},
        /* NaN double; infinite float */
        {&dbl, "\x00\x00\x00\x00\x00\x00\xf8\x7f\x00\x00\x80\x3f", 12, 0},
        {&dbl, "\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x80\x7f", 12, 0},
        {&dbl, "\x00\x00\x00\x00\x00\x00\x00\x80\x00\x00\x00\x80", 12, 1}, /* -0.0, -0.0f */
        /* strings: invalid UTF-8, a NUL inside, an overlong '/' */
        {&str, "\x02\x04\xc3\x28", 4, 0},
        {&str, "\x02\x06" "a\0b", 5, 1},
        {&str, "\x02\x04\xc0\xaf", 4, 0},
        /* enum index 2 of 2 symbols; union branch 3 of 3; branch 2 */
        {&en, "\x04\x00", 2, 0},
        {&en, "\x02\x06", 2, 0},
        {&en, "\x02\x04\x02x", 4, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (both_read_alike(*cases[i].schema, cases[i].bytes, cases[i].len) != cases[i].reads)
            fail_msg("case %zu: expected it %s", i, cases[i].reads ? "read" : "refused");
    }
}

/* rc_serde_decode() reads what rc_serde_encode() wrote: the direct reader
 * behind the single-object header. */
static void test_serde_decode_reads_back_what_encode_wrote(void **state) {
    char err[256];
    rc_serde_t *serde = rc_serde_new(NULL, err, sizeof(err));
    json_error_t jerr;
    (void)state;

    assert_non_null(serde);
    for (rc_schema_id_t id = 0; id < RC_SCHEMA__CNT; id++) {
        json_t *schema = json_loads(rc_schema_text(id), 0, &jerr);
        assert_non_null(schema);
        for (int i = 0; i < 40; i++) {
            names_t nm = {.n = 0};
            names_collect(&nm, schema);
            json_t *rec = gen(&nm, schema, 0);
            void *framed;
            size_t fl;
            assert_int_equal(rc_serde_encode(serde, id, NULL, rec, &framed, &fl, err, sizeof(err)), 0);
            json_t *a = rc_serde_decode(serde, id, framed, fl, err, sizeof(err));
            json_t *b = rc_avro_decode_body(rc_schema_text(id), (unsigned char *)framed + 10, fl - 10, 1, err,
                                            sizeof(err));
            assert_non_null(a);
            assert_non_null(b);
            assert_true(json_equal(a, b));
            json_decref(a);
            json_decref(b);
            free(framed);
            json_decref(rec);
        }
        json_decref(schema);
    }
    rc_serde_destroy(serde);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_matches_avro_c_byte_for_byte_on_random_posts),
        cmocka_unit_test(test_writer_matches_avro_c_byte_for_byte_on_random_enriched_posts),
        cmocka_unit_test(test_writer_matches_avro_c_byte_for_byte_on_random_actions_and_dead_letters),
        cmocka_unit_test(test_writer_matches_avro_c_on_every_avro_type),
        cmocka_unit_test(test_writer_refuses_what_avro_c_path_refuses_with_the_same_message),
        cmocka_unit_test(test_serde_encode_is_header_plus_reference_body),
        cmocka_unit_test(test_reader_reads_random_records_as_avro_c_does),
        cmocka_unit_test(test_reader_agrees_with_avro_c_on_hand_written_edge_cases),
        cmocka_unit_test(test_serde_decode_reads_back_what_encode_wrote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
