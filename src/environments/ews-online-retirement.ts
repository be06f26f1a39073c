/**
 * The end of EWS in Exchange Online, as Microsoft announced it in "Deprecation of Exchange Web Services
 * in Exchange Online" (Microsoft Exchange Team Blog / Microsoft 365 message center): EWS requests to
 * Exchange Online are blocked by default from 1 October 2026 (an allow-list keeps them working for a
 * while) and EWS is switched off for good on 1 April 2027. Microsoft Graph is the replacement.
 * Every place that warns about it (admin API, cockpit, docs) takes the dates from here.
 */
export const EWS_ONLINE_RETIREMENT = {
  blockedByDefaultFrom: '2026-10-01',
  switchedOffOn: '2027-04-01',
  moveTo: 'graph',
} as const;

export interface EwsOnlineRetirement {
  blockedByDefaultFrom: string;
  switchedOffOn: string;
  moveTo: 'graph';
  message: string;
}

/** The retirement notice an `ews-online` environment carries; other kinds carry none. */
export function retirementOf(kind: string): EwsOnlineRetirement | undefined {
  if (kind !== 'ews-online') return undefined;
  const { blockedByDefaultFrom, switchedOffOn, moveTo } = EWS_ONLINE_RETIREMENT;
  return {
    blockedByDefaultFrom,
    switchedOffOn,
    moveTo,
    message:
      `Microsoft blocks EWS in Exchange Online by default from ${blockedByDefaultFrom} and switches it off on ` +
      `${switchedOffOn}. Add a Microsoft Graph environment and move this environment's users to it ` +
      `(all at once: POST /api/v1/environments/{id}/move-users with the Graph environment as "to"); ` +
      `Tandem finds their linked items again.`,
  };
}
