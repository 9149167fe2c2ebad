import type { Delivery } from './sinks';

/** Reading the sinks' deliveries: what a notification is about, and copies of one notification. */

type Obj = Record<string, any>;

/** What two copies of the same notification share (sender URLs, dates, MIME boundaries left out). */
export function contentKey(d: Delivery): string {
  const b = d.body;
  switch (d.kind) {
    case 'slack': {
      const a = b.attachments?.[0] ?? {};
      return JSON.stringify([b.channel, a.title, a.text, a.color]);
    }
    case 'pagerduty':
      return JSON.stringify([b.dedup_key, b.event_action, b.payload?.summary, b.payload?.custom_details]);
    case 'webhook':
      return JSON.stringify([b.receiver, b.groupKey, b.status, (b.alerts ?? []).map((a: Obj) => [a.fingerprint, a.status, a.startsAt, a.status === 'resolved' ? a.endsAt : ''])]);
    case 'email': {
      const boundary = /boundary=([^\s;]+)/.exec(b.headers['content-type'] ?? '')?.[1] ?? '\u0000';
      const text = (b.text as string).split(boundary).join('B').replace(/https?:\/\/127\.0\.0\.1:\d+/g, 'AM');
      return JSON.stringify([b.to, b.subject, text]);
    }
  }
}

/**
 * Copies of one notification. Alertmanager sends a group again only when its alerts change
 * (or after `repeat_interval`, hours here): two identical deliveries to one sink closer than
 * `group_interval` can only be two Alertmanagers sending the same flush. `strict` also
 * counts identical deliveries further apart (for groups whose alerts cannot flap).
 */
export function duplicates(deliveries: readonly Delivery[], windowMs: number, strict: (d: Delivery) => boolean): Array<[Delivery, Delivery]> {
  const out: Array<[Delivery, Delivery]> = [];
  const seen = new Map<string, Delivery>();
  for (const d of deliveries) {
    const key = `${d.kind}\u0000${contentKey(d)}`;
    const prev = seen.get(key);
    if (prev && (strict(d) || d.at - prev.at < windowMs)) out.push([prev, d]);
    seen.set(key, d);
  }
  return out;
}

/** Deliveries that mention an alert name (Slack title, PagerDuty summary, email subject, webhook labels). */
export function about(d: Delivery, alertname: string): boolean {
  const b = d.body;
  switch (d.kind) {
    case 'slack':
      // The title is `[FIRING:n] <alertname>`, then ` in <cluster>` when the alerts carry one.
      return new RegExp(`\\] ${alertname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( in \\S+)?$`).test(String(b.attachments?.[0]?.title ?? ''));
    case 'pagerduty':
      return String(b.payload?.summary ?? '').includes(`] ${alertname} `) || pdFiring(d).includes(`alertname = ${alertname}\n`);
    case 'email':
      return String(b.subject).includes(`] ${alertname} `) || String(b.subject).endsWith(`] ${alertname}`);
    case 'webhook':
      return (b.alerts ?? []).some((a: Obj) => a.labels.alertname === alertname);
  }
}

/**
 * The firing alerts of a PagerDuty event, one `name = value` line per label, alerts separated
 * by a blank line. Alertmanager's default `details.firing` was that text (its template) up to
 * 0.2x; 0.3x sends the alerts as a JSON list (labels, annotations, times): both read the same.
 */
export function pdFiring(d: Delivery): string {
  const firing = d.body.payload?.custom_details?.firing;
  if (Array.isArray(firing)) {
    return firing.map((a: Obj) => Object.entries((a.labels ?? {}) as Record<string, string>).map(([k, v]) => `${k} = ${v}\n`).join('')).join('\n');
  }
  return String(firing ?? '');
}

