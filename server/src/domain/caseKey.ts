/**
 * A case's id. A case is an image the selection can pick and an annotator labels: a single-frame
 * instance (its id is its SOP Instance UID), or one frame of a multi-frame instance whose frames
 * form a volume (an enhanced CT or MR; its id is `<SOP Instance UID>:<frame>`, frame 1-based as
 * DICOM's Referenced Frame Number). Other multi-frame instances (a cine, a legacy multi-frame) stay
 * one case, their first frame, with the instance's UID as id. The id is what the API, the worklist
 * and the stored rows (`instances.sop_uid`) name a case by; the PACS only ever sees the instance's
 * UID and the frame (`instances.instance_uid`, `instances.frame`).
 *
 * UIDs are digits and dots (PS3.5 9.1), so the separator cannot occur in one, and the id stays
 * usable in a URL path segment as it is.
 */

/** Between the instance's UID and the frame number in a frame's case id. */
export const FRAME_SEPARATOR = ':';

/** The case id of `frame` (1-based) of instance `sopUid`, or of the whole instance when `frame` is null. */
export function caseKey(sopUid: string, frame: number | null): string {
  if (frame === null) return sopUid;
  if (!Number.isInteger(frame) || frame < 1) throw new Error(`frame ${frame} of instance ${sopUid} is not a frame number (1, 2, …)`);
  return `${sopUid}${FRAME_SEPARATOR}${frame}`;
}

/** The instance and frame a case id names (frame null: the whole instance). */
export function parseCaseKey(id: string): { readonly sopUid: string; readonly frame: number | null } {
  const at = id.lastIndexOf(FRAME_SEPARATOR);
  if (at < 0) return { sopUid: id, frame: null };
  const frame = Number(id.slice(at + 1));
  return Number.isInteger(frame) && frame >= 1 ? { sopUid: id.slice(0, at), frame } : { sopUid: id, frame: null };
}
