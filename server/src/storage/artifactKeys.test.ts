import { artifactKeys } from './artifactKeys';
import { assertArtifactKey } from './artifactStore';

describe('artifactKeys', () => {
  it('spells the keys of the data directory layout that the database already refers to', () => {
    expect(artifactKeys.mask(3, '1.2.840.5', '0f6a-7c', 'png')).toBe('masks/3/1.2.840.5.0f6a-7c.png');
    expect(artifactKeys.mask(3, '1.2.840.5', '0f6a-7c', 'seg.dcm')).toBe('masks/3/1.2.840.5.0f6a-7c.seg.dcm');
    expect(artifactKeys.model(3, 0)).toBe('rounds/3/0/model');
    expect(artifactKeys.entropy(3, 1, '1.2.9')).toBe('rounds/3/1/entropy/1.2.9.f32');
    expect(artifactKeys.prediction(3, 1, '1.2.9')).toBe('rounds/3/1/prediction/1.2.9.png');
  });

  it('makes a valid key of any name, and refuses what cannot name an artefact', () => {
    const key = artifactKeys.entropy(1, 1, '../x/y z');
    expect(key).toBe('rounds/1/1/entropy/.._x_y_z.f32');
    expect(assertArtifactKey(key)).toBe(key);
    expect(() => artifactKeys.prediction(1, 1, '..')).toThrow(/cannot name an artefact/);
    expect(() => artifactKeys.model(-1, 0)).toThrow(/not an id/);
    expect(() => artifactKeys.mask(1.5, '1.2', 's', 'png')).toThrow(/not an id/);
  });
});
