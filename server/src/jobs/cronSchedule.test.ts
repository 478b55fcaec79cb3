import { CronPattern } from 'croner';
import { CronError, missedRun, nextRun, parseCron, previousRun, type CronSchedule } from './cronSchedule';

const at = (iso: string): Date => new Date(iso);
const iso = (date: Date): string => date.toISOString().replace('.000Z', 'Z');

/** All runs in (from, to], by repeated nextRun. */
function runsBetween(expr: string, from: string, to: string, timeZone?: string): string[] {
  const schedule = parseCron(expr);
  const out: string[] = [];
  for (let t = nextRun(schedule, at(from), timeZone); t <= at(to); t = nextRun(schedule, t, timeZone)) out.push(iso(t));
  return out;
}

function cronError(fn: () => unknown): CronError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CronError);
    return error as CronError;
  }
  throw new Error('expected a CronError');
}

describe('parseCron', () => {
  it('expands lists, ranges and steps into sorted values', () => {
    expect(parseCron('*/15 9-17/4 1,15,31 */5 1-5')).toMatchObject({
      minutes: [0, 15, 30, 45],
      hours: [9, 13, 17],
      daysOfMonth: [1, 15, 31],
      months: [1, 6, 11],
      daysOfWeek: [1, 2, 3, 4, 5],
      dayOfMonthRestricted: true,
      dayOfWeekRestricted: true,
    });
    expect(parseCron('  0   2 * * *  ')).toMatchObject({ expression: '0 2 * * *', dayOfMonthRestricted: false, dayOfWeekRestricted: false });
  });

  it('reads month and day names in any case, and 7 as Sunday', () => {
    expect(parseCron('0 0 * jan,Mar-MAY sun')).toEqual({ ...parseCron('0 0 * 1,3-5 0'), expression: '0 0 * jan,Mar-MAY sun' });
    expect(parseCron('0 0 * * Mon-fri').daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(parseCron('0 0 * * 5-7').daysOfWeek).toEqual([0, 5, 6]);
    expect(parseCron('0 0 * * 0,7').daysOfWeek).toEqual([0]);
  });

  it.each([
    ['0 2 * * * *', undefined, /5 fields.*has 6/],
    ['0 2 * *', undefined, /has 4/],
    ['@daily', undefined, /has 1; nicknames are not accepted/],
    ['', undefined, /has 0/],
    ['60 * * * *', 'minute', /"60" is out of range; allowed 0–59/],
    ['* 24 * * *', 'hour', /allowed 0–23/],
    ['* * 0 * *', 'day-of-month', /allowed 1–31/],
    ['* * * 13 *', 'month', /allowed 1–12 or JAN–DEC/],
    ['* * * * 8', 'day-of-week', /allowed 0–7 or SUN–SAT, 0 and 7 are Sunday/],
    ['*/0 * * * *', 'minute', /step .* at least 1/],
    ['0 0 */40 * *', 'day-of-month', /step of "\*\/40" must be at least 1 and at most 31/],
    ['0 0 * * 1-5/8', 'day-of-week', /at most 7/],
    ['5-1 * * * *', 'minute', /runs backwards/],
    ['5/10 * * * *', 'minute', /step as \*\/n or a-b\/n/],
    ['1,,2 * * * *', 'minute', /is not a value/],
    ['* * * FOO *', 'month', /"FOO" is out of range/],
    ['* * * * MONDAY', 'day-of-week', /out of range/],
    // croner's extensions are not cron: L, W, #, ? and the + (AND) prefix.
    ['0 0 L * *', 'day-of-month', /"L" is out of range/],
    ['0 0 15W * *', 'day-of-month', /"15W" is out of range/],
    ['0 0 * * MON#1', 'day-of-week', /"MON#1" is not a value/],
    ['0 0 ? * *', 'day-of-month', /is not a value/],
    ['0 0 1 * +MON', 'day-of-week', /is not a value/],
    ['0 0 30 2 *', 'day-of-month', /never occurs/],
  ])('rejects %j', (expr, field, message) => {
    const error = cronError(() => parseCron(expr));
    expect(error.code).toBe('invalid-expression');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('hands croner the same values it checked', () => {
    // croner's CronPattern keeps one 0/1 entry per value (days of month and months from index 0).
    const values = (bits: readonly number[], offset = 0): number[] => bits.flatMap((bit, i) => (bit ? [i + offset] : []));
    for (const expr of ['*/15 9-17/4 1,15,31 */5 1-5', '0 0 * jan,Mar-MAY sun', '0 0 * * 5-7', '59 23 */31 2 MON', '1-59/29 */24 * */12 */7', '0 2 * * *']) {
      const ours = parseCron(expr);
      const theirs = new CronPattern(expr, undefined, { mode: '5-part' });
      expect([expr, ours.minutes, ours.hours, ours.daysOfMonth, ours.months, ours.daysOfWeek]).toEqual([
        expr, values(theirs.minute), values(theirs.hour), values(theirs.day, 1), values(theirs.month, 1), values(theirs.dayOfWeek.map((w) => (w ? 1 : 0))),
      ]);
    }
  });
});

describe('nextRun', () => {
  // Expectations computed independently (Python: zoneinfo and a minute-by-minute loop).
  it.each([
    ['*/15 * * * *', 'UTC', '2026-11-25T12:07:30Z', '2026-11-25T12:15:00Z'],
    ['0 2 * * *', 'UTC', '2026-11-25T02:00:00Z', '2026-11-26T02:00:00Z'],
    ['0 2 * * *', 'UTC', '2026-12-31T23:59:59Z', '2027-01-01T02:00:00Z'],
    ['30 4 1,15 * *', 'UTC', '2026-11-15T04:30:00Z', '2026-12-01T04:30:00Z'],
    ['0 9-17/4 * * 1-5', 'UTC', '2026-11-27T17:00:00Z', '2026-11-30T09:00:00Z'],
    ['0 0 * * 0', 'UTC', '2026-11-25T00:00:00Z', '2026-11-29T00:00:00Z'],
    ['0 0 * * 7', 'UTC', '2026-11-25T00:00:00Z', '2026-11-29T00:00:00Z'],
    ['0 6 13 * 5', 'UTC', '2026-11-25T00:00:00Z', '2026-11-27T06:00:00Z'],
    ['0 6 */10 * MON', 'UTC', '2026-11-25T00:00:00Z', '2026-12-21T06:00:00Z'],
    ['15 3 * feb,Aug sun', 'UTC', '2026-11-25T00:00:00Z', '2027-02-07T03:15:00Z'],
    ['59 23 31 * *', 'UTC', '2026-11-01T00:00:00Z', '2026-12-31T23:59:00Z'],
    ['0 2 * * *', 'Europe/Zurich', '2026-11-25T12:00:00Z', '2026-11-26T01:00:00Z'],
    ['0 2 * * *', 'America/New_York', '2026-11-25T12:00:00Z', '2026-11-26T07:00:00Z'],
    ['0 0 1 1 *', 'Asia/Kolkata', '2026-11-25T12:00:00Z', '2026-12-31T18:30:00Z'],
  ])('%s in %s after %s is %s', (expr, timeZone, after, expected) => {
    expect(iso(nextRun(parseCron(expr), at(after), timeZone))).toBe(expected);
  });

  it('is strictly after, and defaults to UTC', () => {
    const s = parseCron('0 2 * * *');
    expect(iso(nextRun(s, at('2026-11-25T01:59:59.999Z')))).toBe('2026-11-25T02:00:00Z');
    expect(iso(nextRun(s, at('2026-11-25T02:00:00.000Z')))).toBe('2026-11-26T02:00:00Z');
  });

  it('finds the next 29 February, even 8 years away', () => {
    const s = parseCron('0 2 29 2 *');
    expect(iso(nextRun(s, at('2026-11-25T00:00:00Z')))).toBe('2028-02-29T02:00:00Z');
    expect(iso(nextRun(s, at('2028-02-29T02:00:00Z')))).toBe('2032-02-29T02:00:00Z');
    expect(iso(nextRun(s, at('2097-03-01T00:00:00Z')))).toBe('2104-02-29T02:00:00Z');
    expect(iso(previousRun(s, at('2026-11-25T00:00:00Z')))).toBe('2024-02-29T02:00:00Z');
  });

  it('throws no-run when nothing matches within 8 years', () => {
    // Day-of-month `*/31` (= 1) with a day of week: both must match, and 1 February is a Monday
    // in 2027 and next in 2038.
    const s = parseCron('0 0 */31 2 MON');
    expect(iso(nextRun(s, at('2026-11-25T00:00:00Z')))).toBe('2027-02-01T00:00:00Z');
    const error = cronError(() => nextRun(s, at('2027-03-01T00:00:00Z')));
    expect(error.code).toBe('no-run');
    expect(error.message).toMatch(/within 8 years/);
    expect(iso(previousRun(s, at('2034-12-31T00:00:00Z')))).toBe('2027-02-01T00:00:00Z');
    expect(cronError(() => previousRun(s, at('2035-06-01T00:00:00Z'))).code).toBe('no-run');
  });

  it('rejects an unknown time zone and an invalid date', () => {
    expect(cronError(() => nextRun(parseCron('0 2 * * *'), at('2026-11-25T00:00:00Z'), 'Mars/Olympus_Mons')).code).toBe('invalid-time-zone');
    // croner alone would read an empty time zone as the server's local time.
    expect(cronError(() => previousRun(parseCron('0 2 * * *'), at('2026-11-25T00:00:00Z'), '')).message).toMatch(/unknown time zone ""/);
    expect(cronError(() => nextRun(parseCron('0 2 * * *'), new Date(NaN))).code).toBe('invalid-date');
  });

  it('agrees with a minute-by-minute search in UTC', () => {
    const matches = (s: CronSchedule, d: Date): boolean => {
      const dom = s.daysOfMonth.includes(d.getUTCDate());
      const dow = s.daysOfWeek.includes(d.getUTCDay());
      const day = s.dayOfMonthRestricted && s.dayOfWeekRestricted ? dom || dow : dom && dow;
      return day && s.minutes.includes(d.getUTCMinutes()) && s.hours.includes(d.getUTCHours()) && s.months.includes(d.getUTCMonth() + 1);
    };
    const starts = ['2026-02-27T22:13:00Z', '2026-12-31T23:59:30Z', '2028-02-28T23:00:00Z'];
    for (const expr of ['*/7 */5 * * *', '0 0 * * 1', '5 0 1,31 * 3', '*/20 0-6/2 10-20 * sun,sat', '0 12 1 * *', '45 23 * * *']) {
      const s = parseCron(expr);
      for (const start of starts) {
        let t = Math.floor(at(start).getTime() / 60_000) * 60_000 + 60_000;
        while (!matches(s, new Date(t))) t += 60_000;
        expect([expr, start, iso(nextRun(s, at(start)))]).toEqual([expr, start, iso(new Date(t))]);
      }
    }
  });
});

describe('daylight saving time', () => {
  // Fixed times (no * or step in minute and hour) run once every day: a time in the gap at the
  // first instant after it, a repeated time at its first occurrence. Expectations from Python's
  // zoneinfo (a minute-by-minute walk for the gaps).
  const zurich = 'Europe/Zurich';

  it('runs a fixed time that does not exist when the clock has jumped (Zurich 2026-03-29 02:30 → 03:00)', () => {
    expect(runsBetween('30 2 * * *', '2026-03-27T12:00:00Z', '2026-03-30T12:00:00Z', zurich)).toEqual([
      '2026-03-28T01:30:00Z', // 02:30 CET
      '2026-03-29T01:00:00Z', // 03:00 CEST: the clock jumps from 02:00 to 03:00
      '2026-03-30T00:30:00Z', // 02:30 CEST
    ]);
    // A list of hours is fixed too; two times that meet at the end of the gap run once.
    expect(runsBetween('30 2,14 * * *', '2026-03-28T12:00:00Z', '2026-03-29T22:00:00Z', zurich)).toEqual(['2026-03-28T13:30:00Z', '2026-03-29T01:00:00Z', '2026-03-29T12:30:00Z']);
    expect(runsBetween('0 2,3 * * *', '2026-03-28T22:00:00Z', '2026-03-29T22:00:00Z', zurich)).toEqual(['2026-03-29T01:00:00Z']);
  });

  it.each([
    ['15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T12:00:00Z', '2026-10-03T15:30:00Z'], // 02:00 → 02:30 (+10:30 → +11)
    ['30 0 * * *', 'America/Santiago', '2026-09-05T12:00:00Z', '2026-09-06T04:00:00Z'], // 00:00 → 01:00 at midnight
    ['30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', '2026-03-08T07:00:00Z'],
    ['45 1 * * *', 'Australia/Lord_Howe', '2026-04-04T12:00:00Z', '2026-04-04T14:45:00Z'], // 01:30–01:59 twice
    ['30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', '2026-11-01T05:30:00Z'],
  ])('%s in %s after %s is %s', (expr, timeZone, after, expected) => {
    const s = parseCron(expr);
    const run = nextRun(s, at(after), timeZone);
    expect(iso(run)).toBe(expected);
    expect(nextRun(s, run, timeZone).getTime() - run.getTime()).toBeGreaterThan(22 * 3_600_000); // not again the same night
  });

  it('runs a fixed time that happens twice once, at its first occurrence (Zurich 2026-10-25 02:30)', () => {
    expect(runsBetween('30 2 * * *', '2026-10-23T12:00:00Z', '2026-10-26T12:00:00Z', zurich)).toEqual([
      '2026-10-24T00:30:00Z', // 02:30 CEST
      '2026-10-25T00:30:00Z', // the first 02:30 (CEST); not again at 01:30Z (02:30 CET)
      '2026-10-26T01:30:00Z', // 02:30 CET
    ]);
    expect(iso(nextRun(parseCron('30 2 * * *'), at('2026-10-25T01:00:00Z'), zurich))).toBe('2026-10-26T01:30:00Z');
  });

  it('runs an interval schedule in real time: gap times skipped, a repeated hour run on both passes', () => {
    expect(runsBetween('0 * * * *', '2026-03-28T23:30:00Z', '2026-03-29T02:00:00Z', zurich)).toEqual([
      '2026-03-29T00:00:00Z', // 01:00 CET
      '2026-03-29T01:00:00Z', // 03:00 CEST (02:00 does not exist)
      '2026-03-29T02:00:00Z',
    ]);
    expect(runsBetween('*/20 2 * * *', '2026-03-28T00:00:00Z', '2026-03-30T12:00:00Z', zurich)).toEqual([
      '2026-03-28T01:00:00Z', '2026-03-28T01:20:00Z', '2026-03-28T01:40:00Z', '2026-03-30T00:00:00Z', '2026-03-30T00:20:00Z', '2026-03-30T00:40:00Z',
    ]);
    expect(runsBetween('0 * * * *', '2026-10-24T23:30:00Z', '2026-10-25T02:00:00Z', zurich)).toEqual([
      '2026-10-25T00:00:00Z', // 02:00 CEST
      '2026-10-25T01:00:00Z', // 02:00 CET, an hour later
      '2026-10-25T02:00:00Z', // 03:00 CET
    ]);
  });

  it('previousRun finds the same runs as nextRun', () => {
    const s = parseCron('30 2 * * *');
    expect(iso(previousRun(s, at('2026-10-25T01:45:00Z'), zurich))).toBe('2026-10-25T00:30:00Z');
    expect(iso(previousRun(s, at('2026-10-25T00:30:00Z'), zurich))).toBe('2026-10-25T00:30:00Z');
    expect(iso(previousRun(s, at('2026-03-29T12:00:00Z'), zurich))).toBe('2026-03-29T01:00:00Z');
    expect(iso(previousRun(s, at('2026-03-29T00:59:59.999Z'), zurich))).toBe('2026-03-28T01:30:00Z');
    // Every 15 minutes around each transition: the next run is its own previous run, and nothing runs in between.
    const cases: [string, string, string][] = [['Europe/Zurich', '2026-03-28T20:00:00Z', '2026-03-29T08:00:00Z'], ['Europe/Zurich', '2026-10-24T20:00:00Z', '2026-10-25T08:00:00Z'], ['Australia/Lord_Howe', '2026-04-04T10:00:00Z', '2026-04-04T20:00:00Z'], ['Australia/Lord_Howe', '2026-10-03T10:00:00Z', '2026-10-03T20:00:00Z']];
    for (const expr of ['30 2 * * *', '15 1-3 * * *', '0 * * * *', '*/20 1-2 * * *']) {
      const schedule = parseCron(expr);
      for (const [timeZone, from, to] of cases) {
        for (let t = at(from).getTime(); t < at(to).getTime(); t += 900_000) {
          const run = nextRun(schedule, new Date(t), timeZone);
          const found = [iso(previousRun(schedule, run, timeZone)), previousRun(schedule, new Date(run.getTime() - 1), timeZone).getTime() <= t];
          expect([expr, timeZone, iso(new Date(t)), ...found]).toEqual([expr, timeZone, iso(new Date(t)), iso(run), true]);
        }
      }
    }
  });

  it('runs a nightly schedule once on every local day of a year, at its time or when the clock has jumped', () => {
    for (const timeZone of ['Europe/Zurich', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago']) {
      const local = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
      for (const [expr, time] of [['30 2 * * *', '02:30'], ['30 0 * * *', '00:30']] as const) {
        const days = runsBetween(expr, '2025-12-31T12:00:00Z', '2026-12-31T12:00:00Z', timeZone).map((run) => local.format(at(run)));
        expect(days.map((d) => d.slice(0, 10))).toEqual([...Array(365).keys()].map((i) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10)));
        const off = days.filter((d) => !d.endsWith(time));
        expect([timeZone, expr, off.length <= 1, off.every((d) => d.slice(12) > time && d.slice(12) <= '03:30')]).toEqual([timeZone, expr, true, true]);
      }
    }
  });
});

describe('day-of-month OR day-of-week', () => {
  it('matches either field when both are restricted', () => {
    // The 1st and 15th of December 2026, and every Monday (7, 14, 21, 28).
    expect(runsBetween('0 0 1,15 * MON', '2026-11-30T12:00:00Z', '2026-12-31T00:00:00Z').map((t) => t.slice(8, 10))).toEqual(['01', '07', '14', '15', '21', '28']);
  });

  it('requires both when either field starts with *', () => {
    expect(runsBetween('0 0 * * MON', '2026-11-30T12:00:00Z', '2026-12-31T00:00:00Z').map((t) => t.slice(8, 10))).toEqual(['07', '14', '21', '28']);
    expect(runsBetween('0 0 1,15 * *', '2026-11-30T12:00:00Z', '2026-12-31T00:00:00Z').map((t) => t.slice(8, 10))).toEqual(['01', '15']);
    // `*/7` is 1,8,15,22,29 but starts with *: those days only when they are Mondays.
    expect(runsBetween('0 0 */7 * MON', '2026-11-30T12:00:00Z', '2027-03-31T00:00:00Z').map((t) => t.slice(0, 10))).toEqual([
      '2027-02-01', '2027-02-08', '2027-02-15', '2027-02-22', '2027-03-01', '2027-03-08', '2027-03-15', '2027-03-22', '2027-03-29',
    ]);
  });
});

describe('missedRun', () => {
  const nightly = parseCron('0 2 * * *');

  it('returns the latest scheduled time in (lastRun, now], once for several missed nights', () => {
    expect(iso(missedRun(nightly, at('2026-11-20T02:00:00Z'), at('2026-11-25T12:00:00Z'))!)).toBe('2026-11-25T02:00:00Z');
    expect(iso(missedRun(nightly, at('2026-11-24T02:00:00Z'), at('2026-11-25T02:00:00Z'))!)).toBe('2026-11-25T02:00:00Z');
    expect(iso(missedRun(nightly, at('2026-11-24T12:00:00Z'), at('2026-11-25T01:59:00Z'), 'Europe/Zurich')!)).toBe('2026-11-25T01:00:00Z');
  });

  it('returns null when nothing was missed', () => {
    expect(missedRun(nightly, at('2026-11-25T02:00:00Z'), at('2026-11-25T12:00:00Z'))).toBeNull();
    expect(missedRun(nightly, at('2026-11-25T02:00:05Z'), at('2026-11-26T01:59:59Z'))).toBeNull();
    expect(missedRun(nightly, at('2026-11-26T00:00:00Z'), at('2026-11-25T12:00:00Z'))).toBeNull(); // lastRun after now
  });

  it('catches up the night of a DST change once', () => {
    const nightly230 = parseCron('30 2 * * *');
    expect(iso(missedRun(nightly230, at('2026-03-28T01:30:00Z'), at('2026-03-29T06:00:00Z'), 'Europe/Zurich')!)).toBe('2026-03-29T01:00:00Z');
    expect(missedRun(nightly230, at('2026-10-25T00:30:00Z'), at('2026-10-25T01:45:00Z'), 'Europe/Zurich')).toBeNull(); // 02:30 again
  });

  it('does not catch up for a project that never ran', () => {
    expect(missedRun(nightly, null, at('2026-11-25T12:00:00Z'))).toBeNull();
  });
});
