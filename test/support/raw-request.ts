/**
 * One HTTP request with the request-target sent exactly as given (fetch and URL would normalize `..`, `\` and
 * percent-escapes away before the server sees them).
 */
import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function rawRequest(opts: {
  base: string;
  method: string;
  target: string;
  headers?: http.OutgoingHttpHeaders;
  /** Sent with a content-length, or chunked. */
  body?: string | Buffer;
  chunked?: boolean;
}): Promise<RawResponse> {
  const { hostname, port } = new URL(opts.base);
  const body = opts.body ?? '';
  const headers: http.OutgoingHttpHeaders = { ...opts.headers };
  if (opts.chunked) headers['transfer-encoding'] = 'chunked';
  else headers['content-length'] = Buffer.byteLength(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, method: opts.method, path: opts.target, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
