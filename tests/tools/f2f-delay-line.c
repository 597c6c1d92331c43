/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * f2f-delay-line: a fixed delay for the network lab's links, since the
 * machine's kernel has no netem, no fq (whose departure times a BPF program
 * could set) and no nft queue. It makes a TUN device; the lab routes what
 * a peer sends and what is sent to it into that device (policy routing in
 * the router's namespace), and this program writes every packet back into
 * the same device --delay ms after it read it. A packet written to a TUN
 * device enters the stack as if it had arrived on it, and the router then
 * forwards it on as usual, so every protocol is delayed and no address
 * changes (ICE sees the peers' own candidates, unlike with a UDP relay).
 *
 *   f2f-delay-line --dev NAME --delay MS
 *
 * Prints "ready" once the device exists; runs until its input closes (the
 * lab holds a pipe to it) or it is killed. Needs CAP_NET_ADMIN.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <glib.h>

#define MAX_PACKET 65536
/* A link's buffer: beyond this many packets in flight, drop (as a full
 * router queue would) rather than grow without bound. */
#define MAX_QUEUED 20000

typedef struct
{
  gint64 due_us;
  gsize len;
  guint8 data[];
} Packet;

static int
open_tun (const gchar * name)
{
  struct ifreq ifr;
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    return -1;
  memset (&ifr, 0, sizeof ifr);
  /* IP packets without the extra packet-information header */
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  g_strlcpy (ifr.ifr_name, name, IFNAMSIZ);
  if (ioctl (fd, TUNSETIFF, &ifr) < 0) {
    close (fd);
    return -1;
  }
  return fd;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *dev = NULL;
  gint delay_ms = -1;
  GOptionEntry entries[] = {
    {"dev", 0, 0, G_OPTION_ARG_STRING, &dev, "TUN device to make", "NAME"},
    {"delay", 0, 0, G_OPTION_ARG_INT, &delay_ms, "delay of every packet",
        "MS"},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- delay a link");
  g_autoptr (GError) error = NULL;
  GQueue queue = G_QUEUE_INIT;
  guint8 *buf = g_malloc (MAX_PACKET);
  guint64 delayed = 0, dropped = 0;
  int fd;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || dev == NULL
      || delay_ms < 0) {
    g_printerr ("usage: f2f-delay-line --dev NAME --delay MS (%s)\n",
        error ? error->message : "both are needed");
    return 2;
  }
  fd = open_tun (dev);
  if (fd < 0) {
    g_printerr ("cannot make TUN device %s: %s\n", dev, g_strerror (errno));
    return 1;
  }
  printf ("ready\n");
  fflush (stdout);

  for (;;) {
    struct pollfd fds[2] = {
      {fd, POLLIN, 0},
      {STDIN_FILENO, POLLIN, 0},
    };
    gint64 now = g_get_monotonic_time ();
    Packet *head = g_queue_peek_head (&queue);
    int timeout = -1;

    /* round up: waking before the head is due would spin */
    if (head)
      timeout = head->due_us <= now ? 0 : (head->due_us - now + 999) / 1000;
    if (poll (fds, 2, timeout) < 0 && errno != EINTR)
      break;
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      /* the lab's pipe: closed (or a line) means stop */
      break;
    }
    if (fds[0].revents & POLLIN) {
      ssize_t n = read (fd, buf, MAX_PACKET);

      if (n > 0 && queue.length < MAX_QUEUED) {
        Packet *p = g_malloc (sizeof (Packet) + n);

        /* constant delay keeps the order: the queue stays sorted */
        p->due_us = g_get_monotonic_time () + (gint64) delay_ms * 1000;
        p->len = n;
        memcpy (p->data, buf, n);
        g_queue_push_tail (&queue, p);
      } else if (n > 0) {
        dropped++;
      }
    }
    now = g_get_monotonic_time ();
    while ((head = g_queue_peek_head (&queue)) && head->due_us <= now) {
      g_queue_pop_head (&queue);
      /* a write refused (the device going down) is a packet lost */
      if (write (fd, head->data, head->len) == (ssize_t) head->len)
        delayed++;
      else
        dropped++;
      g_free (head);
    }
  }
  g_printerr ("f2f-delay-line %s: %" G_GUINT64_FORMAT " packets delayed, %"
      G_GUINT64_FORMAT " dropped\n", dev, delayed, dropped);
  g_queue_clear_full (&queue, g_free);
  g_free (buf);
  close (fd);
  return 0;
}
