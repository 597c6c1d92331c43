/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Replays a fuzz corpus through a libFuzzer target without libFuzzer, so the
 * normal test suite (and valgrind) runs every input the fuzzer ever found
 * interesting. Usage: replay DIR...
 */

#include <stdio.h>
#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

int
main (int argc, char **argv)
{
  guint passed = 0, failed = 0;
  int i;

  for (i = 1; i < argc; i++) {
    g_autoptr (GDir) dir = g_dir_open (argv[i], 0, NULL);
    const gchar *name;

    if (dir == NULL) {
      g_printerr ("cannot open corpus %s\n", argv[i]);
      failed++;
      continue;
    }
    while ((name = g_dir_read_name (dir))) {
      g_autofree gchar *path = g_build_filename (argv[i], name, NULL);
      g_autofree gchar *contents = NULL;
      gsize length;

      if (!g_file_get_contents (path, &contents, &length, NULL)) {
        g_printerr ("cannot read %s\n", path);
        failed++;
        continue;
      }
      /* A crash or abort fails the whole test; reaching here is a pass. */
      LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
      passed++;
    }
  }
  printf ("%u passed, %u failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
