import { channelFor, type Operation } from '@arkive/shared';

/** The public shape of an Operation (internal keys such as exclusiveKey stay inside). */
export function presentOperation(op: Operation) {
  const { exclusiveKey: _e, dedupeKey: _d, ...rest } = op;
  return { ...rest, channel: channelFor(op) };
}
