/**
 * A stream read must come back whole: revisions from `fromRevision` on, one after another. A hole
 * (an event deleted from the store) would otherwise be read as a shorter history and folded into
 * a state that never existed; `audit verify` names such an edit, and every read that covers the
 * hole refuses it meanwhile (a command deciding on a state it remembers past the hole reads none).
 */
export function assertContiguous<T extends { revision: number }>(streamId: string, fromRevision: number, events: T[]): T[] {
  events.forEach((event, i) => {
    if (event.revision !== fromRevision + i) {
      throw new Error(`stream ${streamId} has no event at revision ${fromRevision + i} (read ${event.revision} there): its history is not whole; run npm run audit -- verify`);
    }
  });
  return events;
}
