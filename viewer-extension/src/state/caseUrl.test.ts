import { caseFromSearch, caseRoute } from './caseUrl';

describe('case URLs', () => {
  const ref = { projectId: 3, sopUid: '1.2.3.4', studyUid: '1.2.3', seriesUid: '1.2.3.9' };

  it('builds the mode route with study, series, project and case (and the data source when given)', () => {
    const opening = 'initialSeriesInstanceUID=1.2.3.9&initialSOPInstanceUID=1.2.3.4';
    expect(caseRoute(ref)).toBe(`/scanselect?StudyInstanceUIDs=1.2.3&SeriesInstanceUIDs=1.2.3.9&${opening}&project=3&case=1.2.3.4`);
    expect(caseRoute(ref, 'pacs one')).toBe(`/scanselect/pacs%20one?StudyInstanceUIDs=1.2.3&SeriesInstanceUIDs=1.2.3.9&${opening}&project=3&case=1.2.3.4`);
  });

  it('reads back what it wrote', () => {
    const search = caseRoute(ref).slice(caseRoute(ref).indexOf('?'));
    expect(caseFromSearch(search)).toEqual({ projectId: 3, sopUid: '1.2.3.4', studyUid: '1.2.3', seriesUid: '1.2.3.9' });
  });

  it('reads OHIF parameters case-insensitively, takes the first of a list, and ignores a bad project', () => {
    expect(caseFromSearch('?studyinstanceuids=1.2,1.3&project=x')).toEqual({ projectId: null, sopUid: null, studyUid: '1.2', seriesUid: null });
    expect(caseFromSearch('')).toEqual({ projectId: null, sopUid: null, studyUid: null, seriesUid: null });
  });
});
