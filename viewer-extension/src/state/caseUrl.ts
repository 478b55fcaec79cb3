import { MODE_ROUTE, URL_PARAMS } from '../ids';

/** A case as the viewer opens it: project, instance and where the instance lives. */
export interface CaseRef {
  readonly projectId: number;
  /** The case's id: its SOP Instance UID, or `<SOP Instance UID>:<frame>` for a frame of a multi-frame volume. */
  readonly sopUid: string;
  /** The SOP Instance UID to open, when it is not the case's id (a frame of a multi-frame volume). */
  readonly instanceUid?: string;
  readonly studyUid: string;
  readonly seriesUid: string;
}

/**
 * The mode's route (relative to OHIF's router base) that shows one case: its study and series,
 * plus `project` and `case` for the extension. OHIF's `initialSeriesInstanceUID` and
 * `initialSOPInstanceUID` open the series' stack at the case's own instance — for a slice of a CT
 * or MR volume, the selected slice rather than the first (for a frame of a multi-frame volume
 * its instance: the extension then scrolls to the frame). With `dataSource` (the project's source
 * name, which is the OHIF data source's name) the images are read from that source.
 */
export function caseRoute(ref: CaseRef, dataSource?: string): string {
  const query = new URLSearchParams({
    StudyInstanceUIDs: ref.studyUid,
    SeriesInstanceUIDs: ref.seriesUid,
    initialSeriesInstanceUID: ref.seriesUid,
    initialSOPInstanceUID: ref.instanceUid ?? ref.sopUid,
    [URL_PARAMS.project]: String(ref.projectId),
    [URL_PARAMS.case]: ref.sopUid,
  });
  return `/${MODE_ROUTE}${dataSource ? `/${encodeURIComponent(dataSource)}` : ''}?${query.toString()}`;
}

/** What the URL's query says about the case to show (fields absent when not in the URL). */
export interface CaseQuery {
  readonly projectId: number | null;
  readonly sopUid: string | null;
  readonly studyUid: string | null;
  readonly seriesUid: string | null;
}

/** Reads {@link CaseQuery} from `location.search` (OHIF's parameter names are case-insensitive). */
export function caseFromSearch(search: string): CaseQuery {
  const params = new URLSearchParams(search);
  const get = (name: string): string | null => {
    for (const [key, value] of params) if (key.toLowerCase() === name.toLowerCase() && value) return value.split(',')[0]!.trim();
    return null;
  };
  const project = Number(get(URL_PARAMS.project));
  return {
    projectId: Number.isSafeInteger(project) && project > 0 ? project : null,
    sopUid: get(URL_PARAMS.case),
    studyUid: get('StudyInstanceUIDs'),
    seriesUid: get('SeriesInstanceUIDs'),
  };
}
