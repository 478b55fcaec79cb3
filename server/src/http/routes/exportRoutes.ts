import { Router, type Request, type Response } from 'express';
import { AppError } from '../../appError';
import type { ServerContext } from '../../domain/context';
import { attachment } from '../../export/downloadName';
import { EXPORT_FORMATS, type ExportFormat } from '../../export/encodeCase';
import { prepareDatasetExport, SourceUnavailableError } from '../../export/exportDataset';
import { prepareModelExport } from '../../export/exportModel';
import { SinkClosedError, type ByteSink, type Download } from '../../export/zipStream';
import { actorOf, allow, projectIdOf } from '../guards';

/** Downloads for admins: the labelled data set and a round's model, each a ZIP archive streamed as it is made. */
export function exportRoutes(ctx: ServerContext, log: (line: string) => void): Router {
  const router = Router();
  router.get('/projects/:id/export', allow('admin'), async (req, res) => {
    const format = formatOf(req);
    const download = await prepareDatasetExport(ctx, projectIdOf(req), format, actorOf(req)).catch((error: unknown) => {
      if (error instanceof SourceUnavailableError) log(`[${req.requestId}] export of project ${projectIdOf(req)}: ${error.message}: ${describe(error.reason)}`);
      throw error;
    });
    await sendZip(req, res, download, log);
  });
  router.get('/projects/:id/rounds/:round/model', allow('admin'), async (req, res) => {
    await sendZip(req, res, await prepareModelExport(ctx, projectIdOf(req), roundOf(req), actorOf(req)), log);
  });
  return router;
}

/** `?format=png|nifti` (default png). */
function formatOf(req: Request): ExportFormat {
  const format = req.query.format ?? 'png';
  if (typeof format !== 'string' || !EXPORT_FORMATS.includes(format as ExportFormat)) throw new AppError(400, 'invalid-query', `format must be one of ${EXPORT_FORMATS.join(', ')}`);
  return format as ExportFormat;
}

function roundOf(req: Request): number {
  const round = Number(req.params.round);
  if (!Number.isSafeInteger(round) || round < 0) throw new AppError(404, 'not-found', `no round ${String(req.params.round).slice(0, 40)}`);
  return round;
}

/**
 * Streams `download` as the answer. A failure before its first byte is an ordinary error answer;
 * after it, the response is cut (the client sees a truncated archive) and the operator log says
 * why. A client that disconnects stops the download.
 */
async function sendZip(req: Request, res: Response, download: Download, log: (line: string) => void): Promise<void> {
  const sink = responseSink(res, download.fileName);
  try {
    await download.write(sink);
    res.end();
  } catch (error) {
    if (error instanceof SinkClosedError || sink.signal.aborted) return; // the client went away
    if (!res.headersSent) throw error;
    log(`[${req.requestId}] ${download.fileName} cut off after ${sink.bytes} bytes: ${error instanceof SourceUnavailableError ? `${error.message}: ${describe(error.reason)}` : describe(error)}`);
    res.destroy();
  }
}

/** The response as a {@link ByteSink}: headers with the first chunk, `drain` for backpressure, aborted when the client goes. */
function responseSink(res: Response, fileName: string): ByteSink & { readonly bytes: number } {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  let bytes = 0;
  return {
    signal: controller.signal,
    get bytes() {
      return bytes;
    },
    write: async (chunk) => {
      if (controller.signal.aborted) throw new SinkClosedError();
      if (!res.headersSent) {
        res.status(200);
        res.setHeader('Content-Type', 'application/zip');
        res.setHeader('Content-Disposition', attachment(fileName));
        res.setHeader('Cache-Control', 'no-store');
      }
      bytes += chunk.length;
      if (res.write(chunk)) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done).off('close', done);
          resolve();
        };
        res.on('drain', done).on('close', done);
      });
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
