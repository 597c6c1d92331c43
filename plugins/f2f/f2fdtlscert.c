/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The DTLS certificate f2f's links present.
 *
 * webrtcbin 1.22 makes an RSA-2048 certificate: ~800 bytes, and 256-byte
 * signatures in both sides' flights. GStreamer's dtlsconnection sends
 * datagrams of at most ~280 bytes, so a handshake between two f2f links is
 * 17 datagrams (both sides). On a lossy link each lost datagram costs its
 * flight a retransmission, and dtlsconnection leaves OpenSSL's timer at its
 * default (1 s, then 2, then 4): links across a 5 %-loss link connected
 * 1-3 s late in 4 of 10 handshakes (docs/performance.md, "Chaos"). With an
 * ECDSA P-256 certificate (~400 bytes, 72-byte signatures, what browsers
 * and GStreamer from 1.27 use by default) it is 11 datagrams, and 33 % of
 * handshakes instead of 56 % lost one at 5 % loss each way (the bench
 * tests/bench/dtls-handshake.sh). OpenSSL makes the key in well under a
 * millisecond, so it is made where first needed.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "f2fdtlscert.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

/* Long enough for any call; short, as the certificate is never reused
 * across processes (its fingerprint travels in the SDP, not a CA). */
#define VALID_DAYS 30

static gchar *
make_ecdsa_pem (void)
{
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *x509 = NULL;
  X509_NAME *name;
  BIO *bio = NULL;
  guint8 serial[8];
  BIGNUM *bn = NULL;
  BUF_MEM *mem = NULL;
  gchar *pem = NULL;

  if (key == NULL || (x509 = X509_new ()) == NULL
      || RAND_bytes (serial, sizeof serial) != 1)
    goto out;
  serial[0] &= 0x7f;            /* a positive serial */
  bn = BN_bin2bn (serial, sizeof serial, NULL);
  if (bn == NULL || !BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (x509))
      || !X509_set_version (x509, 2)
      || !X509_gmtime_adj (X509_getm_notBefore (x509), -24 * 3600)
      || !X509_gmtime_adj (X509_getm_notAfter (x509),
          (long) VALID_DAYS * 24 * 3600))
    goto out;
  name = X509_get_subject_name (x509);
  if (!X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC,
          (const guchar *) "f2f", -1, -1, 0)
      || !X509_set_issuer_name (x509, name) || !X509_set_pubkey (x509, key)
      || !X509_sign (x509, key, EVP_sha256 ()))
    goto out;
  bio = BIO_new (BIO_s_mem ());
  if (bio == NULL || !PEM_write_bio_X509 (bio, x509)
      || !PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL))
    goto out;
  BIO_get_mem_ptr (bio, &mem);
  pem = g_strndup (mem->data, mem->length);

out:
  if (pem == NULL)
    g_warning ("f2f: OpenSSL could not make an ECDSA certificate; links "
        "use webrtcbin's RSA one");
  BIO_free (bio);
  BN_free (bn);
  X509_free (x509);
  EVP_PKEY_free (key);
  return pem;
}

const gchar *
f2f_dtls_certificate_pem (F2fDtlsKey key)
{
  static gsize once = 0;
  static gchar *ecdsa;

  if (key != F2F_DTLS_KEY_ECDSA_P256)
    return NULL;
  if (g_once_init_enter (&once)) {
    ecdsa = make_ecdsa_pem ();
    g_once_init_leave (&once, 1);
  }
  return ecdsa;
}

static X509 *
read_certificate (const gchar * pem)
{
  BIO *bio = BIO_new_mem_buf (pem, -1);
  X509 *x509 = bio ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;

  BIO_free (bio);
  return x509;
}

gchar *
f2f_dtls_certificate_fingerprint (const gchar * pem)
{
  X509 *x509 = pem ? read_certificate (pem) : NULL;
  guint8 *der = NULL, digest[32];
  gsize digest_len = sizeof digest, i;
  GChecksum *sum;
  GString *out;
  int len;

  if (x509 == NULL)
    return NULL;
  len = i2d_X509 (x509, &der);
  X509_free (x509);
  if (len <= 0)
    return NULL;
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, der, len);
  g_checksum_get_digest (sum, digest, &digest_len);
  g_checksum_free (sum);
  OPENSSL_free (der);
  out = g_string_new ("sha-256 ");
  for (i = 0; i < digest_len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", digest[i]);
  return g_string_free (out, FALSE);
}

gchar *
f2f_dtls_certificate_describe (const gchar * pem)
{
  X509 *x509;
  EVP_PKEY *key;
  gchar *what = NULL;

  if (pem == NULL)
    return NULL;
  x509 = read_certificate (pem);
  key = x509 ? X509_get0_pubkey (x509) : NULL;
  if (key) {
    gchar group[64] = "";
    size_t len = 0;

    if (EVP_PKEY_get_base_id (key) == EVP_PKEY_EC) {
      EVP_PKEY_get_utf8_string_param (key, "group", group, sizeof group, &len);
      what = g_strdup_printf ("ECDSA %s", g_strcmp0 (group,
              "prime256v1") == 0 ? "P-256" : group);
    } else if (EVP_PKEY_get_base_id (key) == EVP_PKEY_RSA) {
      what = g_strdup_printf ("RSA %d", EVP_PKEY_get_bits (key));
    } else {
      what = g_strdup (OBJ_nid2sn (EVP_PKEY_get_base_id (key)));
    }
  }
  X509_free (x509);
  return what;
}
