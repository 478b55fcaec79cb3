import { showsCaseImage } from './shownImage';

const root = 'wadors:http://127.0.0.1:8042/dicom-web/studies/1.2/series/1.2.3/instances';

describe('showsCaseImage', () => {
  it('a whole-instance case is shown by any image id of its instance', () => {
    expect(showsCaseImage(`${root}/1.2.3.4/frames/1`, { sopUid: '1.2.3.4', frame: null })).toBe(true);
    expect(showsCaseImage(`${root}/1.2.3.5/frames/1`, { sopUid: '1.2.3.4', frame: null })).toBe(false);
  });

  it('a frame case only by the image id of that frame (frame 1 is not frame 10)', () => {
    const image = { sopUid: '1.2.3.4', frame: 1 };
    expect(showsCaseImage(`${root}/1.2.3.4/frames/1`, image)).toBe(true);
    expect(showsCaseImage(`${root}/1.2.3.4/frames/10`, image)).toBe(false);
    expect(showsCaseImage(`${root}/1.2.3.4/frames/2`, image)).toBe(false);
    expect(showsCaseImage(`${root}/1.2.3.45/frames/1`, image)).toBe(false);
    expect(showsCaseImage(`wadouri:http://x/wado?requestType=WADO&objectUID=1.2.3.4&frame=0`, image)).toBe(false);
  });
});
