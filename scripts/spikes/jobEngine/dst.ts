// What pg-boss 10's timekeeper (cron-parser 4, tz) does on DST days: replay its shouldSendIt() every 30 s.
import cronParser from 'cron-parser';
function fires(cron: string, tz: string, fromUtc: string, hours: number) {
  const out: string[] = [];
  const slots = new Set<number>();
  for (let t = Date.parse(fromUtc); t < Date.parse(fromUtc) + hours * 3600_000; t += 30_000) {
    const prev = cronParser.parseExpression(cron, { tz, currentDate: new Date(t) }).prev();
    const diff = (t - prev.getTime()) / 1000;
    // pg-boss: send if prev occurrence < 60 s ago; the send-it job is throttled per 60 s slot (singletonSeconds 60)
    if (diff < 60 && !slots.has(Math.floor(t / 60_000))) { slots.add(Math.floor(t / 60_000)); out.push(new Date(t).toISOString().slice(11, 16) + 'Z'); }
  }
  return out;
}
console.log('spring forward 2027-03-28 Europe/Berlin, 30 2 * * * (02:30 does not exist):', fires('30 2 * * *', 'Europe/Berlin', '2027-03-27T23:00:00Z', 5));
console.log('fall back 2026-10-25 Europe/Berlin, 30 2 * * * (02:30 happens twice):', fires('30 2 * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z', 5));
console.log('normal day 2026-12-06 Europe/Berlin, 30 2 * * *:', fires('30 2 * * *', 'Europe/Berlin', '2026-12-05T23:00:00Z', 5));
