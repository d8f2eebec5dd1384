const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** "req-" and 12 base-36 characters from 12 bytes: the form every request id (and instance id) has. */
const requestIdFrom = (bytes: Uint8Array) => `req-${Array.from(bytes.slice(0, 12), (b) => ALPHABET[b % 36]).join("")}`;

/** A new request id (also its workflow instance id), 62 random bits. */
export function newRequestId(): string {
  return requestIdFrom(crypto.getRandomValues(new Uint8Array(12)));
}

/** A request id derived from something that must start one request only (e.g. a modal view id). */
export async function derivedRequestId(source: string): Promise<string> {
  return requestIdFrom(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(source))));
}
