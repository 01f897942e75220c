import type { RequireIdentifier } from '../../contract/dto';

/** Why a record was skipped (or disabled); stored as activity_entry.reason_code. */
export type ReasonCode =
  | 'source_off'
  | 'integration_off'
  | 'missing_identifier'
  | 'decoupled'
  | 'no_site'
  | 'no_match'
  | 'excluded_status'
  | 'duplicate_email'
  | 'held_for_review'
  | 'invalid_record'
  // Not skips: extra context on other outcomes.
  | 'linked'
  | 'reenabled'
  | 'removed_at_source';

/** The plain-language sentence a front-desk person reads in the activity log. */
export const REASON_TEXT: Record<ReasonCode, string> = {
  source_off: 'Sync from this source block is turned off for this site',
  integration_off: 'This integration is turned off in sync settings',
  missing_identifier: 'The record lacks the phone or email this site requires to log in',
  decoupled: 'The person is decoupled and managed by hand (Track source updates is off)',
  no_site: 'The source record is not associated with this site',
  no_match: 'The change refers to a person who has no record here',
  excluded_status: 'The record’s status is not one this site syncs',
  duplicate_email: 'Several source records share this email, so none of them is synced',
  held_for_review: 'Held for review: the record conflicts with an existing person',
  invalid_record: 'The source sent a record that cannot be used',
  linked: 'Linked to the matching person added by hand',
  reenabled: 'Listed by the source again, so access was turned back on',
  removed_at_source: 'No longer listed by the source, so access was turned off',
};

export const IDENTIFIER_LABEL: Record<RequireIdentifier, string> = {
  emailOrPhone: 'an email or a phone',
  email: 'an email',
  phone: 'a phone',
  both: 'both an email and a phone',
};
