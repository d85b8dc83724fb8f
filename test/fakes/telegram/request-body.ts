/**
 * Request bodies for the fake Telegram server: query string, JSON, urlencoded or multipart/form-data. The
 * multipart parser is lenient the way Telegram is: header names in any case, `name`/`filename` quoted or not
 * (grammY writes `filename=<name>` unquoted). Files keep their bytes.
 */
export interface UploadedFile {
  field: string;
  filename: string;
  data: Buffer;
}

function parseMultipart(
  body: Buffer,
  boundary: string,
): { fields: Record<string, string>; files: UploadedFile[] } {
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new Error('Bad Request: multipart body without its boundary');
  for (let guard = 0; guard < 1000; guard++) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const next = body.indexOf(delimiter, pos);
    if (next < 0) throw new Error('Bad Request: multipart body is truncated');
    const part = body.subarray(pos, next - 2); // the CRLF before the next delimiter belongs to it
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) throw new Error('Bad Request: multipart part without headers');
    const headers = part.subarray(0, split).toString('utf8');
    const data = part.subarray(split + 4);
    const disposition = headers.split('\r\n').find((h) => /^content-disposition\s*:/i.test(h)) ?? '';
    const name = /;\s*name=(?:"([^"]*)"|([^;\r\n]*))/i.exec(disposition);
    const filename = /;\s*filename=(?:"([^"]*)"|([^;\r\n]*))/i.exec(disposition);
    const field = name?.[1] ?? name?.[2] ?? '';
    if (filename) files.push({ field, filename: filename[1] ?? filename[2] ?? '', data: Buffer.from(data) });
    else fields[field] = data.toString('utf8');
    pos = next;
  }
  return { fields, files };
}

function jsonOrText(v: string): unknown {
  try {
    return /^[[{]/.test(v) ? JSON.parse(v) : v;
  } catch {
    return v;
  }
}

/** A Bot API request's parameters: query string, then a JSON, urlencoded or multipart body. */
export function parseRequestBody(
  type: string,
  url: URL,
  body: Buffer,
): { params: Record<string, unknown>; files: UploadedFile[] } {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (type.startsWith('application/json') && body.length) {
    Object.assign(params, JSON.parse(body.toString('utf8')) as Record<string, unknown>);
    return { params, files: [] };
  }
  if (type.startsWith('multipart/form-data')) {
    const boundary = /boundary=([^;]+)/.exec(type)?.[1];
    if (!boundary) throw new Error('Bad Request: multipart body without boundary');
    const { fields, files } = parseMultipart(body, boundary);
    for (const [k, v] of Object.entries(fields)) params[k] = jsonOrText(v);
    return { params, files };
  }
  if (type.startsWith('application/x-www-form-urlencoded'))
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
  return { params, files: [] };
}
