// The next whole minute at least `leadS` seconds away, and its wall-clock hour/minute in a time zone.
export function targetMinute(leadS: number): Date {
  const t = new Date(Date.now() + leadS * 1000);
  t.setUTCSeconds(0, 0);
  return new Date(t.getTime() + 60_000);
}
export function localHM(at: Date, timeZone: string): { h: number; m: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  return { h: Number(parts.find((p) => p.type === 'hour')!.value), m: Number(parts.find((p) => p.type === 'minute')!.value) };
}
export const PROJECTS = [
  { id: 'A', tz: 'Asia/Kolkata' }, // UTC+5:30
  { id: 'B', tz: 'America/St_Johns' }, // UTC-3:30 in winter
  { id: 'C', tz: 'Europe/Berlin', wrongOnPurpose: true }, // cron written with the UTC hour: must NOT fire at T
];
export function cronFor(p: (typeof PROJECTS)[number], at: Date): string {
  const { h, m } = p.wrongOnPurpose ? { h: at.getUTCHours(), m: at.getUTCMinutes() } : localHM(at, p.tz);
  return `${m} ${h} * * *`;
}
