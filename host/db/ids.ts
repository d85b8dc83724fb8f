import { randomBytes } from 'node:crypto';

/** A sortable, collision-resistant id: `<prefix>-<ms base36>-<8 hex>`. */
export function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
