/**
 * The shared vocabulary of NanoClaw: the enum values and identifier shapes that the central DB, the CRDs, the
 * host and the runner all speak. Declared once here (protocol/ is the only module every side imports); the
 * central DB's zod rows, the CRD schemas and the router take them from this file.
 */

export const UNKNOWN_SENDER_POLICIES = ['strict', 'request_approval', 'public'] as const;
export const ENGAGE_MODES = ['pattern', 'mention', 'mention-sticky'] as const;
export const SENDER_SCOPES = ['all', 'known'] as const;
export const IGNORED_MESSAGE_POLICIES = ['drop', 'accumulate'] as const;
export const SESSION_MODES = ['shared', 'per-thread', 'agent-shared'] as const;
export const ROLES = ['owner', 'admin'] as const;
export const ROW_SOURCES = ['crd', 'runtime'] as const;
export const DESTINATION_TARGET_TYPES = ['channel', 'agent'] as const;
export const PROVIDERS = ['claude', 'mock'] as const;
/** What the host itself says (every host-originated message is one of these, audited in host_messages). */
/** What the host says itself: command replies and refusals, pairing confirmations, approval cards, notices. */
export const HOST_MESSAGE_KINDS = ['help', 'command_denied', 'pairing', 'approval', 'notice'] as const;

export type UnknownSenderPolicy = (typeof UNKNOWN_SENDER_POLICIES)[number];
export type EngageMode = (typeof ENGAGE_MODES)[number];
export type SenderScope = (typeof SENDER_SCOPES)[number];
export type IgnoredMessagePolicy = (typeof IGNORED_MESSAGE_POLICIES)[number];
export type SessionMode = (typeof SESSION_MODES)[number];
export type Role = (typeof ROLES)[number];
export type RowSource = (typeof ROW_SOURCES)[number];
export type Provider = (typeof PROVIDERS)[number];
export type HostMessageKind = (typeof HOST_MESSAGE_KINDS)[number];
/** Where a delivered message came from: an agent's outbound.db or the host itself. */
export type MessageOrigin = 'agent' | 'host';

/** `<channel>:<handle>`; the channel part is a lower-case identifier, the handle anything non-empty. */
export const USER_ID_PATTERN = /^[a-z][a-z0-9-]*:.+$/;
/**
 * The channel_type of an outbound row addressed to another agent (platform_id = its agent group id), and of the
 * reply address of an agent-to-agent session. No chat platform may use it.
 */
export const AGENT_CHANNEL = 'agent';
/** Channel identifiers are open (adapters are pluggable) but shaped. */
export const CHANNEL_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
/** Agent group folders are DNS labels, so they can become path segments and pod label values. */
export const FOLDER_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const RESERVED_FOLDERS = ['global'] as const;
