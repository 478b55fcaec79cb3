import { Image2D } from './types';

/**
 * Converts an RGB image to one grey channel with ITU-R BT.601 luma weights
 * (0.299 R + 0.587 G + 0.114 B — the weights of JPEG/JFIF and of PIL's `convert('L')`).
 * A 1-channel image is returned as is (same object).
 */
export function toGrayscale(image: Image2D): Image2D {
  if (image.channels === 1) return image;
  const n = image.width * image.height;
  const data = new Float32Array(n);
  const src = image.data;
  for (let i = 0; i < n; i++) data[i] = 0.299 * src[i * 3] + 0.587 * src[i * 3 + 1] + 0.114 * src[i * 3 + 2];
  return { ...image, channels: 1, data, photometric: 'MONOCHROME2', source: { ...image.source } };
}
