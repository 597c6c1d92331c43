/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __F2F_DTLS_CERT_H__
#define __F2F_DTLS_CERT_H__

#include <glib.h>

G_BEGIN_DECLS

/* The key of the certificate a link presents in its DTLS handshake. */
typedef enum
{
  F2F_DTLS_KEY_ECDSA_P256,
  F2F_DTLS_KEY_RSA_2048,        /* webrtcbin's own */
} F2fDtlsKey;

/* A self-signed certificate and its private key, in PEM, for dtlsdec's
 * "pem": made once per process and key type, on first use (any thread).
 * NULL for F2F_DTLS_KEY_RSA_2048 (webrtcbin makes that one itself) and if
 * OpenSSL failed (then webrtcbin's own is used; logged). */
const gchar *f2f_dtls_certificate_pem (F2fDtlsKey key);

/* The value of SDP's a=fingerprint for the first certificate in @pem:
 * "sha-256 AB:CD:…" (RFC 8122), or NULL if it holds none. Free with g_free.
 * webrtcbin 1.22 digests every base64 line of the PEM it is given, the
 * private key's too, so for a certificate of ours its own fingerprint is
 * wrong and browsers refuse the handshake ("bad certificate"): the link
 * puts this one in its descriptions instead. */
gchar *f2f_dtls_certificate_fingerprint (const gchar * pem);

/* The key type of a certificate in PEM ("ECDSA P-256", "RSA 2048", …), or
 * NULL if @pem holds no certificate. Free with g_free. */
gchar *f2f_dtls_certificate_describe (const gchar * pem);

G_END_DECLS

#endif /* __F2F_DTLS_CERT_H__ */
