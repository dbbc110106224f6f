/**
 * Size limits of the fields this package encodes and decodes. They bound what a decoder accepts
 * from the network, so a peer cannot make us allocate or hash more than this.
 */

/** A username, in UTF-8 bytes. (The protocol's own rule is stricter: 2 to 32 of [a-z0-9_.-].) */
export const MAX_USERNAME_BYTES = 255;
/** A device id, in UTF-8 bytes. (The protocol's ids are 22 base64url characters.) */
export const MAX_DEVICE_ID_BYTES = 255;
/**
 * An MLS leaf signature public key. 256 bytes holds every RFC 9420 ciphersuite's key
 * (Ed25519 32, Ed448 57, P-256 65, P-384 97, P-521 133 bytes).
 */
export const MAX_SIGNATURE_KEY_BYTES = 256;
/** Devices in one signed device list. */
export const MAX_DEVICE_LIST_DEVICES = 1024;
/** A password, in UTF-8 bytes after NFC normalization. */
export const MAX_PASSWORD_BYTES = 4096;
/** An OPAQUE message or client state string (base64url) from or to @serenity-kit/opaque. */
export const MAX_OPAQUE_MESSAGE_CHARS = 8192;
/** OPAQUE export keys: 64 bytes with the default ristretto255/SHA-512 suite, 32 with P-256/SHA-256. */
export const MIN_EXPORT_KEY_BYTES = 32;
export const MAX_EXPORT_KEY_BYTES = 64;
