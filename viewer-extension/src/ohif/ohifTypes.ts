/**
 * The slice of OHIF v3 (3.13) and Cornerstone3D that the extension calls, typed by hand: the
 * prebuilt app exposes no typings to run-time extensions, and importing @ohif/* packages would
 * bundle a second copy. Only what is used is declared; names match OHIF's.
 */

/**
 * `userAuthenticationService`: the DICOMweb data source asks it for headers on every request.
 * With OIDC configured, OHIF's OpenIdConnectRoutes implements it (header from the user's access
 * token) and `getUser()` answers the signed-in oidc-client-ts `User` (undefined before sign-in).
 */
export interface UserAuthenticationService {
  setServiceImplementation(implementation: { getAuthorizationHeader: () => Record<string, string> }): void;
  getUser(): unknown;
}

export interface ViewportGridService {
  getActiveViewportId(): string;
  getDisplaySetsUIDsForViewport(viewportId: string): string[] | undefined;
}

/** A Cornerstone3D stack viewport (the subset used for the overlay and for reading the image). */
export interface StackViewport {
  readonly id: string;
  readonly element: HTMLDivElement;
  getCurrentImageId(): string | undefined;
  /** Position of the shown image in the stack (0-based), and the stack's image ids (Cornerstone3D StackViewport). */
  getCurrentImageIdIndex(): number;
  getImageIds(): string[];
  /** Scrolls the stack to image `index` (0-based); resolves with its image id once it is shown. */
  setImageIdIndex(index: number): Promise<string>;
  worldToCanvas(world: readonly number[]): [number, number];
  render(): void;
}

export interface CornerstoneViewportService {
  getCornerstoneViewport(viewportId: string): StackViewport | null | undefined;
}

/** A segment as `segmentationService.addSegment` takes it. */
export interface SegmentInput {
  readonly segmentIndex: number;
  readonly label: string;
  readonly color: readonly [number, number, number, number];
}

export interface SegmentationService {
  addSegment(segmentationId: string, segment: SegmentInput): void;
  setActiveSegment(segmentationId: string, segmentIndex: number): void;
  getSegmentation(segmentationId: string): { readonly segments: Record<string, { readonly label: string; readonly segmentIndex: number } | undefined> } | undefined;
  remove(segmentationId: string): void;
}

export interface UiNotificationService {
  show(notification: { title: string; message: string; type: 'success' | 'error' | 'info' | 'warning'; duration?: number }): void;
}

export interface DisplaySet {
  readonly displaySetInstanceUID: string;
  readonly SeriesInstanceUID?: string;
  readonly StudyInstanceUID?: string;
}

export interface DisplaySetService {
  getActiveDisplaySets(): DisplaySet[];
}

/** The services the extension uses (all exist in the 3.13 app). */
export interface OhifServices {
  readonly userAuthenticationService: UserAuthenticationService;
  readonly viewportGridService: ViewportGridService;
  readonly cornerstoneViewportService: CornerstoneViewportService;
  readonly segmentationService: SegmentationService;
  readonly uiNotificationService: UiNotificationService;
  readonly displaySetService: DisplaySetService;
}

export interface ServicesManager {
  readonly services: OhifServices;
}

export interface CommandsManager {
  runCommand(commandName: string, options?: Record<string, unknown>, contextName?: string): unknown;
}

/** Cornerstone3D as the cornerstone extension's utility module hands it out. */
export interface CornerstoneLibraries {
  readonly cornerstone: {
    readonly Enums: { readonly Events: { readonly IMAGE_RENDERED: string } };
    readonly utilities: { imageToWorldCoords(imageId: string, imageCoords: readonly [number, number]): number[] | undefined };
    readonly cache: { getImage(imageId: string): CornerstoneImage | undefined };
  };
  readonly cornerstoneTools: {
    readonly segmentation: {
      readonly state: {
        getSegmentation(segmentationId: string): { readonly representationData: { readonly Labelmap?: { readonly imageIds?: readonly string[] } } } | undefined;
      };
      /** Telling the labelmap's viewports (and OHIF's segmentation service) that voxels changed: they redraw. */
      readonly triggerSegmentationEvents: {
        triggerSegmentationDataModified(segmentationId: string, modifiedSlicesToUse?: number[], segmentIndex?: number): void;
      };
    };
  };
}

export interface CornerstoneImage {
  readonly rows: number;
  readonly columns: number;
  readonly imageId: string;
  readonly referencedImageId?: string;
  getPixelData(): ArrayLike<number>;
  /** Cornerstone3D ≥ 2: the image's voxels (a labelmap image's segment indices), with change tracking. */
  readonly voxelManager?: ImageVoxelManager;
}

/** The slice of Cornerstone3D's `VoxelManager` used on a labelmap image (index = row × columns + column). */
export interface ImageVoxelManager {
  getAtIndex(index: number): number;
  /** Answers false when the value was already there. */
  setAtIndex(index: number, value: number): boolean | void;
  getScalarDataLength(): number;
}

export interface ExtensionManager {
  getModuleEntry(id: string): { readonly exports?: unknown } | undefined;
}

/** What OHIF hands every module factory and lifecycle hook. */
export interface OhifContext {
  readonly servicesManager: ServicesManager;
  readonly commandsManager: CommandsManager;
  readonly extensionManager: ExtensionManager;
  /** `window.config` of the app (our settings are under `scanselect`). */
  readonly appConfig?: { readonly scanselect?: { readonly apiBase?: string; readonly auth?: string }; readonly oidc?: unknown } & Record<string, unknown>;
}
