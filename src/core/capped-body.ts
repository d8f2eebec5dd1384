/**
 * Reads at most `maxBytes` of a response body, then cancels the rest (which closes the
 * connection), so whoever answers cannot make us read, hold or wait for more than we keep.
 * Bytes past the cap are dropped; a character cut in two at the end becomes U+FFFD.
 */
export async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // After the end this does nothing; before it, it stops the transfer.
    await reader.cancel().catch(() => undefined);
  }
  const all = new Uint8Array(Math.min(size, maxBytes));
  let at = 0;
  for (const chunk of chunks) {
    if (at >= all.length) break;
    const part = chunk.subarray(0, all.length - at);
    all.set(part, at);
    at += part.length;
  }
  return new TextDecoder().decode(all);
}
