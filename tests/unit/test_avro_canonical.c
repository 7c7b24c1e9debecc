/*
 * Parsing Canonical Form and CRC-64-AVRO fingerprints.
 *
 * The vectors are the published ones from the Avro project's
 * share/test/data/schema-tests.txt (input, canonical form, fingerprint as a
 * Java signed long), which every Avro implementation is checked against.
 * Matching them is what lets another Avro library read our single-object
 * encoded records by fingerprint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "serde.h"

typedef struct {
    const char *input;
    const char *canonical;
    int has_fp;
    int64_t fp; /* as the vectors print it: a signed Java long */
} rc_vector_t;

static const rc_vector_t rc_vectors[] = {
    /* 000 .. 015: primitives, bare and as {"type": ...} */
    {"\"null\"", "\"null\"", 1, 7195948357588979594LL},
    {"{\"type\":\"null\"}", "\"null\"", 0, 0},
    {"\"boolean\"", "\"boolean\"", 1, -6970731678124411036LL},
    {"{\"type\":\"boolean\"}", "\"boolean\"", 0, 0},
    {"\"int\"", "\"int\"", 1, 8247732601305521295LL},
    {"{\"type\":\"int\"}", "\"int\"", 0, 0},
    {"\"long\"", "\"long\"", 1, -3434872931120570953LL},
    {"{\"type\":\"long\"}", "\"long\"", 0, 0},
    {"\"float\"", "\"float\"", 1, 5583340709985441680LL},
    {"{\"type\":\"float\"}", "\"float\"", 0, 0},
    {"\"double\"", "\"double\"", 1, -8181574048448539266LL},
    {"{\"type\":\"double\"}", "\"double\"", 0, 0},
    {"\"bytes\"", "\"bytes\"", 1, 5746618253357095269LL},
    {"{\"type\":\"bytes\"}", "\"bytes\"", 0, 0},
    {"\"string\"", "\"string\"", 1, -8142146995180207161LL},
    {"{\"type\":\"string\"}", "\"string\"", 0, 0},
    /* 016 .. 018: unions */
    {"[  ]", "[]", 1, -1241056759729112623LL},
    {"[ \"int\"  ]", "[\"int\"]", 1, -5232228896498058493LL},
    {"[ \"int\" , {\"type\":\"boolean\"} ]", "[\"int\",\"boolean\"]", 1, 5392556393470105090LL},
    /* 019 .. 026: records, namespaces, stripped attributes, key order */
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"foo\"}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[]}", 1, -4824392279771201922LL},
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"foo\", \"namespace\":\"x.y\"}",
     "{\"name\":\"x.y.foo\",\"type\":\"record\",\"fields\":[]}", 1, 5916914534497305771LL},
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"a.b.foo\", \"namespace\":\"x.y\"}",
     "{\"name\":\"a.b.foo\",\"type\":\"record\",\"fields\":[]}", 1, -4616218487480524110LL},
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"foo\", \"doc\":\"Useful info\"}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[]}", 1, -4824392279771201922LL},
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"foo\", \"aliases\":[\"foo\",\"bar\"]}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[]}", 1, -4824392279771201922LL},
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"foo\", \"doc\":\"foo\", \"aliases\":[\"foo\",\"bar\"]}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[]}", 1, -4824392279771201922LL},
    {"{\"fields\":[{\"type\":{\"type\":\"boolean\"}, \"name\":\"f1\"}], \"type\":\"record\", \"name\":\"foo\"}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[{\"name\":\"f1\",\"type\":\"boolean\"}]}", 1,
     7843277075252814651LL},
    {"{ \"fields\":[{\"type\":\"boolean\", \"aliases\":[], \"name\":\"f1\", \"default\":\"true\"},\n"
     "            {\"order\":\"descending\",\"name\":\"f2\",\"doc\":\"Hello\",\"type\":\"int\"}],\n"
     "  \"type\":\"record\", \"name\":\"foo\"\n}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[{\"name\":\"f1\",\"type\":\"boolean\"},{\"name\":\"f2\","
     "\"type\":\"int\"}]}",
     1, -4860222112080293046LL},
    /* 027 .. 030: enums and fixed */
    {"{\"type\":\"enum\", \"name\":\"foo\", \"symbols\":[\"A1\"]}",
     "{\"name\":\"foo\",\"type\":\"enum\",\"symbols\":[\"A1\"]}", 1, -6342190197741309591LL},
    {"{\"namespace\":\"x.y.z\", \"type\":\"enum\", \"name\":\"foo\", \"doc\":\"foo bar\", "
     "\"symbols\":[\"A1\", \"A2\"]}",
     "{\"name\":\"x.y.z.foo\",\"type\":\"enum\",\"symbols\":[\"A1\",\"A2\"]}", 1, -4448647247586288245LL},
    {"{\"name\":\"foo\",\"type\":\"fixed\",\"size\":15}", "{\"name\":\"foo\",\"type\":\"fixed\",\"size\":15}", 1,
     1756455273707447556LL},
    {"{\"namespace\":\"x.y.z\", \"type\":\"fixed\", \"name\":\"foo\", \"doc\":\"foo bar\", \"size\":32}",
     "{\"name\":\"x.y.z.foo\",\"type\":\"fixed\",\"size\":32}", 1, -3064184465700546786LL},
    /* 031 .. 033: array, map, a recursive record */
    {"{ \"items\":{\"type\":\"null\"}, \"type\":\"array\"}", "{\"type\":\"array\",\"items\":\"null\"}", 1,
     -589620603366471059LL},
    {"{ \"values\":\"string\", \"type\":\"map\"}", "{\"type\":\"map\",\"values\":\"string\"}", 1,
     -8732877298790414990LL},
    {"  {\"name\":\"PigValue\",\"type\":\"record\",\n"
     "   \"fields\":[{\"name\":\"value\", \"type\":[\"null\", \"int\", \"long\", \"PigValue\"]}]}",
     "{\"name\":\"PigValue\",\"type\":\"record\",\"fields\":[{\"name\":\"value\",\"type\":[\"null\",\"int\",\"long\","
     "\"PigValue\"]}]}",
     1, -1759257747318642341LL},
};

static void test_canonical_form_matches_avro_published_vectors(void **state) {
    char err[256];

    for (size_t i = 0; i < sizeof(rc_vectors) / sizeof(rc_vectors[0]); i++) {
        char *pcf = rc_avro_canonical_form(rc_vectors[i].input, err, sizeof(err));
        if (!pcf)
            fail_msg("vector %03zu: %s", i, err);
        if (strcmp(pcf, rc_vectors[i].canonical))
            fail_msg("vector %03zu: got %s, want %s", i, pcf, rc_vectors[i].canonical);
        free(pcf);
    }
}

static void test_fingerprint_matches_avro_published_vectors(void **state) {
    for (size_t i = 0; i < sizeof(rc_vectors) / sizeof(rc_vectors[0]); i++) {
        const char *c = rc_vectors[i].canonical;
        if (!rc_vectors[i].has_fp)
            continue;
        uint64_t fp = rc_avro_fingerprint64(c, strlen(c));
        if (fp != (uint64_t)rc_vectors[i].fp)
            fail_msg("vector %03zu (%s): got 0x%016llx, want 0x%016llx", i, c, (unsigned long long)fp,
                     (unsigned long long)(uint64_t)rc_vectors[i].fp);
    }
}

static void test_fingerprint_of_empty_input_is_the_spec_empty_value(void **state) {
    assert_true(rc_avro_fingerprint64("", 0) == 0xc15d213aa4d7a795ULL);
}

/* Nested definitions inherit the enclosing namespace; references are
 * written as full names; a dotted name ignores the namespace attribute. */
static void test_canonical_form_qualifies_nested_names_and_references(void **state) {
    char err[256];
    char *pcf = rc_avro_canonical_form(
        "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a.b\",\"fields\":["
        " {\"name\":\"in\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":[]}},"
        " {\"name\":\"again\",\"type\":\"Inner\"},"
        " {\"name\":\"other\",\"type\":{\"type\":\"enum\",\"name\":\"c.E\",\"symbols\":[\"X\"]}},"
        " {\"name\":\"e2\",\"type\":{\"type\":\"array\",\"items\":\"c.E\"}}]}",
        err, sizeof(err));
    assert_non_null(pcf);
    assert_string_equal(pcf, "{\"name\":\"a.b.Outer\",\"type\":\"record\",\"fields\":["
                             "{\"name\":\"in\",\"type\":{\"name\":\"a.b.Inner\",\"type\":\"record\",\"fields\":[]}},"
                             "{\"name\":\"again\",\"type\":\"a.b.Inner\"},"
                             "{\"name\":\"other\",\"type\":{\"name\":\"c.E\",\"type\":\"enum\",\"symbols\":[\"X\"]}},"
                             "{\"name\":\"e2\",\"type\":{\"type\":\"array\",\"items\":\"c.E\"}}]}");
    free(pcf);
}

/* [STRINGS], [INTEGERS], [PRIMITIVES] with extra attributes. */
static void test_canonical_form_unescapes_strings_and_unquotes_sizes(void **state) {
    char err[256];
    char *pcf =
        rc_avro_canonical_form("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"\\u0041B\"]}", err, sizeof(err));
    assert_non_null(pcf);
    assert_string_equal(pcf, "{\"name\":\"E\",\"type\":\"enum\",\"symbols\":[\"AB\"]}");
    free(pcf);

    pcf = rc_avro_canonical_form("{\"type\":\"fixed\",\"name\":\"F\",\"size\":\"016\"}", err, sizeof(err));
    assert_non_null(pcf);
    assert_string_equal(pcf, "{\"name\":\"F\",\"type\":\"fixed\",\"size\":16}");
    free(pcf);

    pcf = rc_avro_canonical_form("{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}", err, sizeof(err));
    assert_non_null(pcf);
    assert_string_equal(pcf, "\"long\"");
    free(pcf);
}

static void test_canonical_form_rejects_unknown_type_names_and_bad_json(void **state) {
    char err[256];

    assert_null(rc_avro_canonical_form(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":\"Nope\"}]}", err, sizeof(err)));
    assert_non_null(strstr(err, "Nope"));
    assert_null(rc_avro_canonical_form("{\"type\":", err, sizeof(err)));
    assert_non_null(strstr(err, "not JSON"));
    assert_null(rc_avro_canonical_form("{\"type\":\"record\",\"fields\":[]}", err, sizeof(err)));
    assert_non_null(strstr(err, "name"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_form_matches_avro_published_vectors),
        cmocka_unit_test(test_fingerprint_matches_avro_published_vectors),
        cmocka_unit_test(test_fingerprint_of_empty_input_is_the_spec_empty_value),
        cmocka_unit_test(test_canonical_form_qualifies_nested_names_and_references),
        cmocka_unit_test(test_canonical_form_unescapes_strings_and_unquotes_sizes),
        cmocka_unit_test(test_canonical_form_rejects_unknown_type_names_and_bad_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
