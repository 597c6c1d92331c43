/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The topology plan as tables. Plans are written as compact specs:
 *
 *   "<epoch> <proposer> | <mixer> <mixer> … | <client>><mixer> …"
 *
 * e.g. "5 m1 | m1 m2 | c1>m1 c3>m2" (the last two parts are optional).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

/* Words of @s separated by spaces; NULL or blank gives an empty vector. */
static gchar **
words (const gchar * s)
{
  g_auto (GStrv) parts = g_strsplit (s ? s : "", " ", -1);
  GPtrArray *out = g_ptr_array_new ();
  guint i;

  for (i = 0; parts[i]; i++)
    if (*parts[i])
      g_ptr_array_add (out, g_strdup (parts[i]));
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

static GstF2fPlan *
plan_from_spec (const gchar * spec)
{
  g_auto (GStrv) parts = g_strsplit (spec, "|", 3);
  g_auto (GStrv) head = words (parts[0]);
  g_auto (GStrv) mixers = words (parts[0] ? parts[1] : NULL);
  g_auto (GStrv) assign = words (parts[0] && parts[1] ? parts[2] : NULL);
  GstF2fPlan *plan;
  guint i;

  fail_unless (g_strv_length (head) == 2, "bad spec %s", spec);
  plan = gst_f2f_plan_new (g_ascii_strtoull (head[0], NULL, 10), head[1]);
  for (i = 0; mixers[i]; i++)
    gst_f2f_plan_add_mixer (plan, mixers[i]);
  for (i = 0; assign[i]; i++) {
    g_auto (GStrv) pair = g_strsplit (assign[i], ">", 2);
    fail_unless (pair[1] != NULL, "bad assignment in %s", spec);
    gst_f2f_plan_assign (plan, pair[0], pair[1]);
  }
  return plan;
}

/* ---------------------------------------------------------------------- */
/* Validation */

#define VALID -1

typedef struct
{
  const gchar *spec;
  const gchar *members;         /* NULL: ids are not checked against a room */
  gint code;                    /* a GstF2fPlanError, or VALID */
  const gchar *says;            /* part of the message a person reads */
} ValidateCase;

#define LONG_ID "x123456789x123456789x123456789x123456789x123456789" \
  "x123456789x123456789"

static const ValidateCase validate_cases[] = {
  {"0 p", NULL, VALID, NULL},
  {"0 p", "p a", VALID, NULL},
  {"7 p | a", "p a", VALID, NULL},
  {"7 p | a b | c>a d>b", NULL, VALID, NULL},
  {"7 p | a b | c>a d>b", "p a b c d e", VALID, NULL},
  /* invalid ids: proposer, mixer, client, the mixer of an assignment */
  {"7 p@x | a", NULL, GST_F2F_PLAN_ERROR_INVALID_ID,
      "proposer \"p@x\" is not a valid peer id"},
  {"7 p | a.b", NULL, GST_F2F_PLAN_ERROR_INVALID_ID,
      "mixer \"a.b\" is not a valid"},
  {"7 p | a | c/1>a", NULL, GST_F2F_PLAN_ERROR_INVALID_ID,
      "client \"c/1\" is not a valid"},
  {"7 p | a | c>", NULL, GST_F2F_PLAN_ERROR_INVALID_ID,
      "mixer \"\" is not a valid"},
  /* too long: shown cut short */
  {"7 p | " LONG_ID, NULL, GST_F2F_PLAN_ERROR_INVALID_ID, "x123…\""},
  /* a control character is escaped in the message */
  {"7 p | a\001", NULL, GST_F2F_PLAN_ERROR_INVALID_ID, "\"a\\001\""},
  /* unknown peers */
  {"7 q | a", "p a", GST_F2F_PLAN_ERROR_UNKNOWN_PEER,
      "proposer \"q\" is not in the room"},
  {"7 p | a b", "p a", GST_F2F_PLAN_ERROR_UNKNOWN_PEER,
      "mixer \"b\" is not in the room"},
  {"7 p | a | c>a", "p a", GST_F2F_PLAN_ERROR_UNKNOWN_PEER,
      "client \"c\" is not in the room"},
  {"7 p | a | c>z", "p a c", GST_F2F_PLAN_ERROR_UNKNOWN_PEER,
      "mixer \"z\" is not in the room"},
  /* the structure */
  {"7 p | a b a", NULL, GST_F2F_PLAN_ERROR_DUPLICATE_MIXER,
      "mixer \"a\" twice"},
  {"7 p | a | c>b", NULL, GST_F2F_PLAN_ERROR_NOT_A_MIXER,
      "assigns \"c\" to \"b\", which is not one of its mixers"},
  {"0 p | | c>b", NULL, GST_F2F_PLAN_ERROR_NOT_A_MIXER, "not one of its"},
  {"7 p | a b | b>a", NULL, GST_F2F_PLAN_ERROR_CYCLE,
      "makes the mixer \"b\" a client of \"a\""},
  {"7 p | a | a>a", NULL, GST_F2F_PLAN_ERROR_CYCLE,
      "mixer \"a\" to itself"},
  {"0 p | a | c>a", NULL, GST_F2F_PLAN_ERROR_EPOCH, "epoch of at least 1"},
};

static const gchar *
error_nick (gint code)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_F2F_PLAN_ERROR);
  GEnumValue *v = g_enum_get_value (klass, code);
  const gchar *nick = v ? v->value_nick : "valid";

  g_type_class_unref (klass);
  return nick;
}

GST_START_TEST (test_validate)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (validate_cases); i++) {
    const ValidateCase *c = &validate_cases[i];
    g_autoptr (GstF2fPlan) plan = plan_from_spec (c->spec);
    g_auto (GStrv) members = c->members ? words (c->members) : NULL;
    g_autoptr (GError) error = NULL;
    gboolean ok;

    ok = gst_f2f_plan_validate (plan, (const gchar * const *) members,
        &error);
    if (c->code == VALID) {
      fail_unless (ok, "case %u (%s): refused: %s", i, c->spec,
          error ? error->message : "");
      fail_unless (error == NULL);
      continue;
    }
    fail_if (ok, "case %u (%s): accepted, expected %s", i, c->spec,
        error_nick (c->code));
    fail_unless (g_error_matches (error, GST_F2F_PLAN_ERROR, c->code),
        "case %u (%s): expected %s, got %s: %s", i, c->spec,
        error_nick (c->code), error_nick (error->code), error->message);
    fail_unless (strstr (error->message, c->says) != NULL,
        "case %u (%s): the message \"%s\" does not say \"%s\"", i, c->spec,
        error->message, c->says);
    /* and without a GError to fill, still a refusal */
    fail_if (gst_f2f_plan_validate (plan, (const gchar * const *) members,
            NULL));
  }
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* JSON */

static const gchar *round_trip_specs[] = {
  "0 a",
  "7 id | a b | c>a d>b",
  "1 p | m",
  "12 m2 | m2 m1 m3 | c3>m3 c1>m1 c2>m2 c4>m1",
  "9223372036854775807 p | m | c>m",
};

GST_START_TEST (test_json_round_trip)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (round_trip_specs); i++) {
    g_autoptr (GstF2fPlan) plan = plan_from_spec (round_trip_specs[i]);
    g_autoptr (GstF2fPlan) back = NULL;
    g_autoptr (GError) error = NULL;
    g_autofree gchar *json = gst_f2f_plan_to_json (plan);
    g_autofree gchar *again = NULL;

    back = gst_f2f_plan_from_json (json, strlen (json), &error);
    fail_unless (back != NULL, "%s: %s", json, error ? error->message : "");
    fail_unless (gst_f2f_plan_equal (plan, back), "%s changed", json);
    again = gst_f2f_plan_to_json (back);
    fail_unless_equals_string (again, json);
  }
}

GST_END_TEST;

/* The wire form, exactly: assignments sorted by client whatever the order
 * they were made in. */
GST_START_TEST (test_json_exact)
{
  g_autoptr (GstF2fPlan) plan = plan_from_spec ("7 id | a b | d>b c>a");
  g_autoptr (GstF2fPlan) mesh = plan_from_spec ("0 p1");
  g_autofree gchar *json = gst_f2f_plan_to_json (plan);
  g_autofree gchar *mesh_json = gst_f2f_plan_to_json (mesh);

  fail_unless_equals_string (json,
      "{\"epoch\":7,\"proposer\":\"id\",\"mixers\":[\"a\",\"b\"],"
      "\"assign\":{\"c\":\"a\",\"d\":\"b\"}}");
  fail_unless_equals_string (mesh_json,
      "{\"epoch\":0,\"proposer\":\"p1\",\"mixers\":[],\"assign\":{}}");
}

GST_END_TEST;

typedef struct
{
  const gchar *json;
  gint code;                    /* a GstF2fPlanError, or VALID */
  const gchar *says;
} JsonCase;

#define PLAN_JSON(epoch, proposer, mixers, assign) \
  "{\"epoch\":" epoch ",\"proposer\":" proposer ",\"mixers\":" mixers \
  ",\"assign\":" assign "}"

static const JsonCase json_cases[] = {
  /* accepted: whitespace, members in any order, unknown members */
  {" { \"assign\" : {\"c\":\"a\"}, \"mixers\":[\"a\"], \"proposer\":\"p\", "
        "\"epoch\":3 } ", VALID, NULL},
  {PLAN_JSON ("3", "\"p\"", "[\"a\"]", "{}") "", VALID, NULL},
  {"{\"epoch\":3,\"proposer\":\"p\",\"mixers\":[\"a\"],\"assign\":{},"
        "\"note\":[1,{\"x\":null}]}", VALID, NULL},
  /* not a plan at all */
  {"", GST_F2F_PLAN_ERROR_MALFORMED, "malformed plan"},
  {"{", GST_F2F_PLAN_ERROR_MALFORMED, "not JSON"},
  {"[1,2]", GST_F2F_PLAN_ERROR_MALFORMED, "exactly one JSON object"},
  {"{} {}", GST_F2F_PLAN_ERROR_MALFORMED, "exactly one JSON object"},
  {PLAN_JSON ("1", "\"p\"", "[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]", "{}"),
      GST_F2F_PLAN_ERROR_MALFORMED, "nests too deeply"},
  {"{\"epoch\":1,\"proposer\":\"p\\u0000q\",\"mixers\":[],\"assign\":{}}",
      GST_F2F_PLAN_ERROR_MALFORMED, "NUL"},
  {"{\"epoch\":1,\"proposer\":\"p\xff\",\"mixers\":[],\"assign\":{}}",
      GST_F2F_PLAN_ERROR_MALFORMED, "not UTF-8"},
  /* epoch */
  {"{\"proposer\":\"p\",\"mixers\":[],\"assign\":{}}",
      GST_F2F_PLAN_ERROR_MALFORMED, "\"epoch\""},
  {PLAN_JSON ("\"7\"", "\"p\"", "[]", "{}"), GST_F2F_PLAN_ERROR_MALFORMED,
      "\"epoch\""},
  {PLAN_JSON ("7.0", "\"p\"", "[]", "{}"), GST_F2F_PLAN_ERROR_MALFORMED,
      "\"epoch\""},
  {PLAN_JSON ("-1", "\"p\"", "[]", "{}"), GST_F2F_PLAN_ERROR_MALFORMED,
      "\"epoch\""},
  {PLAN_JSON ("true", "\"p\"", "[]", "{}"), GST_F2F_PLAN_ERROR_MALFORMED,
      "\"epoch\""},
  {PLAN_JSON ("null", "\"p\"", "[]", "{}"), GST_F2F_PLAN_ERROR_MALFORMED,
      "\"epoch\""},
  {PLAN_JSON ("99999999999999999999", "\"p\"", "[]", "{}"),
      GST_F2F_PLAN_ERROR_MALFORMED, "\"epoch\""},
  /* proposer */
  {"{\"epoch\":1,\"mixers\":[],\"assign\":{}}", GST_F2F_PLAN_ERROR_MALFORMED,
      "proposer must be a string"},
  {PLAN_JSON ("1", "7", "[]", "{}"), GST_F2F_PLAN_ERROR_MALFORMED,
      "proposer must be a string"},
  {PLAN_JSON ("1", "\"\"", "[]", "{}"), GST_F2F_PLAN_ERROR_INVALID_ID,
      "proposer \"\""},
  {PLAN_JSON ("1", "\"a b\"", "[]", "{}"), GST_F2F_PLAN_ERROR_INVALID_ID,
      "proposer \"a b\""},
  /* mixers */
  {"{\"epoch\":1,\"proposer\":\"p\",\"assign\":{}}",
      GST_F2F_PLAN_ERROR_MALFORMED, "\"mixers\" must be an array"},
  {PLAN_JSON ("1", "\"p\"", "\"a\"", "{}"), GST_F2F_PLAN_ERROR_MALFORMED,
      "\"mixers\" must be an array"},
  {PLAN_JSON ("1", "\"p\"", "{\"a\":1}", "{}"), GST_F2F_PLAN_ERROR_MALFORMED,
      "\"mixers\" must be an array"},
  {PLAN_JSON ("1", "\"p\"", "[\"a\",2]", "{}"), GST_F2F_PLAN_ERROR_MALFORMED,
      "mixer must be a string"},
  {PLAN_JSON ("1", "\"p\"", "[null]", "{}"), GST_F2F_PLAN_ERROR_MALFORMED,
      "mixer must be a string"},
  {PLAN_JSON ("1", "\"p\"", "[\"a;\"]", "{}"), GST_F2F_PLAN_ERROR_INVALID_ID,
      "mixer \"a;\""},
  {PLAN_JSON ("1", "\"p\"", "[\"a\",\"a\"]", "{}"),
      GST_F2F_PLAN_ERROR_DUPLICATE_MIXER, "twice"},
  /* assign */
  {"{\"epoch\":1,\"proposer\":\"p\",\"mixers\":[]}",
      GST_F2F_PLAN_ERROR_MALFORMED, "\"assign\" must be an object"},
  {PLAN_JSON ("1", "\"p\"", "[\"a\"]", "[\"c\",\"a\"]"),
      GST_F2F_PLAN_ERROR_MALFORMED, "\"assign\" must be an object"},
  {PLAN_JSON ("1", "\"p\"", "[\"a\"]", "{\"c\":1}"),
      GST_F2F_PLAN_ERROR_MALFORMED, "mixer must be a string"},
  {PLAN_JSON ("1", "\"p\"", "[\"a\"]", "{\"c\":[\"a\"]}"),
      GST_F2F_PLAN_ERROR_MALFORMED, "mixer must be a string"},
  {PLAN_JSON ("1", "\"p\"", "[\"a\"]", "{\"c!\":\"a\"}"),
      GST_F2F_PLAN_ERROR_INVALID_ID, "client \"c!\""},
  {PLAN_JSON ("1", "\"p\"", "[\"a\"]", "{\"\":\"a\"}"),
      GST_F2F_PLAN_ERROR_INVALID_ID, "client \"\""},
  {PLAN_JSON ("1", "\"p\"", "[\"a\"]", "{\"c\":\"b\"}"),
      GST_F2F_PLAN_ERROR_NOT_A_MIXER, "not one of its mixers"},
  {PLAN_JSON ("1", "\"p\"", "[\"a\",\"b\"]", "{\"b\":\"a\"}"),
      GST_F2F_PLAN_ERROR_CYCLE, "mixer \"b\" a client"},
  {PLAN_JSON ("0", "\"p\"", "[\"a\"]", "{}"), GST_F2F_PLAN_ERROR_EPOCH,
      "epoch"},
};

#define MESH_JSON "{\"epoch\":0,\"proposer\":\"p\",\"mixers\":[],\"assign\":{}}"

static void
check_json_case (guint i, const gchar * json, gsize length, gint code,
    const gchar * says)
{
  g_autoptr (GstF2fPlan) plan = NULL;
  g_autoptr (GError) error = NULL;

  plan = gst_f2f_plan_from_json (json, length, &error);
  if (code == VALID) {
    fail_unless (plan != NULL, "case %u (%s): refused: %s", i, json,
        error ? error->message : "");
    return;
  }
  fail_unless (plan == NULL, "case %u (%.200s): accepted", i, json);
  fail_unless (g_error_matches (error, GST_F2F_PLAN_ERROR, code),
      "case %u (%.200s): expected %s, got %s: %s", i, json,
      error_nick (code), error ? error_nick (error->code) : "nothing",
      error ? error->message : "");
  fail_unless (strstr (error->message, says) != NULL,
      "case %u (%.200s): the message \"%s\" does not say \"%s\"", i, json,
      error->message, says);
}

GST_START_TEST (test_json_malformed)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (json_cases); i++)
    check_json_case (i, json_cases[i].json, strlen (json_cases[i].json),
        json_cases[i].code, json_cases[i].says);
  /* the length is what counts, not a terminating NUL */
  check_json_case (100, MESH_JSON "garbage", strlen (MESH_JSON), VALID, NULL);
}

GST_END_TEST;

/* The size limits, at the limit and one over. */
static gchar *
plan_json_of_size (guint n_mixers, guint n_assignments)
{
  GString *s = g_string_new (NULL);
  guint i;


  g_string_append (s, "{\"epoch\":1,\"proposer\":\"p\",\"mixers\":[");
  for (i = 0; i < n_mixers; i++)
    g_string_append_printf (s, "%s\"m%u\"", i ? "," : "", i);
  g_string_append (s, "],\"assign\":{");
  for (i = 0; i < n_assignments; i++)
    g_string_append_printf (s, "%s\"c%u\":\"m0\"", i ? "," : "", i);
  g_string_append (s, "}}");
  return g_string_free (s, FALSE);
}

GST_START_TEST (test_json_limits)
{
  struct
  {
    guint mixers, assignments;
    gint code;
  } cases[] = {
    {GST_F2F_PLAN_MAX_MIXERS, GST_F2F_PLAN_MAX_ASSIGNMENTS, VALID},
    {GST_F2F_PLAN_MAX_MIXERS + 1, 1, GST_F2F_PLAN_ERROR_TOO_LARGE},
    {1, GST_F2F_PLAN_MAX_ASSIGNMENTS + 1, GST_F2F_PLAN_ERROR_TOO_LARGE},
  };
  g_autofree gchar *huge = NULL;
  guint i;

  fail_unless_equals_int (GST_F2F_PLAN_MAX_MIXERS, 64);
  fail_unless_equals_int (GST_F2F_PLAN_MAX_ASSIGNMENTS, 256);
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *json = plan_json_of_size (cases[i].mixers,
        cases[i].assignments);
    check_json_case (i, json, strlen (json), cases[i].code,
        cases[i].code == VALID ? NULL : "at most");
  }
  /* a frame larger than any plan is refused before parsing */
  huge = g_strnfill (GST_F2F_MAX_FRAME_SIZE + 1, ' ');
  check_json_case (3, huge, strlen (huge), GST_F2F_PLAN_ERROR_TOO_LARGE,
      "at most");
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Which plan wins */

typedef struct
{
  const gchar *candidate;
  const gchar *current;         /* NULL: nothing adopted yet */
  const gchar *leader;
  gboolean supersedes;
} SupersedesCase;

static const SupersedesCase supersedes_cases[] = {
  {"1 a | m | c>m", NULL, NULL, TRUE},
  /* the higher epoch wins, even over the leader */
  {"8 a | m | c>m", "7 z | n | c>n", "z", TRUE},
  {"7 z | n | c>n", "8 a | m | c>m", "z", FALSE},
  {"1 a | m", "0 z", NULL, TRUE},
  {"0 z", "1 a | m", "z", FALSE},
  /* the same plan again */
  {"7 a | m | c>m", "7 a | m | c>m", NULL, FALSE},
  {"7 a | m | c>m", "7 a | m | c>m", "a", FALSE},
  {"0 a", "0 a", NULL, FALSE},
  /* equal epochs, different plans: the leader's */
  {"7 a | m | c>m", "7 b | n | c>n", "a", TRUE},
  {"7 b | n | c>n", "7 a | m | c>m", "a", FALSE},
  /* … then the greater proposer */
  {"7 a | m | c>m", "7 b | n | c>n", "b", FALSE},
  {"7 a | m | c>m", "7 b | n | c>n", NULL, FALSE},
  {"7 b | n | c>n", "7 a | m | c>m", NULL, TRUE},
  {"7 b | n | c>n", "7 a | m | c>m", "x", TRUE},
  {"0 b", "0 a", NULL, TRUE},
  /* the same routing from two proposers is still two plans: one order
   * for all peers */
  {"7 b | m | c>m", "7 a | m | c>m", NULL, TRUE},
  {"7 a | m | c>m", "7 b | m | c>m", NULL, FALSE},
  /* one proposer, two plans at one epoch: still one answer */
  {"7 a | m n", "7 a | n m", NULL, FALSE},
  {"7 a | n m", "7 a | m n", NULL, TRUE},
  {"7 a | m | c>m", "7 a | m", NULL, FALSE},
  {"7 a | m", "7 a | m | c>m", NULL, TRUE},
};

GST_START_TEST (test_supersedes)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (supersedes_cases); i++) {
    const SupersedesCase *c = &supersedes_cases[i];
    g_autoptr (GstF2fPlan) candidate = plan_from_spec (c->candidate);
    g_autoptr (GstF2fPlan) current =
        c->current ? plan_from_spec (c->current) : NULL;

    fail_unless (gst_f2f_plan_supersedes (candidate, current, c->leader) ==
        c->supersedes, "case %u: \"%s\" over \"%s\" (leader %s): expected %s",
        i, c->candidate, c->current, c->leader,
        c->supersedes ? "TRUE" : "FALSE");
  }
}

GST_END_TEST;

/* Whatever order proposals arrive in, every peer keeps the same one: for
 * any two different plans exactly one supersedes the other, and the
 * relation is transitive. */
GST_START_TEST (test_supersedes_total_order)
{
  const gchar *specs[] = {
    "0 a", "0 b", "1 a | m", "1 b | m", "1 a | n", "1 a | m n", "1 a | n m",
    "1 b | m | c>m", "1 z | m | c>m", "2 a | m", "2 z | m | c>m d>m",
  };
  const gchar *leaders[] = { NULL, "a", "b", "z", "x" };
  GstF2fPlan *plans[G_N_ELEMENTS (specs)];
  guint n = G_N_ELEMENTS (specs), l, i, j, k;

  for (i = 0; i < n; i++)
    plans[i] = plan_from_spec (specs[i]);
  for (l = 0; l < G_N_ELEMENTS (leaders); l++) {
    for (i = 0; i < n; i++) {
      fail_if (gst_f2f_plan_supersedes (plans[i], plans[i], leaders[l]));
      for (j = 0; j < n; j++) {
        gboolean ij = gst_f2f_plan_supersedes (plans[i], plans[j],
            leaders[l]);
        gboolean ji = gst_f2f_plan_supersedes (plans[j], plans[i],
            leaders[l]);
        if (i == j)
          continue;
        fail_unless (ij != ji, "\"%s\" and \"%s\" (leader %s): %s", specs[i],
            specs[j], leaders[l], ij ? "each wins" : "neither wins");
        for (k = 0; k < n; k++)
          if (ij && gst_f2f_plan_supersedes (plans[j], plans[k], leaders[l]))
            fail_unless (gst_f2f_plan_supersedes (plans[i], plans[k],
                    leaders[l]), "not transitive: %s > %s > %s (leader %s)",
                specs[i], specs[j], specs[k], leaders[l]);
      }
    }
  }
  for (i = 0; i < n; i++)
    gst_f2f_plan_free (plans[i]);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */

GST_START_TEST (test_describe)
{
  struct
  {
    const gchar *spec, *line;
  } cases[] = {
    {"0 a", "plan 0 by a: mesh"},
    {"5 m1 | m1 m2 | c3>m2 c1>m1 c2>m1",
        "plan 5 by m1: m1 serves c1 c2; m2 serves c3; late joiners go to m1"},
    {"7 p | a b | c>a d>x",
        "plan 7 by p: a serves c; b serves nobody; late joiners go to a; "
          "assigned to non-mixers: d → x"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GstF2fPlan) plan = plan_from_spec (cases[i].spec);
    g_autofree gchar *line = gst_f2f_plan_describe (plan);

    fail_unless_equals_string (line, cases[i].line);
  }
}

GST_END_TEST;

/* A plan travels in GValues (the room's signal, properties) and is freed
 * with g_autoptr; copies are equal and independent. */
GST_START_TEST (test_boxed)
{
  g_autoptr (GstF2fPlan) plan = plan_from_spec ("3 p | m | c>m");
  g_autoptr (GstF2fPlan) copy = NULL;
  GValue v = G_VALUE_INIT;
  const GstF2fPlan *held;

  g_value_init (&v, GST_TYPE_F2F_PLAN);
  g_value_set_boxed (&v, plan);
  held = g_value_get_boxed (&v);
  fail_unless (held != plan);
  fail_unless (gst_f2f_plan_equal (held, plan));
  copy = g_value_dup_boxed (&v);
  g_value_unset (&v);
  gst_f2f_plan_assign (copy, "d", "m");
  fail_if (gst_f2f_plan_equal (copy, plan));
  fail_unless_equals_int (gst_f2f_plan_get_n_assignments (plan), 1);
  fail_unless_equals_int (gst_f2f_plan_get_n_assignments (copy), 2);
  fail_unless_equals_string (gst_f2f_plan_get_assignment (copy, "d"), "m");
  fail_unless (gst_f2f_plan_get_assignment (plan, "d") == NULL);
  fail_unless_equals_string (gst_f2f_plan_get_mixer (plan, 0), "m");
  fail_unless_equals_int (gst_f2f_plan_get_epoch (plan), 3);
  fail_unless_equals_string (gst_f2f_plan_get_proposer (plan), "p");
}

GST_END_TEST;

static Suite *
plan_suite (void)
{
  Suite *s = suite_create ("f2f plan");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_validate);
  tcase_add_test (tc, test_json_round_trip);
  tcase_add_test (tc, test_json_exact);
  tcase_add_test (tc, test_json_malformed);
  tcase_add_test (tc, test_json_limits);
  tcase_add_test (tc, test_supersedes);
  tcase_add_test (tc, test_supersedes_total_order);
  tcase_add_test (tc, test_describe);
  tcase_add_test (tc, test_boxed);
  return s;
}

GST_CHECK_MAIN (plan);
