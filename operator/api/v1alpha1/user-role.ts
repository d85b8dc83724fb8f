/**
 * UserRole (`ur`): one grant to one user — owner (global), admin (global or of one agent group) or member (of one
 * agent group).
 *
 * Rules kept here (CEL for the API server and zod for the embedded loader): `user` is `<channel>:<handle>`;
 * an owner has no agentGroup; a member needs one. All fields may change in place: the operator replaces the
 * projected grant.
 */
import { z } from 'zod';
import { USER_ID_PATTERN } from '../../../protocol/vocabulary.js';
import { displayName, objectName, statusBase } from './common.js';
import { withRules } from './rules.js';

const USER_ROLE_ROLES = ['owner', 'admin', 'member'] as const;

export const UserRoleSpec = withRules(
  z
    .strictObject({
      user: z
        .string()
        .max(320)
        .regex(USER_ID_PATTERN)
        .describe(
          'User id as `<channel>:<handle>`, e.g. `telegram:12345` or `teams:29:abc` (up to 320 characters).',
        ),
      role: z
        .enum(USER_ROLE_ROLES)
        .describe(
          '`owner` (global, all power), `admin` (global, or of agentGroup) or `member` (may talk to agentGroup).',
        ),
      agentGroup: objectName(
        'metadata.name of an AgentGroup in the same namespace. Required for member, optional for admin (absent = global admin), forbidden for owner.',
      ).optional(),
      displayName: displayName('the user').optional(),
    })
    .describe('Desired grant.'),
  [
    {
      cel: "self.role != 'owner' || !has(self.agentGroup)",
      message: 'an owner is global: remove agentGroup',
      field: 'agentGroup',
      reason: 'FieldValueForbidden',
      holds: (s) => s.role !== 'owner' || s.agentGroup === undefined,
    },
    {
      cel: "self.role != 'member' || has(self.agentGroup)",
      message: 'a member needs agentGroup',
      field: 'agentGroup',
      reason: 'FieldValueRequired',
      holds: (s) => s.role !== 'member' || s.agentGroup !== undefined,
    },
  ],
);
export type UserRoleSpec = z.infer<typeof UserRoleSpec>;

export const UserRoleStatus = z
  .strictObject({ ...statusBase })
  .describe('Observed state, written by the operator.');
export type UserRoleStatus = z.infer<typeof UserRoleStatus>;
