/**
 * Granting and revoking one grant (owner, admin, member) for `roles` and `members`: central-DB rows through the
 * access layer, or in Kubernetes mode a UserRole object through the API server (cli/kube-grants.ts).
 *
 * Invariants: the DB layer decides what is valid (an owner cannot be scoped, the user id's shape, the agent group
 * exists) and its refusal is shown as a usage error naming the argument; a revoke never deletes a row projected
 * from a UserRole or a manifest (source 'crd') — the operator would put it back — it names where to remove it.
 */
import { addMember, removeMember } from '../host/access/members.js';
import { grantRole, revokeRole } from '../host/access/roles.js';
import type { CentralDb } from '../host/db/central-db.js';
import { findMemberRow, findRoleRow } from '../host/db/provenance.js';
import { requireAgentGroup } from '../host/db/agent-groups.js';
import { asUsage, dataDirOf, withCentralDb } from './admin-args.js';
import { applyUserRole, deleteUserRole, kubeModeOf } from './kube-grants.js';
import { renderObjects, renderResult, type OutputFormat } from './output.js';
import { agentGroupRef, userRoleManifest, type GrantRole } from './user-role-manifest.js';

export interface GrantRequest {
  /** `roles grant`, `members add`, … for messages. */
  verb: string;
  user: string;
  role: GrantRole;
  /**
   * The agent group id as the central DB knows it (in Kubernetes mode: `[<namespace>/]<AgentGroup name>`); never
   * null for a member.
   */
  agentGroupId: string | null;
  displayName?: string;
}

export interface GrantValues {
  'data-dir'?: string;
  kubernetes?: boolean;
  namespace?: string;
  'dry-run'?: boolean;
}

const ARGS = { user: '<user>', role: '<role>', agentGroup: '--agent-group', folder: '--agent-group' };

function describe(r: GrantRequest): string {
  if (r.role === 'member') return `member of ${r.agentGroupId}`;
  return r.agentGroupId === null ? `global ${r.role}` : `${r.role} of ${r.agentGroupId}`;
}

function result(r: GrantRequest, action: string, changed: boolean): Record<string, unknown> {
  return { action, user: r.user, role: r.role, agentGroup: r.agentGroupId, changed };
}

function addRow(db: CentralDb, r: GrantRequest): boolean {
  return asUsage(r.verb, ARGS, () => {
    if (r.role === 'member')
      return addMember(db, {
        userId: r.user,
        agentGroupId: r.agentGroupId!,
        displayName: r.displayName ?? null,
      });
    return grantRole(db, {
      userId: r.user,
      role: r.role,
      agentGroupId: r.agentGroupId,
      displayName: r.displayName ?? null,
    });
  });
}

/** Removes the runtime row; a 'crd' row is refused with where it comes from. Returns whether a row went. */
function removeRow(db: CentralDb, r: GrantRequest): boolean {
  if (r.agentGroupId !== null) asUsage(r.verb, ARGS, () => requireAgentGroup(db, r.agentGroupId!));
  const row =
    r.role === 'member'
      ? findMemberRow(db, r.user, r.agentGroupId!)
      : findRoleRow(db, r.user, r.role, r.agentGroupId);
  if (!row) return false;
  if (row.source === 'crd')
    throw new Error(
      `${r.verb}: ${r.user} is ${describe(r)} through a UserRole object or manifest (uid ${row.source_uid ?? '?'}); delete it there (or use --kubernetes for objects the CLI created)`,
    );
  return r.role === 'member'
    ? removeMember(db, r.user, r.agentGroupId!)
    : revokeRole(db, r.user, r.role, r.agentGroupId);
}

function manifestOf(r: GrantRequest, namespace: string) {
  const ref = r.agentGroupId === null ? null : agentGroupRef(r.agentGroupId, namespace);
  return userRoleManifest(r.verb, ref?.namespace ?? namespace, {
    user: r.user,
    role: r.role,
    ...(ref ? { agentGroup: ref.name } : {}),
    ...(r.displayName !== undefined ? { displayName: r.displayName } : {}),
  });
}

/** Grants (add = true) or revokes; writes the outcome and resolves with the exit code. */
export async function changeGrant(
  values: GrantValues,
  format: OutputFormat,
  r: GrantRequest,
  add: boolean,
): Promise<number> {
  const kube = kubeModeOf(values);
  const action = add ? 'grant' : 'revoke';
  if (kube) {
    const manifest = manifestOf(r, kube.namespace);
    const ref = `UserRole ${manifest.metadata.namespace}/${manifest.metadata.name}`;
    if (kube.dryRun) {
      process.stdout.write(renderObjects(format === 'json' ? 'json' : 'yaml', [manifest]));
      return 0;
    }
    if (add) {
      await applyUserRole(kube, manifest);
      process.stdout.write(
        renderResult(format, `applied ${ref}: ${r.user} is ${describe(r)}`, {
          ...result(r, action, true),
          object: ref,
        }),
      );
      return 0;
    }
    const out = await deleteUserRole(kube, manifest);
    if (out.deleted) {
      process.stdout.write(
        renderResult(format, `deleted ${ref}`, { ...result(r, action, true), object: ref }),
      );
      return 0;
    }
    const held = out.heldBy.length
      ? `; it is declared by ${out.heldBy.map((n) => `UserRole ${manifest.metadata.namespace}/${n}`).join(', ')}, which the CLI did not create — remove it where it is managed`
      : '';
    process.stderr.write(`nanoclaw ${r.verb}: no ${ref} (the CLI's object for this grant)${held}\n`);
    return 1;
  }
  const changed = await withCentralDb(dataDirOf(values), (db) => (add ? addRow(db, r) : removeRow(db, r)));
  const sentence = add
    ? changed
      ? `${r.user} is now ${describe(r)}`
      : `${r.user} already was ${describe(r)}`
    : changed
      ? `${r.user} is no longer ${describe(r)}`
      : `${r.user} was not ${describe(r)}`;
  if (!add && !changed) {
    process.stderr.write(`nanoclaw ${r.verb}: ${sentence}\n`);
    return 1;
  }
  process.stdout.write(renderResult(format, sentence, result(r, action, changed)));
  return 0;
}
