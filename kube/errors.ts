/** Small helpers for calls to the Kubernetes API: deadlines and secret-free error descriptions. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Rejects after `ms`; the request itself is abandoned (callers retry). */
export async function withDeadline<T>(what: string, p: Promise<T>, ms = REQUEST_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function statusCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

export function isNotFound(err: unknown): boolean {
  return statusCode(err) === 404;
}

/** A short, secret-free description of an error for logs and conditions. */
export function errorText(err: unknown): string {
  const code = statusCode(err);
  const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  return code ? `HTTP ${code}: ${msg.slice(0, 300)}` : msg.slice(0, 300);
}
