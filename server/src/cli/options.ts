import { InvalidOptionArgumentError } from 'commander';

/** Commander parser for an integer option (rejects "3.5", "abc", ""). */
export function integer(value: string): number {
  if (!/^[-+]?\d+$/.test(value.trim())) throw new InvalidOptionArgumentError(`"${value}" is not an integer.`);
  return Number(value);
}

/** Commander parser for a finite number option. */
export function finiteNumber(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n)) throw new InvalidOptionArgumentError(`"${value}" is not a number.`);
  return n;
}
