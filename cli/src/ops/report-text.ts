/** Wording the HTML and Markdown reports share, so both say the same thing about a run. */

import type { OwnerRouting, Report, ResolvedWhy, StillOpen } from '@org-key-audit/functions/core';

/** Shown for a finding without an owner (reports written before owners). */
export const NO_OWNER = '—';

export function ownerOf(f: { readonly owner?: string }): string {
  return f.owner ?? NO_OWNER;
}

const WHY: Readonly<Record<ResolvedWhy['kind'], string>> = {
  exempted: 'now exempted',
  changed: 'now reported as',
  'account-left': 'account left the organization',
  deactivated: 'deactivated (the key is inactive now)',
  'no-longer-reported': 'no longer reported (deleted, rotated, or its user deleted)',
};

export function resolvedWhyText(why: ResolvedWhy): string {
  return why.kind === 'changed' ? `${WHY.changed} ${why.now}` : WHY[why.kind];
}

/** "3 still open (the longest for 40 days)"; the longest is left out when nothing is open. */
export function stillOpenText(stillOpen: readonly StillOpen[]): string {
  if (stillOpen.length === 0) return '0 still open';
  const longest = Math.max(...stillOpen.map((f) => f.daysOpen));
  return `${stillOpen.length} still open (the longest for ${longest} ${longest === 1 ? 'day' : 'days'})`;
}

type Comparable = Extract<NonNullable<Report['changes']>, { comparable: true }>;

/** The one line above the NEW and RESOLVED tables. */
export function changesSummaryText(changes: Comparable): string {
  return `Compared with ${changes.previousExecution} (${changes.previousAt}): ${changes.new.length} new, ${changes.resolved.length} resolved, ${stillOpenText(changes.stillOpen)}, ${changes.notRechecked.length} not re-checked.`;
}

export type RoutingEntry = OwnerRouting['owners'][number];

/** What happens to an owner's findings (core/owners.ts): its own digest, or the full one only. */
export function routingText(entry: RoutingEntry, routing: OwnerRouting): string {
  if (entry.owner === routing.securityTeam) return 'security team: the full digest';
  return entry.routed ? 'own digest' : 'not routed: only in the security team’s full digest';
}

/** Owners with findings but no digest of their own (the security team is never one of them). */
export function unroutedOwners(routing: OwnerRouting): RoutingEntry[] {
  return routing.owners.filter((o) => !o.routed && o.owner !== routing.securityTeam);
}
