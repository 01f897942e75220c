/**
 * Attributes for a button only a manager may press: off for everyone else (with the reason on
 * hover), and off for everyone while `busy`. One wording for every such button.
 */
export function managerOnly(isManager: boolean, busy = false): { disabled: boolean; title: string } {
  return { disabled: !isManager || busy, title: isManager ? '' : 'Only managers can do this' };
}
