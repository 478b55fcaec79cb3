import { sourceHeaders, type SourceConfig } from '../config/serverConfig';
import { DicomWebClient } from './dicomWebClient';
import { DicomWebSource } from './dicomWebSource';
import { FolderSource } from './folderSource';
import type { ImageSource } from './source';

/** The {@link ImageSource} a configured source describes. */
export function createSource(config: SourceConfig): ImageSource {
  if (config.kind === 'folder') return new FolderSource(config.path);
  return new DicomWebSource(new DicomWebClient({ baseUrl: config.url, headers: sourceHeaders(config), timeoutMs: config.timeoutMs, concurrency: config.concurrency }));
}
