/**
 * SimCLR's contrastive loss, NT-Xent (normalised temperature-scaled cross-entropy; Chen et al.
 * 2020, eq. 1), written with tfjs ops so that it is differentiable on every backend.
 *
 * For 2N projections where rows i and i + N are two views of the same image:
 *
 *   s(i, k) = z_i · z_k / (‖z_i‖ ‖z_k‖)
 *   ℓ(i)    = −log( exp(s(i, p(i)) / τ) / Σ_{k ≠ i} exp(s(i, k) / τ) ),  p(i) = i ± N
 *   L       = (1 / 2N) Σ_i ℓ(i)
 *
 * Each view must pick its partner out of the 2N − 1 others; the other 2N − 2 views act as
 * negatives. L ≥ 0; at random it is about log(2N − 1).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself; tfjs-layers registers all of them when loaded, and
// the loss must be differentiable even when imported alone (as models/losses.ts does).
import '@tensorflow/tfjs-layers';
import { InvalidInputError } from '../../core/errors';

/** SimCLR found 0.1–0.5 best; 0.2 suits small batches. */
export const DEFAULT_TEMPERATURE = 0.2;

/**
 * Subtracted from each row's similarity with itself: large enough that exp(·) is 0 in float32,
 * finite so that the zero one-hot weight times it stays 0 (−Infinity would give NaN).
 */
const SELF_SIMILARITY_MASK = 1e9;

/**
 * NT-Xent of `projections` (`[2N, d]`: first the N first views, then the N second views in the
 * same image order) at temperature `temperature`. Returns a scalar; call it inside `tf.tidy` or an
 * optimiser's `minimize` (it creates intermediate tensors only inside its own tidy).
 */
export function ntXentLoss(projections: tf.Tensor2D, temperature = DEFAULT_TEMPERATURE): tf.Scalar {
  const [rows, dims] = projections.shape;
  if (rows < 4 || rows % 2 !== 0) throw new InvalidInputError('invalid-option', `NT-Xent needs 2N rows with N ≥ 2 (two views per image), got ${rows}`);
  if (dims < 1) throw new InvalidInputError('invalid-option', 'NT-Xent needs projections of at least one dimension');
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new InvalidInputError('invalid-option', `temperature must be positive, got ${temperature}`);
  const n = rows / 2;
  return tf.tidy(() => {
    // Rows to unit length; the ε keeps an all-zero row finite (its similarities are then 0).
    const z = tf.mul(projections, tf.rsqrt(tf.add(tf.sum(tf.square(projections), 1, true), 1e-12)));
    const similarity = tf.div(tf.matMul(z, z, false, true), temperature);
    const logits = tf.sub(similarity, tf.mul(tf.eye(rows), SELF_SIMILARITY_MASK));
    // One-hot rows marking each view's partner: i ↔ i + N.
    const partner = new Float32Array(rows * rows);
    for (let i = 0; i < rows; i++) partner[i * rows + (i < n ? i + n : i - n)] = 1;
    const target = tf.tensor2d(partner, [rows, rows]);
    const logProbability = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logProbability), 1))) as tf.Scalar;
  });
}
