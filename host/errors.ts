/**
 * Typed errors for bad input. Each carries a stable `code` callers can switch on and the `field` that was
 * wrong, and its message says what was expected, so a CLI, an HTTP 400 or a CR status can show it as is.
 */
export type InputErrorCode =
  | 'invalid_user_id'
  | 'owner_must_be_global'
  | 'member_needs_agent_group'
  | 'unknown_agent_group'
  | 'unknown_messaging_group'
  | 'unknown_user'
  | 'invalid_policy'
  | 'invalid_channel'
  | 'invalid_folder'
  | 'invalid_wiring'
  | 'invalid_role'
  | 'invalid_budget';

export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly code: InputErrorCode,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
