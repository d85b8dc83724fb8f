/**
 * Kubernetes Events for the operator's objects (`kubectl describe` shows them). Emitted on transitions only — when
 * an object becomes not Ready (Warning) or Ready again (Normal) — so a steady state emits nothing. Failing to
 * create an Event is logged, never retried: Events are best effort.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { API_VERSION } from '../api/v1alpha1/common.js';
import type { KindName, ServerMeta } from '../api/v1alpha1/kinds.js';
import { errorText } from '../../kube/errors.js';
import type { KubeApis } from './api.js';

const COMPONENT = 'nanoclaw-operator';

export class EventRecorder {
  constructor(
    private readonly apis: KubeApis,
    private readonly log: Logger,
    private readonly identity: string,
  ) {}

  async record(
    kind: KindName,
    meta: ServerMeta,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    const now = new Date();
    try {
      await this.apis.createEvent(meta.namespace, {
        metadata: {
          name: `${meta.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
          namespace: meta.namespace,
        },
        involvedObject: {
          apiVersion: API_VERSION,
          kind,
          name: meta.name,
          namespace: meta.namespace,
          uid: meta.uid,
          resourceVersion: meta.resourceVersion,
        },
        type,
        reason,
        message: message.slice(0, 1024),
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: COMPONENT },
        reportingComponent: COMPONENT,
        reportingInstance: this.identity,
      });
    } catch (err) {
      this.log.warn(
        { kind, name: `${meta.namespace}/${meta.name}`, reason: errorText(err) },
        'could not record event',
      );
    }
  }
}
