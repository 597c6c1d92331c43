/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <json-glib/json-glib.h>

#include "f2fplan.h"
#include "f2fprotocol.h"
#include "f2fprotocol-private.h"
#include "f2f-enumtypes.h"

G_DEFINE_QUARK (gst-f2f-plan-error-quark, gst_f2f_plan_error);

typedef struct
{
  gchar *client;
  gchar *mixer;
} Assignment;

struct _GstF2fPlan
{
  guint64 epoch;
  gchar *proposer;
  GPtrArray *mixers;            /* gchar*, in the plan's order */
  GPtrArray *assignments;       /* Assignment*, sorted by client, one each */
};

G_DEFINE_BOXED_TYPE (GstF2fPlan, gst_f2f_plan, gst_f2f_plan_copy,
    gst_f2f_plan_free);

static void
assignment_free (Assignment * a)
{
  g_free (a->client);
  g_free (a->mixer);
  g_free (a);
}

GstF2fPlan *
gst_f2f_plan_new (guint64 epoch, const gchar * proposer)
{
  GstF2fPlan *plan;

  g_return_val_if_fail (proposer != NULL, NULL);
  g_return_val_if_fail (epoch <= G_MAXINT64, NULL);

  plan = g_new0 (GstF2fPlan, 1);
  plan->epoch = epoch;
  plan->proposer = g_strdup (proposer);
  plan->mixers = g_ptr_array_new_with_free_func (g_free);
  plan->assignments =
      g_ptr_array_new_with_free_func ((GDestroyNotify) assignment_free);
  return plan;
}

GstF2fPlan *
gst_f2f_plan_copy (const GstF2fPlan * plan)
{
  GstF2fPlan *copy;
  guint i;

  g_return_val_if_fail (plan != NULL, NULL);

  copy = gst_f2f_plan_new (plan->epoch, plan->proposer);
  for (i = 0; i < plan->mixers->len; i++)
    gst_f2f_plan_add_mixer (copy, g_ptr_array_index (plan->mixers, i));
  for (i = 0; i < plan->assignments->len; i++) {
    Assignment *a = g_ptr_array_index (plan->assignments, i);
    gst_f2f_plan_assign (copy, a->client, a->mixer);
  }
  return copy;
}

void
gst_f2f_plan_free (GstF2fPlan * plan)
{
  if (plan == NULL)
    return;
  g_ptr_array_unref (plan->assignments);
  g_ptr_array_unref (plan->mixers);
  g_free (plan->proposer);
  g_free (plan);
}

void
gst_f2f_plan_add_mixer (GstF2fPlan * plan, const gchar * mixer)
{
  g_return_if_fail (plan != NULL && mixer != NULL);

  g_ptr_array_add (plan->mixers, g_strdup (mixer));
}

/* Index of @client's assignment, or where it would be inserted. */
static gboolean
find_assignment (const GstF2fPlan * plan, const gchar * client, guint * index)
{
  guint lo = 0, hi = plan->assignments->len;

  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    Assignment *a = g_ptr_array_index (plan->assignments, mid);
    gint c = strcmp (a->client, client);

    if (c == 0) {
      *index = mid;
      return TRUE;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *index = lo;
  return FALSE;
}

void
gst_f2f_plan_assign (GstF2fPlan * plan, const gchar * client,
    const gchar * mixer)
{
  Assignment *a;
  guint index;

  g_return_if_fail (plan != NULL && client != NULL && mixer != NULL);

  if (find_assignment (plan, client, &index)) {
    a = g_ptr_array_index (plan->assignments, index);
    g_free (a->mixer);
    a->mixer = g_strdup (mixer);
    return;
  }
  a = g_new0 (Assignment, 1);
  a->client = g_strdup (client);
  a->mixer = g_strdup (mixer);
  g_ptr_array_insert (plan->assignments, index, a);
}

guint64
gst_f2f_plan_get_epoch (const GstF2fPlan * plan)
{
  g_return_val_if_fail (plan != NULL, 0);
  return plan->epoch;
}

const gchar *
gst_f2f_plan_get_proposer (const GstF2fPlan * plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return plan->proposer;
}

guint
gst_f2f_plan_get_n_mixers (const GstF2fPlan * plan)
{
  g_return_val_if_fail (plan != NULL, 0);
  return plan->mixers->len;
}

const gchar *
gst_f2f_plan_get_mixer (const GstF2fPlan * plan, guint index)
{
  g_return_val_if_fail (plan != NULL, NULL);
  g_return_val_if_fail (index < plan->mixers->len, NULL);
  return g_ptr_array_index (plan->mixers, index);
}

gboolean
gst_f2f_plan_is_mixer (const GstF2fPlan * plan, const gchar * peer)
{
  guint i;

  g_return_val_if_fail (plan != NULL && peer != NULL, FALSE);

  for (i = 0; i < plan->mixers->len; i++)
    if (strcmp (g_ptr_array_index (plan->mixers, i), peer) == 0)
      return TRUE;
  return FALSE;
}

const gchar *
gst_f2f_plan_get_assignment (const GstF2fPlan * plan, const gchar * client)
{
  guint index;

  g_return_val_if_fail (plan != NULL && client != NULL, NULL);

  if (!find_assignment (plan, client, &index))
    return NULL;
  return ((Assignment *) g_ptr_array_index (plan->assignments, index))->mixer;
}

guint
gst_f2f_plan_get_n_assignments (const GstF2fPlan * plan)
{
  g_return_val_if_fail (plan != NULL, 0);
  return plan->assignments->len;
}

gboolean
gst_f2f_plan_equal (const GstF2fPlan * a, const GstF2fPlan * b)
{
  guint i;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->epoch != b->epoch || strcmp (a->proposer, b->proposer) != 0
      || a->mixers->len != b->mixers->len
      || a->assignments->len != b->assignments->len)
    return FALSE;
  for (i = 0; i < a->mixers->len; i++)
    if (strcmp (g_ptr_array_index (a->mixers, i),
            g_ptr_array_index (b->mixers, i)) != 0)
      return FALSE;
  /* both sorted by client */
  for (i = 0; i < a->assignments->len; i++) {
    Assignment *x = g_ptr_array_index (a->assignments, i);
    Assignment *y = g_ptr_array_index (b->assignments, i);
    if (strcmp (x->client, y->client) != 0 || strcmp (x->mixer, y->mixer) != 0)
      return FALSE;
  }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Validation */

static gboolean
fail (GError ** error, GstF2fPlanError code, const gchar * format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError ** error, GstF2fPlanError code, const gchar * format, ...)
{
  va_list args;

  va_start (args, format);
  if (error)
    *error = g_error_new_valist (GST_F2F_PLAN_ERROR, code, format, args);
  va_end (args);
  return FALSE;
}

/* An id for an error message: it may come from the network, so an invalid
 * one is escaped and cut short rather than printed as it is. */
static gchar *
printable_id (const gchar * id)
{
  g_autofree gchar *head = NULL, *escaped = NULL;

  if (gst_f2f_is_valid_peer_id (id))
    return g_strdup_printf ("\"%s\"", id);
  head = g_strndup (id, GST_F2F_MAX_ID_LENGTH);
  escaped = g_strescape (head, NULL);
  return g_strdup_printf ("\"%s%s\"", escaped,
      strlen (id) > GST_F2F_MAX_ID_LENGTH ? "…" : "");
}

static gboolean
check_id (const gchar * id, const gchar * what, const gchar * const *members,
    GError ** error)
{
  g_autofree gchar *shown = printable_id (id);

  if (!gst_f2f_is_valid_peer_id (id))
    return fail (error, GST_F2F_PLAN_ERROR_INVALID_ID,
        "the plan's %s %s is not a valid peer id (1 to %d of the characters "
        "A-Z a-z 0-9 - _)", what, shown, GST_F2F_MAX_ID_LENGTH);
  if (members && !g_strv_contains (members, id))
    return fail (error, GST_F2F_PLAN_ERROR_UNKNOWN_PEER,
        "the plan's %s %s is not in the room", what, shown);
  return TRUE;
}

gboolean
gst_f2f_plan_validate (const GstF2fPlan * plan, const gchar * const *members,
    GError ** error)
{
  guint i, j;

  g_return_val_if_fail (plan != NULL, FALSE);

  if (!check_id (plan->proposer, "proposer", members, error))
    return FALSE;
  for (i = 0; i < plan->mixers->len; i++)
    if (!check_id (g_ptr_array_index (plan->mixers, i), "mixer", members,
            error))
      return FALSE;
  for (i = 0; i < plan->assignments->len; i++) {
    Assignment *a = g_ptr_array_index (plan->assignments, i);
    if (!check_id (a->client, "client", members, error)
        || !check_id (a->mixer, "mixer", members, error))
      return FALSE;
  }

  if (plan->epoch == 0 && plan->mixers->len > 0)
    return fail (error, GST_F2F_PLAN_ERROR_EPOCH,
        "a plan with mixers needs an epoch of at least 1 (epoch 0 is only "
        "for the mesh)");

  for (i = 0; i < plan->mixers->len; i++) {
    const gchar *m = g_ptr_array_index (plan->mixers, i);
    for (j = 0; j < i; j++)
      if (strcmp (m, g_ptr_array_index (plan->mixers, j)) == 0)
        return fail (error, GST_F2F_PLAN_ERROR_DUPLICATE_MIXER,
            "the plan lists the mixer \"%s\" twice", m);
  }

  for (i = 0; i < plan->assignments->len; i++) {
    Assignment *a = g_ptr_array_index (plan->assignments, i);

    /* Checked before NOT_A_MIXER: "a is a mixer and a client" says more
     * about such a plan than "b is not a mixer" would. */
    if (gst_f2f_plan_is_mixer (plan, a->client)) {
      if (strcmp (a->client, a->mixer) == 0)
        return fail (error, GST_F2F_PLAN_ERROR_CYCLE,
            "the plan assigns the mixer \"%s\" to itself as a client",
            a->client);
      return fail (error, GST_F2F_PLAN_ERROR_CYCLE,
          "the plan makes the mixer \"%s\" a client of \"%s\": mixers only "
          "exchange submixes, they are never served", a->client, a->mixer);
    }
    if (!gst_f2f_plan_is_mixer (plan, a->mixer))
      return fail (error, GST_F2F_PLAN_ERROR_NOT_A_MIXER,
          "the plan assigns \"%s\" to \"%s\", which is not one of its mixers",
          a->client, a->mixer);
  }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* JSON */

gchar *
gst_f2f_plan_to_json (const GstF2fPlan * plan)
{
  g_autoptr (JsonBuilder) b = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;
  guint i;

  g_return_val_if_fail (plan != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "epoch");
  json_builder_add_int_value (b, (gint64) plan->epoch);
  json_builder_set_member_name (b, "proposer");
  json_builder_add_string_value (b, plan->proposer);
  json_builder_set_member_name (b, "mixers");
  json_builder_begin_array (b);
  for (i = 0; i < plan->mixers->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (plan->mixers, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "assign");
  json_builder_begin_object (b);
  for (i = 0; i < plan->assignments->len; i++) {
    Assignment *a = g_ptr_array_index (plan->assignments, i);
    json_builder_set_member_name (b, a->client);
    json_builder_add_string_value (b, a->mixer);
  }
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* json-glib's typed getters emit criticals for nodes of the wrong kind; a
 * plan comes from the network, so every node is checked first. */
static const gchar *
node_string (JsonNode * n)
{
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
read_id (JsonNode * n, const gchar * what, const gchar ** out, GError ** error)
{
  const gchar *id = node_string (n);

  if (id == NULL)
    return fail (error, GST_F2F_PLAN_ERROR_MALFORMED,
        "malformed plan: a %s must be a string", what);
  if (!check_id (id, what, NULL, error))
    return FALSE;
  *out = id;
  return TRUE;
}

GstF2fPlan *
gst_f2f_plan_from_json (const gchar * json, gsize length, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GstF2fPlan) plan = NULL;
  g_autoptr (GError) parse_error = NULL;
  const gchar *problem = NULL, *proposer;
  JsonNode *root, *epoch_node, *mixers_node, *assign_node;
  JsonObject *obj, *assign;
  JsonArray *mixers;
  GList *members, *l;
  gint64 epoch;
  guint i, n;

  g_return_val_if_fail (json != NULL || length == 0, NULL);

  if (length > GST_F2F_MAX_FRAME_SIZE) {
    fail (error, GST_F2F_PLAN_ERROR_TOO_LARGE,
        "a plan is at most %d bytes", GST_F2F_MAX_FRAME_SIZE);
    return NULL;
  }
  if (!g_utf8_validate_len (json, length, NULL)) {
    fail (error, GST_F2F_PLAN_ERROR_MALFORMED, "malformed plan: not UTF-8");
    return NULL;
  }
  if (!gst_f2f_scan_frame (json, length, GST_F2F_MAX_JSON_DEPTH, &problem)) {
    fail (error, GST_F2F_PLAN_ERROR_MALFORMED, "malformed plan: %s", problem);
    return NULL;
  }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json, length, &parse_error)) {
    fail (error, GST_F2F_PLAN_ERROR_MALFORMED, "malformed plan: not JSON "
        "(%s)", parse_error->message);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    fail (error, GST_F2F_PLAN_ERROR_MALFORMED,
        "malformed plan: not a JSON object");
    return NULL;
  }
  obj = json_node_get_object (root);

  epoch_node = json_object_get_member (obj, "epoch");
  if (epoch_node == NULL || !JSON_NODE_HOLDS_VALUE (epoch_node)
      || json_node_get_value_type (epoch_node) != G_TYPE_INT64
      || (epoch = json_node_get_int (epoch_node)) < 0) {
    fail (error, GST_F2F_PLAN_ERROR_MALFORMED,
        "malformed plan: \"epoch\" must be a whole number, 0 or more");
    return NULL;
  }
  if (!read_id (json_object_get_member (obj, "proposer"), "proposer",
          &proposer, error))
    return NULL;
  plan = gst_f2f_plan_new ((guint64) epoch, proposer);

  mixers_node = json_object_get_member (obj, "mixers");
  if (mixers_node == NULL || !JSON_NODE_HOLDS_ARRAY (mixers_node)) {
    fail (error, GST_F2F_PLAN_ERROR_MALFORMED,
        "malformed plan: \"mixers\" must be an array of peer ids");
    return NULL;
  }
  mixers = json_node_get_array (mixers_node);
  n = json_array_get_length (mixers);
  if (n > GST_F2F_PLAN_MAX_MIXERS) {
    fail (error, GST_F2F_PLAN_ERROR_TOO_LARGE,
        "a plan has at most %d mixers, this one %u", GST_F2F_PLAN_MAX_MIXERS,
        n);
    return NULL;
  }
  for (i = 0; i < n; i++) {
    const gchar *id;
    if (!read_id (json_array_get_element (mixers, i), "mixer", &id, error))
      return NULL;
    gst_f2f_plan_add_mixer (plan, id);
  }

  assign_node = json_object_get_member (obj, "assign");
  if (assign_node == NULL || !JSON_NODE_HOLDS_OBJECT (assign_node)) {
    fail (error, GST_F2F_PLAN_ERROR_MALFORMED,
        "malformed plan: \"assign\" must be an object of client: mixer");
    return NULL;
  }
  assign = json_node_get_object (assign_node);
  n = json_object_get_size (assign);
  if (n > GST_F2F_PLAN_MAX_ASSIGNMENTS) {
    fail (error, GST_F2F_PLAN_ERROR_TOO_LARGE,
        "a plan has at most %d assignments, this one %u",
        GST_F2F_PLAN_MAX_ASSIGNMENTS, n);
    return NULL;
  }
  members = json_object_get_members (assign);
  for (l = members; l; l = l->next) {
    const gchar *client = l->data, *mixer;

    if (!check_id (client, "client", NULL, error)
        || !read_id (json_object_get_member (assign, client), "mixer",
            &mixer, error)) {
      g_list_free (members);
      return NULL;
    }
    gst_f2f_plan_assign (plan, client, mixer);
  }
  g_list_free (members);

  if (!gst_f2f_plan_validate (plan, NULL, error))
    return NULL;
  return g_steal_pointer (&plan);
}

/* ---------------------------------------------------------------------- */
/* Logs */

gchar *
gst_f2f_plan_describe (const GstF2fPlan * plan)
{
  GString *s;
  guint i, j;
  gboolean stray = FALSE;

  g_return_val_if_fail (plan != NULL, NULL);

  s = g_string_new (NULL);
  g_string_append_printf (s, "plan %" G_GUINT64_FORMAT " by %s: ",
      plan->epoch, plan->proposer);
  if (plan->mixers->len == 0)
    g_string_append (s, "mesh");
  for (i = 0; i < plan->mixers->len; i++) {
    const gchar *m = g_ptr_array_index (plan->mixers, i);
    guint n = 0;

    g_string_append_printf (s, "%s%s serves", i ? "; " : "", m);
    for (j = 0; j < plan->assignments->len; j++) {
      Assignment *a = g_ptr_array_index (plan->assignments, j);
      if (strcmp (a->mixer, m) == 0) {
        g_string_append_printf (s, " %s", a->client);
        n++;
      }
    }
    if (n == 0)
      g_string_append (s, " nobody");
  }
  if (plan->mixers->len > 0)
    g_string_append_printf (s, "; late joiners go to %s",
        (gchar *) g_ptr_array_index (plan->mixers, 0));
  /* An invalid plan is logged too, with what makes it invalid visible. */
  for (j = 0; j < plan->assignments->len; j++) {
    Assignment *a = g_ptr_array_index (plan->assignments, j);
    if (gst_f2f_plan_is_mixer (plan, a->mixer))
      continue;
    g_string_append_printf (s, "%s%s → %s", stray ? ", " :
        "; assigned to non-mixers: ", a->client, a->mixer);
    stray = TRUE;
  }
  return g_string_free (s, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Which plan wins */

gboolean
gst_f2f_plan_supersedes (const GstF2fPlan * candidate,
    const GstF2fPlan * current, const gchar * leader_id)
{
  gboolean candidate_leads, current_leads;
  g_autofree gchar *a = NULL, *b = NULL;
  gint c;

  g_return_val_if_fail (candidate != NULL, FALSE);

  if (current == NULL)
    return TRUE;
  if (candidate->epoch != current->epoch)
    return candidate->epoch > current->epoch;
  if (gst_f2f_plan_equal (candidate, current))
    return FALSE;
  candidate_leads = leader_id && strcmp (candidate->proposer, leader_id) == 0;
  current_leads = leader_id && strcmp (current->proposer, leader_id) == 0;
  if (candidate_leads != current_leads)
    return candidate_leads;
  c = strcmp (candidate->proposer, current->proposer);
  if (c != 0)
    return c > 0;
  /* Same epoch, same proposer, different plans: not something a correct
   * proposer does, but every peer must still pick the same one. */
  a = gst_f2f_plan_to_json (candidate);
  b = gst_f2f_plan_to_json (current);
  return strcmp (a, b) > 0;
}

gboolean
gst_f2f_plan_supersedes_known (const GstF2fPlan * plan, guint64 epoch,
    const gchar * proposer, const gchar * leader_id)
{
  gboolean ours_leads, theirs_leads;

  g_return_val_if_fail (plan != NULL, FALSE);

  if (proposer == NULL)
    return TRUE;
  if (plan->epoch != epoch)
    return plan->epoch > epoch;
  if (strcmp (plan->proposer, proposer) == 0)
    return FALSE;
  ours_leads = leader_id && strcmp (plan->proposer, leader_id) == 0;
  theirs_leads = leader_id && strcmp (proposer, leader_id) == 0;
  if (ours_leads != theirs_leads)
    return ours_leads;
  return strcmp (plan->proposer, proposer) > 0;
}

/* ---------------------------------------------------------------------- */
/* Roles and routes */

static gboolean
is_present (const gchar * const *present, const gchar * peer)
{
  return peer != NULL && g_strv_contains (present, peer);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar **) a, *(const gchar **) b);
}

/* The first mixer of the plan's list that is present, or NULL. */
static const gchar *
first_present_mixer (const GstF2fPlan * plan, const gchar * const *present)
{
  guint i;

  for (i = 0; i < plan->mixers->len; i++)
    if (is_present (present, g_ptr_array_index (plan->mixers, i)))
      return g_ptr_array_index (plan->mixers, i);
  return NULL;
}

/* @client's assignment when it names a mixer of the plan, else NULL (an
 * assignment to a non-mixer counts as none). */
static const gchar *
assigned_mixer (const GstF2fPlan * plan, const gchar * client)
{
  const gchar *assigned = gst_f2f_plan_get_assignment (plan, client);

  return assigned && gst_f2f_plan_is_mixer (plan, assigned) ? assigned : NULL;
}

gboolean
gst_f2f_plan_is_mesh (const GstF2fPlan * plan, const gchar * const *present)
{
  g_return_val_if_fail (plan != NULL && present != NULL, TRUE);

  return first_present_mixer (plan, present) == NULL;
}

/* The present mixer that serves @client (present, not a mixer; the plan
 * has a present mixer): its own, the first present one for a late joiner,
 * and for a client whose mixer left, the rule of the header's "Effective
 * plan". Every peer runs this on the same plan and the same present set,
 * so all agree on where an orphan goes without a message. */
static const gchar *
serving_mixer (const GstF2fPlan * plan, const gchar * client,
    const gchar * const *present)
{
  const gchar *first = first_present_mixer (plan, present);
  const gchar *assigned = assigned_mixer (plan, client);
  g_autofree guint *counts = NULL;
  g_autoptr (GPtrArray) orphans = NULL;
  guint i, j;

  if (assigned == NULL)
    return first;
  if (is_present (present, assigned))
    return assigned;

  /* Each present mixer's clients that stay where they are (its own and,
   * for the first, the late joiners); then the orphans, in id order, each
   * to the mixer with the fewest so far, the earlier in the list on a tie:
   * the least loaded, as the election would do, without waiting for it. */
  counts = g_new0 (guint, plan->mixers->len);
  orphans = g_ptr_array_new ();
  for (i = 0; present[i]; i++) {
    const gchar *m;

    if (gst_f2f_plan_is_mixer (plan, present[i]))
      continue;
    m = assigned_mixer (plan, present[i]);
    if (m && !is_present (present, m)) {
      g_ptr_array_add (orphans, (gpointer) present[i]);
      continue;
    }
    if (m == NULL)
      m = first;
    for (j = 0; j < plan->mixers->len; j++)
      if (strcmp (g_ptr_array_index (plan->mixers, j), m) == 0)
        counts[j]++;
  }
  g_ptr_array_sort (orphans, compare_strings);
  for (i = 0; i < orphans->len; i++) {
    guint best = G_MAXUINT;

    for (j = 0; j < plan->mixers->len; j++)
      if (is_present (present, g_ptr_array_index (plan->mixers, j))
          && (best == G_MAXUINT || counts[j] < counts[best]))
        best = j;
    counts[best]++;
    if (strcmp (g_ptr_array_index (orphans, i), client) == 0)
      return g_ptr_array_index (plan->mixers, best);
  }
  return first;
}

GstF2fPlanRole
gst_f2f_plan_get_role (const GstF2fPlan * plan, const gchar * peer,
    const gchar * const *present, const gchar ** mixer)
{
  if (mixer)
    *mixer = NULL;
  g_return_val_if_fail (plan != NULL && present != NULL,
      GST_F2F_PLAN_ROLE_ABSENT);

  if (!is_present (present, peer))
    return GST_F2F_PLAN_ROLE_ABSENT;
  if (gst_f2f_plan_is_mesh (plan, present))
    return GST_F2F_PLAN_ROLE_MESH;
  if (gst_f2f_plan_is_mixer (plan, peer))
    return GST_F2F_PLAN_ROLE_MIXER;
  if (mixer)
    *mixer = serving_mixer (plan, peer, present);
  return GST_F2F_PLAN_ROLE_CLIENT;
}

GstF2fFeed
gst_f2f_plan_feed (const GstF2fPlan * plan, const gchar * local,
    const gchar * remote, const gchar * const *present)
{
  const gchar *local_mixer, *remote_mixer;
  GstF2fPlanRole local_role, remote_role;

  g_return_val_if_fail (plan != NULL && present != NULL, GST_F2F_FEED_NONE);
  g_return_val_if_fail (local != NULL && remote != NULL, GST_F2F_FEED_NONE);

  if (strcmp (local, remote) == 0)
    return GST_F2F_FEED_NONE;
  local_role = gst_f2f_plan_get_role (plan, local, present, &local_mixer);
  remote_role = gst_f2f_plan_get_role (plan, remote, present, &remote_mixer);
  if (local_role == GST_F2F_PLAN_ROLE_ABSENT
      || remote_role == GST_F2F_PLAN_ROLE_ABSENT)
    return GST_F2F_FEED_NONE;

  switch (local_role) {
    case GST_F2F_PLAN_ROLE_MESH:
      return GST_F2F_FEED_CAMERA;
    case GST_F2F_PLAN_ROLE_CLIENT:
      return strcmp (remote, local_mixer) == 0 ? GST_F2F_FEED_CAMERA :
          GST_F2F_FEED_NONE;
    case GST_F2F_PLAN_ROLE_MIXER:
      if (remote_role == GST_F2F_PLAN_ROLE_MIXER)
        return GST_F2F_FEED_SUBMIX;
      if (strcmp (remote_mixer, local) == 0)
        return GST_F2F_FEED_COMPOSITE;
      return GST_F2F_FEED_NONE;
    default:
      return GST_F2F_FEED_NONE;
  }
}

GstF2fUse
gst_f2f_plan_use (const GstF2fPlan * plan, const gchar * local,
    const gchar * remote, const gchar * const *present)
{
  /* What arrives is what the other end sends: one rule, read backwards,
   * so the two ends of a link can never disagree. */
  switch (gst_f2f_plan_feed (plan, remote, local, present)) {
    case GST_F2F_FEED_CAMERA:
      return gst_f2f_plan_get_role (plan, local, present, NULL) ==
          GST_F2F_PLAN_ROLE_MIXER ? GST_F2F_USE_CLIENT_INPUT : GST_F2F_USE_VIEW;
    case GST_F2F_FEED_COMPOSITE:
      return GST_F2F_USE_MIXER_OUTPUT;
    case GST_F2F_FEED_SUBMIX:
      return GST_F2F_USE_MIXER_INPUT;
    default:
      return GST_F2F_USE_NONE;
  }
}

static gboolean
add_once (GPtrArray * ids, const gchar * id)
{
  guint i;

  for (i = 0; i < ids->len; i++)
    if (strcmp (g_ptr_array_index (ids, i), id) == 0)
      return FALSE;
  g_ptr_array_add (ids, g_strdup (id));
  return TRUE;
}

static gchar **
inputs (const GstF2fPlan * plan, const gchar * mixer, const gchar * output,
    const gchar * const *present, gboolean audio)
{
  g_autoptr (GPtrArray) ids = NULL, clients = NULL;
  const gchar *output_mixer;
  GstF2fPlanRole output_role;
  gboolean to_self, to_client, to_mixer;
  guint i;

  g_return_val_if_fail (plan != NULL && present != NULL, NULL);
  g_return_val_if_fail (mixer != NULL && output != NULL, NULL);

  if (gst_f2f_plan_get_role (plan, mixer, present, NULL) !=
      GST_F2F_PLAN_ROLE_MIXER)
    return NULL;
  output_role = gst_f2f_plan_get_role (plan, output, present, &output_mixer);
  to_self = strcmp (output, mixer) == 0;
  to_client = output_role == GST_F2F_PLAN_ROLE_CLIENT
      && strcmp (output_mixer, mixer) == 0;
  to_mixer = !to_self && output_role == GST_F2F_PLAN_ROLE_MIXER;
  if (!to_self && !to_client && !to_mixer)
    return NULL;

  clients = g_ptr_array_new ();
  for (i = 0; present[i]; i++) {
    const gchar *m;
    if (gst_f2f_plan_get_role (plan, present[i], present, &m) ==
        GST_F2F_PLAN_ROLE_CLIENT && strcmp (m, mixer) == 0)
      g_ptr_array_add (clients, (gpointer) present[i]);
  }
  g_ptr_array_sort (clients, compare_strings);

  ids = g_ptr_array_new_with_free_func (g_free);
  /* The mixer's own user hears everyone but themselves, like everyone. */
  if (!(audio && to_self))
    add_once (ids, mixer);
  for (i = 0; i < clients->len; i++) {
    const gchar *c = g_ptr_array_index (clients, i);
    /* N-1: a client never hears itself; it does see itself, as the one
     * composite is shared by all the clients. */
    if (audio && to_client && strcmp (c, output) == 0)
      continue;
    add_once (ids, c);
  }
  /* Never what other mixers sent, towards a mixer: that is what keeps
   * anyone from being heard twice. */
  if (!to_mixer)
    for (i = 0; i < plan->mixers->len; i++)
      if (strcmp (g_ptr_array_index (plan->mixers, i), mixer) != 0
          && is_present (present, g_ptr_array_index (plan->mixers, i)))
        add_once (ids, g_ptr_array_index (plan->mixers, i));
  g_ptr_array_add (ids, NULL);
  return (gchar **) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}

gchar **
gst_f2f_plan_mix_inputs (const GstF2fPlan * plan, const gchar * mixer,
    const gchar * output_peer, const gchar * const *present)
{
  return inputs (plan, mixer, output_peer, present, TRUE);
}

gchar **
gst_f2f_plan_composite_inputs (const GstF2fPlan * plan, const gchar * mixer,
    const gchar * output_peer, const gchar * const *present)
{
  return inputs (plan, mixer, output_peer, present, FALSE);
}

/* ---------------------------------------------------------------------- */

const gchar *
gst_f2f_plan_role_to_string (GstF2fPlanRole role)
{
  return gst_f2f_enum_nick (GST_TYPE_F2F_PLAN_ROLE, role);
}

const gchar *
gst_f2f_feed_to_string (GstF2fFeed feed)
{
  return gst_f2f_enum_nick (GST_TYPE_F2F_FEED, feed);
}

const gchar *
gst_f2f_use_to_string (GstF2fUse use)
{
  return gst_f2f_enum_nick (GST_TYPE_F2F_USE, use);
}
