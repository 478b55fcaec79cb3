/**
 * Which instance, and which frame of it, a Cornerstone image id shows. OHIF's DICOMweb data source
 * names every image `…/instances/<SOP Instance UID>/frames/<n>` (n from 1, a single-frame image
 * being frame 1), with a `wadors:` or `wadouri:` prefix; a case that is a frame of a multi-frame
 * volume is shown only by the image id of that frame.
 */

/** The image a case is: its instance, and the frame when the case is one frame of it (null: any frame, the instance is the case). */
export interface CaseImage {
  readonly sopUid: string;
  readonly frame: number | null;
}

const FRAME_PATH = /\/instances\/([^/?#]+)\/frames\/(\d+)(?=$|[/?#&])/;

/** Whether `imageId` shows `image`. */
export function showsCaseImage(imageId: string, image: CaseImage): boolean {
  if (image.frame === null) return imageId.includes(image.sopUid);
  const match = FRAME_PATH.exec(imageId);
  return match !== null && match[1] === image.sopUid && Number(match[2]) === image.frame;
}
