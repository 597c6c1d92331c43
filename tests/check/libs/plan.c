/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The topology plan as tables. Plans are written as compact specs:
 *
 *   "<epoch> <proposer> | <mixer> <mixer> … | <client>><mixer> …"
 *
 * e.g. "5 m1 | m1 m2 | c1>m1 c3>m2" (the last two parts are optional).
 * Routes are matrices with one row per local peer and one column per
 * remote peer, in the order of the topology's present peers:
 *   feed: '.' self, '-' none, 'C' camera, 'P' composite, 'S' submix;
 *   use:  '.' self, '-' none, 'V' view, 'O' mixer output,
 *         'I' client input, 'M' mixer input.
 * Spaces in specs and matrices are only for the eye.
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
  /* back to the mesh after plans with mixers: a later epoch, no mixers */
  {"8 p", "p", VALID, NULL},
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

    ok = gst_f2f_plan_validate (plan, (const gchar * const *) members, &error);
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
  "8 a",
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

/* What a heartbeat says of a plan (its epoch and proposer) is enough to
 * tell which of two peers holds the winning one, except at the same epoch
 * and proposer, where the two are taken as one plan. */
GST_START_TEST (test_supersedes_known)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (supersedes_cases); i++) {
    const SupersedesCase *c = &supersedes_cases[i];
    g_autoptr (GstF2fPlan) ours = plan_from_spec (c->candidate);
    g_autoptr (GstF2fPlan) theirs =
        c->current ? plan_from_spec (c->current) : NULL;
    gboolean expect, got;

    if (theirs == NULL) {
      got = gst_f2f_plan_supersedes_known (ours, 0, NULL, c->leader);
      expect = TRUE;
    } else {
      guint64 epoch = gst_f2f_plan_get_epoch (theirs);
      const gchar *proposer = gst_f2f_plan_get_proposer (theirs);

      got = gst_f2f_plan_supersedes_known (ours, epoch, proposer, c->leader);
      expect = (gst_f2f_plan_get_epoch (ours) == epoch
          && g_strcmp0 (gst_f2f_plan_get_proposer (ours), proposer) == 0) ?
          FALSE : c->supersedes;
    }
    fail_unless (got == expect, "case %u: \"%s\" over what a heartbeat "
        "says of \"%s\" (leader %s): expected %s", i, c->candidate,
        c->current, c->leader, expect ? "TRUE" : "FALSE");
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
/* Routes */

#define MAX_PEERS 8

typedef struct
{
  const gchar *mixer;
  const gchar *output;
  const gchar *audio;           /* NULL: no such mix */
  const gchar *video;
} MixCase;

typedef struct
{
  const gchar *name;
  const gchar *plan;
  const gchar *present;         /* the order of the matrices */
  const gchar *roles;           /* per present peer: mesh, mixer or
                                 * client:<its mixer> */
  const gchar *feed[MAX_PEERS];
  const gchar *use[MAX_PEERS];
  MixCase mixes[MAX_PEERS];
} Topology;

/* *INDENT-OFF* */
static const Topology topologies[] = {
  {"mesh of 4", "0 a", "a b c d",
    "mesh mesh mesh mesh",
    {". C C C",
     "C . C C",
     "C C . C",
     "C C C ."},
    {". V V V",
     "V . V V",
     "V V . V",
     "V V V ."},
    {{"a", "b", NULL, NULL},
     {"a", "a", NULL, NULL}}},
  {"1 mixer + 3 clients", "3 c1 | m | c1>m c2>m c3>m", "m c1 c2 c3",
    "mixer client:m client:m client:m",
    {". P P P",
     "C . - -",
     "C - . -",
     "C - - ."},
    {". I I I",
     "O . - -",
     "O - . -",
     "O - - ."},
    {{"m", "c1", "m c2 c3", "m c1 c2 c3"},
     {"m", "c2", "m c1 c3", "m c1 c2 c3"},
     {"m", "m", "c1 c2 c3", "m c1 c2 c3"},
     {"c1", "m", NULL, NULL},
     {"m", "nobody", NULL, NULL}}},
  {"2 mixers + 4 clients", "5 m1 | m1 m2 | c1>m1 c2>m1 c3>m2 c4>m2",
    "m1 m2 c1 c2 c3 c4",
    "mixer mixer client:m1 client:m1 client:m2 client:m2",
    {". S P P - -",
     "S . - - P P",
     "C - . - - -",
     "C - - . - -",
     "- C - - . -",
     "- C - - - ."},
    {". M I I - -",
     "M . - - I I",
     "O - . - - -",
     "O - - . - -",
     "- O - - . -",
     "- O - - - ."},
    {{"m1", "c1", "m1 c2 m2", "m1 c1 c2 m2"},
     {"m1", "m2", "m1 c1 c2", "m1 c1 c2"},
     {"m2", "m1", "m2 c3 c4", "m2 c3 c4"},
     {"m2", "c4", "m2 c3 m1", "m2 c3 c4 m1"},
     {"m1", "m1", "c1 c2 m2", "m1 c1 c2 m2"},
     {"m1", "c3", NULL, NULL}}},
  {"3 mixers + 3 clients", "9 m2 | m1 m2 m3 | c1>m1 c2>m2 c3>m3",
    "m1 m2 m3 c1 c2 c3",
    "mixer mixer mixer client:m1 client:m2 client:m3",
    {". S S P - -",
     "S . S - P -",
     "S S . - - P",
     "C - - . - -",
     "- C - - . -",
     "- - C - - ."},
    {". M M I - -",
     "M . M - I -",
     "M M . - - I",
     "O - - . - -",
     "- O - - . -",
     "- - O - - ."},
    {{"m2", "c2", "m2 m1 m3", "m2 c2 m1 m3"},
     {"m1", "m3", "m1 c1", "m1 c1"},
     {"m3", "m3", "c3 m1 m2", "m3 c3 m1 m2"}}},
  /* m2 left: its client goes to the mixer still here, with no new plan;
   * m1's own clients do not move */
  {"a mixer is absent", "4 m1 | m1 m2 | c1>m1 c2>m1 c3>m2", "m1 c1 c2 c3",
    "mixer client:m1 client:m1 client:m1",
    {". P P P",
     "C . - -",
     "C - . -",
     "C - - ."},
    {". I I I",
     "O . - -",
     "O - . -",
     "O - - ."},
    {{"m1", "c3", "m1 c1 c2", "m1 c1 c2 c3"},
     {"m1", "m1", "c1 c2 c3", "m1 c1 c2 c3"},
     {"m2", "c3", NULL, NULL}}},
  /* m2 left: its clients, in id order, to the mixer with the fewest (c3
   * to m3, which had one), the earlier one on a tie (c4 to m1) */
  {"two orphans spread", "7 m1 | m1 m2 m3 | c1>m1 c2>m1 c3>m2 c4>m2 c5>m3",
    "m1 m3 c1 c2 c3 c4 c5",
    "mixer mixer client:m1 client:m1 client:m3 client:m1 client:m3",
    {". S P P - P -",
     "S . - - P - P",
     "C - . - - - -",
     "C - - . - - -",
     "- C - - . - -",
     "C - - - - . -",
     "- C - - - - ."},
    {". M I I - I -",
     "M . - - I - I",
     "O - . - - - -",
     "O - - . - - -",
     "- O - - . - -",
     "O - - - - . -",
     "- O - - - - ."},
    {{"m1", "c4", "m1 c1 c2 m3", "m1 c1 c2 c4 m3"},
     {"m3", "m1", "m3 c3 c5", "m3 c3 c5"},
     {"m3", "c3", "m3 c5 m1", "m3 c3 c5 m1"}}},
  /* no mixer of the plan is here: everyone falls back on the mesh */
  {"every mixer is absent", "4 m1 | m1 | c1>m1 c2>m1", "c1 c2 c3",
    "mesh mesh mesh",
    {". C C",
     "C . C",
     "C C ."},
    {". V V",
     "V . V",
     "V V ."},
    {{"m1", "c1", NULL, NULL}}},
  /* j joined after the plan: a client of the first mixer; "gone" left */
  {"a late joiner", "6 m1 | m1 m2 | c1>m1 c2>m2 gone>m2", "m1 m2 c1 c2 j",
    "mixer mixer client:m1 client:m2 client:m1",
    {". S P - P",
     "S . - P -",
     "C - . - -",
     "- C - . -",
     "C - - - ."},
    {". M I - I",
     "M . - I -",
     "O - . - -",
     "- O - . -",
     "O - - - ."},
    {{"m1", "j", "m1 c1 m2", "m1 c1 j m2"},
     {"m1", "c1", "m1 j m2", "m1 c1 j m2"},
     {"m1", "m2", "m1 c1 j", "m1 c1 j"},
     {"m2", "m1", "m2 c2", "m2 c2"},
     {"m2", "gone", NULL, NULL}}},
};
/* *INDENT-ON* */

static const gchar feed_letters[] = "-CPS";     /* by GstF2fFeed */
static const gchar use_letters[] = "-VOIM";     /* by GstF2fUse */

static gchar *
strip_spaces (const gchar * s)
{
  GString *out = g_string_new (NULL);

  for (; *s; s++)
    if (*s != ' ')
      g_string_append_c (out, *s);
  return g_string_free (out, FALSE);
}

static void
check_roles (const Topology * t, GstF2fPlan * plan, gchar ** present)
{
  g_auto (GStrv) roles = words (t->roles);
  const gchar *const *p = (const gchar * const *) present;
  guint i;

  fail_unless_equals_int (g_strv_length (roles), g_strv_length (present));
  for (i = 0; present[i]; i++) {
    const gchar *mixer;
    GstF2fPlanRole role = gst_f2f_plan_get_role (plan, present[i], p, &mixer);
    g_autofree gchar *got = mixer ?
        g_strdup_printf ("%s:%s", gst_f2f_plan_role_to_string (role), mixer) :
        g_strdup (gst_f2f_plan_role_to_string (role));

    fail_unless (strcmp (got, roles[i]) == 0, "%s: %s is %s, expected %s",
        t->name, present[i], got, roles[i]);
  }
  fail_unless (gst_f2f_plan_get_role (plan, "nobody", p, NULL) ==
      GST_F2F_PLAN_ROLE_ABSENT);
  fail_unless (gst_f2f_plan_is_mesh (plan, p) ==
      (strstr (t->roles, "mesh") != NULL));
}

static void
check_routes (const Topology * t, GstF2fPlan * plan, gchar ** present)
{
  const gchar *const *p = (const gchar * const *) present;
  guint n = g_strv_length (present), i, j;

  for (i = 0; i < n; i++) {
    g_autofree gchar *feed_row = strip_spaces (t->feed[i]);
    g_autofree gchar *use_row = strip_spaces (t->use[i]);

    fail_unless_equals_int (strlen (feed_row), n);
    fail_unless_equals_int (strlen (use_row), n);
    for (j = 0; j < n; j++) {
      GstF2fFeed feed = gst_f2f_plan_feed (plan, present[i], present[j], p);
      GstF2fUse use = gst_f2f_plan_use (plan, present[i], present[j], p);
      gchar want_feed = feed_row[j] == '.' ? '-' : feed_row[j];
      gchar want_use = use_row[j] == '.' ? '-' : use_row[j];

      fail_unless (feed_letters[feed] == want_feed,
          "%s: %s sends %s to %s, expected '%c'", t->name, present[i],
          gst_f2f_feed_to_string (feed), present[j], want_feed);
      fail_unless (use_letters[use] == want_use,
          "%s: %s uses what %s sends as %s, expected '%c'", t->name,
          present[i], present[j], gst_f2f_use_to_string (use), want_use);
      /* what one end uses is what the other sends */
      fail_unless ((use == GST_F2F_USE_NONE) ==
          (gst_f2f_plan_feed (plan, present[j], present[i], p) ==
              GST_F2F_FEED_NONE));
    }
    /* links to peers that are not there carry nothing */
    fail_unless (gst_f2f_plan_feed (plan, present[i], "gone", p) ==
        GST_F2F_FEED_NONE);
    fail_unless (gst_f2f_plan_use (plan, present[i], "gone", p) ==
        GST_F2F_USE_NONE);
  }
}

static void
check_list (const Topology * t, const MixCase * m, const gchar * what,
    gchar ** got, const gchar * want)
{
  g_autofree gchar *joined = got ? g_strjoinv (" ", got) : NULL;

  if (want == NULL) {
    fail_unless (got == NULL, "%s: %s sends %s %s \"%s\", expected none",
        t->name, m->mixer, m->output, what, joined);
    return;
  }
  fail_unless (got != NULL, "%s: %s sends %s no %s, expected \"%s\"",
      t->name, m->mixer, m->output, what, want);
  fail_unless (strcmp (joined, want) == 0,
      "%s: %s sends %s the %s of \"%s\", expected \"%s\"", t->name, m->mixer,
      m->output, what, joined, want);
}

static void
check_mixes (const Topology * t, GstF2fPlan * plan, gchar ** present)
{
  const gchar *const *p = (const gchar * const *) present;
  guint i;

  for (i = 0; i < MAX_PEERS && t->mixes[i].mixer; i++) {
    const MixCase *m = &t->mixes[i];
    g_auto (GStrv) audio = gst_f2f_plan_mix_inputs (plan, m->mixer,
        m->output, p);
    g_auto (GStrv) video = gst_f2f_plan_composite_inputs (plan, m->mixer,
        m->output, p);

    check_list (t, m, "audio mix", audio, m->audio);
    check_list (t, m, "composite", video, m->video);
  }
}

GST_START_TEST (test_routes)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (topologies); i++) {
    const Topology *t = &topologies[i];
    g_autoptr (GstF2fPlan) plan = plan_from_spec (t->plan);
    g_auto (GStrv) present = words (t->present);
    g_autoptr (GError) error = NULL;

    /* every table plan is valid; the absent mixer and the one who left
     * are not in the room any more, so only their syntax is checked */
    fail_unless (gst_f2f_plan_validate (plan, NULL, &error), "%s: %s",
        t->name, error ? error->message : "");
    check_roles (t, plan, present);
    check_routes (t, plan, present);
    check_mixes (t, plan, present);
  }
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Simulation: follow the media as the routes say, for every topology.
 *
 * Audio: what a peer plays is, for each link, what it uses from it — a
 * camera's mic (VIEW, CLIENT_INPUT) is one person; a mix (MIXER_OUTPUT,
 * MIXER_INPUT) is expanded into its inputs, recursively: an input that is
 * the mixer itself is its own mic, a client's is that client's mic, another
 * mixer's is that mixer's submix. Every peer must hear every other peer
 * exactly once and never itself.
 *
 * Video: the same expansion over composites. Every peer must see every
 * other peer exactly once. A client and a mixer also see themselves once:
 * a mixer makes ONE composite for all its clients, and that picture holds
 * each of them (and the mixer shows its user that same picture). In the
 * mesh nobody sees themselves in the room view. */

static void
count (GHashTable * got, const gchar * peer)
{
  g_hash_table_insert (got, (gpointer) peer,
      GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (got,
                  peer)) + 1));
}

static const gchar *
find_present (gchar ** present, const gchar * peer)
{
  guint i;

  for (i = 0; present[i]; i++)
    if (strcmp (present[i], peer) == 0)
      return present[i];
  return NULL;
}

/* What @mixer sends @output (or plays itself), in people. */
static void
expand (const GstF2fPlan * plan, const gchar * mixer, const gchar * output,
    gchar ** present, gboolean audio, GHashTable * got, guint depth)
{
  const gchar *const *p = (const gchar * const *) present;
  g_auto (GStrv) inputs = audio ?
      gst_f2f_plan_mix_inputs (plan, mixer, output, p) :
      gst_f2f_plan_composite_inputs (plan, mixer, output, p);
  guint i;

  fail_unless (depth < 4, "mixes loop through %s", mixer);
  fail_unless (inputs != NULL, "%s makes no mix for %s", mixer, output);
  if (strcmp (mixer, output) != 0) {
    GstF2fFeed feed = gst_f2f_plan_feed (plan, mixer, output, p);
    fail_unless (feed == GST_F2F_FEED_COMPOSITE
        || feed == GST_F2F_FEED_SUBMIX, "%s mixes for %s but sends it %s",
        mixer, output, gst_f2f_feed_to_string (feed));
  }
  for (i = 0; inputs[i]; i++) {
    const gchar *in = inputs[i], *person;
    GstF2fUse use;

    /* the hash table keys must outlive @inputs: @present's strings do */
    person = find_present (present, in);
    fail_unless (person != NULL, "%s mixes %s, who is not here", mixer, in);
    if (strcmp (in, mixer) == 0) {
      count (got, person);
      continue;
    }
    use = gst_f2f_plan_use (plan, mixer, in, p);
    if (use == GST_F2F_USE_CLIENT_INPUT)
      count (got, person);
    else if (use == GST_F2F_USE_MIXER_INPUT)
      expand (plan, in, mixer, present, audio, got, depth + 1);
    else
      fail_if (TRUE, "%s mixes %s, from whom it receives %s", mixer, in,
          gst_f2f_use_to_string (use));
  }
}

static void
check_perceived (const gchar * topology, const gchar * who,
    gchar ** present, GHashTable * got, guint self_times, const gchar * what)
{
  guint i;

  for (i = 0; present[i]; i++) {
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (got, present[i]));
    guint want = strcmp (present[i], who) == 0 ? self_times : 1;

    fail_unless (n == want, "%s: %s %s %s %u times, expected %u", topology,
        who, what, present[i], n, want);
  }
  fail_unless_equals_int (g_hash_table_size (got),
      g_strv_length (present) - (self_times ? 0 : 1));
}

GST_START_TEST (test_simulation)
{
  guint t;

  for (t = 0; t < G_N_ELEMENTS (topologies); t++) {
    g_autoptr (GstF2fPlan) plan = plan_from_spec (topologies[t].plan);
    g_auto (GStrv) present = words (topologies[t].present);
    const gchar *const *p = (const gchar * const *) present;
    guint i, j;

    for (i = 0; present[i]; i++) {
      g_autoptr (GHashTable) heard = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      GstF2fPlanRole role = gst_f2f_plan_get_role (plan, present[i], p, NULL);

      for (j = 0; present[j]; j++) {
        switch (gst_f2f_plan_use (plan, present[i], present[j], p)) {
          case GST_F2F_USE_VIEW:
          case GST_F2F_USE_CLIENT_INPUT:
            count (heard, present[j]);
            count (seen, present[j]);
            break;
          case GST_F2F_USE_MIXER_OUTPUT:
          case GST_F2F_USE_MIXER_INPUT:
            expand (plan, present[j], present[i], present, TRUE, heard, 1);
            expand (plan, present[j], present[i], present, FALSE, seen, 1);
            break;
          case GST_F2F_USE_NONE:
            break;
        }
      }
      /* a mixer's user sees the composite it makes for its clients */
      if (role == GST_F2F_PLAN_ROLE_MIXER) {
        g_autoptr (GHashTable) played = g_hash_table_new (g_str_hash,
            g_str_equal);
        g_hash_table_remove_all (seen);
        expand (plan, present[i], present[i], present, FALSE, seen, 0);
        /* and hears what it mixes for itself: the same as its links */
        expand (plan, present[i], present[i], present, TRUE, played, 0);
        check_perceived (topologies[t].name, present[i], present, played, 0,
            "plays its own mix of");
      }
      check_perceived (topologies[t].name, present[i], present, heard, 0,
          "hears");
      check_perceived (topologies[t].name, present[i], present, seen,
          role == GST_F2F_PLAN_ROLE_MESH ? 0 : 1, "sees");
    }
  }
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
    {"8 a", "plan 8 by a: mesh"},
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
  fail_unless_equals_string (gst_f2f_feed_to_string (GST_F2F_FEED_SUBMIX),
      "submix");
  fail_unless_equals_string (gst_f2f_use_to_string
      (GST_F2F_USE_MIXER_OUTPUT), "mixer-output");
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
  tcase_add_test (tc, test_supersedes_known);
  tcase_add_test (tc, test_supersedes_total_order);
  tcase_add_test (tc, test_routes);
  tcase_add_test (tc, test_simulation);
  tcase_add_test (tc, test_describe);
  tcase_add_test (tc, test_boxed);
  return s;
}

GST_CHECK_MAIN (plan);
