import { redactUids } from './redactUids';

describe('redactUids', () => {
  it('hides DICOM UIDs of both usual forms, keeps addresses, ports and versions', () => {
    expect(redactUids('GET /api/projects/1/cases/2.25.16499615653511809070070483491199743796/mask 201')).toBe('GET /api/projects/1/cases/<uid>/mask 201');
    expect(redactUids('WADO-RS http://127.0.0.1:8042/dicom-web/studies/1.2.826.0.1.3680043.10.1341.60.1 failed')).toBe('WADO-RS http://127.0.0.1:8042/dicom-web/studies/<uid> failed');
    expect(redactUids('ScanSelect 0.1.0 on 255.255.255.255, tfjs 4.22.0')).toBe('ScanSelect 0.1.0 on 255.255.255.255, tfjs 4.22.0');
  });
});
