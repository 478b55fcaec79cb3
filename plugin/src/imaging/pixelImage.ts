import { Image2D } from './types';

/**
 * An {@link Image2D} from decoded 8/16-bit pixels of a file format without physical spacing
 * (PNG, JPEG): grey is MONOCHROME2 (higher = brighter), 3 channels are RGB.
 */
export function pixelImage(width: number, height: number, channels: 1 | 3, data: Float32Array, format: 'png' | 'jpeg', path?: string): Image2D {
  const image: Image2D = {
    width,
    height,
    channels,
    data,
    spacing: null,
    photometric: channels === 1 ? 'MONOCHROME2' : 'RGB',
    source: { format },
  };
  if (path !== undefined) image.source.path = path;
  return image;
}
