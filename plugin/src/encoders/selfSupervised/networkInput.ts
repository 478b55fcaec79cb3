/**
 * The one preprocessing shared by training and embedding, so that the network sees at embedding
 * time exactly what an un-augmented training view would be: bilinear resize to S × S (the
 * imaging module's `resizeBilinear`, PyTorch's `align_corners=False` convention), then a
 * per-image z-score (any intensity range: 8-bit PNG, 12-bit CR, CT HU, MR).
 */
import { resizeBilinear } from '../../imaging/preprocess';
import { minMaxScale, zScore } from '../grayImage';
import type { GrayImage } from '../types';

/** `image` resized bilinearly to `size × size` (a copy even when it already has that size). */
export function resizeGray(image: GrayImage, size: number): GrayImage {
  // resizeBilinear takes the imaging module's Image2D; spacing and source are carried along
  // unread, so a grey image passes with none.
  const resized = resizeBilinear({ width: image.width, height: image.height, channels: 1, data: image.data, spacing: null, source: { format: 'png' } }, size);
  return { width: resized.width, height: resized.height, data: resized.data };
}

/** What the network is fed: the resized image, z-scored. */
export function networkInput(image: GrayImage, size: number): GrayImage {
  return zScore(resizeGray(image, size));
}

/** What augmentations start from in training: the resized image scaled to [0, 1]. */
export function trainingSource(image: GrayImage, size: number): GrayImage {
  return minMaxScale(resizeGray(image, size));
}
