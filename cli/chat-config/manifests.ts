/**
 * The objects a channel registration declares (host/approvals/channel-registration-plan.ts decides what): the
 * chat's MessagingGroup wired to the chosen agent group, and the AgentGroup itself when a new one was asked for.
 * Pure; the same objects for the embedded config folder and for the API server.
 *
 * Invariants: every object carries `nanoclaw.dev/created-by: registration` and is checked with the CRD's own schema
 * before it is written; the wiring references the agent group by its object name in the same namespace.
 */
import type { ChatConfigRequest } from '../../host/approvals/channel-registration-plan.js';
import { API_VERSION } from '../../operator/api/v1alpha1/common.js';
import { parseManifest } from '../../operator/api/v1alpha1/parse.js';
import { CREATED_BY_LABEL } from '../user-role-manifest.js';

export interface RegistrationObject {
  apiVersion: typeof API_VERSION;
  kind: 'AgentGroup' | 'MessagingGroup';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

function checked(o: RegistrationObject): RegistrationObject {
  const parsed = parseManifest(o);
  if (!parsed.ok) {
    const e = parsed.errors[0]!;
    throw new Error(
      `the ${o.kind} ${o.metadata.name} built for the chat is invalid: ${e.field}: ${e.message}`,
    );
  }
  return o;
}

/** `agentGroupName` is the object name of an existing agent group (ignored when a new one is created). */
export function registrationObjects(
  req: ChatConfigRequest,
  namespace: string,
  agentGroupName: string,
): RegistrationObject[] {
  const labels = { [CREATED_BY_LABEL]: 'registration' };
  const created = 'create' in req.agentGroup ? req.agentGroup.create : null;
  const wiredTo = created ? created.name : agentGroupName;
  const { wiring, chat } = req;
  const objects: RegistrationObject[] = [];
  if (created)
    objects.push(
      checked({
        apiVersion: API_VERSION,
        kind: 'AgentGroup',
        metadata: { name: created.name, namespace, labels },
        spec: { displayName: created.displayName, folder: created.folder },
      }),
    );
  objects.push(
    checked({
      apiVersion: API_VERSION,
      kind: 'MessagingGroup',
      metadata: { name: req.name, namespace, labels },
      spec: {
        channel: chat.channelType,
        platformId: chat.platformId,
        ...(chat.name ? { displayName: chat.name } : {}),
        isGroup: chat.isGroup,
        unknownSenderPolicy: 'request_approval',
        agents: [
          {
            agentGroup: wiredTo,
            engage:
              wiring.engageMode === 'pattern'
                ? { mode: 'pattern', pattern: wiring.engagePattern }
                : { mode: wiring.engageMode },
            senderScope: wiring.senderScope,
            ignoredMessages: wiring.ignoredMessages,
            sessionMode: wiring.sessionMode,
            priority: wiring.priority,
          },
        ],
      },
    }),
  );
  return objects;
}
