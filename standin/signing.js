// Signs a request body the way Slack does (v0 HMAC-SHA256 over "v0:timestamp:body").
// @see https://docs.slack.dev/authentication/verifying-requests-from-slack
// Plain WebCrypto, so the same code runs in Node (scripts, benchmarks) and in workerd (tests).
const encoder = new TextEncoder();
const keys = new Map();

/** @returns {Promise<string>} the X-Slack-Signature value */
export async function slackSignature(secret, timestamp, body) {
  let key = keys.get(secret);
  if (!key) {
    key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(secret, key);
  }
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`v0:${timestamp}:${body}`));
  return `v0=${Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Headers for a signed Slack POST of a form body. */
export async function signedHeaders(secret, body, timestamp = Math.floor(Date.now() / 1000)) {
  return {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": await slackSignature(secret, timestamp, body),
  };
}
