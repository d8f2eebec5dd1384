// The stand-in's HTTP plumbing: reading a body, parsing what Slack's clients send, answering.

export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function parseArgs(contentType = "", body) {
  if (contentType.includes("application/json")) return parseJson(body) ?? {};
  const args = Object.fromEntries(new URLSearchParams(body));
  for (const k of ["blocks", "attachments", "view", "metadata"]) if (typeof args[k] === "string") args[k] = parseJson(args[k]) ?? args[k];
  for (const k of ["unfurl_links", "unfurl_media", "reply_broadcast", "include_all_metadata"])
    if (args[k] === "true" || args[k] === "false") args[k] = args[k] === "true";
  return args;
}

export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function send(res, status, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json; charset=utf-8", ...headers });
  res.end(text);
}
