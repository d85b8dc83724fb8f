/**
 * Reading and server-side applying custom objects of one API group, for the writers of configuration outside the
 * operator (`nanoclaw init-first-agent`, channel registration).
 *
 * Invariants:
 * - Objects are applied with server-side apply under the caller's field manager, never forced: a field another
 *   manager (a GitOps tool) owns is a conflict, not a takeover.
 * - Every call has a deadline; errors name what was attempted and the API server's own message (a Status
 *   object's `message`), keep the API error as `cause` (its HTTP status decides how a caller reports it), and a
 *   403 says which permissions the account needs. No secret is in an error.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { ApiException, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { REQUEST_TIMEOUT_MS, statusCode, withDeadline } from './errors.js';

export interface ObjectRef {
  kind: string;
  metadata: { name: string; namespace: string };
}

export interface KObject {
  metadata: { name: string; namespace?: string; uid: string };
  spec: Record<string, unknown>;
}

export interface ObjectsOptions {
  group: string;
  version: string;
  /** kind → plural resource name. */
  plurals: Record<string, string>;
  fieldManager: string;
}

export class CustomObjects {
  constructor(
    private readonly api: CustomObjectsApi,
    private readonly o: ObjectsOptions,
  ) {}

  private plural(kind: string): string {
    const p = this.o.plurals[kind];
    if (!p) throw new Error(`no resource is known for kind ${kind}`);
    return p;
  }

  /** `verbs`: what the call needs, named in the hint a 403 gets. */
  private failure(what: string, err: unknown, verbs = 'get, list and patch'): Error {
    const code = statusCode(err);
    let detail = (err as Error).message.split('\n')[0]!;
    if (err instanceof ApiException) {
      const raw: unknown = err.body;
      try {
        detail =
          ((typeof raw === 'string' ? JSON.parse(raw) : raw) as { message?: string }).message ?? detail;
      } catch {
        // not a Status object: keep the error's message
      }
    }
    const resources = Object.values(this.o.plurals).join(', ');
    const rbac = code === 403 ? ` (the account needs ${verbs} on ${resources}.${this.o.group})` : '';
    return new Error(`${what}: ${code ? `HTTP ${code}: ` : ''}${detail}${rbac}`, { cause: err });
  }

  private async call<T>(what: string, p: () => Promise<unknown>): Promise<T> {
    try {
      return (await withDeadline(what, p(), REQUEST_TIMEOUT_MS)) as T;
    } catch (err) {
      throw this.failure(what, err);
    }
  }

  async get(kind: string, namespace: string, name: string): Promise<KObject | null> {
    const what = `get ${kind} ${namespace}/${name}`;
    try {
      return (await withDeadline(
        what,
        this.api.getNamespacedCustomObject({
          group: this.o.group,
          version: this.o.version,
          namespace,
          plural: this.plural(kind),
          name,
        }),
        REQUEST_TIMEOUT_MS,
      )) as KObject;
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw this.failure(what, err);
    }
  }

  async list(kind: string, namespace: string): Promise<KObject[]> {
    const list = await this.call<{ items: KObject[] }>(`list ${kind} in ${namespace}`, () =>
      this.api.listNamespacedCustomObject({
        group: this.o.group,
        version: this.o.version,
        namespace,
        plural: this.plural(kind),
      }),
    );
    return list.items;
  }

  apply(m: ObjectRef): Promise<KObject> {
    const { namespace, name } = m.metadata;
    return this.call(`apply ${m.kind} ${namespace}/${name}`, () =>
      this.api.patchNamespacedCustomObject(
        {
          group: this.o.group,
          version: this.o.version,
          namespace,
          plural: this.plural(m.kind),
          name,
          body: m,
          fieldManager: this.o.fieldManager,
          fieldValidation: 'Strict',
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      ),
    );
  }

  /** The object, created when it does not exist (an existing one is returned as it is). */
  async ensure(m: ObjectRef): Promise<{ obj: KObject; existed: boolean }> {
    const existing = await this.get(m.kind, m.metadata.namespace, m.metadata.name);
    return existing ? { obj: existing, existed: true } : { obj: await this.apply(m), existed: false };
  }

  /** Deletes the object; false when there was none. */
  async delete(kind: string, namespace: string, name: string): Promise<boolean> {
    const what = `delete ${kind} ${namespace}/${name}`;
    try {
      await withDeadline(
        what,
        this.api.deleteNamespacedCustomObject({
          group: this.o.group,
          version: this.o.version,
          namespace,
          plural: this.plural(kind),
          name,
        }),
        REQUEST_TIMEOUT_MS,
      );
      return true;
    } catch (err) {
      if (statusCode(err) === 404) return false;
      throw this.failure(what, err, 'delete');
    }
  }
}
