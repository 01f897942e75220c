/** Alert decisions, the offline outbox, pushing, and the audit trail. */
export const decisionsCalls = {};
