/**
 * Reads a downloaded file's body with a size cap, for every channel's inbound attachments.
 *
 * Invariants: a body announced (Content-Length) larger than `maxBytes` is refused before it is read; a body that
 * grows past `maxBytes` is cancelled at that point, never buffered whole. `what` names the file in errors and
 * must not hold a secret (a URL with a token).
 */
export async function readCappedBody(res: Response, maxBytes: number, what: string): Promise<Buffer> {
  if (!res.body) throw new Error(`${what}: the download has no body`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body.cancel();
    throw new Error(`${what} is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  const parts: Buffer[] = [];
  let total = 0;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`${what} is over the ${maxBytes}-byte limit`);
    }
    parts.push(Buffer.from(value));
  }
  return Buffer.concat(parts);
}
