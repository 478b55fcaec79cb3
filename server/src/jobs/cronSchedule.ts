/**
 * Cron schedules (the nightly run of a project): standard five-field expressions evaluated on the
 * wall clock of an IANA time zone. This module validates an expression (the Vixie cron subset, with
 * clear {@link CronError}s) and holds the catch-up rule; the calendar, time-zone and DST arithmetic
 * is croner's (https://croner.56k.guru), configured to behave as Vixie cron does:
 *
 * - Day-of-month and day-of-week: when both restrict (neither starts with `*`) a day matches if
 *   either does, else both must (`0 0 *\/7 * MON` = the 1st, 8th … when it is a Monday).
 * - DST, for a fixed-time schedule (no `*` and no step in minute and hour: `30 2 * * *`,
 *   `0 2,14 * * *`): it runs once every day it names. A local time that does not exist (spring
 *   forward) runs at the first instant after the gap (02:30 → 03:00 summer time); a local time that
 *   happens twice (fall back) runs at its first occurrence only. A nightly job is never skipped and
 *   never run twice.
 * - DST, for an interval schedule (`*` or a step in minute or hour: `*\/15 * * * *`, `0 * * * *`):
 *   it follows real time. Times in a gap are skipped (no real time passes there) and a repeated
 *   hour runs on both passes (an hourly job keeps running every hour).
 *
 * Not accepted: croner's seconds and year fields, nicknames (`@daily`) and its `L`, `W`, `#`, `?`
 * and `+` extensions — a schedule written here means the same in any crontab.
 */
import { Cron } from 'croner';

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

interface FieldSpec {
  readonly name: CronField;
  readonly min: number;
  readonly max: number;
  /** The largest step croner takes (the number of distinct values: 0 and 7 are one day). */
  readonly maxStep: number;
  readonly names?: readonly string[];
}
const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59, maxStep: 60 },
  { name: 'hour', min: 0, max: 23, maxStep: 24 },
  { name: 'day-of-month', min: 1, max: 31, maxStep: 31 },
  { name: 'month', min: 1, max: 12, maxStep: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 0, max: 7, maxStep: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];
const MAX_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MINUTE = 60_000;
/** How far nextRun and previousRun look: a schedule with no run within 8 years (of 366 days) is taken as a mistake. */
const HORIZON_YEARS = 8;
const HORIZON_MS = HORIZON_YEARS * 366 * 86_400_000;

/**
 * Parses a 5-field cron expression: `minute hour day-of-month month day-of-week` with `*`, lists
 * `a,b`, ranges `a-b`, steps `*\/n` and `a-b/n`, month names JAN–DEC and day names SUN–SAT (any
 * case), day-of-week 0–7 (0 and 7 are Sunday). Throws a {@link CronError} naming the bad field and
 * its allowed range, or the day-of-month field when no month has such a day (e.g. `0 0 30 2 *`).
 */
export function parseCron(expr: string): CronSchedule {
  const parts = typeof expr === 'string' ? expr.trim().split(/\s+/).filter(Boolean) : [];
  if (parts.length !== 5) {
    const hint = parts.length === 1 && parts[0]!.startsWith('@') ? '; nicknames are not accepted, write e.g. "0 0 * * *" for @daily' : '; there is no seconds or year field';
    throw new CronError('invalid-expression', `a cron expression has 5 fields (minute hour day-of-month month day-of-week), "${String(expr)}" has ${parts.length}${hint}`);
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
  try {
    croner(schedule, 'UTC');
  } catch (error) {
    // A guard: the checks above accept a subset of croner's syntax, so croner should never refuse.
    throw new CronError('invalid-expression', `"${schedule.expression}" is refused by croner: ${(error as Error).message}`);
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
    if (step < 1 || step > spec.maxStep) throw fieldError(spec, text, `the step of "${item}" must be at least 1 and at most ${spec.maxStep}`);
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
  const t = instant(after, 'after');
  const run = croner(schedule, timeZone).nextRun(new Date(t));
  if (run && run.getTime() - t <= HORIZON_MS) return run;
  throw noRun(schedule, `after ${after.toISOString()}`, timeZone);
}

/** The latest scheduled time at or before `before`. Throws a `no-run` {@link CronError} if there is none within 8 years. */
export function previousRun(schedule: CronSchedule, before: Date, timeZone = 'UTC'): Date {
  const t = instant(before, 'before');
  // croner's previousRuns returns runs strictly before a whole-second reference. Runs fall on
  // whole minutes, so "before the next minute" is "at or before t".
  const [run] = croner(schedule, timeZone).previousRuns(1, new Date(Math.floor(t / MINUTE) * MINUTE + MINUTE));
  if (run && t - run.getTime() <= HORIZON_MS) return run;
  throw noRun(schedule, `at or before ${before.toISOString()}`, timeZone);
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

function instant(date: Date, what: string): number {
  const t = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(t)) throw new CronError('invalid-date', `${what} is not a valid date`);
  return t;
}

function noRun(schedule: CronSchedule, when: string, timeZone: string): CronError {
  return new CronError('no-run', `"${schedule.expression}" has no run ${when} within ${HORIZON_YEARS} years (${timeZone})`);
}

/** Time zones Intl has accepted (creating a formatter to check one costs more than a nextRun). */
const validZones = new Set<string>();

/**
 * The schedule as a paused croner job (no timer: only its nextRun / previousRuns are used). The
 * time zone is checked first, as croner would read an empty one as the server's local time.
 */
function croner(schedule: CronSchedule, timeZone: string): Cron {
  if (!validZones.has(timeZone)) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new CronError('invalid-time-zone', `unknown time zone "${timeZone}" (use an IANA name such as Europe/Zurich)`);
    }
    validZones.add(timeZone);
  }
  return new Cron(schedule.expression, {
    timezone: timeZone,
    paused: true,
    mode: '5-part',
    // Vixie cron: OR only when both day fields restrict.
    domAndDow: !(schedule.dayOfMonthRestricted && schedule.dayOfWeekRestricted),
    // Vixie cron's notion of a fixed-time job (lists and ranges of hours count), see the file comment.
    fixedTimeRule: 'no-wildcard',
  });
}
