const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A new request id (also its workflow instance id): "req-" and 12 random base-36 characters (62 bits). */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let id = "req-";
  for (const b of bytes) id += ALPHABET[b % 36];
  return id;
}
