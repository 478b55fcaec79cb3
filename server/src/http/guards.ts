import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../appError';
import type { Role } from '../auth/tokenStore';
import { isValidUid } from '../dicom/uid';
import { parseCaseKey } from '../domain/caseKey';

/** Route guard: only these roles (403 for the others). */
export function allow(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.principal || !roles.includes(req.principal.role)) {
      next(new AppError(403, 'forbidden', `this needs the role ${roles.join(' or ')}; the token has ${req.principal?.role ?? 'none'}`));
      return;
    }
    next();
  };
}

/** Every role (a valid token is enough). */
export const anyRole = allow('admin', 'annotator', 'service');

/** The `:id` route parameter as a project id (404 when it cannot be one). */
export function projectIdOf(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isSafeInteger(id) || id < 1) throw new AppError(404, 'not-found', `no project ${String(req.params.id)}`);
  return id;
}

/** The `:sop` route parameter, a case id: a SOP Instance UID, or `<SOP Instance UID>:<frame>` (caseKey.ts; 400 when malformed). */
export function sopUidOf(req: Request): string {
  const id = String(req.params.sop);
  const { sopUid } = parseCaseKey(id);
  if (!isValidUid(sopUid)) throw new AppError(400, 'invalid-uid', `"${id.slice(0, 80)}" is not a DICOM UID, or one with a frame number`);
  return id;
}

/** An optional non-negative integer query parameter. */
export function intQuery(req: Request, name: string): number | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isSafeInteger(value) || value < 0) throw new AppError(400, 'invalid-query', `${name} must be a non-negative integer`);
  return value;
}

/** The name the audit log and claims use for the caller. */
export function actorOf(req: Request): string {
  return req.principal!.name;
}
