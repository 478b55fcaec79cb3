import { AppError } from '../appError';
import type { Role } from '../auth/tokenStore';
import type { MaskRecord } from '../masks/maskStore';
import type { WorklistItem } from '../rounds/roundStore';

/** Who sends a mask: the name claims and the audit log use, and the role. */
export interface Submitter {
  readonly name: string;
  readonly role: Role;
}

/** Why a submission is allowed; `override` when an admin replaces or pre-empts someone else's work. */
export interface SubmitRight {
  readonly as: 'claim-holder' | 'own-labelled' | 'admin';
  /** The other person whose claim or mask an admin's submission overrides (audited), else null. */
  readonly overrides: string | null;
}

/**
 * The rule of whose work a mask may change (issue 11): the holder of a live claim may submit;
 * whoever labelled a case may submit it again (a correction of their own work); an admin may
 * submit any case, and an override of someone else's claim or mask is audited with their name.
 * Everyone else is refused: an open case must be claimed first (409), a case another annotator
 * holds is theirs (409), a case another annotator labelled is theirs (403). A claim whose lease
 * ran out is open again, so its former holder's late submit is refused like anyone's.
 */
export function submitRight(item: WorklistItem, mask: MaskRecord | null, who: Submitter): SubmitRight {
  const owner = item.status === 'claimed' ? item.claimedBy : item.status === 'labelled' ? (mask?.submittedBy ?? null) : null;
  if (who.role === 'admin') return { as: 'admin', overrides: owner !== null && owner !== who.name ? owner : null };
  if (item.status === 'claimed') {
    if (item.claimedBy === who.name) return { as: 'claim-holder', overrides: null };
    throw new AppError(409, 'claimed-by-another', `case ${item.sopUid} is claimed by ${item.claimedBy} until ${item.leaseExpiresAt}`);
  }
  if (item.status === 'labelled') {
    if (owner === who.name) return { as: 'own-labelled', overrides: null };
    throw new AppError(403, 'labelled-by-another', `case ${item.sopUid} was labelled by ${owner ?? 'someone else'}; only they or an admin may replace the mask`);
  }
  throw new AppError(409, 'claim-required', `case ${item.sopUid} is not claimed by you (never claimed, released, or the claim expired): claim it first (POST …/cases/${item.sopUid}/claim)`);
}
