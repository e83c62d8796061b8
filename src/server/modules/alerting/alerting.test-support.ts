/** What the alerting tests share: a notification sink that records what the notifier hands it. */
import type { NotificationSink } from './index.ts';

/** An item the notifier handed to the outbox. */
export type Sent = Parameters<NotificationSink['enqueue']>[0][number];

/** A sink that keeps every item it is given, in order, instead of delivering it. */
export function recordingSink(): { sent: Sent[]; sink: NotificationSink } {
  const sent: Sent[] = [];
  return {
    sent,
    sink: {
      async enqueue(items) {
        sent.push(...items);
        return items.length;
      },
    },
  };
}
