/**
 * Cron schedules (the nightly run of a project): standard 5-field expressions evaluated on the
 * wall clock of an IANA time zone. Local times that do not exist (DST gap) are skipped; local
 * times that happen twice (DST overlap) run once, at their first occurrence.
 */

/** The five fields of a cron expression, in order. */
export type CronField = 'minute' | 'hour' | 'day-of-month' | 'month' | 'day-of-week';

/** Why a schedule could not be parsed or evaluated. */
export type CronErrorCode = 'invalid-expression' | 'invalid-time-zone' | 'invalid-date' | 'no-run';

/** A bad expression (with the field at fault, when there is one), time zone or date, or a schedule that never runs. */
export class CronError extends Error {
  constructor(readonly code: CronErrorCode, message: string, readonly field?: CronField) {
    super(message);
    this.name = 'CronError';
  }
}

/** A parsed cron expression: the allowed values of each field, sorted ascending. */
export interface CronSchedule {
  readonly expression: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  readonly months: readonly number[];
  /** 0 = Sunday … 6 = Saturday (7 in the expression is folded into 0). */
  readonly daysOfWeek: readonly number[];
  /**
   * Whether day-of-month / day-of-week restrict days: false when the field starts with `*` (as in
   * Vixie cron and cronie). When both restrict, a day matches if either matches; else both must.
   */
  readonly dayOfMonthRestricted: boolean;
  readonly dayOfWeekRestricted: boolean;
}

interface FieldSpec { readonly name: CronField; readonly min: number; readonly max: number; readonly names?: readonly string[] }
const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];
const MAX_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const SEARCH_YEARS = 8;
const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * Parses a 5-field cron expression: `minute hour day-of-month month day-of-week` with `*`, lists
 * `a,b`, ranges `a-b`, steps `*\/n` and `a-b/n`, month names JAN–DEC and day names SUN–SAT (any
 * case), day-of-week 0–7 (0 and 7 are Sunday). Throws a {@link CronError} naming the bad field and
 * its allowed range, or the day-of-month field when no month has such a day (e.g. `0 0 30 2 *`).
 */
export function parseCron(expr: string): CronSchedule {
  const parts = typeof expr === 'string' ? expr.trim().split(/\s+/).filter(Boolean) : [];
  if (parts.length !== 5) {
    throw new CronError('invalid-expression', `a cron expression has 5 fields (minute hour day-of-month month day-of-week), "${String(expr)}" has ${parts.length}`);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = FIELDS.map((spec, i) => parseField(parts[i]!, spec));
  const schedule: CronSchedule = {
    expression: parts.join(' '),
    minutes: minutes!,
    hours: hours!,
    daysOfMonth: daysOfMonth!,
    months: months!,
    daysOfWeek: [...new Set(daysOfWeek!.map((d) => d % 7))].sort((a, b) => a - b),
    dayOfMonthRestricted: !parts[2]!.startsWith('*'),
    dayOfWeekRestricted: !parts[4]!.startsWith('*'),
  };
  const dayOnlyByMonth = schedule.dayOfMonthRestricted && !schedule.dayOfWeekRestricted;
  if (dayOnlyByMonth && !schedule.months.some((m) => schedule.daysOfMonth.some((d) => d <= MAX_DAYS[m]!))) {
    throw new CronError('invalid-expression', `day-of-month "${parts[2]}" never occurs in month "${parts[3]}": the schedule would never run`, 'day-of-month');
  }
  return schedule;
}

function parseField(text: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/([0-9]+))?$/.exec(item);
    if (!m) throw fieldError(spec, text, `"${item}" is not a value, a range a-b or a step */n or a-b/n`);
    const [base, stepText] = [m[1]!, m[2]];
    let [from, to] = [spec.min, spec.max];
    if (base !== '*') {
      const [a, b] = base.split('-');
      from = fieldValue(a!, spec, text);
      to = b === undefined ? from : fieldValue(b, spec, text);
      if (b === undefined && stepText !== undefined) throw fieldError(spec, text, `write a step as */n or a-b/n, not "${item}"`);
      if (from > to) throw fieldError(spec, text, `the range "${base}" runs backwards`);
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw fieldError(spec, text, `the step of "${item}" must be at least 1`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function fieldValue(token: string, spec: FieldSpec, text: string): number {
  const byName = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  const value = byName >= 0 ? byName + spec.min : /^[0-9]+$/.test(token) ? Number(token) : NaN;
  if (!(value >= spec.min && value <= spec.max)) throw fieldError(spec, text, `"${token}" is out of range`);
  return value;
}

function fieldError(spec: FieldSpec, text: string, why: string): CronError {
  const names = spec.names ? ` or ${spec.names[0]}–${spec.names[spec.names.length - 1]}` : '';
  const sunday = spec.name === 'day-of-week' ? ', 0 and 7 are Sunday' : '';
  return new CronError('invalid-expression', `${spec.name} field "${text}": ${why}; allowed ${spec.min}–${spec.max}${names}${sunday}`, spec.name);
}

/** The first scheduled time strictly after `after`. Throws a `no-run` {@link CronError} if there is none within 8 years. */
export function nextRun(schedule: CronSchedule, after: Date, timeZone = 'UTC'): Date {
  return search(schedule, after, timeZone, 1);
}

/** The latest scheduled time at or before `before`. Throws a `no-run` {@link CronError} if there is none within 8 years. */
export function previousRun(schedule: CronSchedule, before: Date, timeZone = 'UTC'): Date {
  return search(schedule, before, timeZone, -1);
}

/**
 * The run to catch up at start: the latest scheduled time in (lastRun, now], or null when there is
 * none. Several missed nights give one run, not one per night. A project that never ran
 * (`lastRun` null) does not catch up: null.
 */
export function missedRun(schedule: CronSchedule, lastRun: Date | null, now: Date, timeZone = 'UTC'): Date | null {
  if (lastRun === null) return null;
  const last = instant(lastRun, 'lastRun');
  if (last >= instant(now, 'now')) return null;
  let latest: Date;
  try {
    latest = previousRun(schedule, now, timeZone);
  } catch (error) {
    if (error instanceof CronError && error.code === 'no-run') return null;
    throw error;
  }
  return latest.getTime() > last ? latest : null;
}

/** A wall-clock minute in the schedule's time zone. */
interface Wall { y: number; mo: number; d: number; h: number; mi: number }

function instant(date: Date, what: string): number {
  const t = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(t)) throw new CronError('invalid-date', `${what} is not a valid date`);
  return t;
}

/**
 * Searches wall-clock minutes from a bound that is safely on the near side of `from` (the offsets
 * around it may differ by a DST shift) and returns the first one whose first occurrence lies
 * strictly after (dir 1) or at or before (dir -1) `from`. Wall minutes map monotonically to their
 * first occurrences, so the first accepted one is the answer.
 */
function search(schedule: CronSchedule, from: Date, timeZone: string, dir: 1 | -1): Date {
  const t = instant(from, dir > 0 ? 'after' : 'before');
  const zone = zoneOf(timeZone);
  const offsets = [zone.offset(t), zone.offset(t + dir * DAY), zone.offset(t - dir * DAY)];
  const bound = t + (dir > 0 ? Math.min(...offsets) : Math.max(...offsets));
  let wall = toWall(Math.floor(bound / MINUTE) * MINUTE);
  const limitYear = wall.y + dir * SEARCH_YEARS;
  for (;;) {
    const candidate = seek(schedule, wall, dir, limitYear);
    if (!candidate) break;
    const at = zone.firstInstant(candidate);
    if (at !== null && (dir > 0 ? at > t : at <= t)) return new Date(at);
    wall = toWall(wallMs(candidate) + dir * MINUTE);
  }
  const direction = dir > 0 ? `after ${from.toISOString()}` : `at or before ${from.toISOString()}`;
  throw new CronError('no-run', `"${schedule.expression}" has no run ${direction} within ${SEARCH_YEARS} years (${timeZone})`);
}

/**
 * The first wall minute at or after (dir 1) / at or before (dir -1) `start` that the schedule
 * matches, or null past `limitYear`. Skips by fields: a month, day or hour that cannot match is
 * passed over whole. Out-of-range fields (minute 60, hour -1, month 13) simply find no value and
 * carry into the next larger field.
 */
function seek(s: CronSchedule, start: Wall, dir: 1 | -1, limitYear: number): Wall | null {
  let { y, mo, d, h, mi } = start;
  const [firstH, firstMi] = dir > 0 ? [0, 0] : [23, 59];
  while (dir > 0 ? y <= limitYear : y >= limitYear) {
    const month = pick(s.months, mo, dir);
    if (month === undefined) {
      [y, mo, d, h, mi] = [y + dir, dir > 0 ? 1 : 12, dir > 0 ? 1 : 31, firstH, firstMi];
      continue;
    }
    if (month !== mo) [mo, d, h, mi] = [month, dir > 0 ? 1 : 31, firstH, firstMi];
    const dim = daysInMonth(y, mo);
    if (d < 1 || (d > dim && dir > 0)) {
      [mo, d, h, mi] = [mo + dir, dir > 0 ? 1 : 31, firstH, firstMi];
      continue;
    }
    d = Math.min(d, dim);
    const hour = dayMatches(s, y, mo, d) ? pick(s.hours, h, dir) : undefined;
    if (hour === undefined) {
      [d, h, mi] = [d + dir, firstH, firstMi];
      continue;
    }
    if (hour !== h) [h, mi] = [hour, firstMi];
    const minute = pick(s.minutes, mi, dir);
    if (minute === undefined) {
      [h, mi] = [h + dir, firstMi];
      continue;
    }
    return { y, mo, d, h, mi: minute };
  }
  return null;
}

/** The first value ≥ v (dir 1) or ≤ v (dir -1) of an ascending list. */
function pick(sorted: readonly number[], v: number, dir: 1 | -1): number | undefined {
  if (dir > 0) return sorted.find((x) => x >= v);
  for (let i = sorted.length - 1; i >= 0; i--) if (sorted[i]! <= v) return sorted[i];
  return undefined;
}

function dayMatches(s: CronSchedule, y: number, mo: number, d: number): boolean {
  const dom = s.daysOfMonth.includes(d);
  const dow = s.daysOfWeek.includes(new Date(Date.UTC(y, mo - 1, d)).getUTCDay());
  return s.dayOfMonthRestricted && s.dayOfWeekRestricted ? dom || dow : dom && dow;
}

function daysInMonth(y: number, mo: number): number {
  return new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** The wall clock as if it were UTC, in milliseconds (so wall minutes can be added and compared). */
function wallMs(w: Wall): number {
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi);
}

function toWall(ms: number): Wall {
  const date = new Date(ms);
  return { y: date.getUTCFullYear(), mo: date.getUTCMonth() + 1, d: date.getUTCDate(), h: date.getUTCHours(), mi: date.getUTCMinutes() };
}

interface Zone {
  /** Wall clock minus UTC at instant `t`, in milliseconds. */
  offset(t: number): number;
  /** The first instant whose wall clock is `w`, or null when `w` does not exist (DST gap). */
  firstInstant(w: Wall): number | null;
}

const zones = new Map<string, Zone>();

function zoneOf(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (!zone) {
    zone = createZone(timeZone);
    zones.set(timeZone, zone);
  }
  return zone;
}

function createZone(timeZone: string): Zone {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  } catch {
    throw new CronError('invalid-time-zone', `unknown time zone "${timeZone}" (use an IANA name such as Europe/Zurich)`);
  }
  const fields = (t: number): Wall & { s: number } => {
    const get: Record<string, string> = {};
    for (const part of format.formatToParts(t)) get[part.type] = part.value;
    return { y: Number(get.year), mo: Number(get.month), d: Number(get.day), h: Number(get.hour), mi: Number(get.minute), s: Number(get.second) };
  };
  const offset = (t: number): number => {
    const f = fields(t);
    return wallMs(f) + f.s * 1000 - Math.floor(t / 1000) * 1000;
  };
  const firstInstant = (w: Wall): number | null => {
    const local = wallMs(w);
    const candidates = [...new Set([offset(local - DAY), offset(local), offset(local + DAY)])].map((o) => local - o);
    const exact = candidates.filter((c) => wallMs(fields(c)) === local).sort((a, b) => a - b);
    return exact[0] ?? null;
  };
  return { offset, firstInstant };
}
