/**
 * @scanselect/plugin — the ScanSelect engine. This file is the public surface: import from
 * here, not from the folders below.
 */
export { ScanSelectError, InvalidInputError, RegistryError, CancelledError, type InvalidInputCode } from './core/errors';
export { Registry, type Registrable } from './core/registry';
export { matrixFromRows, assertFinite, type DenseMatrix, type Points2D } from './core/matrix';
export type { ProgressCallback, ProgressEvent } from './core/progress';
export { createRng, sampleWithoutReplacement, shuffleInPlace, type Rng } from './random/rng';

export { kmeans, kmeansPlusPlus, type KMeansOptions, type KMeansResult } from './clustering/kmeans';
export { silhouetteScore, silhouetteScores, type SilhouetteOptions, type SilhouetteResult } from './clustering/silhouette';
export { sweepK, candidateKs, type KSweepEntry, type KSweepOptions, type KSweepResult, type Clustering } from './clustering/kSweep';
export { medoid } from './clustering/medoid';

export { tsne, type TsneOptions } from './projection/tsne';
export { pca } from './projection/pca';
export { trustworthiness } from './projection/trustworthiness';
export { describeProjection } from './projection/describeProjection';
export type { Projection, ProjectionOptions } from './projection/types';

export { coldStart } from './selection/coldStart';
export { randomSelection } from './selection/randomSelection';
export { kmeansBudgetSelection } from './selection/kmeansBudget';
export { allocateProportionally } from './selection/allocation';
export { farthestPointSampling } from './selection/farthestPointSampling';
export { GroupQuota, validateGroupLimit, type GroupLimit } from './selection/groupQuota';
export { validateGroupPenalty, type GroupPenalty } from './selection/groupPenalty';
export { adaptiveAlpha, spearman, type AdaptiveAlphaChoice, type AdaptiveAlphaOptions, type UncertaintyOutcome } from './selection/adaptiveAlpha';
export { acquire, DEFAULT_ALPHA, type AcquisitionInput, type AcquisitionOptions, type AcquiredIndex, type AcquisitionOutcome } from './selection/acquisition';
export { pixelEntropy, imageEntropy, normaliseMinMax, DEFAULT_ENTROPY_EPSILON } from './selection/entropy';
export type { SelectionReason, SelectedIndex, ClusterSummary, ColdStartOutcome, ColdStartInput, ColdStartOptions, ColdStartStrategy } from './selection/types';
export {
  runColdStart,
  runAcquisition,
  type EmbeddedPool,
  type ColdStartRequest,
  type AcquisitionRequest,
  type SelectionEntry,
  type SelectionReport,
  type SelectionRun,
  type PipelineOptions,
} from './selection/pipeline';
export { createStrategyRegistry, createProjectionRegistry, defaultRegistries, STRATEGY_IDS, PROJECTION_IDS, type Registries } from './registries';

export { EmbeddingsCsvParser, parseEmbeddingsCsv, formatEmbeddingsCsv, quoteField } from './io/embeddingsCsv';
export { parseEntropyCsv, parseIdList } from './io/scoresCsv';
export { selectionMapSvg, type SelectionMapInput } from './plot/selectionMapSvg';
export { lineChartSvg, niceTicks, markerSvg, type LineChartInput, type ChartSeries, type ChartPoint, type Marker } from './plot/lineChartSvg';
export { selectionFigureSvg, type SelectionFigureInput } from './plot/selectionFigureSvg';
export { svgToPng } from './plot/svgToPng';
export { clusteredEmbeddings, type ClusteredEmbeddings, type ClusteredEmbeddingsOptions } from './synthetic/clusteredEmbeddings';
export { chestPhantom, chestPhantomSet, CHEST_PHANTOM_GROUPS, CHEST_PHANTOM_LABELS, type ChestPhantom, type ChestPhantomSetItem, type ChestPhantomGroup, type ChestPhantomOptions } from './synthetic/chestPhantom';

export * from './imaging';
export { diceScores, classDice, binaryDice, type DiceResult } from './metrics/dice';
export { hausdorffScores, binaryHausdorff, surfaceMask, type HausdorffResult, type HausdorffOptions, type HausdorffStatus, type BinaryHausdorff } from './metrics/hausdorff';
export { squaredDistanceTransform } from './metrics/distanceTransform';
export { percentileLinear } from './metrics/percentile';
export { heatmapPng, inferno, type HeatmapOptions } from './plot/heatmapPng';

export { createEncoderRegistry, DEFAULT_ENCODER_ID } from './encoders/encoderRegistry';
export { CombinedEncoder, createEncoder, combinedParts, COMBINED_SEPARATOR, MODEL_ENCODER_IDS } from './encoders/combinedEncoder';
export type { GrayImage, Encoder, EncoderOptions, EncoderFactory } from './encoders/types';
export { TfjsModelEncoder, createTfjsModelEncoder, NORMALIZATIONS, pickFeatureLayer, type Normalization, type TfjsModelEncoderOptions } from './encoders/tfjsModelEncoder';
export { IntensityTextureEncoder, intensityTextureFeatures, INTENSITY_TEXTURE_DIMENSIONS } from './encoders/intensityTextureEncoder';
export {
  trainSelfSupervised,
  type SelfSupervisedTrainOptions,
  type SelfSupervisedTrainProgress,
  type SelfSupervisedTraining,
  type SelfSupervisedTrainingSummary,
} from './encoders/selfSupervised/trainSelfSupervised';
export { DEFAULT_SELF_SUPERVISED_INPUT_SIZE } from './encoders/selfSupervised/contrastiveModel';
export { SelfSupervisedEncoder, SELF_SUPERVISED_ENCODER_ID, type SelfSupervisedEncoderOptions } from './encoders/selfSupervised/selfSupervisedEncoder';
export { saveSelfSupervisedEncoder, loadSelfSupervisedEncoder, SELF_SUPERVISED_FORMAT_VERSION, type SelfSupervisedEncoderMetadata } from './encoders/selfSupervised/selfSupervisedStore';
export { augmentView, DEFAULT_AUGMENT_OPTIONS, type AugmentOptions } from './encoders/selfSupervised/augment';
export { ntXentLoss, DEFAULT_TEMPERATURE } from './encoders/selfSupervised/ntXent';
export {
  InMemoryEmbeddingCache,
  FileSystemEmbeddingCache,
  embedWithCache,
  grayImageSha256,
  sha256Hex,
  type EmbeddingCache,
  type EmbeddingCacheKey,
  type CachedEmbeddings,
} from './encoders/embeddingCache';

export { initCompute, describeCompute, resetComputeCache, BACKEND_ENV_VAR, type ComputeInfo, type ComputeOptions, type ComputeBackendName, type ComputeBackendRequest } from './compute/backend';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNEL_NAMES } from './compute/wasmTrainingKernels';
export { listImageFiles, readImageFile, readMaskFile, type ImageFile, type ImageFileFormat, type IdentifiedImage, type ReadImageOptions, type ReadMaskOptions } from './datasets/imageFiles';

export { buildAttentionUnet, resolveAttentionUnetConfig, attentionUnetChannels, DEFAULT_DEPTH, DEFAULT_BASE_CHANNELS, type AttentionUnetConfig, type ResolvedAttentionUnetConfig } from './models/attentionUnet';
export { diceCeLoss, softDiceLoss, crossEntropyLoss, oneHotMasks, type DiceCeOptions } from './models/losses';
export { trainSegmentation, type SegmentationData, type TrainOptions, type TrainProgress, type TrainedModel } from './models/train';
export { predict, predictBatch, type SegmentationPrediction, type PredictOptions, type PredictBatchOptions } from './models/inference';
export { saveModel, loadModel, MODEL_FORMAT_VERSION, type ModelMetadata } from './models/modelStore';
export { modelToFiles, modelFromFiles, MODEL_FILE_NAMES, type ModelFiles, type ModelFileName } from './models/modelFiles';
export { loadSegmentationSamples, type SegmentationSample, type LoadSamplesOptions } from './datasets/segmentationSamples';
export { experimentDataset, evenlySpaced, IBSR_SLICES_PER_SUBJECT, IBSR_MIN_BRAIN_FRACTION, type ExperimentDataset, type LabelledImage, type DiceKind } from './datasets/builtinDatasets';
export {
  runSeed,
  testSplit,
  settingKey,
  methodLabel,
  settingBudget,
  paperSettings,
  parseActiveLearningSplit,
  parseAlphas,
  roundsOf,
  type AlphaRule,
  type Split,
  type Setting,
  type ColdStartSetting,
  type ActiveLearningSetting,
} from './experiments/protocol';
export { resultsRows, resultsMarkdown, resultsCsv, summary, pairedComparison, pairedMarkdown, type RunResult, type ResultsRow, type PairedRow } from './experiments/resultsTable';
export { CheckpointStore, type CheckpointKey } from './experiments/checkpointStore';
export { capEffect, capEffectMarkdown, type CapEffectRow } from './experiments/capEffect';
export { runExperiment, type ExperimentOptions, type ExperimentEvent, type ExperimentOutcome, type StoredResult } from './experiments/runExperiment';
export { budgetSeries, budgetChartsSvg } from './experiments/resultsPlots';
export { PROFILES, experimentProfile, datasetBudgets, type ExperimentProfile, type DatasetBudgets } from './experiments/profiles';
